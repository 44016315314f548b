"""Tests of cnnatlas.style: the visual language's helpers keep their promises."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import plotly.graph_objects as go
import pytest
import torch
from matplotlib.figure import Figure
from matplotlib.text import Text
from torch import nn

import cnnatlas
from cnnatlas import style

STYLED_SECTIONS = ("01_tensors", "02_sampling", "03_models")
"""Gallery sections whose pages are checked for style literals."""
PENDING: dict[str, str] = {}
"""Pages known to break the visual language, with why: expected to fail until fixed (then remove them)."""


def test_colour_maps_exist_in_both_libraries() -> None:
    for name in style.MATPLOTLIB_CMAPS:
        assert name in matplotlib.colormaps
    for name in style.PLOTLY_COLORSCALES:
        go.Heatmap(colorscale=name)  # plotly.py refuses an unknown name


def test_matplotlib_and_plotly_maps_agree_at_both_ends() -> None:
    for cmap, scale in ((style.SEQUENTIAL, style.PLOTLY_SEQUENTIAL), (style.DIVERGING, style.PLOTLY_DIVERGING),
                        (style.GRAY, style.PLOTLY_GRAY)):  # fmt: skip
        stops = go.Heatmap(colorscale=scale).colorscale
        for position in (0, -1):
            plotly_rgb = np.array(matplotlib.colors.to_rgb(_css(stops[position][1])))
            mpl_rgb = np.array(matplotlib.colormaps[cmap](float(stops[position][0]))[:3])
            assert np.abs(plotly_rgb - mpl_rgb).max() < 0.08, (cmap, scale, position)


def _css(colour: str) -> str:
    if colour.startswith("rgb("):
        return "#" + "".join(f"{int(v):02x}" for v in colour[4:-1].split(","))
    return colour


@pytest.mark.parametrize("values", [np.array([-3.0, 1.0]), torch.tensor([[0.5, -2.0]]), np.zeros(3)])
def test_diverging_scale_is_centred_on_zero_and_holds_every_value(values: object) -> None:
    scale = style.diverging_scale(values)
    assert scale["cmap"] == style.DIVERGING and scale["vmin"] == -scale["vmax"] > -np.inf
    assert float(np.abs(np.asarray(values)).max()) <= scale["vmax"]


def test_diverging_scale_refuses_what_it_cannot_centre() -> None:
    with pytest.raises(ValueError, match="finite"):
        style.diverging_scale(np.array([np.nan, 1.0]))
    with pytest.raises(ValueError, match="> 0"):
        style.diverging_scale(np.ones(2), limit=0)
    with pytest.raises(TypeError, match="numpy array"):
        style.symmetric_range([1.0, -2.0])


def test_text_size_is_readable_on_a_phone_at_full_width() -> None:
    assert style.phone_px(style.TEXT_SIZE, style.WIDTH) >= style.MIN_PHONE_PX
    assert style.WIDTH * style.DPI <= 690  # the page's text column on a 1280 px laptop
    assert style.grid_figsize(1, 8)[0] == style.WIDTH


# The visual language is used: every figure function and every gallery page takes its colour maps, colours,
# widths and font sizes from cnnatlas.style (read from the source, so a new literal fails here).

ROOT = Path(__file__).resolve().parent.parent
STYLED_SOURCES = sorted((ROOT / "cnnatlas" / "figures").glob("*.py")) + [
    ROOT / "cnnatlas" / "widgets" / name for name in ("animations.py", "controls.py")
]
STYLED_PAGES = sorted(p for folder in STYLED_SECTIONS for p in (ROOT / "gallery" / folder).glob("plot_*.py"))
LITERALS = {
    "a colour map by name (use cnnatlas.style.SEQUENTIAL, DIVERGING, GRAY or CHANNEL_CMAPS)": re.compile(
        r"""(cmap|colorscale)\s*=\s*["']|get_cmap\(\s*["']"""
    ),
    "a font size in points (use the default, cnnatlas.style.TEXT_SIZE or TITLE_SIZE)": re.compile(
        r"fontsize\s*=\s*\d|font\w*\s*=\s*\{[^}]*[\"']size[\"']\s*:\s*\d"
    ),
    "a figure width in inches (use cnnatlas.style.WIDTH, NARROW or grid_figsize)": re.compile(
        r"figsize\s*=\s*\(\s*\d"
    ),
    "a colour by hex or tab: name (use cnnatlas.style.CATEGORICAL, HIGHLIGHT, OUTLINE, WRONG)": re.compile(
        r"""["'](#[0-9a-fA-F]{6}|tab:\w+)["']"""
    ),
}


