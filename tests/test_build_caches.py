"""docs/hooks/search_cache.py and build_speed.py: what a no-change rebuild keeps gives what it would have made."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import build_speed  # docs/hooks, put on sys.path by conftest.py
import jinja2
import pytest
import search_cache
from material.plugins.search import plugin as search_plugin

ROOT = Path(__file__).resolve().parent.parent
HTML = '<h1 id="title">Title</h1><p>First words.</p><h2 id="part">A part</h2><p>More <code>code</code>.</p>'


def _page(content: str = HTML) -> SimpleNamespace:
    part = SimpleNamespace(id="part", url="#part", title="A part", children=[])
    toc = [SimpleNamespace(id="title", url="#title", title="Title", children=[part])]
    return SimpleNamespace(url="a/page/", title="Title", meta={}, toc=toc, content=content)


def _index() -> search_plugin.SearchIndex:
    return search_plugin.SearchIndex(lang=["en"], separator=r"[\s\-]+", pipeline=["stemmer"], fields={})


def test_an_unchanged_page_gets_its_entries_without_being_parsed(tmp_path: Path, monkeypatch) -> None:
    search_cache.install(tmp_path)
    first = _index()
    first.add_entry_from_context(_page())
    assert [e["location"] for e in first.entries] == ["a/page/", "a/page/#part"]
    assert search_cache.save(tmp_path) == (0, 1)
    search_cache.install(tmp_path)
    parsed = []
    real = search_plugin.Parser
    monkeypatch.setattr(search_plugin, "Parser", lambda *a: (parsed.append(1), real(*a))[1])
    second = _index()
    second.add_entry_from_context(_page())
    assert second.entries == first.entries and not parsed
    second.entries[0]["text"] = "changed by a later plugin"  # a copy: the store keeps its own
    changed = _index()
    changed.add_entry_from_context(_page(HTML.replace("More", "Other")))
    assert parsed == [1] and "Other" in changed.entries[1]["text"]
    assert search_cache.save(tmp_path) == (1, 2)
    search_cache.install(tmp_path)
    again = _index()
    again.add_entry_from_context(_page())
    assert again.entries == first.entries


def test_mkdocs_gallery_selects_agg_without_importing_matplotlib() -> None:
    code = (
        "import os, sys; sys.path.insert(0, 'docs/hooks'); os.environ.pop('MPLBACKEND', None)\n"
        "from mkdocs_gallery import gen_gallery; import build_speed\n"
        "build_speed.defer_matplotlib(); build_speed.defer_matplotlib()\n"
        "gen_gallery._import_matplotlib()\n"
        "print('matplotlib' in sys.modules, os.environ['MPLBACKEND'])\n"
        "import matplotlib.pyplot; print(matplotlib.get_backend().lower())\n"
        "print(gen_gallery._import_matplotlib()[0] is matplotlib)\n"
    )
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert run.stdout.split() == ["False", "agg", "agg", "True"]


def test_a_cached_template_is_not_compiled_again_until_its_source_changes(tmp_path: Path) -> None:
    templates = {"page.html": "<p>{{ name | upper }}</p>"}

    def environment() -> jinja2.Environment:
        env = jinja2.Environment(loader=jinja2.DictLoader(templates), autoescape=True)
        build_speed.cache_templates(env, tmp_path, "test", ("jinja2",))
        return env

    assert environment().get_template("page.html").render(name="x") == "<p>X</p>"
    env = environment()
    env.compile = lambda *a, **k: pytest.fail("compiled again")
    assert env.get_template("page.html").render(name="y") == "<p>Y</p>"
    templates["page.html"] = "<p>{{ name }}</p>"
    assert environment().get_template("page.html").render(name="z") == "<p>z</p>"
