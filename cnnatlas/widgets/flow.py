"""The interactive "tensor flow" diagram of a [`Trace`][cnnatlas.trace.Trace].

Top to bottom, one row per recorded output (one box each): the box is wider for more channels C and
taller for larger maps H x W, and beside it, in a table-like column, the layer's name, type and output
shape. The main path runs down the left column; a branch (ResNet's downsampling shortcut, an Inception
tower) runs in a column of its own and rejoins at its add or concatenation; an identity shortcut or a
DenseNet concatenation runs in a lane beside the columns. The figure is as tall as its rows: no empty
area, no two labels on one row. Hover a box or a label for its parameters and MACs. The layout itself
is computed by [`flow_layout()`][cnnatlas.layout.flow_layout].

Examples:
    >>> fig = tensor_flow_diagram(cnnatlas.trace(cnnatlas.LeNet(), torch.zeros(1, 1, 28, 28)))
"""

from __future__ import annotations

import math

import plotly.graph_objects as go

from ..checks import check_at_most, check_bool, check_str, describe
from ..layout import FlowLayout, FlowNode, flow_layout
from ..style import CATEGORICAL, PHONE_COLUMN_PX
from ..trace import Trace
from .controls import check_height

COMPACT_ABOVE = 40
"""Traces with more records than this are drawn compact by default (element-wise layers join the box before)."""
ROW_PX = 22
"""Pixels per row (per box); the label text is [`LABEL_PX`][cnnatlas.widgets.flow.LABEL_PX] high."""
LABEL_PX = 11
"""Font size of the labels, in pixels: the smallest text that stays readable on a phone."""
CHAR_WIDTH = 0.62
"""Width of one character of the labels' monospace font, in font sizes (0.6 for common monospace fonts)."""
PLOT_PX = PHONE_COLUMN_PX - 8
"""Narrowest plot the diagram is laid out for (a 390 px phone's text column less the margins): the labels
fit in it beside the graph."""
MAX_LABEL_CHARS = 42
"""Most characters of one label (name, type and shape); longer names are cut at their start ("…")."""
MAX_ROWS = 1000
"""Most rows (boxes) of one diagram: 22,000 pixels tall already."""
_KIND_CHARS = 14  # longer types are cut ("AdaptiveAvgPo…"); the hover has them whole
_LANE_GAP = 0.3  # x distance between lanes, in columns
_TITLE_PX = 40
_HINT_PX = 16
_MARGIN_PX = 6
_EDGE_COLOUR = "#8c8c8c"  # mid gray: visible on the light and the dark page
_TYPE_COLOURS = {
    "Conv": CATEGORICAL[0], "ConvTranspose": CATEGORICAL[4], "Pool": CATEGORICAL[1], "Linear": CATEGORICAL[2],
    "add": CATEGORICAL[3], "cat": CATEGORICAL[3], "mul": CATEGORICAL[3], "stack": CATEGORICAL[3],
    "Norm": CATEGORICAL[5],
}  # fmt: skip
_OTHER_COLOUR = CATEGORICAL[7]
_SHORT = {"AdaptiveAvgPool2d": "AdaptAvgPool", "AdaptiveMaxPool2d": "AdaptMaxPool", "BatchNorm1d": "BN", "BatchNorm2d": "BN", "BatchNorm3d": "BN", "Dropout": "Drop", "Dropout2d": "Drop",
          "Conv2d": "Conv", "Linear": "Linear", "relu": "ReLU"}  # fmt: skip


def _colour(layer_type: str) -> str:
    for key in ("ConvTranspose", "Conv", "Pool", "Linear", "Norm"):
        if key in layer_type:
            return _TYPE_COLOURS[key]
    return _TYPE_COLOURS.get(layer_type, _OTHER_COLOUR)


def _shape_text(shape: tuple[int, ...]) -> str:
    return "×".join(str(s) for s in shape[1:]) or "scalar"


def _box_sizes(nodes: list[FlowNode]) -> list[tuple[float, float]]:
    """(width in columns, height in rows) per node: wider for more channels, taller for larger maps."""

    def channels(shape: tuple[int, ...]) -> int:
        return shape[1] if len(shape) > 1 else 1

    def spatial(shape: tuple[int, ...]) -> int:
        return math.prod(shape[2:]) if len(shape) > 2 else 1

    widest = math.log2(max(channels(n.output_shape) for n in nodes) + 1)
    largest = math.log2(max(spatial(n.output_shape) for n in nodes) + 1)
    return [
        (0.25 + 0.5 * math.log2(channels(n.output_shape) + 1) / widest,
         0.3 + 0.45 * math.log2(spatial(n.output_shape) + 1) / largest)
        for n in nodes
    ]  # fmt: skip


