"""Views of 3D (C, H, W) and 4D (N, C, H, W) tensors: channels, batches, layouts and memory order.

Examples:
    >>> info = layout_info(torch.zeros(2, 3, 4, 4).to(memory_format=torch.channels_last))
    >>> info.strides, info.memory_format
    ((48, 1, 12, 3), 'channels_last')
"""

from __future__ import annotations

from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
import plotly.graph_objects as go
import torch
from matplotlib.figure import Figure
from plotly.subplots import make_subplots

from ._checks import check_tensor

_RGB_CMAPS = ("Reds", "Greens", "Blues")


def _as_display(x: torch.Tensor) -> np.ndarray:
    """Return float values in [0, 1] for uint8 images, the values themselves for float tensors."""
    data = x.detach().cpu()
    return (data.float() / 255.0).numpy() if data.dtype == torch.uint8 else data.float().numpy()


def to_hwc(image: torch.Tensor) -> np.ndarray:
    """Return a (C, H, W) tensor as an (H, W, C) NumPy array for matplotlib/PIL (the layout they expect).

    Examples:
        >>> to_hwc(torch.zeros(3, 4, 5)).shape
        (4, 5, 3)
    """
    check_tensor(image, "image", rank=3, layout="(C, H, W)")
    return _as_display(image.permute(1, 2, 0))


def plot_channels(
    image: torch.Tensor, titles: tuple[str, ...] | None = None, fig: Figure | None = None
) -> Figure:
    """Draw a (C, H, W) image and each of its channels side by side (RGB channels in red, green, blue).

    Examples:
        >>> len(plot_channels(torch.rand(3, 8, 8)).axes)
        4
    """
    check_tensor(image, "image", rank=3, layout="(C, H, W)")
    channels = image.shape[0]
    data = _as_display(image)
    fig = fig or plt.figure(figsize=(2.6 * (channels + 1), 2.8), layout="constrained")
    axes = fig.subplots(1, channels + 1)
    composite = to_hwc(image) if channels == 3 else data[0]
    axes[0].imshow(
        np.clip(composite, 0, 1) if channels == 3 else composite, cmap=None if channels == 3 else "gray"
    )
    axes[0].set_title(f"image {tuple(image.shape)}", fontsize=9)
    names = titles or (("R", "G", "B") if channels == 3 else tuple(f"channel {c}" for c in range(channels)))
    for c in range(channels):
        cmap = _RGB_CMAPS[c] if channels == 3 else "viridis"
        axes[c + 1].imshow(data[c], cmap=cmap)
        axes[c + 1].set_title(f"x[{c}]: {names[c]}  {tuple(data[c].shape)}", fontsize=9)
    for ax in axes:
        ax.set_axis_off()
    return fig


def plot_batch(batch: torch.Tensor, fig: Figure | None = None) -> Figure:
    """Draw an (N, C, H, W) batch as a grid: one row per sample, one column per channel.

    Examples:
        >>> len(plot_batch(torch.rand(2, 3, 8, 8)).axes)
        6
    """
    check_tensor(batch, "batch", rank=4, layout="(N, C, H, W)")
    n, c = batch.shape[:2]
    data = _as_display(batch)
    fig = fig or plt.figure(figsize=(1.9 * c + 0.5, 1.9 * n), layout="constrained")
    axes = fig.subplots(n, c, squeeze=False)
    for i in range(n):
        for j in range(c):
            axes[i, j].imshow(data[i, j], cmap=_RGB_CMAPS[j] if c == 3 else "viridis")
            axes[i, j].set_xticks([]), axes[i, j].set_yticks([])
            if i == 0:
                axes[i, j].set_title(f"channel {j}", fontsize=9)
            if j == 0:
                axes[i, j].set_ylabel(f"sample {i}", fontsize=9)
    fig.suptitle(f"batch {tuple(batch.shape)}: x[n, c] is one {tuple(batch.shape[2:])} map", fontsize=10)
    return fig


