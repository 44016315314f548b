from __future__ import annotations

import pytest
import torch
import torchvision
from torch import nn

import cnnatlas
from cnnatlas.trace import trace


def test_lenet_shapes_and_totals() -> None:
    t = trace(cnnatlas.LeNet(), torch.zeros(2, 1, 28, 28))
    shapes = [r.output_shape for r in t.records]
    assert shapes[:6] == [
        (2, 6, 28, 28),
        (2, 6, 28, 28),
        (2, 6, 14, 14),
        (2, 16, 10, 10),
        (2, 16, 10, 10),
        (2, 16, 5, 5),
    ]
    assert shapes[6] == (2, 400) and shapes[-1] == (2, 10)
    assert t.total_params == sum(p.numel() for p in cnnatlas.LeNet().parameters())
    conv1 = t.records[0]
    assert conv1.macs == 2 * 6 * 28 * 28 * 25


@pytest.mark.parametrize(
    ("builder", "params", "gmacs"),
    [
        (torchvision.models.resnet18, 11_689_512, 1.814),
        (torchvision.models.vgg16, 138_357_544, 15.470),
        (torchvision.models.mobilenet_v3_small, 2_542_856, 0.0565),
    ],
)
def test_torchvision_models(builder, params, gmacs) -> None:
    t = trace(builder(), torch.zeros(1, 3, 224, 224))
    assert t.total_params == params
    assert t.total_macs / 1e9 == pytest.approx(gmacs, rel=0.01)
    assert t.records[-1].output_shape == (1, 1000)


def test_residual_add_and_its_branches_are_recorded() -> None:
    t = trace(torchvision.models.resnet18(), torch.zeros(1, 3, 64, 64))
    adds = [r for r in t.records if r.layer_type == "add"]
    assert len(adds) == 8 and all(len(r.inputs_from) == 2 for r in adds)
    downsample = next(r for r in t.records if r.name == "layer2.0.downsample.0")
    assert downsample.inputs_from[0] != downsample.index - 1  # fed by the block input: a branch
    assert any(r.layer_type == "flatten" for r in t.records)


def test_shared_module_parameters_are_counted_once() -> None:
    conv = nn.Conv2d(4, 4, 3, padding=1)
    model = nn.Sequential(conv, nn.ReLU(), conv)
    t = trace(model, torch.zeros(1, 4, 8, 8))
    assert t.total_params == sum(p.numel() for p in conv.parameters())
    assert sum(r.macs for r in t.records) == 2 * 4 * 8 * 8 * 4 * 9


def test_memory_format_is_reported() -> None:
    model = nn.Conv2d(3, 8, 3).to(memory_format=torch.channels_last)
    x = torch.zeros(1, 3, 8, 8).to(memory_format=torch.channels_last)
    assert trace(model, x).records[0].memory_format == "channels_last"


def test_failing_forward_is_explained_and_cleaned_up() -> None:
    model = cnnatlas.LeNet()[:].train()  # a plain nn.Sequential: LeNet itself refuses 32x32 up front
    with pytest.raises(ValueError, match=r"failed in layer '7' on an input of shape \(1, 1, 32, 32\)"):
        trace(model, torch.zeros(1, 1, 32, 32))
    with pytest.raises(ValueError, match=r"LeNet failed .* ValueError: x: expected 28x28 images for LeNet"):
        trace(cnnatlas.LeNet(), torch.zeros(1, 1, 32, 32))
    assert model.training and all(not m._forward_hooks and not m._forward_pre_hooks for m in model.modules())
    with pytest.raises(ValueError, match="HWC"):
        trace(model, torch.zeros(28, 28, 1))


def test_tables() -> None:
    t = trace(cnnatlas.SimpleCNN(), torch.zeros(4, 3, 32, 32))
    text, md = t.table(), t.table(markdown=True)
    assert "(4, 32, 8, 8)" in text and "total params" in text
    assert md.startswith("| # | name") and md.count("\n|") == len(t.records) + 1


def test_flow_figure_has_a_box_per_record() -> None:
    t = trace(cnnatlas.ResidualBlock(4, 8, stride=2), torch.zeros(1, 4, 8, 8))
    fig = cnnatlas.tensor_flow_diagram(t)
    rects = [s for s in fig.layout.shapes if s.type == "rect"]
    assert len(rects) == len(t.records) + 1  # plus the input (hover text: tests/test_widgets.py)


