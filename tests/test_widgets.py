from __future__ import annotations

import time

import numpy as np
import plotly.graph_objects as go
import pytest
import torch
from refusals import OVERSIZE_SECONDS, assert_refused, assert_refused_quickly
from torch import nn

import cnnatlas
from cnnatlas.widgets.animations import conv_animation, scatter_animation, window_comparison_animation
from cnnatlas.widgets.controls import (
    MAX_FRAMES,
    frame_slider,
    play_buttons,
    visibility_slider,
    visibility_step,
)
from cnnatlas.widgets.explorers import batch_explorer, channel_explorer, layer_explorer, mosaic
from cnnatlas.widgets.flow import tensor_flow_diagram


def test_mosaic_places_every_channel_with_gaps() -> None:
    maps = np.stack([np.full((2, 3), c, dtype=float) for c in range(5)])
    image, channel = mosaic(maps, ncols=3, per_channel=False)
    assert image.shape == (2 * 2 + 1, 3 * 3 + 2)
    assert np.isnan(image[2]).all()  # the gap row
    assert image[0, 0] == 0 and image[3, 4] == 4 and channel[3, 4] == 4


def test_mosaic_shows_a_constant_channel_as_mid_value() -> None:
    image, _ = mosaic(np.zeros((1, 2, 2)))
    assert np.all(image == 0.5)


def test_layer_explorer_has_one_step_per_layer() -> None:
    outputs = cnnatlas.layer_outputs(cnnatlas.LeNet(), torch.rand(1, 1, 28, 28))
    fig = layer_explorer(outputs)
    steps = fig.layout.sliders[0].steps
    assert (
        len(steps) == 12 and len(fig.data) == 6 + 6 + 6 + 16 + 16 + 16 + 6
    )  # every channel, each feature layer
    assert sum(t.visible for t in fig.data) == 6  # conv1's six maps
    visible = steps[3].args[0]["visible"]
    assert sum(visible) == 16 and "(1, 16, 10, 10)" in steps[3].args[1]["title.text"]
    assert all(np.asarray(t.z).shape == (28, 28) for t in fig.data[:12])  # Fashion-MNIST maps stay whole


def test_layer_explorer_rejects_empty_and_bad_outputs() -> None:
    with pytest.raises(ValueError, match="empty"):
        layer_explorer({})
    with pytest.raises(ValueError, match="conv"):
        layer_explorer({"conv": torch.rand(1, 1, 1, 1, 1)})


def test_large_outputs_show_fewer_channels_not_blurrier_maps() -> None:
    fig = layer_explorer(
        {
            "big": torch.rand(1, 64, 128, 128),
            "huge": torch.rand(1, 8, 256, 256),
            "small": torch.rand(1, 4, 8, 8),
        },
        max_cells=20_000,
    )
    titles = [step.args[1]["title.text"] for step in fig.layout.sliders[0].steps]
    assert "first 2 of 64 channels, averaged 2x2" in titles[0]  # 128 / 2 = 64 = MIN_SIDE: no further
    assert "first 2 of 8 channels, averaged 4x4" in titles[1] and "(1, 4, 8, 8)" in titles[2]
    sides = [np.asarray(t.z).shape for t in fig.data]
    assert sides == [(64, 64)] * 4 + [(8, 8)] * 4


def _photo_like_outputs() -> dict[str, torch.Tensor]:
    """The layers of gallery/03_models/plot_06_your_own_model.py on a 128x192 input."""
    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=2, dilation=2), nn.ReLU(),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 10),
    )  # fmt: skip
    return cnnatlas.layer_outputs(model, torch.rand(1, 3, 128, 192))


@pytest.mark.parametrize("max_cells", [40_000, 250_000])
def test_photo_maps_keep_at_least_min_side_pixels(max_cells: int) -> None:
    from cnnatlas.widgets.explorers import MIN_SIDE

    outputs = _photo_like_outputs()
    for fig in (layer_explorer(outputs, max_cells=max_cells), channel_explorer(outputs, max_cells=max_cells)):
        for t in fig.data:
            z = np.asarray(t.z)
            layer = next(
                v for k, v in outputs.items() if k == t.hovertemplate.split("<extra>")[1][: -len("</extra>")]
            )
            if layer.dim() == 4:
                assert min(z.shape) >= min(MIN_SIDE, *layer.shape[2:]), (t.hovertemplate, z.shape)
                assert z.dtype == np.uint8


