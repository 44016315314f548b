"""Convolution arithmetic: output sizes of convolution, transposed convolution and pooling layers.

The formulas are PyTorch's own (see the ``Shape`` sections of ``torch.nn.Conv2d`` and friends), checked
against what PyTorch really produces over randomised parameter grids in the tests.

Examples:
    >>> conv_output_size(32, kernel_size=5, padding=2)
    32
    >>> conv_transpose_output_size(2, kernel_size=3, stride=2)
    5
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from torch import nn

from .checks import (
    check_bool,
    check_choice,
    check_model,
    check_non_negative_int,
    check_positive_int,
    check_shape,
    describe,
)

IntOrPair = int | Sequence[int]

SPATIAL_LAYERS = (
    nn.Conv1d, nn.Conv2d, nn.ConvTranspose1d, nn.ConvTranspose2d,
    nn.MaxPool1d, nn.MaxPool2d, nn.AvgPool1d, nn.AvgPool2d,
)  # fmt: skip


def _checked_output(size: int, out: int, what: str) -> int:
    if out < 1:
        raise ValueError(
            f"size: expected an input large enough for {what}, got size {size}, too small: "
            f"the output would have size {out}"
        )
    return out


def conv_output_size(
    size: int, kernel_size: int, stride: int = 1, padding: int | str = 0, dilation: int = 1
) -> int:
    """Return the output length of a convolution along one dimension.

    ``out = floor((size + 2*padding - dilation*(kernel_size - 1) - 1) / stride) + 1``;
    ``padding='same'`` keeps the size (stride 1 only, as in PyTorch) and ``'valid'`` means 0.

    Examples:
        >>> conv_output_size(4, 3), conv_output_size(4, 3, stride=2), conv_output_size(7, 3, padding=2, dilation=2)
        (2, 1, 7)
    """
    check_positive_int(size, "size")
    check_positive_int(kernel_size, "kernel_size")
    check_positive_int(stride, "stride")
    check_positive_int(dilation, "dilation")
    if isinstance(padding, str):
        check_choice(padding, "padding", ("same", "valid"))
    if padding == "same":
        if stride != 1:
            raise ValueError(f"padding='same' needs stride 1 (as in PyTorch), got stride {stride}")
        return size
    pad = 0 if padding == "valid" else check_non_negative_int(padding, "padding")
    span = dilation * (kernel_size - 1) + 1
    out = (size + 2 * pad - span) // stride + 1
    return _checked_output(size, out, f"a kernel spanning {span} with padding {pad}")


def conv_transpose_output_size(
    size: int, kernel_size: int, stride: int = 1, padding: int = 0, output_padding: int = 0, dilation: int = 1
) -> int:
    """Return the output length of a transposed convolution along one dimension.

    ``out = (size - 1)*stride - 2*padding + dilation*(kernel_size - 1) + output_padding + 1``;
    ``output_padding`` must be smaller than stride or dilation (it picks one of the input sizes that a
    strided convolution maps to the same output size).

    Examples:
        >>> conv_transpose_output_size(2, 3), conv_transpose_output_size(8, 2, stride=2)
        (4, 16)
    """
    check_positive_int(size, "size")
    check_positive_int(kernel_size, "kernel_size")
    check_positive_int(stride, "stride")
    check_positive_int(dilation, "dilation")
    check_non_negative_int(padding, "padding")
    check_non_negative_int(output_padding, "output_padding")
    if output_padding >= max(stride, dilation):
        raise ValueError(
            f"output_padding must be smaller than stride or dilation, got output_padding {output_padding} "
            f"with stride {stride} and dilation {dilation}"
        )
    out = (size - 1) * stride - 2 * padding + dilation * (kernel_size - 1) + output_padding + 1
    return _checked_output(size, out, f"a transposed convolution with padding {padding}")


def pool_output_size(
    size: int,
    kernel_size: int,
    stride: int | None = None,
    padding: int = 0,
    dilation: int = 1,
    ceil_mode: bool = False,
) -> int:
    """Return the output length of max or average pooling along one dimension.

    Like convolution, but ``stride`` defaults to ``kernel_size``, and with ``ceil_mode`` the division rounds
    up, except that the last window must start inside the input or the left padding.

    Examples:
        >>> pool_output_size(32, 2), pool_output_size(5, 2), pool_output_size(5, 2, ceil_mode=True)
        (16, 2, 3)
    """
    check_positive_int(size, "size")
    check_positive_int(kernel_size, "kernel_size")
    stride = kernel_size if stride is None else check_positive_int(stride, "stride")
    check_positive_int(dilation, "dilation")
    check_non_negative_int(padding, "padding")
    check_bool(ceil_mode, "ceil_mode")
    if padding > kernel_size // 2:
        raise ValueError(f"padding should be at most half of kernel_size ({kernel_size}), got {padding}")
    span = dilation * (kernel_size - 1) + 1
    numerator = size + 2 * padding - span
    out = (math.ceil(numerator / stride) if ceil_mode else numerator // stride) + 1
    if ceil_mode and (out - 1) * stride >= size + padding:
        out -= 1
    return _checked_output(size, out, f"a pooling window spanning {span} with padding {padding}")


def _per_dim(value: object, dims: int, name: str) -> tuple:
    if isinstance(value, str):
        return (value,) * dims
    if isinstance(value, int):
        return (value,) * dims
    values = tuple(value)  # type: ignore[arg-type]
    if len(values) != dims:
        raise ValueError(f"{name}: expected an int or {dims} values, got {value!r}")
    return values


def _spatial_dims(module: nn.Module) -> int:
    return 1 if isinstance(module, (nn.Conv1d, nn.ConvTranspose1d, nn.MaxPool1d, nn.AvgPool1d)) else 2


def output_shape(module: nn.Module, input_shape: Sequence[int]) -> tuple[int, ...]:
    """Return the output shape of a conv, transposed conv or pooling layer for an (N, C, *spatial) input.

    Examples:
        >>> output_shape(nn.Conv2d(3, 16, 3, padding=1), (4, 3, 32, 32))
        (4, 16, 32, 32)
        >>> output_shape(nn.MaxPool2d(2), (4, 16, 32, 32))
        (4, 16, 16, 16)
    """
    check_model(module, "module")
    if not isinstance(module, SPATIAL_LAYERS):
        names = ", ".join(t.__name__ for t in SPATIAL_LAYERS)
        raise TypeError(f"module: expected one of {names}, got {describe(module)}")
    dims = _spatial_dims(module)
    layout = "(N, C, L)" if dims == 1 else "(N, C, H, W)"
    shape = check_shape(
        input_shape, "input_shape", rank=dims + 2, layout=f"{layout} for {type(module).__name__}"
    )
    batch, channels, spatial = shape[0], shape[1], shape[2:]
    if isinstance(module, (nn.Conv1d, nn.Conv2d, nn.ConvTranspose1d, nn.ConvTranspose2d)):
        if channels != module.in_channels:
            raise ValueError(
                f"{type(module).__name__} expects {module.in_channels} input channels, got {channels} (shape {shape})"
            )
        k, s, d = (_per_dim(getattr(module, a), dims, a) for a in ("kernel_size", "stride", "dilation"))
        p = _per_dim(module.padding, dims, "padding")
        if isinstance(module, (nn.ConvTranspose1d, nn.ConvTranspose2d)):
            op = _per_dim(module.output_padding, dims, "output_padding")
            sizes = [conv_transpose_output_size(*args) for args in zip(spatial, k, s, p, op, d, strict=True)]
        else:
            sizes = [conv_output_size(*args) for args in zip(spatial, k, s, p, d, strict=True)]
        return (batch, module.out_channels, *sizes)
    k = _per_dim(module.kernel_size, dims, "kernel_size")
    s = _per_dim(module.stride if module.stride is not None else module.kernel_size, dims, "stride")
    p = _per_dim(module.padding, dims, "padding")
    d = _per_dim(getattr(module, "dilation", 1), dims, "dilation")
    sizes = [
        pool_output_size(size, kk, ss, pp, dd, module.ceil_mode)
        for size, kk, ss, pp, dd in zip(spatial, k, s, p, d, strict=True)
    ]
    return (batch, channels, *sizes)


def layer_geometry(
    module: nn.Module,
) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...], tuple[int, ...]] | None:
    """Return (kernel_size, stride, padding, dilation) per spatial dim of a conv/pool layer, else None.

    Transposed convolutions return None: they up-sample, and a unit's receptive field is not a window.

    Examples:
        >>> layer_geometry(nn.Conv2d(1, 1, 3, stride=2, padding=1))
        ((3, 3), (2, 2), (1, 1), (1, 1))
    """
    check_model(module, "module")
    if not isinstance(module, SPATIAL_LAYERS) or isinstance(module, (nn.ConvTranspose1d, nn.ConvTranspose2d)):
        return None
    dims = _spatial_dims(module)
    k = _per_dim(module.kernel_size, dims, "kernel_size")
    stride = getattr(module, "stride", None) or module.kernel_size
    s = _per_dim(stride, dims, "stride")
    padding = module.padding
    if padding == "same":
        d0 = _per_dim(getattr(module, "dilation", 1), dims, "dilation")
        padding = tuple(dd * (kk - 1) // 2 for kk, dd in zip(k, d0, strict=True))
    elif padding == "valid":
        padding = 0
    p = _per_dim(padding, dims, "padding")
    d = _per_dim(getattr(module, "dilation", 1), dims, "dilation")
    return tuple(k), tuple(s), tuple(p), tuple(d)
