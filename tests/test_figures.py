from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from refusals import assert_refused, assert_refused_quickly

import cnnatlas
from cnnatlas.figures.features import MAX_NCOLS
from cnnatlas.receptive import ReceptiveField
from cnnatlas.train import EpochStats, TrainResult


def _result(history: list[EpochStats]) -> TrainResult:
    return TrainResult(
        "m",
        "d",
        "cpu",
        "CPU",
        "2",
        "0.1",
        "full",
        max(len(history), 1),  # TrainResult needs epochs >= 1; an empty history is still possible
        10,
        1.0,
        10.0,
        0.5,
        1.0,
        (0.0,),
        (1.0,),
        history,
    )


def test_history_plot_has_train_and_test_curves() -> None:
    fig = cnnatlas.history_figure(
        _result([EpochStats(1, 2.0, 0.3, 2.1, 0.25, 1.0), EpochStats(2, 1.0, 0.6, 1.2, 0.55, 1.0)])
    )
    loss_ax, acc_ax = fig.axes
    assert [line.get_label() for line in loss_ax.lines] == ["train", "test"]
    assert list(acc_ax.lines[1].get_ydata()) == [0.25, 0.55]
    with pytest.raises(ValueError, match="no per-epoch history"):
        cnnatlas.history_figure(_result([]))


def test_overlay_draws_box_and_gradient_extent() -> None:
    field = ReceptiveField("c", "Conv2d", (5, 5), (2, 2), (2.0, 2.0))
    gradient = torch.zeros(16, 16)
    gradient[4:9, 4:9] = 1.0
    fig = cnnatlas.receptive_field_figure(torch.rand(3, 16, 16), field, (2, 2), gradient)
    boxes = [p for p in fig.axes[0].patches]
    assert [(b.get_x(), b.get_width()) for b in boxes] == [(3.5, 5), (3.5, 5)]  # gradient box, theory box
    with pytest.raises(ValueError, match="match the image"):
        cnnatlas.receptive_field_figure(torch.rand(3, 16, 16), field, (2, 2), torch.zeros(8, 8))
    with pytest.raises(ValueError, match="global"):
        cnnatlas.receptive_field_figure(
            torch.rand(3, 16, 16), ReceptiveField("f", "Linear", (16, 16), (1, 1), (7.5, 7.5), True), (0, 0)
        )


# Bad input: every figure function refuses it at its boundary with a TypeError (wrong kind of value) or a
# ValueError (right kind, wrong rank, layout, range or size) that names the argument, before drawing.

_FIELD = ReceptiveField("c", "Conv2d", (5, 5), (2, 2), (2.0, 2.0))


def _dataset(count: int = 6) -> cnnatlas.ImageDataset:
    images = (torch.rand(count, 3, 8, 8) * 255).to(torch.uint8)
    return cnnatlas.ImageDataset("toy", "test", images, torch.arange(count) % 3, ("a", "b", "c"), "made up")


def _steps(size: int) -> cnnatlas.WindowSteps:
    return cnnatlas.conv_steps(torch.rand(size, size), torch.ones(3, 3))