def test_explorer_page_data_stays_small() -> None:
    """One byte per cell: each explorer of the photo weighs under a third of the 1.5 MB page budget."""
    import plotly.io as pio

    outputs = _photo_like_outputs()
    layer_bytes = len(pio.to_json(layer_explorer(outputs), validate=False))
    channel_bytes = len(pio.to_json(channel_explorer(outputs), validate=False))
    assert layer_bytes < 500_000 and channel_bytes < 500_000, (layer_bytes, channel_bytes)
    first = layer_explorer(outputs).data[
        :5
    ]  # the first convolution: 5 of 16 maps at 64x96, a face stays a face
    assert [np.asarray(t.z).shape for t in first] == [(64, 96)] * 5 and all(t.visible for t in first)


def test_explorer_colours_follow_the_sign_of_the_maps() -> None:
    from cnnatlas.style import PLOTLY_DIVERGING, PLOTLY_SEQUENTIAL

    fig = layer_explorer({"signed": torch.randn(1, 2, 8, 8), "relu": torch.rand(1, 2, 8, 8)})
    scales = [t.colorscale for t in fig.data]
    diverging = go.Heatmap(colorscale=PLOTLY_DIVERGING).colorscale
    sequential = go.Heatmap(colorscale=PLOTLY_SEQUENTIAL).colorscale
    assert scales == [diverging, diverging, sequential, sequential]
    signed = np.asarray(fig.data[0].z)
    assert "level 0 = -" in fig.data[0].hovertemplate and signed.min() >= 0 and signed.max() <= 255
    shared = layer_explorer({"relu": torch.rand(1, 3, 8, 8) * 4}, per_channel=False)
    bar = shared.data[0].colorbar
    assert shared.data[0].showscale and float(bar.ticktext[-1]) == pytest.approx(
        float(shared.data[0].hovertemplate.split("255 = ")[1].split("<")[0])
    )


def test_channel_explorer_offers_each_layer_then_its_channels() -> None:
    from cnnatlas.widgets.explorers import channel_explorer

    outputs = cnnatlas.layer_outputs(cnnatlas.LeNet(), torch.rand(1, 1, 28, 28))
    fig = channel_explorer(outputs, max_channels=8)
    layers = [b.label for b in fig.layout.updatemenus[0].buttons]
    assert layers == ["0", "1", "2", "3", "4", "5"]  # only the 4D outputs
    assert len(fig.data) == 6 + 6 + 6 + 8 + 8 + 8
    conv2 = fig.layout.updatemenus[0].buttons[3]
    slider = conv2.args[1]["sliders"][0]
    assert len(slider["steps"]) == 8 and "first 8 of 16 channels" in conv2.args[1]["title.text"]
    assert sum(conv2.args[0]["visible"]) == 1
    with pytest.raises(ValueError, match=r"\(1, C, H, W\)"):
        channel_explorer({"fc": torch.rand(1, 10)})


# Bad input: every widget refuses it at its boundary with a TypeError (wrong kind of value) or a ValueError
# (right kind, wrong rank, layout, range or size) that names the argument, before building any trace.


def _steps(size: int, **kwargs: int) -> cnnatlas.WindowSteps:
    return cnnatlas.conv_steps(torch.rand(size, size), torch.ones(3, 3), **kwargs)


_MAPS = {"a": torch.rand(1, 4, 6, 6), "fc": torch.rand(1, 10)}
_TRACE = cnnatlas.trace(nn.Sequential(nn.Conv2d(1, 2, 3)), torch.zeros(1, 1, 8, 8))

