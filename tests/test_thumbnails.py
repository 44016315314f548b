"""docs/hooks/thumbnails.py: every page has a card choice, crops keep the card's aspect, the cards are small."""

from __future__ import annotations

from pathlib import Path

import pytest
import thumbnails
import tooling
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

EXAMPLES_DIR, _ = tooling.gallery_dirs()
ASPECT = thumbnails.CARD_SIZE[0] / thumbnails.CARD_SIZE[1]


def test_every_gallery_page_has_a_thumbnail_choice() -> None:
    pages = {script.stem for script in EXAMPLES_DIR.glob("*/plot_*.py")}
    missing = sorted(pages - set(thumbnails.CHOICES))
    assert not missing, f"add an entry to thumbnails.CHOICES (figure number and box) for: {missing}"


def test_every_choice_names_a_page_that_exists() -> None:
    pages = {script.stem for script in EXAMPLES_DIR.glob("*/plot_*.py")}
    assert set(thumbnails.CHOICES) <= pages


@pytest.mark.parametrize("figure, box", [(0, thumbnails.WHOLE), (1, (0.5, 0, 0.4, 1)), (1, (0, 0, 1.2, 1))])
def test_a_bad_choice_is_refused(figure: int, box: tuple[float, float, float, float]) -> None:
    with pytest.raises(ValueError):
        thumbnails.Choice(figure, box, "nothing")


fractions = st.floats(0, 1, allow_nan=False)


@given(
    st.tuples(fractions, fractions, fractions, fractions).filter(
        lambda b: b[2] - b[0] > 0.05 and b[3] - b[1] > 0.05
    ),
    st.integers(50, 2000),
    st.integers(50, 2000),
)
def test_the_crop_contains_the_box_stays_inside_and_comes_closer_to_the_card(box, width, height) -> None:
    left, top, right, bottom = thumbnails.card_box(box, (width, height), ASPECT)
    assert 0 <= left < right <= width and 0 <= top < bottom <= height
    assert left <= round(box[0] * width) and right >= round(box[2] * width)
    assert top <= round(box[1] * height) and bottom >= round(box[3] * height)
    asked = (round(box[2] * width) - round(box[0] * width)) / (
        round(box[3] * height) - round(box[1] * height)
    )
    assert abs((right - left) / (bottom - top) - ASPECT) <= abs(asked - ASPECT) + 0.02


def test_a_panel_is_widened_to_the_card_when_the_figure_allows() -> None:
    assert thumbnails.card_box((0.4, 0.0, 0.6, 1.0), (1000, 300), ASPECT) == (300, 0, 700, 300)
    assert thumbnails.card_box((0.0, 0.0, 1.0, 1.0), (1000, 300), ASPECT) == (
        0,
        0,
        1000,
        300,
    )  # padded instead


def _strip(path: Path, panels: int = 4) -> None:
    """A multi-panel strip like the gallery's: coloured squares on white."""
    strip = Image.new("RGB", (300 * panels, 300), "white")
    for i in range(panels):
        strip.paste((40 * i, 90, 200), (300 * i + 20, 20, 300 * i + 280, 280))
    strip.save(path)


