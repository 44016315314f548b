"""The site: its build glue (fast), then the quick-profile site checked in headless Chromium (``site``).

Glue: importing the gallery configuration changes nothing; the example clock records each example and its
run time; the landing page's cards come from the gallery's scripts and section READMEs.
Site, each page: no console error, no request leaves 127.0.0.1, every image loaded, every Plotly figure
drawn and styled, moving each slider changes its figure, no horizontal overflow at a 390 px phone width,
under the page weight budget. The landing page has one card per example. Instant navigation: clicking
through the nav swaps the page without a reload and the widgets still draw.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest
import tooling

ROOT = Path(__file__).resolve().parent.parent
HOOKS = ROOT / "docs" / "hooks"
EXAMPLES_DIR, GALLERY_OUT = tooling.gallery_dirs()
GALLERY_URL = (
    GALLERY_OUT.relative_to(ROOT / "docs").as_posix() + "/"
)  # the gallery's pages, from the site root
PHONE_WIDTH = 390
FIGURE_TIMEOUT_MS = 60_000

ALL_DRAWN = """() => [...document.querySelectorAll('div.cnnatlas-plotly')]
    .every(d => d.dataset.drawn === 'yes' && d.querySelector('svg.main-svg'))"""
PAGE_STATE = """() => ({
  figures: document.querySelectorAll('div.cnnatlas-plotly').length,
  drawn: [...document.querySelectorAll('div.cnnatlas-plotly')].filter(d => d.querySelector('svg.main-svg')).length,
  unstyled: [...document.querySelectorAll('div.cnnatlas-plotly svg.main-svg')]
      .filter(s => getComputedStyle(s).position !== 'absolute').length,
  brokenImages: [...document.images].filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src),
  overflow: document.documentElement.scrollWidth - window.innerWidth,
  unrenderedMath: [...document.querySelectorAll('.arithmatex')].filter(e => !e.querySelector('.katex')).length,
})"""


def _pages(site: Path) -> list[str]:
    return sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html"))


def _move_sliders(page) -> list[str]:
    """Click the far end of every Plotly slider; return the figures whose title did not change."""
    unchanged = []
    for index, div in enumerate(page.query_selector_all("div.cnnatlas-plotly")):
        rail = div.query_selector("rect.slider-rail-touch-rect")
        if rail is None:
            continue
        before = div.evaluate("d => JSON.stringify([d.layout.title, d._fullData.map(t => t.visible)])")
        div.scroll_into_view_if_needed()
        box = rail.bounding_box()
        page.mouse.click(box["x"] + box["width"] - 4, box["y"] + box["height"] / 2)
        page.wait_for_timeout(300)
        after = div.evaluate("d => JSON.stringify([d.layout.title, d._fullData.map(t => t.visible)])")
        if after == before:
            unchanged.append(f"figure {index}")
    return unchanged


@pytest.mark.site
def test_every_page_renders_offline(built_site, browser_page, tmp_path_factory) -> None:
    site, _ = built_site
    page, base, log = browser_page
    shots = Path(os.environ.get("CNNATLAS_SCREENSHOTS", tmp_path_factory.mktemp("screens")))
    shots.mkdir(parents=True, exist_ok=True)
    problems: dict[str, list[str]] = {}
    pages = _pages(site)
    assert any("gallery" in p for p in pages), f"no gallery page was built: {pages}"
    for rel in pages:
        log["errors"].clear()
        log["external"].clear()
        page.set_viewport_size({"width": 1280, "height": 900})
        page.goto(base + rel, wait_until="load")
        found: list[str] = []
        try:
            page.wait_for_function(ALL_DRAWN, timeout=FIGURE_TIMEOUT_MS)
        except Exception as error:  # noqa: BLE001 - a timeout is reported as a finding below
            found.append(f"figures not drawn: {type(error).__name__}")
        state = page.evaluate(PAGE_STATE)
        if state["drawn"] != state["figures"]:
            found.append(
                f"{state['figures'] - state['drawn']} of {state['figures']} Plotly figures did not draw"
            )
        if state["unstyled"]:
            found.append(f"{state['unstyled']} Plotly svgs lack plotly.js's CSS")
        if state["unrenderedMath"]:
            found.append(f"{state['unrenderedMath']} formulas not rendered by KaTeX")
        if state["brokenImages"]:
            found.append(f"images not loaded: {state['brokenImages']}")
        found += [f"slider did not change {f}" for f in _move_sliders(page)]
        name = rel.replace("/", "_").removesuffix(".html")
        page.screenshot(path=str(shots / f"{name}-desktop.png"))
        page.set_viewport_size({"width": PHONE_WIDTH, "height": 844})
        page.wait_for_timeout(200)
        overflow = page.evaluate(PAGE_STATE)["overflow"]
        if overflow > 1:
            found.append(f"page is {overflow} px wider than a {PHONE_WIDTH} px phone")
        page.screenshot(path=str(shots / f"{name}-phone.png"))
        found += [f"console error: {e}" for e in log["errors"]]
        found += [f"request left 127.0.0.1: {u}" for u in log["external"]]
        if found:
            problems[rel] = found
    assert not problems, "\n".join(f"{p}: {'; '.join(f)}" for p, f in problems.items())


def _assert_instant_switch_draws(page, log, start: str, link: str) -> None:
    log["errors"].clear()
    page.goto(start, wait_until="load")
    page.evaluate("() => { window.__noReload = true; }")
    page.click(link)
    page.wait_for_selector("div.cnnatlas-plotly[data-drawn='yes'] svg.main-svg", timeout=FIGURE_TIMEOUT_MS)
    page.wait_for_function(ALL_DRAWN, timeout=FIGURE_TIMEOUT_MS)
    assert page.evaluate("() => window.__noReload === true"), (
        f"clicking {link} reloaded the page: not instant"
    )
    assert "plot_01_lenet" in page.url, page.url
    state = page.evaluate(PAGE_STATE)
    assert state["figures"] >= 1 and state["drawn"] == state["figures"], state
    assert state["unstyled"] == 0, "Plotly's CSS was lost on the instant page switch"
    assert not _move_sliders(page), "a slider did not change its figure after an instant page switch"
    assert not log["errors"], log["errors"]


@pytest.mark.site
def test_instant_navigation_keeps_widgets_working(built_site, browser_page) -> None:
    page, base, log = browser_page
    page.set_viewport_size({"width": 1280, "height": 900})
    _assert_instant_switch_draws(page, log, base, "article a[href*='plot_01_lenet']")
    _assert_instant_switch_draws(
        page, log, base + GALLERY_URL, ".mkd-glr-thumbcontainer a[href*='plot_01_lenet']"
    )
    # through the sidebar: open the "Models" section of the primary navigation, then click the page
    log["errors"].clear()
    page.goto(base, wait_until="load")
    page.evaluate("() => { window.__noReload = true; }")
    link = "nav.md-nav--primary a.md-nav__link[href*='plot_01_lenet']"
    toggle = page.eval_on_selector(link, "a => a.closest('nav.md-nav').getAttribute('aria-labelledby')")
    page.click(f"#{toggle}")
    page.click(link)
    page.wait_for_selector("div.cnnatlas-plotly[data-drawn='yes'] svg.main-svg", timeout=FIGURE_TIMEOUT_MS)
    page.wait_for_function(ALL_DRAWN, timeout=FIGURE_TIMEOUT_MS)
    assert page.evaluate("() => window.__noReload === true"), "the sidebar link reloaded the page"
    assert page.evaluate(PAGE_STATE)["unstyled"] == 0 and not log["errors"], log["errors"]
    # back to a page without figures, then forward again: plotly.js is already loaded, its CSS must survive
    page.click("header a.md-logo")
    page.wait_for_timeout(500)
    page.click("article a[href*='plot_01_lenet']")
    page.wait_for_selector("div.cnnatlas-plotly[data-drawn='yes'] svg.main-svg", timeout=FIGURE_TIMEOUT_MS)
    assert page.evaluate(PAGE_STATE)["unstyled"] == 0, "Plotly's CSS was lost after a round trip"


@pytest.mark.site
def test_every_page_is_under_its_weight_budget(built_site) -> None:
    """Each page's own HTML plus the images it shows stays under the budget (plotly.js is shared and cached)."""
    site, _ = built_site
    weights = tooling.page_weights(site)
    heavy = {
        page: f"{size / 1024:,.0f} KB" for page, size in weights.items() if size > tooling.PAGE_BUDGET_BYTES
    }
    assert weights and not heavy, heavy


