from __future__ import annotations

import threading
from pathlib import Path

import pytest
import torch

from cnnatlas.cache import (
    CacheWarning,
    cache_dir,
    cache_file,
    exclusive,
    load_checked,
    save_atomic,
    stable_hash,
)


def test_round_trip(tmp_path) -> None:
    path = save_atomic({"key": "k", "w": torch.arange(3)}, tmp_path / "a.pt")
    assert torch.equal(load_checked(path, "k")["w"], torch.arange(3))
    assert [p.name for p in tmp_path.iterdir()] == ["a.pt"], "no temporary file may be left behind"


def test_interrupted_write_leaves_no_file(tmp_path) -> None:
    class Unsaveable:
        def __reduce__(self):
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        save_atomic({"key": "k", "bad": Unsaveable()}, tmp_path / "a.pt")
    assert list(tmp_path.iterdir()) == []


def test_interrupted_write_keeps_the_old_file(tmp_path) -> None:
    path = save_atomic({"key": "old"}, tmp_path / "a.pt")

    class Unsaveable:
        def __reduce__(self):
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        save_atomic({"key": "new", "bad": Unsaveable()}, path)
    assert load_checked(path, "old") == {"key": "old"}


@pytest.mark.parametrize("content", [b"", b"not a torch file", b"PK\x03\x04truncated zip"])
def test_corrupted_file_is_reported_and_removed(tmp_path, content) -> None:
    path = tmp_path / "a.pt"
    path.write_bytes(content)
    with pytest.warns(CacheWarning, match="unreadable"):
        assert load_checked(path, "k") is None
    assert not path.exists()


def test_file_for_another_key_is_reported(tmp_path) -> None:
    path = save_atomic({"key": "other"}, tmp_path / "a.pt")
    with pytest.warns(CacheWarning, match="another model"):
        assert load_checked(path, "k") is None


class Payload:
    """An arbitrary class: unpickling it could run code, so a weights-only load must refuse it."""


def test_arbitrary_objects_are_never_unpickled(tmp_path) -> None:
    path = tmp_path / "a.pt"
    torch.save({"key": "k", "obj": Payload()}, path)
    with pytest.warns(CacheWarning):
        assert load_checked(path, "k") is None


def test_stable_hash_ignores_key_order() -> None:
    assert stable_hash({"a": 1, "b": 2}) == stable_hash({"b": 2, "a": 1})
    assert stable_hash({"a": 1}) != stable_hash({"a": 2})


TRAVERSALS = ["../escape", "/abs", "a/b", "..", "", "a\x00b", "C:\\x", "a\\b", ".hidden", "a..b", "x" * 101]


@pytest.mark.parametrize("name", TRAVERSALS)
def test_a_name_is_never_a_path(tmp_path, monkeypatch, name) -> None:
    """Traversals, separators, absolute paths, drive letters and NUL bytes are refused, and nothing is written."""
    monkeypatch.setenv("CNNATLAS_CACHE", str(tmp_path / "cache"))
    with pytest.raises(ValueError, match="name: expected a (plain file name|non-empty string)"):
        cache_file("models", name, ".pt")
    with pytest.raises(ValueError, match="kind: expected a (plain file name|non-empty string)"):
        cache_dir(name)
    assert sorted(p.name for p in tmp_path.rglob("*")) in ([], ["cache"], ["cache", "models"])


@pytest.mark.parametrize("name", [None, 3, b"lenet", Path("lenet")])
def test_a_name_must_be_a_string(tmp_path, monkeypatch, name) -> None:
    monkeypatch.setenv("CNNATLAS_CACHE", str(tmp_path))
    with pytest.raises(TypeError, match="name: expected a string"):
        cache_file("models", name)


@pytest.mark.parametrize("suffix", ["/../x.pt", "-..pt", "\x00"])
def test_a_suffix_is_never_a_path(tmp_path, monkeypatch, suffix) -> None:
    monkeypatch.setenv("CNNATLAS_CACHE", str(tmp_path))
    with pytest.raises(ValueError, match="suffix"):
        cache_file("models", "lenet", suffix)


def test_a_cache_file_that_is_a_link_out_of_the_folder_is_refused(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("CNNATLAS_CACHE", str(tmp_path / "cache"))
    outside = tmp_path / "outside.pt"
    (cache_dir("models") / "lenet.pt").symlink_to(outside)
    with pytest.raises(ValueError, match="inside the cache folder"):
        cache_file("models", "lenet", ".pt")
    assert cache_file("models", "lenet-1", ".pt").parent == tmp_path / "cache" / "models"


def test_exclusive_makes_a_second_holder_wait_until_the_first_leaves(tmp_path) -> None:
    path = tmp_path / "model.pt"
    events: list[str] = []
    first_in = threading.Event()

    def second() -> None:
        first_in.wait()
        with exclusive(path):
            events.append("second in")

    thread = threading.Thread(target=second)
    thread.start()
    with exclusive(path):
        first_in.set()
        thread.join(timeout=0.5)  # it cannot get in while the first holds the lock
        events.append("first out")
    thread.join(timeout=10)
    assert events == ["first out", "second in"] and not thread.is_alive()
    assert not path.exists() and (tmp_path / ".model.pt.lock").exists()
