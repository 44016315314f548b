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


def _half_frozen() -> torch.nn.Module:
    """A model in training mode whose BatchNorm is frozen in eval mode and whose first conv is frozen."""
    net = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.BatchNorm2d(2), torch.nn.ReLU(),
                              torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten()).train()  # fmt: skip
    net[1].eval()
    net[0].weight.requires_grad_(False)
    return net


def _state(net: torch.nn.Module) -> tuple:
    hooks = sum(len(m._forward_hooks) + len(m._forward_pre_hooks) for m in net.modules())
    return [m.training for m in net.modules()], [p.requires_grad for p in net.parameters()], hooks


@pytest.mark.parametrize(
    "look",
    [
        lambda net, x: run_model(net, x),
        lambda net, x: layer_outputs(net, x),
        lambda net, x: cnnatlas.trace(net, x),
        lambda net, x: cnnatlas.gradient_field(net, x, "2"),
        lambda net, x: cnnatlas.evaluate(
            net,
            cnnatlas.ImageDataset("d", "test", torch.zeros(2, 1, 6, 6, dtype=torch.uint8), torch.tensor([0, 1]),
                                  ("a", "b"), "made up"),
            cnnatlas.Normalization((0.0,), (1.0,)),
        ),
    ],
)  # fmt: skip
def test_every_look_inside_restores_each_submodules_state(look) -> None:
    """Each submodule's own train/eval flag (not only the root's), each requires_grad, no hook left."""
    net = _half_frozen()
    before = _state(net)
    look(net, torch.rand(1, 1, 6, 6))
    assert _state(net) == before


def test_state_is_restored_when_the_forward_fails() -> None:
    net = _half_frozen()
    before = _state(net)
    with pytest.raises(ValueError, match="failed"):
        cnnatlas.trace(net, torch.rand(1, 3, 6, 6))
    assert _state(net) == before