@pytest.mark.site
def test_landing_page_has_a_card_per_example(built_site) -> None:
    site, _ = built_site
    home = (site / "index.html").read_text(encoding="utf-8")
    cards = [
        re.search(r'href="([^"]+)"', a).group(1) for a in re.findall(r"<a [^>]*cnnatlas-card[^>]*>", home)
    ]
    pages = [f"{GALLERY_URL}{p.parent.name}/{p.stem}/" for p in sorted(EXAMPLES_DIR.glob("*/plot_*.py"))]
    assert cards == pages


def test_importing_the_gallery_conf_changes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """mkdocs-gallery executes the conf script; doing the same must not register renderers or touch files."""
    import importlib.util

    import plotly.io as pio

    monkeypatch.chdir(tmp_path)
    before = (list(pio.renderers), pio.renderers.default)
    spec = importlib.util.spec_from_file_location("__mkdocs_gallery_conf", HOOKS / "gallery_conf.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # as mkdocs_gallery.gen_gallery.load_base_conf does
    assert (list(pio.renderers), pio.renderers.default) == before
    assert set(module.conf) <= {
        "image_scrapers", "reset_modules", "capture_repr", "ignore_repr_types", "remove_config_comments",
        "abort_on_example_error",
    }  # fmt: skip
    assert not list(tmp_path.iterdir())


def test_example_clock_records_each_example_and_its_run_time(tmp_path: Path) -> None:
    import gallery_conf
    import plotly.io as pio

    examples, out = tmp_path / "gallery", tmp_path / "docs" / "generated" / "gallery"
    conf = {"examples_dirs": [examples], "gallery_dirs": [out]}
    clock, default = gallery_conf.ExampleClock(), pio.renderers.default
    try:
        clock.start(conf, examples / "01_a" / "plot_01_x.py")  # as mkdocs-gallery's reset_modules
        assert pio.renderers.default == gallery_conf.RENDERER_NAME
        time.sleep(0.05)
        assert clock.lap(("code", "x = 1", 1), None) == ""  # as an image scraper: no image
        clock.start(conf, examples / "02_b" / "plot_01_y.py")
    finally:
        pio.renderers.default = default
    runs = gallery_conf.read_runs(out)
    assert set(runs) == {"01_a/plot_01_x.py", "02_b/plot_01_y.py"}
    assert runs["01_a/plot_01_x.py"] >= 0.05 and runs["02_b/plot_01_y.py"] == 0.0


def test_card_summary_is_the_first_sentence_after_the_prerequisites() -> None:
    import site_hook

    doc = (
        "A long title: every word of it is kept\n=====\n\nAssumes: tensors ([Tensors 101](plot_01.md)). "
        "The ``Conv2d`` module slides one kernel over every window of a real photograph, then many more "
        "words follow. Second sentence."
    )
    title, sentence = site_hook.summary(doc, limit=60)
    assert title == "A long title: every word of it is kept"
    assert sentence == "The Conv2d module slides one kernel over every window of a…"
    assert site_hook.summary("T\n=\n\nShort one. Two.") == ("T", "Short one")
    assert site_hook.summary("T\n=\n\nWhat a unit can see (the theoretical field), drawn.", limit=30) == (
        "T",
        "What a unit can see…",
    )


def test_docstring_examples_of_the_site_tooling_run() -> None:
    import doctest

    import site_hook

    for module in (site_hook, tooling):
        result = doctest.testmod(module)
        assert result.attempted and not result.failed, module.__name__


def test_cards_come_from_the_gallery_scripts_and_section_readmes(tmp_path: Path) -> None:
    import site_hook

    docs = tmp_path / "docs"
    gallery = site_hook.Gallery(
        tmp_path / "gallery", docs / "generated" / "gallery", "generated/gallery/", "gallery", "/plot_"
    )
    for section, heading, stems in [
        ("01_a", "First section", ["plot_01_x", "plot_02_y"]),
        ("02_b", "Second", ["plot_01_z"]),
    ]:
        (gallery.examples_dir / section).mkdir(parents=True)
        (gallery.examples_dir / section / "README.md").write_text(f"## {heading}\n\nText.\n")
        (gallery.out_dir / section / "images" / "thumb").mkdir(parents=True)
        for stem in stems:
            (gallery.examples_dir / section / f"{stem}.py").write_text(
                f'"""Title {stem}\n====\n\nDoes {stem}. More."""\n'
            )
            (gallery.out_dir / section / "images" / "thumb" / f"mkd_glr_{stem}_thumb.png").write_bytes(b"")
    (gallery.examples_dir / "02_b" / "helper.py").write_text('"""Not an example."""\n')
    cards = site_hook.cards_markdown(gallery, docs)
    assert cards.index("## First section") < cards.index("## Second")
    assert cards.count('class="cnnatlas-cards"') == 2 and cards.count("{ .cnnatlas-card }") == 3
    assert "(generated/gallery/02_b/images/thumb/mkd_glr_plot_01_z_thumb.png)" in cards
    assert (
        "<strong>Title plot\\_01\\_z</strong><span>Does plot\\_01\\_z</span>](generated/gallery/02_b/plot_01_z.md)"
        in cards
    )
