"""Where each box and line of a tensor-flow diagram goes: rows, columns and edge routes of a [`Trace`][cnnatlas.trace.Trace].

One node per row, top to bottom in call order (row 0 is the model's input), so no two boxes or labels
ever share a row. The main path stays in column 0; a branch (ResNet's 1x1 downsampling shortcut, an
Inception tower) opens the lowest free column to the right and joins again at its add or concatenation.
An edge that would cross boxes of its own column (an identity shortcut, DenseNet's concatenations) runs
in a lane right of the columns. With ``compact``, element-wise layers (normalisation, activation,
dropout) that just transform their predecessor's output join its node: ``Conv2d`` + ``BatchNorm2d`` +
``ReLU`` become one box. Numbers only: the widget [`tensor_flow_diagram()`][cnnatlas.widgets.flow.tensor_flow_diagram] draws them.

Examples:
    >>> t = cnnatlas.trace(cnnatlas.ResidualBlock(8, 16, stride=2), torch.zeros(1, 8, 8, 8))
    >>> layout = flow_layout(t)
    >>> [t.records[n.records[0]].name for n in layout.nodes if n.column == 1]  # the 1x1 shortcut: a branch
    ['shortcut.0', 'shortcut.1']
    >>> layout.columns, len(layout.nodes), layout.edges[-2]
    (2, 10, FlowEdge(source=2, target=8, route='merge', lane=-1))
"""

from __future__ import annotations

from dataclasses import dataclass

from .checks import check_bool, describe
from .trace import Trace

ELEMENTWISE = frozenset({
    "batchnorm1d", "batchnorm2d", "batchnorm3d", "groupnorm", "layernorm", "instancenorm2d", "localresponsenorm",
    "relu", "relu6", "leakyrelu", "prelu", "elu", "selu", "gelu", "silu", "mish", "sigmoid", "tanh",
    "hardswish", "hardsigmoid", "softplus", "dropout", "dropout2d", "alphadropout", "identity",
})  # fmt: skip
"""Layer types (lower case) that [`flow_layout()`][cnnatlas.layout.flow_layout] with ``compact`` folds into the node before them."""

ROUTES = ("straight", "branch", "merge", "lane")
"""How an edge runs: ``straight`` down its column, ``branch`` out sideways then down the target's column,
``merge`` down the source's column then sideways into the target, ``lane`` through a lane right of the columns."""


@dataclass(frozen=True)
class FlowNode:
    """One box of the diagram: the records it stands for (none for the model's input), its row and column.

    Attributes:
        row: The box's row, from 0 (the model's input) down.
        column: The box's column, from 0 (the main path).
        records: Indices of the trace records the box stands for (several when ``compact`` folds
            element-wise layers into it); empty for the model's input.
        output_shape: The shape of the tensor the box's last record returned (the input's, for the input box).
    """

    row: int
    column: int
    records: tuple[int, ...]
    output_shape: tuple[int, ...]


@dataclass(frozen=True)
class FlowEdge:
    """One line of the diagram, from node ``source`` to node ``target`` (indices into ``nodes``).

    Attributes:
        source: Index of the node the tensor comes from.
        target: Index of the node it goes into.
        route: How the line runs: one of [`ROUTES`][cnnatlas.layout.ROUTES].
        lane: The lane of a ``"lane"`` route, from 0; -1 for the other routes.
    """

    source: int
    target: int
    route: str
    lane: int = -1  # the lane of a "lane" route, else -1


@dataclass(frozen=True)
class FlowLayout:
    """Rows, columns and edge routes of a tensor-flow diagram (see [`flow_layout()`][cnnatlas.layout.flow_layout]).

    Attributes:
        nodes: One [`FlowNode`][cnnatlas.layout.FlowNode] per box, in row order.
        edges: One [`FlowEdge`][cnnatlas.layout.FlowEdge] per line.
        columns: How many columns the boxes use.
        lanes: How many lanes the ``"lane"`` routes use, right of the columns.
    """

    nodes: list[FlowNode]
    edges: list[FlowEdge]
    columns: int
    lanes: int


def record_sources(result: Trace) -> list[list[int]]:
    """Return, for each record, the records its inputs came from (-1: the model's input), without repeats.

    An input that no record produced and that is not the model's input (a tensor made by an operation the
    trace does not record) is taken to come from the record just before.

    Examples:
        >>> t = cnnatlas.trace(cnnatlas.ResidualBlock(8, 8), torch.zeros(1, 8, 4, 4))
        >>> [(r.name, r.layer_type) for r in t.records][-2], record_sources(t)[-2]  # bn2 + the identity shortcut
        (('add', 'add'), [5, 0])
    """
    if not isinstance(result, Trace):
        raise TypeError(f"result: expected a Trace from cnnatlas.trace(), got {describe(result)}")
    sources = []
    for r in result.records:
        found: list[int] = []
        for source, shape in zip(r.inputs_from, r.input_shapes, strict=False):
            if source < 0 and r.index > 0 and tuple(shape) != tuple(result.input_shape):
                source = r.index - 1
            if source not in found:
                found.append(source)
        sources.append(found or [r.index - 1])
    return sources


def _groups(result: Trace, sources: list[list[int]], compact: bool) -> list[list[int]]:
    """Group record indices into nodes: each record alone, or (compact) element-wise records with the node before."""
    consumers: dict[int, int] = {}
    for srcs in sources:
        for s in srcs:
            consumers[s] = consumers.get(s, 0) + 1
    groups: list[list[int]] = []
    for r in result.records:
        previous = result.records[r.index - 1] if r.index else None
        if (
            compact
            and groups
            and previous is not None
            and r.layer_type.lower() in ELEMENTWISE
            and sources[r.index] == [r.index - 1]
            and consumers.get(r.index - 1, 0) == 1
            and r.output_shape == previous.output_shape
        ):
            groups[-1].append(r.index)
        else:
            groups.append([r.index])
    return groups


