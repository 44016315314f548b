from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
import torch

import cnnatlas
from cnnatlas import data

needs_mirror = pytest.mark.skipif(
    not os.environ.get("CNNATLAS_DATA_MIRROR"), reason="needs CNNATLAS_DATA_MIRROR (the offline data mirror)"
)


@pytest.fixture
def fresh_root(tmp_path, monkeypatch):
    monkeypatch.setenv("CNNATLAS_DATA", str(tmp_path / "data"))
    return tmp_path / "data"


@needs_mirror
def test_fashion_mnist_from_the_mirror(fresh_root) -> None:
    test = cnnatlas.load_fashion_mnist(train=False)
    assert test.images.shape == (10_000, 1, 28, 28) and test.images.dtype == torch.uint8
    assert torch.equal(test.labels.bincount(), torch.full((10,), 1000))
    assert "mirror" in test.source
    assert (fresh_root / "FashionMNIST" / "raw" / "t10k-images-idx3-ubyte").exists()
    assert "mirror" not in cnnatlas.load_fashion_mnist(train=False).source  # second time: from the root


@needs_mirror
def test_normalization_is_computed_from_the_data(fresh_root) -> None:
    norm = cnnatlas.load_fashion_mnist(train=True).normalization()
    assert norm.mean[0] == pytest.approx(0.2861, abs=1e-3)  # the mirror README's measured values
    assert norm.std[0] == pytest.approx(0.3528, abs=1e-3)


@needs_mirror
def test_cifar10_from_the_jpeg_mirror_is_decoded_once(fresh_root) -> None:
    first = cnnatlas.load_cifar10(train=False)
    assert first.images.shape == (10_000, 3, 32, 32) and first.images.dtype == torch.uint8
    assert first.classes[0] == "airplane" and torch.equal(first.labels.bincount(), torch.full((10,), 1000))
    cache = fresh_root / "cifar10-jpeg-test.pt"
    assert cache.exists() and (fresh_root / "cifar10-jpeg-train.pt").exists(), "one pass decodes both splits"
    started = time.perf_counter()
    again = cnnatlas.load_cifar10(train=False)
    assert time.perf_counter() - started < 5 and torch.equal(again.images, first.images)


@needs_mirror
def test_corrupted_cifar_cache_is_rebuilt(fresh_root) -> None:
    cnnatlas.load_cifar10(train=False)
    cache = fresh_root / "cifar10-jpeg-test.pt"
    cache.write_bytes(cache.read_bytes()[:1000])
    with pytest.warns(cnnatlas.CacheWarning):
        assert len(cnnatlas.load_cifar10(train=False)) == 10_000


def test_missing_data_offline_gives_one_clear_error(fresh_root, monkeypatch) -> None:
    monkeypatch.delenv("CNNATLAS_DATA_MIRROR", raising=False)
    monkeypatch.setattr(data, "DOWNLOAD_TIMEOUT_S", 3)
    import torchvision.datasets

    monkeypatch.setattr(
        torchvision.datasets.FashionMNIST, "mirrors", ["http://127.0.0.1:9/"]
    )  # a closed local port: no network is touched
    started = time.perf_counter()
    with pytest.raises(cnnatlas.DataUnavailableError) as info:
        cnnatlas.load_fashion_mnist(train=False)
    message = str(info.value)
    assert "CNNATLAS_DATA_MIRROR" in message and "CNNATLAS_DATA" in message and "FashionMNIST/raw" in message
    assert time.perf_counter() - started < 30


