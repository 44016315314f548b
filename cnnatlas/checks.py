"""Input checks shared by the public functions: say what was expected and what came instead.

One error type per kind of mistake, everywhere: a value of the wrong type raises TypeError, a value of
the right type but out of range raises ValueError.
"""

from __future__ import annotations

import torch

_FLOAT_HINT = "convert with x.float() (and divide uint8 images by 255)"


def _shape_hint(shape: tuple[int, ...], expected_rank: int) -> str:
    """Guess what went wrong with a tensor's layout and suggest the fix."""
    if expected_rank == 4 and len(shape) == 3:
        if shape[-1] in (1, 3, 4) and shape[0] not in (1, 3, 4):
            return "; this looks like an HWC image: try x.permute(2, 0, 1).unsqueeze(0)"
        return "; this looks like one CHW image: try x.unsqueeze(0)"
    if expected_rank == 3 and len(shape) == 3 and shape[-1] in (1, 3, 4) and shape[0] not in (1, 3, 4):
        return "; this looks like HWC: try x.permute(2, 0, 1)"
    if expected_rank == 3 and len(shape) == 4 and shape[0] == 1:
        return "; this looks like a batch of one: try x[0] or x.squeeze(0)"
    if expected_rank == 3 and len(shape) == 2:
        return "; this looks like one HW map: try x.unsqueeze(0)"
    if expected_rank == 4 and len(shape) == 2:
        return "; this looks like one HW image: try x[None, None]"
    return ""


def check_tensor(
    x: object,
    name: str = "x",
    *,
    rank: int | tuple[int, ...] | None = None,
    floating: bool = False,
    finite: bool = True,
    layout: str = "",
) -> torch.Tensor:
    """Return ``x`` unchanged if it is a usable tensor, else raise a TypeError/ValueError saying why.

    Examples:
        >>> check_tensor(torch.zeros(1, 3, 8, 8), rank=4, layout="NCHW").shape
        torch.Size([1, 3, 8, 8])
    """
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name}: expected a torch.Tensor, got {type(x).__name__}")
    ranks = (rank,) if isinstance(rank, int) else rank
    shape = tuple(x.shape)
    if ranks is not None and x.dim() not in ranks:
        want = " or ".join(f"{r}D" for r in ranks)
        what = f" {layout}" if layout else ""
        hint = _shape_hint(shape, ranks[0])
        raise ValueError(f"{name}: expected a {want}{what} tensor, got shape {shape}{hint}")
    if x.numel() == 0:
        raise ValueError(f"{name}: expected a non-empty tensor, got shape {shape}")
    if floating and not x.is_floating_point():
        raise TypeError(f"{name}: expected a floating-point tensor, got dtype {x.dtype}; {_FLOAT_HINT}")
    if finite and x.is_floating_point() and not bool(torch.isfinite(x).all()):
        bad = int((~torch.isfinite(x)).sum())
        raise ValueError(
            f"{name}: expected finite values, got {bad} NaN/Inf entries in a tensor of shape {shape}"
        )
    return x


def check_positive_int(value: object, name: str) -> int:
    """Return ``value`` if it is a positive int, else raise a clear error.

    Examples:
        >>> check_positive_int(3, "kernel_size")
        3
    """
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name}: expected a positive int, got {value!r} ({type(value).__name__})")
    if value < 1:
        raise ValueError(f"{name}: expected a positive int, got {value}")
    return value


def check_non_negative_int(value: object, name: str) -> int:
    """Return ``value`` if it is an int >= 0, else raise TypeError (not an int) or ValueError (negative).

    Examples:
        >>> check_non_negative_int(0, "padding")
        0
    """
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name}: expected a non-negative int, got {value!r} ({type(value).__name__})")
    if value < 0:
        raise ValueError(f"{name}: expected a non-negative int, got {value}")
    return value


def check_choice(value: object, name: str, allowed: tuple[str, ...]) -> str:
    """Return ``value`` if it is one of ``allowed``, else raise a ValueError naming the allowed values.

    Examples:
        >>> check_choice("sgd", "optimizer", ("adamw", "sgd"))
        'sgd'
    """
    if value not in allowed:
        raise ValueError(f"{name}: expected one of {', '.join(repr(a) for a in allowed)}, got {value!r}")
    return value  # type: ignore[return-value]
