"""Shared test settings: the tool environment of docs/hooks/tooling.py (offline data from the mirror beside
the checkout when present, a quiet MkDocs), docs/hooks importable, and the quick-profile site built once
per session (``built_site``) and opened in headless Chromium (``browser_page``) for every site test."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT / "docs" / "hooks"))
import tooling  # noqa: E402 - from docs/hooks, put on the path above

for _name, _value in tooling.tool_env().items():
    os.environ.setdefault(_name, _value)

from browser import CHROMIUM_ARGS, chromium_path, free_port, is_local, serve  # noqa: E402 - tests/ is on the path above


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    if chromium_path() is None:
        if os.environ.get("CI"):
            pytest.fail("Chromium is required in CI: install Debian's chromium package")
        pytest.skip("no Chromium on this machine (install Debian's chromium package)")
    port = free_port()
    site = tmp_path_factory.mktemp("site") / "site"
    env = dict(os.environ)
    env.setdefault("CNNATLAS_PROFILE", "quick")
    env["CNNATLAS_SITE_URL"] = f"http://127.0.0.1:{port}/"
    build = tooling.build_site(site, env)
    assert build.returncode == 0, f"mkdocs build failed:\n{build.stdout[-4000:]}\n{build.stderr[-8000:]}"
    return site, port


@pytest.fixture(scope="session")
def browser_page(built_site: tuple[Path, int]):
    from playwright.sync_api import sync_playwright

    site, port = built_site
    with serve(site, port) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        log: dict[str, list[str]] = {"errors": [], "external": []}

        def route(route_) -> None:
            if is_local(route_.request.url):
                route_.continue_()
            else:
                log["external"].append(route_.request.url)
                route_.abort()

        context.route("**/*", route)
        page = context.new_page()
        page.on("console", lambda m: log["errors"].append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: log["errors"].append(str(e)))
        yield page, base, log
        browser.close()
