"""Convolution arithmetic, step by step: which input window makes which output cell, with PyTorch's values.

``conv_steps``, ``pool_steps`` and ``transposed_steps`` compute; ``conv_animation`` draws an interactive
Plotly animation (play button and slider) and ``conv_animation_mpl`` a matplotlib ``FuncAnimation``.
Every output value shown comes from PyTorch itself; the window arithmetic is checked against it.

Examples:
    >>> steps = conv_steps(torch.arange(1.0, 17.0).view(4, 4), torch.ones(3, 3))
    >>> steps.output.tolist()
    [[54.0, 63.0], [90.0, 99.0]]
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import plotly.graph_objects as go
import torch
import torch.nn.functional as F
from matplotlib.animation import FuncAnimation
from plotly.subplots import make_subplots

from ._checks import check_positive_int, check_tensor
from .arith import conv_output_size, conv_transpose_output_size, pool_output_size


@dataclass(frozen=True)
class Step:
    """One output cell: where it is, which cells of the shown input its window covers, and its value."""

    out_index: tuple[int, int]
    window: tuple[tuple[int, int], ...]
    value: float


@dataclass(frozen=True)
class Arithmetic:
    """A whole convolution/pooling, ready to animate: the grid the kernel slides over and every step."""

    kind: str  # "conv", "max pool", "avg pool" or "transposed conv"
    input: np.ndarray  # the layer's real input
    grid: np.ndarray  # what the kernel slides over: the input zero-padded (and zero-inserted if transposed)
    input_cells: tuple[tuple[int, int], ...]  # where the real input values sit in ``grid``
    kernel: np.ndarray | None
    output: np.ndarray  # PyTorch's output
    steps: tuple[Step, ...]
    params: dict = field(default_factory=dict)
    formula: str = ""


def _as_2d(x: torch.Tensor, name: str) -> torch.Tensor:
    check_tensor(x, name, rank=2, layout="(H, W)")
    return x.detach().float().cpu()


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
) -> Arithmetic:
    """Return every step of a 2D convolution of the (H, W) map ``x`` with the (k, k) ``kernel``.

    Examples:
        >>> conv_steps(torch.arange(1.0, 17.0).view(4, 4), torch.ones(3, 3), stride=2).output.tolist()
        [[54.0]]
    """
    x, w = _as_2d(x, "x"), _as_2d(kernel, "kernel")
    k = w.shape[0]
    if w.shape[1] != k:
        raise ValueError(f"kernel: expected a square (k, k) kernel, got shape {tuple(w.shape)}")
    out_h = conv_output_size(x.shape[0], k, stride, padding, dilation)
    out_w = conv_output_size(x.shape[1], k, stride, padding, dilation)
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
    return Arithmetic(
        "conv", x.numpy(), grid.numpy(), cells, w.numpy(), output, tuple(steps), params, formula
    )


def pool_steps(
    x: torch.Tensor, kernel_size: int, stride: int | None = None, padding: int = 0, dilation: int = 1,
    mode: str = "max", ceil_mode: bool = False,
) -> Arithmetic:  # fmt: skip
    """Return every step of 2D max or average pooling of the (H, W) map ``x``.

    Examples:
        >>> pool_steps(torch.arange(1.0, 17.0).view(4, 4), 2).output.tolist()  # article 004's example
        [[6.0, 8.0], [14.0, 16.0]]
    """
    x = _as_2d(x, "x")
    check_positive_int(kernel_size, "kernel_size")
    stride = stride or kernel_size
    if mode not in ("max", "avg"):
        raise ValueError(f"mode: expected 'max' or 'avg', got {mode!r}")
    if mode == "avg" and dilation != 1:
        raise ValueError("average pooling has no dilation in PyTorch; got dilation {dilation}")
    out_h = pool_output_size(x.shape[0], kernel_size, stride, padding, dilation, ceil_mode)
    out_w = pool_output_size(x.shape[1], kernel_size, stride, padding, dilation, ceil_mode)
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
    return Arithmetic(f"{mode} pool", x.numpy(), shown, cells, None, output, tuple(steps), params, formula)


def transposed_steps(
    x: torch.Tensor,
    kernel: torch.Tensor,
    stride: int = 1,
    padding: int = 0,
    output_padding: int = 0,
    dilation: int = 1,
) -> Arithmetic:
    """Return a transposed convolution as the equivalent direct convolution (conv_arithmetic's view).

    The input gets ``stride - 1`` zeros between its values and ``d(k-1) - p`` zeros around it (plus
    ``output_padding`` at the bottom and right); the flipped kernel then slides with stride 1.

    Examples:
        >>> transposed_steps(torch.tensor([[1.0, 2.0], [3.0, 4.0]]), torch.ones(3, 3), stride=2).output.shape
        (5, 5)
    """
    x, w = _as_2d(x, "x"), _as_2d(kernel, "kernel")
    k = w.shape[0]
    h, wd = x.shape
    out_h = conv_transpose_output_size(h, k, stride, padding, output_padding, dilation)
    out_w = conv_transpose_output_size(wd, k, stride, padding, output_padding, dilation)
    output = F.conv_transpose2d(x[None, None], w[None, None], stride=stride, padding=padding,
                                output_padding=output_padding, dilation=dilation)[0, 0].numpy()  # fmt: skip
    border = dilation * (k - 1) - padding
    if border < 0:
        raise ValueError(
            f"padding {padding} exceeds dilation*(kernel_size-1) = {dilation * (k - 1)}: this view needs p <= d(k-1)"
        )
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
    return Arithmetic(
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
    x, w = _as_2d(x, "x"), _as_2d(kernel, "kernel")
    k = w.shape[0]
    h, wd = x.shape
    full_h, full_w = (h - 1) * stride + k + output_padding, (wd - 1) * stride + k + output_padding
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


def _grid_axes(fig: go.Figure, left: tuple[int, ...], right: tuple[int, ...]) -> None:
    """Make both panels show whole cells, square, row 0 at the top, without ticks."""
    for col, shape in ((1, left), (2, right)):
        fig.update_xaxes(
            range=[-0.5, shape[1] - 0.5], showticklabels=False, showgrid=False, zeroline=False, row=1, col=col
        )
        fig.update_yaxes(range=[shape[0] - 0.5, -0.5], showticklabels=False, showgrid=False, zeroline=False,
                         scaleanchor="x" if col == 1 else "x2", row=1, col=col)  # fmt: skip


def _text(values: np.ndarray) -> list[list[str]]:
    return [["" if not np.isfinite(v) else f"{v:.3g}" for v in row] for row in values]


def conv_animation(arith: Arithmetic, title: str | None = None, height: int = 430) -> go.Figure:
    """Return an interactive Plotly animation of ``arith``: press play or drag the slider.

    Left: the grid the kernel slides over (real input cells ringed, padding/inserted zeros plain) with the
    current window highlighted. Right: the output filling up, the current cell highlighted, its value
    computed by PyTorch.

    Examples:
        >>> fig = conv_animation(conv_steps(torch.rand(5, 5), torch.ones(3, 3)))
        >>> len(fig.frames)
        9
    """
    if not isinstance(arith, Arithmetic):
        raise TypeError(
            f"arith: expected an Arithmetic from conv_steps/pool_steps/transposed_steps, got {type(arith).__name__}"
        )
    grid, output = arith.grid, arith.output
    shown_grid = np.where(np.isfinite(grid), grid, np.nan)
    fig = make_subplots(rows=1, cols=2, column_widths=[0.55, 0.45], horizontal_spacing=0.08,
                        subplot_titles=(f"input {arith.input.shape} as the kernel sees it {grid.shape}", f"output {output.shape}"))  # fmt: skip
    fig.add_trace(go.Heatmap(z=shown_grid, text=_text(shown_grid), texttemplate="%{text}", colorscale="Greys",
                             showscale=False, opacity=0.35, hoverinfo="skip"), 1, 1)  # fmt: skip
    real = np.array(arith.input_cells)
    fig.add_trace(go.Scatter(x=real[:, 1], y=real[:, 0], mode="markers", name="input values",
                             marker={"symbol": "square-open", "size": 22, "color": "#1f77b4", "line": {"width": 2}},
                             hoverinfo="skip"), 1, 1)  # fmt: skip
    first = arith.steps[0]
    win = np.array(first.window)
    fig.add_trace(go.Scatter(x=win[:, 1], y=win[:, 0], mode="markers", name="kernel window",
                             marker={"symbol": "square", "size": 24, "color": "rgba(255,127,14,0.55)"}, hoverinfo="skip"), 1, 1)  # fmt: skip
    partial = np.full(output.shape, np.nan)
    partial[first.out_index] = first.value
    finite = output[np.isfinite(output)]
    low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    fig.add_trace(go.Heatmap(z=partial, text=_text(partial), texttemplate="%{text}", colorscale="Viridis", zmin=low,
                             zmax=high if high > low else low + 1, showscale=False, hoverinfo="skip"), 1, 2)  # fmt: skip
    fig.add_trace(go.Scatter(x=[first.out_index[1]], y=[first.out_index[0]], mode="markers", name="output cell",
                             marker={"symbol": "square-open", "size": 26, "color": "#ff7f0e", "line": {"width": 3}}, hoverinfo="skip"), 1, 2)  # fmt: skip
    frames, labels = [], []
    for n, step in enumerate(arith.steps):
        partial = np.full(output.shape, np.nan)
        for done in arith.steps[: n + 1]:
            partial[done.out_index] = done.value
        win = np.array(step.window)
        name = str(n)
        frames.append(go.Frame(name=name, traces=[2, 3, 4], data=[
            go.Scatter(x=win[:, 1], y=win[:, 0]),
            go.Heatmap(z=partial, text=_text(partial)),
            go.Scatter(x=[step.out_index[1]], y=[step.out_index[0]]),
        ], layout={"title.text": f"{title or arith.kind}: output[{step.out_index[0]}, {step.out_index[1]}] = {step.value:.4g}"}))  # fmt: skip
        labels.append(f"{step.out_index[0]},{step.out_index[1]}")
    fig.frames = frames
    params = ", ".join(f"{k}={v}" for k, v in arith.params.items())
    fig.update_layout(
        title={"text": f"{title or arith.kind}: output[{first.out_index[0]}, {first.out_index[1]}] = {first.value:.4g}"},
        height=height, margin={"l": 10, "r": 10, "t": 70, "b": 10}, showlegend=False,
        annotations=[*fig.layout.annotations, {"text": f"{params}<br>{arith.formula}", "xref": "paper", "yref": "paper",
                                               "x": 1.0, "y": -0.02, "xanchor": "right", "yanchor": "top", "showarrow": False,
                                               "font": {"size": 11}}],
        updatemenus=_play_buttons(600),
        sliders=[{**_slider(labels, "output cell "), "x": 0.22, "len": 0.78}],
    )  # fmt: skip
    _grid_axes(fig, grid.shape, output.shape)
    return fig


def conv_animation_mpl(arith: Arithmetic, interval_ms: int = 500) -> FuncAnimation:
    """Return a matplotlib ``FuncAnimation`` of ``arith`` (for notebooks: ``HTML(anim.to_jshtml())``).

    Examples:
        >>> anim = conv_animation_mpl(conv_steps(torch.rand(4, 4), torch.ones(3, 3)))
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    fig, (left, right) = plt.subplots(1, 2, figsize=(8, 4), layout="constrained")
    left.imshow(np.where(np.isfinite(arith.grid), arith.grid, np.nan), cmap="Greys", alpha=0.4)
    for i, j in arith.input_cells:
        left.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, edgecolor="#1f77b4", linewidth=1.5))
    partial = np.full(arith.output.shape, np.nan)
    image = right.imshow(
        partial, cmap="viridis", vmin=np.nanmin(arith.output), vmax=np.nanmax(arith.output) + 1e-9
    )
    window = [
        left.add_patch(Rectangle((0, 0), 1, 1, color="#ff7f0e", alpha=0.5)) for _ in arith.steps[0].window
    ]
    cell = right.add_patch(Rectangle((0, 0), 1, 1, fill=False, edgecolor="#ff7f0e", linewidth=3))
    left.set_title(f"{arith.kind}: input {arith.input.shape}")
    for ax in (left, right):
        ax.set_xticks([]), ax.set_yticks([])

    def update(n: int):
        step = arith.steps[n]
        for patch, (i, j) in zip(window, step.window, strict=False):
            patch.set_xy((j - 0.5, i - 0.5))
        partial[step.out_index] = step.value
        image.set_data(partial)
        cell.set_xy((step.out_index[1] - 0.5, step.out_index[0] - 0.5))
        right.set_title(f"output[{step.out_index[0]}, {step.out_index[1]}] = {step.value:.4g}")
        return [*window, image, cell]

    return FuncAnimation(fig, update, frames=len(arith.steps), interval=interval_ms, blit=False)


