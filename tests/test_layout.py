from __future__ import annotations

import pytest
import torch
import torchvision
from torch import nn

import cnnatlas
from cnnatlas.layout import ROUTES, FlowLayout, flow_layout, record_sources


def _plain(depth: int) -> nn.Module:
    return nn.Sequential(*(nn.Conv2d(4, 4, 3, padding=1) for _ in range(depth)))


@pytest.fixture(scope="module")
def traces() -> dict[str, cnnatlas.Trace]:
    x = torch.zeros(1, 3, 64, 64)
    return {
        "cifar": cnnatlas.trace(cnnatlas.Cifar10Net(), torch.zeros(1, 3, 32, 32)),
        "block": cnnatlas.trace(cnnatlas.ResidualBlock(8, 16, stride=2), torch.zeros(1, 8, 16, 16)),
        "resnet18": cnnatlas.trace(torchvision.models.resnet18(), x),
        "densenet121": cnnatlas.trace(torchvision.models.densenet121(), x),
        "plain60": cnnatlas.trace(_plain(60), torch.zeros(1, 4, 8, 8)),
    }


def _check_geometry(layout: FlowLayout) -> None:
    """One node per row; no box lies on a line's path in its column; lanes never overlap."""
    assert [n.row for n in layout.nodes] == list(range(len(layout.nodes)))
    boxes = {(n.column, n.row) for n in layout.nodes}
    lanes: dict[int, list[tuple[int, int]]] = {}
    for e in layout.edges:
        assert e.route in ROUTES and e.source < e.target
        s, t = layout.nodes[e.source], layout.nodes[e.target]
        column = {"straight": t.column, "branch": t.column, "merge": s.column}.get(e.route)
        if column is not None:
            assert not any((column, row) in boxes for row in range(s.row + 1, t.row)), e
        else:
            lanes.setdefault(e.lane, []).append((s.row, t.row))
    for spans in lanes.values():  # a lane holds one source at a time: its spans are nested or disjoint
        by_source: dict[int, int] = {}
        for top, bottom in spans:
            by_source[top] = max(by_source.get(top, top), bottom)
        intervals = sorted(by_source.items())
        assert all(
            a_end < b_start for (_, a_end), (b_start, _) in zip(intervals, intervals[1:], strict=False)
        )


@pytest.mark.parametrize("name", ["cifar", "block", "resnet18", "densenet121", "plain60"])
@pytest.mark.parametrize("compact", [False, True])
def test_layouts_keep_lines_off_boxes_and_lanes_apart(traces, name: str, compact: bool) -> None:
    layout = flow_layout(traces[name], compact=compact)
    _check_geometry(layout)
    covered = sorted(i for n in layout.nodes for i in n.records)
    assert covered == list(range(len(traces[name].records)))  # every record in exactly one node


def test_a_sequential_model_is_one_column(traces) -> None:
    layout = flow_layout(traces["plain60"])
    assert len(layout.nodes) == 61 and layout.columns == 1 and layout.lanes == 0
    assert {e.route for e in layout.edges} == {"straight"}


def test_resnet_shortcuts_are_branches_and_lanes(traces) -> None:
    t = traces["resnet18"]
    layout = flow_layout(t, compact=True)
    side = [t.records[n.records[0]].name for n in layout.nodes if n.column == 1]
    assert side == ["layer2.0.downsample.0", "layer3.0.downsample.0", "layer4.0.downsample.0"]
    adds = [
        i for i, n in enumerate(layout.nodes) if n.records and t.records[n.records[0]].layer_type == "add"
    ]
    assert len(adds) == 8
    for a in adds:  # each add reads two nodes: the main path (straight) and a shortcut (lane or merge)
        assert sorted(e.route for e in layout.edges if e.target == a) in (
            ["lane", "straight"],
            ["merge", "straight"],
        )
        assert layout.nodes[a].column == 0


def test_the_main_path_keeps_column_0_when_the_shortcut_is_computed_first(traces) -> None:
    t = traces["block"]  # cnnatlas.ResidualBlock computes its 1x1 shortcut before the main path
    layout = flow_layout(t)
    shortcut = [n.column for n in layout.nodes if n.records and "shortcut" in t.records[n.records[0]].name]
    assert shortcut and set(shortcut) == {1}
    assert layout.nodes[-1].column == 0 and layout.columns == 2


def test_densenet_concatenations_read_every_earlier_layer_of_their_block(traces) -> None:
    t = traces["densenet121"]
    layout = flow_layout(t, compact=True)
    cats = [
        i for i, n in enumerate(layout.nodes) if n.records and t.records[n.records[0]].layer_type == "cat"
    ]
    fan_in = [sum(e.target == c for e in layout.edges) for c in cats]
    assert max(fan_in) == 1 + 24  # the third block's last concatenation: the block's input and its 24 layers
    assert layout.lanes == 24 and layout.columns == 1
    assert len(layout.nodes) < len(t.records) / 2


def test_record_sources_fall_back_to_the_record_before() -> None:
    class Mean(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv = nn.Conv2d(3, 3, 1)

        def forward(self, x):
            return nn.functional.relu(self.conv(x).mean(dim=1, keepdim=True))  # mean is not recorded

    t = cnnatlas.trace(Mean(), torch.zeros(1, 3, 4, 4))
    assert [r.layer_type for r in t.records] == ["Conv2d", "relu"] and t.records[1].inputs_from == [-1]
    assert record_sources(t) == [[-1], [0]]


def test_bad_input_is_refused() -> None:
    with pytest.raises(TypeError, match="result"):
        flow_layout(None)
    with pytest.raises(TypeError, match="compact"):
        flow_layout(cnnatlas.trace(_plain(1), torch.zeros(1, 4, 4, 4)), compact="yes")
