from __future__ import annotations

import pytest
import torch

import cnnatlas


@pytest.mark.parametrize(
    ("model", "shape", "expected"),
    [
        (cnnatlas.LeNet(), (2, 1, 28, 28), (2, 10)),
        (cnnatlas.Cifar10Net(), (2, 3, 32, 32), (2, 10)),
        (cnnatlas.SimpleCNN(), (4, 3, 32, 32), (4, 32, 8, 8)),  # article 000's printed shapes
        (cnnatlas.ResidualBlock(64, 64), (4, 64, 32, 32), (4, 64, 32, 32)),
        (cnnatlas.ResidualBlock(64, 128, stride=2), (4, 64, 32, 32), (4, 128, 16, 16)),
        (cnnatlas.SimpleUpDownNet(), (1, 1, 512, 512), (1, 1, 512, 512)),
    ],
)
def test_models_produce_the_articles_shapes(model, shape, expected) -> None:
    assert tuple(model(torch.zeros(shape)).shape) == expected


def test_lenet_has_the_articles_layers() -> None:
    layers = [type(m).__name__ for m in cnnatlas.LeNet()]
    assert layers == ["Conv2d", "ReLU", "AvgPool2d", "Conv2d", "ReLU", "AvgPool2d", "Flatten",
                      "Linear", "ReLU", "Linear", "ReLU", "Linear"]  # fmt: skip
    assert sum(p.numel() for p in cnnatlas.LeNet().parameters()) == 61_706


def test_identity_shortcut_only_when_shapes_match() -> None:
    assert len(cnnatlas.ResidualBlock(64, 64).shortcut) == 0
    assert len(cnnatlas.ResidualBlock(64, 128, stride=2).shortcut) == 2


def test_xavier_init_zeroes_biases_and_rescales_weights() -> None:
    net = cnnatlas.init_xavier_(cnnatlas.LeNet())
    assert all(
        float(m.bias.detach().abs().sum()) == 0 for m in net if hasattr(m, "bias") and m.bias is not None
    )
