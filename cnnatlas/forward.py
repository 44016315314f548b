"""Forward passes that leave the model as they found it, and what layers output during them.

:func:`preserved_state` is the one place that saves and restores a model around a look inside it: every
submodule's own train/eval flag, every parameter's ``requires_grad``, and every hook registered inside
the block (removed, also when the forward raises). :func:`run_model`, :func:`capture`,
:func:`~cnnatlas.trace.trace`, :func:`~cnnatlas.receptive.gradient_field` and
:func:`~cnnatlas.train.evaluate` all use it. A forward that fails is re-raised by :func:`forward_failure`
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
from torch.utils.hooks import RemovableHandle

from .checks import check_model, check_tensor

FORWARD_ERRORS = (RuntimeError, ValueError, TypeError, IndexError)
"""The exceptions a forward on a wrong input raises in PyTorch; re-raised with context by :func:`forward_failure`."""


@contextmanager
def preserved_state(model: nn.Module) -> Iterator[list[RemovableHandle]]:
    """Inside the block, change modes, ``requires_grad`` and hooks freely; afterwards all are restored.

    Yields a list: append each hook handle registered inside, and it is removed when the block ends. Each
    submodule gets back its own training flag (a frozen BatchNorm in eval mode inside a model in training
    mode stays in eval mode), each parameter its ``requires_grad``; also when the block raises.

    Examples:
        >>> net = nn.Sequential(nn.Conv2d(1, 1, 3), nn.BatchNorm2d(1)).train()
        >>> _ = net[1].eval()
        >>> with preserved_state(net) as handles:
        ...     _ = net.eval()
        >>> net.training, net[1].training
        (True, False)
    """
    check_model(model)
    modes = [(module, module.training) for module in model.modules()]
    grads = [(parameter, parameter.requires_grad) for parameter in model.parameters()]
    handles: list[RemovableHandle] = []
    try:
        yield handles
    finally:
        for handle in handles:
            handle.remove()
        for module, training in modes:
            module.training = training
        for parameter, requires_grad in grads:
            parameter.requires_grad_(requires_grad)


def select_modules(model: nn.Module, layers: Iterable[str] | None) -> dict[str, nn.Module]:
    """Return the named modules ``layers`` of ``model`` (default: every leaf module), or say which are unknown.

    Examples:
        >>> list(select_modules(cnnatlas.LeNet(), ["0", "3"]))
        ['0', '3']
    """
    named = dict(check_model(model).named_modules())
    if layers is None:
        return {name: module for name, module in named.items() if name and not list(module.children())}
    chosen = list(layers)
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

    The hooks are removed when the block ends, also when the forward raises.

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
                outputs[name] = output.detach()

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
    return next((m for m in model.modules() if isinstance(m, nn.Conv2d)), None)


def forward_failure(
    model: nn.Module, x: torch.Tensor, error: BaseException, layer: str | None = None
) -> ValueError:
    """Return a ValueError explaining a failed forward: model, layer, input shape and dtype, what it expects.

    Examples:
        >>> str(forward_failure(cnnatlas.LeNet(), torch.zeros(1, 3, 28, 28), RuntimeError("boom"), "0"))[:40]
        "LeNet failed in layer '0' on an input of"
    """
    conv = first_conv(model)
    where = f" in layer {layer!r}" if layer else ""
    expects = f"; its first Conv2d expects {conv.in_channels} input channels" if conv is not None else ""
    lines = str(error).strip().splitlines()
    return ValueError(
        f"{type(model).__name__} failed{where} on an input of shape {tuple(x.shape)}, dtype {x.dtype}{expects}: "
        f"{lines[0] if lines else type(error).__name__}"
    )


def run_model(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """Run ``model`` on the NCHW batch ``x`` in eval mode without gradients; restore its mode afterwards.

    A forward that fails is re-raised as a ValueError saying which model, which input shape, and what
    the model's first convolution expects.

    Examples:
        >>> run_model(cnnatlas.LeNet(), torch.zeros(2, 1, 28, 28)).shape
        torch.Size([2, 10])
    """
    check_model(model)
    check_tensor(x, "x", rank=4, floating=True, layout="NCHW")
    with preserved_state(model):
        model.eval()
        try:
            with torch.no_grad():
                return model(x)
        except FORWARD_ERRORS as error:
            raise forward_failure(model, x, error) from error


def layer_outputs(
    model: nn.Module, x: torch.Tensor, layers: Iterable[str] | None = None
) -> dict[str, torch.Tensor]:
    """Return each chosen layer's output (default: every leaf module) for one forward pass on ``x``.

    Examples:
        >>> outputs = layer_outputs(cnnatlas.LeNet(), torch.zeros(1, 1, 28, 28), ["3", "6"])
        >>> {k: tuple(v.shape) for k, v in outputs.items()}
        {'3': (1, 16, 10, 10), '6': (1, 400)}
    """
    with capture(model, layers) as outputs:
        run_model(model, x)
    return dict(outputs)
