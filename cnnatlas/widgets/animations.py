"""Plotly animations of window steps: press play or drag the slider.

[`conv_animation()`][cnnatlas.widgets.animations.conv_animation] shows the [`WindowSteps`][cnnatlas.windows.WindowSteps] of a convolution, pooling or
transposed convolution; [`scatter_animation()`][cnnatlas.widgets.animations.scatter_animation] a transposed convolution as scatter-adds;
[`window_comparison_animation()`][cnnatlas.widgets.animations.window_comparison_animation] two window patterns side by side.

Each reads on a 390 px phone as on a laptop: the current step is read out in the title's last line (no label
per slider step), titles wrap to the phone's width, the play and pause buttons sit left of the slider, and
the window, the current cell and the input's real cells are drawn in data units, so they scale with the
cells. Numbers on the input grid are black on opaque light greys and on the window's orange, in both of
the page's colour schemes.

Examples:
    >>> fig = conv_animation(cnnatlas.conv_steps(torch.rand(4, 4), torch.ones(3, 3)))
    >>> len(fig.frames), len(fig.layout.sliders[0].steps)
    (4, 4)
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence

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
from ..display import map_limits, symmetric_limit
from ..style import (
    HIGHLIGHT,
    OUTLINE,
    PHONE_COLUMN_PX,
    PLOTLY_DIVERGING,
    PLOTLY_INPUT_GRID,
    PLOTLY_SEQUENTIAL,
    WRONG,
    text_colour_on,
)
from ..windows import WindowSteps, scatter_steps
from .controls import CHAR_EM, MAX_FRAMES, check_height, frame_slider, play_buttons

MAX_FRAME_CELLS = 50_000
"""Most heat-map cells over all frames of one animation (each frame carries its whole output): 50,000 take
about a second to build and keep the page light; a 48x48 input's 2,116 frames of 2,116 cells would take minutes."""

_TITLE_PX = 15  # the title's first lines (the caller's title)
_READOUT_PX = 13  # the title's last line(s): the current step
_PANEL_PX = 13  # each panel's title
_NOTE_PX = 12  # the layer's settings and formula under the panels: the smallest text, readable on a phone
_LINE = 1.3  # line height, in font sizes (plotly.js spaces a title's lines by its own size, whatever their spans say)
_TITLE_TOP = 8  # pixels above the title
_MARGIN_PX = 10  # left and right margins
_PLOT_PX = PHONE_COLUMN_PX - 2 * _MARGIN_PX  # the plot's width on a 390 px phone, where text must fit
_SLIDER_X = 0.22  # the slider starts right of the two buttons (about 70 px on a phone)
_INSET = 0.08  # outlines sit this far (in cells) inside their cell
# The input grid, one byte a cell per frame: its values at levels 0 to _GRID_TOP (PLOTLY_INPUT_GRID's greys),
# the window's cells at _WINDOW (the highlight colour).
_WINDOW = 255
_GRID_TOP = 114
_GRID_SCALE = [[_GRID_TOP / _WINDOW * position, colour] for position, colour in PLOTLY_INPUT_GRID] + [
    [0.5, HIGHLIGHT],
    [1.0, HIGHLIGHT],
]
_GRID_TEXT = text_colour_on(tuple(int(PLOTLY_INPUT_GRID[-1][1][i : i + 2], 16) / 255 for i in (1, 3, 5)))
"""Colour of the numbers on the input grid: chosen for its darkest grey, and it reads on the window's orange too."""


def _wrap(text: str, font_px: float, width_px: float = _PLOT_PX) -> list[str]:
    """``text`` in lines that fit ``width_px`` at ``font_px`` (at word breaks; a long word keeps its line)."""
    chars = max(8, int(width_px / (CHAR_EM * font_px)))
    return textwrap.wrap(text, chars, break_long_words=False, break_on_hyphens=False) or [""]


