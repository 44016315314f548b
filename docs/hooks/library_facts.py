"""What the site's hooks need to know about cnnatlas and torch, without importing them.

Importing ``cnnatlas`` imports torch (about 3 s on an idle 2-core machine, most of a no-change rebuild), and
a build whose examples all are up to date runs no cnnatlas code. So the hooks read what they print (the
versions, the build profile, the quick profile's limits) from the sources and the installed metadata:

- the package is found with ``importlib.util.find_spec`` (the same ``cnnatlas`` an ``import`` would run,
  the checkout's own under ``python -m mkdocs``), not executed;
- ``__version__`` and the constants of ``train.py`` are read with ``ast`` (they are literals there), on each
  call: ``mkdocs serve`` keeps this module across rebuilds while the files change;
- torch's version is read the same way from ``torch/version.py`` (its metadata lacks the build's local
  tag, ``+cpu``...).

:func:`build_profile` applies ``cnnatlas.build_profile``'s rule to the constants it reads;
``tests/test_library_facts.py`` checks every answer here against the imported library.
"""

from __future__ import annotations

import ast
import functools
import importlib.util
import os
from pathlib import Path

PACKAGE = "cnnatlas"


@functools.cache
def package_dir(package: str = PACKAGE) -> Path:
    """Return the folder of the package that ``import <package>`` would load (without loading it)."""
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError(f"no {package} package on sys.path")
    return Path(spec.origin).parent


def _literals(module: str, package: str = PACKAGE) -> dict[str, object]:
    """Return the top-level ``NAME = <literal>`` assignments of ``module`` (a file of ``package``)."""
    tree = ast.parse((package_dir(package) / module).read_text(encoding="utf-8"))
    found: dict[str, object] = {}
    for node in tree.body:
        target = node.targets[0] if isinstance(node, ast.Assign) and len(node.targets) == 1 else None
        if isinstance(node, ast.AnnAssign):
            target = node.target
        if isinstance(target, ast.Name) and node.value is not None:
            try:
                found[target.id] = ast.literal_eval(node.value)
            except ValueError:
                pass  # not a literal: not a fact this module can read
    return found


def constant(module: str, name: str) -> object:
    """Return the literal value of the top-level ``name`` of the package's ``module`` (``"train.py"``).

    >>> constant("train.py", "PROFILES")
    ('full', 'quick')
    """
    values = _literals(module)
    if name not in values:
        raise LookupError(f"{PACKAGE}/{module} assigns no literal to {name}")
    return values[name]


def version() -> str:
    """Return ``cnnatlas.__version__``."""
    return str(constant("__init__.py", "__version__"))


def torch_version() -> str:
    """Return ``torch.__version__``, as ``torch/version.py`` assigns it."""
    return str(_literals("version.py", "torch")["__version__"])


def build_profile() -> str:
    """Return ``cnnatlas.build_profile()``: ``"full"`` unless ``$CNNATLAS_PROFILE`` names another profile.

    >>> build_profile() in constant("train.py", "PROFILES")
    True
    """
    name, profiles = constant("train.py", "PROFILE_ENV"), constant("train.py", "PROFILES")
    value = os.environ.get(name, "full").strip().lower() or "full"
    if value not in profiles:
        raise ValueError(f"{name}: expected one of {profiles}, got {value!r}")
    return value


def build_seed() -> str:
    """Return ``$CNNATLAS_SEED`` as ``cnnatlas.build_seed()`` reads it (``"0"`` when unset), unchecked."""
    return os.environ.get(constant("train.py", "SEED_ENV"), "").strip() or "0"


def quick_limits() -> tuple[int, int]:
    """Return the quick profile's (epochs at most, training images): ``cnnatlas.train.QUICK_MAX_EPOCHS`` and
    ``QUICK_TRAIN_IMAGES``."""
    return int(constant("train.py", "QUICK_MAX_EPOCHS")), int(constant("train.py", "QUICK_TRAIN_IMAGES"))
