from __future__ import annotations

import os
import time

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
    assert cache.exists()
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
    monkeypatch.setattr(
        data.torchvision.datasets.FashionMNIST, "mirrors", ["http://127.0.0.1:9/"]
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
