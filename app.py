"""`python app.py [FILE]` opens gradviz (the same as the `gradviz` command)."""

import sys

from gradviz.ui.app import launch

if __name__ == "__main__":
    sys.exit(launch(sys.argv[1] if len(sys.argv) > 1 else None))
