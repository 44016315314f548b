"""Pygments' highlighting of code blocks, kept from one build to the next.

MkDocs converts every page's Markdown on every build, and highlighting the site's ~770 code blocks (the
examples' code and printed output, the signatures of the API pages) is about an eighth of a build in which
nothing changed. ``site_hook.py`` calls :func:`install` when a build starts and :func:`save` when it ends.
:func:`install` wraps ``pymdownx.highlight.Highlight.highlight``, which pymdownx.superfences,
pymdownx.inlinehilite and mkdocstrings all call: a block highlighted by the last build with the same source,
arguments and highlighter settings (and the same Pygments and pymdown-extensions versions) gets the HTML of
then; any other is highlighted as before. The store, a JSON file in the gallery output folder (hidden: MkDocs
does not publish it), keeps the blocks of the last build only.

Inline code (for which pymdownx returns a ``<code>`` element: its tag, attributes and text are kept, and a
new element is made from them each time, since callers change it) is kept too. Not kept: a block whose
highlighting stored HTML in the Markdown instance (a title in ``title_mode: html``), which a copy would not
repeat, and any result that is not text or a childless element.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import inspect
import xml.etree.ElementTree as etree
from pathlib import Path

from build_store import BuildStore  # a sibling in docs/hooks
from pymdownx import highlight as pymdownx_highlight

STORE_FILE = ".highlight-cache.json"
_VERSIONS = tuple(importlib.metadata.version(name) for name in ("pygments", "pymdown-extensions"))
_SIMPLE = (str, int, float, bool, type(None), tuple, list, dict)


_STORE = BuildStore(STORE_FILE)


def _settings(highlighter: object) -> str:
    """The highlighter's configuration (its simple attributes; not its Markdown instance)."""
    items = sorted((k, v) for k, v in vars(highlighter).items() if k != "md" and isinstance(v, _SIMPLE))
    return f"{type(highlighter).__qualname__}{items!r}"


def _stash_size(highlighter: object) -> object:
    return getattr(getattr(getattr(highlighter, "md", None), "htmlStash", None), "html_counter", None)


def _stored(result: object) -> str | list | None:
    """What is kept of a highlighting result: block HTML as it is, an inline element as [tag, attributes, text]."""
    if isinstance(result, str):
        return result
    if etree.iselement(result) and len(result) == 0 and not result.tail and type(result.text) is str:
        return [result.tag, dict(result.attrib), result.text]
    return None


def _result(stored: str | list) -> object:
    if isinstance(stored, str):
        return stored
    tag, attributes, text = stored
    element = etree.Element(tag, attributes)
    element.text = text
    return element


def _kept(original):
    signature = inspect.signature(original)

    @functools.wraps(original)
    def highlight(self, *args, **kwargs):
        bound = signature.bind(self, *args, **kwargs)
        bound.apply_defaults()
        arguments = sorted((k, v) for k, v in bound.arguments.items() if k != "self")
        key = hashlib.sha256(repr((_VERSIONS, _settings(self), arguments)).encode()).hexdigest()
        kept = _STORE.lookup(key)
        if kept is not None:
            return _result(kept)
        stash = _stash_size(self)
        result = original(self, *args, **kwargs)
        stored = _stored(result)
        if stored is not None and _stash_size(self) == stash:
            _STORE.put(key, stored)
        return result

    highlight.kept_by_cnnatlas = True
    return highlight


def install(store_dir: Path) -> None:
    """Wrap ``Highlight.highlight`` (once per process) and read the last build's blocks from ``store_dir``."""
    if not getattr(pymdownx_highlight.Highlight.highlight, "kept_by_cnnatlas", False):
        pymdownx_highlight.Highlight.highlight = _kept(pymdownx_highlight.Highlight.highlight)
    _STORE.load(store_dir)


def save(store_dir: Path) -> tuple[int, int]:
    """Write this build's blocks to ``store_dir``; return (blocks answered from the last build's, blocks)."""
    return _STORE.save(store_dir)
