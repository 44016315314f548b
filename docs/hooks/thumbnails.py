"""Gallery thumbnails: each page's card shows one telling panel of one of its figures, legible at card size.

The choice is made here, in one table (:data:`CHOICES`: page stem -> which figure, and which part of it),
not in the pages. mkdocs-gallery saves every matplotlib figure of a page as ``images/mkd_glr_<stem>_NNN.png``
and makes ``images/thumb/mkd_glr_<stem>_thumb.png`` by shrinking a whole figure (a multi-panel strip becomes
a few pixels tall). After the examples ran, ``site_hook.py`` calls :func:`write_thumbnails`, which
overwrites each thumbnail with the chosen panel of the real figure of this build, widened to the card's
aspect and resized to :data:`CARD_SIZE`. The gallery index and the landing page's cards both show that file.
Where ``schemes.py`` saved the figure's dark copy (``..._NNN_dark.png``), the same panel of it becomes
``mkd_glr_<stem>_thumb_dark.png``, and the cards show each in its scheme (Material's ``#only-light`` and
``#only-dark``, loaded lazily: a reader downloads one of the two).

The gallery index gets the landing page's cards too (:func:`index_cards`): mkdocs-gallery's floating
thumbnails, whose titles were cut by the next row and whose hover text was cut at 95 characters, become
the same grid of cards, with the full title and the page's first sentence.

A page with no entry (a new page) keeps mkdocs-gallery's whole-figure thumbnail, fitted to the card; the
test ``tests/test_site_output.py`` asks for an entry for every page.

mkdocs-gallery writes its thumbnail again on every build, also for a page that did not re-run, so each card
is kept in :data:`CARDS_FOLDER` (a hidden folder in the gallery output folder, which MkDocs does not publish)
under a hash of what makes it: the source image's bytes, the box, and this file. A build whose figures did
not change copies the kept cards instead of cropping and quantizing 40 images again.
"""

from __future__ import annotations

import hashlib
import re
import shutil
from dataclasses import dataclass
from html import escape
from pathlib import Path

CARD_SIZE = (480, 360)  # px, 4:3: twice the CSS size of a card's image, sharp on high-density screens
CARD_COLOURS = 128  # palette size of the written PNG: a card image stays small (the landing page shows all)
DARK_SUFFIX = "_dark"  # as schemes.py names a figure's dark copy: mkd_glr_x_001.png -> mkd_glr_x_001_dark.png
CARDS_FOLDER = ".cards"  # in the gallery output folder: each card made, named by the hash of what made it


@dataclass(frozen=True)
class Choice:
    """Which part of which figure of a page makes its card.

    ``figure`` counts the page's matplotlib figures from 1, as mkdocs-gallery numbers its images;
    ``box`` is (left, top, right, bottom) as fractions of that figure's width and height; with ``grow``
    the box widens (or heightens) towards the card's aspect, inside the figure, else it is padded.
    """

    figure: int
    box: tuple[float, float, float, float]
    shows: str  # what the reader sees on the card (for the maintainer reading this table)
    grow: bool = True

    def __post_init__(self) -> None:
        left, top, right, bottom = self.box
        if self.figure < 1:
            raise ValueError(f"figure counts from 1, got {self.figure}")
        if not (0 <= left < right <= 1 and 0 <= top < bottom <= 1):
            raise ValueError(f"box must be fractions with left < right and top < bottom, got {self.box}")


WHOLE = (0.0, 0.0, 1.0, 1.0)