def _slider(labels: list[str], prefix: str) -> dict:
    return {
        "active": 0, "currentvalue": {"prefix": prefix}, "pad": {"t": 10},
        "steps": [{"method": "animate", "label": label,
                   "args": [[str(n)], {"mode": "immediate", "frame": {"duration": 0, "redraw": True}, "transition": {"duration": 0}}]}
                  for n, label in enumerate(labels)],
    }  # fmt: skip


def _play_buttons(duration_ms: int) -> list[dict]:
    return [{"type": "buttons", "x": 0, "y": 0, "xanchor": "left", "yanchor": "top", "direction": "left", "pad": {"t": 40},
             "buttons": [
                 {"label": "▶ play", "method": "animate",
                  "args": [None, {"frame": {"duration": duration_ms, "redraw": True}, "fromcurrent": True, "transition": {"duration": 0}}]},
                 {"label": "❚❚ pause", "method": "animate", "args": [[None], {"mode": "immediate", "frame": {"duration": 0, "redraw": False}}]},
             ]}]  # fmt: skip


def scatter_animation(
    x: torch.Tensor,
    kernel: torch.Tensor,
    stride: int = 1,
    padding: int = 0,
    output_padding: int = 0,
    height: int = 420,
) -> go.Figure:
    """Return a Plotly animation of a transposed convolution as scatter-adds: each input value stamps
    ``value * kernel`` onto the output canvas, ``stride`` cells apart; the dashed box is what PyTorch
    keeps after cropping ``padding`` (and adding ``output_padding``).

    Examples:
        >>> len(scatter_animation(torch.tensor([[1.0, 2.0], [3.0, 4.0]]), torch.ones(3, 3), stride=2).frames)
        4
    """
    canvases, output = scatter_steps(x, kernel, stride, padding, output_padding)
    x = x.detach().float().cpu().numpy()
    k = kernel.shape[0]
    full = canvases[-1].shape
    fig = make_subplots(rows=1, cols=2, column_widths=[0.3, 0.7], horizontal_spacing=0.08,
                        subplot_titles=(f"input {x.shape}", f"canvas {full}; output {output.shape} inside the dashed box"))  # fmt: skip
    fig.add_trace(
        go.Heatmap(
            z=x, text=_text(x), texttemplate="%{text}", colorscale="Blues", showscale=False, hoverinfo="skip"
        ),
        1,
        1,
    )
    fig.add_trace(go.Scatter(x=[0], y=[0], mode="markers", marker={"symbol": "square-open", "size": 34, "color": "#ff7f0e", "line": {"width": 3}},
                             hoverinfo="skip"), 1, 1)  # fmt: skip
    high = float(np.max(canvases[-1])) if np.max(canvases[-1]) > 0 else 1.0
    fig.add_trace(go.Heatmap(z=canvases[0], text=_text(canvases[0]), texttemplate="%{text}", colorscale="Viridis", zmin=0, zmax=high,
                             showscale=False, hoverinfo="skip"), 1, 2)  # fmt: skip
    fig.add_trace(go.Scatter(x=[k / 2 - 0.5], y=[k / 2 - 0.5], mode="markers", marker={"symbol": "square-open", "size": 20 * k, "color": "#ff7f0e",
                                                                                     "line": {"width": 2}}, hoverinfo="skip"), 1, 2)  # fmt: skip
    frames, labels = [], []
    h, w = x.shape
    for n, canvas in enumerate(canvases):
        i, j = divmod(n, w)
        frames.append(go.Frame(name=str(n), traces=[1, 2, 3], data=[
            go.Scatter(x=[j], y=[i]), go.Heatmap(z=canvas, text=_text(canvas)),
            go.Scatter(x=[j * stride + k / 2 - 0.5], y=[i * stride + k / 2 - 0.5]),
        ], layout={"title.text": f"input[{i}, {j}] = {x[i, j]:.3g} adds {x[i, j]:.3g} x kernel at rows {i * stride}..{i * stride + k - 1}, "
                                 f"cols {j * stride}..{j * stride + k - 1}"}))  # fmt: skip
        labels.append(f"{i},{j}")
    fig.frames = frames
    crop = {"type": "rect", "xref": "x2", "yref": "y2", "x0": padding - 0.5, "y0": padding - 0.5,
            "x1": full[1] - padding - 0.5, "y1": full[0] - padding - 0.5, "line": {"dash": "dash", "color": "#d62728", "width": 2}}  # fmt: skip
    fig.update_layout(title={"text": f"input[0, 0] = {x[0, 0]:.3g} adds {x[0, 0]:.3g} x kernel"}, height=height, showlegend=False,
                      shapes=[crop], updatemenus=_play_buttons(800), sliders=[{**_slider(labels, "input cell "), "x": 0.2, "len": 0.8}],
                      margin={"l": 10, "r": 10, "t": 70, "b": 10})  # fmt: skip
    _grid_axes(fig, x.shape, full)
    return fig


