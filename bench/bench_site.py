"""Benchmark: site build times and page weight.

Prints, on this machine:
1. a clean full build (every example run, every model trained from a cold weights cache),
2. a rebuild with nothing changed (nothing may re-run),
3. a rebuild after editing one gallery script (only that script may re-run),
4. a rebuild after editing one library module, ``cnnatlas/trace.py`` (only the pages that use it may
   re-run: ``docs/hooks/staleness.py``),
5. every page's own weight (its HTML plus the images it references) and the shared plotly.js.

The examples run by each build are those that the gallery's example clock recorded
(``docs/hooks/gallery_conf.py``); page weights and their budget come from ``docs/hooks/tooling.py``, as
in the site tests.

Budget (issue "The published site"): clean full build at most 15 min on the 2-core CPU machine, 3 min on
one GPU; no-change rebuild at most 15 s (issue 15: 8 s through ``nox -s docs``); each page under 1.5 MB.
Each build is timed on the wall clock and in CPU seconds (the build's processes, user + system), which
other work on the machine changes much less.

Run: ``nox -s bench -- --site`` (slow: it trains every model) or ``python bench/bench_site.py [--weights-only]``.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "docs" / "hooks"))
import gallery_conf  # noqa: E402 - from docs/hooks, put on the path above
import tooling  # noqa: E402

EDITED_EXAMPLE = "plot_01_downsampling.py"
EDITED_MODULE = "trace.py"


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def build(env: dict[str, str], site: Path) -> tuple[float, int, float]:
    """Build the site; return the wall seconds, how many examples ran and the CPU seconds it took."""
    started, cpu = time.perf_counter(), _children_cpu()
    run = tooling.build_site(site, env)
    if run.returncode:
        raise SystemExit(f"build failed:\n{run.stderr[-3000:]}")
    ran = len(gallery_conf.read_runs(tooling.gallery_dirs()[1]))
    return time.perf_counter() - started, ran, _children_cpu() - cpu


def edited_build(path: Path, env: dict[str, str], site: Path) -> tuple[float, int, float]:
    """Build after appending a comment to ``path``; then put it back and build again (not timed)."""
    original = path.read_text(encoding="utf-8")
    try:
        path.write_text(original + "\n# benchmark edit\n", encoding="utf-8")
        result = build(env, site)
    finally:
        path.write_text(original, encoding="utf-8")
    build(env, site)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--weights-only", action="store_true", help="only build (warm) and print page weights"
    )
    args = parser.parse_args()
    env = {**os.environ, **tooling.tool_env()}
    examples_dir, out_dir = tooling.gallery_dirs()
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp) / "site"
        if not args.weights_only:
            env["CNNATLAS_CACHE"] = str(Path(tmp) / "cold-cache")
            shutil.rmtree(out_dir, ignore_errors=True)
            rows = {
                "clean full build (cold cache)": build(env, site),
                "rebuild, nothing changed": build(env, site),
            }
            rows["rebuild, one script edited"] = edited_build(
                next(examples_dir.rglob(EDITED_EXAMPLE)), env, site
            )
            module = Path(__file__).resolve().parent.parent / "cnnatlas" / EDITED_MODULE
            rows[f"rebuild, cnnatlas/{EDITED_MODULE} edited"] = edited_build(module, env, site)
            print("| build                             | seconds | CPU seconds | examples run |")
            print("|-----------------------------------|--------:|------------:|-------------:|")
            for name, (seconds, ran, cpu) in rows.items():
                print(f"| {name:33s} | {seconds:7.1f} | {cpu:11.1f} | {ran:12d} |")
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
