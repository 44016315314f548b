"""Theoretical receptive fields against gradient-measured ones, on small stacks and torchvision's vgg16 and resnet18."""

from __future__ import annotations

import pytest
import torch
import torchvision
from torch import nn

import cnnatlas
from cnnatlas.receptive import gradient_field, receptive_fields


def _nonzero_box(grad: torch.Tensor) -> tuple[int, int, int, int]:
    rows, cols = torch.nonzero(grad, as_tuple=True)
    return int(rows.min()), int(rows.max()), int(cols.min()), int(cols.max())


def _measured_box(model, layer, shape, unit, trials=3) -> tuple[int, int, int, int]:
    """Union over a few random inputs of the pixels with a non-zero gradient (max pooling and ReLU pick paths)."""
    total = torch.zeros(shape[2:])
    for seed in range(trials):
        torch.manual_seed(seed)
        total += gradient_field(model, torch.randn(shape), layer, unit)
    return _nonzero_box(total)


def _theoretical_box(field, unit) -> tuple[int, int, int, int]:
    (top, bottom), (left, right) = field.box(unit)
    return int(top), int(bottom), int(left), int(right)


@pytest.mark.parametrize(
    "model",
    [
        nn.Sequential(
            nn.Conv2d(1, 2, 3), nn.ReLU(), nn.Conv2d(2, 2, 3, stride=2), nn.MaxPool2d(2), nn.Conv2d(2, 1, 3)
        ),
        nn.Sequential(nn.Conv2d(1, 2, 3, padding=2, dilation=2), nn.Conv2d(2, 2, 3, padding=4, dilation=4)),
        nn.Sequential(
            nn.Conv2d(1, 2, 5, stride=2, padding=2), nn.AvgPool2d(3, 2, 1), nn.Conv2d(2, 2, (3, 5))
        ),
    ],
)
def test_small_stacks_match_gradients(model) -> None:
    torch.manual_seed(0)
    shape = (1, 1, 41, 41)
    fields = receptive_fields(model, shape)
    last = fields[-1]
    out = model(torch.zeros(shape))
    unit = (out.shape[2] // 2, out.shape[3] // 2)
    assert _measured_box(model, last.name, shape, unit) == _theoretical_box(last, unit)


@pytest.mark.parametrize(
    ("builder", "layers"),
    [
        (torchvision.models.vgg16, ["features.2", "features.9", "features.16"]),
        (torchvision.models.resnet18, ["maxpool", "layer1.1.conv2", "layer2.0.downsample.0"]),
    ],
)
def test_torchvision_models_match_gradients(builder, layers) -> None:
    torch.manual_seed(0)
    model = builder().eval()
    shape = (1, 3, 128, 128)
    fields = {f.name: f for f in receptive_fields(model, shape)}
    for layer in layers:
        field = fields[layer]
        captured = cnnatlas.layer_outputs(model, torch.zeros(shape), [layer])[layer]
        unit = (captured.shape[2] // 2, captured.shape[3] // 2)
        theoretical = _theoretical_box(field, unit)
        clipped = (
            max(theoretical[0], 0),
            min(theoretical[1], 127),
            max(theoretical[2], 0),
            min(theoretical[3], 127),
        )
        assert _measured_box(model, layer, shape, unit, trials=2) == clipped, layer


def test_known_sizes_of_classic_networks() -> None:
    vgg = receptive_fields(torchvision.models.vgg16(), (1, 3, 224, 224))
    assert [f.size[0] for f in vgg if f.op == "MaxPool2d"] == [6, 16, 44, 100, 212]
    resnet = receptive_fields(torchvision.models.resnet18(), (1, 3, 224, 224))
    last_spatial = [f for f in resnet if not f.whole_input][-1]
    assert last_spatial.size == (435, 435) and last_spatial.jump == (32, 32)
    assert resnet[-1].whole_input


def test_branches_are_merged_at_the_add() -> None:
    fields = receptive_fields(cnnatlas.ResidualBlock(4, 8, stride=2), (1, 4, 16, 16))
    add = next(f for f in fields if f.op == "add")
    assert add.size == (7, 7) and add.jump == (2, 2)  # main path 3x3 s2 then 3x3: 7; shortcut 1x1: inside


def test_errors_and_restored_state() -> None:
    model = nn.Sequential(nn.Conv2d(1, 1, 3)).train()
    flags = [p.requires_grad for p in model.parameters()]
    with pytest.raises(ValueError, match="not a module"):
        gradient_field(model, torch.rand(1, 1, 8, 8), "5")
    gradient_field(model, torch.rand(1, 1, 8, 8), "0")
    assert model.training and [p.requires_grad for p in model.parameters()] == flags
    with pytest.raises(ValueError, match="no receptive-field rule"):
        receptive_fields(nn.Sequential(nn.Conv2d(1, 1, 3), nn.Upsample(scale_factor=2)), (1, 1, 8, 8))
    with pytest.raises(
        ValueError, match=r"input_shape: expected a shape of 4 sizes \(N, C, H, W\), got \(8, 8\)"
    ):
        receptive_fields(model, (8, 8))


class _Skips(nn.Module):
    """Has a layer its forward never calls, and a layer that outputs a tuple."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(1, 2, 3)
        self.unused = nn.Conv2d(2, 2, 1)
        self.flat = nn.Flatten()

    def forward(self, x):
        return self.flat(self.conv(x))


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"layer": "unused"}, ValueError, "layer: expected a layer that the forward of _Skips calls, got 'unused'"),
        ({"layer": "nope"}, ValueError, r"layer: expected a module of _Skips \('conv', 'unused', 'flat'\)"),
        ({"layer": 0}, TypeError, "layer: expected a string, got 0"),
        ({"layer": "flat"}, ValueError, r"layer: expected a layer that outputs an \(N, C, H, W\) map"),
        ({"layer": "conv", "unit": (6, 0)}, ValueError, r"unit: .*\(1, 2, 6, 6\) output map \(rows 0..5, cols 0..5\), got \(6, 0\)"),
        ({"layer": "conv", "unit": (-1, 0)}, ValueError, r"unit\[0\]: expected an int >= 0, got -1"),
        ({"layer": "conv", "unit": (1.0, 0)}, TypeError, r"unit\[0\]: expected an int >= 0, got 1.0"),
        ({"layer": "conv", "unit": 3}, TypeError, r"unit: expected a \(row, col\) pair of ints, got 3"),
        ({"layer": "conv", "unit": (1, 2, 3)}, TypeError, r"unit: expected a \(row, col\) pair"),
        ({"layer": "conv", "channel": 2}, ValueError, r"channel: .*\(1, 2, 6, 6\) output \(0..1\), got 2"),
        ({"layer": "conv", "channel": -1}, ValueError, "channel: expected an int >= 0, got -1"),
    ],
)  # fmt: skip
def test_gradient_field_explains_every_wrong_layer_and_index(kwargs, error, match) -> None:
    model = _Skips().train()
    with pytest.raises(error, match=match):
        gradient_field(model, torch.rand(1, 1, 8, 8), **kwargs)
    assert model.training and all(not m._forward_hooks and not m._forward_pre_hooks for m in model.modules())
    assert all(p.requires_grad for p in model.parameters())


def test_gradient_field_keeps_the_grad_mode_and_ignores_an_inplace_relu_after_the_layer() -> None:
    net = nn.Sequential(nn.Conv2d(1, 1, 3), nn.ReLU(inplace=True))
    with torch.no_grad():
        net[0].bias.fill_(-100.0)  # every output negative: the ReLU after would kill every gradient
        field = gradient_field(net, torch.rand(1, 1, 8, 8), "0")
        assert not torch.is_grad_enabled()
    assert int((field != 0).sum()) == 9


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: receptive_fields(nn.Conv2d, (1, 1, 8, 8)), TypeError, "got the class Conv2d"),
        (lambda: receptive_fields(nn.Conv2d(1, 1, 3), torch.zeros(1, 1, 8, 8)), TypeError, "pass x.shape"),
        (lambda: receptive_fields(nn.Conv2d(1, 1, 3), (1, 1, 0, 8)), ValueError, "every size >= 1"),
        (lambda: receptive_fields(nn.Conv2d(1, 1, 3), (1, 1, 8.0, 8)), TypeError, "a tuple of ints"),
        (lambda: receptive_fields(nn.Conv2d(1, 1, 3), "1188"), TypeError, "got '1188'"),
        (lambda: cnnatlas.ReceptiveField("c", "Conv2d", (3, 3), (1, 1), (1.0,)), TypeError, "start: expected a tuple of 2"),
        (lambda: cnnatlas.ReceptiveField("c", "Conv2d", (3, 0), (1, 1), (1.0, 1.0)), ValueError, "size: "),
        (lambda: cnnatlas.ReceptiveField("c", "Conv2d", (3, 3), (1, 1), (1.0, 1.0)).box((0,)), ValueError, "index: expected 2 ints"),
        (lambda: cnnatlas.ReceptiveField("c", "Conv2d", (3, 3), (1, 1), (1.0, 1.0)).box((0, -1)), ValueError, "index: expected an int >= 0"),
        (lambda: cnnatlas.ReceptiveField("c", "Conv2d", (3, 3), (1, 1), (1.0, 1.0)).box(None), TypeError, "got None"),
    ],
)  # fmt: skip
def test_receptive_fields_check_their_inputs(call, error, match) -> None:
    with pytest.raises(error, match=match):
        call()


def test_gradient_field_works_under_inference_mode() -> None:
    net = nn.Sequential(nn.Conv2d(1, 1, 3), nn.Conv2d(1, 1, 3))
    with torch.inference_mode():
        field = gradient_field(net, torch.rand(1, 1, 9, 9), "1")
        assert torch.is_inference_mode_enabled()
    assert int((field != 0).sum()) == 25
