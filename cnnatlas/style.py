"""The atlas's visual language: the colour maps, figure widths and font sizes every figure and widget uses.

One sequential map for values that only grow (activations, counts, magnitudes, gradients' size), one
diverging map centred on zero for signed values (kernels, gradients, differences, errors); photographs
stay in their own colours (gray, or red/green/blue for an RGB image's channels): inputs are inputs.
Figures are [`WIDTH`][cnnatlas.style.WIDTH] inches wide at [`DPI`][cnnatlas.style.DPI] (shown at their
natural size in the page's text column) or [`NARROW`][cnnatlas.style.NARROW] for a single small panel;
text is at least [`TEXT_SIZE`][cnnatlas.style.TEXT_SIZE] points, which stays readable on a 390 px phone
([`phone_px()`][cnnatlas.style.phone_px]). Plain values only (names, numbers, dicts): no drawing library
is imported here, so matplotlib figures and Plotly widgets share it.

Examples:
    >>> SEQUENTIAL, DIVERGING, PLOTLY_SEQUENTIAL, PLOTLY_DIVERGING
    ('viridis', 'RdBu_r', 'Viridis', 'RdBu_r')
    >>> diverging_scale(np.array([-0.5, 2.0]))
    {'cmap': 'RdBu_r', 'vmin': -2.0, 'vmax': 2.0}
"""

from __future__ import annotations

import numpy as np
import torch

from .checks import check_array, check_float, check_positive_int, describe
from .display import symmetric_limit

SEQUENTIAL = "viridis"
"""Matplotlib colour map for unsigned values: activations, feature maps, counts, magnitudes, shares."""
DIVERGING = "RdBu_r"
"""Matplotlib colour map for signed values centred on zero (blue negative, white 0, red positive): kernels,
gradients, differences, errors. Always with a symmetric range: [`diverging_scale()`][cnnatlas.style.diverging_scale]."""
GRAY = "gray"
"""Colour map for a one-channel input photograph (an input is shown as the photo it is)."""
CHANNEL_CMAPS = ("Reds", "Greens", "Blues")
"""Colour maps for the R, G and B channels of an input photograph (each channel in its own colour)."""
PLOTLY_SEQUENTIAL = "Viridis"
"""Plotly colour scale equal to [`SEQUENTIAL`][cnnatlas.style.SEQUENTIAL]."""
PLOTLY_DIVERGING = "RdBu_r"
"""Plotly colour scale equal to [`DIVERGING`][cnnatlas.style.DIVERGING] (plotly.py reads the ``_r``)."""
PLOTLY_GRAY = "Greys_r"
"""Plotly colour scale equal to [`GRAY`][cnnatlas.style.GRAY] (black low, white high)."""
PLOTLY_INPUT_GRID = ((0.0, "#f4f4f4"), (1.0, "#9a9a9a"))
"""Plotly colour scale of a grid of input numbers in an animation: opaque light greys, so that the numbers
on the cells and the window over them read the same on the light and the dark page."""
MATPLOTLIB_CMAPS = (SEQUENTIAL, DIVERGING, GRAY, *CHANNEL_CMAPS)
"""Every matplotlib colour map the atlas draws values with."""
PLOTLY_COLORSCALES = (PLOTLY_SEQUENTIAL, PLOTLY_DIVERGING, PLOTLY_GRAY, PLOTLY_INPUT_GRID)
"""Every Plotly colour scale the atlas draws values with."""

CATEGORICAL = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f")
"""Colours for things that are kinds, not amounts (lines of train vs test, groups, channels in a strip):
matplotlib's default cycle, readable on the light and the dark page."""
CHANNEL_COLOURS = ("#d62728", "#2ca02c", "#1f77b4")
"""Flat colours for the R, G and B channels of an image when a channel is drawn as one swatch (a memory cell)."""
HIGHLIGHT = "#ff7f0e"
"""The one thing the reader should look at: the current window, the chosen cell, a sliding kernel."""
OUTLINE = "#1f77b4"
"""Boxes and outlines that mark a region (a receptive field, the input cells a step reads)."""
WRONG = "#d62728"
"""What is wrong or lost: a misclassified image, padding, a cut-off border."""

DPI = 100
"""Dots per inch of every saved figure: a figure of w inches is w x DPI pixels, shown at that size."""
WIDTH = 6.4
"""Inches of a full-width figure: 640 px, inside the text column of the page on a laptop (about 690 px)."""
NARROW = 4.0
"""Inches of a figure of one small panel (a single image or a short bar chart)."""
TEXT_SIZE = 12
"""Points of every text in a figure (ticks, labels, panel titles, legends, numbers in cells): at
[`WIDTH`][cnnatlas.style.WIDTH] it is 9 px or more on a 390 px phone."""
TITLE_SIZE = 13
"""Points of a figure's or an axes' title."""
MIN_PHONE_PX = 9.0
"""Smallest on-screen text height, in CSS pixels, that a figure may show on a 390 px phone."""
PHONE_COLUMN_PX = 358
"""CSS pixels of the text column on a 390 px wide phone (the page keeps 16 px margins)."""

DARK_BACKGROUND = "#1e2129"
"""Material's slate (dark) page background, ``hsl(225, 15%, 14%)``: the dark variant of every figure."""
DARK_FOREGROUND = "#bfc1c7"
"""Material's slate text colour (90% lightness at 82% opacity on the background)."""
DARK_GRID = "#5d5f67"
"""Grid lines and spines on the dark page."""

