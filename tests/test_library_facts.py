"""docs/hooks/library_facts.py: what the hooks read from cnnatlas's sources equals what the imported library says."""

from __future__ import annotations

import doctest
import subprocess
import sys
from pathlib import Path

import library_facts  # docs/hooks, put on sys.path by conftest.py
import pytest
import torch

import cnnatlas
from cnnatlas import train

ROOT = Path(__file__).resolve().parent.parent


def test_the_facts_are_the_library_s() -> None:
    assert library_facts.package_dir() == Path(cnnatlas.__file__).parent
    assert library_facts.version() == cnnatlas.__version__
    assert library_facts.torch_version() == torch.__version__
    assert library_facts.quick_limits() == (train.QUICK_MAX_EPOCHS, train.QUICK_TRAIN_IMAGES)


@pytest.mark.parametrize("value", [None, "", "full", "quick", " Quick ", "FULL", "fast"])
def test_the_profile_rule_is_the_library_s(value: str | None, monkeypatch: pytest.MonkeyPatch) -> None:
    if value is None:
        monkeypatch.delenv(train.PROFILE_ENV, raising=False)
    else:
        monkeypatch.setenv(train.PROFILE_ENV, value)
    try:
        expected: object = cnnatlas.build_profile()
    except ValueError as error:
        expected = str(error)
    try:
        got: object = library_facts.build_profile()
    except ValueError as error:
        got = str(error)
    assert got == expected


def test_a_missing_constant_is_named() -> None:
    with pytest.raises(LookupError, match="train.py assigns no literal to NOT_THERE"):
        library_facts.constant("train.py", "NOT_THERE")


def test_the_docstring_examples() -> None:
    assert doctest.testmod(library_facts).failed == 0


def test_loading_the_hooks_imports_neither_torch_nor_cnnatlas() -> None:
    """What a no-change rebuild loads before it knows that no example must run (see site_hook.py)."""
    code = (
        "import sys, runpy; sys.path.insert(0, 'docs/hooks'); import site_hook, gallery_conf, thumbnails; "
        "runpy.run_path('docs/hooks/gallery_conf.py'); "
        "print(sorted(m for m in ('torch', 'cnnatlas', 'matplotlib') if m in sys.modules))"
    )
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "[]"
