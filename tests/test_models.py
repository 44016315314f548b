from __future__ import annotations

import pytest
import torch

import cnnatlas


@pytest.mark.parametrize(
    ("model", "shape", "expected"),
    [
        (cnnatlas.LeNet(), (2, 1, 28, 28), (2, 10)),
        (cnnatlas.Cifar10Net(), (2, 3, 32, 32), (2, 10)),
        (cnnatlas.Cifar10Net(relu=True), (2, 3, 32, 32), (2, 10)),
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


def test_cifar10_net_is_the_articles_layers_and_relu_adds_only_relus() -> None:
    plain = [type(m).__name__ for m in cnnatlas.Cifar10Net().model1]
    assert plain == ["Conv2d", "MaxPool2d", "Conv2d", "MaxPool2d", "Conv2d", "MaxPool2d", "Flatten",
                     "Linear", "Linear"]  # fmt: skip
    with_relu = [type(m).__name__ for m in cnnatlas.Cifar10Net(relu=True).model1]
    assert with_relu == ["Conv2d", "ReLU", "MaxPool2d", "Conv2d", "ReLU", "MaxPool2d", "Conv2d", "ReLU",
                         "MaxPool2d", "Flatten", "Linear", "ReLU", "Linear"]  # fmt: skip
    assert [n for n in with_relu if n != "ReLU"] == plain
    assert "relu" not in repr(cnnatlas.Cifar10Net()) and "relu=True" in repr(cnnatlas.Cifar10Net(relu=True))


def test_cifar10_net_with_relu_starts_from_the_same_weights_for_one_seed() -> None:
    torch.manual_seed(0)
    plain = cnnatlas.Cifar10Net()
    torch.manual_seed(0)
    with_relu = cnnatlas.Cifar10Net(relu=True)
    assert plain.state_dict().keys() != with_relu.state_dict().keys()  # the indices in model1 move
    for a, b in zip(plain.parameters(), with_relu.parameters(), strict=True):
        assert torch.equal(a, b)
    x = torch.randn(4, 3, 32, 32, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        assert float(with_relu.model1[:3](x).min()) >= 0 and float(plain.model1[:2](x).min()) < 0


def test_identity_shortcut_only_when_shapes_match() -> None:
    assert len(cnnatlas.ResidualBlock(64, 64).shortcut) == 0
    assert len(cnnatlas.ResidualBlock(64, 128, stride=2).shortcut) == 2


def test_xavier_init_zeroes_biases_and_rescales_weights() -> None:
    net = cnnatlas.init_xavier_(cnnatlas.LeNet())
    assert all(
        float(m.bias.detach().abs().sum()) == 0 for m in net if hasattr(m, "bias") and m.bias is not None
    )


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: cnnatlas.ResidualBlock(64.0, 64), TypeError, r"in_channels: expected an int from 1 to 4096, got 64.0 \(float\)"),
        (lambda: cnnatlas.ResidualBlock(0, 64), ValueError, "in_channels: expected an int from 1 to 4096, got 0"),
        (lambda: cnnatlas.ResidualBlock(64, 10**6), ValueError, r"out_channels: .* \(the limit, MAX_CHANNELS\), got 1000000"),
        (lambda: cnnatlas.ResidualBlock(64, 64, stride=True), TypeError, "stride: expected an int >= 1, got True"),
        (lambda: cnnatlas.ResidualBlock(64, 64, stride=-1), ValueError, "stride: expected an int >= 1, got -1"),
        (lambda: cnnatlas.VGGStyleNet("16M"), TypeError, "widths: expected a tuple of channel counts"),
        (lambda: cnnatlas.VGGStyleNet((16, "m")), TypeError, r"widths \(a channel count, or 'M'\): expected an int"),
        (lambda: cnnatlas.VGGStyleNet((16,) * 65), ValueError, "the limit, MAX_STAGES"),
        (lambda: cnnatlas.VGGStyleNet(classes=0), ValueError, "classes: expected an int from 1"),
        (lambda: cnnatlas.VGGStyleNet(("M",)), ValueError, "widths: expected at least one convolution"),
        (lambda: cnnatlas.Cifar10Net(relu=1), TypeError, r"relu: expected True or False, got 1 \(int\)"),
        (lambda: cnnatlas.init_xavier_(cnnatlas.LeNet), TypeError, "got the class LeNet; build one first"),
        (lambda: cnnatlas.LeNet()["0"], TypeError, "index: expected an int or a slice, got '0'"),
        (lambda: cnnatlas.LeNet()[12], ValueError, "index: expected a layer index from -12 to 11, got 12"),
        (lambda: cnnatlas.LeNet()[12], IndexError, "got 12"),
    ],
)  # fmt: skip
def test_bad_model_arguments_are_explained(call, error, match) -> None:
    with pytest.raises(error, match=match):
        call()