BAD_CALLS = {
    # feature_maps_figure
    "maps None": (lambda: cnnatlas.feature_maps_figure(None), TypeError, "maps: expected a torch.Tensor"),
    "maps numpy": (lambda: cnnatlas.feature_maps_figure(np.zeros((2, 4, 4))), TypeError, "from_numpy"),
    "maps 2D": (lambda: cnnatlas.feature_maps_figure(torch.rand(8, 8)), ValueError, "got shape"),
    "maps HWC": (lambda: cnnatlas.feature_maps_figure(torch.rand(16, 16, 3)), ValueError, "HWC"),
    "maps NHWC": (lambda: cnnatlas.feature_maps_figure(torch.rand(1, 16, 16, 3)), ValueError, r"permute\(0, 3, 1, 2\)"),
    "maps int": (lambda: cnnatlas.feature_maps_figure(torch.ones(2, 4, 4, dtype=torch.int64)), TypeError, "floating"),
    "maps NaN": (lambda: cnnatlas.feature_maps_figure(torch.full((2, 4, 4), float("nan"))), ValueError, "finite"),
    "maps meta": (lambda: cnnatlas.feature_maps_figure(torch.ones(2, 4, 4, device="meta")), ValueError, "meta"),
    "maps empty": (lambda: cnnatlas.feature_maps_figure(torch.rand(0, 4, 4)), ValueError, "non-empty"),
    "maps batch": (lambda: cnnatlas.feature_maps_figure(torch.rand(2, 3, 4, 4)), ValueError, "one sample"),
    "ncols 0": (lambda: cnnatlas.feature_maps_figure(torch.rand(2, 4, 4), ncols=0), ValueError, "ncols"),
    "ncols -1": (lambda: cnnatlas.feature_maps_figure(torch.rand(2, 4, 4), ncols=-1), ValueError, "ncols"),
    "ncols float": (lambda: cnnatlas.feature_maps_figure(torch.rand(2, 4, 4), ncols=2.0), TypeError, "ncols"),
    "ncols bool": (lambda: cnnatlas.feature_maps_figure(torch.rand(2, 4, 4), ncols=True), TypeError, "ncols"),
    "ncols huge": (lambda: cnnatlas.feature_maps_figure(torch.rand(2, 4, 4), ncols=10**6), ValueError, "MAX_NCOLS"),
    "title int": (lambda: cnnatlas.feature_maps_figure(torch.rand(2, 4, 4), title=3), TypeError, "title"),
    "cmap typo": (lambda: cnnatlas.feature_maps_figure(torch.rand(2, 4, 4), cmap="virdis"), ValueError, "viridis"),
    "cmap None": (lambda: cnnatlas.feature_maps_figure(torch.rand(2, 4, 4), cmap=None), TypeError, "cmap"),
    "shared_scale str": (lambda: cnnatlas.feature_maps_figure(torch.rand(2, 4, 4), shared_scale="yes"), TypeError, "shared_scale"),
    "labels str": (lambda: cnnatlas.feature_maps_figure(torch.rand(2, 4, 4), labels="ab"), TypeError, "labels"),
    "labels count": (lambda: cnnatlas.feature_maps_figure(torch.rand(2, 4, 4), labels=["a"]), ValueError, "one label per map"),
    "fig str": (lambda: cnnatlas.feature_maps_figure(torch.rand(2, 4, 4), fig="fig"), TypeError, "fig"),
    # kernels_figure and rgb_kernels_figure
    "weight list": (lambda: cnnatlas.kernels_figure([[1.0]]), TypeError, "weight"),
    "weight 3D": (lambda: cnnatlas.kernels_figure(torch.rand(2, 3, 3)), ValueError, "weight"),
    "max_out 0": (lambda: cnnatlas.kernels_figure(torch.rand(2, 1, 3, 3), max_out=0), ValueError, "max_out"),
    "max_out float": (lambda: cnnatlas.kernels_figure(torch.rand(2, 1, 3, 3), max_out=1.5), TypeError, "max_out"),
    "max_out bool": (lambda: cnnatlas.kernels_figure(torch.rand(2, 1, 3, 3), max_out=True), TypeError, "max_out"),
    "max_in -1": (lambda: cnnatlas.kernels_figure(torch.rand(2, 1, 3, 3), max_in=-1), ValueError, "max_in"),
    "max_out huge": (lambda: cnnatlas.kernels_figure(torch.rand(2, 1, 3, 3), max_out=10**6), ValueError, "MAX_PANELS"),
    "shared_scale None": (lambda: cnnatlas.kernels_figure(torch.rand(2, 1, 3, 3), shared_scale=None), TypeError, "shared_scale"),
    "rgb ncols 0": (lambda: cnnatlas.rgb_kernels_figure(torch.rand(4, 3, 3, 3), ncols=0), ValueError, "ncols"),
    "rgb ncols huge": (lambda: cnnatlas.rgb_kernels_figure(torch.rand(4, 3, 3, 3), ncols=10**6), ValueError, "MAX_NCOLS"),
    "rgb gray weight": (lambda: cnnatlas.rgb_kernels_figure(torch.rand(4, 1, 3, 3)), ValueError, "3 input channels"),
    "rgb weight None": (lambda: cnnatlas.rgb_kernels_figure(None), TypeError, "weight"),
    # channels_figure, batch_figure, memory_order_figure
    "image HWC": (lambda: cnnatlas.channels_figure(torch.rand(16, 16, 3)), ValueError, r"permute\(2, 0, 1\)"),
    "image int64": (lambda: cnnatlas.channels_figure(torch.full((3, 4, 4), 200)), TypeError, "int64"),
    "image bool": (lambda: cnnatlas.channels_figure(torch.ones(1, 4, 4, dtype=torch.bool)), TypeError, "bool"),
    "image NaN": (lambda: cnnatlas.channels_figure(torch.full((3, 4, 4), float("nan"))), ValueError, "finite"),
    "image list": (lambda: cnnatlas.channels_figure([[[0.0]]]), TypeError, r"torch.tensor\(x\)"),
    "titles str": (lambda: cnnatlas.channels_figure(torch.rand(3, 4, 4), titles="RGB"), TypeError, "titles"),
    "titles count": (lambda: cnnatlas.channels_figure(torch.rand(3, 4, 4), titles=("R",)), ValueError, "one title per channel"),
    "batch HWC": (lambda: cnnatlas.batch_figure(torch.rand(2, 16, 16, 3)), ValueError, r"permute\(0, 3, 1, 2\)"),
    "batch 3D": (lambda: cnnatlas.batch_figure(torch.rand(3, 8, 8)), ValueError, r"unsqueeze\(0\)"),
    "batch int32": (lambda: cnnatlas.batch_figure(torch.ones(1, 1, 2, 2, dtype=torch.int32)), TypeError, "int32"),
    "memory title": (lambda: cnnatlas.memory_order_figure(torch.zeros(1, 1, 2, 2), title=1), TypeError, "title"),
    "memory ax": (lambda: cnnatlas.memory_order_figure(torch.zeros(1, 1, 2, 2), ax="ax"), TypeError, "ax"),
    "memory 3D": (lambda: cnnatlas.memory_order_figure(torch.zeros(1, 2, 2)), ValueError, "4D"),
    # receptive_field_figure
    "field None": (lambda: cnnatlas.receptive_field_figure(torch.rand(3, 16, 16), None, (2, 2)), TypeError, "field"),
    "unit str": (lambda: cnnatlas.receptive_field_figure(torch.rand(3, 16, 16), _FIELD, "22"), TypeError, "unit"),
    "unit int": (lambda: cnnatlas.receptive_field_figure(torch.rand(3, 16, 16), _FIELD, 2), TypeError, "unit"),
    "unit length": (lambda: cnnatlas.receptive_field_figure(torch.rand(3, 16, 16), _FIELD, (2,)), ValueError, "unit"),
    "unit negative": (lambda: cnnatlas.receptive_field_figure(torch.rand(3, 16, 16), _FIELD, (-1, 2)), ValueError, "unit row"),
    "unit float": (lambda: cnnatlas.receptive_field_figure(torch.rand(3, 16, 16), _FIELD, (1.5, 2)), TypeError, "unit row"),
    "unit outside": (lambda: cnnatlas.receptive_field_figure(torch.rand(3, 16, 16), _FIELD, (2, 40)), ValueError, "overlaps"),
    "gradient negative": (lambda: cnnatlas.receptive_field_figure(torch.rand(3, 16, 16), _FIELD, (2, 2), -torch.ones(16, 16)), ValueError, "gradient"),
    "gradient int": (lambda: cnnatlas.receptive_field_figure(torch.rand(3, 16, 16), _FIELD, (2, 2), torch.ones(16, 16, dtype=torch.long)), TypeError, "gradient"),
    "receptive HWC": (lambda: cnnatlas.receptive_field_figure(torch.rand(16, 16, 3), _FIELD, (2, 2)), ValueError, "HWC"),
    "receptive ax": (lambda: cnnatlas.receptive_field_figure(torch.rand(3, 16, 16), _FIELD, (2, 2), ax=1), TypeError, "ax"),
    # confusion_figure and predictions_figure
    "matrix float": (lambda: cnnatlas.confusion_figure(torch.rand(2, 2), ["a", "b"]), TypeError, "matrix"),
    "matrix negative": (lambda: cnnatlas.confusion_figure(torch.tensor([[1, -1], [0, 1]]), ["a", "b"]), ValueError, "matrix"),
    "matrix not square": (lambda: cnnatlas.confusion_figure(torch.ones(2, 3, dtype=torch.long), ["a", "b"]), ValueError, "square"),
    "classes str": (lambda: cnnatlas.confusion_figure(torch.ones(2, 2, dtype=torch.long), "ab"), TypeError, "classes"),
    "classes count": (lambda: cnnatlas.confusion_figure(torch.ones(2, 2, dtype=torch.long), ["a"]), ValueError, "classes"),
    "data None": (lambda: cnnatlas.predictions_figure(None, torch.zeros(6, dtype=torch.long), [0]), TypeError, "data"),
    "predicted float": (lambda: cnnatlas.predictions_figure(_dataset(), torch.zeros(6), [0]), TypeError, "predicted"),
    "predicted length": (lambda: cnnatlas.predictions_figure(_dataset(), torch.zeros(5, dtype=torch.long), [0]), ValueError, "predicted"),
    "predicted range": (lambda: cnnatlas.predictions_figure(_dataset(), torch.full((6,), 3), [0]), ValueError, "predicted"),
    "indices str": (lambda: cnnatlas.predictions_figure(_dataset(), torch.zeros(6, dtype=torch.long), "12"), TypeError, "indices"),
    "indices negative": (lambda: cnnatlas.predictions_figure(_dataset(), torch.zeros(6, dtype=torch.long), [-1]), ValueError, "indices"),
    "indices past end": (lambda: cnnatlas.predictions_figure(_dataset(), torch.zeros(6, dtype=torch.long), [6]), ValueError, "indices"),
    "indices empty": (lambda: cnnatlas.predictions_figure(_dataset(), torch.zeros(6, dtype=torch.long), []), ValueError, "indices"),
    "indices float": (lambda: cnnatlas.predictions_figure(_dataset(), torch.zeros(6, dtype=torch.long), [1.0]), TypeError, "indices"),
    "predictions ncols": (lambda: cnnatlas.predictions_figure(_dataset(), torch.zeros(6, dtype=torch.long), [0], ncols=0), ValueError, "ncols"),
    # history_figure and conv_funcanimation
    "history None": (lambda: cnnatlas.history_figure(None), TypeError, "result"),
    "history fig": (lambda: cnnatlas.history_figure(_result([EpochStats(1, 1.0, 0.5, 1.0, 0.5, 1.0)]), fig=1), TypeError, "fig"),
    "arith None": (lambda: cnnatlas.conv_funcanimation(None), TypeError, "arith"),
    "interval 0": (lambda: cnnatlas.conv_funcanimation(_steps(4), interval_ms=0), ValueError, "interval_ms"),
    "interval float": (lambda: cnnatlas.conv_funcanimation(_steps(4), interval_ms=0.5), TypeError, "interval_ms"),
    "interval huge": (lambda: cnnatlas.conv_funcanimation(_steps(4), interval_ms=10**9), ValueError, "MAX_INTERVAL_MS"),
}  # fmt: skip


