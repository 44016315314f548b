"""Convolution arithmetic, step by step: which input window makes which output cell, with PyTorch's values.

``conv_steps``, ``pool_steps`` and ``transposed_steps`` return [`WindowSteps`][cnnatlas.windows.WindowSteps]; ``scatter_steps``
the canvases of a transposed convolution done as scatter-adds. Every output value comes from PyTorch
itself; the window arithmetic is checked against it. The animations that show them live in
[`cnnatlas.widgets.animations`][cnnatlas.widgets.animations] (Plotly) and [`cnnatlas.figures.windows`][cnnatlas.figures.windows] (matplotlib).

Examples:
    >>> steps = conv_steps(torch.arange(1.0, 17.0).view(4, 4), torch.ones(3, 3))
    >>> steps.output.tolist()
    [[54.0, 63.0], [90.0, 99.0]]
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F

from .arith import conv_output_size, conv_transpose_output_size, pool_output_size
from .checks import (
    check_at_most,
    check_bool,
    check_choice,
    check_float,
    check_non_negative_int,
    check_positive_int,
    check_str,
    check_tensor,
    describe,
)

MAX_STEPS = 1024
"""Most output cells (window steps) one step function computes: each is a frame of an animation."""
MAX_GRID_CELLS = 128 * 128
"""Most cells of the grid the kernel slides over (the input with its padding and inserted zeros)."""
MAX_WINDOW_CELLS = 262_144
"""Most cells read over all windows (steps x kernel cells): the work done in Python, a fraction of a second."""

KINDS = ("conv", "max pool", "avg pool", "transposed conv")
"""The kinds of [`WindowSteps`][cnnatlas.windows.WindowSteps]."""


@dataclass(frozen=True)
class Step:
    """One output cell: where it is, which cells of the shown input its window covers, and its value.

    Attributes:
        out_index: The output cell, as ``(row, col)``.
        window: The ``(row, col)`` cells of the grid the window covers for this output cell.
        value: The output value PyTorch computed there.
    """

    out_index: tuple[int, int]
    window: tuple[tuple[int, int], ...]
    value: float

    def __post_init__(self) -> None:
        if not isinstance(self.out_index, tuple) or len(self.out_index) != 2:
            raise TypeError(f"out_index: expected a (row, col) tuple, got {describe(self.out_index)}")
        for i in self.out_index:
            check_non_negative_int(i, "out_index")
        if not isinstance(self.window, tuple):
            raise TypeError(f"window: expected a tuple of (row, col) cells, got {describe(self.window)}")
        check_float(self.value, "value", finite=False)


@dataclass(frozen=True)
class WindowSteps:
    """The window steps of one convolution/pooling: the grid the kernel slides over and every output cell.

    Attributes:
        kind: ``"conv"``, ``"max pool"``, ``"avg pool"`` or ``"transposed conv"``.
        input: The layer's real input, a 2-D array.
        grid: What the kernel slides over: the input zero-padded (and zero-inserted if transposed).
        input_cells: Where the real input values sit in ``grid``, as ``(row, col)`` cells.
        kernel: The kernel's weights (2-D), or ``None`` for pooling.
        output: PyTorch's output for ``input``, a 2-D array.
        steps: One [`Step`][cnnatlas.windows.Step] per output cell, in row-major order.
        params: The layer's settings (kernel size, stride, padding, dilation, ...) by name.
        formula: The output-size formula of this kind of layer, as text, e.g.
            ``out = floor((i + 2p - d(k-1) - 1) / s) + 1``.
    """

    kind: str
    input: np.ndarray
    grid: np.ndarray
    input_cells: tuple[tuple[int, int], ...]
    kernel: np.ndarray | None
    output: np.ndarray
    steps: tuple[Step, ...]
    params: dict = field(default_factory=dict)
    formula: str = ""

    def __post_init__(self) -> None:
        check_choice(self.kind, "kind", KINDS)
        for name in ("input", "grid", "output"):
            value = getattr(self, name)
            if not isinstance(value, np.ndarray) or value.ndim != 2:
                raise TypeError(f"{name}: expected a 2D numpy array, got {describe(value)}")
        if self.kernel is not None and (not isinstance(self.kernel, np.ndarray) or self.kernel.ndim != 2):
            raise TypeError(f"kernel: expected None or a 2D numpy array, got {describe(self.kernel)}")
        if not isinstance(self.steps, tuple) or not all(isinstance(s, Step) for s in self.steps):
            raise TypeError(f"steps: expected a tuple of Step, got {describe(self.steps)}")
        check_at_most(len(self.steps), "steps", MAX_STEPS, "steps", limit_name="MAX_STEPS")
        if not isinstance(self.input_cells, tuple):
            raise TypeError(
                f"input_cells: expected a tuple of (row, col) cells, got {describe(self.input_cells)}"
            )
        if not isinstance(self.params, dict):
            raise TypeError(f"params: expected a dict, got {describe(self.params)}")
        check_str(self.formula, "formula", non_empty=False)


def _as_2d(x: torch.Tensor, name: str) -> torch.Tensor:
    check_tensor(x, name, rank=2, layout="(H, W)")
    return x.detach().float().cpu()


def _as_kernel(kernel: torch.Tensor) -> torch.Tensor:
    """The (k, k) kernel as a float CPU tensor; every function here takes square kernels only."""
    w = _as_2d(kernel, "kernel")
    if w.shape[0] != w.shape[1]:
        raise ValueError(f"kernel: expected a square (k, k) kernel, got shape {tuple(w.shape)}")
    return w


def _check_budget(steps: int, grid_cells: int, kernel_cells: int) -> None:
    """Refuse, before any work, a request whose steps, grid or window reads would take long."""
    hint = "use a smaller input, kernel or padding"
    check_at_most(steps, "x", MAX_STEPS, "window steps (output cells)", limit_name="MAX_STEPS", hint=hint)
    check_at_most(grid_cells, "x", MAX_GRID_CELLS, "grid cells (input with padding)", limit_name="MAX_GRID_CELLS",
                  hint=hint)  # fmt: skip
    check_at_most(steps * kernel_cells, "x", MAX_WINDOW_CELLS, "cells read (steps x kernel cells)",
                  limit_name="MAX_WINDOW_CELLS", hint=hint)  # fmt: skip


def _slide(
    grid: torch.Tensor, kernel_size: int, stride: int, dilation: int, out_h: int, out_w: int
) -> list[tuple]:
    windows = []
    for r in range(out_h):
        for c in range(out_w):
            cells = tuple(
                (r * stride + a * dilation, c * stride + b * dilation)
                for a in range(kernel_size)
                for b in range(kernel_size)
            )
            windows.append(((r, c), cells))
    return windows


def _check_against_torch(kind: str, computed: np.ndarray, output: np.ndarray) -> None:
    if not np.allclose(computed, output, atol=1e-4):
        raise AssertionError(
            f"{kind}: window arithmetic disagrees with PyTorch's output"
        )  # a bug, not bad input


def conv_steps(
    x: torch.Tensor, kernel: torch.Tensor, stride: int = 1, padding: int = 0, dilation: int = 1
) -> WindowSteps:
    """Return every step of a 2D convolution of the (H, W) map ``x`` with the (k, k) ``kernel``.

    Examples:
        >>> conv_steps(torch.arange(1.0, 17.0).view(4, 4), torch.ones(3, 3), stride=2).output.tolist()
        [[54.0]]
    """
    x, w = _as_2d(x, "x"), _as_kernel(kernel)
    k = w.shape[0]
    stride, dilation = check_positive_int(stride, "stride"), check_positive_int(dilation, "dilation")
    padding = check_non_negative_int(padding, "padding")
    out_h = conv_output_size(x.shape[0], k, stride, padding, dilation)
    out_w = conv_output_size(x.shape[1], k, stride, padding, dilation)
    _check_budget(out_h * out_w, (x.shape[0] + 2 * padding) * (x.shape[1] + 2 * padding), k * k)
    output = F.conv2d(x[None, None], w[None, None], stride=stride, padding=padding, dilation=dilation)[
        0, 0
    ].numpy()
    grid = F.pad(x, (padding,) * 4)
    steps = []
    for (r, c), cells in _slide(grid, k, stride, dilation, out_h, out_w):
        steps.append(Step((r, c), cells, float(output[r, c])))
    flat_w = w.flatten().numpy()
    computed = np.array(
        [sum(grid[i, j].item() * flat_w[n] for n, (i, j) in enumerate(s.window)) for s in steps]
    )
    _check_against_torch("conv", computed.reshape(output.shape), output)
    cells = tuple((i + padding, j + padding) for i in range(x.shape[0]) for j in range(x.shape[1]))
    formula = "out = floor((i + 2p - d(k-1) - 1) / s) + 1"
    params = {"kernel_size": k, "stride": stride, "padding": padding, "dilation": dilation}
    return WindowSteps(
        "conv", x.numpy(), grid.numpy(), cells, w.numpy(), output, tuple(steps), params, formula
    )


def pool_steps(
    x: torch.Tensor, kernel_size: int, stride: int | None = None, padding: int = 0, dilation: int = 1,
    mode: str = "max", ceil_mode: bool = False,
) -> WindowSteps:  # fmt: skip
    """Return every step of 2D max or average pooling of the (H, W) map ``x``.

    Examples:
        >>> pool_steps(torch.arange(1.0, 17.0).view(4, 4), 2).output.tolist()  # article 004's example
        [[6.0, 8.0], [14.0, 16.0]]
    """
    x = _as_2d(x, "x")
    kernel_size = check_positive_int(kernel_size, "kernel_size")
    stride = kernel_size if stride is None else check_positive_int(stride, "stride")
    check_choice(mode, "mode", ("max", "avg"))
    dilation = check_positive_int(dilation, "dilation")
    padding = check_non_negative_int(padding, "padding")
    ceil_mode = check_bool(ceil_mode, "ceil_mode")
    if mode == "avg" and dilation != 1:
        raise ValueError(f"dilation: expected 1 (average pooling has no dilation in PyTorch), got {dilation}")
    out_h = pool_output_size(x.shape[0], kernel_size, stride, padding, dilation, ceil_mode)
    out_w = pool_output_size(x.shape[1], kernel_size, stride, padding, dilation, ceil_mode)
    extra = kernel_size * dilation
    grid_cells = (x.shape[0] + 2 * padding + extra) * (x.shape[1] + 2 * padding + extra)
    _check_budget(out_h * out_w, grid_cells, kernel_size * kernel_size)
    batch = x[None, None]
    if mode == "max":
        output = F.max_pool2d(batch, kernel_size, stride, padding, dilation, ceil_mode=ceil_mode)[
            0, 0
        ].numpy()
    else:
        output = F.avg_pool2d(batch, kernel_size, stride, padding, ceil_mode=ceil_mode)[0, 0].numpy()
    fill = float("-inf") if mode == "max" else 0.0
    extra = kernel_size * dilation  # room for ceil_mode windows that run past the edge
    grid = F.pad(x, (padding, padding + extra, padding, padding + extra), value=fill)
    steps = [Step(rc, tuple((i, j) for i, j in cells if i < x.shape[0] + 2 * padding and j < x.shape[1] + 2 * padding),
                  float(output[rc])) for rc, cells in _slide(grid, kernel_size, stride, dilation, out_h, out_w)]  # fmt: skip
    if mode == "max":
        computed = np.array([max(grid[i, j].item() for i, j in s.window) for s in steps])
        _check_against_torch("max pool", computed.reshape(output.shape), output)
    shown = F.pad(x, (padding,) * 4).numpy()
    cells = tuple((i + padding, j + padding) for i in range(x.shape[0]) for j in range(x.shape[1]))
    params = {
        "kernel_size": kernel_size,
        "stride": stride,
        "padding": padding,
        "dilation": dilation,
        "ceil_mode": ceil_mode,
    }
    formula = "out = " + ("ceil" if ceil_mode else "floor") + "((i + 2p - d(k-1) - 1) / s) + 1"
    return WindowSteps(f"{mode} pool", x.numpy(), shown, cells, None, output, tuple(steps), params, formula)


def transposed_steps(
    x: torch.Tensor,
    kernel: torch.Tensor,
    stride: int = 1,
    padding: int = 0,
    output_padding: int = 0,
    dilation: int = 1,
) -> WindowSteps:
    """Return a transposed convolution as the equivalent direct convolution (conv_arithmetic's view).

    The input gets ``stride - 1`` zeros between its values and ``d(k-1) - p`` zeros around it (plus
    ``output_padding`` at the bottom and right); the flipped kernel then slides with stride 1.

    Examples:
        >>> transposed_steps(torch.tensor([[1.0, 2.0], [3.0, 4.0]]), torch.ones(3, 3), stride=2).output.shape
        (5, 5)
    """
    x, w = _as_2d(x, "x"), _as_kernel(kernel)
    k = w.shape[0]
    h, wd = x.shape
    stride, dilation = check_positive_int(stride, "stride"), check_positive_int(dilation, "dilation")
    padding = check_non_negative_int(padding, "padding")
    output_padding = check_non_negative_int(output_padding, "output_padding")
    out_h = conv_transpose_output_size(h, k, stride, padding, output_padding, dilation)
    out_w = conv_transpose_output_size(wd, k, stride, padding, output_padding, dilation)
    border = dilation * (k - 1) - padding
    if border < 0:
        raise ValueError(
            f"padding: expected at most dilation*(kernel_size-1) = {dilation * (k - 1)} (this view needs "
            f"p <= d(k-1)), got {padding}"
        )
    side = [(n - 1) * stride + 1 + 2 * border + output_padding for n in (h, wd)]
    _check_budget(out_h * out_w, side[0] * side[1], k * k)
    output = F.conv_transpose2d(x[None, None], w[None, None], stride=stride, padding=padding,
                                output_padding=output_padding, dilation=dilation)[0, 0].numpy()  # fmt: skip
    inserted = torch.zeros((h - 1) * stride + 1, (wd - 1) * stride + 1)
    inserted[::stride, ::stride] = x
    grid = F.pad(inserted, (border, border + output_padding, border, border + output_padding))
    flipped = torch.flip(w, (0, 1))
    steps = [Step(rc, cells, float(output[rc])) for rc, cells in _slide(grid, k, 1, dilation, out_h, out_w)]
    flat = flipped.flatten().numpy()
    computed = np.array(
        [sum(grid[i, j].item() * flat[n] for n, (i, j) in enumerate(s.window)) for s in steps]
    )
    _check_against_torch("transposed conv", computed.reshape(output.shape), output)
    cells = tuple((border + i * stride, border + j * stride) for i in range(h) for j in range(wd))
    params = {
        "kernel_size": k,
        "stride": stride,
        "padding": padding,
        "output_padding": output_padding,
        "dilation": dilation,
    }
    formula = "out = (i - 1)s - 2p + d(k-1) + output_padding + 1"
    return WindowSteps(
        "transposed conv",
        x.numpy(),
        grid.numpy(),
        cells,
        flipped.numpy(),
        output,
        tuple(steps),
        params,
        formula,
    )


def scatter_steps(
    x: torch.Tensor, kernel: torch.Tensor, stride: int = 1, padding: int = 0, output_padding: int = 0
) -> tuple[list[np.ndarray], np.ndarray]:
    """Return a transposed convolution as scatter-adds: the running canvas after each input value is added.

    Each input value ``x[i, j]`` adds ``x[i, j] * kernel`` at rows ``i*s .. i*s+k-1`` of a full canvas;
    cropping ``padding`` from each side (and keeping ``output_padding`` extra) gives PyTorch's output.

    Examples:
        >>> canvases, out = scatter_steps(torch.tensor([[1.0, 2.0], [3.0, 4.0]]), torch.ones(3, 3))
        >>> len(canvases), out.shape, float(out.sum())
        (4, (4, 4), 90.0)
    """
    x, w = _as_2d(x, "x"), _as_kernel(kernel)
    k = w.shape[0]
    h, wd = x.shape
    stride, padding = check_positive_int(stride, "stride"), check_non_negative_int(padding, "padding")
    output_padding = check_non_negative_int(output_padding, "output_padding")
    conv_transpose_output_size(h, k, stride, padding, output_padding)  # checks every argument
    conv_transpose_output_size(wd, k, stride, padding, output_padding)
    full_h, full_w = (h - 1) * stride + k + output_padding, (wd - 1) * stride + k + output_padding
    hint = "use a smaller input, kernel or stride"
    check_at_most(h * wd, "x", MAX_STEPS, "input cells (scatter steps)", limit_name="MAX_STEPS", hint=hint)
    check_at_most(h * wd * full_h * full_w, "x", MAX_WINDOW_CELLS, "canvas cells over all steps",
                  limit_name="MAX_WINDOW_CELLS", hint=hint)  # fmt: skip
    canvas = np.zeros((full_h, full_w))
    canvases = []
    for i in range(h):
        for j in range(wd):
            canvas[i * stride : i * stride + k, j * stride : j * stride + k] += x[i, j].item() * w.numpy()
            canvases.append(canvas.copy())
    output = F.conv_transpose2d(x[None, None], w[None, None], stride=stride, padding=padding,
                                output_padding=output_padding)[0, 0].numpy()  # fmt: skip
    cropped = canvas[padding : full_h - padding, padding : full_w - padding]
    _check_against_torch("scatter-add", cropped, output)
    return canvases, output
