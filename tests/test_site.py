"""The site: its build glue (fast), then the quick-profile site checked in headless Chromium (``site``).

Glue: importing the gallery configuration changes nothing; the example clock records each example and its
run time; the landing page's cards come from the gallery's scripts and section READMEs.
Site, each page: no console error, no request leaves 127.0.0.1, every image loaded, every Plotly figure
drawn once scrolled to (figures.js draws them lazily), styled, of a trace type that the vendored plotly.js
bundle has, resized with its container, moving each slider changes its figure, no horizontal overflow at
a 390 px phone width, under the page weight budget. The landing page has one card per example. Instant
navigation: clicking through the nav swaps the page without a reload, the widgets still draw once scrolled
to, and the figures of the page left are purged. Figures far below the fold are not drawn at load, nor
their JSON fetched (plotly.js is fetched by pages with a figure only); drawn figures follow Material's light
and dark scheme.
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
RENDERED_MATH = "() => [...document.querySelectorAll('.arithmatex')].every(e => e.querySelector('.katex'))"
PAGE_STATE = """() => ({
  figures: document.querySelectorAll('div.cnnatlas-plotly').length,
  drawn: [...document.querySelectorAll('div.cnnatlas-plotly')].filter(d => d.querySelector('svg.main-svg')).length,
  unstyled: [...document.querySelectorAll('div.cnnatlas-plotly svg.main-svg')]
      .filter(s => getComputedStyle(s).position !== 'absolute').length,
  brokenImages: [...document.images].filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src),
  overflow: document.documentElement.scrollWidth - window.innerWidth,
  unrenderedMath: [...document.querySelectorAll('.arithmatex')].filter(e => !e.querySelector('.katex')).length,
})"""


# trace types a drawn figure uses that the loaded plotly.js lacks (plotly.js would hide such a trace)
MISSING_TRACE_TYPES = """() => {
  const known = new Set(Object.keys(Plotly.PlotSchema.get().traces));
  return [...new Set([...document.querySelectorAll('div.cnnatlas-plotly[data-drawn="yes"]')]
      .flatMap(d => d.data.map(t => t.type || 'scatter')).filter(t => !known.has(t)))];
}"""
# drawn figures whose plot is not as wide as their container (figures.js resizes them)
MISFIT = """() => [...document.querySelectorAll('div.cnnatlas-plotly[data-drawn="yes"]')]
    .filter(d => Math.abs(d._fullLayout.width - d.clientWidth) > 2).length"""


def _draw_every_figure(page) -> list[str]:
    """Scroll each Plotly figure into view in turn; return the figures that did not draw once there."""
    missing = []
    for index in range(page.evaluate("() => document.querySelectorAll('div.cnnatlas-plotly').length")):
        page.evaluate(
            f"() => document.querySelectorAll('div.cnnatlas-plotly')[{index}].scrollIntoView({{block: 'center'}})"
        )
        try:
            page.wait_for_function(
                f"""() => {{ const d = document.querySelectorAll('div.cnnatlas-plotly')[{index}];
                return d.dataset.drawn === 'yes' && d.querySelector('svg.main-svg'); }}""",
                timeout=FIGURE_TIMEOUT_MS,
            )
        except Exception as error:  # noqa: BLE001 - reported as a finding
            missing.append(f"figure {index} not drawn once scrolled to: {type(error).__name__}")
    page.evaluate("() => window.scrollTo(0, 0)")
    return missing


def _load_every_image(page) -> None:
    """Load the images that the page loads lazily (when scrolled to), so that a broken one is found."""
    page.evaluate(
        "() => document.querySelectorAll('img[loading=lazy]').forEach(i => { i.loading = 'eager'; })"
    )
    try:
        page.wait_for_function("() => [...document.images].every(i => i.complete)", timeout=FIGURE_TIMEOUT_MS)
    except Exception:  # noqa: BLE001 - the images still loading are reported by PAGE_STATE
        pass


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
        found = _draw_every_figure(page)
        _load_every_image(page)
        try:  # KaTeX is loaded by pages with math, after the page: give it its time
            page.wait_for_function(RENDERED_MATH, timeout=FIGURE_TIMEOUT_MS)
        except Exception:  # noqa: BLE001 - the formulas left are reported by PAGE_STATE
            pass
        state = page.evaluate(PAGE_STATE)
        if state["drawn"] != state["figures"]:
            found.append(
                f"{state['figures'] - state['drawn']} of {state['figures']} Plotly figures did not draw"
            )
        if state["unstyled"]:
            found.append(f"{state['unstyled']} Plotly svgs lack plotly.js's CSS")
        if state["figures"] and (missing := page.evaluate(MISSING_TRACE_TYPES)):
            found.append(f"trace types not in the vendored plotly.js bundle: {missing}")
        if state["unrenderedMath"]:
            found.append(f"{state['unrenderedMath']} formulas not rendered by KaTeX")
        if state["brokenImages"]:
            found.append(f"images not loaded: {state['brokenImages']}")
        found += [f"slider did not change {f}" for f in _move_sliders(page)]
        name = rel.replace("/", "_").removesuffix(".html")
        page.evaluate("() => window.scrollTo(0, 0)")
        page.screenshot(path=str(shots / f"{name}-desktop.png"))
        page.set_viewport_size({"width": PHONE_WIDTH, "height": 844})
        page.wait_for_timeout(200)
        overflow = page.evaluate(PAGE_STATE)["overflow"]
        if overflow > 1:
            found.append(f"page is {overflow} px wider than a {PHONE_WIDTH} px phone")
        if misfit := page.evaluate(MISFIT):
            found.append(f"{misfit} Plotly figures not resized to a {PHONE_WIDTH} px phone's width")
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
    page.wait_for_selector("div.cnnatlas-plotly", state="attached", timeout=FIGURE_TIMEOUT_MS)
    assert not _draw_every_figure(page), "a figure did not draw after an instant page switch"
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
        page, log, base + GALLERY_URL, "article a.cnnatlas-card[href*='plot_01_lenet']"
    )
    # through the sidebar: open the "Models" section of the primary navigation, then click the page
    log["errors"].clear()
    page.goto(base, wait_until="load")
    page.evaluate("() => { window.__noReload = true; }")
    link = "nav.md-nav--primary a.md-nav__link[href*='plot_01_lenet']"
    toggle = page.eval_on_selector(link, "a => a.closest('nav.md-nav').getAttribute('aria-labelledby')")
    page.click(f"#{toggle}")
    page.click(link)
    page.wait_for_selector("div.cnnatlas-plotly", state="attached", timeout=FIGURE_TIMEOUT_MS)
    assert not _draw_every_figure(page), "a figure did not draw after a switch through the sidebar"
    page.wait_for_function(ALL_DRAWN, timeout=FIGURE_TIMEOUT_MS)
    assert page.evaluate("() => window.__noReload === true"), "the sidebar link reloaded the page"
    assert page.evaluate(PAGE_STATE)["unstyled"] == 0 and not log["errors"], log["errors"]
    # back to a page without figures, then forward again: plotly.js is already loaded, its CSS must survive;
    # the figures of the page that was left are purged (plotly.js's state on them is freed)
    page.evaluate("() => { window.__left = [...document.querySelectorAll('div.cnnatlas-plotly')]; }")
    page.click("header a.md-logo")
    page.wait_for_timeout(500)
    assert page.evaluate("() => window.__left.every(d => !d.isConnected && !d._fullLayout)"), "not purged"
    page.click("article a[href*='plot_01_lenet']")
    page.wait_for_selector("div.cnnatlas-plotly", state="attached", timeout=FIGURE_TIMEOUT_MS)
    assert not _draw_every_figure(page), "a figure did not draw after a round trip"
    assert page.evaluate(PAGE_STATE)["unstyled"] == 0, "Plotly's CSS was lost after a round trip"
    assert page.evaluate("() => window.__noReload === true"), "the round trip reloaded the page"


ATLAS_PAGE = "02_sampling/plot_05_arithmetic_atlas/"  # a long page: 14 animations
DRAWN_STATE = """() => {
  const divs = [...document.querySelectorAll('div.cnnatlas-plotly')];
  const plotly = performance.getEntriesByType('resource').find(e => /plotly[^/]*\\.js$/.test(e.name));
  const paint = performance.getEntriesByType('paint').find(e => e.name === 'first-contentful-paint');
  return {
    far: divs.filter(d => d.getBoundingClientRect().top > 2.2 * innerHeight).length,
    farDrawn: divs.filter(d => d.getBoundingClientRect().top > 2.2 * innerHeight && d.dataset.drawn).length,
    drawn: divs.filter(d => d.dataset.drawn === 'yes').length,
    figureFiles: new Set(performance.getEntriesByType('resource').map(e => e.name)
        .filter(n => n.includes('/figures/') && n.endsWith('.json'))).size,
    sources: new Set(divs.map(d => d.dataset.src)).size,
    plotlyStart: plotly ? plotly.startTime : null,
    firstPaint: paint ? paint.startTime : null,
  };
}"""
SCHEME_STATE = """() => {
  const probe = document.createElement('span');
  document.body.append(probe);
  const colour = name => { probe.style.color = `var(${name})`; return getComputedStyle(probe).color; };
  const fg = colour('--md-default-fg-color'), surface = colour('--md-code-bg-color');
  probe.remove();
  return {
    scheme: document.body.dataset.mdColorScheme, fg, surface,
    fonts: [...new Set([...document.querySelectorAll('div.cnnatlas-plotly[data-drawn="yes"]')]
        .map(d => d._fullLayout.font.color))],
    plots: [...new Set([...document.querySelectorAll('div.cnnatlas-plotly[data-drawn="yes"]')]
        .map(d => d._fullLayout.plot_bgcolor))],
  };
}"""


@pytest.mark.site
def test_figures_are_drawn_when_they_come_near(built_site, browser_page) -> None:
    """At load, only figures near the viewport are drawn and fetched; plotly.js only on a page with a figure."""
    page, base, log = browser_page
    log["errors"].clear()
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(base, wait_until="load")  # the landing page: no figure
    page.wait_for_timeout(1_000)
    assert page.evaluate(DRAWN_STATE)["plotlyStart"] is None, "plotly.js loaded by a page without a figure"
    page.goto(base + GALLERY_URL + ATLAS_PAGE, wait_until="load")
    page.wait_for_timeout(1_000)
    state = page.evaluate(DRAWN_STATE)
    assert state["plotlyStart"] is not None and state["firstPaint"] is not None, state
    # the first figure's file is preloaded; the other figures far below are neither fetched nor drawn
    assert state["far"] >= 5 and state["farDrawn"] == 0, state
    assert 1 <= state["figureFiles"] <= 1 + state["sources"] - state["far"], state
    page.locator("div.cnnatlas-plotly >> nth=0").scroll_into_view_if_needed()
    page.wait_for_selector("div.cnnatlas-plotly[data-drawn='yes']", timeout=FIGURE_TIMEOUT_MS)
    page.wait_for_timeout(1_000)
    state = page.evaluate(DRAWN_STATE)
    assert state["far"] >= 5 and state["farDrawn"] == 0, state
    assert not _draw_every_figure(page)
    assert page.evaluate(ALL_DRAWN) and not log["errors"], log["errors"]
    assert page.evaluate(DRAWN_STATE)["figureFiles"] == page.evaluate(DRAWN_STATE)["sources"]


@pytest.mark.site
def test_figures_follow_the_colour_scheme(built_site, browser_page, tmp_path_factory) -> None:
    """Drawn figures take Material's light or dark colours, also when the reader toggles the palette."""
    page, base, log = browser_page
    shots = Path(os.environ.get("CNNATLAS_SCREENSHOTS", tmp_path_factory.mktemp("screens")))
    shots.mkdir(parents=True, exist_ok=True)
    log["errors"].clear()
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(base + GALLERY_URL + ATLAS_PAGE, wait_until="load")
    toggle = "form[data-md-component='palette'] label:visible"
    first = "div.cnnatlas-plotly >> nth=0"
    page.locator(first).scroll_into_view_if_needed()
    page.wait_for_selector("div.cnnatlas-plotly[data-drawn='yes']", timeout=FIGURE_TIMEOUT_MS)
    light = page.evaluate(SCHEME_STATE)
    assert light["scheme"] == "default" and light["fonts"] == [light["fg"]], light
    page.locator(first).screenshot(path=str(shots / "scheme-light.png"))
    page.click(toggle)
    try:
        page.wait_for_function("() => document.body.dataset.mdColorScheme === 'slate'")
        page.wait_for_timeout(300)
        dark = page.evaluate(SCHEME_STATE)
        assert dark["fg"] != light["fg"] and dark["fonts"] == [dark["fg"]], dark
        assert set(dark["plots"]) <= {dark["surface"], "rgba(0,0,0,0)", "rgba(0, 0, 0, 0)"}, dark
        page.locator(first).screenshot(path=str(shots / "scheme-dark.png"))
        assert not _draw_every_figure(page)  # figures drawn after the switch are dark too
        assert page.evaluate(SCHEME_STATE)["fonts"] == [dark["fg"]]
    finally:
        page.click(toggle)  # the palette is remembered: leave it light for the other tests
    page.wait_for_function("() => document.body.dataset.mdColorScheme === 'default'")
    page.wait_for_timeout(300)
    back = page.evaluate(SCHEME_STATE)
    assert back["fonts"] == [light["fg"]] and set(back["plots"]) <= set(light["plots"]), back
    assert not log["errors"], log["errors"]


@pytest.mark.site
def test_every_page_is_under_its_weight_budget(built_site) -> None:
    """Each page's HTML, images and figure files stay under the budget (plotly.js is shared and cached)."""
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


def test_vendored_plotly_bundle_fits_the_installed_plotly() -> None:
    """The site's plotly.js bundle is the plotly.js version that wrote the figures and has their trace types."""
    import ast

    import plotly.graph_objects as go
    import plotly_bundle
    from plotly.basedatatypes import BaseTraceType

    assert plotly_bundle.check_bundle(ROOT / "docs") is None
    bundle = ROOT / "docs" / plotly_bundle.BUNDLE
    used = set()
    for module in (ROOT / "cnnatlas" / "widgets").glob("*.py"):
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "go":
                kind = getattr(go, node.attr, None)
                if isinstance(kind, type) and issubclass(kind, BaseTraceType):
                    used.add(kind().type)
    missing = used - plotly_bundle.trace_types(bundle)
    assert "heatmap" in used and not missing, missing


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