def compare_windows(
    first: Arithmetic, second: Arithmetic, titles: tuple[str, str], height: int = 420
) -> go.Figure:
    """Return one Plotly animation with two panels: the input cells each arithmetic's window covers, for
    the same output positions side by side (e.g. a standard vs a dilated 3x3 convolution).

    Examples:
        >>> a = conv_steps(torch.rand(7, 7), torch.ones(3, 3), padding=1)
        >>> b = conv_steps(torch.rand(7, 7), torch.ones(3, 3), padding=2, dilation=2)
        >>> len(compare_windows(a, b, ("standard", "dilated")).frames)
        49
    """
    if len(first.steps) != len(second.steps):
        raise ValueError(
            f"first and second must have as many output cells, got {len(first.steps)} and {len(second.steps)}"
        )
    fig = make_subplots(rows=1, cols=2, subplot_titles=titles, horizontal_spacing=0.06)
    for col, arith in ((1, first), (2, second)):
        fig.add_trace(go.Heatmap(z=arith.grid, text=_text(arith.grid), texttemplate="%{text}", colorscale="Greys", opacity=0.35,
                                 showscale=False, hoverinfo="skip"), 1, col)  # fmt: skip
    for col, arith in ((1, first), (2, second)):
        win = np.array(arith.steps[0].window)
        fig.add_trace(go.Scatter(x=win[:, 1], y=win[:, 0], mode="markers", hoverinfo="skip",
                                 marker={"symbol": "square", "size": 22, "color": "rgba(255,127,14,0.6)"}), 1, col)  # fmt: skip
    frames, labels = [], []
    for n, (a, b) in enumerate(zip(first.steps, second.steps, strict=True)):
        wa, wb = np.array(a.window), np.array(b.window)
        span_a = int(wa[:, 0].max() - wa[:, 0].min() + 1)
        span_b = int(wb[:, 0].max() - wb[:, 0].min() + 1)
        frames.append(go.Frame(name=str(n), traces=[2, 3], data=[go.Scatter(x=wa[:, 1], y=wa[:, 0]), go.Scatter(x=wb[:, 1], y=wb[:, 0])],
                               layout={"title.text": f"output cell {a.out_index}: 9 taps covering {span_a}x{span_a} vs {span_b}x{span_b} pixels"}))  # fmt: skip
        labels.append(f"{a.out_index[0]},{a.out_index[1]}")
    fig.frames = frames
    fig.update_layout(title={"text": "output cell (0, 0)"}, height=height, showlegend=False, updatemenus=_play_buttons(400),
                      sliders=[{**_slider(labels, "output cell "), "x": 0.2, "len": 0.8}], margin={"l": 10, "r": 10, "t": 70, "b": 10})  # fmt: skip
    _grid_axes(fig, first.grid.shape, second.grid.shape)
    return fig
