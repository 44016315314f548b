"""Plotly explorers: sliders and drop-downs over a batch's samples, a model's layers and their channels.

Feature maps are sent to the page as one byte per cell (the map's range in 255 levels, stated on hover)
and at a resolution where the content stays recognisable: never averaged below
[`MIN_SIDE`][cnnatlas.widgets.explorers.MIN_SIDE] pixels per side; a tight cell budget shows fewer
channels instead. Unsigned maps use the atlas's sequential colour scale, signed ones its diverging scale
centred on zero.

Examples:
    >>> fig = layer_explorer({"conv": torch.rand(1, 4, 8, 8), "fc": torch.rand(1, 10)})
    >>> len(fig.data), len(fig.layout.sliders[0].steps)  # four channel maps, one feature square; two layers
    (5, 2)
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
from ..display import average_pool, display_values, rescale
from ..style import CHANNEL_CMAPS, PLOTLY_DIVERGING, PLOTLY_SEQUENTIAL
from .controls import check_height, visibility_slider, visibility_step

_GAP = 1  # empty pixels between tiles of a mosaic
MAX_CELLS = 250_000
"""Heat-map cells of one layer or channel explorer, all layers together (a cell is one byte of page data,
about 330 KB in all): the layers share it, small layers giving what they do not need to large ones."""
MAX_CHANNELS = 32
MIN_SIDE = 64
"""Fewest pixels per side the explorers average a map down to: a map larger than this keeps at least
this many (a 128x192 map is at worst halved to 64x96, where a face is still a face), a smaller one is
shown whole. A small ``max_cells`` then shows fewer channels, never blurrier maps."""
PREFERRED_CHANNELS = 4
"""Channels of a layer that the layer explorer shows at the highest resolution the budget allows, before
it adds more channels at that resolution."""
_LEVELS = 255  # maps are sent as one byte per cell: 0..255
_REFERENCE_WIDTH_PX = 600  # the plot width the tile grid is chosen for (a laptop; a phone scales it down)
_LAYER_CHROME_PX = 160  # title (two lines) and slider of the layer explorer
_SMALLEST_PLOT_PX = 160
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


def _to_levels(scaled: np.ndarray) -> np.ndarray:
    """Values scaled to [0, 1] as the one byte per cell that the explorers send: levels 0 to 255."""
    return np.rint(scaled * _LEVELS).clip(0, _LEVELS).astype(np.uint8)


def _batch_range(data: np.ndarray) -> tuple[float, float, bool]:
    """Return (value at level 0, value at level 255, signed) for a batch: [0, 1] for images in [0, 1] (uint8
    images arrive divided by 255), a range symmetric around 0 for signed values, else the values' range."""
    low, high = float(data.min()), float(data.max())
    if low >= 0.0 and high <= 1.0:
        return 0.0, 1.0, False
    if low < 0.0:
        limit = max(-low, high)
        return -limit, limit, True
    return low, high if high > low else low + 1.0, False


