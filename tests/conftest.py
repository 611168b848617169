"""Fixtures shared by every test module: named users in the three roles, API clients."""
from pathlib import Path

import pytest

SHARED_DIR = Path(__file__).resolve().parents[2] / "shared"
VIDEOAVE_DIR = SHARED_DIR / "data" / "videoave"
