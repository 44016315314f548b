"""Run ``mkdocs build --strict -d SITE`` in this process and write where its CPU time went, as JSON, to OUT.

Usage: ``python bench/rebuild_events.py SITE OUT`` from the checkout (``bench/bench_build.py --rebuild``
runs it). The stages, in CPU seconds of this process (``time.process_time``):

- ``python and mkdocs start``: the interpreter, then importing MkDocs and its command line (before ``build``);
- ``load config (plugins, hooks)``: reading mkdocs.yml, importing every plugin and hook module;
- ``<plugin or hook>: <event>``: each plugin's (and hook's) handler of each MkDocs event, all pages summed;
- ``render Markdown (pages)``: Markdown to HTML, all pages (mkdocstrings' API pages and Pygments' code
  highlighting run in it);
- ``rest (templates, files, search index)``: the remainder of ``build``.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path.cwd()))  # as ``python -m mkdocs`` does: this checkout's cnnatlas first

from mkdocs import config as mkdocs_config  # noqa: E402
from mkdocs.__main__ import cli  # noqa: E402
from mkdocs.commands import build as build_command  # noqa: E402
from mkdocs.plugins import PluginCollection  # noqa: E402
from mkdocs.structure.pages import Page  # noqa: E402

STAGES: Counter[str] = Counter()


def _timed(stage: str, function):
    def wrapper(*args, **kwargs):
        started = time.process_time()
        try:
            return function(*args, **kwargs)
        finally:
            STAGES[stage] += time.process_time() - started

    return wrapper


def _run_event(self: PluginCollection, name: str, item=None, **kwargs):
    """MkDocs' own loop over an event's handlers, each timed (mkdocs/plugins.py, run_event)."""
    for method in self.events[name]:
        owner = getattr(method, "__self__", None)
        who = type(owner).__name__ if owner is not None else Path(getattr(method, "__module__", "?")).name
        started = time.process_time()
        result = method(**kwargs) if item is None else method(item, **kwargs)
        STAGES[f"{who}: {name}"] += time.process_time() - started
        if result is not None:
            item = result
    return item


def main() -> None:
    site, out = sys.argv[1], Path(sys.argv[2])
    before = time.process_time()
    PluginCollection.run_event = _run_event
    mkdocs_config.load_config = _timed("load config (plugins, hooks)", mkdocs_config.load_config)
    Page.render = _timed("render Markdown (pages)", Page.render)
    build_command.build = _timed("build", build_command.build)
    sys.argv = ["mkdocs", "build", "--strict", "-d", site]
    try:
        cli()
    except SystemExit as done:
        if done.code:
            raise
    times = os.times()
    total = times.user + times.system  # this process from its start, as the shell's time would count it
    in_build = STAGES.pop("build")
    stages = {"python and mkdocs start": total - (time.process_time() - before)}
    stages.update(sorted(STAGES.items(), key=lambda item: -item[1]))
    stages["rest (templates, files, search index)"] = in_build - sum(
        v for k, v in STAGES.items() if k != "load config (plugins, hooks)"
    )
    out.write_text(json.dumps({"total": total, "stages": stages}, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
