"""Benchmark: cnnatlas.trace vs a plain forward on the torchvision models the atlas draws, and more.

For each model, one 1x3x224x224 image on the CPU: the median of 5 plain forwards (eval, no_grad) and the
median of 5 ``cnnatlas.trace`` calls, measured alternately in one process so that load on the machine hits
both alike; the ratio is the number to watch (goal: at most 1.5x on every row). resnet18 and vgg16 are
the models the pages trace; googlenet, densenet121 and mobilenet_v3_small add branches, concatenations
and many small layers. torchinfo.summary on resnet18 is added when installed.

The wall-clock ratio is the goal's; the CPU-time ratio is steadier on a loaded machine
(with ``--threads 1`` it is the one thread's CPU time, which other processes hardly change).

Run: ``nox -s bench`` or ``python bench/bench_trace.py [--threads N] [model ...]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import torch
import torchvision

import cnnatlas

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "docs" / "hooks"))
import tooling  # noqa: E402 - from docs/hooks, put on the path above

REPEATS = 5
GOAL = 1.5
MODELS = {
    "resnet18": lambda: torchvision.models.resnet18(),
    "vgg16": lambda: torchvision.models.vgg16(),
    "googlenet": lambda: torchvision.models.googlenet(init_weights=False, aux_logits=False),
    "densenet121": lambda: torchvision.models.densenet121(),
    "mobilenet_v3_small": lambda: torchvision.models.mobilenet_v3_small(),
}


def paired_medians(first, second, repeats: int = REPEATS, clock=time.perf_counter) -> tuple[float, float]:
    """Median seconds of ``first`` and of ``second`` on ``clock``, run alternately after one warm-up of each."""
    first(), second()
    a, b = [], []
    for _ in range(repeats):
        for fn, times in ((first, a), (second, b)):
            started = clock()
            fn()
            times.append(clock() - started)
    return statistics.median(a), statistics.median(b)


def measure(name: str) -> tuple[float, float, float, float]:
    """Wall-clock and CPU-time medians of a plain forward and of a trace of ``name``."""
    torch.manual_seed(0)
    model = MODELS[name]().eval()
    x = torch.randn(1, 3, 224, 224)

    def plain() -> None:
        with torch.no_grad():
            model(x)

    def traced() -> None:
        cnnatlas.trace(model, x)

    wall = paired_medians(plain, traced)
    # one thread: the calling thread's CPU time is all the work; more: every thread's (OpenMP waits included)
    clock = time.thread_time if torch.get_num_threads() == 1 else time.process_time
    cpu = paired_medians(plain, traced, clock=clock)
    return (*wall, *cpu)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("models", nargs="*", metavar="model", help=f"some of {list(MODELS)} (default: all)")
    parser.add_argument("--threads", type=int, default=torch.get_num_threads(), help="torch intra-op threads")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"one 1x3x224x224 image, CPU {tooling.cpu_model()} ({os.cpu_count()} cores, load {load:.1f}), "
          f"{torch.get_num_threads()} torch threads, torch {torch.__version__}, median of {REPEATS}, "
          "alternating forward and trace")  # fmt: skip
    print("| model              | forward ms | trace ms | trace / forward | CPU-time ratio |")
    print("|--------------------|-----------:|---------:|----------------:|---------------:|")
    worst = 0.0
    for name in args.models or list(MODELS):
        forward, traced, cpu_forward, cpu_traced = measure(name)
        worst = max(worst, traced / forward)
        print(f"| {name:18s} | {forward * 1000:10.1f} | {traced * 1000:8.1f} | {traced / forward:14.2f}x "
              f"| {cpu_traced / cpu_forward:13.2f}x |")  # fmt: skip
    try:
        import torchinfo

        model = MODELS["resnet18"]().eval()
        x = torch.randn(1, 3, 224, 224)
        with torch.no_grad():
            forward, summary = paired_medians(
                lambda: model(x), lambda: torchinfo.summary(model, input_data=x, verbose=0)
            )
        print(f"torchinfo.summary on resnet18: {summary / forward:.2f}x a forward")
    except ImportError:
        pass
    print(f"worst ratio {worst:.2f}x (goal <= {GOAL}x)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
