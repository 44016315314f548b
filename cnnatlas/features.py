"""Capture what layers output (forward hooks that are always removed) and draw feature maps.

Examples:
    >>> outputs = layer_outputs(LeNet(), torch.zeros(1, 1, 28, 28))
    >>> outputs["0"].shape
    torch.Size([1, 6, 28, 28])
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.figure import Figure
from torch import nn

from ._checks import check_tensor


def _select_modules(model: nn.Module, layers: Iterable[str] | None) -> dict[str, nn.Module]:
    if not isinstance(model, nn.Module):
        raise TypeError(f"model: expected a torch.nn.Module, got {type(model).__name__}")
    named = dict(model.named_modules())
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
        >>> net = LeNet()
        >>> with capture(net, ["0", "2"]) as outputs:
        ...     _ = net(torch.zeros(1, 1, 28, 28))
        >>> {k: tuple(v.shape) for k, v in outputs.items()}
        {'0': (1, 6, 28, 28), '2': (1, 6, 14, 14)}
    """
    modules = _select_modules(model, layers)
    outputs: dict[str, torch.Tensor] = {}
    handles = []

    def _hook_for(name: str):
        def hook(_module: nn.Module, _inputs: tuple, output: object) -> None:
            if isinstance(output, torch.Tensor):
                outputs[name] = output.detach()

        return hook

    try:
        for name, module in modules.items():
            handles.append(module.register_forward_hook(_hook_for(name)))
        yield outputs
    finally:
        for handle in handles:
            handle.remove()


FORWARD_ERRORS = (RuntimeError, ValueError, TypeError, IndexError)


def _first_conv(model: nn.Module) -> nn.Conv2d | None:
    return next((m for m in model.modules() if isinstance(m, nn.Conv2d)), None)


def forward_failure(
    model: nn.Module, x: torch.Tensor, error: BaseException, layer: str | None = None
) -> ValueError:
    """Return a ValueError explaining a failed forward: model, layer, input shape and dtype, what it expects.

    Examples:
        >>> str(forward_failure(LeNet(), torch.zeros(1, 3, 28, 28), RuntimeError("boom"), "0"))[:40]
        "LeNet failed in layer '0' on an input of"
    """
    conv = _first_conv(model)
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
        >>> run_model(LeNet(), torch.zeros(2, 1, 28, 28)).shape
        torch.Size([2, 10])
    """
    check_tensor(x, "x", rank=4, floating=True, layout="NCHW")
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            return model(x)
    except FORWARD_ERRORS as error:
        raise forward_failure(model, x, error) from error
    finally:
        model.train(was_training)


def layer_outputs(
    model: nn.Module, x: torch.Tensor, layers: Iterable[str] | None = None
) -> dict[str, torch.Tensor]:
    """Return each chosen layer's output (default: every leaf module) for one forward pass on ``x``.

    Examples:
        >>> {k: tuple(v.shape) for k, v in layer_outputs(LeNet(), torch.zeros(1, 1, 28, 28), ["3", "6"]).items()}
        {'3': (1, 16, 10, 10), '6': (1, 400)}
    """
    with capture(model, layers) as outputs:
        run_model(model, x)
    return dict(outputs)


def map_limits(image: np.ndarray) -> tuple[float, float, bool]:
    """Return (vmin, vmax, is_constant) for drawing one map; a constant map gets a range centred on its value.

    Examples:
        >>> map_limits(np.full((3, 3), 2.0))
        (1.0, 3.0, True)
    """
    low, high = float(np.min(image)), float(np.max(image))
    if high > low:
        return low, high, False
    return low - 1.0, high + 1.0, True


def plot_feature_maps(
    maps: torch.Tensor,
    *,
    ncols: int | None = None,
    title: str | None = None,
    cmap: str = "viridis",
    shared_scale: bool = False,
    labels: Iterable[str] | None = None,
    fig: Figure | None = None,
) -> Figure:
    """Draw every channel of a (C, H, W) or (1, C, H, W) tensor as a grid of images; return the Figure.

    Each map gets its own colour range unless ``shared_scale``; a constant map is drawn as one flat colour
    and labelled with its value, never stretched into noise.

    Examples:
        >>> fig = plot_feature_maps(torch.rand(6, 28, 28), title="conv1")
        >>> len(fig.axes)
        6
    """
    check_tensor(maps, "maps", rank=(3, 4), floating=True, layout="(C, H, W) or (1, C, H, W)")
    if maps.dim() == 4:
        if maps.shape[0] != 1:
            raise ValueError(
                f"maps: expected one sample (1, C, H, W), got a batch of shape {tuple(maps.shape)}; pick one with maps[i]"
            )
        maps = maps[0]
    data = maps.detach().cpu().float().numpy()
    count = data.shape[0]
    ncols = ncols or min(count, 8)
    nrows = math.ceil(count / ncols)
    names = list(labels) if labels is not None else [f"ch {i}" for i in range(count)]
    fig = fig or plt.figure(figsize=(1.6 * ncols, 1.7 * nrows + (0.4 if title else 0)), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False)
    shared = map_limits(data) if shared_scale else None
    for index, ax in enumerate(axes.flat):
        ax.set_axis_off()
        if index >= count:
            continue
        vmin, vmax, constant = shared or map_limits(data[index])
        ax.imshow(data[index], cmap=cmap, vmin=vmin, vmax=vmax)
        label = names[index] + (
            f"\nconstant {data[index].flat[0]:.3g}" if constant and not shared_scale else ""
        )
        ax.set_title(label, fontsize=8)
    if title:
        fig.suptitle(title)
    return fig
