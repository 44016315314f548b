from __future__ import annotations

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
    assert (
        not loaded.pretrained and "random initialisation" in loaded.source and str(tmp_path) in loaded.source
    )
    assert sum(p.numel() for p in loaded.model.parameters()) == 11_689_512 and not loaded.model.training


def test_vgg_style_stand_in_is_fully_convolutional() -> None:
    import torch

    net = cnnatlas.VGGStyleNet()
    assert net(torch.zeros(2, 3, 32, 32)).shape == (2, 10)
    assert net.features(torch.zeros(1, 3, 160, 240)).shape == (1, 128, 10, 15)
