"""Benchmark: a full-profile build from cold caches, where its time goes, and the training recipes' cost.

Prints, on this machine (its CPU model first):
1. the data, decoded from the offline mirror into the data folder (with ``--cold``: an empty one) during
   the build, by the pages and the background trainer (``docs/hooks/prefetch.py``), as on a fresh clone;
2. every example's seconds, from a full build (``mkdocs build``, the example clock of
   ``docs/hooks/gallery_conf.py``) or, with ``--scripts``, from running each gallery script in its own
   process in gallery order (the pages share one weights cache, as in a build);
3. every model trained in that build: epochs x images, training seconds, images/s, test accuracy;
4. the recipes' cost against the articles' own recipes, measured in this process on one short fixed slice
   (the same images for every recipe, runs interleaved, best of ``--repeats``): images/s per recipe and
   the seconds a whole run of it would take at that speed.

With ``--rebuild`` instead: the no-change rebuild of this checkout's warm tree (issue 15: at most 8 s through
``nox -s docs`` here), each way timed ``--repeats`` times (best kept), interleaved with a baseline in the
same run, an empty MkDocs + Material site: wall and CPU seconds (the build's processes, user + system: other
work on a shared machine changes them much less than the wall clock), their ratio to the baseline's, and
where the CPU time of one ``mkdocs build`` goes (``bench/rebuild_events.py``). It fails if an example re-ran.

``--cold`` points ``$CNNATLAS_CACHE`` (trained weights) and ``$CNNATLAS_DATA`` (decoded data) at empty
temporary folders, so that everything is decoded and trained as on a fresh clone; the data comes from
``$CNNATLAS_DATA_MIRROR`` (``../shared/data`` beside the checkout when unset). The build profile is
``$CNNATLAS_PROFILE`` (full unless set). The mkdocs build writes the gallery's output folder of this
checkout, as ``nox -s docs`` does; ``--scripts`` writes nothing in the checkout.

Run: ``python bench/bench_build.py --cold`` (on an idle machine: every other process slows it down), or
``--recipes-only`` for the last table alone (a minute or two), or ``--rebuild`` after one build (a minute).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "docs" / "hooks"))
import tooling  # noqa: E402 - from docs/hooks, put on the path above

SLICE_IMAGES = 2_560  # training images per recipe in the cost table: 20 batches of 128, 5 of 512
SLICE_TEST = 1_000
REBUILD_BUDGET_S = 8.0  # issue 15: a no-change rebuild through ``nox -s docs``, on this machine when idle


def cpu_model() -> str:
    """The CPU's model name, its logical cores and the threads torch uses."""
    name = tooling.cpu_model()
    from cnnatlas.train import training_threads  # noqa: PLC0415 - after the environment is set

    return (
        f"{name}, {os.cpu_count()} logical cores, torch {torch.__version__}: {torch.get_num_threads()} threads "
        f"by default, {training_threads()} for training"
    )


def scripts_in_order() -> list[Path]:
    examples_dir, _ = tooling.gallery_dirs()
    return sorted(examples_dir.glob("*/plot_*.py"))


def run_scripts(env: dict[str, str], pattern: str | None) -> dict[str, float]:
    """Run each gallery script in its own process, in gallery order; return {script: seconds}."""
    seconds: dict[str, float] = {}
    examples_dir, _ = tooling.gallery_dirs()
    with tempfile.TemporaryDirectory() as work:
        for script in scripts_in_order():
            key = script.relative_to(examples_dir).as_posix()
            if pattern and not re.search(pattern, key):
                continue
            started = time.perf_counter()
            run = subprocess.run([sys.executable, str(script)], cwd=work, env=env, capture_output=True, text=True,
                                 check=False)  # fmt: skip
            seconds[key] = time.perf_counter() - started
            if run.returncode:
                raise SystemExit(f"{key} failed:\n{run.stderr[-3000:]}")
            print(f"  {key}: {seconds[key]:.1f} s", flush=True)
    return seconds


