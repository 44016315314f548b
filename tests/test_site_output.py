"""What a reader sees in the built site: every page's printed output is clean, and every page is light.

The output blocks of mkdocs-gallery (``<div class="mkd-glr-script-out-disp">``, and the HTML reprs in
``<div class="output_subarea">``) of every built page are read as text. A block fails on a progress-bar
line, a warning, an object repr, a machine path, download chatter, or more than :data:`MAX_BLOCK_LINES`
lines. Every page of the test build is weighed against ``tooling.PAGE_BUDGET_BYTES`` (its HTML, images and
figure files). Each Plotly figure is a JSON file beside its page, not data inlined in the HTML, and a page
with a figure preloads plotly.js and its first figure (``figure_head.py``). The scanner, the weighing and
the preloads are checked on made-up pages without a build (those tests are not marked ``site``).
"""

from __future__ import annotations

import html
import re
import sys
import tempfile
from pathlib import Path

import pytest
import tooling

MAX_BLOCK_LINES = 40
_BLOCK = re.compile(
    r'<div class="(?:mkd-glr-script-out-disp[^"]*|output_subarea[^"]*)">(.*?)</div>\s*(?=<|$)', re.S
)


def _machine_paths() -> list[str]:
    """The folders of this machine that a page must never print: home, the repo, temp, the environment."""
    found = {str(Path.home()), str(tooling.ROOT), str(tooling.ROOT.parent), tempfile.gettempdir(), sys.prefix}
    return sorted((p for p in found if len(p) > 1), key=len, reverse=True) + [
        "/work/",
        "/tmp/",
        "site-packages",
    ]


PROBLEMS: dict[str, re.Pattern[str]] = {
    "progress bar": re.compile(
        r"\d\s*(?:it|batch|batches|img|B)/s\b|\ds/it\b|\d%\||\|[█▉▊▋▌▍▎▏ ]+\||\[\d\d:\d\d<"
    ),
    "warning": re.compile(r"\b\w*Warning:|^\s*warnings\.warn\(", re.M),
    "object repr": re.compile(r"<[\w.]+(?: [\w.]+)* at 0x[0-9a-fA-F]+>|object at 0x[0-9a-fA-F]+"),
    "machine path": re.compile("|".join(re.escape(p) for p in _machine_paths())),
    "download chatter": re.compile(r"\bDownloading\b|https?://download\."),
}


def block_texts(page_html: str) -> list[str]:
    """Return the text of every output block of a built page, as the reader sees it (tags stripped).

    >>> block_texts('<div class="mkd-glr-script-out-disp highlight"><pre><code>a <span>&lt;b&gt;</span>\\n</code></pre></div>')
    ['a <b>\\n']
    """
    return [html.unescape(re.sub(r"<[^>]+>", "", body)) for body in _BLOCK.findall(page_html)]


def block_problems(text: str) -> list[str]:
    """Return what is wrong with one output block's text: each problem with the first line showing it.

    >>> block_problems("epoch 1: 100%|##########| 3/3 [00:01<00:00, 2.10it/s]")
    ['progress bar: epoch 1: 100%|##########| 3/3 [00:01<00:00, 2.10it/s]']
    >>> block_problems("accuracy 0.91")
    []
    """
    lines = text.replace("\r", "\n").splitlines()
    problems = [
        f"{kind}: {next(line for line in lines if pattern.search(line)).strip()[:160]}"
        for kind, pattern in PROBLEMS.items()
        if any(pattern.search(line) for line in lines)
    ]
    if len(lines) > MAX_BLOCK_LINES:
        problems.append(f"{len(lines)} lines (at most {MAX_BLOCK_LINES}), starting: {lines[0].strip()[:80]}")
    return problems


def site_output_problems(site: Path) -> dict[str, list[str]]:
    """Return ``{page: [problem, ...]}`` for every built page of ``site`` with an unclean output block."""
    found: dict[str, list[str]] = {}
    for page in sorted(site.rglob("*.html")):
        for number, text in enumerate(block_texts(page.read_text(encoding="utf-8")), start=1):
            for problem in block_problems(text):
                found.setdefault(page.relative_to(site).as_posix(), []).append(f"block {number}: {problem}")
    return found


# Without a build: the scanner catches what the issue saw, and lets clean output through.


@pytest.mark.parametrize(
    "line",
    [
        "Epoch 2/2: 100%|██████████| 94/94 [00:05<00:00, 17.2batch/s]",
        " 45%|████▌     | 42/94 [00:02<00:02, 20.1it/s]",
        "  0%|          | 0.00/528M [00:00<?, ?B/s]",
        "/x/torch/nn/modules/conv.py:456: UserWarning: Using padding='same' with even kernel lengths",
        "[<matplotlib.axis.XTick object at 0x7f3a2c1d0e50>, <matplotlib.axis.XTick object at 0x7f3a2c1d0f10>]",
        "<function relu at 0x7f00aa>",
        f"source: offline mirror {tooling.ROOT.parent}/shared/data",
        f"weights in {Path.home()}/.cache/cnnatlas/models",
        "/usr/lib/python3/site-packages/torch/__init__.py",
        'Downloading: "https://download.pytorch.org/models/vgg16-397923af.pth" to /root/.cache/torch/hub',
    ],
)
def test_the_scanner_flags_what_a_reader_must_not_see(line: str) -> None:
    assert block_problems(f"a clean line\n{line}\nanother clean line")


@pytest.mark.parametrize(
    "text",
    [
        "train (60000, 1, 28, 28) torch.uint8, test (10000, 1, 28, 28)",
        "epoch 1: loss 0.612, test accuracy 0.781 (2 epochs on 12,000 images, 1,850 images/s)",
        "LeNet(\n  (0): Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1), padding=(2, 2))\n)",
        "source: offline mirror of FashionMNIST",
        "3x3 conv 64->64: 12.3 ms per forward; 52% of the time in im2col",
        "Warnings like this one are fixed where they arise",
    ],
)
def test_the_scanner_lets_clean_output_through(text: str) -> None:
    assert block_problems(text) == []


