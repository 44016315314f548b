"""The background trainer of the site build (docs/hooks/prefetch.py): the models it trains are exactly those
the pages ask for, it starts only when a page that asks will run, and a page then loads its weights."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from mkdocs_gallery.utils import get_md5sum

import cnnatlas

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "docs" / "hooks"))
import prefetch  # noqa: E402 - from docs/hooks, put on the path above

GALLERY = ROOT / "gallery"
# on one thread either would be ready long after its page: see prefetch.py
NOT_PREFETCHED = {"cifar10-net", "cifar10-net-relu"}


def _recipe_name(tree: ast.Module, node: ast.expr) -> str | None:
    """``cnnatlas.recipes.X`` given directly, or through a variable assigned it (``recipe = ...``)."""
    if isinstance(node, ast.Attribute) and ast.unparse(node.value) == "cnnatlas.recipes":
        return node.attr
    if isinstance(node, ast.Name):
        for assign in ast.walk(tree):
            if not isinstance(assign, ast.Assign):
                continue
            for target in assign.targets:
                if isinstance(target, ast.Name) and target.id == node.id:
                    return _recipe_name(tree, assign.value)
                if isinstance(target, ast.Tuple) and isinstance(assign.value, ast.Tuple):  # a, b = x, y
                    for element, value in zip(target.elts, assign.value.elts, strict=True):
                        if isinstance(element, ast.Name) and element.id == node.id:
                            return _recipe_name(tree, value)
    return None


def _calls() -> list[tuple[Path, str, str, str | None]]:
    """(page, name, model class, recipe) of every train_or_load call with a literal name in the gallery."""
    found = []
    for script in sorted(GALLERY.glob("*/plot_*.py")):
        tree = ast.parse(script.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and ast.unparse(node.func) == "cnnatlas.train_or_load"
                and isinstance(node.args[0], ast.Constant)
            ):
                model = ast.unparse(node.args[1]).removeprefix("cnnatlas.")
                found.append((script, node.args[0].value, model, _recipe_name(tree, node.args[4])))
    return found


def test_every_model_a_page_trains_is_prefetched_with_the_pages_class_and_recipe() -> None:
    calls = _calls()
    assert {name for _, name, _, _ in calls} == set(prefetch.MODELS) | NOT_PREFETCHED, calls
    for page, name, model, recipe in calls:
        if name in prefetch.MODELS:
            class_name, loader, recipe_name = prefetch.MODELS[name]
            assert (model, recipe) == (class_name, recipe_name), page.name
            assert f"cnnatlas.{loader}(" in page.read_text(encoding="utf-8"), page.name
    for class_name, loader, recipe_name in prefetch.MODELS.values():
        assert callable(getattr(cnnatlas, class_name)) and callable(getattr(cnnatlas, loader))
        assert isinstance(getattr(cnnatlas.recipes, recipe_name), cnnatlas.TrainConfig)


def test_a_script_will_run_unless_its_md5_file_matches_mkdocs_gallerys(tmp_path) -> None:
    examples, out = tmp_path / "gallery", tmp_path / "out"
    (examples / "01").mkdir(parents=True)
    (out / "01").mkdir(parents=True)
    script = examples / "01" / "plot_a.py"
    script.write_text('"""A."""\nprint("é")\n', encoding="utf-8")
    assert prefetch.will_run(script, out, examples)  # never ran
    (out / "01" / "plot_a.py.md5").write_text(get_md5sum(script, mode="t"))
    assert not prefetch.will_run(script, out, examples)
    script.write_text('"""A."""\nprint("e")\n', encoding="utf-8")
    assert prefetch.will_run(script, out, examples)


def test_models_asked_for_reads_literal_names_of_prefetched_models_in_order() -> None:
    source = textwrap.dedent("""
        a = cnnatlas.train_or_load("vgg-style-cifar10", cnnatlas.VGGStyleNet, t, s, r)
        b = cnnatlas.train_or_load(
            'lenet-fashion', cnnatlas.LeNet, t, s, r)
        c = cnnatlas.train_or_load("cifar10-net", cnnatlas.Cifar10Net, t, s, r)
        d = cnnatlas.train_or_load("vgg-style-cifar10", cnnatlas.VGGStyleNet, t, s, r)
    """)
    assert prefetch.models_asked_for(source) == ["vgg-style-cifar10", "lenet-fashion"]


def test_nothing_starts_when_no_page_that_trains_will_run(tmp_path) -> None:
    examples, out = tmp_path / "gallery", tmp_path / "out"
    (examples / "01").mkdir(parents=True)
    script = examples / "01" / "plot_a.py"
    script.write_text("print(1)\n")
    prefetch.start([script], examples, out)
    assert "processes" not in prefetch._state and not (out / prefetch.LOG_FILE).exists()


def test_the_worker_trains_what_a_page_will_ask_for_and_the_page_loads_it(tmp_path, monkeypatch) -> None:
    """The real worker, quick profile: it trains LeNet in the background; the page's own call then loads
    those weights; the main process's thread setting is given back afterwards."""
    monkeypatch.setenv("CNNATLAS_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("CNNATLAS_PROFILE", "quick")
    monkeypatch.delenv(cnnatlas.train.THREADS_ENV, raising=False)
    examples, out = tmp_path / "gallery", tmp_path / "out"
    (examples / "03").mkdir(parents=True)
    script = examples / "03" / "plot_lenet.py"
    script.write_text('m, r = cnnatlas.train_or_load("lenet-fashion", cnnatlas.LeNet, a, b, c)\n')
    prefetch.start([script], examples, out)
    (process,) = prefetch._state["processes"]
    if (os.cpu_count() or 1) <= 2 and prefetch._state.get("threads_set"):
        assert os.environ[cnnatlas.train.THREADS_ENV] == str(os.cpu_count())
    assert process.wait(timeout=600) == 0, (out / prefetch.LOG_FILE).read_text()
    log = (out / prefetch.LOG_FILE).read_text()
    assert log.startswith("lenet-fashion: trained, test accuracy") and "/" not in log, log
    prefetch.finish()
    assert cnnatlas.train.THREADS_ENV not in os.environ and "processes" not in prefetch._state
    train, test = cnnatlas.load_fashion_mnist(True), cnnatlas.load_fashion_mnist(False)
    _, result = cnnatlas.train_or_load("lenet-fashion", cnnatlas.LeNet, train, test, cnnatlas.recipes.LENET)
    assert result.from_cache


@pytest.mark.skipif(
    not prefetch.PROC_STAT.exists(), reason="Linux /proc/stat: elsewhere the load average is read"
)
def test_cores_used_by_others_counts_another_process_busy_now_and_not_this_one() -> None:
    """The sample sees a busy process at once (a 1-minute load average takes a minute), and leaves out the
    CPU time of the process that asks (the build's own work)."""
    busy = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(0.3)  # started
        assert prefetch.cores_used_by_others() >= 0.6
    finally:
        busy.kill()
        busy.wait()
    stop = threading.Event()

    def spin() -> None:
        while not stop.is_set():
            pass

    spinner = threading.Thread(target=spin)
    spinner.start()
    try:
        assert prefetch.cores_used_by_others() < 0.5
    finally:
        stop.set()
        spinner.join()


def test_the_threads_follow_the_cpu_time_spent_now_not_a_load_average_left_by_an_install(
    tmp_path, monkeypatch
) -> None:
    """``nox -s docs`` installs, then builds: the load average still counts the install, the CPU time spent
    now does not. On a 2-core machine the pages then train on both cores."""
    monkeypatch.delenv(cnnatlas.train.THREADS_ENV, raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    monkeypatch.setattr(os, "getloadavg", lambda: (1.9, 1.2, 0.6))  # after two minutes of pip
    examples, out = tmp_path / "gallery", tmp_path / "out"
    (examples / "03").mkdir(parents=True)
    script = examples / "03" / "plot_lenet.py"
    script.write_text('m, r = cnnatlas.train_or_load("lenet-fashion", cnnatlas.LeNet, a, b, c)\n')
    for others, threads in [(0.0, "2"), (1.0, None)]:
        monkeypatch.setattr(prefetch, "cores_used_by_others", lambda others=others: others)
        prefetch.start([script], examples, out)
        assert os.environ.get(cnnatlas.train.THREADS_ENV) == threads, others
        prefetch.stop()


@pytest.fixture(autouse=True)
def _no_worker_left():
    yield
    prefetch.stop()
    prefetch._state.clear()