def test_a_thumbnail_is_a_card_sized_palette_png_of_the_chosen_panel(tmp_path: Path) -> None:
    _strip(tmp_path / "fig.png")
    out = tmp_path / "thumb" / "card.png"
    thumbnails.make_thumbnail(tmp_path / "fig.png", (0.25, 0.0, 0.5, 1.0), out, grow=False)
    with Image.open(out) as card:
        assert card.size == thumbnails.CARD_SIZE and card.mode == "P"
        centre = card.convert("RGB").getpixel((thumbnails.CARD_SIZE[0] // 2, thumbnails.CARD_SIZE[1] // 2))
    assert centre == pytest.approx((40, 90, 200), abs=6)  # the second panel, filling the card's height
    assert out.stat().st_size < 20_000


def test_write_thumbnails_uses_the_choice_and_falls_back_for_a_page_without_one(
    tmp_path, monkeypatch
) -> None:
    examples, out = tmp_path / "gallery", tmp_path / "out"
    for stem in ("plot_01_chosen", "plot_02_new"):
        (examples / "01_s").mkdir(parents=True, exist_ok=True)
        (examples / "01_s" / f"{stem}.py").write_text('"""T\n=\n\nText."""\n')
    images = out / "01_s" / "images"
    images.mkdir(parents=True)
    _strip(thumbnails.figure_image(images, "plot_01_chosen", 2))
    _strip(
        thumbnails.dark_variant(thumbnails.figure_image(images, "plot_01_chosen", 2))
    )  # as schemes.py saves it
    stale = thumbnails.dark_variant(thumbnails.thumbnail_file(images, "plot_02_new"))
    stale.parent.mkdir()
    stale.write_bytes(b"from an earlier build")
    for stem in ("plot_01_chosen", "plot_02_new"):  # what mkdocs-gallery leaves: a shrunk whole figure
        Image.new("RGB", (400, 100), "white").save(thumbnails.thumbnail_file(images, stem))
    monkeypatch.setitem(
        thumbnails.CHOICES, "plot_01_chosen", thumbnails.Choice(2, (0.0, 0.0, 0.25, 1.0), "a panel")
    )
    scripts = sorted(examples.glob("*/plot_*.py"))
    assert thumbnails.write_thumbnails(scripts, examples, out) == ["plot_02_new"]
    for stem in ("plot_01_chosen", "plot_02_new"):
        with Image.open(thumbnails.thumbnail_file(images, stem)) as card:
            assert card.size == thumbnails.CARD_SIZE
    assert thumbnails.dark_variant(thumbnails.thumbnail_file(images, "plot_01_chosen")).exists()
    assert not stale.exists()  # no dark figure this build: no dark card


def test_the_dark_twin_is_shown_in_the_dark_scheme_only(tmp_path: Path) -> None:
    div = (
        '<div class="mkd-glr-thumbcontainer" tooltip="x"><img alt="T" src="s/images/thumb/t.png" />'
        '<a class="reference internal" href="s/plot_01_x"><span class="std std-ref">T</span></a></div>'
    )
    assert 'src="s/images/thumb/t.png">' in thumbnails.index_cards(div, {}, tmp_path)
    (tmp_path / "s" / "images" / "thumb").mkdir(parents=True)
    (tmp_path / "s" / "images" / "thumb" / "t_dark.png").write_bytes(b"")
    both = thumbnails.index_cards(div, {}, tmp_path)
    assert 'src="s/images/thumb/t.png#only-light" loading="lazy">' in both
    assert 'src="s/images/thumb/t_dark.png#only-dark" loading="lazy">' in both


def test_the_gallery_index_gets_full_titles_and_sentences() -> None:
    div = (
        '<div class="mkd-glr-thumbcontainer" tooltip="A real photograph becomes ...">\n'
        '    <!--div class="figure align-default" id="id1"-->\n'
        '        <img alt="Tensors 101" src="01_tensors/images/thumb/mkd_glr_plot_01_tensors_101_thumb.png" />\n'
        '        <p class="caption"><span class="caption-text">\n'
        '                <a class="reference internal" href="01_tensors/plot_01_tensors_101/">\n'
        '                    <span class="std std-ref">Tensors 101</span></a></span></p>\n'
        "    <!--/div-->\n</div>\n"
    )
    page = (
        "<h2>Tensors</h2>"
        + div
        + div.replace("plot_01_tensors_101", "plot_02_new")
        + '<div class="mkd-glr-clear"></div>'
    )
    title = "Tensors 101: an image is (C, H, W), a batch is (N, C, H, W)"
    out = thumbnails.index_cards(
        page, {"plot_01_tensors_101": (title, "A real photograph becomes a 3D tensor")}
    )
    assert out.count('<div class="cnnatlas-cards">') == 1 and "mkd-glr-thumbcontainer" not in out
    assert f"<strong>{title}</strong><span>A real photograph becomes a 3D tensor</span>" in out
    assert (
        '<a class="cnnatlas-card" href="01_tensors/plot_02_new/">' in out
        and "<strong>Tensors 101</strong>" in out
    )
    assert "tooltip" not in out and "..." not in out


def test_an_unchanged_figure_s_card_is_copied_not_made_again(tmp_path, monkeypatch) -> None:
    """mkdocs-gallery overwrites every thumbnail on every build; the card of an unchanged figure is kept."""
    examples, out = tmp_path / "gallery", tmp_path / "out"
    (examples / "01_s").mkdir(parents=True)
    (examples / "01_s" / "plot_01_chosen.py").write_text('"""T\n=\n\nText."""\n')
    images = out / "01_s" / "images"
    (images / "thumb").mkdir(parents=True)
    figure = thumbnails.figure_image(images, "plot_01_chosen", 1)
    _strip(figure)
    monkeypatch.setitem(
        thumbnails.CHOICES, "plot_01_chosen", thumbnails.Choice(1, (0.25, 0.0, 0.5, 1.0), "a panel")
    )
    made = []
    make = thumbnails.make_thumbnail
    monkeypatch.setattr(thumbnails, "make_thumbnail", lambda *a, **k: (made.append(a[0]), make(*a, **k)))
    scripts = sorted(examples.glob("*/plot_*.py"))
    thumb = thumbnails.thumbnail_file(images, "plot_01_chosen")

    def build() -> bytes:
        Image.new("RGB", (400, 100), "white").save(thumb)  # what mkdocs-gallery writes on every build
        thumbnails.write_thumbnails(scripts, examples, out)
        return thumb.read_bytes()

    first = build()
    assert made == [figure]
    assert build() == first and made == [figure]  # no change: the kept card, byte for byte
    _strip(figure, panels=3)  # the page re-ran and its figure changed
    third = build()
    assert made == [figure, figure] and third != first
    assert len(list((out / thumbnails.CARDS_FOLDER).glob("*.png"))) == 1  # the old card is dropped
    direct = tmp_path / "direct.png"
    make(figure, (0.25, 0.0, 0.5, 1.0), direct)
    assert direct.read_bytes() == third  # the same card as made directly