def test_a_long_block_is_flagged_and_forty_lines_are_not() -> None:
    assert block_problems("\n".join(f"row {i}" for i in range(MAX_BLOCK_LINES))) == []
    assert block_problems("\n".join(f"row {i}" for i in range(MAX_BLOCK_LINES + 1)))


def test_blocks_are_found_in_mkdocs_gallery_markup() -> None:
    page = (
        '<p class="mkd-glr-script-out">Out:</p>\n<div class="mkd-glr-script-out-disp highlight"><pre><span></span>'
        '<code>loss<span class="w"> </span><span class="m">0</span>.5\n 10%|█         | 1/10 [00:01&lt;00:09, 1.0it/s]\n'
        '</code></pre></div>\n<div class="output_subarea output_html rendered_html output_result">'
        "&lt;Foo object at 0x7f00&gt;</div>\n<p>prose: 5 it/s is not output</p>"
    )
    texts = block_texts(page)
    assert len(texts) == 2
    assert [p.split(":")[0] for t in texts for p in block_problems(t)] == ["progress bar", "object repr"]


# On the quick-profile build of the site tests.


@pytest.mark.site
def test_no_page_prints_progress_warnings_reprs_paths_or_downloads(built_site) -> None:
    """Every output block of every page is what a reader should see (the issue-14 list), at most 40 lines."""
    site, _ = built_site
    assert any(block_texts(p.read_text(encoding="utf-8")) for p in site.rglob("*.html")), (
        "no output block found"
    )
    problems = site_output_problems(site)
    assert not problems, "\n".join(f"{page}: {p}" for page, found in problems.items() for p in found)


def _figure_page(folder: Path, figures: dict[str, int]) -> Path:
    """Write a made-up built page with one Plotly figure per ``{file name: bytes}`` and its JSON files."""
    (folder / "figures").mkdir(parents=True)
    divs = []
    for name, size in figures.items():
        (folder / "figures" / name).write_text("0" * size, encoding="utf-8")
        divs.append(
            f'<div class="cnnatlas-plotly" style="width:100%;height:480px" data-src="figures/{name}"></div>'
        )
    page = folder / "index.html"
    page.write_text("<html><head></head><body>" + "".join(divs) + "</body></html>", encoding="utf-8")
    return page


def test_a_page_weighs_the_json_files_of_its_figures(tmp_path: Path) -> None:
    """Moving a figure's data out of the HTML does not make a page lighter: its JSON file counts."""
    page = _figure_page(tmp_path / "p", {"a.json": 1000, "b.json": 2500})
    assert tooling.page_weight(page) == page.stat().st_size + 3500


def test_a_page_with_a_figure_preloads_plotly_and_its_first_figure(tmp_path: Path) -> None:
    import figure_head
    import plotly_bundle

    page = _figure_page(tmp_path / "p", {"first.json": 10, "second.json": 10}).read_text(encoding="utf-8")
    links = figure_head.preload_links(page, "generated/gallery/01_tensors/plot_04_shape_flow/")
    bundle = "../../../../" + plotly_bundle.BUNDLE.as_posix()
    assert links.splitlines() == [
        f'<link rel="preload" href="{bundle}" as="script" fetchpriority="high">',
        '<link rel="preload" href="figures/first.json" as="fetch" crossorigin="anonymous">',
    ]
    assert figure_head.preload_links("<html><head></head><body><p>text</p></body></html>", "a/") == ""
    assert figure_head.on_post_page(page, type("Page", (), {"url": "a/"})(), {}).count('rel="preload"') == 2


@pytest.mark.site
def test_figures_are_json_files_beside_their_page(built_site) -> None:
    """No page inlines a figure's data; each figure's file is in the site; pages with a figure preload it."""
    site, _ = built_site
    problems, figures = [], 0
    for page in sorted(site.rglob("*.html")):
        text, rel = page.read_text(encoding="utf-8"), page.relative_to(site).as_posix()
        if "data-figure=" in text:
            problems.append(f"{rel}: a figure's JSON inlined in the HTML")
        sources = re.findall(r'<div class="cnnatlas-plotly"[^>]*? data-src="([^"]+)"', text)
        figures += len(sources)
        problems += [f"{rel}: {src} missing" for src in sources if not (page.parent / src).is_file()]
        head = text.split("</head>", 1)[0]
        if bool(sources) != ('as="script" fetchpriority="high"' in head):
            problems.append(f"{rel}: {len(sources)} figures, plotly.js preloaded: {not sources}")
        if sources and f'href="{sources[0]}" as="fetch"' not in head:
            problems.append(f"{rel}: the first figure is not preloaded")
    assert figures and not problems, "\n".join(problems)


@pytest.mark.site
def test_every_page_of_the_build_is_weighed_under_the_budget(built_site) -> None:
    """Each page (its HTML, the images it shows, its figures' JSON) of the test build is under the budget."""
    site, _ = built_site
    weights = tooling.page_weights(site)
    pages = {p.relative_to(site).as_posix() for p in site.rglob("*.html")}
    assert set(weights) == pages and "index.html" in pages and any("/plot_" in p for p in pages)
    heavy = [
        f"{page}: {size:,} bytes"
        for page, size in sorted(weights.items())
        if size > tooling.PAGE_BUDGET_BYTES
    ]
    assert not heavy, f"over the {tooling.PAGE_BUDGET_BYTES:,}-byte page budget:\n" + "\n".join(heavy)
