from __future__ import annotations

import numpy as np
import pytest
import torch

import cnnatlas
from cnnatlas.widgets.explorers import layer_explorer, mosaic


def test_mosaic_places_every_channel_with_gaps() -> None:
    maps = np.stack([np.full((2, 3), c, dtype=float) for c in range(5)])
    image, channel = mosaic(maps, ncols=3, per_channel=False)
    assert image.shape == (2 * 2 + 1, 3 * 3 + 2)
    assert np.isnan(image[2]).all()  # the gap row
    assert image[0, 0] == 0 and image[3, 4] == 4 and channel[3, 4] == 4


def test_mosaic_shows_a_constant_channel_as_mid_value() -> None:
    image, _ = mosaic(np.zeros((1, 2, 2)))
    assert np.all(image == 0.5)


def test_layer_explorer_has_one_step_per_layer() -> None:
    outputs = cnnatlas.layer_outputs(cnnatlas.LeNet(), torch.rand(1, 1, 28, 28))
    fig = layer_explorer(outputs)
    steps = fig.layout.sliders[0].steps
    assert len(fig.data) == len(steps) == 12
    assert [t.visible for t in fig.data].count(True) == 1
    assert steps[3].args[0]["visible"][3] is True and "(1, 16, 10, 10)" in steps[3].args[1]["title.text"]


def test_layer_explorer_rejects_empty_and_bad_outputs() -> None:
    with pytest.raises(ValueError, match="empty"):
        layer_explorer({})
    with pytest.raises(ValueError, match="conv"):
        layer_explorer({"conv": torch.rand(1, 1, 1, 1, 1)})


def test_large_outputs_are_shrunk_and_labelled() -> None:
    fig = layer_explorer(
        {"big": torch.rand(1, 64, 128, 128), "small": torch.rand(1, 4, 8, 8)}, max_cells=20_000
    )
    cells = sum(np.asarray(t.z).size for t in fig.data)
    assert cells < 30_000
    assert "first 32 of 64 channels" in fig.layout.sliders[0].steps[0].args[1]["title.text"]
    assert "averaged" in fig.layout.sliders[0].steps[0].args[1]["title.text"]


def test_channel_explorer_offers_each_layer_then_its_channels() -> None:
    from cnnatlas.widgets.explorers import channel_explorer

    outputs = cnnatlas.layer_outputs(cnnatlas.LeNet(), torch.rand(1, 1, 28, 28))
    fig = channel_explorer(outputs, max_channels=8)
    layers = [b.label for b in fig.layout.updatemenus[0].buttons]
    assert layers == ["0", "1", "2", "3", "4", "5"]  # only the 4D outputs
    assert len(fig.data) == 6 + 6 + 6 + 8 + 8 + 8
    conv2 = fig.layout.updatemenus[0].buttons[3]
    slider = conv2.args[1]["sliders"][0]
    assert len(slider["steps"]) == 8 and "first 8 of 16 channels" in conv2.args[1]["title.text"]
    assert sum(conv2.args[0]["visible"]) == 1
    with pytest.raises(ValueError, match=r"\(1, C, H, W\)"):
        channel_explorer({"fc": torch.rand(1, 10)})
