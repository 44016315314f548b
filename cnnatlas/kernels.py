"""Facts about convolution kernels: first-layer RGB kernels as colour images.

The kernel figures are in [`cnnatlas.figures.kernels`][cnnatlas.figures.kernels].

Examples:
    >>> kernels_as_rgb(torch.randn(4, 3, 5, 5)).shape
    (4, 5, 5, 3)
"""

from __future__ import annotations

import numpy as np
import torch

from .checks import check_tensor
from .display import rescale


def kernels_as_rgb(weight: torch.Tensor) -> np.ndarray:
    """Return (out, kh, kw, 3) images of first-layer RGB kernels, each rescaled to [0, 1] on its own.

    A constant kernel becomes mid-grey rather than a division by zero.

    Examples:
        >>> kernels_as_rgb(torch.zeros(2, 3, 3, 3))[0, 0, 0].tolist()
        [0.5, 0.5, 0.5]
    """
    check_tensor(weight, "weight", rank=4, floating=True, layout="(out_channels, 3, kh, kw)")
    if weight.shape[1] != 3:
        raise ValueError(
            f"weight: expected 3 input channels (RGB) to draw kernels in colour, got shape {tuple(weight.shape)}"
        )
    w = weight.detach().cpu().float().permute(0, 2, 3, 1).numpy()
    return rescale(w, axis=(1, 2, 3), constant=0.5)
