"""Matplotlib figures of tensors: an image and its channels, a batch as a grid, elements in memory order.

Examples:
    >>> len(batch_figure(torch.rand(2, 3, 8, 8)).axes)
    6
"""

from __future__ import annotations

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ..checks import check_at_most, check_drawable, check_instance, check_names, check_str, check_tensor
from ..display import display_values, to_hwc
from ..style import (
    CATEGORICAL,
    CHANNEL_CMAPS,
    CHANNEL_COLOURS,
    GRAY,
    SEQUENTIAL,
    TITLE_SIZE,
    WIDTH,
    text_colour_on,
)
from ..tensors import layout_info, memory_order
from .features import MAX_PANELS

RGB_CMAPS = CHANNEL_CMAPS
"""Colour maps for the R, G and B channels of an image ([`cnnatlas.style.CHANNEL_CMAPS`][cnnatlas.style.CHANNEL_CMAPS])."""
MAX_IMAGE_CHANNELS = 16
"""Most channels [`channels_figure()`][cnnatlas.figures.tensors.channels_figure] draws (in rows of at most 4 panels)."""
MAX_MEMORY_CELLS = 96
"""Most elements [`memory_order_figure()`][cnnatlas.figures.tensors.memory_order_figure] draws, one labelled cell each."""
MEMORY_ROW = 18
"""Cells per row of [`memory_order_figure()`][cnnatlas.figures.tensors.memory_order_figure]: longer orders wrap (a cell stays readable on a phone)."""
BATCH_HEIGHT = 6.0
"""Inches that [`batch_figure()`][cnnatlas.figures.tensors.batch_figure]'s panels may take in height (a batch stays on one screen)."""
CHANNELS_PER_ROW = 4
"""Panels per row of [`channels_figure()`][cnnatlas.figures.tensors.channels_figure]."""


