"""Benchmark: the seed-and-thread sweep. Every observation the pages record, per seed and thread count.

A page records what it measures of trained weights, data or timing with ``cnnatlas.observe`` (see
``cnnatlas/observations.py``); an observation with a bound is asserted, and the bound must sit beyond every
value this sweep sees. For each seed (``$CNNATLAS_SEED``) and thread count (``$CNNATLAS_THREADS``), the
pages that train or load trained weights run in gallery order, each script in its own process as a reader
runs it (``python plot_x.py``), full profile, with an empty weights cache of their own (``--cold``, the
default on a first run) that the pages of that run share, as in a build. The decoded data is shared.
``$CNNATLAS_OBSERVE=record`` lets a value past its bound be recorded instead of stopping the page, so each
run sees every observation.

Prints the CPU model, then one table per page: each observation's value per run and, for a bounded one,
its bound and the smallest margin over the runs (negative: it failed somewhere). Exits 1 if any bounded
observation failed on any run, or a page failed.

Run: ``python bench/bench_seeds.py`` (seeds 0-4, 1 and 2 threads: about an hour on a 2-core machine), or
e.g. ``--seeds 0 1 --threads 1 --pattern lenet`` for a part. ``--keep`` reuses the weights a previous sweep
trained for the same seed and thread count (pages re-run; the weights are what a cold run trains, since
training is reproducible on one machine), ``--jobs 2`` runs two 1-thread runs side by side.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from cnnatlas.observations import Observation

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "docs" / "hooks"))
import tooling  # noqa: E402 - from docs/hooks, put on the path above

# by default, the pages that record an observation or train or load trained weights
RECORDING = re.compile(r"cnnatlas\.(observe|train_or_load|fit)\(")
CACHE_ROOT = ROOT / ".bench-cache" / "seeds"


def scripts(pattern: str | None) -> list[Path]:
    examples_dir, _ = tooling.gallery_dirs()
    return [
        s for s in sorted(examples_dir.glob("*/plot_*.py"))
        if (re.search(pattern, s.relative_to(examples_dir).as_posix()) if pattern else RECORDING.search(s.read_text()))
    ]  # fmt: skip


def run_one(seed: int, threads: int, pages: list[Path], keep: bool, log: Path) -> tuple[str, list[dict], list[str], float]:
    """Run ``pages`` with one seed and thread count; return (run label, observations, failures, seconds)."""
    label = f"seed {seed}, {threads} thr"
    cache = CACHE_ROOT / f"seed{seed}-threads{threads}"
    if not keep:
        shutil.rmtree(cache, ignore_errors=True)
    cache.mkdir(parents=True, exist_ok=True)
    observations = cache / "observations.jsonl"
    observations.unlink(missing_ok=True)
    env = {
        **os.environ, **tooling.tool_env(),
        "CNNATLAS_SEED": str(seed), "CNNATLAS_THREADS": str(threads), "CNNATLAS_PROFILE": "full",
        "CNNATLAS_CACHE": str(cache), "CNNATLAS_OBSERVATIONS": str(observations), "CNNATLAS_OBSERVE": "record",
        "MPLBACKEND": "Agg",
    }  # fmt: skip
    env.setdefault("CNNATLAS_DATA", str(Path.home() / ".cache" / "cnnatlas" / "data"))  # decoded data: shared
    failures = []
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as work, log.open("a", encoding="utf-8") as out:
        for script in pages:
            page_started = time.perf_counter()
            run = subprocess.run([sys.executable, str(script)], cwd=work, env=env, capture_output=True, text=True,
                                 check=False)  # fmt: skip
            out.write(f"== {label}: {script.name} ({time.perf_counter() - page_started:.0f} s, exit {run.returncode})\n")
            out.write(run.stdout[-4000:] + run.stderr[-4000:] + "\n")
            if run.returncode:
                failures.append(f"{label}: {script.name} failed: {run.stderr.strip().splitlines()[-1:]}")
    seconds = time.perf_counter() - started
    rows = [json.loads(line) for line in observations.read_text().splitlines()] if observations.exists() else []
    print(f"  {label}: {len(rows)} observations, {seconds:.0f} s{'; ' + '; '.join(failures) if failures else ''}",
          flush=True)  # fmt: skip
    return label, rows, failures, seconds


def table(runs: list[tuple[str, list[dict], list[str], float]]) -> bool:
    """Print one table per page; return whether every bounded observation held on every run."""
    labels = [label for label, *_ in runs]
    values: dict[tuple[str, str], dict[str, dict]] = {}
    for label, rows, _, _ in runs:
        for row in rows:
            values.setdefault((row["source"] or "?", row["name"]), {})[label] = row
    ok = True
    for page in dict.fromkeys(source for source, _ in values):
        print(f"\n### {page}\n")
        print("| observation | bound | " + " | ".join(labels) + " | min margin |")
        print("|---|---|" + "---:|" * len(labels) + "---:|")
        for (source, name), per_run in values.items():
            if source != page:
                continue
            any_row = next(iter(per_run.values()))
            bound = " and ".join(
                f"{word} {any_row[key]:g}" for key, word in (("at_least", ">="), ("at_most", "<=")) if any_row[key] is not None
            )
            margins = [m for row in per_run.values() if (m := Observation(**row).margin) is not None]
            cells = [f"{per_run[label]['value']:.4g}" if label in per_run else "-" for label in labels]
            low = f"{min(margins):+.4g}" if margins else ""
            if margins and min(margins) < 0:
                ok, low = False, f"**{low} FAILED**"
            print(f"| {name} | {bound} | " + " | ".join(cells) + f" | {low} |")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--pattern", help="regex over gallery paths (default: pages that observe or train)")
    parser.add_argument("--keep", action="store_true", help="reuse each run's trained weights from a previous sweep")
    parser.add_argument("--jobs", type=int, default=1, help="runs side by side (only 1-thread runs are paired)")
    args = parser.parse_args()
    pages = scripts(args.pattern)
    log = CACHE_ROOT / "sweep.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_text("", encoding="utf-8")
    print(f"{tooling.cpu_model()}, {os.cpu_count()} logical cores; {len(pages)} pages: "
          + ", ".join(p.stem for p in pages) + f"; output of every page in {log.relative_to(ROOT)}", flush=True)  # fmt: skip
    configs = [(seed, threads) for threads in args.threads for seed in args.seeds]
    runs = []
    single = [c for c in configs if c[1] == 1] if args.jobs > 1 else []
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        runs += list(pool.map(lambda c: run_one(*c, pages, args.keep, log), single))
    runs += [run_one(seed, threads, pages, args.keep, log) for seed, threads in configs if (seed, threads) not in single]
    runs.sort(key=lambda run: configs.index(tuple(int(x) for x in re.findall(r"\d+", run[0]))))
    ok = table(runs)
    failures = [f for _, _, fails, _ in runs for f in fails]
    print("\n" + "\n".join(failures) if failures else "\nevery page ran on every run")
    print(f"{'every bounded observation held on every run' if ok else 'a bounded observation FAILED'}; "
          f"{sum(s for *_, s in runs):.0f} s of runs")  # fmt: skip
    return 0 if ok and not failures else 1


if __name__ == "__main__":
    sys.exit(main())
