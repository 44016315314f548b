from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

import cnnatlas
from cnnatlas.display import map_limits
from cnnatlas.figures.features import feature_maps_figure
from cnnatlas.forward import capture, layer_outputs, run_model, walk_modules


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
        ValueError,
        match=r"LeNet failed on an input of shape \(1, 3, 28, 28\).*expects 1 input channels",
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
    assert np.all(np.isfinite(flat.get_array()))
    assert fig.axes[0].get_title().endswith("\n= 0")  # the title says the map's one value
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


class _Asserting(nn.Module):
    """Checks its input as torchvision's ViT does, with torch._assert (an AssertionError)."""

    def __init__(self) -> None:
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.Dropout(0.5), nn.ReLU())

    def forward(self, x):
        torch._assert(x.shape[-1] == 6, "Wrong image width!")
        return self.body(x)


class _Mismatch(nn.Module):
    """Fails inside a nested submodule with a RuntimeError (a Linear of the wrong width)."""

    def __init__(self) -> None:
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.Dropout(0.5), nn.Flatten())
        self.head = nn.Sequential(nn.Linear(5, 3))

    def forward(self, x):
        return self.head(self.features(x))


class _Raising(nn.Module):
    """Raises an unusual exception in one of its layers."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(1, 1, 3)
        self.bad = _Bad()

    def forward(self, x):
        return self.bad(self.conv(x))


class _Bad(nn.Module):
    def forward(self, x):
        raise KeyError("weird")


def _frozen_inside_training(model: nn.Module) -> nn.Module:
    """Train mode, a BatchNorm frozen by .eval(), a conv frozen by requires_grad_(False)."""
    model.train()
    for module in model.modules():
        if isinstance(module, nn.BatchNorm2d):
            module.eval()
        if isinstance(module, nn.Conv2d):
            module.weight.requires_grad_(False)
    return model


def _full_state(net: nn.Module) -> tuple:
    modes, grads, hooks = _state(net)
    buffers = [b.clone() for b in net.buffers()]
    return modes, grads, hooks, torch.is_grad_enabled(), buffers


def _same(a: tuple, b: tuple) -> bool:
    return a[:4] == b[:4] and all(torch.equal(x, y) for x, y in zip(a[4], b[4], strict=True))


_LOOKS = {
    "run_model": lambda net, x: run_model(net, x),
    "layer_outputs": lambda net, x: layer_outputs(net, x),
    "trace": lambda net, x: cnnatlas.trace(net, x),
    "gradient_field": lambda net, x: cnnatlas.gradient_field(net, x, "body.0"),
}


@pytest.mark.parametrize("grad_mode", [True, False])
@pytest.mark.parametrize("look", list(_LOOKS))
def test_a_failing_assert_is_one_valueerror_and_the_state_is_restored(look, grad_mode) -> None:
    net = _frozen_inside_training(_Asserting())
    with torch.set_grad_enabled(grad_mode):
        before = _full_state(net)
        with pytest.raises(
            ValueError, match=r"_Asserting failed on an input of shape \(1, 1, 6, 7\)"
        ) as error:
            _LOOKS[look](net, torch.rand(1, 1, 6, 7))
        assert "_Asserting's own forward" in str(error.value)
        assert "AssertionError: Wrong image width!" in str(error.value)
        assert isinstance(error.value.__cause__, AssertionError)
        assert _same(_full_state(net), before)
        _LOOKS[look](net, torch.rand(1, 1, 6, 6))  # and after success too
        assert _same(_full_state(net), before)


@pytest.mark.parametrize("look", ["run_model", "layer_outputs", "trace"])
def test_a_shape_mismatch_names_the_nested_layer_and_the_shapes(look) -> None:
    net = _frozen_inside_training(_Mismatch())
    before = _full_state(net)
    with pytest.raises(ValueError) as error:
        _LOOKS[look](net, torch.rand(1, 1, 6, 6))
    message = str(error.value)
    assert "failed in layer 'head.0' on an input of shape (1, 1, 6, 6)" in message
    assert "layer 'head.0' (Linear) received (1, 32)" in message
    # trace names its last record (it records leaves and functions, not blocks): the Flatten inside 'features'
    last = "'features.3'" if look == "trace" else "'features'"
    assert f"the last layer to finish was {last}, with output (1, 32)" in message
    assert isinstance(error.value.__cause__, RuntimeError)
    assert _same(_full_state(net), before)


def test_any_exception_the_model_raises_is_reported() -> None:
    with pytest.raises(ValueError, match=r"failed in layer 'bad'.*KeyError: 'weird'") as error:
        run_model(_Raising(), torch.rand(1, 1, 5, 5))
    assert isinstance(error.value.__cause__, KeyError)


def test_a_torchvision_vit_with_a_wrong_size_is_explained() -> None:
    torchvision = pytest.importorskip("torchvision")
    vit = torchvision.models.VisionTransformer(
        image_size=32, patch_size=16, num_layers=1, num_heads=1, hidden_dim=8, mlp_dim=8
    )
    with pytest.raises(ValueError, match=r"VisionTransformer failed .*AssertionError: Wrong image height"):
        run_model(vit, torch.rand(1, 3, 48, 32))


def test_outputs_are_what_the_layer_output_before_an_inplace_relu() -> None:
    net = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(inplace=True)).eval()
    x = torch.randn(1, 1, 8, 8)
    expected = net[0](x)
    assert expected.min() < 0
    outputs = layer_outputs(net, x)
    assert torch.equal(outputs["0"], expected) and outputs["1"].min() == 0
    with capture(net, ["0"]) as captured, torch.no_grad():
        net(x)
    assert torch.equal(captured["0"], expected)


def test_layers_must_be_names_the_forward_calls() -> None:
    with pytest.raises(TypeError, match=r"layers: expected a sequence of names such as \['12'\]"):
        layer_outputs(cnnatlas.LeNet(), torch.zeros(1, 1, 28, 28), "12")
    net = _Asserting()
    net.unused = nn.Conv2d(1, 1, 1)
    with pytest.raises(
        ValueError, match=r"layers: expected layers that the forward of _Asserting calls.*\['unused'\]"
    ):
        layer_outputs(net, torch.zeros(1, 1, 6, 6), ["unused"])
    with pytest.raises(TypeError, match="model: expected a torch.nn.Module instance, got the class LeNet"):
        run_model(cnnatlas.LeNet, torch.zeros(1, 1, 28, 28))


def test_forward_helpers_check_their_arguments() -> None:
    from cnnatlas.forward import first_conv, forward_failure, reported_forward

    with pytest.raises(TypeError, match="model: expected a torch.nn.Module instance, got None"):
        first_conv(None)
    with pytest.raises(TypeError, match="error: expected an exception, got 'boom'"):
        forward_failure(cnnatlas.LeNet(), torch.zeros(1), "boom")
    with (
        pytest.raises(TypeError, match="x: expected a torch.Tensor"),
        reported_forward(cnnatlas.LeNet(), None),
    ):
        pass
    with pytest.raises(TypeError, match=r"layers: expected a sequence of names such as \['0'\]"):
        with capture(cnnatlas.LeNet(), "0"):
            pass


def test_the_users_own_hooks_stay_and_ours_go() -> None:
    net = _frozen_inside_training(_Asserting())
    seen = []
    handle = net.body[0].register_forward_hook(lambda _m, _i, out: seen.append(tuple(out.shape)))
    hooks = _state(net)[2]
    for look in _LOOKS.values():
        look(net, torch.rand(1, 1, 6, 6))
        with pytest.raises(ValueError):
            look(net, torch.rand(1, 1, 6, 7))
    assert _state(net)[2] == hooks and len(seen) == 4  # the user's hook ran once per successful look
    handle.remove()


def test_walk_modules_is_named_modules_with_shared_and_missing_children() -> None:
    shared = nn.Conv2d(1, 1, 1)
    inner = nn.Sequential(shared, nn.ReLU())
    model = nn.Sequential(inner, nn.Sequential(shared, inner), nn.Identity())
    model.register_module("missing", None)
    for net in (model, cnnatlas.ResidualBlock(4, 8, stride=2), nn.ReLU()):
        assert walk_modules(net) == list(net.named_modules())
