"""What flowed through a model: every module call and the functional operations that change shapes.

``trace(model, x)`` runs the model once (eval mode, no gradients) and records, in call order, each leaf
module and each residual add, concatenation, flatten or reshape done in a ``forward``: name, type, input
and output shapes, dtype, parameters (each tensor counted once, even when a module is reused), MACs
and memory format, plus which earlier record produced each input, so that branches can be drawn.

Examples:
    >>> t = trace(cnnatlas.LeNet(), torch.zeros(1, 1, 28, 28))
    >>> t.records[0].output_shape, t.total_params
    ((1, 6, 28, 28), 61706)
"""

from __future__ import annotations

import math
import operator
import weakref
from dataclasses import dataclass, field

import torch
from torch import nn
from torch.overrides import TorchFunctionMode

from .checks import check_bool, check_choice, check_int, check_shape, check_str, check_tensor, describe
from .forward import check_model, preserved_state, reported_forward

_FUNCTIONS = {
    torch.add: "add", torch.Tensor.add: "add", torch.Tensor.__add__: "add", torch.Tensor.__iadd__: "add",
    torch.Tensor.__radd__: "add", torch.Tensor.add_: "add", operator.add: "add",
    torch.mul: "mul", torch.Tensor.__mul__: "mul", torch.Tensor.mul: "mul",
    torch.cat: "cat", torch.concat: "cat", torch.stack: "stack",
    torch.flatten: "flatten", torch.Tensor.flatten: "flatten",
    torch.Tensor.view: "view", torch.Tensor.reshape: "reshape", torch.reshape: "reshape",
    torch.Tensor.permute: "permute", torch.permute: "permute", torch.transpose: "transpose",
    torch.Tensor.transpose: "transpose", torch.nn.functional.relu: "relu", torch.relu: "relu",
    torch.nn.functional.adaptive_avg_pool2d: "adaptive_avg_pool2d", torch.nn.functional.interpolate: "interpolate",
}  # fmt: skip


@dataclass
class LayerRecord:
    """One call recorded by [`trace()`][cnnatlas.trace.trace]."""

    index: int
    name: str
    kind: str  # "module" or "function"
    layer_type: str  # the module's class name ("Conv2d") or the function's name ("add")
    input_shapes: list[tuple[int, ...]]
    output_shape: tuple[int, ...]
    dtype: str
    params: int
    macs: int
    memory_format: str
    inputs_from: list[int] = field(default_factory=list)  # record indices; -1 is the model input

    def __post_init__(self) -> None:
        check_int(self.index, "index", minimum=0)
        check_str(self.name, "name")
        check_choice(self.kind, "kind", ("module", "function"))
        check_str(self.layer_type, "layer_type")
        if not isinstance(self.input_shapes, list):
            raise TypeError(f"input_shapes: expected a list of shapes, got {describe(self.input_shapes)}")
        if not isinstance(self.output_shape, tuple):
            raise TypeError(f"output_shape: expected a tuple, got {describe(self.output_shape)}")
        check_str(self.dtype, "dtype")
        check_int(self.params, "params", minimum=0)
        check_int(self.macs, "macs", minimum=0)
        check_str(self.memory_format, "memory_format")
        if not isinstance(self.inputs_from, list):
            raise TypeError(
                f"inputs_from: expected a list of record indices, got {describe(self.inputs_from)}"
            )


@dataclass
class Trace:
    """The records of one forward pass, with totals and table views."""

    model_name: str
    input_shape: tuple[int, ...]
    records: list[LayerRecord]
    total_params: int

    def __post_init__(self) -> None:
        check_str(self.model_name, "model_name")
        check_shape(self.input_shape, "input_shape")
        if not isinstance(self.records, list) or not all(isinstance(r, LayerRecord) for r in self.records):
            raise TypeError(f"records: expected a list of LayerRecord, got {describe(self.records)}")
        check_int(self.total_params, "total_params", minimum=0)

    @property
    def total_macs(self) -> int:
        return sum(r.macs for r in self.records)

    def table(self, markdown: bool = False) -> str:
        """Return a text (or markdown) table: one row per record, then the totals.

        Examples:
            >>> print(trace(nn.Conv2d(1, 2, 3), torch.zeros(1, 1, 5, 5)).table())  # doctest: +NORMALIZE_WHITESPACE
            #  name  type    input         output        params  MACs
            0  (model) Conv2d (1, 1, 5, 5) (1, 2, 3, 3) 20 162
            total params 20, MACs 162
        """
        check_bool(markdown, "markdown")
        header = ["#", "name", "type", "input", "output", "params", "MACs"]
        rows = [
            [str(r.index), r.name, r.layer_type, " + ".join(str(s) for s in r.input_shapes), str(r.output_shape),
             f"{r.params:,}", f"{r.macs:,}"]
            for r in self.records
        ]  # fmt: skip
        totals = f"total params {self.total_params:,}, MACs {self.total_macs:,}"
        if markdown:
            lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
            lines += ["| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in rows]
            return "\n".join(lines) + f"\n\n{totals}"
        widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(header)]
        fmt = "  ".join(f"{{:<{w}}}" for w in widths)
        return "\n".join([fmt.format(*header), *(fmt.format(*row) for row in rows), totals])


