"""Output sizes against what PyTorch really produces, over randomised grids of at least 1,000 configurations."""

from __future__ import annotations

import random

import pytest
import torch
from torch import nn

from cnnatlas.arith import (
    conv_output_size,
    conv_transpose_output_size,
    layer_geometry,
    output_shape,
    pool_output_size,
)
from cnnatlas.checks import check_positive_int, check_tensor
from cnnatlas.tensors import channel_shuffle
from cnnatlas.windows import pool_steps

CONFIGS = 1200


def _random_conv(rng: random.Random, dims: int):
    k, s, d = rng.randint(1, 7), rng.randint(1, 4), rng.randint(1, 3)
    padding = rng.choice([rng.randint(0, 4), "valid"] + (["same"] if s == 1 else []))
    size = rng.randint(d * (k - 1) + 1, 40)
    cls = nn.Conv1d if dims == 1 else nn.Conv2d
    return cls(2, 3, k, stride=s, padding=padding, dilation=d), size


@pytest.mark.parametrize("dims", [1, 2])
def test_conv_matches_pytorch(dims) -> None:
    rng = random.Random(dims)
    for _ in range(CONFIGS // 2):
        layer, size = _random_conv(rng, dims)
        shape = (1, 2, *([size] * dims))
        assert output_shape(layer, shape) == tuple(layer(torch.zeros(shape)).shape), layer


@pytest.mark.parametrize("dims", [1, 2])
def test_conv_transpose_matches_pytorch(dims) -> None:
    rng = random.Random(10 + dims)
    for _ in range(CONFIGS // 2):
        k, s, d = rng.randint(1, 6), rng.randint(1, 4), rng.randint(1, 3)
        p = rng.randint(0, d * (k - 1) // 2 + 1)
        op = rng.randint(0, max(s, d) - 1)
        size = rng.randint(1, 20)
        cls = nn.ConvTranspose1d if dims == 1 else nn.ConvTranspose2d
        layer = cls(2, 2, k, stride=s, padding=p, output_padding=op, dilation=d)
        shape = (1, 2, *([size] * dims))
        try:
            real = tuple(layer(torch.zeros(shape)).shape)
        except RuntimeError:
            real = None
        if real is None or 0 in real:  # PyTorch raises, or returns an empty tensor: we say why instead
            with pytest.raises(ValueError, match="too small"):
                output_shape(layer, shape)
            continue
        assert output_shape(layer, shape) == real, layer


@pytest.mark.parametrize("kind", ["max1", "max2", "avg1", "avg2"])
def test_pooling_matches_pytorch(kind) -> None:
    rng = random.Random(kind)
    for _ in range(CONFIGS // 4):
        k = rng.randint(1, 6)
        s = rng.choice([None, rng.randint(1, 4)])
        p = rng.randint(0, k // 2)
        ceil = rng.random() < 0.5
        d = rng.randint(1, 3) if kind.startswith("max") else 1
        size = rng.randint(d * (k - 1) + 1, 30)
        if kind == "max1":
            layer = nn.MaxPool1d(k, s, p, d, ceil_mode=ceil)
        elif kind == "max2":
            layer = nn.MaxPool2d(k, s, p, d, ceil_mode=ceil)
        elif kind == "avg1":
            layer = nn.AvgPool1d(k, s, p, ceil_mode=ceil)
        else:
            layer = nn.AvgPool2d(k, s, p, ceil_mode=ceil)
        dims = 1 if kind.endswith("1") else 2
        shape = (1, 2, *([size] * dims))
        assert output_shape(layer, shape) == tuple(layer(torch.zeros(shape)).shape), layer


def test_tuple_arguments() -> None:
    layer = nn.Conv2d(3, 8, (3, 5), stride=(1, 2), padding=(1, 0), dilation=(2, 1))
    assert output_shape(layer, (2, 3, 17, 23)) == tuple(layer(torch.zeros(2, 3, 17, 23)).shape)


def test_the_articles_numbers() -> None:
    assert conv_output_size(4, 3) == 2 and conv_output_size(4, 3, stride=2) == 1  # article 001
    assert conv_transpose_output_size(2, 3) == 4 and conv_transpose_output_size(2, 3, stride=2) == 5
    assert conv_output_size(7, 3, padding=2, dilation=2) == 7
    assert conv_transpose_output_size(8, 2, stride=2) == 16  # article 000
    assert pool_output_size(32, 2) == 16 and conv_output_size(32, 5, padding=2) == 32  # article 004


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: conv_output_size(3, 5), "too small"),
        (lambda: conv_output_size(8, 3, stride=2, padding="same"), "stride 1"),
        (lambda: conv_output_size(8, 0), "kernel_size"),
        (lambda: conv_output_size(8, 3, padding=-1), "padding"),
        (lambda: conv_transpose_output_size(4, 3, stride=2, output_padding=2), "output_padding"),
        (lambda: pool_output_size(8, 2, padding=2), "half of kernel_size"),
        (lambda: output_shape(nn.Conv2d(3, 8, 3), (1, 1, 8, 8)), "expects 3 input channels"),
        (lambda: output_shape(nn.Conv2d(3, 8, 3), (3, 8, 8)), r"expected a shape of 4 sizes \(N, C, H, W\)"),
        (lambda: output_shape(nn.Conv2d(3, 8, 3), torch.zeros(1, 3, 8, 8)), "pass x.shape"),
        (lambda: output_shape(nn.Conv2d(3, 8, 3), (1, 3, 0, 8)), "every size >= 1"),
        (lambda: output_shape(nn.Conv2d, (1, 3, 8, 8)), "got the class Conv2d; build one first"),
        (
            lambda: conv_output_size(8, 3, padding="Same"),
            "padding: expected one of 'same', 'valid', got 'Same'; did you mean 'same'",
        ),
        (lambda: conv_output_size(8, True), r"kernel_size: expected an int >= 1, got True \(bool\)"),
        (lambda: pool_output_size(8, 2, ceil_mode=1), "ceil_mode: expected True or False, got 1"),
        (lambda: layer_geometry("conv"), "module: expected a torch.nn.Module instance"),
        (lambda: output_shape(nn.Linear(3, 3), (1, 3)), "expected one of"),
    ],
)
def test_bad_arguments_are_explained(call, match) -> None:
    with pytest.raises((ValueError, TypeError), match=match):
        call()


def test_geometry_of_same_padding() -> None:
    assert layer_geometry(nn.Conv2d(1, 1, 5, padding="same", dilation=2)) == ((5, 5), (1, 1), (4, 4), (2, 2))
    assert layer_geometry(nn.ReLU()) is None


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda: conv_output_size(8, 3, padding=1.5), TypeError),
        (lambda: conv_output_size(8, 3, padding=-1), ValueError),
        (lambda: conv_output_size(8, "3"), TypeError),
        (lambda: conv_output_size(8, 0), ValueError),
        (lambda: conv_transpose_output_size(4, 3, output_padding=True), TypeError),
        (lambda: conv_transpose_output_size(4, 3, padding=-2), ValueError),
        (lambda: pool_output_size(8, 2, padding=None), TypeError),
        (lambda: pool_output_size(8, 2, stride=0), ValueError),
        (lambda: check_positive_int(2.0, "n"), TypeError),
        (lambda: check_tensor([1, 2], "x"), TypeError),
        (lambda: check_tensor(torch.zeros(2, 2), "x", rank=4), ValueError),
        (lambda: channel_shuffle(torch.zeros(1, 4, 1, 1), 2.0), TypeError),
        (lambda: channel_shuffle(torch.zeros(1, 4, 1, 1), 3), ValueError),
        (lambda: pool_steps(torch.zeros(4, 4), "2"), TypeError),
        (lambda: pool_steps(torch.zeros(4, 4), 2, mode="min"), ValueError),
    ],
)
def test_one_error_type_per_kind_of_mistake(call, error) -> None:
    """Everywhere: a value of the wrong type raises TypeError, a value out of range ValueError."""
    with pytest.raises(error):
        call()
