"""MkDocs hooks for the cnnatlas site.

- Every page's footer names the cnnatlas and torch versions it was built with (pages and copied
  scripts never disagree silently).
- Pages built with the quick profile say so at the top.
- plotly.js is copied from the installed plotly package into the site, so the JS always matches the
  Python package that wrote the figures, and nothing is fetched from a CDN.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import plotly

import cnnatlas

PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
GALLERY_PREFIX = "generated/gallery/"


def _profile() -> str:
    return os.environ.get("CNNATLAS_PROFILE", "full").strip().lower() or "full"


def on_config(config, **kwargs):
    import torch

    config["copyright"] = (
        f"Built with cnnatlas {cnnatlas.__version__} and torch {torch.__version__} "
        f"({_profile()} profile). Code MIT; data sets and photos under their own licences."
    )
    return config


def on_page_content(html: str, page, config, files, **kwargs) -> str:
    if page.file.src_uri.startswith(GALLERY_PREFIX):
        # mkdocs-gallery's thumbnail links lack the trailing slash of directory URLs, so a click on one
        # did a full reload instead of Material's instant navigation: add it.
        html = re.sub(r'(href=")((?:\.\./|[\w-]+/)*plot_[\w-]+)(")', r"\1\2/\3", html)
    if _profile() == "quick" and page.file.src_uri.startswith(GALLERY_PREFIX):
        banner = (
            '<div class="admonition warning cnnatlas-quick-profile"><p class="admonition-title">Quick build</p>'
            "<p>This page was built with <code>CNNATLAS_PROFILE=quick</code>: models were trained for at most "
            "2 epochs on 12,000 images, so accuracies and pictures are not those of the full build "
            "(<code>nox -s docs</code>).</p></div>"
        )
        return banner + html
    return html


def on_post_build(config, **kwargs) -> None:
    target = Path(config["site_dir"]) / "javascripts" / "plotly.min.js"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(PLOTLY_JS, target)
