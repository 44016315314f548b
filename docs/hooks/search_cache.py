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
from pathlib import Path

from build_store import BuildStore  # a sibling in docs/hooks
from material.plugins.search import plugin as search_plugin

STORE_FILE = ".search-cache.json"
_VERSION = importlib.metadata.version("mkdocs-material")


_STORE = BuildStore(STORE_FILE)


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
        kept = _STORE.lookup(key)
        if kept is not None:
            self.entries.extend(copy.deepcopy(kept))
            return None
        first = len(self.entries)
        result = original(self, page)
        _STORE.put(key, copy.deepcopy(self.entries[first:]))
        return result

    add_entry_from_context.kept_by_cnnatlas = True
    return add_entry_from_context


def install(store_dir: Path) -> None:
    """Wrap the search index (once per process) and read the last build's entries from ``store_dir``."""
    index = search_plugin.SearchIndex
    if not getattr(index.add_entry_from_context, "kept_by_cnnatlas", False):
        index.add_entry_from_context = _kept(index.add_entry_from_context)
    _STORE.load(store_dir)


def save(store_dir: Path) -> tuple[int, int]:
    """Write this build's entries to ``store_dir``; return (pages answered from the last build's, pages)."""
    return _STORE.save(store_dir)
