"""The search index's entries of a page, kept from one build to the next while the page's HTML is the same.

Material's search plugin parses every page's HTML on every build (Python's ``html.parser``) to cut it into
the sections of ``search/search_index.json``: about a quarter of a build in which nothing changed.
``site_hook.py`` calls :func:`install` when a build starts and :func:`save` when it ends. :func:`install`
wraps ``SearchIndex.add_entry_from_context`` of ``material.plugins.search.plugin``: a page whose URL,
title, metadata, table of contents and HTML are those of a page of the last build (same Material version,
same search settings) gets that page's entries again; any other page is parsed as before. The store, a JSON
file in the gallery output folder (hidden: MkDocs does not publish it), keeps the pages of the last build.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import importlib.metadata
import json
from pathlib import Path

from material.plugins.search import plugin as search_plugin

STORE_FILE = ".search-cache.json"
_VERSION = importlib.metadata.version("mkdocs-material")


class _Cache:
    def __init__(self) -> None:
        self.old: dict[str, list[dict]] = {}  # the last build's entries, by page key
        self.now: dict[str, list[dict]] = {}
        self.hits = 0  # calls answered from the last build's
        self.calls = 0


_CACHE = _Cache()


def _toc(items) -> list:
    return [(item.id, item.url, item.title, _toc(item.children)) for item in items]


def page_key(index: object, page: object) -> str:
    """Return the hash of everything the entries of ``page`` are made from."""
    settings = sorted((k, repr(v)) for k, v in getattr(index, "config", {}).items())
    described = repr((_VERSION, settings, page.url, page.title, sorted(page.meta.items(), key=repr), _toc(page.toc)))
    digest = hashlib.sha256(described.encode())
    digest.update((page.content or "").encode())
    return digest.hexdigest()


def _kept(original):
    @functools.wraps(original)
    def add_entry_from_context(self, page):
        key = page_key(self, page)
        _CACHE.calls += 1
        if key in _CACHE.old:
            _CACHE.hits += 1
            _CACHE.now[key] = _CACHE.old[key]
            self.entries.extend(copy.deepcopy(_CACHE.old[key]))
            return None
        first = len(self.entries)
        result = original(self, page)
        _CACHE.now[key] = copy.deepcopy(self.entries[first:])
        return result

    add_entry_from_context.kept_by_cnnatlas = True
    return add_entry_from_context


def install(store_dir: Path) -> None:
    """Wrap the search index (once per process) and read the last build's entries from ``store_dir``."""
    index = search_plugin.SearchIndex
    if not getattr(index.add_entry_from_context, "kept_by_cnnatlas", False):
        index.add_entry_from_context = _kept(index.add_entry_from_context)
    store = Path(store_dir) / STORE_FILE
    try:
        _CACHE.old = json.loads(store.read_text(encoding="utf-8")) if store.exists() else {}
    except ValueError:  # a store cut short (an interrupted build): parse every page again
        _CACHE.old = {}
    _CACHE.now, _CACHE.hits, _CACHE.calls = {}, 0, 0


def save(store_dir: Path) -> tuple[int, int]:
    """Write this build's entries to ``store_dir``; return (pages answered from the last build's, pages)."""
    Path(store_dir).mkdir(parents=True, exist_ok=True)
    (Path(store_dir) / STORE_FILE).write_text(json.dumps(_CACHE.now), encoding="utf-8")
    return _CACHE.hits, _CACHE.calls