BAD_CALLS = {
    # mosaic
    "mosaic tensor": (lambda: mosaic(torch.zeros(2, 3, 3)), TypeError, "numpy"),
    "mosaic list": (lambda: mosaic([[[0.0]]]), TypeError, "maps"),
    "mosaic 2D": (lambda: mosaic(np.zeros((3, 3))), ValueError, "3D"),
    "mosaic empty": (lambda: mosaic(np.zeros((0, 3, 3))), ValueError, "non-empty"),
    "mosaic strings": (lambda: mosaic(np.full((1, 2, 2), "a")), TypeError, "dtype"),
    "mosaic bool": (lambda: mosaic(np.zeros((1, 3, 3), dtype=bool)), TypeError, "dtype"),
    "mosaic ncols 0": (lambda: mosaic(np.zeros((2, 3, 3)), ncols=0), ValueError, "ncols"),
    "mosaic ncols float": (lambda: mosaic(np.zeros((2, 3, 3)), ncols=1.0), TypeError, "ncols"),
    "mosaic ncols huge": (lambda: mosaic(np.zeros((2, 3, 3)), ncols=10**6), ValueError, "MAX_MOSAIC_COLUMNS"),
    "mosaic per_channel": (lambda: mosaic(np.zeros((2, 3, 3)), per_channel="no"), TypeError, "per_channel"),
    # batch_explorer
    "batch None": (lambda: batch_explorer(None), TypeError, "batch"),
    "batch HWC": (lambda: batch_explorer(torch.rand(2, 16, 16, 3)), ValueError, r"permute\(0, 3, 1, 2\)"),
    "batch int64": (lambda: batch_explorer(torch.full((1, 3, 4, 4), 200)), TypeError, "int64"),
    "batch NaN": (lambda: batch_explorer(torch.full((1, 1, 4, 4), float("nan"))), ValueError, "finite"),
    "batch max_size 0": (lambda: batch_explorer(torch.rand(1, 1, 4, 4), max_size=0), ValueError, "max_size"),
    "batch max_size huge": (lambda: batch_explorer(torch.rand(1, 1, 4, 4), max_size=10**6), ValueError, "MAX_DISPLAY_SIZE"),
    "batch height 0": (lambda: batch_explorer(torch.rand(1, 1, 4, 4), height=0), ValueError, "height"),
    "batch height float": (lambda: batch_explorer(torch.rand(1, 1, 4, 4), height=300.0), TypeError, "height"),
    "batch title None": (lambda: batch_explorer(torch.rand(1, 1, 4, 4), title=None), TypeError, "title"),
    # layer_explorer
    "layers list": (lambda: layer_explorer([torch.rand(1, 2, 4, 4)]), TypeError, "mapping"),
    "layers tensor value None": (lambda: layer_explorer({"a": None}), TypeError, r"outputs\['a'\]"),
    "layers numpy value": (lambda: layer_explorer({"a": np.zeros((1, 2, 4, 4))}), TypeError, r"outputs\['a'\]"),
    "layers int key": (lambda: layer_explorer({1: torch.rand(1, 2, 4, 4)}), TypeError, "key"),
    "layers int maps": (lambda: layer_explorer({"a": torch.ones(1, 2, 4, 4, dtype=torch.long)}), TypeError, "floating"),
    "layers NaN": (lambda: layer_explorer({"a": torch.full((1, 2, 4, 4), float("nan"))}), ValueError, "finite"),
    "layers empty tensor": (lambda: layer_explorer({"a": torch.rand(1, 0, 4, 4)}), ValueError, "non-empty"),
    "max_channels 0": (lambda: layer_explorer(_MAPS, max_channels=0), ValueError, "max_channels"),
    "max_channels bool": (lambda: layer_explorer(_MAPS, max_channels=True), TypeError, "max_channels"),
    "max_channels huge": (lambda: layer_explorer(_MAPS, max_channels=10**6), ValueError, "CHANNELS_LIMIT"),
    "max_cells -1": (lambda: layer_explorer(_MAPS, max_cells=-1), ValueError, "max_cells"),
    "max_cells float": (lambda: layer_explorer(_MAPS, max_cells=1e4), TypeError, "max_cells"),
    "max_cells huge": (lambda: layer_explorer(_MAPS, max_cells=10**9), ValueError, "CELLS_LIMIT"),
    "per_channel str": (lambda: layer_explorer(_MAPS, per_channel="yes"), TypeError, "per_channel"),
    "layer height": (lambda: layer_explorer(_MAPS, height=-5), ValueError, "height"),
    # channel_explorer
    "channels empty": (lambda: channel_explorer({}), ValueError, "empty"),
    "channels None value": (lambda: channel_explorer({"a": torch.rand(1, 2, 4, 4), "b": None}), TypeError, r"outputs\['b'\]"),
    "channels max_channels 0": (lambda: channel_explorer(_MAPS, max_channels=0), ValueError, "max_channels"),
    "channels max_cells -1": (lambda: channel_explorer(_MAPS, max_cells=-1), ValueError, "max_cells"),
    "channels title": (lambda: channel_explorer(_MAPS, title=None), TypeError, "title"),
    # animations
    "arith None": (lambda: conv_animation(None), TypeError, "arith"),
    "arith tensor": (lambda: conv_animation(torch.rand(4, 4)), TypeError, "WindowSteps"),
    "anim title": (lambda: conv_animation(_steps(4), title=3), TypeError, "title"),
    "anim height 0": (lambda: conv_animation(_steps(4), height=0), ValueError, "height"),
    "anim height huge": (lambda: conv_animation(_steps(4), height=10**6), ValueError, "MAX_HEIGHT"),
    "scatter x None": (lambda: scatter_animation(None, torch.ones(3, 3)), TypeError, "x"),
    "scatter x 3D": (lambda: scatter_animation(torch.rand(1, 2, 2), torch.ones(3, 3)), ValueError, r"x\[0\]"),
    "scatter kernel 1D": (lambda: scatter_animation(torch.rand(2, 2), torch.ones(3)), ValueError, "kernel"),
    "scatter stride 0": (lambda: scatter_animation(torch.rand(2, 2), torch.ones(3, 3), stride=0), ValueError, "stride"),
    "scatter stride float": (lambda: scatter_animation(torch.rand(2, 2), torch.ones(3, 3), stride=2.0), TypeError, "stride"),
    "scatter padding -1": (lambda: scatter_animation(torch.rand(2, 2), torch.ones(3, 3), padding=-1), ValueError, "padding"),
    "scatter output_padding": (lambda: scatter_animation(torch.rand(2, 2), torch.ones(3, 3), stride=2, output_padding=2),
                               ValueError, "output_padding"),
    "scatter padding too big": (lambda: scatter_animation(torch.rand(2, 2), torch.ones(3, 3), padding=3), ValueError, "padding"),
    "scatter complex": (lambda: scatter_animation(torch.ones(2, 2, dtype=torch.complex64), torch.ones(3, 3)), TypeError, "real"),
    "scatter kernel complex": (lambda: scatter_animation(torch.ones(2, 2), torch.ones(3, 3, dtype=torch.complex64)), TypeError, "real"),
    "scatter meta": (lambda: scatter_animation(torch.ones(2, 2, device="meta"), torch.ones(3, 3)), ValueError, "meta"),
    "scatter NaN": (lambda: scatter_animation(torch.full((2, 2), float("nan")), torch.ones(3, 3)), ValueError, "finite"),
    "compare first None": (lambda: window_comparison_animation(None, _steps(4), ("a", "b")), TypeError, "first"),
    "compare titles str": (lambda: window_comparison_animation(_steps(4), _steps(4), "ab"), TypeError, "titles"),
    "compare titles 3": (lambda: window_comparison_animation(_steps(4), _steps(4), ("a", "b", "c")), ValueError, "two titles"),
    "compare lengths": (lambda: window_comparison_animation(_steps(4), _steps(5), ("a", "b")), ValueError, "as many"),
    # tensor_flow_diagram
    "flow None": (lambda: tensor_flow_diagram(None), TypeError, "result"),
    "flow title": (lambda: tensor_flow_diagram(_TRACE, title=1), TypeError, "title"),
    "flow height": (lambda: tensor_flow_diagram(_TRACE, height=-1), ValueError, "height"),
    "flow compact": (lambda: tensor_flow_diagram(_TRACE, compact="yes"), TypeError, "compact"),
    # controls
    "slider labels str": (lambda: frame_slider("ab", "p"), TypeError, "labels"),
    "slider prefix None": (lambda: frame_slider(["a"], None), TypeError, "prefix"),
    "play 0": (lambda: play_buttons(0), ValueError, "duration_ms"),
    "play bool": (lambda: play_buttons(True), TypeError, "duration_ms"),
    "play huge": (lambda: play_buttons(10**9), ValueError, "MAX_DURATION_MS"),
    "step visible str": (lambda: visibility_step("a", "tf", "t"), TypeError, "visible"),
    "step visible ints": (lambda: visibility_step("a", [1, 0], "t"), TypeError, "visible"),
    "step visible empty": (lambda: visibility_step("a", [], "t"), ValueError, "visible"),
    "step label None": (lambda: visibility_step(None, [True], "t"), TypeError, "label"),
    "vis slider empty": (lambda: visibility_slider([], "p", 0), ValueError, "steps"),
    "vis slider not dicts": (lambda: visibility_slider(["a"], "p", 0), TypeError, "steps"),
    "vis slider pad -1": (lambda: visibility_slider([visibility_step("a", [True], "A")], "p", -1), ValueError, "pad_top"),
}  # fmt: skip