def batch_explorer(
    batch: torch.Tensor, title: str = "batch", height: int = 380, max_size: int = 96
) -> go.Figure:
    """Return a Plotly figure with a slider over the batch; each step shows that sample's channels.

    Maps larger than ``max_size`` pixels are average-pooled for display (the title says so), to keep the
    page light. Like the other explorers, each pixel is sent as one byte: its level (0 to 255) on one scale
    for the whole batch, [0, 1] for images in [0, 1] (a uint8 image's level is its byte), symmetric around 0
    for signed values; hovering gives the level and what levels 0 and 255 are. Three channels are drawn in
    red, green and blue; other channels on the sequential scale, or the diverging one if signed. At most
    [`MAX_TRACES`][cnnatlas.widgets.explorers.MAX_TRACES] maps (samples x channels) and
    [`CELLS_LIMIT`][cnnatlas.widgets.explorers.CELLS_LIMIT] cells are shown.

    Examples:
        >>> fig = batch_explorer(torch.rand(4, 3, 8, 8))
        >>> len(fig.layout.sliders[0].steps), fig.data[0].z.dtype
        (4, dtype('uint8'))
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
    low, high, signed = _batch_range(data)
    levels = _to_levels((data - low) / (high - low))
    scales = CHANNEL_CMAPS if c == 3 else (PLOTLY_DIVERGING if signed else PLOTLY_SEQUENTIAL,) * c
    where = (
        f"mean of the {factor}x{factor} block from row %{{y}}, col %{{x}}"
        if factor > 1
        else "row %{y}, col %{x}"
    )
    fig = make_subplots(
        rows=1, cols=c, subplot_titles=[f"x[n, {j}]" for j in range(c)], horizontal_spacing=0.02
    )
    fig.update_annotations(font_size=13)  # the panel titles, under the title's smaller second line
    for i in range(n):
        for j in range(c):
            fig.add_trace(go.Heatmap(z=levels[i, j], x0=0, dx=factor, y0=0, dy=factor, zmin=0, zmax=_LEVELS,
                                     colorscale=scales[j], showscale=False, visible=i == 0,
                                     hovertemplate=f"x[{i}, {j}], {where}: level %{{z}}<br>{_value_text(low, high)}<extra></extra>"),
                          row=1, col=j + 1)  # fmt: skip
    note = (f"averaged {factor}x{factor}, " if factor > 1 else "") + f"one scale: {low:.3g} to {high:.3g}"

    def title_of(i: int) -> str:
        return f"{title}: x[{i}] of shape {tuple(batch.shape[1:])}<br>" + _small(note)

    steps = [visibility_step(str(i), [k // c == i for k in range(n * c)], title_of(i)) for i in range(n)]
    fig.update_layout(
        title={"text": title_of(0), "font": {"size": 14}}, height=height,
        sliders=[visibility_slider(steps, "sample n = ", 20)],
        margin={"l": 10, "r": 10, "t": 80, "b": 10}, plot_bgcolor="rgba(0,0,0,0)",
    )  # fmt: skip
    for j in range(c):
        fig.update_yaxes(
            autorange="reversed", scaleanchor=f"x{j + 1 if j else ''}", visible=False, row=1, col=j + 1
        )
        fig.update_xaxes(visible=False, row=1, col=j + 1)
    return fig


def _plan(shape: tuple[int, int, int], budget: int, max_channels: int, preferred: int) -> tuple[int, int]:
    """Return (channels shown, averaging factor) for (C, H, W) maps in ``budget`` cells: resolution first.

    The factor is the smallest that fits ``preferred`` channels, but never so large that a side drops below
    [`MIN_SIDE`][cnnatlas.widgets.explorers.MIN_SIDE]; then as many channels as fit (at least one).
    """
    count, h, w = shape
    kept = min(count, max_channels)
    cap = max(1, min(h, w) // MIN_SIDE)

    def cells(f: int) -> int:
        return math.ceil(h / f) * math.ceil(w / f)

    factor = 1
    while factor < cap and min(kept, preferred) * cells(factor) > budget:
        factor += 1
    return max(1, min(kept, budget // cells(factor))), factor


def _shares(needs: list[int], total: int) -> list[int]:
    """Split ``total`` cells over layers needing ``needs``: the smallest first, each at most an equal share of
    what is left, so that what small layers do not use goes to the large ones."""
    shares = [0] * len(needs)
    left = total
    order = sorted(range(len(needs)), key=lambda i: needs[i])
    for done, i in enumerate(order):
        shares[i] = min(needs[i], left // (len(needs) - done))
        left -= shares[i]
    return shares


def _levels(maps: np.ndarray, per_channel: bool) -> tuple[np.ndarray, list[tuple[float, float]], bool]:
    """Return (uint8 levels, (value at level 0, value at 255) per map, signed) for (K, H, W) maps.

    Signed maps get a range symmetric around zero (level 127.5 is 0); unsigned ones their min to max. A
    constant map is drawn at the middle level.
    """
    signed = bool(maps.min() < 0)
    axes = (1, 2) if per_channel else (0, 1, 2)
    if signed:
        high = np.abs(maps).max(axis=axes, keepdims=True)
        high = np.where(high > 0, high, 1.0)
        low = -high
    else:
        low, high = maps.min(axis=axes, keepdims=True), maps.max(axis=axes, keepdims=True)
    span = high - low
    scaled = np.where(span > 0, (maps - low) / np.where(span > 0, span, 1.0), 0.5)
    levels = _to_levels(scaled)
    low, high = np.broadcast_to(low, (len(maps), 1, 1)), np.broadcast_to(high, (len(maps), 1, 1))
    return levels, [(float(a), float(b)) for a, b in zip(low.ravel(), high.ravel(), strict=True)], signed


def _grid(count: int, h: int, w: int, plot_height: int) -> int:
    """Columns of the tile grid that make ``count`` tiles of h x w largest on a reference plot."""

    def scale(ncols: int) -> float:
        nrows = math.ceil(count / ncols)
        return min(_REFERENCE_WIDTH_PX / (ncols * (w + _GAP)), plot_height / (nrows * (h + _GAP)))

    return max(range(1, count + 1), key=scale)


def _small(text: str) -> str:
    """A title's second line: what was left out and how the maps are scaled."""
    return f'<span style="font-size:12px">{text}</span>'


