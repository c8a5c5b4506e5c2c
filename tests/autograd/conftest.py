"""The autograd tests share a few helpers (``autograd_cases``); make them importable."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
