"""Two costs of every build that a build with nothing to re-run does not need to pay again.

- mkdocs-gallery imports ``matplotlib.pyplot`` while it reads its configuration, only to select the Agg
  backend (``mkdocs_gallery.gen_gallery._import_matplotlib``), a tenth of a no-change rebuild.
  :func:`defer_matplotlib` makes that call select Agg the way matplotlib itself reads it at import
  (``MPLBACKEND=agg``) when matplotlib is not imported yet; ``schemes.py`` imports it when an example runs,
  with Agg. Where matplotlib is already imported, mkdocs-gallery's own function runs.
- Jinja compiles every template (the theme's and mkdocstrings' ~80) on every build, another tenth.
  :func:`cache_templates` gives an environment a bytecode cache in a folder of its own (per environment and
  per version of the packages that configure it: compiled code depends on the environment's options);
  Jinja checks each template's source against the cached code's checksum and compiles it again when it
  changed.

``site_hook.py`` calls both (the first in ``on_config``, before mkdocs-gallery's; the second in ``on_env``
for the theme and for mkdocstrings' Python handler).
"""

from __future__ import annotations

import importlib.metadata
import os
import sys
from pathlib import Path

import jinja2

TEMPLATES_FOLDER = ".jinja-cache"  # in the gallery output folder: hidden, MkDocs does not publish it


def defer_matplotlib() -> None:
    """Make mkdocs-gallery select matplotlib's Agg backend without importing matplotlib (see the module)."""
    from mkdocs_gallery import gen_gallery  # noqa: PLC0415 - the plugin is loaded by the time hooks run

    original = gen_gallery._import_matplotlib
    if getattr(original, "deferred_by_cnnatlas", False):
        return

    def select_agg():
        if "matplotlib" in sys.modules:
            return original()
        os.environ["MPLBACKEND"] = "agg"  # what matplotlib.use("agg") does before matplotlib is imported
        return None, None

    select_agg.deferred_by_cnnatlas = True
    gen_gallery._import_matplotlib = select_agg


def cache_templates(env: jinja2.Environment, store_dir: Path, name: str, packages: tuple[str, ...]) -> Path:
    """Give ``env`` a bytecode cache in ``store_dir/.jinja-cache/<name>-<versions of packages>``; return it."""
    versions = "-".join(importlib.metadata.version(package) for package in packages)
    folder = Path(store_dir) / TEMPLATES_FOLDER / f"{name}-{versions}"
    folder.mkdir(parents=True, exist_ok=True)
    env.bytecode_cache = jinja2.FileSystemBytecodeCache(str(folder))
    return folder
