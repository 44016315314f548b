from __future__ import annotations

import warnings

import pytest

import cnnatlas
from cnnatlas.pretrained import cached_weights_path, load_imagenet_model


def test_weights_path_is_torch_hubs() -> None:
    assert cached_weights_path("resnet18").name.startswith("resnet18-")
    with pytest.raises(ValueError, match="expected one of"):
        cached_weights_path("alexnet")


def test_without_cached_weights_the_source_says_so(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    loaded = load_imagenet_model("resnet18", download=False)
    assert not loaded.pretrained and "random initialisation" in loaded.source
    assert "torch hub's cache" in loaded.source and str(tmp_path) not in loaded.source, "words, not a path"
    assert sum(p.numel() for p in loaded.model.parameters()) == 11_689_512 and not loaded.model.training


def test_vgg_style_stand_in_is_fully_convolutional() -> None:
    import torch

    net = cnnatlas.VGGStyleNet()
    assert net(torch.zeros(2, 3, 32, 32)).shape == (2, 10)
    assert net.features(torch.zeros(1, 3, 160, 240)).shape == (1, 128, 10, 15)


def test_a_corrupted_checkpoint_is_reported_and_labelled(tmp_path, monkeypatch) -> None:
    """A cached ImageNet file that cannot be read warns (CacheWarning, as the weights cache does), is
    removed, and the fallback says so: it never silently becomes a random initialisation."""
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    path = cached_weights_path("resnet18")
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not a checkpoint")
    with pytest.warns(cnnatlas.CacheWarning, match="unreadable"):
        loaded = load_imagenet_model("resnet18", download=False)
    assert not loaded.pretrained and "corrupted" in loaded.source and "random initialisation" in loaded.source
    assert not path.exists()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert "download not allowed" in load_imagenet_model("resnet18", download=False).source


@pytest.mark.parametrize(
    ("name", "error"),
    [("alexnet", ValueError), ("../vgg16", ValueError), ("/etc/passwd", ValueError), ("", ValueError),
     ("VGG16", ValueError), (None, TypeError), (["vgg16"], TypeError)],
)  # fmt: skip
def test_a_model_name_is_one_of_the_known_ones_never_a_path(name, error) -> None:
    for call in (cached_weights_path, load_imagenet_model):
        with pytest.raises(error, match="name: expected one of 'vgg16', 'resnet18'"):
            call(name)


@pytest.mark.parametrize("download", ["no", 0, None])
def test_download_is_a_bool(download) -> None:
    with pytest.raises(TypeError, match="download: expected True or False"):
        load_imagenet_model("resnet18", download=download)


def test_the_download_timeout_is_defined_once() -> None:
    assert not hasattr(cnnatlas.pretrained, "DOWNLOAD_TIMEOUT_S")
    assert cnnatlas.pretrained.download_timeout is cnnatlas.data.download_timeout


@pytest.mark.parametrize(
    ("changes", "error", "match"),
    [({"model": None}, TypeError, "model"), ({"model": cnnatlas.LeNet}, TypeError, "build one first"),
     ({"pretrained": "yes"}, TypeError, "pretrained"), ({"source": 3}, TypeError, "source")],
)  # fmt: skip
def test_a_loaded_model_is_checked_when_made(changes, error, match) -> None:
    fields = {"model": cnnatlas.LeNet(), "pretrained": False, "source": "made in the test"} | changes
    with pytest.raises(error, match=match):
        cnnatlas.LoadedModel(**fields)


def test_a_download_writes_nothing_on_the_page(tmp_path, monkeypatch, capfd) -> None:
    """torch hub's 'Downloading: "<url>" to <path>' line and progress bar stay out of the page's output."""
    import torch

    from cnnatlas import pretrained

    monkeypatch.setenv("TORCH_HOME", str(tmp_path))

    def fake_download(url, dst, hash_prefix=None, progress=True):
        torch.save(cnnatlas.LeNet().state_dict(), dst)  # not resnet18's: loading it fails after the download

    monkeypatch.setattr(torch.hub, "download_url_to_file", fake_download)
    loaded = pretrained.load_imagenet_model("resnet18", download=True)
    out, err = capfd.readouterr()
    assert "Downloading" not in out + err and str(tmp_path) not in out + err
    assert not loaded.pretrained and "download failed: RuntimeError" in loaded.source