def batch_explorer(
    batch: torch.Tensor, title: str = "batch", height: int = 380, max_size: int = 96
) -> go.Figure:
    """Return a Plotly figure with a slider over the batch; each step shows that sample's channels.

    Maps larger than ``max_size`` pixels are average-pooled for display (the title says so), to keep
    the page light; hover values are then block means.

    Examples:
        >>> len(batch_explorer(torch.rand(4, 3, 8, 8)).layout.sliders[0].steps)
        4
    """
    check_tensor(batch, "batch", rank=4, layout="(N, C, H, W)")
    n, c = batch.shape[:2]
    data = _as_display(batch)
    factor = max(1, -(-max(batch.shape[2:]) // max_size))
    if factor > 1:
        data = torch.nn.functional.avg_pool2d(torch.from_numpy(data), factor, ceil_mode=True).numpy()
        title = f"{title} (shown averaged {factor}x{factor})"
    fig = make_subplots(
        rows=1, cols=c, subplot_titles=[f"x[n, {j}]" for j in range(c)], horizontal_spacing=0.02
    )
    scales = ("Reds", "Greens", "Blues") if c == 3 else ("Viridis",) * c
    for i in range(n):
        for j in range(c):
            fig.add_trace(go.Heatmap(z=data[i, j].astype(np.float32), colorscale=scales[j], showscale=False,
                                     visible=i == 0, hovertemplate=f"n={i} c={j}<br>row %{{y}}, col %{{x}}: %{{z:.3f}}<extra></extra>"),
                          row=1, col=j + 1)  # fmt: skip
    steps = []
    for i in range(n):
        visible = [k // c == i for k in range(n * c)]
        steps.append({"method": "update", "label": str(i),
                      "args": [{"visible": visible}, {"title.text": f"{title}: sample x[{i}] of shape {tuple(batch.shape[1:])}"}]})  # fmt: skip
    fig.update_layout(
        title={"text": f"{title}: sample x[0] of shape {tuple(batch.shape[1:])}"}, height=height,
        sliders=[{"active": 0, "steps": steps, "currentvalue": {"prefix": "sample n = "}, "pad": {"t": 20}}],
        margin={"l": 10, "r": 10, "t": 60, "b": 10},
    )  # fmt: skip
    for j in range(c):
        fig.update_yaxes(
            autorange="reversed", scaleanchor=f"x{j + 1 if j else ''}", visible=False, row=1, col=j + 1
        )
        fig.update_xaxes(visible=False, row=1, col=j + 1)
    return fig


@dataclass(frozen=True)
class LayoutInfo:
    """How a tensor sits in memory."""

    shape: tuple[int, ...]
    strides: tuple[int, ...]
    contiguous: bool
    memory_format: str
    storage_offset: int
    shares_storage_with_base: bool


def layout_info(x: torch.Tensor) -> LayoutInfo:
    """Return shape, strides, contiguity and memory format of ``x``.

    Examples:
        >>> layout_info(torch.zeros(2, 3).t()).contiguous
        False
    """
    check_tensor(x, "x", finite=False)
    if x.dim() == 4 and x.is_contiguous(memory_format=torch.channels_last) and not x.is_contiguous():
        fmt = "channels_last"
    elif x.is_contiguous():
        fmt = "contiguous"
    else:
        fmt = "strided (not contiguous)"
    return LayoutInfo(
        tuple(x.shape), tuple(x.stride()), x.is_contiguous(), fmt, x.storage_offset(), x._base is not None
    )


def memory_order(x: torch.Tensor) -> list[tuple[int, ...]]:
    """Return the index of each element of ``x`` in the order it sits in memory (by stride).

    Examples:
        >>> memory_order(torch.zeros(1, 2, 1, 2))
        [(0, 0, 0, 0), (0, 0, 0, 1), (0, 1, 0, 0), (0, 1, 0, 1)]
    """
    check_tensor(x, "x", finite=False)
    indices = list(np.ndindex(*x.shape))
    strides = x.stride()
    return sorted(indices, key=lambda idx: sum(i * s for i, s in zip(idx, strides, strict=True)))


def plot_memory_order(x: torch.Tensor, title: str | None = None, ax=None):
    """Draw the elements of a small (N, C, H, W) tensor as a strip in memory order, coloured by channel.

    Examples:
        >>> ax = plot_memory_order(torch.zeros(1, 3, 2, 2))
    """
    check_tensor(x, "x", rank=4, layout="(N, C, H, W)", finite=False)
    if x.numel() > 96:
        raise ValueError(
            f"x: expected at most 96 elements to draw one cell each, got {x.numel()} (shape {tuple(x.shape)})"
        )
    order = memory_order(x)
    if ax is None:
        ax = plt.figure(figsize=(min(0.42 * len(order) + 1, 16), 1.4), layout="constrained").subplots()
    colours = plt.get_cmap("Set2")
    for position, (_n, c, h, w) in enumerate(order):
        ax.add_patch(plt.Rectangle((position, 0), 0.95, 1, color=colours(c % 8)))
        ax.text(
            position + 0.47,
            0.5,
            f"{'RGB'[c] if x.shape[1] == 3 else c}\n{h}{w}",
            ha="center",
            va="center",
            fontsize=7,
        )
    ax.set_xlim(0, len(order))
    ax.set_ylim(0, 1)
    ax.set_yticks([])
    ax.set_xlabel("address (elements from the start of storage)")
    info = layout_info(x)
    ax.set_title(title or f"{info.memory_format}: shape {info.shape}, strides {info.strides}", fontsize=9)
    return ax


def channel_shuffle(x: torch.Tensor, groups: int) -> torch.Tensor:
    """Return ``x`` with its channels shuffled across ``groups`` (ShuffleNet): (N, g*k, H, W) -> interleaved.

    Channel ``i*k + j`` of group i moves to position ``j*groups + i``.

    Examples:
        >>> channel_shuffle(torch.arange(6.0).view(1, 6, 1, 1), 2).flatten().tolist()
        [0.0, 3.0, 1.0, 4.0, 2.0, 5.0]
    """
    check_tensor(x, "x", rank=4, layout="(N, C, H, W)", finite=False)
    n, c, h, w = x.shape
    if isinstance(groups, bool) or not isinstance(groups, int) or groups < 1 or c % groups:
        raise ValueError(f"groups: expected a positive divisor of the {c} channels, got {groups!r}")
    return x.view(n, groups, c // groups, h, w).transpose(1, 2).reshape(n, c, h, w)
