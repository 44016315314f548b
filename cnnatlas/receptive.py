"""Receptive fields: which input pixels a unit of each layer can see, in theory and measured by gradients.

The theoretical field follows the model's real graph (``torch.fx``), so branches such as ResNet's
shortcut are merged where they meet: the field of a sum or concatenation is the union of its inputs'.
Coordinates are input pixel indices: unit ``i`` of a layer is centred on ``start + i * jump`` and sees
``size`` pixels around it.

Examples:
    >>> [f.size for f in receptive_fields(nn.Sequential(nn.Conv2d(1, 1, 3), nn.Conv2d(1, 1, 3)), (1, 1, 9, 9))]
    [(3, 3), (5, 5)]
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from dataclasses import dataclass

import torch
import torch.fx
from torch import nn

from .arith import layer_geometry
from .checks import (
    check_bool,
    check_float,
    check_model,
    check_non_negative_int,
    check_shape,
    check_str,
    check_tensor,
    describe,
)
from .forward import preserved_state, reported_forward

# Layers and functions that act on each position separately: the field passes through unchanged.
_POINTWISE_MODULES = (
    nn.ReLU, nn.ReLU6, nn.LeakyReLU, nn.GELU, nn.SiLU, nn.Sigmoid, nn.Tanh, nn.Hardswish, nn.Hardsigmoid,
    nn.ELU, nn.PReLU, nn.BatchNorm1d, nn.BatchNorm2d, nn.Dropout, nn.Dropout2d, nn.Identity,
)  # fmt: skip
_GLOBAL_MODULES = (nn.Flatten, nn.Linear, nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool2d, nn.AdaptiveAvgPool1d)
_MERGING_FUNCTIONS = {
    operator.add,
    operator.iadd,
    operator.mul,
    torch.add,
    torch.cat,
    torch.mul,
    operator.sub,
}
_GLOBAL_FUNCTIONS = {torch.flatten, torch.nn.functional.adaptive_avg_pool2d}
_GLOBAL_METHODS = {"view", "reshape", "flatten", "mean"}


@dataclass(frozen=True)
class ReceptiveField:
    """The receptive field of one layer's units, per spatial dimension (height, width).

    Attributes:
        name: The layer's qualified name in the model, e.g. ``"features.3"``.
        op: The layer's type, e.g. ``"Conv2d"`` or ``"MaxPool2d"``.
        size: Input pixels a unit sees, per dimension.
        jump: Input pixels between neighbouring units, per dimension.
        start: Centre of unit 0 in input pixels, per dimension (negative when padding puts it left of the
            image).
        whole_input: Whether every unit sees the whole input (after flatten, linear or global pooling).
    """

    name: str
    op: str
    size: tuple[int, ...]
    jump: tuple[int, ...]
    start: tuple[float, ...]
    whole_input: bool = False

    def __post_init__(self) -> None:
        check_str(self.name, "name", non_empty=False)
        check_str(self.op, "op", non_empty=False)
        check_shape(self.size, "size")
        check_shape(self.jump, "jump")
        if not isinstance(self.start, tuple) or len(self.start) != len(self.size):
            raise TypeError(
                f"start: expected a tuple of {len(self.size)} numbers, got {describe(self.start)}"
            )
        for value in self.start:
            check_float(value, "start")
        if len(self.jump) != len(self.size):
            raise ValueError(
                f"jump: expected {len(self.size)} sizes, as many as size {self.size}, got {self.jump}"
            )
        check_bool(self.whole_input, "whole_input")

    def box(self, index: Sequence[int]) -> tuple[tuple[float, float], ...]:
        """Return the (first, last) input pixel seen by unit ``index`` along each dim (may extend past the image).

        Examples:
            >>> ReceptiveField("c", "Conv2d", (3, 3), (1, 1), (1.0, 1.0)).box((0, 0))
            ((0.0, 2.0), (0.0, 2.0))
        """
        if isinstance(index, (str, bytes, torch.Tensor)) or not isinstance(index, Sequence):
            raise TypeError(f"index: expected a unit index such as (0, 0), got {describe(index)}")
        if len(index) != len(self.size):
            raise ValueError(f"index: expected {len(self.size)} ints (one per dimension), got {tuple(index)}")
        for i in index:
            check_non_negative_int(i, "index")
        return tuple(
            (c - (s - 1) / 2, c + (s - 1) / 2)
            for c, s in (
                (st + i * j, sz) for st, j, sz, i in zip(self.start, self.jump, self.size, index, strict=True)
            )
        )


def _apply_window(rf: ReceptiveField, name: str, op: str, geometry) -> ReceptiveField:
    kernel, stride, padding, dilation = geometry
    size, jump, start = [], [], []
    for s, j, st, k, sd, p, d in zip(
        rf.size, rf.jump, rf.start, kernel, stride, padding, dilation, strict=True
    ):
        span = d * (k - 1) + 1
        size.append(s + (span - 1) * j)
        start.append(st + ((span - 1) / 2 - p) * j)
        jump.append(j * sd)
    return ReceptiveField(name, op, tuple(size), tuple(jump), tuple(start))


def _union(name: str, op: str, fields: list[ReceptiveField]) -> ReceptiveField:
    if any(f.whole_input for f in fields):
        return ReceptiveField(name, op, fields[0].size, fields[0].jump, fields[0].start, True)
    jumps = {f.jump for f in fields}
    if len(jumps) > 1:
        raise ValueError(f"{name}: cannot merge branches whose units are {sorted(jumps)} pixels apart")
    low = [min(f.start[d] - (f.size[d] - 1) / 2 for f in fields) for d in range(len(fields[0].size))]
    high = [max(f.start[d] + (f.size[d] - 1) / 2 for f in fields) for d in range(len(fields[0].size))]
    size = tuple(int(round(h - lo)) + 1 for lo, h in zip(low, high, strict=True))
    start = tuple((lo + h) / 2 for lo, h in zip(low, high, strict=True))
    return ReceptiveField(name, op, size, fields[0].jump, start)


def _trace_graph(model: nn.Module) -> torch.fx.GraphModule:
    try:
        return torch.fx.symbolic_trace(model)
    except Exception as error:  # whatever tracing raised is reported, with context
        raise ValueError(
            f"{type(model).__name__} cannot be followed symbolically (torch.fx): {str(error).splitlines()[0]}; "
            "receptive fields need a forward without data-dependent control flow"
        ) from error


def receptive_fields(model: nn.Module, input_shape: Sequence[int]) -> list[ReceptiveField]:
    """Return the receptive field after every spatial layer, merge and global op of ``model``, in graph order.

    ``input_shape`` is (N, C, H, W): it fixes the whole-image size used once a layer is global.

    Examples:
        >>> fields = receptive_fields(nn.Sequential(nn.Conv2d(1, 1, 3, padding=2, dilation=2)), (1, 1, 7, 7))
        >>> fields[-1].size, fields[-1].start
        ((5, 5), (0.0, 0.0))
    """
    check_model(model)
    input_shape = check_shape(input_shape, "input_shape", rank=4, layout="(N, C, H, W)")
    image = tuple(input_shape[2:])
    graph = _trace_graph(model)
    fields: dict[torch.fx.Node, ReceptiveField] = {}
    result: list[ReceptiveField] = []
    whole = ReceptiveField("", "", image, (1, 1), tuple((s - 1) / 2 for s in image), True)

    def inputs_of(node: torch.fx.Node) -> list[ReceptiveField]:
        return [fields[a] for a in node.all_input_nodes if a in fields]

    for node in graph.graph.nodes:
        name = str(node.target) if node.op == "call_module" else node.name
        if node.op == "placeholder":
            fields[node] = ReceptiveField("input", "input", (1, 1), (1, 1), (0.0, 0.0))
            continue
        upstream = inputs_of(node)
        if not upstream or node.op == "output":
            continue
        if node.op == "call_module":
            module = graph.get_submodule(node.target)
            op = type(module).__name__
            geometry = layer_geometry(module)
            if geometry is not None and len(geometry[0]) == 2:
                rf = _apply_window(upstream[0], name, op, geometry)
            elif isinstance(module, _POINTWISE_MODULES):
                rf = ReceptiveField(
                    name, op, upstream[0].size, upstream[0].jump, upstream[0].start, upstream[0].whole_input
                )
            elif isinstance(module, _GLOBAL_MODULES):
                rf = ReceptiveField(name, op, whole.size, whole.jump, whole.start, True)
            else:
                raise ValueError(
                    f"{name}: no receptive-field rule for {op}; supported: conv, pooling, pointwise, global layers"
                )
            result.append(rf)
        elif node.target in _MERGING_FUNCTIONS and len(upstream) > 1:
            rf = _union(name, getattr(node.target, "__name__", str(node.target)), upstream)
            result.append(rf)
        elif node.target in _GLOBAL_FUNCTIONS or (
            node.op == "call_method" and node.target in _GLOBAL_METHODS
        ):
            rf = ReceptiveField(
                name,
                str(getattr(node.target, "__name__", node.target)),
                whole.size,
                whole.jump,
                whole.start,
                True,
            )
            result.append(rf)
        else:
            rf = upstream[0]
        fields[node] = rf
    return result


def gradient_field(
    model: nn.Module,
    x: torch.Tensor,
    layer: str,
    unit: Sequence[int] | None = None,
    channel: int | None = None,
) -> torch.Tensor:
    """Return |d output / d input| summed over input channels, an (H, W) map: the unit's effective field.

    ``layer`` names a module of ``model``; ``unit`` is the (row, col) of the output unit (default: the
    centre); ``channel`` the output channel (default: the sum over channels). Indices are non-negative and
    inside the layer's map (a negative one would silently pick a unit from the other end). The state of
    the model (each submodule's mode, each parameter's ``requires_grad``, hooks, grad mode) is restored
    afterwards; a failing forward is one ValueError naming the layer that failed.

    Examples:
        >>> net = nn.Sequential(nn.Conv2d(1, 1, 3), nn.Conv2d(1, 1, 3))
        >>> int((gradient_field(net, torch.rand(1, 1, 9, 9), "1") != 0).sum())
        25
        >>> gradient_field(net, torch.rand(1, 1, 9, 9), "1", unit=(5, 0))
        Traceback (most recent call last):
        ...
        ValueError: unit: expected a (row, col) inside layer '1''s (1, 1, 5, 5) output map (rows 0..4, cols 0..4), got (5, 0)
    """
    check_model(model)
    check_tensor(x, "x", rank=4, floating=True, layout="NCHW")
    check_str(layer, "layer", non_empty=False)
    modules = dict(model.named_modules())
    if layer not in modules:
        known = ", ".join(repr(n) for n in modules if n)
        raise ValueError(
            f"layer: expected a module of {type(model).__name__} ({known}), got {layer!r}: not a module"
        )
    if unit is not None:
        if isinstance(unit, (str, bytes, torch.Tensor)) or not isinstance(unit, Sequence) or len(unit) != 2:
            raise TypeError(f"unit: expected a (row, col) pair of ints, got {describe(unit)}")
        row, col = (check_non_negative_int(i, f"unit[{k}]") for k, i in enumerate(unit))
    if channel is not None:
        check_non_negative_int(channel, "channel")
    captured: dict[str, object] = {}
    # Gradients are wanted even when the caller is under torch.no_grad() or torch.inference_mode().
    with torch.inference_mode(False):
        x = x.detach().clone().requires_grad_(True)
        with preserved_state(model) as handles:
            # A copy, so that an in-place op after the layer (nn.ReLU(inplace=True)) does not become part of it.
            handles.append(
                modules[layer].register_forward_hook(
                    lambda _m, _i, out: captured.__setitem__(
                        "out", out.clone() if isinstance(out, torch.Tensor) else out
                    )
                )
            )
            model.eval()
            for p in model.parameters():
                p.requires_grad_(False)
            torch.set_grad_enabled(True)
            with reported_forward(model, x):
                model(x)
            if "out" not in captured:
                raise ValueError(
                    f"layer: expected a layer that the forward of {type(model).__name__} calls, got {layer!r}: "
                    f"never called on an input of shape {tuple(x.shape)}"
                )
            out = captured["out"]
            if not isinstance(out, torch.Tensor) or out.dim() != 4:
                raise ValueError(
                    f"layer: expected a layer that outputs an (N, C, H, W) map, got {layer!r}, "
                    f"which outputs {describe(out)}"
                )
            if not out.requires_grad:
                raise ValueError(
                    f"layer: expected a layer whose output depends on x, got {layer!r}: no gradient flows"
                )
            shape = tuple(out.shape)
            if unit is None:
                row, col = shape[2] // 2, shape[3] // 2
            elif row >= shape[2] or col >= shape[3]:
                raise ValueError(
                    f"unit: expected a (row, col) inside layer {layer!r}'s {shape} output map "
                    f"(rows 0..{shape[2] - 1}, cols 0..{shape[3] - 1}), got {tuple(unit)}"
                )
            if channel is not None and channel >= shape[1]:
                raise ValueError(
                    f"channel: expected a channel of layer {layer!r}'s {shape} output (0..{shape[1] - 1}), got {channel}"
                )
            target = out[0, :, row, col] if channel is None else out[0, channel, row, col]
            target.sum().backward()
        if x.grad is None:
            raise ValueError(
                f"layer: expected a layer whose output depends on x, got {layer!r}: no gradient flows"
            )
        return x.grad[0].abs().sum(0)
