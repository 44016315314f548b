"""Matplotlib figures of convolution kernels: (out, in) grids on a diverging scale, and RGB first-layer kernels.

Examples:
    >>> fig = kernels_figure(torch.randn(4, 1, 3, 3))
    >>> len(fig.axes)  # 4 kernels and the colour bar
    5
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import torch
from matplotlib.figure import Figure

from ..checks import check_at_most, check_bool, check_instance, check_positive_int, check_tensor
from ..display import symmetric_limit
from ..kernels import kernels_as_rgb
from ..style import DIVERGING, NARROW, TITLE_SIZE, WIDTH
from .features import MAX_NCOLS, MAX_PANELS

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

    Colours are diverging and centred on zero (blue negative, red positive), on one scale for all kernels
    (``shared_scale``) so that strengths compare, or on each kernel's own. At most ``max_out`` x ``max_in``
    kernels are drawn, and that at most [`MAX_PANELS`][cnnatlas.figures.features.MAX_PANELS].

    Examples:
        >>> len(kernels_figure(torch.randn(3, 2, 5, 5), shared_scale=False).axes)
        6
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
    axes = fig.subplots(n_in, n_out, squeeze=False)
    shared = symmetric_limit(w)
    image = None
    for i in range(n_in):
        for o in range(n_out):
            limit = shared if shared_scale else symmetric_limit(w[o, i])
            image = axes[i, o].imshow(w[o, i], cmap=DIVERGING, vmin=-limit, vmax=limit)
            axes[i, o].set_xticks([]), axes[i, o].set_yticks([])
            if i == 0:
                axes[i, o].set_title(str(o))
            if o == 0:
                axes[i, o].set_ylabel(str(i), rotation=0, ha="right", va="center")
    fig.supxlabel("output channel (column)")
    fig.supylabel("input channel")
    if shared_scale and image is not None:
        fig.colorbar(image, ax=axes, shrink=0.8, label="weight")
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
