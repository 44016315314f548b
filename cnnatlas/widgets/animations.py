"""Plotly animations of window steps: press play or drag the slider.

[`conv_animation()`][cnnatlas.widgets.animations.conv_animation] shows the [`WindowSteps`][cnnatlas.windows.WindowSteps] of a convolution, pooling or
transposed convolution; [`scatter_animation()`][cnnatlas.widgets.animations.scatter_animation] a transposed convolution as scatter-adds;
[`window_comparison_animation()`][cnnatlas.widgets.animations.window_comparison_animation] two window patterns side by side.

Examples:
    >>> fig = conv_animation(cnnatlas.conv_steps(torch.rand(4, 4), torch.ones(3, 3)))
    >>> len(fig.frames), len(fig.layout.sliders[0].steps)
    (4, 4)
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import torch
from plotly.subplots import make_subplots

from ..checks import (
    check_at_most,
    check_instance,
    check_names,
    check_non_negative_int,
    check_positive_int,
    check_str,
    check_tensor,
)
from ..display import map_limits
from ..style import HIGHLIGHT, OUTLINE, PLOTLY_INPUT_GRID, PLOTLY_SEQUENTIAL, WRONG
from ..windows import WindowSteps, scatter_steps
from .controls import MAX_FRAMES, check_height, frame_slider, play_buttons

MAX_FRAME_CELLS = 50_000
"""Most heat-map cells over all frames of one animation (each frame carries its whole output): 50,000 take
about a second to build and keep the page light; a 48x48 input's 2,116 frames of 2,116 cells would take minutes."""


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


def _check_steps(arith: object, name: str) -> WindowSteps:
    """Refuse anything but WindowSteps with 1 to MAX_FRAMES steps."""
    check_instance(arith, name, WindowSteps)
    assert isinstance(arith, WindowSteps)
    if not arith.steps:
        raise ValueError(f"{name}: expected at least one step, got none")
    check_at_most(len(arith.steps), name, MAX_FRAMES, "steps (animation frames)", limit_name="MAX_FRAMES",
                  hint="use a smaller input, a larger stride or a smaller padding")  # fmt: skip
    return arith