@pytest.mark.parametrize("name", list(BAD_CALLS))
def test_bad_input_is_refused_with_a_clear_error(name: str) -> None:
    assert_refused(*BAD_CALLS[name])


# Oversize requests: each builds its input first (not timed), then must be refused within a few seconds,
# with the named limit, before any trace is built.
OVERSIZE = {
    "conv_animation: 23x23 input": (lambda: (conv_animation, (_steps(23),), {}), "MAX_FRAMES"),
    "conv_animation: 20x20 frames x cells": (lambda: (conv_animation, (_steps(20),), {}), "MAX_FRAME_CELLS"),
    "pool animation: 22x22": (lambda: (conv_animation, (cnnatlas.pool_steps(torch.rand(22, 22), 2, stride=1),), {}), "MAX_FRAMES"),
    "comparison: 23x23": (lambda: (window_comparison_animation, (_steps(23), _steps(23), ("a", "b")), {}), "MAX_FRAMES"),
    "scatter: 48x48 input": (lambda: (scatter_animation, (torch.rand(48, 48), torch.ones(3, 3)), {}), "MAX_FRAMES"),
    "scatter: stride 100": (lambda: (scatter_animation, (torch.rand(12, 12), torch.ones(3, 3)), {"stride": 100}), "MAX_FRAME_CELLS"),
    "batch_explorer: 1000 samples": (lambda: (batch_explorer, (torch.rand(1000, 3, 4, 4),), {}), "MAX_TRACES"),
    "batch_explorer: 64 large samples": (lambda: (batch_explorer, (torch.rand(64, 3, 96, 96),), {}), "CELLS_LIMIT"),
    "layer_explorer: 2000 layers": (lambda: (layer_explorer, ({str(i): torch.rand(1, 1, 2, 2) for i in range(2000)},), {}), "MAX_TRACES"),
    "layer_explorer: max_cells 10**9": (lambda: (layer_explorer, (_MAPS,), {"max_cells": 10**9}), "CELLS_LIMIT"),
    "channel_explorer: 3 x 256 channels": (lambda: (channel_explorer, ({k: torch.rand(1, 256, 4, 4) for k in "abc"},),
                                                    {"max_channels": 256}), "MAX_TRACES"),
    "mosaic: 10**6 cells": (lambda: (mosaic, (np.zeros((100, 100, 100), dtype=np.float32),), {}), "CELLS_LIMIT"),
    "frame_slider: 10**4 labels": (lambda: (frame_slider, ([str(i) for i in range(10**4)], "p"), {}), "MAX_FRAMES"),
    "visibility_slider: 10**4 steps": (lambda: (visibility_slider, ([{}] * 10**4, "p", 0), {}), "MAX_STEPS"),
}  # fmt: skip


