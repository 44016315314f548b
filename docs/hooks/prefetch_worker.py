"""Train or load the named models of ``prefetch.MODELS`` as the pages would, at a low CPU priority.

Run by ``prefetch.py`` during a build: ``python prefetch_worker.py low lenet-fashion`` (priority ``low``
or ``idle``, then model names). Prints one line per model (what was done and how long it took), never a
path. The VGG-style stand-in is skipped when VGG16's ImageNet weights are in torch hub's cache: the pages
then show those instead. (The worker downloads nothing: where a page can download them, the stand-in it
trained is not used.)
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path


def lower_priority(priority: str) -> None:
    """``"low"``: the lowest nice level (19); ``"idle"``: Linux ``SCHED_IDLE`` (runs only on a core nothing
    else wants), the lowest nice level where there is none."""
    if priority == "idle":
        try:
            os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
            return
        except (AttributeError, OSError):
            pass
    try:
        os.nice(19)
    except (AttributeError, OSError):
        pass


def main(priority: str, names: list[str]) -> int:
    lower_priority(priority)
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from prefetch import MODELS  # noqa: PLC0415 - a sibling

    import cnnatlas  # noqa: PLC0415 - after the priority is lowered: importing torch takes seconds

    for name in names:
        class_name, loader_name, recipe_name = MODELS[name]
        started = time.perf_counter()
        if class_name == "VGGStyleNet" and cnnatlas.pretrained.cached_weights_path("vgg16").exists():
            print(f"{name}: skipped, VGG16's ImageNet weights are cached", flush=True)
            continue
        loader = getattr(cnnatlas, loader_name)
        _, result = cnnatlas.train_or_load(
            name, getattr(cnnatlas, class_name), loader(train=True), loader(train=False),
            getattr(cnnatlas.recipes, recipe_name), progress=False,
        )  # fmt: skip
        done = (
            "loaded from the cache"
            if result.from_cache
            else f"trained, test accuracy {result.test_accuracy:.4f}"
        )
        print(f"{name}: {done} in {time.perf_counter() - started:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2:]))
