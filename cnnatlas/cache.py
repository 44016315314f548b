"""Atomic, safe files for trained weights and decoded data: never a partial file, never arbitrary unpickling."""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import re
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import torch

from .checks import check_file_name

CACHE_ENV = "CNNATLAS_CACHE"
_SUFFIX = re.compile(r"[A-Za-z0-9._-]*")


class CacheWarning(UserWarning):
    """A cache file was unusable (corrupted, truncated or made for something else) and is rebuilt."""


def cache_dir(kind: str) -> Path:
    """Return the folder for cached ``kind`` files (``$CNNATLAS_CACHE/kind`` or ``~/.cache/cnnatlas/kind``).

    ``kind`` is a plain name ([`check_file_name()`][cnnatlas.checks.check_file_name]), never a path.

    Examples:
        >>> cache_dir("models").name
        'models'
    """
    check_file_name(kind, "kind")
    base = os.environ.get(CACHE_ENV)
    root = Path(base).expanduser() if base else Path.home() / ".cache" / "cnnatlas"
    folder = root / kind
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def cache_file(kind: str, name: str, suffix: str = "") -> Path:
    """Return the path of the file ``name + suffix`` in [`cache_dir()`][cnnatlas.cache.cache_dir] ``(kind)``: never outside that folder.

    ``name`` (a user's string) must be a plain file name ([`check_file_name()`][cnnatlas.checks.check_file_name]: no
    separator, no ``..``, no absolute path); ``suffix`` (the library's) letters, digits, ``.``, ``_`` and
    ``-`` only. The resolved path, symbolic links followed, must still lie inside the folder.

    Examples:
        >>> cache_file("models", "lenet", "-0123.pt").name
        'lenet-0123.pt'
        >>> cache_file("models", "../escape", ".pt")
        Traceback (most recent call last):
        ...
        ValueError: name: expected a plain file name (letters, digits, '.', '_', '-'; no path), got '../escape'
    """
    check_file_name(name, "name")
    if not isinstance(suffix, str) or _SUFFIX.fullmatch(suffix) is None or ".." in suffix:
        raise ValueError(f"suffix: expected letters, digits, '.', '_' and '-' only, got {suffix!r}")
    folder = cache_dir(kind)
    path = folder / f"{name}{suffix}"
    resolved, inside = path.resolve(), folder.resolve()
    if resolved.parent != inside:
        raise ValueError(f"{path.name}: expected a file inside the cache folder {inside}, got {resolved}")
    return path


def stable_hash(payload: Any) -> str:
    """Return a hex SHA-256 of a JSON-serialisable payload (keys sorted, so order never matters).

    Examples:
        >>> stable_hash({"a": 1}) == stable_hash({"a": 1})
        True
    """
    text = json.dumps(payload, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def save_atomic(obj: Any, path: Path) -> Path:
    """Write ``obj`` with ``torch.save`` to a temporary file beside ``path``, then rename it into place.

    An interrupted write leaves ``path`` as it was (absent or the old file), never half written.

    Examples:
        >>> save_atomic({"w": torch.zeros(2)}, Path(tempfile.mkdtemp()) / "w.pt").suffix
        '.pt'
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            torch.save(obj, handle)
            handle.flush()
            os.fsync(handle.fileno())
        tmp.replace(path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


@contextmanager
def exclusive(path: Path) -> Iterator[None]:
    """Hold an exclusive lock for the cache file ``path`` while the block runs.

    Another process (or thread) that asks for the lock of the same file waits until the block ends; it then
    finds the file written and loads it instead of building it again: two pages, or a page and a background
    process that prepares models for a site build, never train one model twice. The lock is an advisory
    ``flock`` on a hidden ``.<name>.lock`` file beside ``path``, released when the block ends or the process
    dies. On a platform without ``fcntl`` (Windows) the block runs without a lock.

    Examples:
        >>> with exclusive(Path(tempfile.mkdtemp()) / "w.pt"):
        ...     pass
    """
    path = Path(path)
    try:
        import fcntl  # noqa: PLC0415 - here: a module-level try would make every page depend on this file
    except ImportError:  # Windows: no advisory locks; each process then builds its own copy
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.with_name(f".{path.name}.lock").open("a") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def load_checked(path: Path, expected_key: str) -> dict[str, Any] | None:
    """Load a cache file written by [`save_atomic()`][cnnatlas.cache.save_atomic] if it is intact and was made for ``expected_key``.

    Returns None when there is no file. A file that cannot be read, or that carries another key,
    is reported in one [`CacheWarning`][cnnatlas.cache.CacheWarning], removed, and None is returned so that the caller rebuilds it.
    Loading uses ``weights_only=True``: no arbitrary object is ever unpickled.

    Examples:
        >>> load_checked(Path("/nonexistent.pt"), "key") is None
        True
    """
    path = Path(path)
    if not path.exists():
        return None
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except (RuntimeError, OSError, EOFError, ValueError, pickle.UnpicklingError) as error:
        lines = str(error).strip().splitlines()
        reason = f"unreadable ({type(error).__name__}: {lines[0][:120] if lines else 'empty or truncated'})"
        payload = None
    else:
        reason = ""
        if not isinstance(payload, dict) or payload.get("key") != expected_key:
            reason = "made for another model, data set or recipe"
            payload = None
    if payload is None:
        warnings.warn(f"cnnatlas cache {path.name} is {reason}; rebuilding it", CacheWarning, stacklevel=3)
        path.unlink(missing_ok=True)
    return payload