def _title(head: str | None, readout: str) -> dict[str, object]:
    """The title's layout for one frame: ``head`` wrapped, then the readout of the current step in smaller
    type (the readout alone, at the title's size, when there is no ``head``). plotly.js centres a title of
    several lines on where one line would be: the top padding makes up for it, so the first line is never cut."""
    lines = _wrap(head, _TITLE_PX) if head else []
    readout_lines = _wrap(readout, _READOUT_PX if head else _TITLE_PX)
    if head:
        readout_lines = [f'<span style="font-size:{_READOUT_PX}px">{line}</span>' for line in readout_lines]
    count = len(lines) + len(readout_lines)
    return {"title.text": "<br>".join(lines + readout_lines),
            "title.pad.t": _TITLE_TOP + round((count - 1) * _LINE * _TITLE_PX / 2), "lines": count}  # fmt: skip


def _frame_title(title: dict[str, object]) -> dict[str, object]:
    """A frame's layout: its title's text and padding."""
    return {key: value for key, value in title.items() if key != "lines"}


def _panel_titles(titles: Sequence[str], widths: Sequence[float]) -> tuple[list[str], float]:
    """Panel titles wrapped to their panel's width on a phone, and the height of the tallest in pixels."""
    wrapped = [_wrap(t, _PANEL_PX, w * _PLOT_PX) for t, w in zip(titles, widths, strict=True)]
    return ["<br>".join(lines) for lines in wrapped], _LINE * _PANEL_PX * max(len(lines) for lines in wrapped)


def _size(shape: tuple[int, ...]) -> str:
    return f"{shape[0]}x{shape[1]}"


def _text(values: np.ndarray) -> list[list[str]]:
    return [["" if not np.isfinite(v) else f"{v:.3g}" for v in row] for row in values]


def _output_scale(values: np.ndarray) -> dict[str, object]:
    """Colour scale and range of an output: the diverging scale centred on 0 if any value is negative, else
    the sequential scale over the values' range."""
    if values.size and float(values.min()) < 0:
        limit = symmetric_limit(values)
        return {"colorscale": PLOTLY_DIVERGING, "zmin": -limit, "zmax": limit}
    low, high, _ = map_limits(values) if values.size else (0.0, 1.0, False)
    return {"colorscale": PLOTLY_SEQUENTIAL, "zmin": low, "zmax": high}


def _grid_levels(grid: np.ndarray) -> np.ndarray:
    """The input grid's values as levels 0 to ``_GRID_TOP`` on ``_GRID_SCALE``: one byte a cell (the page
    holds one grid per frame), or float32 where the grid has gaps (NaN: the padding of a max pooling)."""
    finite = np.isfinite(grid)
    values = grid[finite]
    low, high = (float(values.min()), float(values.max())) if values.size else (0.0, 1.0)
    span = high - low if high > low else 1.0
    levels = np.rint(_GRID_TOP * (np.where(finite, grid, low) - low) / span)
    return levels.astype(np.uint8) if finite.all() else np.where(finite, levels, np.nan).astype(np.float32)


def _with_window(levels: np.ndarray, window: Sequence[tuple[int, int]]) -> np.ndarray:
    """``levels`` with the cells of ``window`` at the window's colour."""
    shown = levels.copy()
    rows, cols = zip(*window, strict=True)
    shown[list(rows), list(cols)] = _WINDOW
    return shown


def _grid_trace(grid: np.ndarray, window: Sequence[tuple[int, int]]) -> go.Heatmap:
    """The input grid: its numbers on light greys, the window's cells in the highlight colour."""
    return go.Heatmap(z=_with_window(_grid_levels(grid), window), text=_text(grid), texttemplate="%{text}",
                      textfont={"color": _GRID_TEXT}, colorscale=_GRID_SCALE, zmin=0, zmax=_WINDOW, showscale=False,
                      hoverinfo="skip")  # fmt: skip


