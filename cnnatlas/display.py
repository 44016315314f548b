"""Numbers ready to draw, shared by every figure and widget: value ranges, per-map scaling, images as
(H, W, C) or (H, W), and maps shrunk to a cell budget. NumPy and PyTorch only: nothing is drawn here.

A constant map is handled explicitly (never divided by ``max - min + 1e-9``): its range is centred on its
value, and rescaling gives it one stated value.

Examples:
    >>> map_limits(np.array([[0.0, 2.0]]))
    (0.0, 2.0, False)
    >>> rescale(np.array([1.0, 3.0])).tolist(), rescale(np.full(2, 7.0)).tolist()
    ([0.0, 1.0], [0.5, 0.5])
"""

from __future__ import annotations

import math

import numpy as np
import torch

from .checks import (
    DRAWABLE_DTYPES,
    IMAGE_CHANNELS,
    check_array,
    check_drawable,
    check_float,
    check_int,
    check_positive_int,
    check_tensor,
)


def map_limits(image: np.ndarray) -> tuple[float, float, bool]:
    """Return (vmin, vmax, is_constant) for drawing one map; a constant map gets a range centred on its value.

    Examples:
        >>> map_limits(np.full((3, 3), 2.0))
        (1.0, 3.0, True)
    """
    check_array(image, "image", finite=True)
    low, high = float(np.min(image)), float(np.max(image))
    if high > low:
        return low, high, False
    return low - 1.0, high + 1.0, True


def symmetric_limit(values: np.ndarray) -> float:
    """Return the largest magnitude in ``values``, the limit of a diverging scale centred on zero (1.0 if all are 0).

    Examples:
        >>> symmetric_limit(np.array([-3.0, 2.0])), symmetric_limit(np.zeros(4))
        (3.0, 1.0)
    """
    check_array(values, "values", finite=True)
    return float(np.abs(values).max()) or 1.0


def rescale(
    values: np.ndarray, *, axis: int | tuple[int, ...] | None = None, constant: float = 0.5
) -> np.ndarray:
    """Return ``values`` rescaled to [0, 1] (over ``axis``, default all); a constant slice becomes ``constant``.

    Non-finite entries are ignored for the range and stay NaN.

    Examples:
        >>> rescale(np.array([[0.0, 4.0], [5.0, 5.0]]), axis=1).tolist()
        [[0.0, 1.0], [0.5, 0.5]]
    """
    data = check_array(values, "values", non_empty=False)
    check_float(constant, "constant")
    if axis is not None:
        for a in axis if isinstance(axis, tuple) else (axis,):
            check_int(a, "axis", minimum=-data.ndim, maximum=data.ndim - 1)
    if data.size == 0:
        return data.astype(float)
    if not np.issubdtype(data.dtype, np.floating):
        data = data.astype(float)
    finite = np.isfinite(data)
    low = np.min(np.where(finite, data, np.inf), axis=axis, keepdims=True)
    high = np.max(np.where(finite, data, -np.inf), axis=axis, keepdims=True)
    span = high - low
    varying = span > 0
    scaled = np.where(varying, (data - np.where(varying, low, 0)) / np.where(varying, span, 1), constant)
    scaled = scaled.astype(data.dtype, copy=False)
    if not finite.all():
        scaled[~finite] = np.nan
    return scaled


def display_values(x: torch.Tensor) -> np.ndarray:
    """Return float values in [0, 1] for uint8 images, the values themselves for float tensors.

    Examples:
        >>> display_values(torch.tensor([0, 255], dtype=torch.uint8)).tolist()
        [0.0, 1.0]
    """
    check_tensor(x, "x", dtypes=DRAWABLE_DTYPES, finite=False)
    data = x.detach().cpu()
    return (data.float() / 255.0).numpy() if data.dtype == torch.uint8 else data.float().numpy()


def to_hwc(image: torch.Tensor) -> np.ndarray:
    """Return a (C, H, W) tensor as an (H, W, C) NumPy array for matplotlib/PIL (the layout they expect).

    Examples:
        >>> to_hwc(torch.zeros(3, 4, 5)).shape
        (4, 5, 3)
    """
    check_drawable(image, "image", rank=3, layout="(C, H, W)")
    check_tensor(image, "image", rank=3, layout="(C, H, W)", channels=IMAGE_CHANNELS)
    return display_values(image.permute(1, 2, 0))


def image_for_display(image: torch.Tensor) -> tuple[np.ndarray, str | None]:
    """Return (pixels, colour map) for showing a (C, H, W) image: RGB as (H, W, 3), else channel 0 in gray.

    Examples:
        >>> pixels, cmap = image_for_display(torch.zeros(1, 4, 5))
        >>> pixels.shape, cmap
        ((4, 5), 'gray')
    """
    check_drawable(image, "image", rank=3, layout="(C, H, W)")
    if image.shape[0] == 3:
        return to_hwc(image), None
    return display_values(image[0]), "gray"


def average_pool(maps: np.ndarray, factor: int) -> np.ndarray:
    """Return (..., H, W) maps averaged over ``factor`` x ``factor`` blocks (partial edge blocks included).

    Examples:
        >>> average_pool(np.ones((2, 5, 5), dtype=np.float32), 2).shape
        (2, 3, 3)
    """
    check_array(maps, "maps", ndim=(3, 4), floating=True)
    factor = check_positive_int(factor, "factor")
    if factor == 1:
        return maps
    t = torch.from_numpy(np.ascontiguousarray(maps))
    return torch.nn.functional.avg_pool2d(t, factor, ceil_mode=True).numpy()


def shrink_maps(maps: np.ndarray, budget: int, max_channels: int) -> tuple[np.ndarray, str]:
    """Keep the first ``max_channels`` (C, H, W) maps, average-pooled until they fit in ``budget`` cells.

    Returns the maps and a note saying what was done ("" when nothing was).

    Examples:
        >>> maps, note = shrink_maps(np.zeros((40, 8, 8), dtype=np.float32), 32 * 16, 32)
        >>> maps.shape, note
        ((32, 4, 4), 'first 32 of 40 channels, averaged 2x2')
    """
    check_array(maps, "maps", ndim=3, floating=True)
    budget = check_positive_int(budget, "budget")
    max_channels = check_positive_int(max_channels, "max_channels")
    kept = min(maps.shape[0], max_channels)
    if budget < kept:
        raise ValueError(f"budget: expected at least one cell per map kept ({kept}), got {budget}")
    note = ""
    if maps.shape[0] > max_channels:
        note = f"first {max_channels} of {maps.shape[0]} channels"
        maps = maps[:max_channels]
    factor = 1
    while maps.shape[0] * math.ceil(maps.shape[1] / factor) * math.ceil(maps.shape[2] / factor) > budget:
        factor += 1
    if factor > 1:
        maps = average_pool(maps[None], factor)[0]
        note = ", ".join(n for n in (note, f"averaged {factor}x{factor}") if n)
    return maps, note
