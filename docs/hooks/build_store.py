"""What one build made, by key, kept in a JSON file for the next: the store behind ``highlight_cache.py``
and ``search_cache.py``.

Each build reads the last build's results (:meth:`BuildStore.load`), answers what it can from them
(:meth:`BuildStore.lookup`), records what it made (:meth:`BuildStore.put`) and writes only this build's
results back (:meth:`BuildStore.save`), so that the file never grows past one build.
"""

from __future__ import annotations

import json
from pathlib import Path


class BuildStore:
    """The last build's results and this build's, by key, with how many lookups the last build answered."""

    def __init__(self, file_name: str) -> None:
        self.file_name = file_name
        self.old: dict[str, object] = {}  # the last build's results, by key
        self.now: dict[str, object] = {}  # this build's
        self.hits = 0  # lookups answered from the last build's
        self.calls = 0

    def load(self, store_dir: Path) -> None:
        """Read the last build's results from ``store_dir`` and start counting this build's."""
        store = Path(store_dir) / self.file_name
        try:
            self.old = json.loads(store.read_text(encoding="utf-8")) if store.exists() else {}
        except ValueError:  # a store cut short (an interrupted build): make everything again
            self.old = {}
        self.now, self.hits, self.calls = {}, 0, 0

    def lookup(self, key: str) -> object | None:
        """The last build's result for ``key`` (kept for the next build too), or None."""
        self.calls += 1
        if key not in self.old:
            return None
        self.hits += 1
        self.now[key] = self.old[key]
        return self.old[key]

    def put(self, key: str, value: object) -> None:
        """Keep ``value``, made by this build, for the next."""
        self.now[key] = value

    def save(self, store_dir: Path) -> tuple[int, int]:
        """Write this build's results to ``store_dir``; return (lookups answered from the last build's, lookups)."""
        Path(store_dir).mkdir(parents=True, exist_ok=True)
        (Path(store_dir) / self.file_name).write_text(json.dumps(self.now), encoding="utf-8")
        return self.hits, self.calls
