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


def test_channel_shuffle_takes_channels_last_tensors() -> None:
    x = torch.arange(12.0).view(1, 12, 1, 1)
    assert torch.equal(channel_shuffle(x.to(memory_format=torch.channels_last), 3), channel_shuffle(x, 3))


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: layout_info(None), TypeError, "x: expected a torch.Tensor, got None"),
        (lambda: layout_info([1, 2]), TypeError, "convert with torch.tensor"),
        (lambda: memory_order(torch.zeros(1000, 1000)), ValueError, r"at most 65536 elements \(the limit, MAX_ORDERED_ELEMENTS\)"),
        (lambda: channel_shuffle(torch.zeros(1, 4, 1, 1), True), TypeError, "groups: expected an int >= 1, got True"),
        (lambda: channel_shuffle(torch.zeros(1, 4, 1, 1), 0), ValueError, "groups: expected an int >= 1, got 0"),
        (lambda: channel_shuffle(torch.zeros(4, 1, 1), 2), ValueError, r"x: expected a 4D \(N, C, H, W\)"),
        (lambda: channel_shuffle(torch.zeros(1, 8, 8, 3), 2), ValueError, r"HWC: try x.permute\(0, 3, 1, 2\)"),
        (lambda: cnnatlas.LayoutInfo((2,), (1, 1), True, "contiguous", 0, False), ValueError, "strides: expected 1 strides"),
        (lambda: cnnatlas.LayoutInfo((2,), (1,), "yes", "contiguous", 0, False), TypeError, "contiguous: expected True or False"),
    ],
)  # fmt: skip
def test_bad_tensors_and_arguments_are_explained(call, error, match) -> None:
    with pytest.raises(error, match=match):
        call()


def test_empty_tensors_have_a_layout_too() -> None:
    assert layout_info(torch.zeros(0, 3)).shape == (0, 3) and memory_order(torch.zeros(0, 3)) == []