@pytest.mark.parametrize("name", list(BAD_CALLS))
def test_bad_input_is_refused_with_a_clear_error(name: str) -> None:
    assert_refused(*BAD_CALLS[name])


# Oversize requests: each builds its input first (not timed), then must be refused within a few seconds,
# with the named limit, before any figure is drawn.
OVERSIZE = {
    "feature maps: 1000 channels": (lambda: (cnnatlas.feature_maps_figure, (torch.rand(1000, 4, 4),), {}), "MAX_PANELS"),
    "feature maps: ncols 10**6": (lambda: (cnnatlas.feature_maps_figure, (torch.rand(4, 4, 4),), {"ncols": 10**6}), "MAX_NCOLS"),
    "kernels: 64 x 64 shown": (lambda: (cnnatlas.kernels_figure, (torch.rand(64, 64, 3, 3),), {"max_out": 64, "max_in": 64}), "MAX_PANELS"),
    "rgb kernels: 1000": (lambda: (cnnatlas.rgb_kernels_figure, (torch.rand(1000, 3, 3, 3),), {}), "MAX_PANELS"),
    "channels: 512": (lambda: (cnnatlas.channels_figure, (torch.rand(512, 8, 8),), {}), "MAX_IMAGE_CHANNELS"),
    "batch: 256 x 3": (lambda: (cnnatlas.batch_figure, (torch.rand(256, 3, 8, 8),), {}), "MAX_PANELS"),
    "memory order: 10**4 elements": (lambda: (cnnatlas.memory_order_figure, (torch.zeros(1, 1, 100, 100),), {}), "MAX_MEMORY_CELLS"),
    "confusion: 1000 classes": (lambda: (cnnatlas.confusion_figure, (torch.ones(1000, 1000, dtype=torch.long), [str(i) for i in range(1000)]), {}), "MAX_CLASSES"),
    "predictions: 5000 images": (lambda: (cnnatlas.predictions_figure, (_dataset(5000), torch.zeros(5000, dtype=torch.long), range(5000)), {}), "MAX_PANELS"),
    "funcanimation: 23x23 input": (lambda: (cnnatlas.conv_funcanimation, (_steps(23),), {}), "MAX_FUNC_FRAMES"),
}  # fmt: skip


