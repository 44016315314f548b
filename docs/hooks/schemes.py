"""Matplotlib figures in Material's light and dark scheme: the gallery's image scraper and its rc reset.

``gallery_conf.py`` names :func:`scrape` in ``image_scrapers`` and :func:`reset_matplotlib` in
``reset_modules``. Before each example, matplotlib gets its defaults plus ``cnnatlas.style.RC`` (the
atlas's widths, DPI and font sizes). After each code block, every open figure is saved twice:

- ``mkd_glr_<page>_NNN.png``, the figure as drawn (light scheme; mkdocs-gallery makes the page's thumbnail
  from it);
- ``mkd_glr_<page>_NNN_dark.png``, the same figure restyled for Material's slate scheme by :func:`to_dark`:
  figure and axes backgrounds, ticks, spines, axis labels, titles, legends and colour bars; data colours
  and the numbers written on image cells are left as drawn.

Both are embedded with Material's ``#only-light`` / ``#only-dark`` suffixes and ``loading="lazy"``: the
scheme not shown is ``display: none``, so the browser never fetches it (``tooling.page_weight`` counts one
scheme's images). Importing this module only defines things.
"""

from __future__ import annotations

import html
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.collections import QuadMesh
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure, SubFigure
from matplotlib.patches import Patch
from matplotlib.text import Text

from cnnatlas import style

DARK_SUFFIX = "_dark"
"""What the dark copy of ``mkd_glr_x_001.png`` adds to its stem: ``mkd_glr_x_001_dark.png``."""
LIGHT_FRAGMENT, DARK_FRAGMENT = "#only-light", "#only-dark"
"""Material's image suffixes: an image whose ``src`` ends with one is shown in that scheme only."""


def reset_matplotlib(gallery_conf: dict, file: Path) -> None:
    """``reset_modules`` callable: matplotlib's defaults, then the atlas's ``cnnatlas.style.RC``."""
    plt.rcdefaults()
    matplotlib.rcParams.update(style.RC)


def _is_dark_grey(colour: object) -> bool:
    """True for a visible colour that is dark and nearly grey (black text, black lines): unreadable on slate."""
    r, g, b, a = to_rgba(colour)
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return a > 0 and luminance < 0.4 and max(r, g, b) - min(r, g, b) < 0.2


def _is_light_grey(colour: object) -> bool:
    """True for a visible white or near-white colour (a light background)."""
    r, g, b, a = to_rgba(colour)
    return a > 0 and min(r, g, b) > 0.85


def _recolour_text(text: Text) -> None:
    if _is_dark_grey(text.get_color()):
        text.set_color(style.DARK_FOREGROUND)


def _shows_data_behind_text(ax: Axes) -> bool:
    """True if text inside ``ax`` sits on data colours (an image, a mesh, filled cells): it keeps its colour."""
    filled = any(
        isinstance(p, Patch) and p.get_fill() and not _is_light_grey(p.get_facecolor()) for p in ax.patches
    )
    return bool(ax.images) or filled or any(isinstance(c, QuadMesh) for c in ax.collections)


def _dark_axes(ax: Axes) -> None:
    if _is_light_grey(ax.patch.get_facecolor()):
        ax.patch.set_facecolor(style.DARK_BACKGROUND)
    for spine in ax.spines.values():
        if _is_dark_grey(spine.get_edgecolor()):
            spine.set_edgecolor(style.DARK_FOREGROUND)
    ax.tick_params(which="both", color=style.DARK_FOREGROUND, labelcolor=style.DARK_FOREGROUND)
    for text in (ax.title, ax._left_title, ax._right_title, ax.xaxis.label, ax.yaxis.label,
                 ax.xaxis.offsetText, ax.yaxis.offsetText):  # fmt: skip
        _recolour_text(text)
    if not _shows_data_behind_text(ax):
        for text in ax.texts:
            _recolour_text(text)
            arrow = getattr(text, "arrow_patch", None)
            if arrow is not None and _is_dark_grey(arrow.get_edgecolor()):
                arrow.set_edgecolor(style.DARK_FOREGROUND)
    for line in ax.lines:
        if _is_dark_grey(line.get_color()):
            line.set_color(style.DARK_FOREGROUND)
        if _is_dark_grey(line.get_markerfacecolor()):
            line.set_markerfacecolor(style.DARK_FOREGROUND)
        if _is_dark_grey(line.get_markeredgecolor()):
            line.set_markeredgecolor(style.DARK_FOREGROUND)
    for gridline in (*ax.xaxis.get_gridlines(), *ax.yaxis.get_gridlines()):
        if _is_light_grey(gridline.get_color()) or _is_dark_grey(gridline.get_color()):
            gridline.set_color(style.DARK_GRID)
    legend = ax.get_legend()
    if legend is not None:
        _dark_legend(legend)


