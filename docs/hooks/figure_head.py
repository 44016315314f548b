"""MkDocs hook: a page with a Plotly figure asks for plotly.js and its first figure early, and runs them early.

figures.js draws the figures (``div.cnnatlas-plotly``, see ``gallery_conf.AtlasRenderer``). Left to
mkdocs.yml's ``extra_javascript``, it runs at the end of ``<body>`` after Material's script, and only then
would plotly.js (``plotly_bundle.BUNDLE``) be downloaded and run. On a page with a figure this hook adds:

- in ``<head>``: ``<link rel="preload">`` for plotly.js and the first figure's JSON, so that both download
  while the browser reads the page, and figures.js itself, which then observes the figures as soon as
  they are parsed (its copy at the end of ``<body>`` does nothing on such a page);
- plotly.js's ``<script>`` just before Material's, at the end of ``<body>``: plotly.js runs before
  Material's script (about 0.2 to 0.5 s of work), and figures.js draws the figures near the viewport
  right then.

Pages without a figure are left as they are. With Material's instant navigation, figures.js (already
running) draws the next page's figures and loads plotly.js itself if no page has yet.
"""

from __future__ import annotations

import re

import plotly_bundle  # a sibling: this folder is on sys.path while MkDocs loads the hook
import tooling  # a sibling: FIGURE_SRC, the pattern of a figure's div and its JSON file
from mkdocs.utils import get_relative_url

_FIRST_FIGURE = re.compile(r'<div class="cnnatlas-plotly"[^>]*>')
_MATERIAL_SCRIPT = re.compile(r'<script src="[^"]*assets/javascripts/bundle\.[0-9a-f]+\.min\.js"></script>')
FIGURES_JS = "javascripts/figures.js"  # from docs_dir and from site_dir (mkdocs.yml's extra_javascript)


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


def run_early(html: str, page_url: str) -> str:
    """Return ``html`` with figures.js run from ``<head>`` and plotly.js run before Material's script.

    A page without a figure, or without Material's script, is returned as it is.

    Examples:
        >>> page = ('<html><head></head><body><div class="cnnatlas-plotly" data-src="figures/a.json"></div>'
        ...         '<script src="../../assets/javascripts/bundle.0a1b.min.js"></script></body></html>')
        >>> early = run_early(page, "s/p/")
        >>> print(early.split("<body>")[0])
        <html><head><script src="../../javascripts/figures.js"></script>
        </head>
        >>> print(early.split("</div>")[1])
        <script src="../../javascripts/plotly/plotly-atlas.min.js"></script>
        <script src="../../assets/javascripts/bundle.0a1b.min.js"></script></body></html>
        >>> run_early("<html><head></head><body><p>text</p></body></html>", "a/").count("<script")
        0
    """
    material = _MATERIAL_SCRIPT.search(html)
    if _FIRST_FIGURE.search(html) is None or material is None:
        return html
    bundle = get_relative_url(plotly_bundle.BUNDLE.as_posix(), page_url)
    figures = get_relative_url(FIGURES_JS, page_url)
    html = html[: material.start()] + f'<script src="{bundle}"></script>\n' + html[material.start() :]
    return html.replace("</head>", f'<script src="{figures}"></script>\n</head>', 1)


def on_post_page(output: str, page, config) -> str:  # noqa: ANN001 - MkDocs' objects
    links = preload_links(output, page.url)
    if not links:
        return output
    return run_early(output.replace("</head>", links + "\n</head>", 1), page.url)