@pytest.mark.parametrize(
    "path",
    [
        pytest.param(p, marks=pytest.mark.xfail(reason=PENDING[p.name])) if p.name in PENDING else p
        for p in STYLED_SOURCES + STYLED_PAGES
    ],
    ids=lambda p: p.relative_to(ROOT).as_posix(),
)
def test_figures_and_pages_take_their_style_from_cnnatlas_style(path: Path) -> None:
    found = [
        f"line {number}: {what}: {line.strip()}"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        for what, pattern in LITERALS.items()
        if pattern.search(line.split("#", 1)[0] if not line.lstrip().startswith("#") else "")
    ]
    assert not found, "\n".join(found)


def _figures() -> dict[str, Callable[[], Figure]]:
    from cnnatlas.train import EpochStats, TrainResult

    torch.manual_seed(0)
    data = cnnatlas.ImageDataset("toy", "test", (torch.rand(8, 3, 16, 16) * 255).to(torch.uint8),
                                 torch.arange(8) % 4, ("airplane", "automobile", "T-shirt/top", "ankle boot"),
                                 "made up")  # fmt: skip
    history = [EpochStats(i, 1.0 / i, 0.5 + 0.1 * i, 1.1 / i, 0.45 + 0.1 * i, 0.5) for i in (1, 2, 3)]
    result = TrainResult("LeNet", "Fashion-MNIST", "cpu", "CPU", "2", "0.1.0", "full", 3, 10, 1.0, 20.0, 0.5,
                         0.7, (0.0,), (1.0,), history)  # fmt: skip
    net = nn.Sequential(nn.Conv2d(3, 1, 5), nn.Conv2d(1, 1, 5))
    field = cnnatlas.receptive_fields(net, (1, 3, 32, 32))[-1]
    gradient = torch.zeros(32, 32)
    gradient[10:20, 10:20] = 1.0
    return {
        "channels_figure": lambda: cnnatlas.channels_figure(torch.rand(3, 32, 48)),
        "channels_figure 8": lambda: cnnatlas.channels_figure(torch.rand(8, 16, 16)),
        "batch_figure": lambda: cnnatlas.batch_figure(torch.rand(4, 3, 16, 16)),
        "memory_order_figure": lambda: cnnatlas.memory_order_figure(torch.zeros(2, 3, 4, 4)),
        "kernels_figure": lambda: cnnatlas.kernels_figure(torch.randn(16, 8, 3, 3)),
        "kernels_figure small": lambda: cnnatlas.kernels_figure(torch.randn(2, 1, 5, 5)),
        "rgb_kernels_figure": lambda: cnnatlas.rgb_kernels_figure(torch.randn(32, 3, 5, 5)),
        "feature_maps_figure": lambda: cnnatlas.feature_maps_figure(torch.rand(16, 8, 8), title="maps"),
        "feature_maps_figure signed": lambda: cnnatlas.feature_maps_figure(torch.randn(4, 8, 8), cmap=style.DIVERGING),
        "confusion_figure": lambda: cnnatlas.confusion_figure(torch.randint(0, 999, (10, 10)), [f"c{i}" for i in range(10)]),
        "predictions_figure": lambda: cnnatlas.predictions_figure(data, torch.tensor([1, 0, 3, 2, 0, 1, 2, 3]), range(8)),
        "receptive_field_figure": lambda: cnnatlas.receptive_field_figure(torch.rand(3, 32, 32), field, (8, 8), gradient),
        "history_figure": lambda: cnnatlas.history_figure(result),
    }  # fmt: skip


FIGURES = _figures()


@pytest.mark.parametrize("name", FIGURES)
def test_figure_fits_the_column_and_its_text_reads_on_a_phone(name: str) -> None:
    with plt.rc_context(style.RC):  # what the site applies before each page
        fig = FIGURES[name]()
        fig.canvas.draw()  # ticks exist once drawn
        width = fig.get_size_inches()[0]
        texts = [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]
        small = {
            t.get_text(): t.get_fontsize()
            for t in texts
            if style.phone_px(t.get_fontsize(), width) < style.MIN_PHONE_PX
        }
        cmaps = {
            image.get_cmap().name for ax in fig.axes for image in ax.images if image.get_array().ndim == 2
        }
        plt.close(fig)
    assert width <= style.WIDTH + 1e-9, f"{width} inches is wider than the text column"
    assert not small, f"unreadable on a 390 px phone: {small}"
    assert cmaps <= set(style.MATPLOTLIB_CMAPS), cmaps


def test_signed_maps_are_centred_on_zero() -> None:
    fig = cnnatlas.kernels_figure(torch.randn(3, 2, 3, 3) + 0.5)
    for image in (a.images[0] for a in fig.axes if a.images):
        low, high = image.get_clim()
        assert image.get_cmap().name == style.DIVERGING and low == -high
    fig = cnnatlas.feature_maps_figure(torch.randn(3, 4, 4) + 1.0, cmap=style.DIVERGING)
    assert all(a.images[0].get_clim()[0] == -a.images[0].get_clim()[1] for a in fig.axes if a.images)
    plt.close("all")