def channels_figure(
    image: torch.Tensor, titles: tuple[str, ...] | None = None, fig: Figure | None = None
) -> Figure:
    """Draw a (C, H, W) image and each of its channels side by side (RGB channels in red, green, blue).

    uint8 images are shown divided by 255, float ones as they are; other dtypes, HWC images and more than
    [`MAX_IMAGE_CHANNELS`][cnnatlas.figures.tensors.MAX_IMAGE_CHANNELS] channels are refused.

    Examples:
        >>> len(channels_figure(torch.rand(3, 8, 8)).axes)
        4
        >>> channels_figure(torch.rand(16, 16, 3))
        Traceback (most recent call last):
        ...
        ValueError: image: expected a 3D (C, H, W) tensor, got shape (16, 16, 3); this looks like HWC: try x.permute(2, 0, 1)
    """
    check_drawable(image, "image", rank=3, layout="(C, H, W)")
    channels = image.shape[0]
    check_at_most(channels, "image", MAX_IMAGE_CHANNELS, "channels", limit_name="MAX_IMAGE_CHANNELS",
                  hint="pass image[:n]")  # fmt: skip
    if titles is not None:
        titles = tuple(check_names(titles, "titles"))
        if len(titles) != channels:
            raise ValueError(f"titles: expected one title per channel ({channels}), got {len(titles)}")
    check_instance(fig, "fig", Figure, optional=True)
    data = display_values(image)
    ncols = min(channels + 1, CHANNELS_PER_ROW)
    nrows = -(-(channels + 1) // ncols)
    height, width = data.shape[1:]
    panel = WIDTH / ncols
    fig = fig or plt.figure(
        figsize=(WIDTH, nrows * (0.9 * panel * height / width + 0.35) + 0.4), layout="constrained"
    )
    axes = fig.subplots(nrows, ncols, squeeze=False).flat
    composite = to_hwc(image) if channels == 3 else data[0]
    axes[0].imshow(
        np.clip(composite, 0, 1) if channels == 3 else composite, cmap=None if channels == 3 else GRAY
    )
    axes[0].set_title("image" if channels == 3 else "x[0] in gray")
    names = titles or (("R", "G", "B") if channels == 3 else tuple(f"channel {c}" for c in range(channels)))
    for c in range(channels):
        axes[c + 1].imshow(data[c], cmap=RGB_CMAPS[c] if channels == 3 else SEQUENTIAL)
        axes[c + 1].set_title(f"x[{c}]: {names[c]}")
    for ax in axes:
        ax.set_axis_off()
    fig.suptitle(
        f"image {tuple(image.shape)}: each channel x[c] is {tuple(data[0].shape)}", fontsize=TITLE_SIZE
    )
    return fig


def batch_figure(batch: torch.Tensor, fig: Figure | None = None) -> Figure:
    """Draw an (N, C, H, W) batch as a grid: one row per sample, one column per channel (N x C <= ``MAX_PANELS``).

    Examples:
        >>> len(batch_figure(torch.rand(2, 3, 8, 8)).axes)
        6
    """
    check_drawable(batch, "batch", rank=4, layout="(N, C, H, W)")
    n, c = batch.shape[:2]
    check_at_most(n * c, "batch", MAX_PANELS, "maps (samples x channels) to draw", limit_name="MAX_PANELS",
                  hint="pass batch[:n]")  # fmt: skip
    check_instance(fig, "fig", Figure, optional=True)
    data = display_values(batch)
    height, width = data.shape[2:]
    panel = min((WIDTH - 0.4) / c, BATCH_HEIGHT / n / (height / width))  # wide enough, not too tall
    fig = fig or plt.figure(figsize=(panel * c + 0.4, n * panel * height / width + 0.7), layout="constrained")
    axes = fig.subplots(n, c, squeeze=False)
    for i in range(n):
        for j in range(c):
            axes[i, j].imshow(data[i, j], cmap=RGB_CMAPS[j] if c == 3 else SEQUENTIAL)
            axes[i, j].set_xticks([]), axes[i, j].set_yticks([])
            if i == 0:
                axes[i, j].set_title(f"channel {j}")
            if j == 0:
                axes[i, j].set_ylabel(f"sample {i}")
    fig.suptitle(f"batch {tuple(batch.shape)}: x[n, c] is {tuple(batch.shape[2:])}", fontsize=TITLE_SIZE)
    return fig


def memory_order_figure(x: torch.Tensor, title: str | None = None, ax: Axes | None = None) -> Figure:
    """Draw the elements of a small (N, C, H, W) tensor as a strip in memory order, coloured by channel.

    Draws on ``ax`` when given; returns the Figure holding the strip.

    Examples:
        >>> fig = memory_order_figure(torch.zeros(1, 3, 2, 2))
        >>> len(fig.axes[0].patches)
        12
    """
    check_tensor(x, "x", rank=4, layout="(N, C, H, W)", finite=False, detect_hwc=False)
    check_at_most(x.numel(), "x", MAX_MEMORY_CELLS, "elements to draw one cell each",
                  limit_name="MAX_MEMORY_CELLS", hint=f"x has shape {tuple(x.shape)}")  # fmt: skip
    if title is not None:
        check_str(title, "title", non_empty=False)
    check_instance(ax, "ax", Axes, optional=True)
    order = memory_order(x)
    per_row = min(len(order), MEMORY_ROW)
    rows = -(-len(order) // per_row)
    if ax is None:
        ax = plt.figure(figsize=(WIDTH, 0.55 * rows + 1.1), layout="constrained").subplots()
    colours = CHANNEL_COLOURS if x.shape[1] == 3 else CATEGORICAL
    for position, (_n, c, h, w) in enumerate(order):
        colour = colours[c % len(colours)]
        row, col = divmod(position, per_row)
        ax.add_patch(plt.Rectangle((col, row), 0.95, 0.95, color=colour))
        ax.text(col + 0.47, row + 0.47, f"{'RGB'[c] if x.shape[1] == 3 else c}\n{h}{w}", ha="center", va="center",
                linespacing=1.0, color=text_colour_on(matplotlib.colors.to_rgb(colour)))  # fmt: skip
    ax.set_xlim(0, per_row)
    ax.set_ylim(rows, 0)
    ax.set_xticks([i + 0.47 for i in range(0, per_row, 3)], [str(i) for i in range(0, per_row, 3)])
    ax.set_yticks([r + 0.47 for r in range(rows)], [str(r * per_row) for r in range(rows)])
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_xlabel("address (elements from the start of storage" + (", + row start)" if rows > 1 else ")"))
    info = layout_info(x)
    ax.set_title(title or f"{info.memory_format}: shape {info.shape}, strides {info.strides}")
    return ax.figure
