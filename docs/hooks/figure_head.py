"""MkDocs hook: a page with a Plotly figure asks for plotly.js and its first figure in its ``<head>``.

figures.js, which draws the figures (``div.cnnatlas-plotly``, see ``gallery_conf.AtlasRenderer``), runs at
the end of ``<body>``, after Material's scripts. Left to it, the download of plotly.js (``plotly_bundle.BUNDLE``)
and of the first figure's JSON would start only then; asked for in ``<head>`` (``<link rel="preload">``),
they download while the browser parses the page and runs Material's scripts, and figures.js finds them
ready. Pages without a figure are left as they are. With Material's instant navigation the links of the
next page's ``<head>`` are added too, so its downloads also start before its figures are looked at.
"""

from __future__ import annotations

import re

import plotly_bundle  # a sibling: this folder is on sys.path while MkDocs loads the hook
import tooling  # a sibling: FIGURE_SRC, the pattern of a figure's div and its JSON file
from mkdocs.utils import get_relative_url

_FIRST_FIGURE = re.compile(r'<div class="cnnatlas-plotly"[^>]*>')


def preload_links(html: str, page_url: str) -> str:
    """Return the ``<link rel="preload">`` elements for a page's ``html`` at ``page_url`` ("" if no figure).

    Examples:
        >>> page = '<div class="cnnatlas-plotly" style="height:9px" data-src="figures/a.json"></div>'
        >>> print(preload_links("<p>x</p>" + page + page.replace("/a", "/b"), "s/p/"))
        <link rel="preload" href="../../javascripts/plotly/plotly-atlas.min.js" as="script" fetchpriority="high">
        <link rel="preload" href="figures/a.json" as="fetch" crossorigin="anonymous">
        >>> preload_links("<p>no figure</p>", "s/p/")
        ''
    """
    first = _FIRST_FIGURE.search(html)
    if first is None:
        return ""
    bundle = get_relative_url(plotly_bundle.BUNDLE.as_posix(), page_url)
    links = [f'<link rel="preload" href="{bundle}" as="script" fetchpriority="high">']
    if src := tooling.FIGURE_SRC.match(html, first.start()):
        links.append(f'<link rel="preload" href="{src.group(1)}" as="fetch" crossorigin="anonymous">')
    return "\n".join(links)


def on_post_page(output: str, page, config) -> str:  # noqa: ANN001 - MkDocs' objects
    links = preload_links(output, page.url)
    return output.replace("</head>", links + "\n</head>", 1) if links else output