@pytest.mark.parametrize(
    ("model", "x", "error", "match"),
    [
        (cnnatlas.LeNet, torch.zeros(1, 1, 28, 28), TypeError, "got the class LeNet; build one first"),
        (None, torch.zeros(1, 1, 28, 28), TypeError, "model: expected a torch.nn.Module instance, got None"),
        (cnnatlas.LeNet(), [[0.0]], TypeError, "x: expected a torch.Tensor, got list"),
        (cnnatlas.LeNet(), torch.zeros(1, 28, 28, 1), ValueError, r"HWC: try x.permute\(0, 3, 1, 2\)"),
        (cnnatlas.LeNet(), torch.zeros(1, 1, 28, 28, dtype=torch.int64), TypeError, "floating-point"),
        (cnnatlas.LeNet(), torch.full((1, 1, 28, 28), float("inf")), ValueError, "finite"),
    ],
)
def test_trace_checks_its_inputs(model, x, error, match) -> None:
    with pytest.raises(error, match=match):
        trace(model, x)


def test_table_and_records_check_their_arguments() -> None:
    t = trace(nn.Conv2d(1, 2, 3), torch.zeros(1, 1, 5, 5))
    with pytest.raises(TypeError, match="markdown: expected True or False, got 'yes'"):
        t.table(markdown="yes")
    with pytest.raises(ValueError, match="kind: expected one of 'module', 'function'"):
        cnnatlas.LayerRecord(0, "c", "layer", "Conv2d", [], (1,), "float32", 0, 0, "contiguous")
    with pytest.raises(TypeError, match="records: expected a list of LayerRecord"):
        cnnatlas.Trace("m", (1, 1, 5, 5), [None], 0)


def test_a_failing_leaf_leaves_no_mode_and_no_hook_behind() -> None:
    from torch.nn.modules import module as module_module

    before = (torch._C._len_torch_function_stack(), len(module_module._global_forward_hooks))
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.Linear(5, 2))
    with pytest.raises(ValueError, match="layer '1' \\(Linear\\)"):
        trace(model, torch.zeros(1, 3, 8, 8))
    after = (torch._C._len_torch_function_stack(), len(module_module._global_forward_hooks))
    assert after == before
    assert trace(model[:1], torch.zeros(1, 3, 8, 8)).records[0].output_shape == (1, 4, 6, 6)


def test_trace_inside_another_torch_function_mode_records_the_same() -> None:
    from torch.overrides import TorchFunctionMode

    class Counting(TorchFunctionMode):
        calls = 0

        def __torch_function__(self, func, types, args=(), kwargs=None):
            Counting.calls += 1
            return func(*args, **(kwargs or {}))

    model, x = cnnatlas.ResidualBlock(8, 16, stride=2), torch.zeros(1, 8, 8, 8)
    plain = trace(model, x)
    with Counting():
        inside = trace(model, x)
    assert inside == plain and Counting.calls > 0


def test_other_models_running_during_a_trace_are_not_recorded() -> None:
    other = nn.Conv2d(1, 1, 1)

    class Calls(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv = nn.Conv2d(1, 2, 3)

        def forward(self, x):
            other(x)  # a module outside this model: trace leaves it alone
            return self.conv(x)

    assert [r.name for r in trace(Calls(), torch.zeros(1, 1, 5, 5)).records] == ["conv"]


def test_records_match_named_modules_and_parameters_on_torchvision_models() -> None:
    for model in (
        torchvision.models.googlenet(init_weights=False, aux_logits=False),
        torchvision.models.densenet121(),
    ):
        t = trace(model, torch.zeros(1, 3, 64, 64))
        leaves = [n for n, m in model.named_modules() if not list(m.children())]
        names = [r.name for r in t.records if r.kind == "module"]
        assert set(names) <= set(leaves) and names[0] == leaves[0]
        assert t.total_params == sum(p.numel() for p in model.parameters())
        assert all(len(r.inputs_from) == len(r.input_shapes) for r in t.records)


def test_the_wrappers_are_taken_out_and_an_own_instance_forward_is_put_back() -> None:
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.Flatten(), nn.Linear(18, 2))
    calls = []

    def own_forward(x):  # an instance-level forward, as some libraries install
        calls.append(tuple(x.shape))
        return torch.relu(x)

    model[1].forward = own_forward
    t = trace(model, torch.zeros(1, 1, 5, 5))
    assert [r.layer_type for r in t.records] == ["Conv2d", "ReLU", "Flatten", "Linear"] and calls == [
        (1, 2, 3, 3)
    ]
    assert model[1].__dict__["forward"] is own_forward
    assert all("forward" not in m.__dict__ for i, m in enumerate(model) if i != 1) and "forward" not in vars(
        model
    )
    with pytest.raises(ValueError, match="layer '3' \\(Linear\\)"):
        trace(model, torch.zeros(1, 1, 6, 6))
    assert model[1].__dict__["forward"] is own_forward and "forward" not in vars(model[3])


