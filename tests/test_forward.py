from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

import cnnatlas
from cnnatlas.display import map_limits
from cnnatlas.figures.features import feature_maps_figure
from cnnatlas.forward import capture, layer_outputs, run_model


class Exploding(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(1, 2, 3)

    def forward(self, x):
        self.conv(x)
        raise RuntimeError("boom")


def _hook_count(model: nn.Module) -> int:
    return sum(len(m._forward_hooks) for m in model.modules())


def test_capture_removes_hooks_even_when_forward_raises() -> None:
    model = Exploding()
    with pytest.raises(RuntimeError, match="boom"), capture(model) as outputs:
        model(torch.zeros(1, 1, 5, 5))
    assert _hook_count(model) == 0
    assert outputs["conv"].shape == (1, 2, 3, 3)


def test_layer_outputs_wraps_a_failing_forward_and_restores_mode() -> None:
    model = cnnatlas.LeNet().train()
    with pytest.raises(
        ValueError, match=r"LeNet failed on an input of shape \(1, 3, 28, 28\).*expects 1 input channels"
    ):
        layer_outputs(model, torch.zeros(1, 3, 28, 28))
    assert model.training and _hook_count(model) == 0


def test_layer_outputs_match_a_manual_forward() -> None:
    model = cnnatlas.LeNet().eval()
    x = torch.rand(1, 1, 28, 28)
    outputs = layer_outputs(model, x)
    assert torch.allclose(outputs["11"], model(x))
    assert torch.allclose(outputs["2"], model[:3](x))


@pytest.mark.parametrize(
    ("x", "error", "match"),
    [
        (np.zeros((1, 1, 28, 28)), TypeError, "expected a torch.Tensor"),
        (torch.zeros(28, 28, 3), ValueError, "looks like an HWC image"),
        (torch.zeros(1, 28, 28), ValueError, "try x.unsqueeze"),
        (torch.zeros(1, 1, 28, 28, dtype=torch.uint8), TypeError, "floating-point"),
        (torch.full((1, 1, 28, 28), float("nan")), ValueError, "NaN"),
        (torch.zeros(0, 1, 28, 28), ValueError, "non-empty"),
    ],
)
def test_bad_input_is_explained(x, error, match) -> None:
    with pytest.raises(error, match=match):
        run_model(cnnatlas.LeNet(), x)


def test_unknown_layer_names_are_listed() -> None:
    with pytest.raises(ValueError, match="its modules are: 0, 1"):
        layer_outputs(cnnatlas.LeNet(), torch.zeros(1, 1, 28, 28), ["conv1"])


def test_constant_maps_are_drawn_flat_not_as_noise() -> None:
    assert map_limits(np.zeros((4, 4))) == (-1.0, 1.0, True)
    maps = torch.stack([torch.zeros(5, 5), torch.rand(5, 5)])
    fig = feature_maps_figure(maps)
    flat = fig.axes[0].images[0]
    assert np.all(np.isfinite(flat.get_array())) and "constant 0" in fig.axes[0].get_title()
    assert flat.norm(flat.get_array()).min() == pytest.approx(0.5)  # the middle colour, not a stretched range


def test_feature_grid_rejects_a_batch() -> None:
    with pytest.raises(ValueError, match="expected one sample"):
        feature_maps_figure(torch.rand(2, 3, 4, 4))