@pytest.mark.parametrize("name", list(OVERSIZE))
def test_oversize_requests_are_refused_quickly(name: str) -> None:
    build, limit = OVERSIZE[name]
    assert_refused_quickly(*build(), limit)


def test_a_small_cell_budget_shows_fewer_channels_quickly() -> None:
    """A budget smaller than the channels does not hang or fail: each layer keeps at least one map."""
    outputs = {"a": torch.rand(1, 128, 4, 4), "b": torch.rand(1, 128, 4, 4)}
    start = time.perf_counter()
    fig = channel_explorer(outputs, max_channels=128, max_cells=100)
    assert time.perf_counter() - start < OVERSIZE_SECONDS
    assert len(fig.data) == 2 * (50 // 16) and "first 3 of 128 channels" in fig.layout.title.text


def test_animations_up_to_the_limits_still_build() -> None:
    assert len(conv_animation(_steps(9)).frames) == 49  # the largest the gallery shows
    assert (
        len(window_comparison_animation(_steps(7, padding=1), _steps(7, padding=1), ("a", "b")).frames) == 49
    )
    assert len(frame_slider([str(i) for i in range(MAX_FRAMES)], "p")["steps"]) == MAX_FRAMES


def test_uint8_batches_are_shown_in_unit_range() -> None:
    """One byte per pixel, as the other explorers: a uint8 image's level is its byte, and the same image in
    [0, 1] gives the same levels."""
    batch = (torch.rand(2, 3, 5, 5) * 255).to(torch.uint8)
    as_uint8, as_float = batch_explorer(batch), batch_explorer(batch.float() / 255)
    for k, (a, b) in enumerate(zip(as_uint8.data, as_float.data, strict=True)):
        assert a.z.dtype == np.uint8 and np.array_equal(a.z, b.z)
        assert np.array_equal(a.z, batch[k // 3, k % 3].numpy())
    assert "level 0 = 0, 255 = 1" in as_uint8.data[0].hovertemplate


def test_batch_explorer_levels_and_scales() -> None:
    """Signed batches get a range symmetric around 0 (level 127.5 is 0) and, beyond three channels, the
    diverging scale; an averaged batch says so in its title and hover."""
    signed = batch_explorer(torch.linspace(-2, 1, 2 * 4 * 4).view(1, 2, 4, 4))
    assert signed.data[0].colorscale == go.Heatmap(colorscale=cnnatlas.style.PLOTLY_DIVERGING).colorscale
    assert signed.data[0].z.min() == 0 and "level 0 = -2, 255 = 2" in signed.data[0].hovertemplate
    photos = batch_explorer(torch.rand(2, 3, 64, 64), max_size=32)
    assert photos.data[0].z.shape == (32, 32) and "averaged 2x2" in photos.layout.title.text
    assert "mean of the 2x2 block" in photos.data[0].hovertemplate and photos.data[0].dx == 2


def test_slider_labels_are_padded_so_the_first_and_last_are_not_cut() -> None:
    steps = [visibility_step(label, [True], "t") for label in ("0: Conv2d", "1", "11: Linear")]
    pad = visibility_slider(steps, "layer: ", 30)["pad"]
    assert pad["l"] >= len("0: Conv2d") * 12 * 0.5 / 2 and pad["r"] >= len("11: Linear") * 12 * 0.5 / 2


# The tensor-flow diagram: labels that never overlap, on small and long models, on a phone and a laptop.

from cnnatlas.widgets.flow import CHAR_WIDTH, ROW_PX  # noqa: E402 - grouped with the tests that use them


def _label_boxes(fig, plot_width_px: float) -> list[tuple[float, float, float, float]]:
    """Each label's box (x0, x1, y0, y1) in data units, from its position, its characters and font size."""
    labels = next(t for t in fig.data if t.name == "labels")
    (x_lo, x_hi), (y_lo, y_hi) = fig.layout.xaxis.range, fig.layout.yaxis.range
    plot_height_px = fig.layout.height - fig.layout.margin.t - fig.layout.margin.b
    x_per_px, y_per_px = (x_hi - x_lo) / plot_width_px, (y_hi - y_lo) / plot_height_px
    size = labels.textfont.size
    boxes = []
    for x, y, text in zip(labels.x, labels.y, labels.text, strict=True):
        x0 = x + 3 * x_per_px  # Plotly sets "middle right" text a few pixels right of its point
        boxes.append((x0, x0 + len(text) * CHAR_WIDTH * size * x_per_px,
                      y - size / 2 * y_per_px, y + size / 2 * y_per_px))  # fmt: skip
    return boxes


def _overlap(a, b) -> bool:
    return a[0] < b[1] and b[0] < a[1] and a[2] < b[3] and b[2] < a[3]


_FLOW_MODELS = {
    "small CNN": lambda: cnnatlas.trace(cnnatlas.Cifar10Net(), torch.zeros(1, 3, 32, 32)),
    "resnet18": lambda: cnnatlas.trace(__import__("torchvision").models.resnet18(), torch.zeros(1, 3, 64, 64)),
    "densenet121": lambda: cnnatlas.trace(__import__("torchvision").models.densenet121(), torch.zeros(1, 3, 64, 64)),
    "60 layers": lambda: cnnatlas.trace(nn.Sequential(*(nn.Conv2d(4, 4, 3, padding=1) for _ in range(60))),
                                        torch.zeros(1, 4, 8, 8)),
}  # fmt: skip


@pytest.mark.parametrize("model", list(_FLOW_MODELS))
def test_flow_labels_never_overlap_boxes_or_each_other(model: str) -> None:
    fig = tensor_flow_diagram(_FLOW_MODELS[model]())
    rects = [(s.x0, s.x1, s.y0, s.y1) for s in fig.layout.shapes if s.type == "rect"]
    for width in (350, 690):  # a phone's plot and a laptop's
        boxes = _label_boxes(fig, width)
        assert not any(_overlap(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1 :])
        assert not any(_overlap(a, r) for a in boxes for r in rects)
        assert not any(_overlap(a, b) for i, a in enumerate(rects) for b in rects[i + 1 :])
        assert all(b[1] <= fig.layout.xaxis.range[1] for b in boxes), "a label runs past the right edge"
        assert all(r[0] >= fig.layout.xaxis.range[0] for r in rects)


@pytest.mark.parametrize("model", list(_FLOW_MODELS))
def test_flow_is_as_tall_as_its_rows(model: str) -> None:
    fig = tensor_flow_diagram(_FLOW_MODELS[model]())
    rows = len(next(t for t in fig.data if t.name == "labels").y)
    assert fig.layout.height == rows * ROW_PX + fig.layout.margin.t + fig.layout.margin.b
    assert fig.layout.yaxis.range[1] - fig.layout.yaxis.range[0] == rows  # every row shown, none empty


def test_flow_draws_resnet_shortcuts_as_branches_beside_the_main_path() -> None:
    fig = tensor_flow_diagram(_FLOW_MODELS["resnet18"](), title="resnet18")
    centres = [(s.x0 + s.x1) / 2 for s in fig.layout.shapes if s.type == "rect"]
    # three downsampling shortcuts in one side column
    assert centres.count(1.0) == 3 and set(centres) == {0.0, 1.0}
    labels = next(t for t in fig.data if t.name == "labels").text
    # compact: Conv·BN·ReLU in one box
    assert len(labels) == 33 and sum("add" in text for text in labels) == 8
    assert any("layer2.0.down…" in text.replace("\u00a0", " ") for text in labels)


def test_flow_keeps_one_box_per_record_for_small_models() -> None:
    t = cnnatlas.trace(cnnatlas.Cifar10Net(), torch.zeros(1, 3, 32, 32))
    boxes = [s for s in tensor_flow_diagram(t).layout.shapes if s.type == "rect"][1:]
    size = {r.name: (b.x1 - b.x0, b.y1 - b.y0) for r, b in zip(t.records, boxes, strict=True)}
    assert size["model1.0"][1] > size["model1.1"][1]  # 32x32 maps drawn taller than 16x16
    assert size["model1.4"][0] > size["model1.3"][0] and size["model1.4"][1] == size["model1.3"][1]


def test_flow_height_caps_the_figure_and_scrolls() -> None:
    fig = tensor_flow_diagram(_FLOW_MODELS["resnet18"](), height=420)
    assert fig.layout.height == 420 and fig.layout.yaxis.fixedrange is False and fig.layout.dragmode == "pan"
    assert "scroll" in fig.layout.title.text
    small = tensor_flow_diagram(_FLOW_MODELS["small CNN"](), height=4000)
    assert small.layout.height < 400 and small.layout.yaxis.fixedrange is True  # no empty area below


# The animations on a 390 px phone: a readout instead of per-step labels, titles that fit, readable numbers.


def _title_lines(text: str) -> list[str]:
    import re

    return [re.sub(r"<[^>]+>", "", line) for line in text.split("<br>")]


@pytest.mark.parametrize(
    "make",
    [
        lambda: conv_animation(cnnatlas.conv_steps(torch.rand(5, 5), torch.ones(3, 3), padding=1),
                               title="a rather long title that would be cut on a phone at 390 px"),
        lambda: conv_animation(cnnatlas.transposed_steps(torch.rand(3, 3), torch.ones(3, 3), stride=2, padding=1,
                                                         output_padding=1)),
        lambda: scatter_animation(torch.rand(2, 2), torch.ones(3, 3), stride=2),
        lambda: window_comparison_animation(_steps(5, padding=1), _steps(5, padding=1),
                                            ("standard 3x3, padding 1", "dilated 3x3 (rate 2), padding 2")),
    ],
    ids=["conv", "transposed", "scatter", "comparison"],
)  # fmt: skip
def test_animations_read_on_a_phone(make) -> None:
    fig = make()
    slider = fig.layout.sliders[0]
    assert {step.label for step in slider.steps} == {""} and slider.currentvalue.visible is False
    assert slider.x >= 0.2 and [b.label for b in fig.layout.updatemenus[0].buttons] == ["▶", "❚❚"]
    phone_px = cnnatlas.style.PHONE_COLUMN_PX - 20
    for frame in fig.frames:  # each frame's title reads out its step, in lines that fit a phone
        assert all(len(line) * 0.6 * 15 <= phone_px for line in _title_lines(frame.layout.title.text))
    for annotation in fig.layout.annotations:  # panel titles and the formula
        size = annotation.font.size or 12
        assert size >= 12 and all(
            len(line) * 0.6 * size <= phone_px for line in _title_lines(annotation.text)
        )
    grid = fig.data[0]  # the input grid: black numbers on light greys and the window's orange
    assert grid.textfont.color == "black" and grid.opacity is None
    z = np.asarray(grid.z, dtype=float)
    assert np.nanmax(z) == grid.zmax and np.nanmax(np.where(z < grid.zmax, z, np.nan)) <= 0.45 * grid.zmax


def test_conv_animation_draws_a_signed_output_on_the_diverging_scale() -> None:
    gx = torch.tensor([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]])
    signed = conv_animation(cnnatlas.conv_steps(torch.rand(5, 5), gx))
    assert signed.data[1].colorscale == go.Heatmap(colorscale=cnnatlas.style.PLOTLY_DIVERGING).colorscale
    assert signed.data[1].zmin == -signed.data[1].zmax
    unsigned = conv_animation(cnnatlas.conv_steps(torch.rand(5, 5), torch.ones(3, 3)))
    assert unsigned.data[1].colorscale == go.Heatmap(colorscale=cnnatlas.style.PLOTLY_SEQUENTIAL).colorscale