CHOICES: dict[str, Choice] = {
    # 01 Tensors and shapes
    "plot_01_tensors_101": Choice(
        3, (0.0, 0.0, 1.0, 0.55), "a batch: two photos, each split into its channels", grow=False
    ),
    "plot_02_convolution": Choice(
        1, (0.54, 0.5, 1.0, 1.0), "the Sobel gradient magnitude: an edge map", grow=False
    ),
    "plot_03_building_blocks": Choice(1, (0.4, 0.1, 0.6, 0.85), "one input channel through its conv weights"),
    "plot_04_shape_flow": Choice(1, (0.5, 0.0, 1.0, 1.0), "multiply-adds per layer of a small CNN"),
    "plot_05_nchw_vs_nhwc": Choice(1, (0.0, 0.0, 0.33, 1.0), "the same tensor, two memory orders"),
    "plot_06_reshape_pitfalls": Choice(2, (0.0, 0.0, 0.67, 1.0), "a photo, and the same numbers read as HWC"),
    "plot_07_channel_shuffle": Choice(1, (0.05, 0.0, 0.65, 1.0), "channel shuffle: which channel goes where"),
    # 02 Down-sampling, up-sampling and receptive fields
    "plot_01_downsampling": Choice(1, (0.33, 0.5, 1.0, 1.0), "4 max pools vs 4 average pools", grow=False),
    "plot_02_receptive_fields": Choice(2, (0.33, 0.0, 1.0, 1.0), "effective receptive fields in their boxes"),
    "plot_03_dilated_convolution": Choice(2, (0.33, 0.0, 1.0, 1.0), "the gridding of stacked dilations"),
    "plot_04_transposed_convolution": Choice(4, (0.0, 0.0, 0.5, 1.0), "a smooth bump, and its checkerboard"),
    "plot_05_arithmetic_atlas": Choice(2, (0.0, 0.0, 0.5, 1.0), "zero and reflect padding, cell by cell"),
    "plot_06_down_up_network": Choice(
        4, (0.28, 0.0, 0.865, 1.0), "the checkerboard error of transposed convolution"
    ),
    # 03 Models
    "plot_01_lenet_fashion_mnist": Choice(7, WHOLE, "the confusion matrix on FashionMNIST"),
    "plot_02_cifar10_cnn": Choice(
        3, (0.0, 0.0, 0.6, 0.5), "CIFAR-10 test images and their labels", grow=False
    ),
    "plot_03_kernels_and_feature_maps": Choice(
        6, (0.0, 0.055, 0.5, 1.0), "four feature maps of a first conv layer", grow=False
    ),
    "plot_04_resnet_blocks": Choice(2, WHOLE, "training loss: 8 plain, 32 plain, 32 residual layers"),
    "plot_05_where_a_unit_looks": Choice(
        2, (0.67, 0.0, 1.0, 1.0), "a deep unit's receptive field on a photo", grow=False
    ),
    "plot_06_your_own_model": Choice(6, (0.1, 0.12, 0.86, 0.7), "a unit's receptive field on your photo"),
    "plot_07_live_atlas": Choice(1, (0.0, 0.5, 1.0, 1.0), "CIFAR-10 test images, one per class"),
}


def card_box(
    box: tuple[float, float, float, float], size: tuple[int, int], aspect: float
) -> tuple[int, int, int, int]:
    """Return the pixel crop (left, top, right, bottom) for a fractional ``box`` of an image of ``size``.

    The box grows around its centre, inside the image, towards ``aspect`` (width / height), so that the
    card shows a little more of the figure rather than empty padding; it never shrinks.

    >>> card_box((0.0, 0.0, 0.5, 1.0), (800, 300), 4 / 3)
    (0, 0, 400, 300)
    >>> card_box((0.4, 0.0, 0.6, 1.0), (1000, 300), 4 / 3)
    (300, 0, 700, 300)
    """
    width, height = size
    left, top = round(box[0] * width), round(box[1] * height)
    right, bottom = round(box[2] * width), round(box[3] * height)
    if (right - left) / (bottom - top) < aspect:  # too narrow: widen
        left, right = _grow(left, right, round((bottom - top) * aspect), width)
    else:  # too flat: heighten
        top, bottom = _grow(top, bottom, round((right - left) / aspect), height)
    return left, top, right, bottom


def _grow(low: int, high: int, want: int, limit: int) -> tuple[int, int]:
    """Widen [low, high) to ``want`` pixels around its centre, shifted to stay inside [0, limit)."""
    want = min(want, limit)
    extra = want - (high - low)
    low -= extra // 2
    high += extra - extra // 2
    shift = max(0, -low) - max(0, high - limit)
    return low + shift, high + shift


