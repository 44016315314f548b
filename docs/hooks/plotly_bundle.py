"""The plotly.js that the site loads: the vendored partial bundle in docs/javascripts/plotly/.

The atlas draws scatter and heatmap traces only, so the site ships a plotly.js bundle of those two (1.1 MB,
built from the plotly.js npm package by docs/hooks/plotly_build/) instead of the full plotly.js of the
Python package (4.8 MB): a reader's browser runs it in about half the time of plotly.js's cartesian bundle
(1.5 MB) and a sixth of the full one. MkDocs copies it into the site like any file of ``docs/``; a page
with a figure preloads it in its ``<head>`` and runs it just before Material's script (``figure_head.py``);
figures.js draws each figure with it. The bundle must be
the plotly.js version of the installed Python plotly, which wrote the figures' JSON: ``check_bundle`` fails
the build otherwise (see docs/javascripts/plotly/README.md for the upgrade steps).
"""

from __future__ import annotations

import re
from pathlib import Path

import plotly.offline

BUNDLE = Path("javascripts") / "plotly" / "plotly-atlas.min.js"  # from docs_dir and from site_dir
_HEADER = re.compile(r"plotly\.js \(cnnatlas: [a-z, ]+ - minified\) v(\d+\.\d+\.\d+)")


def bundle_version(path: Path) -> str | None:
    """Return the plotly.js version named in the bundle's header comment, None if it names none."""
    with path.open(encoding="utf-8") as stream:
        found = _HEADER.search(stream.read(400))
    return found.group(1) if found else None


def trace_types(path: Path) -> set[str]:
    """Return the trace types that the bundle registers (``scatter``, ``heatmap``, ...)."""
    text = path.read_text(encoding="utf-8")
    return set(re.findall(r'moduleType:"trace",name:"(\w+)"', text))


def check_bundle(docs_dir: Path) -> str | None:
    """Return why the vendored bundle does not fit the installed plotly, or None when it does."""
    path = Path(docs_dir) / BUNDLE
    if not path.is_file():
        return f"{path} is missing: build it (docs/javascripts/plotly/README.md)"
    wanted, found = plotly.offline.get_plotlyjs_version(), bundle_version(path)
    if found != wanted:
        return (
            f"{path} is plotly.js {found}, but the installed plotly {plotly.__version__} writes figures for "
            f"plotly.js {wanted}: rebuild it from plotly.js@{wanted} (docs/javascripts/plotly/README.md)"
        )
    return None