def test_a_record_shows_what_forward_received_after_the_module_s_own_pre_hook() -> None:
    model = nn.Sequential(nn.Conv2d(1, 1, 1), nn.Linear(4, 2))
    handle = model[1].register_forward_pre_hook(lambda _module, args: (args[0].flatten(1),))
    records = trace(model, torch.zeros(1, 1, 2, 2)).records
    assert [r.layer_type for r in records] == [
        "Conv2d",
        "flatten",
        "Linear",
    ]  # the hook's flatten runs outside leaves
    linear = records[2]
    assert (linear.input_shapes, linear.output_shape, linear.inputs_from) == ([(1, 4)], (1, 2), [1])
    handle.remove()


def test_a_failure_in_a_module_s_own_forward_names_that_module_from_the_traceback() -> None:
    class Block(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv = nn.Conv2d(1, 2, 3, padding=1)

        def forward(self, x):
            return self.conv(x) + x[:, :, :2]  # the shortcut does not match: raised in Block's own code

    model = nn.Sequential(nn.Identity(), Block())
    with pytest.raises(ValueError) as error:
        trace(model, torch.zeros(1, 1, 5, 5))
    message = str(error.value)
    assert "failed in layer '1' on an input of shape (1, 1, 5, 5)" in message
    assert "layer '1' (Block) received (1, 1, 5, 5)" in message
    assert "the last layer to finish was '1.conv', with output (1, 2, 5, 5)" in message


def test_leaf_arguments_are_passed_on_whatever_their_names_and_read_when_called() -> None:
    class Gate(nn.Module):
        def forward(self, x, entry=None):  # a keyword named like the wrapper's own first parameter
            return x if entry is None else x * entry

    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.pool, self.gate, self.linear = nn.AdaptiveAvgPool2d(1), Gate(), nn.Linear(2, 3)

        def forward(self, x):
            y = self.pool(x)
            y.squeeze_(-1).squeeze_(-1)  # an in-place change of shape between two leaves
            return self.linear(self.gate(y, entry=y))

    records = trace(Net(), torch.rand(1, 2, 4, 6)).records
    assert [(r.name, r.input_shapes, r.inputs_from) for r in records[1:]] == [
        ("gate", [(1, 2), (1, 2)], [0, 0]),
        ("linear", [(1, 2)], [1]),
    ]


def test_a_wrapper_kept_past_the_trace_only_calls_the_forward() -> None:
    class Caching(nn.Module):  # keeps its child's bound forward from the first call, which is the trace's
        def __init__(self) -> None:
            super().__init__()
            self.conv, self.cached = nn.Conv2d(1, 1, 1), None

        def forward(self, x):
            self.cached = self.cached or self.conv.forward
            return self.cached(x)

    model, x = Caching(), torch.rand(1, 1, 3, 3)
    first = trace(model, x)
    with torch.no_grad():
        expected = model.conv(x)
        assert torch.equal(model(x), expected) and len(first.records) == 1  # no record added after the trace
    assert "forward" not in vars(model.conv)


def test_an_error_re_raised_by_a_block_names_the_layer_inside_that_failed() -> None:
    class Wrapping(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.linear = nn.Linear(3, 2)

        def forward(self, x):
            try:
                return self.linear(x)
            except RuntimeError as error:
                raise ValueError("the block could not run its linear layer") from error

    with pytest.raises(ValueError) as error:
        trace(nn.Sequential(nn.Identity(), Wrapping()), torch.zeros(1, 1, 2, 2))
    assert "failed in layer '1.linear'" in str(error.value) and "(Linear) received (1, 1, 2, 2)" in str(
        error.value
    )