def make_thumbnail(image: Path, box: tuple[float, float, float, float], out: Path, grow: bool = True) -> None:
    """Write the card image of ``box`` of ``image`` to ``out``: cropped, padded to the card, resized, palette PNG."""
    from PIL import Image  # matplotlib's dependency; imported here so that importing this module stays cheap

    with Image.open(image) as source:
        picture = source.convert("RGB")
    aspect = CARD_SIZE[0] / CARD_SIZE[1]
    width, height = picture.size
    exact = (round(box[0] * width), round(box[1] * height), round(box[2] * width), round(box[3] * height))
    panel = picture.crop(card_box(box, picture.size, aspect) if grow else exact)
    scale = min(CARD_SIZE[0] / panel.width, CARD_SIZE[1] / panel.height)
    resized = panel.resize(
        (max(1, round(panel.width * scale)), max(1, round(panel.height * scale))), Image.LANCZOS
    )
    card = Image.new("RGB", CARD_SIZE, picture.getpixel((0, 0)))  # padded with the figure's own background
    card.paste(resized, ((CARD_SIZE[0] - resized.width) // 2, (CARD_SIZE[1] - resized.height) // 2))
    out.parent.mkdir(parents=True, exist_ok=True)
    card.quantize(CARD_COLOURS, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(
        out, optimize=True
    )


def card_key(image: Path, box: tuple[float, float, float, float], grow: bool) -> str:
    """Return the hash of what makes a card: the bytes of ``image``, ``box``, ``grow`` and this module's code.

    >>> import tempfile
    >>> image = Path(tempfile.mkdtemp()) / "fig.png"
    >>> _ = image.write_bytes(b"pixels")
    >>> card_key(image, WHOLE, True) == card_key(image, WHOLE, True) != card_key(image, WHOLE, False)
    True
    """
    digest = hashlib.sha256(Path(__file__).read_bytes())
    digest.update(repr((tuple(box), grow, CARD_SIZE, CARD_COLOURS)).encode())
    digest.update(image.read_bytes())
    return digest.hexdigest()[:32]


def _card(image: Path, box: tuple[float, float, float, float], out: Path, grow: bool, kept: Path, used: set) -> None:
    """Write the card of ``box`` of ``image`` to ``out``: a copy of the one kept in ``kept`` if it was made before."""
    card = kept / f"{card_key(image, box, grow)}.png"
    if not card.exists():
        make_thumbnail(image, box, card, grow)
    used.add(card.name)
    out.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(card, out)


def figure_image(images_dir: Path, stem: str, figure: int) -> Path:
    """Return where mkdocs-gallery saves figure number ``figure`` (from 1) of the page ``stem``."""
    return images_dir / f"mkd_glr_{stem}_{figure:03d}.png"


def thumbnail_file(images_dir: Path, stem: str) -> Path:
    """Return the thumbnail file mkdocs-gallery writes for the page ``stem`` (and that its index shows)."""
    return images_dir / "thumb" / f"mkd_glr_{stem}_thumb.png"


def dark_variant(path: Path) -> Path:
    """Return the dark-scheme twin of an image path (``a_001.png`` -> ``a_001_dark.png``)."""
    return path.with_name(path.stem + DARK_SUFFIX + path.suffix)


def card_images_markdown(alt: str, thumb: str, has_dark: bool) -> str:
    """Return the Markdown of a card's image: one, or a light and a dark one shown in their scheme only.

    >>> card_images_markdown("T", "a/t.png", True)
    '![T](a/t.png#only-light){ loading=lazy }![T](a/t_dark.png#only-dark){ loading=lazy }'
    >>> card_images_markdown("T", "a/t.png", False)
    '![T](a/t.png)'
    """
    if not has_dark:
        return f"![{alt}]({thumb})"
    dark = dark_variant(Path(thumb)).as_posix()
    return f"![{alt}]({thumb}#only-light){{ loading=lazy }}![{alt}]({dark}#only-dark){{ loading=lazy }}"


def write_thumbnails(scripts: list[Path], examples_dir: Path, out_dir: Path) -> list[str]:
    """Write every page's card image from its chosen figure; return the pages that kept a fallback.

    ``scripts`` are the gallery's example scripts, ``examples_dir`` their folder and ``out_dir`` the
    gallery output folder (``images/`` of each section is under it). A page without an entry in
    :data:`CHOICES`, or whose chosen figure was not saved, keeps mkdocs-gallery's own thumbnail,
    fitted to the card. Each card is made once per source image and box (kept in ``out_dir/.cards``); the
    kept cards that no page used in this call are removed.
    """
    fallbacks = []
    kept, used = Path(out_dir) / CARDS_FOLDER, set()
    for script in scripts:
        images_dir = out_dir / script.parent.relative_to(examples_dir) / "images"
        thumb = thumbnail_file(images_dir, script.stem)
        choice = CHOICES.get(script.stem)
        source = figure_image(images_dir, script.stem, choice.figure) if choice else None
        dark_thumb = dark_variant(thumb)
        dark_thumb.unlink(missing_ok=True)  # written again below when this build has the dark figure
        if source is not None and source.exists():
            _card(source, choice.box, thumb, choice.grow, kept, used)
            if dark_variant(source).exists():
                _card(dark_variant(source), choice.box, dark_thumb, choice.grow, kept, used)
        else:
            fallbacks.append(script.stem)
            if thumb.exists():
                _card(thumb, WHOLE, thumb, True, kept, used)
    for card in kept.glob("*.png") if kept.is_dir() else ():
        if card.name not in used:
            card.unlink()
    return fallbacks


_THUMB_RUN = re.compile(r'(?:<div class="mkd-glr-thumbcontainer"[^>]*>.*?</div>\s*)+', re.S)
_THUMB_PARTS = re.compile(
    r'<img alt="[^"]*" src="(?P<src>[^"]+)"\s*/?>.*?href="(?P<href>[^"]*?(?P<stem>plot_\w+)/?)"', re.S
)


def index_cards(page_html: str, texts: dict[str, tuple[str, str]], gallery_dir: Path | None = None) -> str:
    """Turn mkdocs-gallery's thumbnail divs in ``page_html`` into the landing page's card grid.

    ``texts`` maps a page stem to its (title, first sentence); a div for a page not in it keeps
    mkdocs-gallery's title and no sentence. Every consecutive run of thumbnails becomes one grid. Where
    ``gallery_dir`` (the folder of the index page) holds a thumbnail's dark twin, both are shown, each in its
    scheme.

    >>> div = (
    ...     '<div class="mkd-glr-thumbcontainer" tooltip="cut..."><img alt="T" src="a/images/thumb/t.png" />'
    ...     '<a class="reference internal" href="a/plot_01_x"><span>T</span></a></div>'
    ... )
    >>> print(index_cards(div, {"plot_01_x": ("Title", "The first sentence")}))
    <div class="cnnatlas-cards"><a class="cnnatlas-card" href="a/plot_01_x/"><img alt="Title" src="a/images/thumb/t.png"><strong>Title</strong><span>The first sentence</span></a></div>
    """

    def card(div: str) -> str:
        parts = _THUMB_PARTS.search(div)
        if parts is None:
            return div
        shown = re.search(r'<span class="std std-ref">(.*?)</span>', div, re.S)
        title, sentence = texts.get(parts["stem"], (shown[1].strip() if shown else parts["stem"], ""))
        href = parts["href"].rstrip("/") + "/"
        src, alt = parts["src"], escape(title)
        image = f'<img alt="{alt}" src="{src}">'
        if gallery_dir is not None and (gallery_dir / dark_variant(Path(src))).exists():
            dark = dark_variant(Path(src)).as_posix()
            image = (
                f'<img alt="{alt}" src="{src}#only-light" loading="lazy">'
                f'<img alt="{alt}" src="{dark}#only-dark" loading="lazy">'
            )
        return (
            f'<a class="cnnatlas-card" href="{href}">{image}'
            f"<strong>{escape(title, quote=False)}</strong><span>{escape(sentence, quote=False)}</span></a>"
        )

    def grid(run: re.Match) -> str:
        divs = re.findall(r'<div class="mkd-glr-thumbcontainer"[^>]*>.*?</div>', run[0], re.S)
        return '<div class="cnnatlas-cards">' + "".join(card(div) for div in divs) + "</div>"

    return _THUMB_RUN.sub(grid, page_html)