def conv_animation(arith: WindowSteps, title: str | None = None, height: int = 430) -> go.Figure:
    """Return an interactive Plotly animation of ``arith``: press play or drag the slider.

    Left: the grid the kernel slides over (real input cells ringed, padding/inserted zeros plain) with the
    current window highlighted. Right: the output filling up, the current cell highlighted, its value
    computed by PyTorch. At most [`MAX_FRAMES`][cnnatlas.widgets.controls.MAX_FRAMES] frames, and
    [`MAX_FRAME_CELLS`][cnnatlas.widgets.animations.MAX_FRAME_CELLS] output cells over all frames (a 48x48 input is refused, not built for minutes).

    Examples:
        >>> fig = conv_animation(cnnatlas.conv_steps(torch.rand(5, 5), torch.ones(3, 3)))
        >>> len(fig.frames)
        9
    """
    if not isinstance(arith, WindowSteps):
        raise TypeError(
            f"arith: expected WindowSteps from conv_steps/pool_steps/transposed_steps, got {type(arith).__name__}"
        )
    _check_steps(arith, "arith")
    check_at_most(len(arith.steps) * arith.output.size, "arith", MAX_FRAME_CELLS, "cells over all frames (frames x output cells)",
                  limit_name="MAX_FRAME_CELLS", hint="use a smaller input")  # fmt: skip
    if title is not None:
        check_str(title, "title", non_empty=False)
    height = check_height(height)
    grid, output = arith.grid, arith.output
    shown_grid = np.where(np.isfinite(grid), grid, np.nan)
    fig = make_subplots(rows=1, cols=2, column_widths=[0.55, 0.45], horizontal_spacing=0.08,
                        subplot_titles=(f"input {arith.input.shape} as the kernel sees it {grid.shape}", f"output {output.shape}"))  # fmt: skip
    fig.add_trace(go.Heatmap(z=shown_grid, text=_text(shown_grid), texttemplate="%{text}", colorscale=PLOTLY_INPUT_GRID,
                             showscale=False, hoverinfo="skip"), 1, 1)  # fmt: skip
    real = np.array(arith.input_cells)
    fig.add_trace(go.Scatter(x=real[:, 1], y=real[:, 0], mode="markers", name="input values",
                             marker={"symbol": "square-open", "size": 22, "color": OUTLINE, "line": {"width": 2}},
                             hoverinfo="skip"), 1, 1)  # fmt: skip
    first = arith.steps[0]
    win = np.array(first.window)
    fig.add_trace(go.Scatter(x=win[:, 1], y=win[:, 0], mode="markers", name="kernel window",
                             marker={"symbol": "square", "size": 24, "color": HIGHLIGHT, "opacity": 0.55}, hoverinfo="skip"), 1, 1)  # fmt: skip
    partial = np.full(output.shape, np.nan)
    partial[first.out_index] = first.value
    finite = output[np.isfinite(output)]
    low, high, _ = map_limits(finite) if finite.size else (0.0, 1.0, False)
    fig.add_trace(go.Heatmap(z=partial, text=_text(partial), texttemplate="%{text}", colorscale=PLOTLY_SEQUENTIAL, zmin=low,
                             zmax=high, showscale=False, hoverinfo="skip"), 1, 2)  # fmt: skip
    fig.add_trace(go.Scatter(x=[first.out_index[1]], y=[first.out_index[0]], mode="markers", name="output cell",
                             marker={"symbol": "square-open", "size": 26, "color": HIGHLIGHT, "line": {"width": 3}}, hoverinfo="skip"), 1, 2)  # fmt: skip
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
        updatemenus=play_buttons(600),
        sliders=[{**frame_slider(labels, "output cell "), "x": 0.22, "len": 0.78}],
    )  # fmt: skip
    _grid_axes(fig, grid.shape, output.shape)
    return fig


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
    keeps after cropping ``padding`` (and adding ``output_padding``). The frame and cell limits of
    [`conv_animation()`][cnnatlas.widgets.animations.conv_animation] apply.

    Examples:
        >>> len(scatter_animation(torch.tensor([[1.0, 2.0], [3.0, 4.0]]), torch.ones(3, 3), stride=2).frames)
        4
    """
    for name, value, layout in (("x", x, "(H, W)"), ("kernel", kernel, "(k, k)")):
        check_tensor(value, name, rank=2, layout=layout)
        if value.is_complex():
            raise TypeError(
                f"{name}: expected real numbers, got dtype {value.dtype}; use {name}.real or {name}.abs()"
            )
    stride = check_positive_int(stride, "stride")
    padding = check_non_negative_int(padding, "padding")
    output_padding = check_non_negative_int(output_padding, "output_padding")
    height = check_height(height)
    h, w = x.shape
    check_at_most(h * w, "x", MAX_FRAMES, "input cells (animation frames)", limit_name="MAX_FRAMES",
                  hint="use a smaller x")  # fmt: skip
    canvas_cells = ((h - 1) * stride + kernel.shape[0] + output_padding) * (
        (w - 1) * stride + kernel.shape[-1] + output_padding
    )
    check_at_most(h * w * canvas_cells, "x", MAX_FRAME_CELLS, "cells over all frames (frames x canvas cells)",
                  limit_name="MAX_FRAME_CELLS", hint="use a smaller x or stride")  # fmt: skip
    if output_padding >= stride:
        raise ValueError(f"output_padding: expected less than stride ({stride}), got {output_padding}")
    out = [(n - 1) * stride - 2 * padding + kernel.shape[0] + output_padding for n in (h, w)]
    if min(out) < 1:
        raise ValueError(f"padding: expected an output of at least 1x1 after cropping, got padding {padding} "
                         f"and an output of {out[0]}x{out[1]}")  # fmt: skip
    canvases, output = scatter_steps(x, kernel, stride, padding, output_padding)
    x = x.detach().float().cpu().numpy()
    k = kernel.shape[0]
    full = canvases[-1].shape
    fig = make_subplots(rows=1, cols=2, column_widths=[0.3, 0.7], horizontal_spacing=0.08,
                        subplot_titles=(f"input {x.shape}", f"canvas {full}; output {output.shape} inside the dashed box"))  # fmt: skip
    fig.add_trace(
        go.Heatmap(
            z=x,
            text=_text(x),
            texttemplate="%{text}",
            colorscale=PLOTLY_INPUT_GRID,
            showscale=False,
            hoverinfo="skip",
        ),
        1,
        1,
    )
    fig.add_trace(go.Scatter(x=[0], y=[0], mode="markers", marker={"symbol": "square-open", "size": 34, "color": HIGHLIGHT, "line": {"width": 3}},
                             hoverinfo="skip"), 1, 1)  # fmt: skip
    high = float(np.max(canvases[-1])) if np.max(canvases[-1]) > 0 else 1.0
    fig.add_trace(go.Heatmap(z=canvases[0], text=_text(canvases[0]), texttemplate="%{text}", colorscale=PLOTLY_SEQUENTIAL, zmin=0, zmax=high,
                             showscale=False, hoverinfo="skip"), 1, 2)  # fmt: skip
    fig.add_trace(go.Scatter(x=[k / 2 - 0.5], y=[k / 2 - 0.5], mode="markers", marker={"symbol": "square-open", "size": 20 * k, "color": HIGHLIGHT,
                                                                                     "line": {"width": 2}}, hoverinfo="skip"), 1, 2)  # fmt: skip
    frames, labels = [], []
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
            "x1": full[1] - padding - 0.5, "y1": full[0] - padding - 0.5, "line": {"dash": "dash", "color": WRONG, "width": 2}}  # fmt: skip
    fig.update_layout(title={"text": f"input[0, 0] = {x[0, 0]:.3g} adds {x[0, 0]:.3g} x kernel"}, height=height, showlegend=False,
                      shapes=[crop], updatemenus=play_buttons(800), sliders=[{**frame_slider(labels, "input cell "), "x": 0.2, "len": 0.8}],
                      margin={"l": 10, "r": 10, "t": 70, "b": 10})  # fmt: skip
    _grid_axes(fig, x.shape, full)
    return fig


def window_comparison_animation(
    first: WindowSteps, second: WindowSteps, titles: tuple[str, str], height: int = 420
) -> go.Figure:
    """Return one Plotly animation with two panels: the input cells each arithmetic's window covers, for
    the same output positions side by side (e.g. a standard vs a dilated 3x3 convolution).

    Examples:
        >>> a = cnnatlas.conv_steps(torch.rand(7, 7), torch.ones(3, 3), padding=1)
        >>> b = cnnatlas.conv_steps(torch.rand(7, 7), torch.ones(3, 3), padding=2, dilation=2)
        >>> len(window_comparison_animation(a, b, ("standard", "dilated")).frames)
        49
    """
    _check_steps(first, "first")
    _check_steps(second, "second")
    titles = tuple(check_names(titles, "titles"))
    if len(titles) != 2:
        raise ValueError(f"titles: expected two titles, one per panel, got {titles!r}")
    height = check_height(height)
    if len(first.steps) != len(second.steps):
        raise ValueError(
            f"first and second must have as many output cells, got {len(first.steps)} and {len(second.steps)}"
        )
    fig = make_subplots(rows=1, cols=2, subplot_titles=titles, horizontal_spacing=0.06)
    for col, arith in ((1, first), (2, second)):
        fig.add_trace(go.Heatmap(z=arith.grid, text=_text(arith.grid), texttemplate="%{text}", colorscale=PLOTLY_INPUT_GRID,
                                 showscale=False, hoverinfo="skip"), 1, col)  # fmt: skip
    for col, arith in ((1, first), (2, second)):
        win = np.array(arith.steps[0].window)
        fig.add_trace(go.Scatter(x=win[:, 1], y=win[:, 0], mode="markers", hoverinfo="skip",
                                 marker={"symbol": "square", "size": 22, "color": HIGHLIGHT, "opacity": 0.6}), 1, col)  # fmt: skip
    frames, labels = [], []
    for n, (a, b) in enumerate(zip(first.steps, second.steps, strict=True)):
        wa, wb = np.array(a.window), np.array(b.window)
        span_a = int(wa[:, 0].max() - wa[:, 0].min() + 1)
        span_b = int(wb[:, 0].max() - wb[:, 0].min() + 1)
        taps = str(len(a.window)) if len(a.window) == len(b.window) else f"{len(a.window)} vs {len(b.window)}"
        frames.append(go.Frame(name=str(n), traces=[2, 3], data=[go.Scatter(x=wa[:, 1], y=wa[:, 0]), go.Scatter(x=wb[:, 1], y=wb[:, 0])],
                               layout={"title.text": f"output cell {a.out_index}: {taps} taps covering {span_a}x{span_a} vs {span_b}x{span_b} pixels"}))  # fmt: skip
        labels.append(f"{a.out_index[0]},{a.out_index[1]}")
    fig.frames = frames
    fig.update_layout(title={"text": "output cell (0, 0)"}, height=height, showlegend=False, updatemenus=play_buttons(400),
                      sliders=[{**frame_slider(labels, "output cell "), "x": 0.2, "len": 0.8}], margin={"l": 10, "r": 10, "t": 70, "b": 10})  # fmt: skip
    _grid_axes(fig, first.grid.shape, second.grid.shape)
    return fig