RC = {
    "figure.dpi": DPI,
    "savefig.dpi": DPI,
    "figure.figsize": (WIDTH, 3.2),
    "font.size": TEXT_SIZE,
    "axes.titlesize": TITLE_SIZE,
    "axes.labelsize": TEXT_SIZE,
    "xtick.labelsize": TEXT_SIZE,
    "ytick.labelsize": TEXT_SIZE,
    "legend.fontsize": TEXT_SIZE,
    "figure.titlesize": TITLE_SIZE,
    "image.cmap": SEQUENTIAL,
}
"""Matplotlib settings of the atlas (the site applies them before each page; in a notebook:
``plt.rcParams.update(cnnatlas.style.RC)``)."""


def _values(values: object, name: str) -> np.ndarray:
    """Return ``values`` (a NumPy array or a tensor) as a finite NumPy array, else raise saying why."""
    if isinstance(values, torch.Tensor):
        if values.is_complex() or values.dtype == torch.bool:
            raise TypeError(f"{name}: expected real numbers, got {describe(values)}")
        values = values.detach().cpu().float().numpy()
    return check_array(values, name, finite=True)


def symmetric_range(values: object) -> tuple[float, float]:
    """Return ``(vmin, vmax) = (-m, m)``, ``m`` the largest magnitude in ``values``: a range centred on zero.

    ``values`` is a NumPy array or a tensor of finite numbers; all zeros give ``(-1.0, 1.0)``.

    Examples:
        >>> symmetric_range(torch.tensor([[-3.0, 1.0], [0.5, 2.0]]))
        (-3.0, 3.0)
        >>> symmetric_range(np.zeros(3))
        (-1.0, 1.0)
    """
    limit = symmetric_limit(_values(values, "values"))
    return -limit, limit


def diverging_scale(values: object, limit: float | None = None) -> dict[str, object]:
    """Return imshow's ``cmap``, ``vmin``, ``vmax`` for signed ``values``: [`DIVERGING`][cnnatlas.style.DIVERGING], zero in the middle.

    The range is ``(-limit, limit)``; without ``limit``, the largest magnitude in ``values``. Use it as
    ``ax.imshow(x, **diverging_scale(x))``; pass ``limit`` to put several panels on one scale.

    Examples:
        >>> diverging_scale(torch.tensor([0.2, -0.1]), limit=1)
        {'cmap': 'RdBu_r', 'vmin': -1.0, 'vmax': 1.0}
    """
    if limit is None:
        low, high = symmetric_range(values)
    else:
        _values(values, "values")
        high = check_float(limit, "limit", above=0)
        low = -high
    return {"cmap": DIVERGING, "vmin": low, "vmax": high}


def grid_figsize(
    nrows: int, ncols: int, *, width: float = WIDTH, aspect: float = 1.0, extra: float = 0.3
) -> tuple[float, float]:
    """Return ``(width, height)`` in inches for ``nrows`` x ``ncols`` panels of height/width ``aspect``.

    Each panel gets ``width / ncols`` inches, and its row ``extra`` inches more for a one-line title.

    Examples:
        >>> grid_figsize(2, 4)
        (6.4, 3.8)
    """
    nrows = check_positive_int(nrows, "nrows")
    ncols = check_positive_int(ncols, "ncols")
    width = check_float(width, "width", above=0)
    aspect = check_float(aspect, "aspect", above=0)
    extra = check_float(extra, "extra", minimum=0.0)
    return width, round(nrows * (width / ncols * aspect + extra), 3)


def phone_px(points: float, figure_width: float = WIDTH) -> float:
    """Return the CSS pixels that text of ``points`` occupies on a 390 px phone in a figure ``figure_width`` inches wide.

    The figure is scaled down to the phone's text column ([`PHONE_COLUMN_PX`][cnnatlas.style.PHONE_COLUMN_PX]),
    never up: a narrow figure keeps its natural size.

    Examples:
        >>> round(phone_px(TEXT_SIZE), 1), round(phone_px(TEXT_SIZE, NARROW), 1)
        (9.3, 14.9)
    """
    points = check_float(points, "points", minimum=0.0)
    figure_width = check_float(figure_width, "figure_width", above=0)
    natural = figure_width * DPI
    return points / 72 * DPI * min(1.0, PHONE_COLUMN_PX / natural)


def text_colour_on(rgba: tuple[float, ...]) -> str:
    """Return ``"black"`` or ``"white"``, whichever reads better on a cell of colour ``rgba`` (floats in [0, 1]).

    For numbers written on heat-map cells: ``ax.text(..., color=text_colour_on(cmap(norm(v))))``.

    Examples:
        >>> text_colour_on((0.267, 0.005, 0.329, 1.0)), text_colour_on((0.993, 0.906, 0.144))  # viridis ends
        ('white', 'black')
    """
    if isinstance(rgba, (str, bytes)) or not hasattr(rgba, "__len__") or len(rgba) not in (3, 4):
        raise TypeError(f"rgba: expected 3 or 4 floats in [0, 1], got {describe(rgba)}")
    r, g, b = (check_float(v, "rgba", minimum=0.0, maximum=1.0) for v in tuple(rgba)[:3])
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b)]
    luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    # contrast ratio with black (L + 0.05) / 0.05 against white 1.05 / (L + 0.05): equal at L = 0.179
    return "black" if luminance > 0.179 else "white"