def run_build(env: dict[str, str], pattern: str | None) -> dict[str, float]:
    """A full mkdocs build (every example re-run); return the example clock's {script: seconds}."""
    import gallery_conf  # noqa: PLC0415 - imports cnnatlas: after the environment is set

    _, out_dir = tooling.gallery_dirs()
    shutil.rmtree(out_dir, ignore_errors=True)  # no example may be skipped as unchanged
    if pattern:
        env = {**env, "CNNATLAS_GALLERY_PATTERN": pattern}
    with tempfile.TemporaryDirectory() as tmp:
        run = tooling.build_site(Path(tmp) / "site", env)
    if run.returncode:
        raise SystemExit(f"build failed:\n{run.stderr[-3000:]}")
    for line in run.stderr.splitlines():  # what the background trainer did
        if "prefetch:" in line:
            print("background trainer: " + line.split("prefetch:", 1)[1].strip())
    return gallery_conf.read_runs(out_dir)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _timed(command: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float]:
    """Run ``command``; return its wall seconds and the CPU seconds (user + system) of its processes."""
    started, cpu = time.perf_counter(), _children_cpu()
    run = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    if run.returncode:
        raise SystemExit(f"{' '.join(command)} failed:\n{run.stderr[-3000:]}")
    return time.perf_counter() - started, _children_cpu() - cpu


