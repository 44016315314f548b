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
from contextlib import nullcontext
from dataclasses import dataclass, field
from types import MethodType

import torch
from torch import nn
from torch._C import (
    DisableTorchFunction,
    _get_function_stack_at,
    _len_torch_function_stack,
    _pop_torch_function_stack,
    _push_on_torch_function_stack,
)
from torch.overrides import TorchFunctionMode

from .checks import check_bool, check_choice, check_int, check_shape, check_str, check_tensor, describe
from .forward import (
    ForwardWatch,
    check_model,
    entered_when_raised,
    forward_failure,
    preserved_state,
    walk_modules,
)

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
    """One call recorded by [`trace()`][cnnatlas.trace.trace].

    Attributes:
        index: The call's position in the forward pass, from 0.
        name: The module's qualified name (``"features.0"``; ``"(model)"`` for the model itself), or the
            function's name for a function call.
        kind: ``"module"`` or ``"function"``.
        layer_type: The module's class name (``"Conv2d"``) or the function's name (``"add"``).
        input_shapes: The shape of each tensor the call received.
        output_shape: The shape of the tensor it returned.
        dtype: The output's dtype, e.g. ``"float32"``.
        params: Parameters the module holds itself, not its children's (a shared tensor counted once, under
            the first module holding it); 0 for a function.
        macs: Multiply-accumulates of the call.
        memory_format: The output's memory layout: ``"contiguous"``, ``"channels_last"`` or ``"strided"``.
        inputs_from: For each input, the index of the record that produced it; -1 for the model's input (or a
            tensor no recorded call made).
    """

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
    """The records of one forward pass, with totals and table views.

    Attributes:
        model_name: The traced model's class name.
        input_shape: The shape of the input it was traced with.
        records: One [`LayerRecord`][cnnatlas.trace.LayerRecord] per call, in the order they ran.
        total_params: The model's parameters, a shared tensor counted once.
    """

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


_RULE_KINDS: dict[type, bool] = {}  # module class -> whether it may have MACs (Conv, ConvTranspose, Linear)


def _macs_rule(module: nn.Module) -> tuple[str, int]:
    """How a module's MACs follow from its shapes: per output element, per input element, or none."""
    kind = _RULE_KINDS.get(type(module))
    if kind is None:
        kind = _RULE_KINDS[type(module)] = isinstance(module, (nn.Conv1d, nn.Conv2d, nn.ConvTranspose1d,
                                                               nn.ConvTranspose2d, nn.Linear))  # fmt: skip
    if not kind:
        return "", 0
    if isinstance(module, (nn.Conv1d, nn.Conv2d)):
        return "output", module.in_channels // module.groups * math.prod(module.kernel_size)
    if isinstance(module, (nn.ConvTranspose1d, nn.ConvTranspose2d)):
        return "input", module.out_channels // module.groups * math.prod(module.kernel_size)
    if isinstance(module, nn.Linear):
        return "output", module.in_features
    return "", 0


def _memory_format(t: torch.Tensor) -> str:
    if t.is_contiguous():
        return "contiguous"
    if t.dim() == 4 and t.is_contiguous(memory_format=torch.channels_last):
        return "channels_last"
    return "strided"


_DTYPE_NAMES: dict[torch.dtype, str] = {}
_new = object.__new__
_NONE = object()  # a module whose instance __dict__ held no "forward" before the trace


