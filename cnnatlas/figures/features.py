"""Matplotlib figures of feature maps: every channel of a layer's output as a grid of images.

Examples:
    >>> fig = feature_maps_figure(cnnatlas.layer_outputs(cnnatlas.LeNet(), torch.rand(1, 1, 28, 28), ["0"])["0"])
    >>> len(fig.axes)
    6
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable

import matplotlib.pyplot as plt
import torch
from matplotlib.figure import Figure

from ..checks import (
    check_at_most,
    check_bool,
    check_instance,
    check_names,
    check_positive_int,
    check_str,
    check_tensor,
)
from ..display import map_limits, symmetric_limit
from ..style import DIVERGING, SEQUENTIAL, WIDTH

MAX_PANELS = 128
"""Most images (axes) in one matplotlib figure: 128 take seconds to draw and save; thousands take minutes."""
MAX_NCOLS = 32
"""Most columns of a grid figure: a wider one is too wide for a page (and ``ncols=10**6`` too big to draw)."""


def _check_cmap(cmap: object) -> None:
    """Refuse anything but the name of a registered matplotlib colour map (with a close match if one exists)."""
    check_str(cmap, "cmap")
    names = plt.colormaps()
    if cmap not in names:
        close = difflib.get_close_matches(str(cmap), names, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise ValueError(f"cmap: expected a matplotlib colour map name such as 'viridis', got {cmap!r}{hint}")


def feature_maps_figure(
    maps: torch.Tensor,
    *,
    ncols: int | None = None,
    title: str | None = None,
    cmap: str = SEQUENTIAL,
    shared_scale: bool = False,
    labels: Iterable[str] | None = None,
    fig: Figure | None = None,
) -> Figure:
    """Draw every channel of a (C, H, W) or (1, C, H, W) tensor as a grid of images; return the Figure.

    Each map gets its own colour range unless ``shared_scale``; a constant map is drawn as one flat colour
    and labelled with its value, never stretched into noise. With ``cmap=cnnatlas.style.DIVERGING`` (signed
    maps) every range is symmetric around zero, so that white means 0. At most [`MAX_PANELS`][cnnatlas.figures.features.MAX_PANELS] maps and
    [`MAX_NCOLS`][cnnatlas.figures.features.MAX_NCOLS] columns; ``labels`` (a sequence of strings, not one string) names each map.

    Examples:
        >>> fig = feature_maps_figure(torch.rand(6, 28, 28), title="conv1")
        >>> len(fig.axes)
        6
    """
    check_tensor(maps, "maps", rank=(3, 4), floating=True, layout="(C, H, W) or (1, C, H, W)")
    check_tensor(maps, "maps", layout="(C, H, W)" if maps.dim() == 3 else "(N, C, H, W)")
    count = maps.shape[-3]
    check_at_most(count, "maps", MAX_PANELS, "maps to draw", limit_name="MAX_PANELS", hint="pass maps[:n]")
    if ncols is not None:
        ncols = check_positive_int(ncols, "ncols", maximum=MAX_NCOLS, limit_name="MAX_NCOLS")
    if title is not None:
        check_str(title, "title", non_empty=False)
    _check_cmap(cmap)
    shared_scale = check_bool(shared_scale, "shared_scale")
    names = check_names(labels, "labels") if labels is not None else [f"ch {i}" for i in range(count)]
    if len(names) != count:
        raise ValueError(f"labels: expected one label per map ({count}), got {len(names)}")
    check_instance(fig, "fig", Figure, optional=True)
    if maps.dim() == 4:
        if maps.shape[0] != 1:
            raise ValueError(
                f"maps: expected one sample (1, C, H, W), got a batch of shape {tuple(maps.shape)}; pick one with maps[i]"
            )
        maps = maps[0]
    data = maps.detach().cpu().float().numpy()
    ncols = ncols or min(count, 8)
    nrows = math.ceil(count / ncols)
    height, width = data.shape[1:]
    panel = WIDTH / ncols
    constants = any(map_limits(m)[2] for m in data) and not shared_scale
    row_height = panel * height / width + (0.55 if constants else 0.3)
    fig = fig or plt.figure(
        figsize=(WIDTH, nrows * row_height + (0.45 if title else 0)), layout="constrained"
    )
    axes = fig.subplots(nrows, ncols, squeeze=False)
    shared = _limits(data, cmap) if shared_scale else None
    for index, ax in enumerate(axes.flat):
        ax.set_axis_off()
        if index >= count:
            continue
        vmin, vmax, constant = shared or _limits(data[index], cmap)
        ax.imshow(data[index], cmap=cmap, vmin=vmin, vmax=vmax)
        label = names[index] + (f"\n= {data[index].flat[0]:.3g}" if constant and not shared_scale else "")
        ax.set_title(label)
    if title:
        fig.suptitle(title)
    return fig


def _limits(values: object, cmap: str) -> tuple[float, float, bool]:
    """(vmin, vmax, is_constant) of one map or all of them: symmetric around 0 for the diverging map."""
    low, high, constant = map_limits(values)
    if cmap == DIVERGING:
        limit = symmetric_limit(values)
        return -limit, limit, constant
    return low, high, constant