def test_lenet_indexing_keeps_working() -> None:
    net = cnnatlas.LeNet()
    assert type(net[-1]).__name__ == "Linear" and len(list(net)) == 12 and len(net[2:5]) == 3


@pytest.mark.parametrize(
    ("model", "x", "error", "match"),
    [
        (cnnatlas.LeNet(), None, TypeError, "x: expected a torch.Tensor, got None"),
        (cnnatlas.LeNet(), torch.zeros(1, 1, 32, 32), ValueError, r"x: expected 28x28 images for LeNet, got shape \(1, 1, 32, 32\)"),
        (cnnatlas.LeNet(), torch.zeros(1, 28, 28, 1), ValueError, r"NHWC: try x.permute\(0, 3, 1, 2\)"),
        (cnnatlas.Cifar10Net(), torch.zeros(3, 32, 32), ValueError, r"x: expected a 4D \(N, 3, 32, 32\) for Cifar10Net tensor"),
        (cnnatlas.SimpleCNN(), torch.zeros(1, 3, 32, 32, dtype=torch.uint8), TypeError, "floating-point"),
        (cnnatlas.SimpleCNN(), torch.zeros(1, 3, 2, 2), ValueError, "at least 4x4"),
        (cnnatlas.SimpleUpDownNet(), torch.zeros(1, 1, 0, 8), ValueError, "non-empty"),
        (cnnatlas.ResidualBlock(8, 8), torch.zeros(1, 4, 8, 8), ValueError, "expected 8 input channels for ResidualBlock"),
        (cnnatlas.VGGStyleNet(), torch.zeros(1, 3, 8, 8), ValueError, "at least 16x16 for VGGStyleNet"),
        (cnnatlas.VGGStyleNet(), torch.zeros(1, 3, 32, 32, dtype=torch.bool), TypeError, "floating-point"),
        (cnnatlas.LeNet(), torch.zeros(1, 1, 28, 28, dtype=torch.float16), TypeError, r"x: expected dtype torch.float32, as LeNet's parameters, got torch.float16; use x.to\(torch.float32\)"),
        (cnnatlas.ResidualBlock(8, 8), torch.zeros(1, 8, 8, 8, device="meta"), ValueError, "meta device"),
    ],
)  # fmt: skip
def test_models_refuse_inputs_they_cannot_take(model, x, error, match) -> None:
    with pytest.raises(error, match=match):
        model(x)


def test_models_still_trace_symbolically() -> None:
    for model in (
        cnnatlas.LeNet(),
        cnnatlas.Cifar10Net(),
        cnnatlas.Cifar10Net(relu=True),
        cnnatlas.ResidualBlock(4, 8, 2),
        cnnatlas.VGGStyleNet(),
    ):
        assert cnnatlas.receptive_fields(
            model,
            (
                1,
                3
                if not isinstance(model, (cnnatlas.LeNet, cnnatlas.ResidualBlock))
                else (1 if isinstance(model, cnnatlas.LeNet) else 4),
                32,
                32,
            ),
        )