def test_a_mirror_that_is_not_a_folder_is_named(fresh_root, monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("CNNATLAS_DATA_MIRROR", str(tmp_path / "nowhere"))
    with pytest.raises(cnnatlas.DataUnavailableError, match="nowhere"):
        cnnatlas.load_fashion_mnist(train=False)


def test_subset_keeps_classes_balanced() -> None:
    labels = torch.arange(10).repeat_interleave(50)
    ds = cnnatlas.ImageDataset("d", "train", torch.zeros(500, 1, 2, 2, dtype=torch.uint8), labels,
                               tuple("abcdefghij"), "test")  # fmt: skip
    assert torch.equal(ds.subset(100).labels.bincount(), torch.full((10,), 10))


def _labelled(counts: list[int]) -> cnnatlas.ImageDataset:
    """A data set with ``counts[c]`` images of class c; every image's pixels hold its own index."""
    labels = torch.arange(len(counts)).repeat_interleave(torch.tensor(counts))
    labels = labels[torch.randperm(len(labels), generator=torch.Generator().manual_seed(7))]  # classes mixed
    index = torch.arange(len(labels))
    images = torch.stack([index % 256, index // 256]).T.to(torch.uint8).view(-1, 1, 1, 2).expand(-1, 1, 2, 2)
    return cnnatlas.ImageDataset(
        "d", "train", images.contiguous(), labels, tuple("abcdefghij"[: len(counts)]), "test"
    )


def _ids(ds: cnnatlas.ImageDataset) -> list[int]:
    return (ds.images[:, 0, 0, 0].long() + 256 * ds.images[:, 0, 0, 1].long()).tolist()


@pytest.mark.parametrize("n", [1, 7, 100, 103, 499])
def test_holdout_sizes_balance_and_disjoint_parts(n: int) -> None:
    ds = _labelled([50] * 10)
    rest, held = ds.holdout(n, seed=3)
    assert (len(rest), len(held)) == (500 - n, n)
    assert held.split == "validation" and rest.split != "validation" and held.classes == ds.classes
    counts = held.labels.bincount(minlength=10)
    assert int(counts.sum()) == n and set(counts.tolist()) <= {n // 10, n // 10 + 1}, counts
    assert sorted(_ids(rest) + _ids(held)) == list(range(500)), "disjoint, and together every image once"
    assert _ids(rest) == sorted(_ids(rest)) and _ids(held) == sorted(_ids(held)), "original order kept"
    for part in (rest, held):  # each image keeps its own label
        assert torch.equal(part.labels, ds.labels[torch.tensor(_ids(part), dtype=torch.long)])


def test_holdout_balances_what_a_small_class_allows() -> None:
    """A class with fewer images than its share gives all it has; the others make up the difference."""
    rest, held = _labelled([3, 40, 40]).holdout(30, seed=0)
    assert held.labels.bincount().tolist() == [3, 14, 13] or held.labels.bincount().tolist() == [3, 13, 14]
    assert 0 not in rest.labels.tolist()


def test_holdout_is_reproducible_and_follows_the_seed() -> None:
    ds = _labelled([50] * 10)
    first, again, other = ds.holdout(60, seed=5)[1], ds.holdout(60, seed=5)[1], ds.holdout(60, seed=6)[1]
    assert _ids(first) == _ids(again) and _ids(first) != _ids(other)
    assert ds.holdout(60)[1].labels.tolist() == ds.holdout(60, seed=0)[1].labels.tolist()


@pytest.mark.parametrize(
    ("n", "seed", "error", "match"),
    [(0, 0, ValueError, "n: expected an int >= 1"), (-3, 0, ValueError, "n: expected"),
     (500, 0, ValueError, r"n: expected fewer images than the data set holds \(500\)"),
     (10**9, 0, ValueError, "n: expected fewer"), (5.0, 0, TypeError, "n: expected"),
     (True, 0, TypeError, "n: expected"), ("5", 0, TypeError, "n: expected"), (None, 0, TypeError, "n: expected"),
     (5, -1, ValueError, "seed: expected"), (5, 2**64, ValueError, "seed: expected"),
     (5, 1.0, TypeError, "seed: expected"), (5, None, TypeError, "seed: expected")],
)  # fmt: skip
def test_holdout_refuses_bad_input(n, seed, error, match) -> None:
    with pytest.raises(error, match=match):
        _labelled([50] * 10).holdout(n, seed=seed)


def test_photo_is_a_real_image() -> None:
    photo = cnnatlas.load_photo("astronaut")
    assert photo.shape == (3, 512, 512) and photo.dtype == torch.uint8 and photo.float().std() > 20
    with pytest.raises(ValueError, match="expected one of"):
        cnnatlas.load_photo("lena")


def test_download_timeout_is_restored_also_on_error() -> None:
    import socket

    before = socket.getdefaulttimeout()
    with pytest.raises(OSError), data.download_timeout():
        assert socket.getdefaulttimeout() == data.DOWNLOAD_TIMEOUT_S
        raise OSError("offline")
    assert socket.getdefaulttimeout() == before


# --- the boundary ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("loader", [cnnatlas.load_fashion_mnist, cnnatlas.load_cifar10])
@pytest.mark.parametrize("train", ["test", "train", 0, 1, None, [True]])
def test_train_is_a_bool_never_any_truthy_value(fresh_root, loader, train) -> None:
    """load_fashion_mnist("test") used to return the training split: now no value but True/False passes."""
    with pytest.raises(TypeError, match="train: expected True") as raised:
        loader(train)
    if train == "test":
        assert "pass train=False" in str(raised.value)
    assert not any(fresh_root.rglob("*")), "refused before any file is touched"


@pytest.mark.parametrize(
    ("name", "error"), [("../camera", ValueError), ("Camera", ValueError), (None, TypeError)]
)
def test_photo_names_are_the_known_ones(name, error) -> None:
    with pytest.raises(error, match="name: expected one of 'astronaut'"):
        cnnatlas.load_photo(name)


@needs_mirror
def test_sources_are_words_not_paths(fresh_root) -> None:
    """The pages print ``source``: it says where the data came from, never a path of this machine."""
    for loaded in (cnnatlas.load_fashion_mnist(train=False), cnnatlas.load_cifar10(train=False)):
        for path in (str(fresh_root), os.environ["CNNATLAS_DATA_MIRROR"], str(Path.home())):
            assert path not in loaded.source, loaded.source


def _dataset(**changes) -> cnnatlas.ImageDataset:
    fields = dict(name="d", split="train", images=torch.zeros(4, 1, 5, 5, dtype=torch.uint8),
                  labels=torch.tensor([0, 1, 0, 1]), classes=("a", "b"), source="made up") | changes  # fmt: skip
    return cnnatlas.ImageDataset(**fields)


@pytest.mark.parametrize(
    ("changes", "error", "match"),
    [({"images": torch.zeros(4, 5, 5, 1, dtype=torch.uint8)}, ValueError, r"HWC: try .*permute\(0, 3, 1, 2\)"),
     ({"images": torch.zeros(4, 5, 5, dtype=torch.uint8)}, ValueError, r"try images.unsqueeze\(1\)"),
     ({"images": torch.zeros(4, 1, 5, 5)}, TypeError, "images: expected dtype torch.uint8"),
     ({"images": torch.zeros(0, 1, 5, 5, dtype=torch.uint8), "labels": torch.zeros(0, dtype=torch.long)},
      ValueError, "non-empty"),
     ({"images": [[0]]}, TypeError, "images: expected a torch.Tensor"),
     ({"labels": torch.tensor([0, 1, 0, 1], dtype=torch.int32)}, TypeError, "labels: expected dtype torch.int64"),
     ({"labels": torch.tensor([0.0, 1, 0, 1])}, TypeError, "labels: expected dtype torch.int64"),
     ({"labels": torch.tensor([0, 1, 2, 1])}, ValueError, r"labels: expected class indices in \[0, 2\)"),
     ({"labels": torch.tensor([0, -1, 0, 1])}, ValueError, r"labels: expected class indices in \[0, 2\)"),
     ({"labels": torch.tensor([0, 1, 0])}, ValueError, r"one label per image \(4\), got 3"),
     ({"classes": "ab"}, TypeError, "classes: expected a tuple"), ({"classes": ()}, ValueError, "classes"),
     ({"name": None}, TypeError, "name: expected a string"), ({"source": 3}, TypeError, "source")],
)  # fmt: skip
def test_a_data_set_is_checked_when_made(changes, error, match) -> None:
    with pytest.raises(error, match=match):
        _dataset(**changes)


@pytest.mark.parametrize(
    ("count", "error"), [(0, ValueError), (-1, ValueError), (1.5, TypeError), (True, TypeError)]
)
def test_subset_count_is_a_positive_int(count, error) -> None:
    with pytest.raises(error, match="count"):
        _dataset().subset(count)


def test_a_constant_channel_is_refused_before_dividing_by_zero() -> None:
    with pytest.raises(ValueError, match=r"channel\(s\) \[0\] constant \(std 0\).*normalize=False"):
        _dataset().normalization()


@pytest.mark.parametrize(
    ("mean", "std", "error", "match"),
    [((0.5,), (0.0,), ValueError, r"std\[0\]: expected a number > 0"),
     ((0.5,), (float("nan"),), ValueError, r"std\[0\]: expected a finite number"),
     ((float("inf"),), (1.0,), ValueError, r"mean\[0\]: expected a finite number"),
     ((0.5, 0.5), (0.2,), ValueError, "one value per channel"), ((), (), ValueError, "mean: expected one number"),
     (0.5, 0.2, TypeError, "mean: expected a tuple"), (("0.5",), (0.2,), TypeError, r"mean\[0\]: expected a number")],
)  # fmt: skip
def test_a_normalization_is_checked_when_made(mean, std, error, match) -> None:
    with pytest.raises(error, match=match):
        cnnatlas.Normalization(mean, std)


@pytest.mark.parametrize(
    ("images", "error", "match"),
    [(torch.zeros(2, 3, 8, 8, dtype=torch.uint8), ValueError, "expected 1 channel"),
     (torch.zeros(2, 8, 8, 1, dtype=torch.uint8), ValueError, "HWC"),
     (torch.zeros(1, 8, 8, dtype=torch.uint8), ValueError, "expected a 4D"),
     (torch.full((2, 1, 8, 8), 200), TypeError, "expected uint8 .* or floating-point"),
     (torch.full((2, 1, 8, 8), float("nan")), ValueError, "finite")],
)  # fmt: skip
def test_a_normalization_checks_the_images_it_is_given(images, error, match) -> None:
    with pytest.raises(error, match=match):
        cnnatlas.Normalization((0.5,), (0.25,))(images)
