from __future__ import annotations

import pytest
import torch

import cnnatlas
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
        len(history),
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
