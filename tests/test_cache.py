from __future__ import annotations

import pytest
import torch

from cnnatlas.cache import CacheWarning, load_checked, save_atomic, stable_hash


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
