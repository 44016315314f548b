"""Facts about 3D (C, H, W) and 4D (N, C, H, W) tensors: layouts, strides, memory order, channel shuffles.

Their figures are in [`cnnatlas.figures.tensors`][cnnatlas.figures.tensors], the batch explorer in [`cnnatlas.widgets.explorers`][cnnatlas.widgets.explorers].

Examples:
    >>> info = layout_info(torch.zeros(2, 3, 4, 4).to(memory_format=torch.channels_last))
    >>> info.strides, info.memory_format
    ((48, 1, 12, 3), 'channels_last')
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from .checks import check_at_most, check_bool, check_int, check_positive_int, check_str, check_tensor

MAX_ORDERED_ELEMENTS = 65_536
"""Most elements [`memory_order()`][cnnatlas.tensors.memory_order] lists (one index tuple each)."""


@dataclass(frozen=True)
class LayoutInfo:
    """How a tensor sits in memory.

    Attributes:
        shape: The tensor's size per dimension, e.g. ``(2, 3, 4, 4)`` for (N, C, H, W).
        strides: Elements to skip in storage to move one step along each dimension.
        contiguous: Whether the elements sit in storage in the order of ``shape`` (row-major).
        memory_format: ``"channels_last"`` (a 4-D tensor stored as N, H, W, C), ``"contiguous"`` or
            ``"strided (not contiguous)"``.
        storage_offset: Index in storage of the tensor's first element (non-zero for some views).
        shares_storage_with_base: Whether the tensor is a view of another tensor, sharing its storage (writing
            to one changes the other).
    """

    shape: tuple[int, ...]
    strides: tuple[int, ...]
    contiguous: bool
    memory_format: str
    storage_offset: int
    shares_storage_with_base: bool

    def __post_init__(self) -> None:
        for name in ("shape", "strides"):
            value = getattr(self, name)
            if not isinstance(value, tuple) or not all(
                isinstance(v, int) and not isinstance(v, bool) for v in value
            ):
                raise TypeError(f"{name}: expected a tuple of ints, got {value!r}")
        if len(self.strides) != len(self.shape):
            raise ValueError(
                f"strides: expected {len(self.shape)} strides (one per dim of {self.shape}), got {self.strides}"
            )
        check_bool(self.contiguous, "contiguous")
        check_str(self.memory_format, "memory_format")
        check_int(self.storage_offset, "storage_offset", minimum=0)
        check_bool(self.shares_storage_with_base, "shares_storage_with_base")


def layout_info(x: torch.Tensor) -> LayoutInfo:
    """Return shape, strides, contiguity and memory format of ``x``.

    Examples:
        >>> layout_info(torch.zeros(2, 3).t()).contiguous
        False
    """
    check_tensor(x, "x", finite=False, non_empty=False)
    if x.dim() == 4 and x.is_contiguous(memory_format=torch.channels_last) and not x.is_contiguous():
        fmt = "channels_last"
    elif x.is_contiguous():
        fmt = "contiguous"
    else:
        fmt = "strided (not contiguous)"
    return LayoutInfo(
        tuple(x.shape), tuple(x.stride()), x.is_contiguous(), fmt, x.storage_offset(), x._base is not None
    )


def memory_order(x: torch.Tensor) -> list[tuple[int, ...]]:
    """Return the index of each element of ``x`` in the order it sits in memory (by stride).

    Examples:
        >>> memory_order(torch.zeros(1, 2, 1, 2))
        [(0, 0, 0, 0), (0, 0, 0, 1), (0, 1, 0, 0), (0, 1, 0, 1)]
    """
    check_tensor(x, "x", finite=False, non_empty=False)
    check_at_most(x.numel(), "x", MAX_ORDERED_ELEMENTS, "elements", limit_name="MAX_ORDERED_ELEMENTS",
                  hint="use a smaller tensor")  # fmt: skip
    indices = list(np.ndindex(*x.shape))
    strides = x.stride()
    return sorted(indices, key=lambda idx: sum(i * s for i, s in zip(idx, strides, strict=True)))


def channel_shuffle(x: torch.Tensor, groups: int) -> torch.Tensor:
    """Return ``x`` with its channels shuffled across ``groups`` (ShuffleNet): (N, g*k, H, W) -> interleaved.

    Channel ``i*k + j`` of group i moves to position ``j*groups + i``.

    Examples:
        >>> channel_shuffle(torch.arange(6.0).view(1, 6, 1, 1), 2).flatten().tolist()
        [0.0, 3.0, 1.0, 4.0, 2.0, 5.0]
    """
    check_tensor(x, "x", rank=4, layout="(N, C, H, W)", finite=False)
    n, c, h, w = x.shape
    groups = check_positive_int(groups, "groups")
    if c % groups:
        raise ValueError(f"groups: expected a positive divisor of the {c} channels, got {groups!r}")
    return x.reshape(n, groups, c // groups, h, w).transpose(1, 2).reshape(n, c, h, w)