class _Tracer(TorchFunctionMode):
    """Records leaf module calls (through each leaf's ``forward``, wrapped) and functional ops (this mode).

    ``trace`` puts a wrapper in the instance ``__dict__`` of each leaf module of the model for the call and
    takes it out afterwards: unlike hooks, a wrapper keeps torch's fast path for calling a module (modules
    with children are not touched at all), and it sees what the leaf's ``forward`` itself received and
    returned. A wrapper is ``call_leaf`` bound to the leaf's entry (``types.MethodType``, cheaper to make
    than a closure): it takes this mode off the stack while the leaf runs (the leaf's own torch calls then
    run without the mode at all) and records the call. Outside leaves the mode records the functional
    operations of ``_FUNCTIONS``. The bookkeeping runs with this mode off, so that reading shapes is not
    itself recorded. Where a failed forward was is read from its traceback afterwards
    ([`entered_when_raised()`][cnnatlas.forward.entered_when_raised]). A wrapper that something kept past
    the trace (a cached bound ``forward``, a copy of the module made during the call) only calls the
    forward it wraps, since ``active`` is then False.
    """

    def __init__(self) -> None:
        super().__init__()
        self.records: list[LayerRecord] = []
        # id(tensor) -> (weak reference, record index). Weak, so that intermediate tensors are freed as in a
        # plain forward (keeping them alive costs fresh allocations); the reference tells a reused id apart.
        self.producer: dict[int, tuple[weakref.ref, int]] = {}
        self.depth = 0  # leaves running while this mode could not be taken off the stack
        self.popped = False  # whether this mode is off the stack while a leaf module runs
        self.active = True  # False once the trace is over: a wrapper kept beyond it only calls the forward
        self.call_leaf = self._call_leaf()

    def __torch_function__(self, func, types, args=(), kwargs=None):
        out = func(*args, **kwargs) if kwargs else func(*args)
        if self.depth:
            return out
        op = _FUNCTIONS.get(func)
        if op is not None and isinstance(out, torch.Tensor):
            tensors = [a for a in args if isinstance(a, torch.Tensor)]
            tensors += [
                t for a in args if isinstance(a, (list, tuple)) for t in a if isinstance(t, torch.Tensor)
            ]
            self.add(op, op, "function", tensors, out, 0, 0)  # torch runs this handler with the mode off
        return out

    def add(self, name, type_, kind, inputs, output, params, macs) -> None:
        """Append the record of one call: ``inputs`` (tensors) gave ``output``."""
        producer = self.producer
        sources = []
        for t in inputs:
            entry = producer.get(id(t))
            sources.append(entry[1] if entry is not None and entry[0]() is t else -1)
        dtype = _DTYPE_NAMES.get(output.dtype)
        if dtype is None:
            dtype = _DTYPE_NAMES[output.dtype] = str(output.dtype).removeprefix("torch.")
        records = self.records
        index = len(records)
        record = _new(LayerRecord)  # the fields' types hold by construction: no __post_init__ checks
        record.__dict__ = {
            "index": index, "name": name, "kind": kind, "layer_type": type_,
            "input_shapes": [tuple(t.shape) for t in inputs], "output_shape": tuple(output.shape), "dtype": dtype,
            "params": params, "macs": macs, "memory_format": _memory_format(output), "inputs_from": sources,
        }  # fmt: skip
        records.append(record)
        producer[id(output)] = (weakref.ref(output), index)

    def wrap(self, name: str, module: nn.Module, forward, params: int) -> MethodType:
        """The wrapper of the leaf ``module``'s ``forward``: it records each call, with ``params`` and MACs."""
        rule, factor = _macs_rule(module)
        entry = (name, forward, name or "(model)", type(module).__name__, params, rule, factor)
        return MethodType(self.call_leaf, entry)

    def _call_leaf(self):
        """The body of every leaf's wrapper, a closure over this tracer (made once per trace, bound per leaf)."""
        tracer, add = self, self.add

        def call_leaf(entry, /, *args, **kwargs):
            name, forward, label, type_, params, rule, factor = entry
            if not tracer.active:  # kept by something (a copy, a cached bound method) past the trace
                return forward(*args, **kwargs)
            top = _len_torch_function_stack() - 1
            popped = top >= 0 and _get_function_stack_at(top) is tracer
            if popped:
                _pop_torch_function_stack()
                tracer.popped = True
            else:
                tracer.depth += 1
            output = forward(*args, **kwargs)
            if not popped:
                tracer.depth -= 1
            if isinstance(output, torch.Tensor):
                tensors = [t for t in args if isinstance(t, torch.Tensor)]
                if kwargs:
                    tensors += [t for t in kwargs.values() if isinstance(t, torch.Tensor)]
                if rule == "output":
                    macs = output.numel() * factor
                elif rule == "input" and tensors:
                    macs = tensors[0].numel() * factor
                else:
                    macs = 0
                if popped:
                    add(label, type_, "module", tensors, output, params, macs)
                else:
                    with DisableTorchFunction():
                        add(label, type_, "module", tensors, output, params, macs)
            if popped:
                _push_on_torch_function_stack(tracer)
                tracer.popped = False
            return output

        return call_leaf

    def restore(self) -> None:
        """Put the mode back on the stack if a leaf module took it off."""
        if self.popped:
            _push_on_torch_function_stack(self)
            self.popped = False