def _preferred_consumers(node_sources: list[list[int]]) -> dict[int, int]:
    """Return, for each node read by others, the reader that continues its column: the one that starts the
    longest chain of single-input nodes (the main path; a shortcut's chain is shorter, an add has none)."""
    consumers: dict[int, list[int]] = {}
    for n, srcs in enumerate(node_sources):
        for s in srcs:
            consumers.setdefault(s, []).append(n)
    chain = [0] * len(node_sources)
    for n in reversed(range(len(node_sources))):
        after = consumers.get(n, [])
        chain[n] = 1 + (chain[after[0]] if len(after) == 1 and len(node_sources[after[0]]) == 1 else 0)
    return {
        s: max(readers, key=lambda k: (chain[k] if len(node_sources[k]) == 1 else 0, -k))
        for s, readers in consumers.items()
    }


def flow_layout(result: Trace, compact: bool = False) -> FlowLayout:
    """Return the rows, columns and edge routes of ``result``'s tensor-flow diagram.

    Args:
        result: a [`Trace`][cnnatlas.trace.Trace] from [`trace()`][cnnatlas.trace.trace].
        compact: fold each element-wise layer ([`ELEMENTWISE`][cnnatlas.layout.ELEMENTWISE]) that only
            transforms the output of the layer before into that layer's node.

    Returns:
        A [`FlowLayout`][cnnatlas.layout.FlowLayout]: node 0 is the model's input, one node per row; no
        box lies on an edge's path and every lane's span is free of other lanes.

    Examples:
        >>> import torchvision
        >>> t = cnnatlas.trace(torchvision.models.resnet18(), torch.zeros(1, 3, 64, 64))
        >>> full, short = flow_layout(t), flow_layout(t, compact=True)
        >>> len(full.nodes), len(short.nodes), full.columns, full.lanes
        (70, 33, 2, 1)
        >>> sorted({e.route for e in short.edges})
        ['branch', 'lane', 'merge', 'straight']
    """
    if not isinstance(result, Trace):
        raise TypeError(f"result: expected a Trace from cnnatlas.trace(), got {describe(result)}")
    compact = check_bool(compact, "compact")
    sources = record_sources(result)
    groups = _groups(result, sources, compact)
    node_of = {-1: 0}
    for g, members in enumerate(groups, start=1):
        for m in members:
            node_of[m] = g
    node_sources = [[]] + [
        list(dict.fromkeys(node_of[s] for s in sources[members[0]])) for members in groups
    ]  # fmt: skip
    count = len(groups) + 1
    column = [0] * count
    tail = {0: 0}  # column -> its last node, while no other node has continued that node's output
    reserved = {0: 0}  # column -> the last row that a box or a vertical line uses in it
    rows_in: dict[int, list[int]] = {0: [0]}

    def free(c: int, top: int, bottom: int) -> bool:
        """True when no box of column ``c`` lies strictly between rows ``top`` and ``bottom``."""
        return not any(top < n < bottom for n in rows_in.get(c, []))

    preferred = _preferred_consumers(node_sources)
    edges: list[tuple[int, int, str]] = []
    for n in range(1, count):
        srcs = node_sources[n]
        continued = [s for s in srcs if tail.get(column[s]) == s and preferred[s] == n]
        opened = not continued
        if continued:
            c = min(column[s] for s in continued)
        else:
            c = next(k for k in range(count) if reserved.get(k, -1) < min(srcs))
        column[n] = c
        branched = False
        for s in srcs:
            cs = column[s]
            if cs == c and free(c, s, n):
                edges.append((s, n, "straight"))
            elif cs != c and opened and not branched:
                edges.append((s, n, "branch"))
                branched = True
            elif cs != c and free(cs, s, n):
                edges.append((s, n, "merge"))
                reserved[cs] = max(reserved.get(cs, -1), n)
            else:
                edges.append((s, n, "lane"))
        for s in srcs:
            if tail.get(column[s]) == s and preferred[s] == n:
                del tail[column[s]]
        tail[c] = n
        reserved[c] = max(reserved.get(c, -1), n)
        rows_in.setdefault(c, []).append(n)
    # lanes: one per source, spanning its lane-routed targets; greedy interval colouring
    spans: dict[int, int] = {}
    for s, n, route in edges:
        if route == "lane":
            spans[s] = max(spans.get(s, s), n)
    lane_of: dict[int, int] = {}
    lane_end: list[int] = []
    for s in sorted(spans):
        lane = next((k for k, end in enumerate(lane_end) if end < s), len(lane_end))
        if lane == len(lane_end):
            lane_end.append(spans[s])
        else:
            lane_end[lane] = spans[s]
        lane_of[s] = lane
    shapes = [tuple(result.input_shape)] + [result.records[g[-1]].output_shape for g in groups]
    nodes = [FlowNode(row=n, column=column[n], records=tuple(groups[n - 1]) if n else (),
                      output_shape=shapes[n]) for n in range(count)]  # fmt: skip
    return FlowLayout(
        nodes=nodes,
        edges=[FlowEdge(s, n, route, lane_of[s] if route == "lane" else -1) for s, n, route in edges],
        columns=max(column) + 1,
        lanes=len(lane_end),
    )