def rebuild_table(env: dict[str, str], repeats: int) -> None:
    """Print the no-change rebuild's wall and CPU seconds against an empty Material site, and its stages."""
    import gallery_conf  # noqa: PLC0415 - a sibling of tooling, on the path above
    import staleness  # noqa: PLC0415

    _, out_dir = tooling.gallery_dirs()
    if not (out_dir / staleness.STORE_FILE).exists():
        raise SystemExit("no earlier build of this checkout to rebuild: run `nox -s docs` once first")
    nox = shutil.which("nox")
    with_nox = nox is not None and (ROOT / ".nox" / "cnnatlas" / "bin" / "python").exists()
    with tempfile.TemporaryDirectory(prefix="cnnatlas-rebuild-") as tmp:
        baseline = Path(tmp) / "baseline"
        (baseline / "docs").mkdir(parents=True)
        (baseline / "docs" / "index.md").write_text("# Baseline\n\nOne page.\n", encoding="utf-8")
        (baseline / "mkdocs.yml").write_text(
            "site_name: baseline\ntheme:\n  name: material\n", encoding="utf-8"
        )
        site = str(Path(tmp) / "site")
        mkdocs = [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", site]
        ways = {"empty Material site (baseline)": (mkdocs, baseline), "mkdocs build --strict": (mkdocs, ROOT)}
        if with_nox:
            ways["nox -s docs"] = (
                [nox, "-f", str(ROOT / "noxfile.py"), "-s", "docs", "--", "-d", site],
                ROOT,
            )
        _timed(mkdocs, ROOT, env)  # warm-up: the file cache, and whatever an earlier edit left to re-run
        load = [os.getloadavg()[0]]
        best = {name: (float("inf"), float("inf")) for name in ways}
        for _ in range(repeats):
            for name, (command, cwd) in ways.items():
                wall, cpu = _timed(command, cwd, env)
                best[name] = (min(best[name][0], wall), min(best[name][1], cpu))
                if cwd == ROOT and (ran := gallery_conf.read_runs(out_dir)):
                    raise SystemExit(f"{name}: examples re-ran although nothing changed: {sorted(ran)}")
        events = Path(tmp) / "events.json"
        subprocess.run([sys.executable, str(ROOT / "bench" / "rebuild_events.py"), site, str(events)], cwd=ROOT,
                       env=env, capture_output=True, text=True, check=True)  # fmt: skip
        stages = json.loads(events.read_text(encoding="utf-8"))
        load.append(os.getloadavg()[0])
    base_wall, base_cpu = best["empty Material site (baseline)"]
    print(f"\nno-change rebuild of this checkout ({cpu_model().split(',')[0]}), best of {repeats}, "
          f"the ways interleaved; load average (1 min) {load[0]:.1f} before, {load[1]:.1f} after")  # fmt: skip
    print("| build, nothing changed | wall s | CPU s (user + system) | wall / baseline | CPU / baseline |")
    print("|---|---:|---:|---:|---:|")
    for name, (wall, cpu) in best.items():
        print(f"| {name} | {wall:.2f} | {cpu:.2f} | {wall / base_wall:.1f} | {cpu / base_cpu:.1f} |")
    if with_nox:
        cpu = best["nox -s docs"][1]
        verdict = "within" if cpu <= REBUILD_BUDGET_S else "over"
        print(f"\nthrough nox: {cpu:.2f} CPU s, {verdict} the {REBUILD_BUDGET_S:.0f} s budget (the build is one "
              "process on one core: on an idle machine its wall time is about its CPU time)")  # fmt: skip
    else:
        print(
            "\nno nox run: nox is not on PATH, or this checkout has no .nox/cnnatlas (nox would install it)"
        )
    print(f"\nwhere one `mkdocs build`'s {stages['total']:.2f} CPU s go (bench/rebuild_events.py)")
    print("| stage | CPU s | share |\n|---|---:|---:|")
    for stage, seconds in stages["stages"].items():
        if seconds >= 0.005:
            print(f"| {stage} | {seconds:.2f} | {seconds / stages['total']:.0%} |")


def trained_models(since: float) -> list[dict]:
    """The results stored with the weights trained since ``since`` (a time.time()), oldest first."""
    import cnnatlas  # noqa: PLC0415

    folder = cnnatlas.cache.cache_dir("models")
    files = sorted(
        (p for p in folder.glob("*.pt") if p.stat().st_mtime >= since), key=lambda p: p.stat().st_mtime
    )
    return [torch.load(p, map_location="cpu", weights_only=True)["result"] for p in files]


def recipe_costs(repeats: int) -> list[tuple[str, str, object, float]]:
    """(model, recipe name, recipe, best images/s) on one fixed slice, the recipes of a model interleaved."""
    import cnnatlas  # noqa: PLC0415
    from cnnatlas import recipes  # noqa: PLC0415

    fashion = cnnatlas.load_fashion_mnist(True), cnnatlas.load_fashion_mnist(False)
    cifar = cnnatlas.load_cifar10(True), cnnatlas.load_cifar10(False)
    groups = [
        ("LeNet", cnnatlas.LeNet, fashion, [("article 003", recipes.ARTICLE_003), ("atlas LENET", recipes.LENET)]),
        ("CIFAR-10 CNN", cnnatlas.Cifar10Net, cifar,
         [("article 004", recipes.ARTICLE_004), ("atlas CIFAR10_NET", recipes.CIFAR10_NET)]),
        ("VGG-style stand-in", cnnatlas.VGGStyleNet, cifar, [("atlas VGG_STYLE", recipes.VGG_STYLE)]),
    ]  # fmt: skip
    rows = []
    for model_name, factory, (train, test), named in groups:
        train_slice, test_slice = train.subset(SLICE_IMAGES), test.subset(SLICE_TEST)
        best = {name: 0.0 for name, _ in named}
        for _ in range(repeats):
            for name, recipe in named:
                config = replace(recipe, epochs=1, train_images=None)
                cnnatlas.seed_everything(0)
                result = cnnatlas.fit(
                    factory(), train_slice, test_slice, config, device="cpu", progress=False
                )
                best[name] = max(best[name], result.images_per_second)
        rows += [(model_name, name, recipe, best[name]) for name, recipe in named]
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cold", action="store_true", help="empty temporary weights and data caches")
    parser.add_argument("--scripts", action="store_true", help="run each gallery script in its own process")
    parser.add_argument("--pattern", help="only the examples whose path matches this regular expression")
    parser.add_argument("--recipes-only", action="store_true", help="only the recipes' cost table")
    parser.add_argument(
        "--repeats", type=int, default=2, help="runs per recipe in the cost table (best kept)"
    )
    parser.add_argument("--no-recipes", action="store_true", help="leave the recipes' cost table out")
    parser.add_argument(
        "--rebuild",
        action="store_true",
        help="only the no-change rebuild, against a baseline (best of --repeats)",
    )
    args = parser.parse_args()
    env = {**os.environ, **tooling.tool_env()}
    env.setdefault("CNNATLAS_PROFILE", "full")
    with tempfile.TemporaryDirectory(prefix="cnnatlas-bench-") as tmp:
        if args.cold:
            env["CNNATLAS_CACHE"], env["CNNATLAS_DATA"] = str(Path(tmp) / "cache"), str(Path(tmp) / "data")
        os.environ.update(env)  # this process (data, cost table) uses the same caches as the build
        import cnnatlas  # noqa: PLC0415 - after the environment is set

        print(f"machine: {cpu_model()}")
        if args.rebuild:
            rebuild_table(env, max(args.repeats, 1))
            return
        print(
            f"profile: {cnnatlas.build_profile()}; caches: {'cold (empty temporary folders)' if args.cold else 'as set'}"
        )
        if not args.recipes_only:
            # the build decodes the data itself, as on a fresh clone (pages and the prefetch worker share it)
            since = time.time() - 1
            started = time.perf_counter()
            runs = run_scripts(env, args.pattern) if args.scripts else run_build(env, args.pattern)
            build_seconds = time.perf_counter() - started
            data = [cnnatlas.load_fashion_mnist(s) for s in (True, False)] + [
                cnnatlas.load_cifar10(s) for s in (True, False)
            ]
            print("\n| data (decoded during the build) | images | source |\n|---|---:|---|")
            for ds in data:
                print(f"| {ds.name} {ds.split} | {len(ds):,} | {ds.source} |")
            print("\n| example | seconds |\n|---|---:|")
            for key, seconds in sorted(runs.items()):
                print(f"| {key} | {seconds:.1f} |")
            how = "each script in its own process" if args.scripts else "mkdocs build"
            print(
                f"\n{how}, data decoding and background training included: {build_seconds:.1f} s; "
                f"examples {sum(runs.values()):.1f} s"
            )
            models = trained_models(since)
            print("\n| model trained | data | epochs x images | training s | images/s | test accuracy |")
            print("|---|---|---|---:|---:|---:|")
            for r in models:
                print(
                    f"| {r['model_name']} | {r['data_name']} | {r['epochs']} x {r['train_images']:,} | "
                    f"{r['wall_seconds']:.1f} | {r['images_per_second']:,.0f} | {r['test_accuracy']:.4f} |"
                )
            print(
                f"\ntraining in total: {sum(r['wall_seconds'] for r in models):.1f} s for {len(models)} models"
            )
        if args.no_recipes:
            return
        rows = recipe_costs(args.repeats)
        print(
            f"\nrecipes on one fixed slice ({SLICE_IMAGES:,} training images, 1 epoch, best of {args.repeats}); "
            "a whole run = epochs x the training split at that speed"
        )
        print("| model | recipe | epochs x images | batch | images/s | whole run s | article's s / this s |")
        print("|---|---|---|---:|---:|---:|---:|")
        article: dict[str, float] = {}
        sizes = {"LeNet": 60_000, "CIFAR-10 CNN": 50_000, "VGG-style stand-in": 50_000}
        for model_name, name, recipe, speed in rows:
            whole = recipe.epochs * (recipe.train_images or sizes[model_name]) / speed
            if name.startswith("article"):
                article[model_name] = whole
            ratio = f"{article[model_name] / whole:.2f}" if model_name in article else "-"
            images = recipe.train_images or sizes[model_name]
            print(
                f"| {model_name} | {name} | {recipe.epochs} x {images:,} | {recipe.batch_size} | {speed:,.0f} | "
                f"{whole:,.0f} | {ratio} |"
            )


if __name__ == "__main__":
    main()
