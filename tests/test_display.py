"""cnnatlas.display: the numbers every figure draws, and the checks at its boundary."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from cnnatlas.display import (
    average_pool,
    display_values,
    image_for_display,
    map_limits,
    rescale,
    shrink_maps,
    symmetric_limit,
    to_hwc,
)


def test_valid_images_are_converted() -> None:
    assert to_hwc(torch.zeros(3, 16, 16)).shape == (16, 16, 3)
    assert to_hwc(torch.full((1, 2, 2), 255, dtype=torch.uint8)).max() == 1.0
    pixels, cmap = image_for_display(torch.zeros(1, 4, 5))
    assert pixels.shape == (4, 5) and cmap == "gray"


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: to_hwc(torch.rand(16, 16, 3)), ValueError, r"got shape \(16, 16, 3\); this looks like HWC: try x.permute\(2, 0, 1\)"),
        (lambda: to_hwc(torch.rand(16, 8, 8)), ValueError, "expected 1 or 3 or 4 channels"),
        (lambda: to_hwc(torch.full((3, 4, 4), 200)), TypeError, "got dtype torch.int64"),
        (lambda: to_hwc(np.zeros((3, 4, 4))), TypeError, "torch.from_numpy"),
        (lambda: to_hwc(torch.zeros(1, 3, 4, 4)), ValueError, r"try x\[0\]"),
        (lambda: image_for_display(torch.rand(16, 16, 3)), ValueError, "HWC"),
        (lambda: display_values(torch.zeros(2, dtype=torch.int32)), TypeError, "expected dtype torch.uint8"),
        (lambda: display_values("img"), TypeError, "expected a torch.Tensor"),
        (lambda: map_limits(np.zeros(0)), ValueError, "image: expected a non-empty array"),
        (lambda: map_limits(torch.zeros(2)), TypeError, r"x.detach\(\).cpu\(\).numpy\(\)"),
        (lambda: map_limits(np.array([np.nan, 1.0])), ValueError, "finite"),
        (lambda: symmetric_limit([1.0]), TypeError, "values: expected a numpy array, got list"),
        (lambda: rescale(np.zeros((2, 2)), axis=2), ValueError, "axis: expected an int from -2 to 1, got 2"),
        (lambda: rescale(np.zeros(2), constant=float("nan")), ValueError, "constant: expected a finite number"),
        (lambda: rescale(np.array(["a"])), TypeError, "expected a numpy array of numbers"),
        (lambda: average_pool(np.zeros((2, 4, 4), dtype=np.float32), 0), ValueError, "factor: expected an int >= 1"),
        (lambda: average_pool(np.zeros((4, 4), dtype=np.float32), 2), ValueError, "maps: expected a 3D or 4D array"),
        (lambda: shrink_maps(np.zeros((8, 4, 4), dtype=np.float32), 4, 8), ValueError, r"budget: expected at least one cell per map kept \(8\), got 4"),
        (lambda: shrink_maps(np.zeros((8, 4, 4), dtype=np.float32), 64, 0), ValueError, "max_channels: expected an int >= 1"),
    ],
)  # fmt: skip
def test_bad_input_is_explained(call, error, match) -> None:
    with pytest.raises(error, match=match):
        call()


def test_rescale_of_an_empty_array_is_empty() -> None:
    assert rescale(np.zeros((0, 3))).shape == (0, 3)
