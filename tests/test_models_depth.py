from __future__ import annotations

import pytest
import torch
from torch import nn

import cnnatlas


@pytest.mark.parametrize("residual", [False, True])
@pytest.mark.parametrize(("blocks", "in_channels", "size"), [(1, 3, 8), (3, 1, 28), (15, 3, 32)])
def test_depth_net_shapes_and_layer_count(blocks, in_channels, size, residual) -> None:
    net = cnnatlas.DepthNet(blocks, residual=residual, in_channels=in_channels)
    assert tuple(net(torch.zeros(2, in_channels, size, size)).shape) == (2, 10)
    layers = [m for m in net.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    assert len(layers) == net.weight_layers == 2 * blocks + 2


def test_plain_and_residual_start_from_the_same_weights() -> None:
    torch.manual_seed(3)
    plain = cnnatlas.DepthNet(4)
    torch.manual_seed(3)
    residual = cnnatlas.DepthNet(4, residual=True)
    a, b = plain.state_dict(), residual.state_dict()
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    x = torch.randn(2, 3, 8, 8)
    assert not torch.allclose(plain(x), residual(x))  # the add is the only difference, and it matters
    assert residual.residual and not plain.residual


def test_residual_forward_is_the_shortcut_sum() -> None:
    torch.manual_seed(0)
    net = cnnatlas.DepthNet(2, residual=True, width=4).eval()
    x = torch.randn(1, 3, 6, 6)
    h = net.stem(x)
    for body in net.blocks:
        h = torch.relu(body(h) + h)
    assert torch.allclose(net(x), net.head(h))


def test_he_initialisation_and_no_conv_bias() -> None:
    torch.manual_seed(0)
    net = cnnatlas.DepthNet(2, width=64)
    conv = net.blocks[0][0]
    assert conv.bias is None
    expected = (2 / (64 * 9)) ** 0.5  # He et al.: std sqrt(2 / fan_in) for a ReLU network
    assert abs(float(conv.weight.detach().std()) - expected) < 0.05 * expected


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"blocks": 0}, ValueError),
        ({"blocks": 2.5}, TypeError),
        ({"blocks": 2, "residual": "yes"}, TypeError),
        ({"blocks": 2, "width": 0}, ValueError),
        ({"blocks": 2, "classes": 0}, ValueError),
        ({"blocks": 10_000}, ValueError),
    ],
)
def test_depth_net_refuses_bad_arguments(kwargs, error) -> None:
    with pytest.raises(error):
        cnnatlas.DepthNet(**kwargs)


def test_depth_net_refuses_wrong_channels() -> None:
    with pytest.raises(ValueError, match="input channels"):
        cnnatlas.DepthNet(1)(torch.zeros(1, 1, 8, 8))