def _macs(module: nn.Module, inputs: tuple, output: torch.Tensor) -> int:
    if isinstance(module, (nn.Conv1d, nn.Conv2d)):
        per_output = module.in_channels // module.groups * math.prod(module.kernel_size)
        return output.numel() * per_output
    if isinstance(module, (nn.ConvTranspose1d, nn.ConvTranspose2d)):
        per_input = module.out_channels // module.groups * math.prod(module.kernel_size)
        return inputs[0].numel() * per_input
    if isinstance(module, nn.Linear):
        return output.numel() * module.in_features
    return 0


def _memory_format(t: torch.Tensor) -> str:
    if t.dim() == 4 and not t.is_contiguous() and t.is_contiguous(memory_format=torch.channels_last):
        return "channels_last"
    return "contiguous" if t.is_contiguous() else "strided"


class _Recorder(TorchFunctionMode):
    """Records functional ops called outside leaf modules (inside leaf modules, depth > 0)."""

    def __init__(self, tracer: _Tracer) -> None:
        super().__init__()
        self.tracer = tracer

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        out = func(*args, **kwargs)
        op = _FUNCTIONS.get(func)
        if op is not None and self.tracer.leaf_depth == 0 and isinstance(out, torch.Tensor):
            tensors = [a for a in args if isinstance(a, torch.Tensor)]
            tensors += [
                t for a in args if isinstance(a, (list, tuple)) for t in a if isinstance(t, torch.Tensor)
            ]
            self.tracer.record(op, op, "function", tensors, out, params=0, macs=0)
        return out


class _Tracer:
    def __init__(self) -> None:
        self.records: list[LayerRecord] = []
        # id(tensor) -> (weak reference, record index). Weak, so that intermediate tensors are freed as in a
        # plain forward (keeping them alive costs fresh allocations); the reference tells a reused id apart.
        self.producer: dict[int, tuple[weakref.ref, int]] = {}
        self.leaf_depth = 0

    def record(self, name, type_, kind, inputs, output, params, macs) -> None:
        index = len(self.records)
        sources = [self.source_of(t) for t in inputs]
        self.records.append(LayerRecord(
            index=index, name=name, kind=kind, layer_type=type_, input_shapes=[tuple(t.shape) for t in inputs],
            output_shape=tuple(output.shape), dtype=str(output.dtype).removeprefix("torch."), params=params,
            macs=macs, memory_format=_memory_format(output), inputs_from=sources,
        ))  # fmt: skip
        self.producer[id(output)] = (weakref.ref(output), index)

    def source_of(self, tensor: torch.Tensor) -> int:
        entry = self.producer.get(id(tensor))
        return entry[1] if entry is not None and entry[0]() is tensor else -1


def trace(model: nn.Module, x: torch.Tensor) -> Trace:
    """Run ``model`` once on the NCHW batch ``x`` and return a [`Trace`][cnnatlas.trace.Trace] of what flowed through it.

    Hooks are removed and each submodule's mode restored afterwards, also when the forward fails; a failing
    forward, whatever it raises, is re-raised as one ValueError naming the model, the input shape, the
    layer that failed and the shapes it received.

    Examples:
        >>> [r.layer_type for r in trace(cnnatlas.ResidualBlock(8, 16, stride=2), torch.zeros(1, 8, 8, 8)).records][-3:]
        ['BatchNorm2d', 'add', 'relu']
    """
    check_model(model)
    check_tensor(x, "x", rank=4, floating=True, layout="NCHW")
    tracer = _Tracer()
    seen: set[int] = set()
    counted: dict[str, int] = {}
    for name, module in model.named_modules():
        own = [p for p in module.parameters(recurse=False) if id(p) not in seen]
        seen.update(id(p) for p in own)
        counted[name] = sum(p.numel() for p in own)
    leaves = {name: m for name, m in model.named_modules() if not list(m.children())}

    def pre_hook(name):
        def hook(_module, _inputs):
            tracer.leaf_depth += 1

        return hook

    def post_hook(name):
        def hook(module, inputs, output):
            tracer.leaf_depth -= 1
            if isinstance(output, torch.Tensor):
                tensors = [t for t in inputs if isinstance(t, torch.Tensor)]
                tracer.record(name or "(model)", type(module).__name__, "module", tensors, output,
                              counted.get(name, 0), _macs(module, inputs, output))  # fmt: skip

        return hook

    with preserved_state(model) as handles:
        for name, module in leaves.items():
            handles.append(module.register_forward_pre_hook(pre_hook(name)))
            handles.append(module.register_forward_hook(post_hook(name)))
        model.eval()
        with torch.no_grad(), reported_forward(model, x), _Recorder(tracer):
            model(x)
    return Trace(type(model).__name__, tuple(x.shape), tracer.records, sum(counted.values()))
