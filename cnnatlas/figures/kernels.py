"""Matplotlib figures of convolution kernels: (out, in) grids on a diverging scale, and RGB first-layer kernels.

Examples:
    >>> fig = kernels_figure(torch.randn(4, 1, 3, 3))
    >>> fig.axes[0].images[0].get_array().shape  # one mosaic: 4 kernels of 3x3 side by side, 1-cell gaps
    (3, 15)
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.figure import Figure

from ..checks import check_at_most, check_bool, check_instance, check_positive_int, check_tensor
from ..display import symmetric_limit
from ..kernels import kernels_as_rgb
from ..style import DIVERGING, NARROW, TITLE_SIZE, WIDTH
from .features import MAX_NCOLS, MAX_PANELS

GAP_GREY = "0.8"
"""Colour of the gaps between the kernels of [`kernels_figure()`][cnnatlas.figures.kernels.kernels_figure] (not white: white is a weight of 0)."""
KERNEL_PANEL = 1.0
"""Largest inches of one kernel's panel: a few kernels are not blown up to the page's width."""


def kernels_figure(
    weight: torch.Tensor,
    *,
    shared_scale: bool = True,
    max_out: int = 16,
    max_in: int = 8,
    fig: Figure | None = None,
) -> Figure:
    """Draw a conv weight (out, in, kh, kw) as a grid: a row per input channel, a column per output channel.

    Colours are diverging and centred on zero (blue negative, white 0, red positive), on one scale for
    all kernels (``shared_scale``, with a colour bar) so that strengths compare, or each kernel divided by
    its own largest magnitude. The kernels form one image (a mosaic with grey gaps: one axes draws and
    saves in a fraction of the time of one axes per kernel). At most ``max_out`` x ``max_in`` kernels are
    drawn, and that at most [`MAX_PANELS`][cnnatlas.figures.features.MAX_PANELS].

    Examples:
        >>> fig = kernels_figure(torch.randn(3, 2, 5, 5), shared_scale=False)
        >>> fig.axes[0].images[0].get_clim(), len(fig.axes)  # each kernel on its own [-1, 1]; no colour bar
        ((-1.0, 1.0), 1)
    """
    check_tensor(weight, "weight", rank=4, floating=True, layout="(out_channels, in_channels, kh, kw)")
    shared_scale = check_bool(shared_scale, "shared_scale")
    max_out = check_positive_int(max_out, "max_out", maximum=MAX_PANELS, limit_name="MAX_PANELS")
    max_in = check_positive_int(max_in, "max_in", maximum=MAX_PANELS, limit_name="MAX_PANELS")
    shown = min(max_out, weight.shape[0]) * min(max_in, weight.shape[1])
    check_at_most(shown, "max_out x max_in", MAX_PANELS, "kernels to draw", limit_name="MAX_PANELS",
                  hint="lower max_out or max_in")  # fmt: skip
    check_instance(fig, "fig", Figure, optional=True)
    w = weight.detach().cpu().float()[:max_out, :max_in].numpy()
    n_out, n_in = w.shape[:2]
    panel = min(KERNEL_PANEL, (WIDTH - 1.6) / n_out)  # room for the row labels and the colour bar
    width = max(NARROW, panel * n_out + 1.6)
    fig = fig or plt.figure(figsize=(width, panel * n_in + 1.3), layout="constrained")
    ax = fig.subplots()
    kh, kw = w.shape[2:]
    mosaic = np.full((n_in * (kh + 1) - 1, n_out * (kw + 1) - 1), np.nan)  # NaN: the gaps between kernels
    for i in range(n_in):
        for o in range(n_out):
            kernel = w[o, i] if shared_scale else w[o, i] / symmetric_limit(w[o, i])
            mosaic[i * (kh + 1) : i * (kh + 1) + kh, o * (kw + 1) : o * (kw + 1) + kw] = kernel
    limit = symmetric_limit(w) if shared_scale else 1.0
    cmap = plt.get_cmap(DIVERGING).with_extremes(bad=GAP_GREY)  # grey gaps: white means exactly zero
    image = ax.imshow(mosaic, cmap=cmap, vmin=-limit, vmax=limit, interpolation="nearest")
    ax.set_xticks([o * (kw + 1) + (kw - 1) / 2 for o in range(n_out)], [str(o) for o in range(n_out)])
    ax.set_yticks([i * (kh + 1) + (kh - 1) / 2 for i in range(n_in)], [str(i) for i in range(n_in)])
    ax.tick_params(length=0, labeltop=True, labelbottom=False)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.xaxis.set_label_position("top")
    ax.set_xlabel("output channel")
    ax.set_ylabel("input channel")
    if shared_scale:
        fig.colorbar(image, ax=ax, shrink=0.8, label="weight")
    shown = (
        f" (first {n_out} x {n_in} of {tuple(weight.shape[:2])})"
        if (n_out, n_in) != tuple(weight.shape[:2])
        else ""
    )
    fig.suptitle(f"kernels {tuple(weight.shape)}{shown}", fontsize=TITLE_SIZE)
    return fig


def rgb_kernels_figure(weight: torch.Tensor, ncols: int = 16, fig: Figure | None = None) -> Figure:
    """Draw first-layer kernels (out, 3, kh, kw) as small colour images (at most ``MAX_PANELS`` of them).

    Examples:
        >>> len(rgb_kernels_figure(torch.randn(8, 3, 3, 3), ncols=4).axes)
        8
    """
    check_tensor(weight, "weight", rank=4, floating=True, layout="(out_channels, 3, kh, kw)")
    check_at_most(weight.shape[0], "weight", MAX_PANELS, "kernels to draw", limit_name="MAX_PANELS",
                  hint="pass weight[:n]")  # fmt: skip
    ncols = check_positive_int(ncols, "ncols", maximum=MAX_NCOLS, limit_name="MAX_NCOLS")
    check_instance(fig, "fig", Figure, optional=True)
    images = kernels_as_rgb(weight)
    count = images.shape[0]
    ncols = min(ncols, count)
    nrows = math.ceil(count / ncols)
    panel = min(KERNEL_PANEL, WIDTH / ncols)
    width = max(WIDTH if nrows > 1 else NARROW, panel * ncols)
    fig = fig or plt.figure(figsize=(width, panel * nrows + 0.9), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False)
    for index, ax in enumerate(axes.flat):
        ax.set_axis_off()
        if index < count:
            ax.imshow(images[index], interpolation="nearest")
    fig.suptitle(
        f"{count} RGB kernels of {weight.shape[2]}x{weight.shape[3]}\neach scaled to its own range",
        fontsize=TITLE_SIZE,
    )
    return fig