def _value_text(low: float, high: float) -> str:
    return f"level 0 = {low:.3g}, 255 = {high:.3g}"


def _prepare(
    outputs: dict[str, torch.Tensor], max_channels: int, max_cells: int, preferred: int
) -> list[tuple[str, np.ndarray, str]]:
    """Return (name, maps to show, note) per layer: the channels and resolution each layer's share allows."""
    shapes = {name: _as_maps(name, tensor) for name, tensor in outputs.items()}
    needs = [min(m.shape[0], max_channels) * m.shape[1] * m.shape[2] for m in shapes.values()]
    shares = _shares(needs, max_cells)
    prepared = []
    for (name, maps), share in zip(shapes.items(), shares, strict=True):
        features = outputs[name].dim() == 2
        if features:
            prepared.append((name, maps, ""))
            continue
        k, factor = _plan(maps.shape, max(share, 1), max_channels, preferred)
        notes = []
        if k < maps.shape[0]:
            notes.append(f"first {k} of {maps.shape[0]} channels")
        shown = maps[:k]
        if factor > 1:
            shown = average_pool(np.ascontiguousarray(shown, dtype=np.float32)[None], factor)[0]
            notes.append(f"averaged {factor}x{factor}")
        prepared.append((name, shown, ", ".join(notes)))
    return prepared


