"""Benchmark: cnnatlas.trace of resnet18 on one 224x224 image vs a plain forward, vs torchinfo.summary.

Prints a table measured side by side in one run (median of repeated runs, CPU). Goal: trace at most
1.5x a plain forward.

Run: ``nox -s bench`` or ``python bench/bench_trace.py``.
"""

from __future__ import annotations

import statistics
import time

import torch
import torchvision

import cnnatlas

REPEATS = 15


def median_seconds(fn) -> float:
    fn()  # warm-up
    times = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    torch.manual_seed(0)
    model = torchvision.models.resnet18().eval()
    x = torch.randn(1, 3, 224, 224)

    def plain() -> None:
        with torch.no_grad():
            model(x)

    rows = [("plain forward (no_grad, eval)", median_seconds(plain)),
            ("cnnatlas.trace", median_seconds(lambda: cnnatlas.trace(model, x)))]  # fmt: skip
    try:
        import torchinfo

        rows.append(("torchinfo.summary", median_seconds(lambda: torchinfo.summary(model, input_data=x, verbose=0))))
    except ImportError:
        rows.append(("torchinfo.summary (not installed)", float("nan")))
    base = rows[0][1]
    print(f"resnet18, one 224x224 image, CPU {cnnatlas.device_name(torch.device('cpu'))}, torch {torch.__version__}, "
          f"median of {REPEATS}")
    print("| what                              | ms     | vs forward |")
    print("|-----------------------------------|-------:|-----------:|")
    for name, seconds in rows:
        print(f"| {name:33s} | {seconds * 1000:6.1f} | {seconds / base:9.2f}x |")


if __name__ == "__main__":
    main()
