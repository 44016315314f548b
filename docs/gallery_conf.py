"""mkdocs-gallery configuration: offline Plotly embedding and cache invalidation for the cnnatlas site.

- Plotly figures that end a cell are embedded as ``<div class="cnnatlas-plotly" data-figure="{json}">``:
  no CDN script, no inline script (Material re-creates inline scripts on instant navigation and drops
  their ``type``). ``javascripts/figures.js`` draws them on every page load and instant page switch.
- mkdocs-gallery re-runs an example only when the script's MD5 changes. A page also depends on the
  cnnatlas library and on the build profile, so when either changes every example is re-run.
"""

from __future__ import annotations

import hashlib
import html
from pathlib import Path

import plotly.io as pio
from plotly.io._base_renderers import MimetypeRenderer

import cnnatlas

ROOT = Path(__file__).resolve().parent.parent
GALLERY_OUT = ROOT / "docs" / "generated" / "gallery"
STAMP = GALLERY_OUT / ".build-stamp"
DEFAULT_HEIGHT = 480


class AtlasRenderer(MimetypeRenderer):
    """Emit a figure as a div holding its JSON; the site's figures.js turns it into a Plotly plot."""

    def to_mimebundle(self, fig_dict: dict) -> dict[str, str]:
        payload = pio.to_json(fig_dict, validate=False, remove_uids=True)
        height = (fig_dict.get("layout") or {}).get("height") or DEFAULT_HEIGHT
        attribute = html.escape(payload, quote=True)
        return {
            "text/html": (
                f'<div class="cnnatlas-plotly" style="width:100%;height:{int(height)}px" '
                f'data-figure="{attribute}"></div>'
            )
        }


def _build_stamp() -> str:
    digest = hashlib.sha256(cnnatlas.build_profile().encode())
    for path in sorted((ROOT / "cnnatlas").rglob("*.py")):
        digest.update(path.relative_to(ROOT).as_posix().encode())
        digest.update(path.read_bytes())
    digest.update(Path(__file__).read_bytes())
    return digest.hexdigest()


def _invalidate_examples_if_stale() -> None:
    stamp = _build_stamp()
    if STAMP.exists() and STAMP.read_text() == stamp:
        return
    for md5 in GALLERY_OUT.rglob("*.md5") if GALLERY_OUT.exists() else ():
        md5.unlink()
    GALLERY_OUT.mkdir(parents=True, exist_ok=True)
    STAMP.write_text(stamp)


pio.renderers["cnnatlas"] = AtlasRenderer()
pio.renderers.default = "cnnatlas"
_invalidate_examples_if_stale()

conf = {
    "image_scrapers": ("matplotlib",),
    "capture_repr": ("_repr_html_", "__repr__"),
    "ignore_repr_types": r"matplotlib|torch\.nn|NoneType",
    "remove_config_comments": True,
    "abort_on_example_error": True,
}
