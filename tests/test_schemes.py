"""docs/hooks/schemes.py: each matplotlib figure is saved light and dark; the dark copy restyles the frame only."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import matplotlib.pyplot as plt
import numpy as np
import schemes  # docs/hooks, put on sys.path by conftest.py
from matplotlib.colors import to_hex, to_rgba

from cnnatlas import style


def _figure() -> plt.Figure:
    fig, (image_ax, line_ax) = plt.subplots(1, 2, figsize=(style.WIDTH, 3))
    shown = image_ax.imshow(np.arange(9.0).reshape(3, 3), cmap=style.SEQUENTIAL)
    image_ax.text(0, 0, "0", color="white")  # a number on a cell keeps the colour chosen for its cell
    image_ax.text(2, 2, "8", color="black")
    fig.colorbar(shown, ax=image_ax, label="value")
    line_ax.plot([0, 1], [0, 1], "k--", label="reference")
    line_ax.plot([0, 1], [1, 0], color=style.CATEGORICAL[1], label="data")
    line_ax.text(0.5, 0.5, "note")
    line_ax.set(title="title", xlabel="x", ylabel="y")
    line_ax.legend()
    fig.suptitle("suptitle")
    return fig


def test_dark_copy_restyles_the_frame_and_keeps_the_data() -> None:
    fig = _figure()
    image_ax, line_ax, colorbar_ax = fig.axes[0], fig.axes[1], fig.axes[2]
    pixels = image_ax.images[0].get_array().copy()
    schemes.to_dark(fig)
    fg, bg = to_rgba(style.DARK_FOREGROUND), to_rgba(style.DARK_BACKGROUND)
    assert to_rgba(fig.get_facecolor()) == bg and to_rgba(line_ax.get_facecolor()) == bg
    assert {
        to_hex(t.get_color())
        for t in (fig._suptitle, line_ax.title, line_ax.xaxis.label, colorbar_ax.yaxis.label)
    } == {to_hex(fg)}
    assert to_hex(line_ax.texts[0].get_color()) == to_hex(fg)  # black text on a plain axes
    assert [t.get_color() for t in image_ax.texts] == ["white", "black"]  # text on cells: untouched
    assert image_ax.images[0].get_cmap().name == style.SEQUENTIAL and np.array_equal(
        image_ax.images[0].get_array(), pixels
    )
    assert to_hex(line_ax.lines[0].get_color()) == to_hex(fg)  # the black reference line
    assert to_hex(line_ax.lines[1].get_color()) == style.CATEGORICAL[1]  # a data colour: untouched
    assert (
        to_hex(line_ax.get_legend().get_frame().get_facecolor()) == style.DARK_BACKGROUND
    )  # (its alpha kept)
    fig.canvas.draw()
    assert all(to_hex(t.get_color()) == to_hex(fg) for t in line_ax.get_xticklabels())
    plt.close(fig)


def test_scrape_saves_both_schemes_and_embeds_them_lazily(tmp_path: Path) -> None:
    images = tmp_path / "images"
    images.mkdir()
    paths = iter(images / f"mkd_glr_plot_x_{n:03d}.png" for n in range(1, 10))
    script = SimpleNamespace(
        run_vars=SimpleNamespace(image_path_iterator=paths), gallery=SimpleNamespace(generated_dir=tmp_path)
    )
    plt.close("all")
    _figure()
    html = schemes.scrape(("code", "", 1), script)
    assert sorted(p.name for p in images.iterdir()) == [
        "mkd_glr_plot_x_001.png",
        "mkd_glr_plot_x_001_dark.png",
    ]
    assert 'src="../images/mkd_glr_plot_x_001.png#only-light"' in html
    assert 'src="../images/mkd_glr_plot_x_001_dark.png#only-dark"' in html
    assert html.count('loading="lazy"') == 2 and f'width="{round(style.WIDTH * style.DPI)}"' in html
    assert not plt.get_fignums(), "the scraped figures are closed"
    light, dark = (
        plt.imread(images / name)[5, 5] for name in ("mkd_glr_plot_x_001.png", "mkd_glr_plot_x_001_dark.png")
    )
    assert light[:3].min() > 0.95 and np.allclose(dark[:3], to_rgba(style.DARK_BACKGROUND)[:3], atol=0.01)


def test_reset_applies_the_atlas_rc() -> None:
    schemes.reset_matplotlib({}, Path("page.py"))
    assert plt.rcParams["font.size"] == style.TEXT_SIZE and plt.rcParams["savefig.dpi"] == style.DPI
    plt.rcdefaults()
