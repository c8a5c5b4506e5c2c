"""Test-wide settings: Qt draws offscreen, so the suite runs without a screen, and
hypothesis draws the same examples on every run, so CI cannot fail on a lucky draw.
``GRADVIZ_HYPOTHESIS=explore`` draws fresh random examples instead (see docs/testing.md)."""

import os

from hypothesis import settings

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

settings.register_profile("repeatable", derandomize=True, print_blob=True)
settings.register_profile("explore", derandomize=False, print_blob=True)
settings.load_profile(os.environ.get("GRADVIZ_HYPOTHESIS", "repeatable"))
