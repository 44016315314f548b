"""Benchmark: the live atlas in headless Chromium: forward-pass time per model, and the page's bytes.

Prints, on this machine:
1. the CPU and the browser;
2. per model (LeNet, the CIFAR-10 CNN), the median, fastest and slowest time of one forward pass with every
   intermediate output (``window.cnnatlasLive.benchmark``: the 100 sprite images, one pass each, after a
   warm-up pass), measured by the page's own script, as the "Time it" button does;
3. the bytes of every file the page downloads (HTML, script, style sheet, weights, manifests, sprites),
   and their total.

Budget (issue 16): a forward pass in at most 30 ms for LeNet and 60 ms for the CIFAR-10 CNN on the 2-core
CPU machine; the page at most 2 MB. Timings taken while other work runs on the machine are slower.

Run: ``python bench/bench_live.py --site SITE`` on a built site (``mkdocs build -d SITE``), or without
``--site`` to build the live atlas page alone first (quick profile; the other pages render without output).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "docs" / "hooks"))
sys.path.insert(0, str(ROOT / "tests"))
import tooling  # noqa: E402 - from docs/hooks, put on the path above
from browser import CHROMIUM_ARGS, chromium_path, free_port, is_local, serve  # noqa: E402 - from tests/

PAGE = "generated/gallery/03_models/plot_07_live_atlas/"
BUDGET_MS = {"lenet": 30.0, "cifar10": 60.0}
BUDGET_BYTES = 2 * 1024 * 1024
RUNS = 100


def cpu_name() -> str:
    return f"{tooling.cpu_model()} ({os.cpu_count()} cores)"


def page_files(site: Path) -> dict[str, int]:
    """Every file the page downloads, relative to the site, with its size in bytes (plotly.js is not used)."""
    folder = site / PAGE
    html = (folder / "index.html").read_text(encoding="utf-8")
    images = {
        src.split("#")[0]  # Material's #only-light / #only-dark: both counted
        for src in re.findall(r'<img[^>]+src="([^"]+)"', html)
        if not src.startswith(("http", "data:"))
    }
    paths = {
        folder / "index.html",
        site / "javascripts" / "live_atlas.js",
        site / "stylesheets" / "live_atlas.css",
    }
    paths |= {p for p in folder.iterdir() if p.suffix in (".json", ".bin", ".png")}
    paths |= {(folder / src).resolve() for src in images}
    return {
        p.resolve().relative_to(site.resolve()).as_posix(): p.stat().st_size
        for p in sorted(paths)
        if p.is_file()
    }


def measure(site: Path) -> tuple[str, dict[str, dict]]:
    from playwright.sync_api import sync_playwright

    port = free_port()
    results = {}
    with serve(site, port) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.route("**/*", lambda r: r.continue_() if is_local(r.request.url) else r.abort())
        page.goto(base + PAGE)
        page.wait_for_selector('.cnnatlas-live[data-state="ready"]', timeout=60_000)
        page.locator(".cnnatlas-live").get_by_role("button", name="CIFAR-10 CNN").click()
        page.wait_for_function("window.cnnatlasLive.loaded().length === 2", timeout=60_000)
        for name in ("lenet", "cifar10"):
            results[name] = page.evaluate(f"window.cnnatlasLive.benchmark('{name}', {RUNS})")
        version = browser.version
        browser.close()
    return version, results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, help="a built site (default: build the live atlas page alone)")
    args = parser.parse_args()
    if chromium_path() is None:
        raise SystemExit("no Chromium on this machine (install Debian's chromium package)")
    with tempfile.TemporaryDirectory() as tmp:
        site = args.site
        if site is None:
            site = Path(tmp) / "site"
            env = {**os.environ, "CNNATLAS_PROFILE": os.environ.get("CNNATLAS_PROFILE", "quick"),
                   "CNNATLAS_GALLERY_PATTERN": "plot_07_live_atlas"}  # fmt: skip
            run = tooling.build_site(site, env)
            if run.returncode:
                raise SystemExit(f"build failed:\n{run.stderr[-3000:]}")
        version, results = measure(site)
        files = page_files(site)
    print(f"CPU: {cpu_name()}; browser: Chromium {version}; load average {os.getloadavg()[0]:.1f}")
    print(f"\nforward pass with every intermediate output, {RUNS} inputs (the sprite images)")
    print(f"{'model':8s} {'median ms':>10s} {'min ms':>8s} {'max ms':>8s} {'budget':>7s}")
    for name, r in results.items():
        flag = "" if r["median_ms"] <= BUDGET_MS[name] else "  OVER BUDGET"
        print(
            f"{name:8s} {r['median_ms']:10.2f} {r['min_ms']:8.2f} {r['max_ms']:8.2f} {BUDGET_MS[name]:7.0f}{flag}"
        )
    print("\nfiles the page downloads")
    for path, size in files.items():
        print(f"{size:>10,d}  {path}")
    total = sum(files.values())
    flag = "" if total <= BUDGET_BYTES else "  OVER BUDGET"
    print(
        f"{total:>10,d}  total ({total / 1024 / 1024:.2f} MiB; budget {BUDGET_BYTES / 1024 / 1024:.0f} MiB){flag}"
    )


if __name__ == "__main__":
    main()
