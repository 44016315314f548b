"""Shared test settings: the tool environment of docs/hooks/tooling.py (offline data from the mirror beside
the checkout when present, a quiet MkDocs), and docs/hooks importable for the site tests."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT / "docs" / "hooks"))
import tooling  # noqa: E402 - from docs/hooks, put on the path above

for _name, _value in tooling.tool_env().items():
    os.environ.setdefault(_name, _value)
