"""The interactive "tensor flow" diagram of a [`Trace`][cnnatlas.trace.Trace].

Each recorded output is a box whose height grows with its spatial size (H x W) and whose width grows
with its channels C; lines join each record to the records that fed it, so branches (ResNet's
shortcut) run on their own lane and meet again at the add.

Examples:
    >>> fig = tensor_flow_diagram(cnnatlas.trace(cnnatlas.LeNet(), torch.zeros(1, 1, 28, 28)))
"""

from __future__ import annotations

import math

import plotly.graph_objects as go

from ..checks import check_str
from ..trace import LayerRecord, Trace
from .controls import check_height

_COLOURS = {"Conv2d": "#4c72b0", "ConvTranspose2d": "#8172b2", "MaxPool2d": "#dd8452", "AvgPool2d": "#dd8452",
            "Linear": "#55a868", "add": "#c44e52", "cat": "#c44e52", "BatchNorm2d": "#937860"}  # fmt: skip
_DEFAULT_COLOUR = "#8c8c8c"


def _lanes(records: list[LayerRecord]) -> list[int]:
    """Lane 0 is the main path; a record fed by anything but its predecessor starts a branch lane."""
    lanes: list[int] = []
    for r in records:
        sources = [s for s in r.inputs_from if s >= 0]
        if len(sources) > 1 or not sources:
            lanes.append(min((lanes[s] for s in sources), default=0))
        elif sources[0] == r.index - 1:
            lanes.append(lanes[sources[0]])
        else:
            lanes.append(
                lanes[sources[0]] + 1
                if lanes[sources[0]] + 1 not in lanes[sources[0] + 1 :]
                else max(lanes) + 1
            )
    return lanes


def _box_size(shape: tuple[int, ...]) -> tuple[float, float]:
    channels = shape[1] if len(shape) > 1 else 1
    spatial = math.prod(shape[2:]) if len(shape) > 2 else 1
    return 0.25 + 0.12 * math.log2(channels + 1), 0.3 + 0.35 * math.log2(spatial + 1) ** 0.9


def tensor_flow_diagram(result: Trace, title: str | None = None, height: int = 460) -> go.Figure:
    """Return a Plotly figure: one box per recorded tensor, joined to its inputs; hover for details.

    Examples:
        >>> t = cnnatlas.trace(cnnatlas.LeNet(), torch.zeros(1, 1, 28, 28))
        >>> len(tensor_flow_diagram(t).layout.shapes) > 12
        True
    """
    if not isinstance(result, Trace):
        raise TypeError(f"result: expected a Trace from cnnatlas.trace(), got {type(result).__name__}")
    if not result.records:
        raise ValueError("result: the trace holds no records (did the model call any layer?)")
    if title is not None:
        check_str(title, "title", non_empty=False)
    height = check_height(height)
    lanes = _lanes(result.records)
    step = 1.6
    shapes, xs, ys, texts, colours = [], [], [], [], []
    x0 = -step
    w0, h0 = _box_size(result.input_shape)
    shapes.append({"type": "rect", "x0": x0 - w0 / 2, "x1": x0 + w0 / 2, "y0": -h0 / 2, "y1": h0 / 2,
                   "fillcolor": "#cccccc", "line": {"width": 1}})  # fmt: skip
    xs.append(x0), ys.append(0.0), texts.append(f"input<br>{result.input_shape}"), colours.append("#cccccc")
    labels = ["input<br>" + "x".join(str(s) for s in result.input_shape[1:])]
    centres = {-1: (x0, 0.0)}
    for r, lane in zip(result.records, lanes, strict=True):
        x, y = r.index * step, -lane * 2.2
        centres[r.index] = (x, y)
        w, h = _box_size(r.output_shape)
        colour = _COLOURS.get(r.layer_type, _DEFAULT_COLOUR)
        for source in r.inputs_from:
            sx, sy = centres.get(source, centres[-1])
            shapes.append({"type": "line", "x0": sx, "y0": sy, "x1": x, "y1": y, "layer": "below",
                           "line": {"color": "#999999", "width": 1.5}})  # fmt: skip
        shapes.append({"type": "rect", "x0": x - w / 2, "x1": x + w / 2, "y0": y - h / 2, "y1": y + h / 2,
                       "fillcolor": colour, "opacity": 0.85, "line": {"width": 1}})  # fmt: skip
        xs.append(x), ys.append(y), colours.append(colour)
        labels.append(f"{r.layer_type}<br>{'x'.join(str(s) for s in r.output_shape[1:])}")
        texts.append(
            f"<b>{r.index}: {r.name}</b> ({r.layer_type})<br>in: {' + '.join(str(s) for s in r.input_shapes)}"
            f"<br>out: {r.output_shape}<br>params {r.params:,} · MACs {r.macs:,}<br>{r.dtype}, {r.memory_format}"
        )
    fig = go.Figure([
        go.Scatter(x=xs, y=ys, mode="markers", marker={"size": 30, "opacity": 0, "color": colours},
                   hovertext=texts, hoverinfo="text", showlegend=False),
        go.Scatter(x=xs, y=[y - 1.0 for y in ys], mode="text", text=labels, textposition="bottom center",
                   textfont={"size": 9}, hoverinfo="skip", showlegend=False),
    ])  # fmt: skip
    fig.update_layout(
        shapes=shapes, height=height, title={"text": title or f"{result.model_name}: tensor flow"},
        xaxis={"visible": False, "range": [x0 - 1, min(len(result.records), 24) * step], "rangeslider": {"visible": False}},
        yaxis={"visible": False, "scaleanchor": "x", "range": [-(max(lanes) + 1) * 2.2 - 0.5, 2.5]},
        margin={"l": 10, "r": 10, "t": 50, "b": 10}, dragmode="pan", plot_bgcolor="rgba(0,0,0,0)",
    )  # fmt: skip
    return fig
