"""Forward passes that leave the model as they found it, and what layers output during them.

[`preserved_state()`][cnnatlas.forward.preserved_state] is the one place that saves and restores a model around a look inside it: every
submodule's own train/eval flag, every parameter's ``requires_grad``, and every hook registered inside
the block (removed, also when the forward raises). [`run_model()`][cnnatlas.forward.run_model], [`capture()`][cnnatlas.forward.capture],
[`trace()`][cnnatlas.trace.trace], [`gradient_field()`][cnnatlas.receptive.gradient_field] and
[`evaluate()`][cnnatlas.train.evaluate] all use it. A forward that fails is re-raised by [`forward_failure()`][cnnatlas.forward.forward_failure]
as a ValueError that names the model, the input and what the model expects.

Examples:
    >>> outputs = layer_outputs(cnnatlas.LeNet(), torch.zeros(1, 1, 28, 28))
    >>> outputs["0"].shape
    torch.Size([1, 6, 28, 28])
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

import torch
from torch import nn
from torch.nn.modules.module import register_module_forward_hook, register_module_forward_pre_hook
from torch.utils.hooks import RemovableHandle

from .checks import check_model, check_names, check_str, check_tensor, describe

FORWARD_ERRORS = (Exception,)
"""What a forward may raise and is re-raised with context by [`forward_failure()`][cnnatlas.forward.forward_failure]: anything (a RuntimeError on
a shape mismatch, the AssertionError of ``torch._assert``, ...); [`reported_forward()`][cnnatlas.forward.reported_forward] does it for you."""


def walk_modules(model: nn.Module) -> list[tuple[str, nn.Module]]:
    """Return ``model.named_modules()`` as a list (same names, same order, each module once), made faster.

    A recursion over ``_modules`` (what ``named_modules`` reads) that makes no generator per module and
    no prefix for modules without children: the setup of a look inside a model with hundreds of modules then
    costs little next to its forward.

    Examples:
        >>> [name for name, _ in walk_modules(cnnatlas.ResidualBlock(8, 16, stride=2))][:4]
        ['', 'conv1', 'bn1', 'conv2']
        >>> net = cnnatlas.LeNet()
        >>> walk_modules(net) == list(net.named_modules())
        True
    """
    check_model(model)
    walked: list[tuple[str, nn.Module]] = [("", model)]
    seen = {id(model)}

    def visit(prefix: str, module: nn.Module) -> None:  # named_modules' order: depth first, parents first
        for key, child in module._modules.items():
            if child is None or id(child) in seen:
                continue
            seen.add(id(child))
            name = prefix + key
            walked.append((name, child))
            if child._modules:
                visit(name + ".", child)

    if model._modules:
        visit("", model)
    return walked


@contextmanager
def hooks_removed_after() -> Iterator[list[RemovableHandle]]:
    """Yield a list for hook handles; remove each when the block ends, also when it raises.

    Examples:
        >>> layer = nn.ReLU()
        >>> with hooks_removed_after() as handles:
        ...     handles.append(layer.register_forward_hook(lambda *args: None))
        >>> len(layer._forward_hooks)
        0
    """
    handles: list[RemovableHandle] = []
    try:
        yield handles
    finally:
        for handle in handles:
            handle.remove()


@contextmanager
def preserved_state(model: nn.Module) -> Iterator[list[RemovableHandle]]:
    """Inside the block, change modes, ``requires_grad``, grad mode and hooks freely; afterwards all are restored.

    Yields a list: append each hook handle registered inside, and it is removed when the block ends. Each
    submodule gets back its own training flag (a frozen BatchNorm in eval mode inside a model in training
    mode stays in eval mode), each parameter its ``requires_grad``, and autograd its grad mode
    (``torch.is_grad_enabled()``); also when the block raises.

    Examples:
        >>> net = nn.Sequential(nn.Conv2d(1, 1, 3), nn.BatchNorm2d(1)).train()
        >>> _ = net[1].eval()
        >>> with preserved_state(net) as handles:
        ...     _ = net.eval()
        >>> net.training, net[1].training
        (True, False)
    """
    check_model(model)
    modes = [(module, module.training) for _, module in walk_modules(model)]
    # each module's own parameters (what parameters() walks, without a generator per module)
    grads = [
        (p, p.requires_grad) for module, _ in modes for p in module._parameters.values() if p is not None
    ]
    grad_enabled = torch.is_grad_enabled()
    try:
        with hooks_removed_after() as handles:
            yield handles
    finally:
        for module, training in modes:
            if module.training != training:  # setting an attribute of a module is slow: only what changed
                module.training = training
        for parameter, requires_grad in grads:
            if parameter.requires_grad != requires_grad:
                parameter.requires_grad_(requires_grad)
        torch.set_grad_enabled(grad_enabled)


def select_modules(model: nn.Module, layers: Iterable[str] | None) -> dict[str, nn.Module]:
    """Return the named modules ``layers`` of ``model`` (default: every leaf module), or say which are unknown.

    ``layers`` is a sequence of names: a lone string such as ``"12"`` is refused (it would read as
    ``["1", "2"]``).

    Examples:
        >>> list(select_modules(cnnatlas.LeNet(), ["0", "3"]))
        ['0', '3']
    """
    named = dict(check_model(model).named_modules())
    if layers is None:
        return {name: module for name, module in named.items() if name and not list(module.children())}
    chosen = check_names(layers, "layers")
    unknown = [name for name in chosen if name not in named]
    if unknown:
        known = ", ".join(n for n in named if n)
        raise ValueError(
            f"layers: {unknown} are not modules of {type(model).__name__}; its modules are: {known}"
        )
    return {name: named[name] for name in chosen}


@contextmanager
def capture(model: nn.Module, layers: Iterable[str] | None = None) -> Iterator[dict[str, torch.Tensor]]:
    """Record the output of each chosen layer (default: every leaf module) during the forward passes inside.

    Each output is stored as a copy (``detach().clone()``): a later in-place operation, such as an
    ``nn.ReLU(inplace=True)`` after a convolution, does not change what the layer output. The hooks are
    removed when the block ends, also when the forward raises.

    Examples:
        >>> net = cnnatlas.LeNet()
        >>> with capture(net, ["0", "2"]) as outputs:
        ...     _ = net(torch.zeros(1, 1, 28, 28))
        >>> {k: tuple(v.shape) for k, v in outputs.items()}
        {'0': (1, 6, 28, 28), '2': (1, 6, 14, 14)}
    """
    modules = select_modules(model, layers)
    outputs: dict[str, torch.Tensor] = {}

    def hook_for(name: str):
        def hook(_module: nn.Module, _inputs: tuple, output: object) -> None:
            if isinstance(output, torch.Tensor):
                outputs[name] = output.detach().clone()

        return hook

    with preserved_state(model) as handles:
        for name, module in modules.items():
            handles.append(module.register_forward_hook(hook_for(name)))
        yield outputs


def first_conv(model: nn.Module) -> nn.Conv2d | None:
    """Return the first ``nn.Conv2d`` of ``model`` (what its input must fit), or None.

    Examples:
        >>> first_conv(cnnatlas.LeNet()).in_channels
        1
    """
    check_model(model)
    return next((m for m in model.modules() if isinstance(m, nn.Conv2d)), None)


def _shapes(values: object) -> str:
    """``"(1, 6, 14, 14)"`` for a tensor or a ``torch.Size``, ``"(1, 2) + (1, 3)"`` for several, else ``"no tensor"``."""
    if isinstance(values, torch.Size):
        return str(tuple(values))
    items = values if isinstance(values, (tuple, list)) else (values,)
    shapes = [str(tuple(v.shape)) for v in items if isinstance(v, torch.Tensor)]
    return " + ".join(shapes) if shapes else "no tensor"


class ForwardWatch:
    """What a forward had reached when it stopped: the modules entered and not left, the last one left.

    It keeps the inputs and the output as they came (shapes are written out only when a failure is
    reported), so that watching costs a forward little. [`reported_forward()`][cnnatlas.forward.reported_forward]'s
    hooks fill it as the forward runs; ``trace`` fills it only after a failure, from
    [`entered_when_raised()`][cnnatlas.forward.entered_when_raised] and its last record.
    """

    def __init__(self) -> None:
        self.entered: list[tuple[str, nn.Module, object]] = []  # (name, module, its inputs)
        self.finished: tuple[str, object] | None = None  # (name, output) of the last module left

    def enter(self, name: str, module: nn.Module, inputs: object) -> None:
        """Record entering the module ``name`` with ``inputs``."""
        self.entered.append((name, module, inputs))

    def leave(self, name: str, output: object) -> None:
        """Record leaving the module ``name`` with ``output``."""
        entered = self.entered
        while entered and entered[-1][0] != name:
            entered.pop()  # a module whose own forward caught an error inside
        if entered:
            entered.pop()
        self.finished = (name, output)


def entered_when_raised(error: BaseException, model: nn.Module) -> list[tuple[str, nn.Module, object]]:
    """The modules of ``model`` that were running when ``error`` was raised, outermost first, with their inputs.

    Read from the traceback: each frame of torch's ``Module._call_impl`` holds the module called and the
    positional arguments it received, so a forward needs no hook to be explained once it has failed. An
    error raised while handling another (``raise ... from error`` in a block that caught it) goes on with
    the frames of the one it handled, which lie deeper; a child whose error was caught and dropped is not
    on the path.

    Examples:
        >>> net = nn.Sequential(nn.Conv2d(1, 2, 3), nn.Linear(5, 2))
        >>> try:
        ...     net(torch.zeros(1, 1, 8, 8))
        ... except RuntimeError as error:
        ...     [(name, type(module).__name__, tuple(inputs[0].shape)) for name, module, inputs in entered_when_raised(error, net)]
        [('', 'Sequential', (1, 1, 8, 8)), ('1', 'Linear', (1, 2, 6, 6))]
    """
    if not isinstance(error, BaseException):
        raise TypeError(f"error: expected an exception, got {describe(error)}")
    names = {id(module): name for name, module in walk_modules(model)}
    code = nn.Module._call_impl.__code__
    entered = []
    seen: set[int] = set()
    cause: BaseException | None = error
    while cause is not None and id(cause) not in seen:  # then the error it handled, whose frames lie deeper
        seen.add(id(cause))
        tb = cause.__traceback__
        while tb is not None:
            frame = tb.tb_frame
            if frame.f_code is code:
                called = frame.f_locals.get("self")
                name = names.get(id(called))
                if name is not None:
                    entered.append((name, called, frame.f_locals.get("args", ())))
            tb = tb.tb_next
        cause = cause.__cause__ or (None if cause.__suppress_context__ else cause.__context__)
    return entered


def forward_failure(
    model: nn.Module,
    x: torch.Tensor,
    error: BaseException,
    layer: str | None = None,
    watch: ForwardWatch | None = None,
) -> ValueError:
    """Return a ValueError explaining a failed forward: model, layer, shapes seen, what it expects, the error.

    ``watch`` (from [`reported_forward()`][cnnatlas.forward.reported_forward]'s hooks, or filled by ``trace`` from
    [`entered_when_raised()`][cnnatlas.forward.entered_when_raised] and its last record) tells the layer that failed,
    the shapes it received and the last layer that finished; without it, ``layer`` names the layer.

    Examples:
        >>> str(forward_failure(cnnatlas.LeNet(), torch.zeros(1, 3, 28, 28), RuntimeError("boom"), "0"))[:40]
        "LeNet failed in layer '0' on an input of"
    """
    check_tensor(x, "x", finite=False, non_empty=False)
    if not isinstance(error, BaseException):
        raise TypeError(f"error: expected an exception, got {describe(error)}")
    if layer is not None:
        check_str(layer, "layer", non_empty=False)
    if watch is not None and not isinstance(watch, ForwardWatch):
        raise TypeError(f"watch: expected a ForwardWatch or None, got {describe(watch)}")
    conv = first_conv(model)
    details = ""
    if watch is not None and watch.entered:
        name, module, received = watch.entered[-1]
        layer = name or None
        if name:
            details = f"; layer {name!r} ({type(module).__name__}) received {_shapes(received)}"
        else:
            details = f"; it failed in {type(model).__name__}'s own forward, outside its submodules"
    if watch is not None and watch.finished is not None:
        done, output = watch.finished
        details += f"; the last layer to finish was {done or '(model)'!r}, with output {_shapes(output)}"
    where = f" in layer {layer!r}" if layer else ""
    expects = f"; its first Conv2d expects {conv.in_channels} input channels" if conv is not None else ""
    lines = str(error).strip().splitlines()
    said = f"{type(error).__name__}: {lines[0]}" if lines else type(error).__name__
    return ValueError(
        f"{type(model).__name__} failed{where} on an input of shape {tuple(x.shape)}, dtype {x.dtype}"
        f"{details}{expects}. {said}"
    )


@contextmanager
def reported_forward(model: nn.Module, x: torch.Tensor) -> Iterator[ForwardWatch]:
    """Inside the block, a forward of ``model`` on ``x`` that raises anything is re-raised as one ValueError.

    Whatever the model raised (a RuntimeError on a shape mismatch, the AssertionError of ``torch._assert``
    in torchvision's ViT, ...), the ValueError names the layer that failed, the shapes it received and the
    last layer that finished, and is chained ``from`` the original. Its hooks are removed afterwards.

    Examples:
        >>> net = cnnatlas.LeNet()[:]  # its layers as a plain nn.Sequential, which does not check its input
        >>> with reported_forward(net, torch.zeros(1, 1, 32, 32)):
        ...     net(torch.zeros(1, 1, 32, 32))
        Traceback (most recent call last):
        ...
        ValueError: Sequential failed in layer '7' on an input of shape (1, 1, 32, 32), dtype torch.float32; layer '7' (Linear) received (1, 576); the last layer to finish was '6', with output (1, 576); its first Conv2d expects 1 input channels. RuntimeError: mat1 and mat2 shapes cannot be multiplied (1x576 and 400x120)
    """
    check_model(model)
    check_tensor(x, "x", finite=False, non_empty=False)
    watch = ForwardWatch()
    names = {id(module): name for name, module in walk_modules(model)}

    def pre_hook(module: nn.Module, inputs: tuple) -> None:
        name = names.get(id(module))
        if name is not None:
            watch.enter(name, module, inputs)

    def hook(module: nn.Module, _inputs: tuple, output: object) -> None:
        name = names.get(id(module))
        if name is not None:
            watch.leave(name, output)

    # two global module hooks that ignore other models' modules: cheaper than two hooks on every module
    handles = [register_module_forward_pre_hook(pre_hook), register_module_forward_hook(hook)]
    try:
        try:
            yield watch
        except Exception as error:  # whatever the model raised is reported, with context
            raise forward_failure(model, x, error, watch=watch) from error
    finally:
        for handle in handles:
            handle.remove()


def run_model(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """Run ``model`` on the NCHW batch ``x`` in eval mode without gradients; restore its state afterwards.

    A forward that fails, whatever it raises, is re-raised as one ValueError naming the model, the layer
    that failed, the shapes it saw and what the model's first convolution expects.

    Examples:
        >>> run_model(cnnatlas.LeNet(), torch.zeros(2, 1, 28, 28)).shape
        torch.Size([2, 10])
    """
    check_model(model)
    check_tensor(x, "x", rank=4, floating=True, layout="NCHW")
    with preserved_state(model):
        model.eval()
        with torch.no_grad(), reported_forward(model, x):
            return model(x)


def layer_outputs(
    model: nn.Module, x: torch.Tensor, layers: Iterable[str] | None = None
) -> dict[str, torch.Tensor]:
    """Return each chosen layer's output (default: every leaf module that outputs a tensor) for one forward on ``x``.

    Each output is a copy, as the layer output it (an in-place ReLU after it does not change it). A layer
    named in ``layers`` that the forward never calls, or that outputs no tensor, is a ValueError.

    Examples:
        >>> outputs = layer_outputs(cnnatlas.LeNet(), torch.zeros(1, 1, 28, 28), ["3", "6"])
        >>> {k: tuple(v.shape) for k, v in outputs.items()}
        {'3': (1, 16, 10, 10), '6': (1, 400)}
    """
    check_model(model)
    check_tensor(x, "x", rank=4, floating=True, layout="NCHW")
    with capture(model, layers) as outputs:
        run_model(model, x)
    if layers is not None:
        missing = [name for name in check_names(layers, "layers") if name not in outputs]
        if missing:
            raise ValueError(
                f"layers: expected layers that the forward of {type(model).__name__} calls and that output a "
                f"tensor, got {missing}: never called on an input of shape {tuple(x.shape)}, or not a tensor out"
            )
    return dict(outputs)
