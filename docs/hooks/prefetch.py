"""Train the models that pages will ask for in a background process, while the build runs earlier pages.

Most of a cold build's pages run on one core (plotting, tracing, writing HTML), while the other one waits.
Before mkdocs-gallery runs the examples, :func:`start` reads which example scripts will run (those whose
``.md5`` does not match, after ``staleness.py`` removed the stale ones) and which of the models in
:data:`MODELS` they ask ``train_or_load`` for, by name. If any, it starts ``prefetch_worker.py`` for each of
those models, one thread each: the model needed first (in gallery order) at the lowest nice level (19: it
yields to the pages, and gets the core they leave idle), the others at ``SCHED_IDLE`` (Linux: they run
only on a core that nothing else wants, e.g. while a page waits for the first model). A worker calls
``train_or_load`` exactly as the pages do, so it fills the weights cache under the same key; ``cnnatlas.cache.exclusive`` makes a page that asks for a
model a worker is training wait for it and load its weights (and the worker load those of a model a page
trained first): a model is never trained twice, and a page shows the same weights whoever trained them.

While the worker runs, the build's own training keeps every core: on a machine with at most 2 cores that
is idle when the build starts, ``$CNNATLAS_THREADS`` is set to the cores (when unset), since
``training_threads()`` would otherwise read the worker's load as other work and train on one thread. On a
machine already busy with other work, its rule (one thread) stands.

The CIFAR-10 CNN is not in :data:`MODELS`: on one thread it would take longer than every page before its
own, which then trains it on all cores. A build with no page to run starts nothing and imports nothing.
What the worker did is logged after the build (``.prefetch.log`` in the gallery output folder holds its
output); if it failed, the pages trained what they needed themselves.

Examples:
    >>> models_asked_for('m = cnnatlas.train_or_load("lenet-fashion", cnnatlas.LeNet, a, b, r)')
    ['lenet-fashion']
"""

from __future__ import annotations

import atexit
import logging
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import library_facts  # a sibling: cnnatlas's constants read without importing it
from mkdocs_gallery.utils import get_md5sum

LOG = logging.getLogger("mkdocs.hooks.prefetch")
LOG_FILE = ".prefetch.log"  # in the gallery output folder
WORKER = Path(__file__).with_name("prefetch_worker.py")
PROC_STAT = Path("/proc/stat")
SAMPLE_S = 0.5  # how long cores_used_by_others() watches the machine

MODELS: dict[str, tuple[str, str, str]] = {
    # cache name: (model class, data loader, recipe), all attributes of cnnatlas / cnnatlas.recipes, exactly
    # as the pages call train_or_load (tests/test_prefetch.py checks every page's call against this table)
    "lenet-fashion": ("LeNet", "load_fashion_mnist", "LENET"),
    "vgg-style-cifar10": ("VGGStyleNet", "load_cifar10", "VGG_STYLE"),
}
_CALL = re.compile(r"""train_or_load\(\s*["']([A-Za-z0-9._-]+)["']""")

_state: dict[str, object] = {}


def models_asked_for(source: str) -> list[str]:
    """Return the names of :data:`MODELS` that a script's ``train_or_load`` calls ask for, in order."""
    names = [name for name in _CALL.findall(source) if name in MODELS]
    return list(dict.fromkeys(names))


def will_run(script: Path, out_dir: Path, examples_dir: Path) -> bool:
    """Whether mkdocs-gallery will execute ``script``: its ``.md5`` (text-mode MD5) is missing or differs."""
    md5_file = out_dir / f"{script.relative_to(examples_dir).as_posix()}.md5"
    return not md5_file.exists() or get_md5sum(script, mode="t") != md5_file.read_text()


def _busy_ticks() -> int:
    """Clock ticks all cores spent busy since boot (user, nice, system, irq, softirq: not idle, iowait or
    steal, the time the host gave to others), from the first line of Linux's ``/proc/stat``."""
    with PROC_STAT.open(encoding="ascii") as stat:
        ticks = [int(v) for v in stat.readline().split()[1:8]]
    return ticks[0] + ticks[1] + ticks[2] + ticks[5] + ticks[6]