def layer_explorer(
    outputs: Mapping[str, torch.Tensor],
    title: str = "Layer outputs",
    per_channel: bool = True,
    height: int = 520,
    max_channels: int = MAX_CHANNELS,
    max_cells: int = MAX_CELLS,
) -> go.Figure:
    """Return a Plotly figure with a slider over layers; each step shows that layer's channels as a grid of maps.

    ``outputs`` maps a layer name to its output for one sample: (1, C, H, W) maps or (1, F) features.
    Resolution comes first: the layers share ``max_cells`` cells (small layers give what they do not need
    to large ones); a layer shows up to [`PREFERRED_CHANNELS`][cnnatlas.widgets.explorers.PREFERRED_CHANNELS]
    channels at the finest resolution its share allows, never averaged below
    [`MIN_SIDE`][cnnatlas.widgets.explorers.MIN_SIDE] pixels per side, then as many more channels (at most
    ``max_channels``) as fit; the title says what was left out. Each map is scaled to its own range
    (``per_channel``) or the layer to one range with a colour bar; hovering shows the channel and what
    its colour levels mean. ``max_channels`` is at most [`CHANNELS_LIMIT`][cnnatlas.widgets.explorers.CHANNELS_LIMIT],
    ``max_cells`` at most [`CELLS_LIMIT`][cnnatlas.widgets.explorers.CELLS_LIMIT].

    Examples:
        >>> fig = layer_explorer(cnnatlas.layer_outputs(cnnatlas.LeNet(), torch.rand(1, 1, 28, 28)))
        >>> len(fig.layout.sliders[0].steps)  # one step per leaf module
        12
        >>> fig.data[0].z.shape, fig.data[0].z.dtype  # 28x28 maps, whole, one byte per cell
        ((28, 28), dtype('uint8'))
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
    prepared = _prepare(outputs, max_channels, max_cells, PREFERRED_CHANNELS)
    check_at_most(sum(len(m) if outputs[n].dim() != 2 else 1 for n, m, _ in prepared), "outputs", MAX_TRACES,
                  "maps in all (layers x channels shown)", limit_name="MAX_TRACES",
                  hint="lower max_channels or pass fewer layers")  # fmt: skip
    plot_height = max(height - _LAYER_CHROME_PX, _SMALLEST_PLOT_PX)
    tallest = 0.0  # the grid's height over its width, largest over the layers
    fig = go.Figure()
    owner: list[int] = []  # layer index of each trace
    titles = []
    for index, (name, maps, note) in enumerate(prepared):
        shape = tuple(outputs[name].shape)
        if outputs[name].dim() == 2:  # features: one square of float values, padding left empty
            fig.add_trace(go.Heatmap(
                z=maps[0].astype(np.float32), colorscale=PLOTLY_DIVERGING if np.nanmin(maps) < 0 else PLOTLY_SEQUENTIAL,
                zmid=0 if np.nanmin(maps) < 0 else None, showscale=False, visible=index == 0, hoverongaps=False,
                hovertemplate="feature %{y} x " + str(maps.shape[2]) + " + %{x}: %{z:.3g}<extra>" + name + "</extra>",
            ))  # fmt: skip
            owner.append(index)
            titles.append(f"{title}: {name} {shape}<br>" + _small(f"{shape[-1]} features"))
            tallest = max(tallest, maps.shape[1] / maps.shape[2])
            continue
        levels, ranges, signed = _levels(maps, per_channel)
        k, h, w = levels.shape
        ncols = _grid(k, h, w, plot_height)
        gap = _GAP + max(h, w) // 24
        for c in range(k):
            row, col = divmod(c, ncols)
            low, high = ranges[c]
            scale = {"showscale": False}
            if not per_channel and c == 0:
                ticks = np.linspace(0, _LEVELS, 5)
                scale = {"showscale": True, "colorbar": {
                    "thickness": 10, "len": 0.8, "tickvals": ticks.tolist(),
                    "ticktext": [f"{low + (high - low) * t / _LEVELS:.3g}" for t in ticks]}}  # fmt: skip
            fig.add_trace(go.Heatmap(
                z=levels[c], x0=col * (w + gap), y0=row * (h + gap), zmin=0, zmax=_LEVELS,
                colorscale=PLOTLY_DIVERGING if signed else PLOTLY_SEQUENTIAL, visible=index == 0, **scale,
                hovertemplate=f"channel {c}: level %{{z}}<br>{_value_text(low, high)}<extra>{name}</extra>",
            ))  # fmt: skip
            owner.append(index)
        scaled = "each map on its own scale" if per_channel else "one scale"
        titles.append(f"{title}: {name} {shape}<br>" + _small((f"{note}, " if note else "") + scaled))
        nrows = math.ceil(k / ncols)
        tallest = max(tallest, (nrows * (h + gap)) / (ncols * (w + gap)))
    steps = [
        visibility_step(name, [o == i for o in owner], titles[i]) for i, (name, _, _) in enumerate(prepared)
    ]
    fig.update_layout(
        title={"text": titles[0], "font": {"size": 14}},
        sliders=[visibility_slider(steps, "layer: ", 30)],
        height=min(height, _LAYER_CHROME_PX + max(_SMALLEST_PLOT_PX, math.ceil(_REFERENCE_WIDTH_PX * tallest))),
        margin={"l": 10, "r": 10, "t": 70, "b": 10},
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
    """Return a Plotly figure to choose a layer (drop-down), then one of its channels (slider), shown large.

    ``outputs`` maps layer names to (1, C, H, W) outputs ((N, F) and (C, H, W) ones are skipped). Each
    map keeps its own colour scale; hovering says what its levels mean. The layers share ``max_cells``
    cells; a layer offers up to ``max_channels`` channels, each never averaged below
    [`MIN_SIDE`][cnnatlas.widgets.explorers.MIN_SIDE] pixels per side: a tight budget offers fewer
    channels (the title says so).

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
    fig = go.Figure()
    layers: list[tuple[str, int, str]] = []  # name, first trace index, note
    for name, maps, note in _prepare(maps4d, max_channels, max_cells, PREFERRED_CHANNELS):
        layers.append((name, len(fig.data), note))
        levels, ranges, signed = _levels(maps, per_channel=True)
        for c, channel_map in enumerate(levels):
            fig.add_trace(go.Heatmap(
                z=channel_map, zmin=0, zmax=_LEVELS, colorscale=PLOTLY_DIVERGING if signed else PLOTLY_SEQUENTIAL,
                visible=not fig.data, name=f"{name} ch {c}", colorbar={"thickness": 10, "len": 0.8,
                "tickvals": [0, _LEVELS], "ticktext": [f"{ranges[c][0]:.3g}", f"{ranges[c][1]:.3g}"]},
                hovertemplate=f"channel {c}<br>row %{{y}}, col %{{x}}: level %{{z}}<br>{_value_text(*ranges[c])}<extra>{name}</extra>",
            ))  # fmt: skip
    total = len(fig.data)
    ends = [first for _, first, _ in layers[1:]] + [total]

    def title_of(name: str, channel: int, note: str) -> str:
        return f"{title}: {name} {tuple(maps4d[name].shape)}, channel {channel}" + (
            "<br>" + _small(note) if note else ""
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
        title={"text": title_of(layers[0][0], 0, layers[0][2]), "font": {"size": 14}, "y": 1, "yref": "container",
               "yanchor": "top", "pad": {"t": 10}}, height=height, sliders=[slider_for(0)],
        updatemenus=[{"buttons": buttons, "direction": "down", "x": 0, "y": 1.02, "xanchor": "left", "yanchor": "bottom"}],
        margin={"l": 10, "r": 10, "t": 100, "b": 10}, plot_bgcolor="rgba(0,0,0,0)",
        xaxis={"visible": False, "constrain": "domain"}, yaxis={"visible": False, "autorange": "reversed", "scaleanchor": "x"},
    )  # fmt: skip
    return fig