def _box(row0: float, col0: float, rows: float, cols: float) -> dict[str, list[float]]:
    """x and y of a closed outline around ``rows`` x ``cols`` cells from cell (row0, col0), just inside them."""
    top, left = row0 - 0.5 + _INSET, col0 - 0.5 + _INSET
    bottom, right = row0 + rows - 0.5 - _INSET, col0 + cols - 0.5 - _INSET
    return {"x": [left, right, right, left, left], "y": [top, top, bottom, bottom, top]}


def _outline_trace(row: float, col: float, rows: float = 1, cols: float = 1, width: int = 3) -> go.Scatter:
    return go.Scatter(**_box(row, col, rows, cols), mode="lines", line={"color": HIGHLIGHT, "width": width},
                      hoverinfo="skip")  # fmt: skip


def _ring_shapes(cells: Sequence[tuple[int, int]], grid_shape: tuple[int, ...]) -> list[dict]:
    """Outlines of the input's real cells on the grid, unless every grid cell is one (then they say nothing)."""
    if len(cells) == grid_shape[0] * grid_shape[1]:
        return []
    return [{"type": "rect", "xref": "x", "yref": "y", "x0": c - 0.5 + _INSET, "x1": c + 0.5 - _INSET,
             "y0": r - 0.5 + _INSET, "y1": r + 0.5 - _INSET, "line": {"color": OUTLINE, "width": 2}}
            for r, c in cells]  # fmt: skip


def _finish(fig: go.Figure, titles: Sequence[dict[str, object]], panels: float, note: str, height: int,
            duration_ms: int) -> None:  # fmt: skip
    """Lay out ``fig`` for a phone and a laptop alike: the first of the frames' ``titles`` (from ``_title``)
    and ``panels`` pixels of panel titles above the plot, with room for the tallest title; ``note`` (lines
    that fit a phone), the buttons and the slider below it."""
    title_px = _LINE * _TITLE_PX * max(int(t["lines"]) for t in titles)
    note_px = _LINE * _NOTE_PX * (note.count("<br>") + 1) + 8 if note else 0
    controls_top = note_px + 6
    annotations = list(fig.layout.annotations)
    if note:
        annotations.append({"text": note, "xref": "paper", "yref": "paper", "x": 0, "y": 0, "xanchor": "left",
                            "yanchor": "top", "yshift": -6, "align": "left", "showarrow": False,
                            "font": {"size": _NOTE_PX}})  # fmt: skip
    fig.update_layout(
        title={"text": titles[0]["title.text"], "x": 0, "xref": "container", "xanchor": "left", "y": 1,
               "yref": "container", "yanchor": "top", "pad": {"t": titles[0]["title.pad.t"], "l": _MARGIN_PX},
               "font": {"size": _TITLE_PX}},
        height=height, showlegend=False, annotations=annotations,
        margin={"l": _MARGIN_PX, "r": _MARGIN_PX, "t": math.ceil(_TITLE_TOP + title_px + 10 + panels + 4), "b": 10},
        updatemenus=[{**menu, "y": 0, "yanchor": "top", "pad": {"t": controls_top}} for menu in play_buttons(duration_ms)],
        sliders=[{**frame_slider([""] * len(fig.frames), ""), "currentvalue": {"visible": False}, "x": _SLIDER_X,
                  "len": 1 - _SLIDER_X, "y": 0, "yanchor": "top", "pad": {"t": controls_top, "r": 4}}],
    )  # fmt: skip


def _grid_axes(fig: go.Figure, left: tuple[int, ...], right: tuple[int, ...]) -> None:
    """Make both panels show whole cells, square, row 0 at the top, without ticks."""
    for col, shape in ((1, left), (2, right)):
        fig.update_xaxes(
            range=[-0.5, shape[1] - 0.5], showticklabels=False, showgrid=False, zeroline=False, row=1, col=col
        )
        fig.update_yaxes(range=[shape[0] - 0.5, -0.5], showticklabels=False, showgrid=False, zeroline=False,
                         scaleanchor="x" if col == 1 else "x2", row=1, col=col)  # fmt: skip