def cores_used_by_others(seconds: float = SAMPLE_S) -> float:
    """How many cores other processes keep busy now: the machine's busy time over ``seconds`` (Linux
    ``/proc/stat``) less this process's own. Elsewhere, the 1-minute load average less the one core of this
    process (0 where there is none), which lags: it still reads the install that ``nox -s docs`` ran a
    moment before as work."""
    if not PROC_STAT.exists():
        try:
            return max(0.0, os.getloadavg()[0] - 1.0)
        except (AttributeError, OSError):
            return 0.0
    ticks_per_second = os.sysconf("SC_CLK_TCK")
    own_before, busy_before = sum(os.times()[:2]), _busy_ticks()
    time.sleep(seconds)
    own_after, busy_after = sum(os.times()[:2]), _busy_ticks()
    return max(0.0, ((busy_after - busy_before) / ticks_per_second - (own_after - own_before)) / seconds)


def start(scripts: list[Path], examples_dir: Path, out_dir: Path) -> None:
    """Start a worker per model that the scripts about to run ask for; nothing if none does."""
    stop()
    names = [
        n for s in scripts if will_run(s, out_dir, examples_dir) for n in models_asked_for(s.read_text())
    ]
    names = list(dict.fromkeys(names))
    if not names:
        return
    threads_env = library_facts.constant("train.py", "THREADS_ENV")
    env = dict(os.environ)
    env[threads_env] = "1"
    cores = os.cpu_count() or 1
    if threads_env not in os.environ and cores <= 2 and cores_used_by_others() < 0.5:
        # training_threads()'s rule, read before the workers add their own load, from the CPU time spent
        # now: a load average would still count the install or the build that has just ended
        os.environ[threads_env] = str(cores)
        _state["threads_set"] = threads_env
    out_dir.mkdir(parents=True, exist_ok=True)
    log_path = out_dir / LOG_FILE
    log_path.write_text("", encoding="utf-8")
    processes = []
    with log_path.open("a", encoding="utf-8") as log:
        for position, name in enumerate(names):
            priority = "low" if position == 0 else "idle"  # the model needed first goes first
            processes.append(subprocess.Popen(  # noqa: S603 - our own script, run by this interpreter
                [sys.executable, str(WORKER), priority, name], env=env, stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            ))  # fmt: skip
    _state.update(processes=processes, started=time.perf_counter(), log=log_path)
    pages = f"; the pages train on {os.environ[threads_env]} threads" if threads_env in os.environ else ""
    LOG.info(
        f"prefetch: training {', '.join(names)} in the background (low CPU priority, one thread each){pages}"
    )


def finish() -> None:
    """After the examples ran: log what the workers did; stop any still running (no page waits for it)."""
    processes = _state.get("processes")
    if not processes:
        return
    running = sum(process.poll() is None for process in processes)
    stop()
    seconds = time.perf_counter() - _state["started"]
    log_path = _state["log"]
    lines = log_path.read_text(encoding="utf-8").strip().splitlines() if log_path.exists() else []
    failed = [p for p in processes if p.returncode not in (0, None) and p.returncode >= 0]
    if failed:
        LOG.info(
            f"prefetch: {len(failed)} worker(s) failed ({lines[-1] if lines else 'no output'}); "
            "pages trained what they needed"
        )
    stopped = f"; {running} stopped, no page was waiting for them" if running else ""
    LOG.info(f"prefetch: {seconds:.0f} s: " + "; ".join(lines) + stopped)
    _state.pop("processes", None)


def stop() -> None:
    """Stop running workers (a build that failed, or the next build of ``mkdocs serve``) and give the
    main process's ``$CNNATLAS_THREADS`` back."""
    for process in _state.get("processes", []):
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    threads_env = _state.pop("threads_set", None)
    if threads_env:
        os.environ.pop(threads_env, None)


atexit.register(stop)
