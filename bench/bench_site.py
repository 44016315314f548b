"""Benchmark: site build times and page weight.

Prints, on this machine:
1. a clean full build (every example run, every model trained from a cold weights cache),
2. a rebuild with nothing changed (nothing may re-run),
3. a rebuild after editing one gallery script (only that script may re-run),
4. every page's own weight (its HTML plus the images it references) and the shared plotly.js.

Budget (issue "The published site"): clean full build at most 15 min on the 2-core CPU machine, 3 min on
one GPU; no-change rebuild at most 15 s; each page under 1.5 MB.

Run: ``nox -s bench -- --site`` (slow: it trains every model) or ``python bench/bench_site.py [--weights-only]``.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GENERATED = ROOT / "docs" / "generated"
PAGE_BUDGET = 1.5 * 1024 * 1024


def build(env: dict[str, str], site: Path) -> tuple[float, str]:
    started = time.perf_counter()
    run = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(site)], cwd=ROOT, env=env,
                         capture_output=True, text=True, check=False)  # fmt: skip
    if run.returncode:
        raise SystemExit(f"build failed:\n{run.stderr[-3000:]}")
    return time.perf_counter() - started, run.stderr + run.stdout


def executed(log: str) -> int:
    match = re.search(r"successfully executed (\d+) out of", log)
    return int(match.group(1)) if match else 0


def page_weights(site: Path) -> list[tuple[str, int]]:
    rows = []
    for page in sorted(site.rglob("*.html")):
        html = page.read_text(encoding="utf-8")
        images = {m for m in re.findall(r'<img[^>]+src="([^"]+)"', html) if not m.startswith(("http", "data:"))}
        size = page.stat().st_size + sum((page.parent / src).stat().st_size for src in images if (page.parent / src).exists())
        rows.append((page.relative_to(site).as_posix(), size))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weights-only", action="store_true", help="only build (warm) and print page weights")
    args = parser.parse_args()
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp) / "site"
        if not args.weights_only:
            env["CNNATLAS_CACHE"] = str(Path(tmp) / "cold-cache")
            shutil.rmtree(GENERATED, ignore_errors=True)
            clean, log = build(env, site)
            nochange, log2 = build(env, site)
            script = next((ROOT / "gallery").rglob("plot_01_downsampling.py"))
            original = script.read_text()
            try:
                script.write_text(original + "\n# benchmark edit\n")
                edited, log3 = build(env, site)
            finally:
                script.write_text(original)
            build(env, site)  # put the page back as it was
            print("| build                          | seconds | examples run |\n|--------------------------------|--------:|-------------:|")
            print(f"| clean full build (cold cache)  | {clean:7.1f} | {executed(log):12d} |")
            print(f"| rebuild, nothing changed       | {nochange:7.1f} | {executed(log2):12d} |")
            print(f"| rebuild, one script edited     | {edited:7.1f} | {executed(log3):12d} |")
        else:
            build(env, site)
        rows = page_weights(site)
        print(f"\n| page (HTML + its images) | KB | within {PAGE_BUDGET / 1024 / 1024:.1f} MB |\n|---|---:|---|")
        for name, size in rows:
            print(f"| {name} | {size / 1024:,.0f} | {'yes' if size <= PAGE_BUDGET else 'NO'} |")
        plotly_js = site / "javascripts" / "plotly.min.js"
        print(f"\nshared, fetched once and cached: plotly.min.js {plotly_js.stat().st_size / 1024:,.0f} KB")


if __name__ == "__main__":
    main()