def _short_name(name: str, width: int) -> str:
    """Fit a module name in ``width`` characters: long parts shortened ("downsample" to "down…"), then its start cut."""
    parts = name.split(".")
    while len(".".join(parts)) > width:
        longest = max(range(len(parts)), key=lambda i: len(parts[i].rstrip("0123456789")))
        word = parts[longest].rstrip("0123456789")
        if len(word) <= 5:
            break
        parts[longest] = word[:4] + "…" + parts[longest][len(word) :]
    name = ".".join(parts)
    return name if len(name) <= width else "…" + name[-(width - 1) :]


def _labels(result: Trace, layout: FlowLayout) -> tuple[list[str], int]:
    """Return one aligned label per node (name, type, shape; no-break spaces) and its length in characters."""
    rows = [("input", "", _shape_text(result.input_shape))]
    for node in layout.nodes[1:]:
        records = [result.records[i] for i in node.records]
        head = records[0]
        name = head.name if head.kind == "module" else ""
        kinds = [r.layer_type for r in records]
        kind = (
            kinds[0]
            if len(kinds) == 1 and len(kinds[0]) <= _KIND_CHARS
            else "·".join(_SHORT.get(k, k) for k in kinds)
        )
        if len(kind) > _KIND_CHARS:
            kind = kind[: _KIND_CHARS - 1] + "…"
        rows.append((name, kind, _shape_text(node.output_shape)))
    kind_w = max(len(k) for _, k, _ in rows)
    shape_w = max(len(s) for _, _, s in rows)
    name_w = min(max(len(n) for n, _, _ in rows), max(8, MAX_LABEL_CHARS - kind_w - shape_w - 2))
    texts = []
    for name, kind, shape in rows:
        name = _short_name(name, name_w)
        texts.append(f"{name:<{name_w}} {kind:<{kind_w}} {shape:>{shape_w}}".replace(" ", "\u00a0"))
    return texts, name_w + kind_w + shape_w + 2


def _hover(result: Trace, node: FlowNode) -> str:
    if not node.records:
        return f"<b>model input</b><br>{tuple(result.input_shape)}"
    lines = []
    for i in node.records:
        r = result.records[i]
        lines.append(
            f"<b>{r.index}: {r.name}</b> ({r.layer_type})<br>in: {' + '.join(str(s) for s in r.input_shapes)}"
            f" → out: {r.output_shape}<br>params {r.params:,} · MACs {r.macs:,} · {r.dtype}, {r.memory_format}"
        )
    return "<br>".join(lines)


def _edge_points(layout: FlowLayout, sizes: list[tuple[float, float]], lane_x0: float) -> tuple[list, list]:
    """Polylines of every edge as x and y lists with None between edges (one Plotly line trace)."""
    xs: list[float | None] = []
    ys: list[float | None] = []
    for e in layout.edges:
        s, n = layout.nodes[e.source], layout.nodes[e.target]
        (ws, hs), (wn, hn) = sizes[e.source], sizes[e.target]
        sx, sy, nx, ny = float(s.column), -float(s.row), float(n.column), -float(n.row)
        side = 1 if n.column > s.column else -1
        if e.route == "straight":
            points = [(sx, sy - hs / 2), (nx, ny + hn / 2)]
        elif e.route == "branch":
            points = [(sx + side * ws / 2, sy), (nx, sy), (nx, ny + hn / 2)]
        elif e.route == "merge":
            points = [(sx, sy - hs / 2), (sx, ny), (nx - side * wn / 2, ny)]
        else:
            x = lane_x0 + e.lane * _LANE_GAP
            points = [(sx + ws / 2, sy), (x, sy), (x, ny), (nx + wn / 2, ny)]
        for x, y in points:
            xs.append(round(x, 4))
            ys.append(round(y, 4))
        xs.append(None)
        ys.append(None)
    return xs, ys