def trace(model: nn.Module, x: torch.Tensor) -> Trace:
    """Run ``model`` once on the NCHW batch ``x`` and return a [`Trace`][cnnatlas.trace.Trace] of what flowed through it.

    During the call each leaf module's ``forward`` is wrapped (an entry in the module's own ``__dict__``,
    taken out afterwards, when one it had before is put back); no hook is registered, and modules with
    children and modules outside ``model`` run as they are. A record therefore shows what the leaf's
    ``forward`` received (after the module's own pre-hooks) and returned (before its own hooks). Each
    submodule's mode is restored afterwards, also when the forward fails; a failing forward, whatever it
    raises, is re-raised as one ValueError naming the model, the input shape, the layer that failed and
    the shapes it received.

    Examples:
        >>> [r.layer_type for r in trace(cnnatlas.ResidualBlock(8, 16, stride=2), torch.zeros(1, 8, 8, 8)).records][-3:]
        ['BatchNorm2d', 'add', 'relu']
    """
    check_model(model)
    check_tensor(x, "x", rank=4, floating=True, layout="NCHW", finite=False)
    if not bool(torch.isfinite(x.sum())):  # NaN and Inf propagate into a sum; the entry-wise check says which
        check_tensor(x, "x", rank=4, floating=True, layout="NCHW")
    # one walk: each module's name, leafness (no children), own parameters (each tensor counted once, under
    # the first module that holds it) and MAC rule, and its forward wrapped; ``_modules``/``_parameters`` are
    # what ``children()`` and ``parameters(recurse=False)`` read, without a generator per module
    tracer = _Tracer()
    seen: set[int] = set()
    # per wrapped leaf: its __dict__, the "forward" it held there before (or _NONE), the wrapper
    wrapped: list[tuple[dict, object, MethodType]] = []
    total = 0
    training = False
    try:
        for name, module in walk_modules(model):
            if module.training:
                training = True
            own = 0
            for p in module._parameters.values():
                if p is not None and id(p) not in seen:
                    seen.add(id(p))
                    own += p.numel()
            total += own
            if module._modules and any(child is not None for child in module._modules.values()):
                continue  # a module with children: its leaves and the mode record what it does
            forward = getattr(module, "forward", None)
            if forward is None:
                continue  # a forward that cannot be read (a property that raises): nothing to wrap, nor to call
            state = module.__dict__
            wrapper = tracer.wrap(name, module, forward, own)
            wrapped.append((state, state.get("forward", _NONE), wrapper))
            state["forward"] = wrapper
        # a model already in eval mode everywhere is not changed (no mode, no requires_grad; torch.no_grad
        # restores the grad mode): the walks of preserved_state are then saved
        with preserved_state(model) if training else nullcontext():
            if training:
                model.eval()
            try:
                with torch.no_grad(), tracer:
                    try:
                        model(x)
                    finally:
                        tracer.restore()  # a leaf that raised left the mode off the stack
            except Exception as error:  # whatever the model raised is reported, with context
                watch = ForwardWatch()
                watch.entered = entered_when_raised(error, model)
                if tracer.records:  # the last module or function that returned a tensor, and its shape
                    last = tracer.records[-1]
                    watch.finished = (last.name, torch.Size(last.output_shape))
                raise forward_failure(model, x, error, watch=watch) from error
    finally:
        tracer.active = False
        for state, before, wrapper in reversed(wrapped):
            if state.get("forward") is not wrapper:
                continue  # the module set a forward of its own during the call: it stays
            if before is _NONE:
                del state["forward"]
            else:
                state["forward"] = before
    return Trace(type(model).__name__, tuple(x.shape), tracer.records, total)
