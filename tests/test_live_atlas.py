"""The live atlas page, driven like a reader in headless Chromium (marker ``site``).

Draw a stroke and the probabilities change; every layer's output for each of the 100 test images of each
data set equals PyTorch's (1e-4, max abs); a photo opened with the file chooser gets a prediction; the
hovered unit shows its receptive field and kernel slice; signed maps are drawn on the diverging scale
centred on 0, the others on viridis; no console error, no outside request; a phone width has no horizontal
overflow, drawing works with touch, the dark scheme is readable; the page and its files stay under 2 MB.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
import torch
from browser import CHROMIUM_ARGS, chromium_path, is_local, serve
from PIL import Image

import cnnatlas

pytestmark = pytest.mark.site
PAGE = "generated/gallery/03_models/plot_07_live_atlas/"
TOLERANCE = 1e-4
PAGE_LIMIT_BYTES = 2 * 1024 * 1024
MODELS = {
    "lenet": cnnatlas.LeNet,
    "cifar10": lambda: cnnatlas.Cifar10Net(relu=True),
}  # as the pages train them


@pytest.fixture(scope="module")
def chromium(built_site: tuple[Path, int]):
    from playwright.sync_api import sync_playwright

    site, port = built_site
    with serve(site, port) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield browser, base, site
        browser.close()


@contextmanager
def opened(chromium, width: int = 1280, scheme: str = "light", touch: bool = False) -> Iterator:
    """The live atlas page in a fresh context; on exit, no console error and no request left the machine."""
    browser, base, _ = chromium
    context = browser.new_context(
        viewport={"width": width, "height": 900}, color_scheme=scheme, has_touch=touch
    )
    errors: list[str] = []
    external: list[str] = []

    def route(route_) -> None:
        if is_local(route_.request.url):
            route_.continue_()
        else:
            external.append(route_.request.url)
            route_.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(base + PAGE)
    page.wait_for_selector('.cnnatlas-live[data-state="ready"]', timeout=60_000)
    try:
        yield page
    finally:
        context.close()
    assert not errors, errors
    assert not external, external


def settled_box(page, locator) -> dict:
    """The element's box once it stops moving: code blocks above it are laid out only when they come near
    (``content-visibility: auto`` in extra.css), so the page may still shift just after a scroll."""
    box = locator.bounding_box()
    for _ in range(30):
        page.wait_for_timeout(100)
        again = locator.bounding_box()
        if again == box:
            return box
        box = again
    raise AssertionError(f"the element kept moving after 3 s: {box}")


def probabilities(page) -> list[str]:
    return page.locator(".cl-bar-value").all_text_contents()


def switch(page, name: str) -> None:
    page.locator(".cnnatlas-live").get_by_role(
        "button", name="CIFAR-10 CNN" if name == "cifar10" else "LeNet · FashionMNIST"
    ).click()
    page.wait_for_function(f"window.cnnatlasLive.loaded().includes('{name}')")
    page.wait_for_selector('.cnnatlas-live[data-state="ready"]')


def pytorch_reference(site: Path, name: str) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """The sprite's 100 images and every layer's output in PyTorch, with the weights the page downloads."""
    folder = site / PAGE
    manifest = json.loads((folder / f"{name}.json").read_text())
    values = np.fromfile(folder / manifest["weights_file"], dtype="<f4")
    state = {}
    for layer in manifest["layers"]:
        for param, spec in layer["params"].items():
            start, count = spec["offset"] // 4, int(np.prod(spec["shape"]))
            state[f"{layer['module']}.{param}"] = torch.from_numpy(values[start : start + count].copy()).view(
                spec["shape"]
            )
    model = MODELS[name]()
    model.load_state_dict(state)
    channels, height, width = manifest["input"]["shape"]
    sheet = np.array(Image.open(folder / f"{name}_sprite.png")).reshape(-1, 10 * width, channels)
    images = torch.stack([
        torch.from_numpy(sheet[(k // 10) * height : (k // 10 + 1) * height, (k % 10) * width : (k % 10 + 1) * width].copy())
        for k in range(100)
    ]).permute(0, 3, 1, 2)  # fmt: skip
    normalize = cnnatlas.Normalization(tuple(manifest["input"]["mean"]), tuple(manifest["input"]["std"]))
    return images, cnnatlas.layer_outputs(model, normalize(images))


@pytest.mark.parametrize("name", ["lenet", "cifar10"])
def test_every_layer_equals_pytorch_on_100_test_images(chromium, name) -> None:
    _, _, site = chromium
    images, reference = pytorch_reference(site, name)
    worst = dict.fromkeys(reference, 0.0)
    with opened(chromium) as page:
        if name != "lenet":
            switch(page, name)
        for k in range(100):
            page.fill("input.cl-pick", str(k))
            page.press("input.cl-pick", "Enter")
            page.wait_for_function(
                f"document.querySelector('.cl-input .cl-caption').textContent.startsWith('test image {k} ')"
            )
            pixels = page.evaluate("Array.from(window.cnnatlasLive.atlases.at(-1).pixels)")
            assert np.array_equal(np.array(pixels), images[k].flatten().numpy()), f"image {k}: pixels differ"
            raw = base64.b64decode(page.evaluate(f"window.cnnatlasLive.forwardBytes('{name}', {k})"))
            got, at = np.frombuffer(raw, dtype="<f4"), 0
            for layer, output in reference.items():
                count = output[k].numel()
                worst[layer] = max(
                    worst[layer], float(np.abs(got[at : at + count] - output[k].flatten().numpy()).max())
                )
                at += count
            assert at == got.size
    assert max(worst.values()) <= TOLERANCE, worst


def test_drawing_a_stroke_changes_the_probabilities(chromium) -> None:
    with opened(chromium) as page:
        before = probabilities(page)
        canvas = page.locator(".cl-input-canvas")
        canvas.scroll_into_view_if_needed()
        box = settled_box(page, canvas)
        page.mouse.move(box["x"] + 0.15 * box["width"], box["y"] + 0.15 * box["height"])
        page.mouse.down()
        page.mouse.move(box["x"] + 0.85 * box["width"], box["y"] + 0.85 * box["height"], steps=12)
        page.mouse.up()
        page.wait_for_function(
            "document.querySelector('.cl-input .cl-caption').textContent === 'your drawing'"
        )
        assert probabilities(page) != before
        page.locator(".cnnatlas-live").get_by_role("button", name="Clear", exact=True).click()
        page.wait_for_function("window.cnnatlasLive.atlases.at(-1).pixels.every(v => v === 0)")
        page.locator(".cnnatlas-live").get_by_role("button", name="Invert", exact=True).click()
        page.wait_for_function("window.cnnatlasLive.atlases.at(-1).pixels.every(v => v === 255)")
        page.locator(".cnnatlas-live").get_by_role("button", name="Eraser", exact=True).click()
        page.mouse.move(box["x"] + 0.5 * box["width"], box["y"] + 0.1 * box["height"])
        page.mouse.down()
        page.mouse.move(box["x"] + 0.5 * box["width"], box["y"] + 0.9 * box["height"], steps=8)
        page.mouse.up()
        page.wait_for_function("window.cnnatlasLive.atlases.at(-1).pixels.some(v => v === 0)")


def test_a_photo_from_disk_gets_a_prediction(chromium, tmp_path) -> None:
    photo = tmp_path / "astronaut.png"
    Image.fromarray(cnnatlas.load_photo("astronaut").permute(1, 2, 0).numpy()).save(photo)
    with opened(chromium) as page:
        switch(page, "cifar10")
        with page.expect_file_chooser() as chooser:
            page.locator(".cnnatlas-live").get_by_role("button", name="Open a photo…").click()
        chooser.value.set_files(str(photo))
        page.wait_for_function(
            "document.querySelector('.cl-input .cl-caption').textContent.startsWith('your photo')"
        )
        classes = json.loads(
            page.evaluate("JSON.stringify(window.cnnatlasLive.atlases.at(-1).net.manifest.classes)")
        )
        assert page.locator(".cnnatlas-live").get_attribute("data-prediction") in classes
        assert page.locator(".cl-prediction").text_content().split(" · ")[0] in classes


def test_a_hovered_unit_shows_its_field_and_kernel_slice(chromium) -> None:
    with opened(chromium) as page:
        conv2 = page.locator('[data-layer="conv2"] canvas.cl-map').first
        conv2.scroll_into_view_if_needed()
        conv2.hover()
        tip = page.locator(".cl-tip")
        assert tip.is_visible()
        assert "conv2 · channel 0" in tip.text_content() and "14×14 field" in tip.text_content()
        assert tip.locator("canvas.cl-kernel").count() == 6  # one 5x5 slice per input channel of conv2
        fc1 = page.locator('[data-layer="fc1"] canvas.cl-strip')
        fc1.scroll_into_view_if_needed()
        fc1.hover()
        assert "whole 28×28 input" in tip.text_content() and tip.locator("canvas.cl-kernel").count() == 0


def test_a_phone_draws_with_touch_in_the_dark_scheme(chromium) -> None:
    with opened(chromium, width=390, scheme="dark", touch=True) as page:
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        before = probabilities(page)
        canvas = page.locator(".cl-input-canvas")
        canvas.scroll_into_view_if_needed()
        box = settled_box(page, canvas)
        cdp = page.context.new_cdp_session(page)
        points = [
            (box["x"] + box["width"] * (0.2 + 0.05 * i), box["y"] + box["height"] * 0.3) for i in range(12)
        ]
        cdp.send(
            "Input.dispatchTouchEvent",
            {"type": "touchStart", "touchPoints": [{"x": points[0][0], "y": points[0][1]}]},
        )
        for x, y in points[1:]:
            cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": x, "y": y}]})
        cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
        page.wait_for_function(
            "document.querySelector('.cl-input .cl-caption').textContent === 'your drawing'"
        )
        assert probabilities(page) != before
        assert page.evaluate("window.scrollX") == 0
        colour = page.evaluate("getComputedStyle(document.querySelector('.cl-heading')).color")
        rgb = [int(v) for v in colour[colour.index("(") + 1 : colour.index(")")].split(",")[:3]]
        assert sum(rgb) / 3 > 150, f"dark scheme: headings should be light, got {colour}"


SCALES = """() => Object.fromEntries(window.cnnatlasLive.atlases.at(-1).layerViews.map(v =>
  [v.layer.label, [v.range.dataset.scale, v.lo, v.hi]]))"""


def test_signed_maps_are_diverging_and_centred_on_zero(chromium) -> None:
    """The atlas's rule: pre-activation outputs (convolutions, linear layers, pooling of them) on RdBu_r
    centred on 0, outputs after a ReLU on viridis; the CIFAR-10 CNN is trained with ReLUs, as LeNet."""
    with opened(chromium) as page:
        lenet = page.evaluate(SCALES)
        assert {name for name, (scale, _, _) in lenet.items() if scale == "diverging"} == {
            "conv1",
            "conv2",
            "fc1",
            "fc2",
            "fc3",
        }
        assert all(low == -high for scale, low, high in lenet.values() if scale == "diverging")
        assert lenet["relu1"][1] >= 0 and lenet["pool1"][0] == lenet["flatten"][0] == "sequential"
        assert "centred on 0" in page.locator(".cl-legend").text_content()
        switch(page, "cifar10")
        cifar = page.evaluate(SCALES)
        assert {name for name, (scale, _, _) in cifar.items() if scale == "diverging"} == {
            "conv1",
            "conv2",
            "conv3",
            "fc1",
            "fc2",
        }
        assert all(
            low == -high > -float("inf") for scale, low, high in cifar.values() if scale == "diverging"
        )
        assert cifar["relu1"][1] >= 0 and cifar["pool3"][0] == cifar["flatten"][0] == "sequential"


def test_every_control_is_reachable_by_keyboard(chromium) -> None:
    with opened(chromium) as page:
        controls = page.locator(".cnnatlas-live .cl-tools > *, .cnnatlas-live .cl-switcher > *")
        tags = {controls.nth(i).evaluate("e => e.tagName + (e.querySelector('input') ? '+input' : '')")
                for i in range(controls.count())}  # fmt: skip
        assert tags <= {"BUTTON", "LABEL+input", "INPUT", "SPAN"}, tags
        page.locator("input.cl-pick").focus()
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.getAttribute('aria-label')") == "next test image"
        page.keyboard.press("Enter")
        page.wait_for_function("document.querySelector('input.cl-pick').value === '1'")


def test_the_page_and_its_files_stay_under_2_mb(chromium) -> None:
    _, _, site = chromium
    folder = site / PAGE
    files = [
        *folder.iterdir(),
        site / "javascripts" / "live_atlas.js",
        site / "stylesheets" / "live_atlas.css",
    ]
    html = (folder / "index.html").read_text(encoding="utf-8")
    images = [
        (folder / src.split("#")[0]).resolve()  # Material's #only-light / #only-dark: both counted
        for src in re.findall(r'<img[^>]+src="([^"]+)"', html)
        if not src.startswith(("http", "data:"))
    ]
    total = sum(p.stat().st_size for p in {*files, *images} if p.is_file())
    assert total <= PAGE_LIMIT_BYTES, total


def test_it_starts_after_an_instant_page_switch(chromium) -> None:
    with opened(chromium) as page:
        page.goto(page.url.replace("plot_07_live_atlas", "plot_01_lenet_fashion_mnist"))
        page.evaluate("() => { window.__noReload = true; }")
        page.click("nav a[href*='plot_07_live_atlas']")
        page.wait_for_selector('.cnnatlas-live[data-state="ready"]', timeout=60_000)
        assert page.evaluate("window.__noReload === true"), "the switch reloaded the page: not instant"
        assert page.locator(".cnnatlas-live .cl-switcher").count() == 1