def _check_steps(arith: object, name: str) -> WindowSteps:
    """Refuse anything but WindowSteps with 1 to MAX_FRAMES steps."""
    check_instance(arith, name, WindowSteps)
    assert isinstance(arith, WindowSteps)
    if not arith.steps:
        raise ValueError(f"{name}: expected at least one step, got none")
    check_at_most(len(arith.steps), name, MAX_FRAMES, "steps (animation frames)", limit_name="MAX_FRAMES",
                  hint="use a smaller input, a larger stride or a smaller padding")  # fmt: skip
    return arith


_SYMBOLS = {"kernel_size": "k", "stride": "s", "padding": "p", "dilation": "d"}  # the formula's letters


def conv_animation(arith: WindowSteps, title: str | None = None, height: int = 430) -> go.Figure:
    """Return an interactive Plotly animation of ``arith``: press play or drag the slider.

    Left: the grid the kernel slides over (real input cells ringed when there is padding or inserted zeros)
    with the current window in orange. Right: the output filling up, the current cell outlined; the title's
    last line reads out its value, computed by PyTorch. Under the panels: the layer's settings in the
    formula's letters, and the output-size formula. At most [`MAX_FRAMES`][cnnatlas.widgets.controls.MAX_FRAMES] frames, and
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
    head = title or arith.kind
    grid, output = arith.grid, arith.output
    shown_grid = np.where(np.isfinite(grid), grid, np.nan)
    if grid.shape == arith.input.shape:
        left = f"input {_size(arith.input.shape)}"
    elif arith.kind == "transposed conv":
        left = f"input {_size(arith.input.shape)} + zeros: {_size(grid.shape)}"
    else:
        left = f"input {_size(arith.input.shape)} padded: {_size(grid.shape)}"
    widths = (0.55, 0.45)
    panel_titles, panels_px = _panel_titles((left, f"output {_size(output.shape)}"), widths)
    fig = make_subplots(
        rows=1, cols=2, column_widths=list(widths), horizontal_spacing=0.06, subplot_titles=panel_titles
    )
    fig.update_annotations(font_size=_PANEL_PX)
    levels = _grid_levels(shown_grid)
    first = arith.steps[0]
    fig.add_trace(_grid_trace(shown_grid, first.window), 1, 1)
    partial = np.full(output.shape, np.nan, dtype=np.float32)
    partial[first.out_index] = first.value
    finite = output[np.isfinite(output)]
    fig.add_trace(go.Heatmap(z=partial, text=_text(partial), texttemplate="%{text}", showscale=False, hoverinfo="skip",
                             **_output_scale(finite)), 1, 2)  # fmt: skip
    fig.add_trace(_outline_trace(*first.out_index), 1, 2)

    def readout(step) -> str:
        return f"output[{step.out_index[0]}, {step.out_index[1]}] = {step.value:.4g}"

    frames, titles = [], []
    for n, step in enumerate(arith.steps):
        titles.append(_title(head, readout(step)))
        partial = np.full(output.shape, np.nan, dtype=np.float32)
        for done in arith.steps[: n + 1]:
            partial[done.out_index] = done.value
        frames.append(go.Frame(name=str(n), traces=[0, 1, 2], data=[
            go.Heatmap(z=_with_window(levels, step.window)),
            go.Heatmap(z=partial, text=_text(partial)),
            go.Scatter(**_box(*step.out_index, 1, 1)),
        ], layout=_frame_title(titles[-1])))  # fmt: skip
    fig.frames = frames
    settings = ", ".join(f"{_SYMBOLS.get(k, k)}={v}" for k, v in arith.params.items())
    note = "<br>".join(_wrap(settings, _NOTE_PX) + _wrap(arith.formula, _NOTE_PX))
    _finish(fig, titles, panels_px, note, height, 600)
    fig.update_layout(shapes=_ring_shapes(arith.input_cells, grid.shape))
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
    widths = (0.3, 0.7)
    panel_titles, panels_px = _panel_titles(
        (f"input {_size(x.shape)}", f"canvas {_size(full)}; output {_size(output.shape)} in the dashed box"),
        widths,
    )
    fig = make_subplots(
        rows=1, cols=2, column_widths=list(widths), horizontal_spacing=0.06, subplot_titles=panel_titles
    )
    fig.update_annotations(font_size=_PANEL_PX)
    levels = _grid_levels(x)
    fig.add_trace(_grid_trace(x, [(0, 0)]), 1, 1)
    every = np.concatenate([np.ravel(c) for c in canvases])
    fig.add_trace(go.Heatmap(z=canvases[0].astype(np.float32), text=_text(canvases[0]), texttemplate="%{text}", showscale=False, hoverinfo="skip",
                             **_output_scale(every[np.isfinite(every)])), 1, 2)  # fmt: skip
    fig.add_trace(_outline_trace(0, 0, k, k), 1, 2)

    def readout(i: int, j: int) -> str:
        return (f"input[{i}, {j}] = {x[i, j]:.3g} adds {x[i, j]:.3g} x kernel to canvas rows "
                f"{i * stride}..{i * stride + k - 1}, cols {j * stride}..{j * stride + k - 1}")  # fmt: skip

    frames, titles = [], []
    for n, canvas in enumerate(canvases):
        i, j = divmod(n, w)
        titles.append(_title(None, readout(i, j)))
        frames.append(go.Frame(name=str(n), traces=[0, 1, 2], data=[
            go.Heatmap(z=_with_window(levels, [(i, j)])), go.Heatmap(z=canvas.astype(np.float32), text=_text(canvas)),
            go.Scatter(**_box(i * stride, j * stride, k, k)),
        ], layout=_frame_title(titles[-1])))  # fmt: skip
    fig.frames = frames
    crop = {"type": "rect", "xref": "x2", "yref": "y2", "x0": padding - 0.5, "y0": padding - 0.5,
            "x1": full[1] - padding - 0.5, "y1": full[0] - padding - 0.5, "line": {"dash": "dash", "color": WRONG, "width": 2}}  # fmt: skip
    _finish(fig, titles, panels_px, "", height, 800)
    fig.update_layout(shapes=[crop])
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
    panel_titles, panels_px = _panel_titles(titles, (0.47, 0.47))
    fig = make_subplots(rows=1, cols=2, subplot_titles=panel_titles, horizontal_spacing=0.06)
    fig.update_annotations(font_size=_PANEL_PX)
    levels = [_grid_levels(arith.grid) for arith in (first, second)]
    for col, arith in ((1, first), (2, second)):
        fig.add_trace(_grid_trace(arith.grid, arith.steps[0].window), 1, col)

    def readout(a, b) -> str:
        wa, wb = np.array(a.window), np.array(b.window)
        span_a = int(wa[:, 0].max() - wa[:, 0].min() + 1)
        span_b = int(wb[:, 0].max() - wb[:, 0].min() + 1)
        taps = str(len(a.window)) if len(a.window) == len(b.window) else f"{len(a.window)} vs {len(b.window)}"
        return (
            f"output cell {a.out_index}: {taps} taps covering {span_a}x{span_a} vs {span_b}x{span_b} pixels"
        )

    frames, titles = [], []
    for n, (a, b) in enumerate(zip(first.steps, second.steps, strict=True)):
        titles.append(_title(None, readout(a, b)))
        frames.append(go.Frame(name=str(n), traces=[0, 1], data=[
            go.Heatmap(z=_with_window(levels[0], a.window)), go.Heatmap(z=_with_window(levels[1], b.window)),
        ], layout=_frame_title(titles[-1])))  # fmt: skip
    fig.frames = frames
    _finish(fig, titles, panels_px, "", height, 400)
    _grid_axes(fig, first.grid.shape, second.grid.shape)
    return fig
