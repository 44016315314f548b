"""Shared test settings: offline data from the mirror beside the checkout when present, a private cache."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
_MIRROR = ROOT.parent / "shared" / "data"
if "CNNATLAS_DATA_MIRROR" not in os.environ and _MIRROR.is_dir():
    os.environ["CNNATLAS_DATA_MIRROR"] = str(_MIRROR)
