"""Matplotlib figures of feature maps: every channel of a layer's output as a grid of images.

Examples:
    >>> fig = feature_maps_figure(cnnatlas.layer_outputs(cnnatlas.LeNet(), torch.rand(1, 1, 28, 28), ["0"])["0"])
    >>> len(fig.axes)
    6
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import matplotlib.pyplot as plt
import torch
from matplotlib.figure import Figure

from ..checks import check_tensor
from ..display import map_limits


def feature_maps_figure(
    maps: torch.Tensor,
    *,
    ncols: int | None = None,
    title: str | None = None,
    cmap: str = "viridis",
    shared_scale: bool = False,
    labels: Iterable[str] | None = None,
    fig: Figure | None = None,
) -> Figure:
    """Draw every channel of a (C, H, W) or (1, C, H, W) tensor as a grid of images; return the Figure.

    Each map gets its own colour range unless ``shared_scale``; a constant map is drawn as one flat colour
    and labelled with its value, never stretched into noise.

    Examples:
        >>> fig = feature_maps_figure(torch.rand(6, 28, 28), title="conv1")
        >>> len(fig.axes)
        6
    """
    check_tensor(maps, "maps", rank=(3, 4), floating=True, layout="(C, H, W) or (1, C, H, W)")
    if maps.dim() == 4:
        if maps.shape[0] != 1:
            raise ValueError(
                f"maps: expected one sample (1, C, H, W), got a batch of shape {tuple(maps.shape)}; pick one with maps[i]"
            )
        maps = maps[0]
    data = maps.detach().cpu().float().numpy()
    count = data.shape[0]
    ncols = ncols or min(count, 8)
    nrows = math.ceil(count / ncols)
    names = list(labels) if labels is not None else [f"ch {i}" for i in range(count)]
    fig = fig or plt.figure(figsize=(1.6 * ncols, 1.7 * nrows + (0.4 if title else 0)), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False)
    shared = map_limits(data) if shared_scale else None
    for index, ax in enumerate(axes.flat):
        ax.set_axis_off()
        if index >= count:
            continue
        vmin, vmax, constant = shared or map_limits(data[index])
        ax.imshow(data[index], cmap=cmap, vmin=vmin, vmax=vmax)
        label = names[index] + (
            f"\nconstant {data[index].flat[0]:.3g}" if constant and not shared_scale else ""
        )
        ax.set_title(label, fontsize=8)
    if title:
        fig.suptitle(title)
    return fig
