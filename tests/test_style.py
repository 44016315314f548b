"""Tests of cnnatlas.style: the visual language's helpers keep their promises."""

from __future__ import annotations

import matplotlib
import numpy as np
import plotly.graph_objects as go
import pytest
import torch

from cnnatlas import style


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
