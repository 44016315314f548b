from __future__ import annotations

import pytest
import torch

import cnnatlas
from cnnatlas.tensors import channel_shuffle, layout_info, memory_order


def test_layouts_and_strides() -> None:
    x = torch.zeros(2, 3, 4, 5)
    assert layout_info(x).strides == (60, 20, 5, 1) and layout_info(x).memory_format == "contiguous"
    nhwc = x.to(memory_format=torch.channels_last)
    assert layout_info(nhwc).strides == (60, 1, 15, 3) and layout_info(nhwc).memory_format == "channels_last"
    permuted = x.permute(0, 2, 3, 1)
    assert not layout_info(permuted).contiguous
    with pytest.raises(RuntimeError):
        permuted.view(2, -1)  # the pitfall the page explains
    assert permuted.contiguous().view(2, -1).shape == (2, 60)


def test_memory_order_follows_strides() -> None:
    x = torch.zeros(1, 3, 1, 2).to(memory_format=torch.channels_last)
    assert [idx[1] for idx in memory_order(x)] == [0, 1, 2, 0, 1, 2]  # channels interleaved


def test_channel_shuffle_matches_a_manual_permutation() -> None:
    x = torch.arange(12.0).view(1, 12, 1, 1)
    shuffled = channel_shuffle(x, 3).flatten().tolist()
    assert shuffled == [0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11]
    assert torch.equal(channel_shuffle(channel_shuffle(x, 3), 4), x)  # shuffling back with groups c/g
    with pytest.raises(ValueError, match="divisor"):
        channel_shuffle(x, 5)


def test_hwc_is_detected() -> None:
    photo_hwc = torch.zeros(64, 64, 3)
    with pytest.raises(ValueError, match=r"permute\(2, 0, 1\)"):
        cnnatlas.batch_figure(photo_hwc)
    assert cnnatlas.to_hwc(torch.zeros(3, 4, 5)).shape == (4, 5, 3)


def test_figures() -> None:
    assert len(cnnatlas.channels_figure(torch.rand(3, 8, 8)).axes) == 4
    fig = cnnatlas.batch_explorer(torch.rand(4, 3, 8, 8))
    assert len(fig.data) == 12 and len(fig.layout.sliders[0].steps) == 4
    with pytest.raises(ValueError, match="at most 96"):
        cnnatlas.memory_order_figure(torch.zeros(1, 3, 8, 8))
