"""Plotly explorers: sliders and drop-downs over a batch's samples, a model's layers and their channels.

Examples:
    >>> fig = layer_explorer({"conv": torch.rand(1, 4, 8, 8), "fc": torch.rand(1, 10)})
    >>> len(fig.data), len(fig.layout.sliders[0].steps)
    (2, 2)
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import plotly.graph_objects as go
import torch
from plotly.subplots import make_subplots

from ..checks import (
    check_array,
    check_at_most,
    check_bool,
    check_drawable,
    check_positive_int,
    check_str,
    check_tensor,
    describe,
)
from ..display import average_pool, display_values, rescale, shrink_maps
from .controls import check_height, visibility_slider, visibility_step

_GAP = 1  # empty pixels between tiles of a mosaic
MAX_CELLS = 60_000  # heat-map cells in one explorer, all layers together: keeps a page's figure data small
MAX_CHANNELS = 32
CELLS_LIMIT = 500_000
"""Most heat-map cells a caller may ask for (``max_cells``, a mosaic, a batch): about 10 MB of page data."""
CHANNELS_LIMIT = 256
"""Most channels per layer a caller may ask for (``max_channels``)."""
MAX_TRACES = 512
"""Most heat maps in one explorer (layers, channels, or samples x channels): each slider step carries one
visibility flag per heat map, so the page grows with their square."""
MAX_DISPLAY_SIZE = 512
"""Largest ``max_size`` of [`batch_explorer()`][cnnatlas.widgets.explorers.batch_explorer], in pixels per side."""
MAX_MOSAIC_COLUMNS = 64
"""Most columns of a [`mosaic()`][cnnatlas.widgets.explorers.mosaic]."""


def _as_maps(name: str, tensor: torch.Tensor) -> np.ndarray:
    """Return a (C, H, W) float array for one sample: 4D -> its channels, 2D (N, F) -> one F-long strip."""
    t = tensor.detach().cpu().float()
    if t.dim() == 4:
        t = t[0]
    elif t.dim() == 2:
        features = t[0]
        width = math.ceil(math.sqrt(features.numel()))
        padded = torch.full((width * width,), float("nan"))
        padded[: features.numel()] = features
        t = padded.view(1, width, width)
    return t.numpy()


def _check_outputs(outputs: object, name: str = "outputs") -> dict[str, torch.Tensor]:
    """Return ``outputs`` as a dict if it maps layer names (strings) to tensors, else raise saying why."""
    if not isinstance(outputs, Mapping):
        raise TypeError(
            f"{name}: expected a mapping of layer names to output tensors (e.g. from cnnatlas.layer_outputs), "
            f"got {describe(outputs)}"
        )
    if not outputs:
        raise ValueError(f"{name}: expected at least one layer output, got an empty mapping")
    check_at_most(len(outputs), name, MAX_TRACES, "layers", limit_name="MAX_TRACES")
    for key, value in outputs.items():
        check_str(key, f"{name} key", non_empty=False)
        if not isinstance(value, torch.Tensor):
            raise TypeError(f"{name}[{key!r}]: expected a torch.Tensor, got {describe(value)}")
    return dict(outputs)


def _check_layer_output(name: str, tensor: torch.Tensor) -> None:
    """Refuse a layer output that is not a finite, non-empty float (N, F), (C, H, W) or (N, C, H, W) tensor."""
    check_tensor(tensor, f"outputs[{name!r}]", rank=(2, 3, 4), floating=True,
                 layout="(N, F), (C, H, W) or (N, C, H, W)")  # fmt: skip


def _check_budget(outputs: dict[str, torch.Tensor], budget: int, max_channels: int) -> None:
    """Refuse a cell budget per layer smaller than the channels shown: no pooling could make them fit."""
    for name, tensor in outputs.items():
        channels = min(1 if tensor.dim() == 2 else tensor.shape[-3], max_channels)
        if channels > budget:
            raise ValueError(
                f"max_cells: expected at least one cell per channel shown, got {budget} cells per layer for "
                f"{channels} channels of {name!r}; raise max_cells or lower max_channels"
            )


def mosaic(
    maps: np.ndarray, ncols: int | None = None, per_channel: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """Tile (C, H, W) maps into one 2D image with NaN gaps; return (display values, channel index per pixel).

    With ``per_channel`` each map is rescaled to [0, 1] on its own (a constant map becomes 0.5). NaN
    entries stay gaps. At most [`MAX_MOSAIC_COLUMNS`][cnnatlas.widgets.explorers.MAX_MOSAIC_COLUMNS] columns and [`CELLS_LIMIT`][cnnatlas.widgets.explorers.CELLS_LIMIT] cells.

    Examples:
        >>> image, channel = mosaic(np.zeros((4, 2, 2)))
        >>> image.shape, int(np.nanmax(channel))
        ((5, 5), 3)
    """
    check_array(maps, "maps", ndim=3)
    if maps.dtype == bool:
        raise TypeError(
            "maps: expected real numbers (an integer or float dtype), got dtype bool; use maps.astype(float)"
        )
    if ncols is not None:
        ncols = check_positive_int(
            ncols, "ncols", maximum=MAX_MOSAIC_COLUMNS, limit_name="MAX_MOSAIC_COLUMNS"
        )
    per_channel = check_bool(per_channel, "per_channel")
    count, h, w = maps.shape
    ncols = ncols or math.ceil(math.sqrt(count))
    nrows = math.ceil(count / ncols)
    cells = (nrows * (h + _GAP) - _GAP) * (ncols * (w + _GAP) - _GAP)
    check_at_most(cells, "maps", CELLS_LIMIT, "cells in the mosaic", limit_name="CELLS_LIMIT")
    image = np.full((nrows * (h + _GAP) - _GAP, ncols * (w + _GAP) - _GAP), np.nan)
    channel = np.full(image.shape, np.nan)
    for c in range(count):
        r, k = divmod(c, ncols)
        tile = maps[c]
        if per_channel:
            tile = rescale(tile)
        y, x = r * (h + _GAP), k * (w + _GAP)
        image[y : y + h, x : x + w] = tile
        channel[y : y + h, x : x + w] = c
    return image, channel


def batch_explorer(
    batch: torch.Tensor, title: str = "batch", height: int = 380, max_size: int = 96
) -> go.Figure:
    """Return a Plotly figure with a slider over the batch; each step shows that sample's channels.

    Maps larger than ``max_size`` pixels are average-pooled for display (the title says so), to keep
    the page light; hover values are then block means. At most [`MAX_TRACES`][cnnatlas.widgets.explorers.MAX_TRACES] maps (samples x
    channels) and [`CELLS_LIMIT`][cnnatlas.widgets.explorers.CELLS_LIMIT] cells are shown.

    Examples:
        >>> len(batch_explorer(torch.rand(4, 3, 8, 8)).layout.sliders[0].steps)
        4
    """
    check_drawable(batch, "batch", rank=4, layout="(N, C, H, W)")
    check_str(title, "title", non_empty=False)
    height = check_height(height)
    max_size = check_positive_int(
        max_size, "max_size", maximum=MAX_DISPLAY_SIZE, limit_name="MAX_DISPLAY_SIZE"
    )
    n, c = batch.shape[:2]
    check_at_most(n * c, "batch", MAX_TRACES, "maps (samples x channels)", limit_name="MAX_TRACES",
                  hint="pass batch[:n]")  # fmt: skip
    factor = max(1, -(-max(batch.shape[2:]) // max_size))
    shown = n * c * math.ceil(batch.shape[2] / factor) * math.ceil(batch.shape[3] / factor)
    check_at_most(shown, "batch", CELLS_LIMIT, "cells to show", limit_name="CELLS_LIMIT",
                  hint="pass fewer samples or a smaller max_size")  # fmt: skip
    data = display_values(batch)
    if factor > 1:
        data = average_pool(data, factor)
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
    steps = [visibility_step(str(i), [k // c == i for k in range(n * c)], f"{title}: sample x[{i}] of shape {tuple(batch.shape[1:])}")
             for i in range(n)]  # fmt: skip
    fig.update_layout(
        title={"text": f"{title}: sample x[0] of shape {tuple(batch.shape[1:])}"}, height=height,
        sliders=[visibility_slider(steps, "sample n = ", 20)],
        margin={"l": 10, "r": 10, "t": 60, "b": 10},
    )  # fmt: skip
    for j in range(c):
        fig.update_yaxes(
            autorange="reversed", scaleanchor=f"x{j + 1 if j else ''}", visible=False, row=1, col=j + 1
        )
        fig.update_xaxes(visible=False, row=1, col=j + 1)
    return fig


def layer_explorer(
    outputs: Mapping[str, torch.Tensor],
    title: str = "Layer outputs",
    per_channel: bool = True,
    height: int = 520,
    max_channels: int = MAX_CHANNELS,
    max_cells: int = MAX_CELLS,
) -> go.Figure:
    """Return a Plotly figure with a slider over layers; each step shows all channels of that layer's output.

    ``outputs`` maps a layer name to its output for one sample: (1, C, H, W) maps or (1, F) features.
    Hovering shows the channel and the raw value. To keep pages light, at most ``max_channels`` channels
    per layer are shown and large maps are average-pooled so that all layers fit in ``max_cells`` cells;
    the title says when that happened. ``max_channels`` is at most [`CHANNELS_LIMIT`][cnnatlas.widgets.explorers.CHANNELS_LIMIT], ``max_cells``
    at most [`CELLS_LIMIT`][cnnatlas.widgets.explorers.CELLS_LIMIT].

    Examples:
        >>> fig = layer_explorer(cnnatlas.layer_outputs(cnnatlas.LeNet(), torch.rand(1, 1, 28, 28)))
        >>> len(fig.layout.sliders[0].steps)  # one step per leaf module
        12
    """
    outputs = _check_outputs(outputs)
    for name, tensor in outputs.items():
        _check_layer_output(name, tensor)
    check_str(title, "title", non_empty=False)
    per_channel = check_bool(per_channel, "per_channel")
    height = check_height(height)
    max_channels = check_positive_int(
        max_channels, "max_channels", maximum=CHANNELS_LIMIT, limit_name="CHANNELS_LIMIT"
    )
    max_cells = check_positive_int(max_cells, "max_cells", maximum=CELLS_LIMIT, limit_name="CELLS_LIMIT")
    fig = go.Figure()
    steps = []
    names = list(outputs)
    budget = max(max_cells // len(names), 64)
    _check_budget(outputs, budget, max_channels)
    for index, name in enumerate(names):
        maps, note = shrink_maps(_as_maps(name, outputs[name]), budget, max_channels)
        image, channel = mosaic(maps, per_channel=per_channel)
        raw, _ = mosaic(maps, per_channel=False)
        shape = tuple(outputs[name].shape)
        fig.add_trace(go.Heatmap(
            z=image.astype(np.float32), customdata=np.dstack([channel, raw]).astype(np.float32), colorscale="Viridis", showscale=False,
            visible=index == 0, name=name, hoverongaps=False,
            hovertemplate="channel %{customdata[0]}<br>value %{customdata[1]:.3g}<extra>" + name + "</extra>",
        ))  # fmt: skip
        visible = [i == index for i in range(len(names))]
        label = f"{name} {shape}" + (f" ({note})" if note else "")
        steps.append(visibility_step(name, visible, f"{title}: {label}"))
    fig.update_layout(
        title={"text": steps[0]["args"][1]["title.text"]},
        sliders=[visibility_slider(steps, "layer: ", 30)],
        height=height, margin={"l": 10, "r": 10, "t": 50, "b": 10},
        xaxis={"visible": False, "constrain": "domain"},
        yaxis={"visible": False, "autorange": "reversed", "scaleanchor": "x"},
        plot_bgcolor="rgba(0,0,0,0)",
    )  # fmt: skip
    return fig


def channel_explorer(
    outputs: Mapping[str, torch.Tensor],
    title: str = "Feature maps",
    max_channels: int = 16,
    max_cells: int = MAX_CELLS,
    height: int = 480,
) -> go.Figure:
    """Return a Plotly figure to choose a layer (drop-down), then one of its channels (slider), at full size.

    ``outputs`` maps layer names to (1, C, H, W) outputs ((N, F) and (C, H, W) ones are skipped). Each
    map keeps its own colour scale and its raw values; at most ``max_channels`` channels per layer are
    offered and large maps are average-pooled to fit ``max_cells`` cells overall (the title says so).

    Examples:
        >>> fig = channel_explorer({"a": torch.rand(1, 3, 8, 8), "b": torch.rand(1, 2, 4, 4)})
        >>> len(fig.data), len(fig.layout.updatemenus[0].buttons)
        (5, 2)
    """
    outputs = _check_outputs(outputs)
    for name, tensor in outputs.items():
        _check_layer_output(name, tensor)
    maps4d = {name: t for name, t in outputs.items() if t.dim() == 4}
    if not maps4d:
        raise ValueError(
            f"outputs: expected at least one (1, C, H, W) output, got {[tuple(t.shape) for t in outputs.values()]}"
        )
    check_str(title, "title", non_empty=False)
    max_channels = check_positive_int(
        max_channels, "max_channels", maximum=CHANNELS_LIMIT, limit_name="CHANNELS_LIMIT"
    )
    max_cells = check_positive_int(max_cells, "max_cells", maximum=CELLS_LIMIT, limit_name="CELLS_LIMIT")
    height = check_height(height)
    traces = sum(min(t.shape[1], max_channels) for t in maps4d.values())
    check_at_most(traces, "outputs", MAX_TRACES, "channel maps in all (layers x max_channels)",
                  limit_name="MAX_TRACES", hint="lower max_channels or pass fewer layers")  # fmt: skip
    per_layer = max(max_cells // len(maps4d), 64)
    _check_budget(maps4d, per_layer, max_channels)
    fig = go.Figure()
    layers: list[tuple[str, int, str]] = []  # name, first trace index, note
    for name, tensor in maps4d.items():
        maps, note = shrink_maps(_as_maps(name, tensor), per_layer, max_channels)
        layers.append((name, len(fig.data), note))
        for c, channel_map in enumerate(maps):
            fig.add_trace(go.Heatmap(z=channel_map.astype(np.float32), colorscale="Viridis", visible=not fig.data,
                                     name=f"{name} ch {c}", hovertemplate=f"channel {c}<br>row %{{y}}, col %{{x}}: %{{z:.3g}}<extra>{name}</extra>"))  # fmt: skip
    total = len(fig.data)
    ends = [first for _, first, _ in layers[1:]] + [total]

    def title_of(name: str, channel: int, note: str) -> str:
        return f"{title}: {name} {tuple(maps4d[name].shape)}, channel {channel}" + (
            f" ({note})" if note else ""
        )

    def slider_for(index: int) -> dict:
        name, first, note = layers[index]
        steps = [visibility_step(str(c - first), [t == c for t in range(total)], title_of(name, c - first, note))
                 for c in range(first, ends[index])]  # fmt: skip
        return visibility_slider(steps, f"{name}: channel ", 30)

    buttons = [{"method": "update", "label": name,
                "args": [{"visible": [t == first for t in range(total)]}, {"sliders": [slider_for(i)], "title.text": title_of(name, 0, note)}]}
               for i, (name, first, note) in enumerate(layers)]  # fmt: skip
    fig.update_layout(
        title={"text": title_of(layers[0][0], 0, layers[0][2])}, height=height, sliders=[slider_for(0)],
        updatemenus=[{"buttons": buttons, "direction": "down", "x": 0, "y": 1.12, "xanchor": "left", "yanchor": "top"}],
        margin={"l": 10, "r": 10, "t": 90, "b": 10},
        xaxis={"visible": False, "constrain": "domain"}, yaxis={"visible": False, "autorange": "reversed", "scaleanchor": "x"},
    )  # fmt: skip
    return fig