def _dark_legend(legend: matplotlib.legend.Legend) -> None:
    frame = legend.get_frame()
    if _is_light_grey(frame.get_facecolor()):
        frame.set_facecolor(style.DARK_BACKGROUND)
    frame.set_edgecolor(style.DARK_GRID)
    for text in (*legend.get_texts(), legend.get_title()):
        _recolour_text(text)


def to_dark(fig: Figure | SubFigure) -> None:
    """Restyle the finished ``fig`` in place for Material's slate scheme (data colours untouched)."""
    if _is_light_grey(fig.patch.get_facecolor()):
        fig.patch.set_facecolor(style.DARK_BACKGROUND)
    for text in fig.texts:  # suptitle, supxlabel, supylabel and fig.text(...)
        _recolour_text(text)
    for legend in fig.legends:
        _dark_legend(legend)
    for ax in fig.axes if isinstance(fig, Figure) else fig.get_axes():
        _dark_axes(ax)
    for sub in fig.subfigs:
        to_dark(sub)


def dark_path(path: Path) -> Path:
    """Return where the dark copy of the figure saved at ``path`` goes.

    >>> dark_path(Path("images/mkd_glr_x_001.png")).as_posix()
    'images/mkd_glr_x_001_dark.png'
    """
    return path.with_name(f"{path.stem}{DARK_SUFFIX}{path.suffix}")


def _alt(fig: Figure) -> str:
    """The figure's titles (suptitle first) as one line of alt text."""
    titles = [fig._suptitle.get_text()] if fig._suptitle is not None else []
    titles += [
        t for ax in fig.axes for t in (ax.get_title("left"), ax.get_title(), ax.get_title("right")) if t
    ]
    return " ".join(", ".join(titles).split()) or "figure"


def image_html(light: Path, dark: Path, page_dir: Path, alt: str, size: tuple[int, int]) -> str:
    """Return the two ``<img>`` of one figure, light then dark, as the page's HTML (relative to its URL).

    >>> print(image_html(Path("/g/images/a_001.png"), Path("/g/images/a_001_dark.png"), Path("/g"), "x < 1", (640, 320)))
    <img class="cnnatlas-figure" alt="x &lt; 1" src="../images/a_001.png#only-light" width="640" height="320" loading="lazy" decoding="async"><img class="cnnatlas-figure" alt="x &lt; 1" src="../images/a_001_dark.png#only-dark" width="640" height="320" loading="lazy" decoding="async">
    """
    tags = []
    for path, fragment in ((light, LIGHT_FRAGMENT), (dark, DARK_FRAGMENT)):
        src = (
            "../" + path.relative_to(page_dir).as_posix() + fragment
        )  # pages are served as <page>/index.html
        tags.append(
            f'<img class="cnnatlas-figure" alt="{html.escape(alt)}" src="{html.escape(src)}" '
            f'width="{size[0]}" height="{size[1]}" loading="lazy" decoding="async">'
        )
    return "".join(tags)


def scrape(block: tuple, script: object) -> str:
    """``image_scrapers`` callable: save every open figure light and dark, return their HTML, close them."""
    paths = script.run_vars.image_path_iterator
    page_dir = Path(script.gallery.generated_dir)
    blocks = []
    for number, path in zip(plt.get_fignums(), paths, strict=False):
        fig = plt.figure(number)
        path = Path(path)
        alt = _alt(fig)
        try:
            fig.savefig(path)
            dpi = (
                fig.dpi
                if matplotlib.rcParams["savefig.dpi"] == "figure"
                else matplotlib.rcParams["savefig.dpi"]
            )
            width, height = (round(v) for v in fig.get_size_inches() * dpi)
            to_dark(fig)
            fig.savefig(dark_path(path), facecolor=fig.get_facecolor())
        finally:
            plt.close(fig)
        blocks.append(image_html(path, dark_path(path), page_dir, alt, (width, height)))
    plt.close("all")
    return "".join(f'\n\n<p class="cnnatlas-figures">{tags}</p>\n\n' for tags in blocks)