@pytest.mark.parametrize("name", list(OVERSIZE))
def test_oversize_requests_are_refused_quickly(name: str) -> None:
    build, limit = OVERSIZE[name]
    assert_refused_quickly(*build(), limit)
    assert not plt.get_fignums()  # refused before a figure was made


def test_uint8_images_are_scaled_to_unit_range() -> None:
    image = torch.tensor([0, 128, 255], dtype=torch.uint8).view(3, 1, 1).expand(3, 2, 2).contiguous()
    fig = cnnatlas.channels_figure(image)
    composite = fig.axes[0].get_images()[0].get_array()
    assert composite.max() <= 1.0 and np.allclose(composite[0, 0], [0.0, 128 / 255, 1.0])


def test_valid_calls_at_the_limits_still_draw() -> None:
    # the default grid: 16 x 8 kernels of 3x3 in one mosaic, 1-cell gaps (masked) between them
    mosaic = cnnatlas.kernels_figure(torch.rand(16, 8, 3, 3)).axes[0].images[0].get_array()
    assert mosaic.shape == (8 * 4 - 1, 16 * 4 - 1) and int((~mosaic.mask).sum()) == 16 * 8 * 9
    assert len(cnnatlas.feature_maps_figure(torch.rand(4, 6, 6), ncols=MAX_NCOLS).axes) == MAX_NCOLS
