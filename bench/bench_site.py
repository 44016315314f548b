"""Benchmark: site build times and page weight.

Prints, on this machine:
1. a clean full build (every example run, every model trained from a cold weights cache),
2. a rebuild with nothing changed (nothing may re-run),
3. a rebuild after editing one gallery script (only that script may re-run),
4. every page's own weight (its HTML plus the images it references) and the shared plotly.js.

The examples run by each build are those that the gallery's example clock recorded
(``docs/hooks/gallery_conf.py``); page weights and their budget come from ``docs/hooks/tooling.py``, as
in the site tests.

Budget (issue "The published site"): clean full build at most 15 min on the 2-core CPU machine, 3 min on
one GPU; no-change rebuild at most 15 s; each page under 1.5 MB.

Run: ``nox -s bench -- --site`` (slow: it trains every model) or ``python bench/bench_site.py [--weights-only]``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "docs" / "hooks"))
import gallery_conf  # noqa: E402 - from docs/hooks, put on the path above
import tooling  # noqa: E402

EDITED_EXAMPLE = "plot_01_downsampling.py"


def build(env: dict[str, str], site: Path) -> tuple[float, int]:
    """Build the site; return the seconds it took and how many examples ran."""
    started = time.perf_counter()
    run = tooling.build_site(site, env)
    if run.returncode:
        raise SystemExit(f"build failed:\n{run.stderr[-3000:]}")
    return time.perf_counter() - started, len(gallery_conf.read_runs(tooling.gallery_dirs()[1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weights-only", action="store_true", help="only build (warm) and print page weights")
    args = parser.parse_args()
    env = {**os.environ, **tooling.tool_env()}
    examples_dir, out_dir = tooling.gallery_dirs()
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp) / "site"
        if not args.weights_only:
            env["CNNATLAS_CACHE"] = str(Path(tmp) / "cold-cache")
            shutil.rmtree(out_dir, ignore_errors=True)
            clean, ran = build(env, site)
            nochange, ran2 = build(env, site)
            script = next(examples_dir.rglob(EDITED_EXAMPLE))
            original = script.read_text()
            try:
                script.write_text(original + "\n# benchmark edit\n")
                edited, ran3 = build(env, site)
            finally:
                script.write_text(original)
            build(env, site)  # put the page back as it was
            print("| build                          | seconds | examples run |\n|--------------------------------|--------:|-------------:|")
            print(f"| clean full build (cold cache)  | {clean:7.1f} | {ran:12d} |")
            print(f"| rebuild, nothing changed       | {nochange:7.1f} | {ran2:12d} |")
            print(f"| rebuild, one script edited     | {edited:7.1f} | {ran3:12d} |")
        else:
            build(env, site)
        budget = tooling.PAGE_BUDGET_BYTES
        print(f"\n| page (HTML + its images) | KB | within {budget / 1024 / 1024:.1f} MB |\n|---|---:|---|")
        for name, size in tooling.page_weights(site).items():
            print(f"| {name} | {size / 1024:,.0f} | {'yes' if size <= budget else 'NO'} |")
        plotly_js = site / "javascripts" / "plotly.min.js"
        print(f"\nshared, fetched once and cached: plotly.min.js {plotly_js.stat().st_size / 1024:,.0f} KB")


if __name__ == "__main__":
    main()