def tensor_flow_diagram(
    result: Trace, title: str | None = None, height: int | None = None, compact: bool | None = None
) -> go.Figure:
    """Return a Plotly figure of ``result``: one box per recorded output, top to bottom, with branches.

    Args:
        result: a [`Trace`][cnnatlas.trace.Trace] from [`trace()`][cnnatlas.trace.trace].
        title: the figure's title (default: the model's name).
        height: the most pixels the figure may take. By default it is as tall as its rows
            ([`ROW_PX`][cnnatlas.widgets.flow.ROW_PX] each); when the rows need more than ``height``,
            the figure shows the first rows and scrolls (drag up and down).
        compact: fold element-wise layers (normalisation, activation, dropout) into the box before;
            by default when the trace has more than [`COMPACT_ABOVE`][cnnatlas.widgets.flow.COMPACT_ABOVE]
            records. Without it there is one box (a ``rect`` shape) per record, after the input's.

    Examples:
        >>> t = cnnatlas.trace(cnnatlas.LeNet(), torch.zeros(1, 1, 28, 28))
        >>> fig = tensor_flow_diagram(t)
        >>> len([s for s in fig.layout.shapes if s.type == "rect"]) == len(t.records) + 1
        True
        >>> fig.layout.height == (len(t.records) + 1) * ROW_PX + 46
        True
    """
    if not isinstance(result, Trace):
        raise TypeError(f"result: expected a Trace from cnnatlas.trace(), got {describe(result)}")
    if not result.records:
        raise ValueError("result: the trace holds no records (did the model call any layer?)")
    if title is not None:
        check_str(title, "title", non_empty=False)
    if height is not None:
        height = check_height(height)
    compact = len(result.records) > COMPACT_ABOVE if compact is None else check_bool(compact, "compact")
    layout = flow_layout(result, compact=compact)
    rows = len(layout.nodes)
    check_at_most(rows, "result", MAX_ROWS, "rows (boxes) in the diagram", limit_name="MAX_ROWS",
                  hint="pass compact=True or trace a part of the model")  # fmt: skip
    sizes = _box_sizes(layout.nodes)
    lane_x0 = layout.columns - 1 + 0.5 + _LANE_GAP / 2
    graph_right = (lane_x0 + (layout.lanes - 1) * _LANE_GAP) if layout.lanes else layout.columns - 1 + 0.4
    label_x = graph_right + 0.3
    labels, chars = _labels(result, layout)
    label_px = chars * CHAR_WIDTH * LABEL_PX + 8  # Plotly sets text a few pixels off its point
    x_min = -0.5
    x_max = x_min + (label_x - x_min) / max(1 - label_px / PLOT_PX, 0.15)
    shapes = []
    for node, (w, h) in zip(layout.nodes, sizes, strict=True):
        colour = "#bbbbbb" if not node.records else _colour(result.records[node.records[0]].layer_type)
        x, y = float(node.column), -float(node.row)
        shapes.append({"type": "rect", "x0": round(x - w / 2, 4), "x1": round(x + w / 2, 4),
                       "y0": round(y - h / 2, 4), "y1": round(y + h / 2, 4), "fillcolor": colour,
                       "opacity": 0.9, "line": {"width": 0}})  # fmt: skip
    ex, ey = _edge_points(layout, sizes, lane_x0)
    hovers = [_hover(result, node) for node in layout.nodes]
    centres_x = [float(n.column) for n in layout.nodes]
    centres_y = [-float(n.row) for n in layout.nodes]
    fig = go.Figure([
        go.Scatter(x=ex, y=ey, mode="lines", line={"color": _EDGE_COLOUR, "width": 1.5}, hoverinfo="skip",
                   showlegend=False, name="edges"),
        go.Scatter(x=centres_x, y=centres_y, mode="markers", marker={"size": ROW_PX - 4, "opacity": 0},
                   hovertext=hovers, hoverinfo="text", showlegend=False, name="boxes"),
        go.Scatter(x=[label_x] * rows, y=centres_y, mode="text", text=labels, textposition="middle right",
                   textfont={"size": LABEL_PX, "family": "monospace"}, hovertext=hovers, hoverinfo="text",
                   showlegend=False, name="labels", cliponaxis=False),
    ])  # fmt: skip
    content = rows * ROW_PX
    top = _TITLE_PX if title != "" else _MARGIN_PX
    shown = content if height is None else min(content, max(height - top - _MARGIN_PX, ROW_PX))
    scrolls = shown < content
    if scrolls and title != "":  # the hint takes a second title line
        top += _HINT_PX
        shown = max(shown - _HINT_PX, ROW_PX)
    visible_rows = shown / ROW_PX
    name = title if title is not None else f"{result.model_name}: tensor flow"
    fig.update_layout(
        shapes=shapes, height=shown + top + _MARGIN_PX,
        title={"text": name + ('<br><span style="font-size:12px">drag up and down to scroll</span>' if scrolls else ""), "y": 1, "yanchor": "top",
               "pad": {"t": 10}, "x": 0, "xanchor": "left"},
        xaxis={"visible": False, "range": [x_min, x_max], "fixedrange": True},
        yaxis={"visible": False, "range": [0.5 - visible_rows, 0.5], "fixedrange": not scrolls},
        margin={"l": _MARGIN_PX, "r": _MARGIN_PX, "t": top, "b": _MARGIN_PX}, showlegend=False,
        dragmode="pan" if scrolls else False, plot_bgcolor="rgba(0,0,0,0)", hovermode="closest",
    )  # fmt: skip
    return fig
