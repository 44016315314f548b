from __future__ import annotations

import numpy as np
import pytest
import torch

from cnnatlas.figures.kernels import kernels_figure, rgb_kernels_figure
from cnnatlas.kernels import kernels_as_rgb


def test_kernel_grid_is_centred_on_zero() -> None:
    weight = torch.tensor([[[[-2.0, 1.0], [0.0, 0.5]]]])
    image = kernels_figure(weight).axes[0].images[0]
    assert image.norm.vmin == -2.0 and image.norm.vmax == 2.0


def test_rgb_kernels_scaled_each_to_its_own_range() -> None:
    weight = torch.randn(4, 3, 3, 3)
    weight[1] = 7.0  # constant kernel: mid-grey, no division by zero
    rgb = kernels_as_rgb(weight)
    assert rgb.shape == (4, 3, 3, 3)
    assert np.allclose(rgb[1], 0.5)
    for k in (0, 2, 3):
        assert rgb[k].min() == pytest.approx(0) and rgb[k].max() == pytest.approx(1)
    assert len(rgb_kernels_figure(weight, ncols=2).axes) == 4


def test_bad_kernels_are_explained() -> None:
    with pytest.raises(ValueError, match="3 input channels"):
        kernels_as_rgb(torch.randn(4, 1, 3, 3))
    with pytest.raises(ValueError, match="out_channels, in_channels"):
        kernels_figure(torch.randn(3, 3))


@pytest.mark.parametrize(
    ("weight", "error", "match"),
    [
        (np.zeros((4, 3, 3, 3)), TypeError, "weight: expected a torch.Tensor, got numpy.ndarray"),
        (torch.zeros(4, 3, 3, 3, dtype=torch.int64), TypeError, "floating-point"),
        (torch.full((4, 3, 3, 3), float("nan")), ValueError, "finite"),
        (torch.zeros(0, 3, 3, 3), ValueError, "non-empty"),
        (torch.zeros(3, 3, 3), ValueError, r"expected a 4D \(out_channels, 3, kh, kw\)"),
    ],
)
def test_kernels_as_rgb_checks_the_weight(weight, error, match) -> None:
    with pytest.raises(error, match=match):
        kernels_as_rgb(weight)
