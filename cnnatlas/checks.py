"""Input checks shared by the public functions: say what was expected and what came instead.

One error type per kind of mistake, everywhere: a value of the wrong type raises TypeError, a value of
the right type but out of range (wrong rank, layout, dtype, value, size) raises ValueError. Every message
starts with the argument's name, then ``expected ...``, then ``got ...``, then a hint when one is clear:

    image: expected a 3D (C, H, W) tensor, got shape (16, 16, 3); this looks like HWC: try x.permute(2, 0, 1)

The vocabulary, one check per kind of argument: [`check_tensor()`][cnnatlas.checks.check_tensor] (type, rank, layout with HWC
detection, dtype, range, finiteness, emptiness), [`check_int()`][cnnatlas.checks.check_int], [`check_positive_int()`][cnnatlas.checks.check_positive_int],
[`check_non_negative_int()`][cnnatlas.checks.check_non_negative_int], [`check_float()`][cnnatlas.checks.check_float], [`check_bool()`][cnnatlas.checks.check_bool], [`check_str()`][cnnatlas.checks.check_str],
[`check_choice()`][cnnatlas.checks.check_choice], [`check_names()`][cnnatlas.checks.check_names] (a sequence of layer names; a lone string is refused),
[`check_model()`][cnnatlas.checks.check_model] (an ``nn.Module`` instance), [`check_factory()`][cnnatlas.checks.check_factory] (something that builds one),
[`check_callable()`][cnnatlas.checks.check_callable], [`check_device()`][cnnatlas.checks.check_device], [`check_file_name()`][cnnatlas.checks.check_file_name] (a user string that becomes a file
name) and [`check_at_most()`][cnnatlas.checks.check_at_most] (a count that would make a figure or animation run for minutes).
"""

from __future__ import annotations

import difflib
import math
import numbers
import re
from collections.abc import Callable, Iterable, Sequence

import numpy as np
import torch
from torch import nn

_FLOAT_HINT = "convert with x.float() (and divide uint8 images by 255)"
IMAGE_CHANNELS = (1, 3, 4)
"""Channel counts of an image (gray, RGB, RGBA): a 3D tensor ending in one of them and not starting with
one is an HWC image."""


def describe(value: object) -> str:
    """Return a short description of ``value`` for an error message: its type, and its shape when it has one.

    Examples:
        >>> describe(None), describe([1, 2]), describe(np.zeros((2, 3)))
        ('None', 'list of length 2', 'numpy.ndarray of shape (2, 3)')
        >>> describe(torch.zeros(2, dtype=torch.int64))
        'torch.Tensor of shape (2,) and dtype torch.int64'
    """
    if value is None:
        return "None"
    if isinstance(value, torch.Tensor):
        return f"torch.Tensor of shape {tuple(value.shape)} and dtype {value.dtype}"
    kind = type(value)
    qualified = (
        kind.__name__ if kind.__module__ == "builtins" else f"{kind.__module__.split('.')[0]}.{kind.__name__}"
    )
    shape = getattr(value, "shape", None)
    if isinstance(shape, tuple):
        return f"{qualified} of shape {shape}"
    if isinstance(value, (list, tuple, dict, set, frozenset)):
        return f"{qualified} of length {len(value)}"
    if isinstance(value, type):
        return f"the class {value.__name__}"
    if isinstance(value, (bool, int, float, str, complex)):
        return f"{value!r} ({qualified})"
    return qualified


def _tensor_type_hint(x: object) -> str:
    """Say how to turn a non-tensor into a tensor, when there is a clear way."""
    if type(x).__module__ == "numpy":
        return "; convert with torch.from_numpy(x)"
    if isinstance(x, (list, tuple)):
        return "; convert with torch.tensor(x) (or torch.stack for a list of tensors)"
    if type(x).__module__.startswith("PIL"):
        return "; convert with torchvision.transforms.functional.to_tensor(x)"
    return ""


def _layout_letters(layout: str) -> str:
    """Return the axis letters of a layout such as ``"NCHW"`` or ``"(N, C, H, W)"``; "" for any other text."""
    letters = re.sub(r"[\s,()]", "", layout)
    return letters if re.fullmatch(r"[NCHW]+", letters) else ""


def _looks_hwc(shape: tuple[int, ...], channels: Sequence[int]) -> bool:
    """Whether the last three axes of ``shape`` look like (H, W, C) rather than (C, H, W)."""
    return len(shape) >= 3 and shape[-1] in channels and shape[-3] not in channels


def _shape_hint(shape: tuple[int, ...], expected_rank: int) -> str:
    """Guess what went wrong with a tensor's layout and suggest the fix."""
    if expected_rank == 4 and len(shape) == 3:
        if _looks_hwc(shape, IMAGE_CHANNELS):
            return "; this looks like an HWC image: try x.permute(2, 0, 1).unsqueeze(0)"
        return "; this looks like one CHW image: try x.unsqueeze(0)"
    if expected_rank == 3 and len(shape) == 3 and _looks_hwc(shape, IMAGE_CHANNELS):
        return "; this looks like HWC: try x.permute(2, 0, 1)"
    if expected_rank == 3 and len(shape) == 4 and shape[0] == 1:
        return "; this looks like a batch of one: try x[0] or x.squeeze(0)"
    if expected_rank == 3 and len(shape) == 2:
        return "; this looks like one HW map: try x.unsqueeze(0)"
    if expected_rank == 4 and len(shape) == 2:
        return "; this looks like one HW image: try x[None, None]"
    if expected_rank == 2 and len(shape) == 3 and shape[0] == 1:
        return "; this looks like one map with a channel axis: try x[0]"
    if expected_rank == 2 and len(shape) == 4 and shape[0] == shape[1] == 1:
        return "; this looks like one map in a batch: try x[0, 0]"
    return ""


def _hwc_error(name: str, want: str, shape: tuple[int, ...]) -> ValueError:
    """The error for an (N)HWC tensor where (N)CHW was expected."""
    fix = "x.permute(2, 0, 1)" if len(shape) == 3 else "x.permute(0, 3, 1, 2)"
    return ValueError(f"{name}: expected a {want} tensor, got shape {shape}; this looks like HWC: try {fix}")


def check_tensor(
    x: object,
    name: str = "x",
    *,
    rank: int | tuple[int, ...] | None = None,
    floating: bool = False,
    finite: bool = True,
    layout: str = "",
    channels: tuple[int, ...] | None = None,
    detect_hwc: bool = True,
    dtypes: tuple[torch.dtype, ...] | None = None,
    value_range: tuple[float, float] | None = None,
    non_empty: bool = True,
) -> torch.Tensor:
    """Return ``x`` unchanged if it is a usable tensor, else raise a TypeError/ValueError saying why.

    Args:
        x: the argument.
        name: its name, the first word of the message.
        rank: the number of dimensions expected (or a tuple of accepted ones).
        floating: require a floating-point dtype (an integer tensor is refused with the conversion hint).
        finite: refuse NaN and Inf entries.
        layout: the axes, e.g. ``"NCHW"`` or ``"(C, H, W)"``, named in the message. A layout whose letters
            end in ``CHW`` also turns on the HWC check (see ``detect_hwc``).
        channels: the channel counts accepted on the C axis (e.g. ``(1, 3)`` for images); needs a layout
            with a C axis.
        detect_hwc: where the layout ends in CHW, refuse a tensor whose last axis has 1, 3 or 4 entries
            and whose C axis does not (an HWC image), with the permute that fixes it.
        dtypes: the dtypes accepted (e.g. ``(torch.uint8, torch.float32)``).
        value_range: (low, high): every finite entry must lie in it (inclusive).
        non_empty: refuse a tensor with no entries.

    Examples:
        >>> check_tensor(torch.zeros(1, 3, 8, 8), rank=4, layout="NCHW").shape
        torch.Size([1, 3, 8, 8])
        >>> check_tensor(torch.rand(16, 16, 3), "image", rank=3, layout="(C, H, W)")
        Traceback (most recent call last):
        ...
        ValueError: image: expected a 3D (C, H, W) tensor, got shape (16, 16, 3); this looks like HWC: try x.permute(2, 0, 1)
    """
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name}: expected a torch.Tensor, got {describe(x)}{_tensor_type_hint(x)}")
    if x.device.type == "meta":
        raise ValueError(
            f"{name}: expected a tensor with data, got one on the meta device (shape only); use a real device"
        )
    if x.is_complex() and not (dtypes is not None and x.dtype in dtypes):
        raise TypeError(f"{name}: expected a real tensor, got dtype {x.dtype}; take x.real or x.abs()")
    ranks = (rank,) if isinstance(rank, int) else rank
    shape = tuple(x.shape)
    what = f" {layout}" if layout else ""
    want = " or ".join(f"{r}D" for r in ranks) + what if ranks is not None else f"tensor{what}".strip()
    if ranks is not None and x.dim() not in ranks:
        hint = _shape_hint(shape, ranks[0])
        raise ValueError(f"{name}: expected a {want} tensor, got shape {shape}{hint}")
    letters = _layout_letters(layout)
    has_c = letters.endswith("CHW") and x.dim() >= 3
    if has_c and channels is not None and shape[-3] not in channels:
        if _looks_hwc(shape, channels):
            raise _hwc_error(name, want, shape)
        accepted = " or ".join(str(c) for c in channels)
        raise ValueError(f"{name}: expected {accepted} channels on the C axis of {layout}, got shape {shape}")
    if has_c and detect_hwc and _looks_hwc(shape, IMAGE_CHANNELS) and shape[-2] not in IMAGE_CHANNELS:
        raise _hwc_error(name, want, shape)
    if non_empty and x.numel() == 0:
        raise ValueError(f"{name}: expected a non-empty tensor, got shape {shape}")
    if dtypes is not None and x.dtype not in dtypes:
        accepted = ", ".join(str(d) for d in dtypes)
        hint = f"; {_FLOAT_HINT}" if any(d.is_floating_point for d in dtypes) else ""
        raise TypeError(f"{name}: expected dtype {accepted}, got {x.dtype}{hint}")
    if floating and not x.is_floating_point():
        raise TypeError(f"{name}: expected a floating-point tensor, got dtype {x.dtype}; {_FLOAT_HINT}")
    if finite and x.is_floating_point() and not bool(torch.isfinite(x).all()):
        bad = int((~torch.isfinite(x)).sum())
        raise ValueError(
            f"{name}: expected finite values, got {bad} NaN/Inf entries in a tensor of shape {shape}"
        )
    if value_range is not None and x.numel() > 0:
        data = x.detach()
        if data.is_floating_point():
            data = data[torch.isfinite(data)]
        if data.numel() > 0:
            low, high = float(data.min()), float(data.max())
            if low < value_range[0] or high > value_range[1]:
                raise ValueError(
                    f"{name}: expected values in [{value_range[0]:g}, {value_range[1]:g}], "
                    f"got values from {low:g} to {high:g}"
                )
    return x


def check_image(
    x: object, name: str = "image", *, rank: int = 3, channels: tuple[int, ...] = IMAGE_CHANNELS
) -> torch.Tensor:
    """Return ``x`` if it is a (C, H, W) (or, with ``rank=4``, (N, C, H, W)) image, else raise saying why.

    An image is float with values in [0, 1] or uint8 with values 0..255, with 1, 3 or 4 channels; an HWC
    image, an int64 image (drawn saturated white) or NaN is refused.

    Examples:
        >>> check_image(torch.rand(3, 8, 8)).shape
        torch.Size([3, 8, 8])
        >>> check_image(torch.full((1, 2, 2), 200))
        Traceback (most recent call last):
        ...
        TypeError: image: expected dtype torch.uint8, torch.float16, torch.bfloat16, torch.float32, torch.float64, got torch.int64; convert with x.float() (and divide uint8 images by 255)
    """
    layout = "(C, H, W)" if rank == 3 else "(N, C, H, W)"
    check_tensor(
        x,
        name,
        rank=rank,
        layout=layout,
        channels=channels,
        dtypes=(torch.uint8, torch.float16, torch.bfloat16, torch.float32, torch.float64),
    )
    assert isinstance(x, torch.Tensor)
    if x.is_floating_point():
        check_tensor(x, name, value_range=(0.0, 1.0))
    return x


def check_int(
    value: object,
    name: str,
    *,
    minimum: int | None = None,
    maximum: int | None = None,
    limit_name: str = "",
) -> int:
    """Return ``value`` as an int if it is an integer within [minimum, maximum], else raise saying why.

    A bool, a float (even ``3.0``) or a string is a TypeError; an out-of-range int a ValueError that names
    the bound (and ``limit_name``, the constant that sets it, when given). NumPy integers are accepted.

    Examples:
        >>> check_int(3, "ncols", minimum=1, maximum=64)
        3
        >>> check_int(10**6, "ncols", minimum=1, maximum=64, limit_name="MAX_COLUMNS")
        Traceback (most recent call last):
        ...
        ValueError: ncols: expected an int from 1 to 64 (the limit, MAX_COLUMNS), got 1000000
    """
    bounds = _bounds_text(minimum, maximum, "an int")
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name}: expected {bounds}, got {describe(value)}")
    number = int(value)
    if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
        limit = ""
        if maximum is not None and number > maximum and limit_name:
            limit = f" (the limit, {limit_name})"
        raise ValueError(f"{name}: expected {bounds}{limit}, got {number}")
    return number


def _bounds_text(minimum: float | None, maximum: float | None, what: str) -> str:
    """``"an int from 1 to 64"``, ``"an int >= 0"``, ``"an int <= 9"`` or ``"an int"``."""
    if minimum is not None and maximum is not None:
        return f"{what} from {minimum:g} to {maximum:g}"
    if minimum is not None:
        return f"{what} >= {minimum:g}"
    if maximum is not None:
        return f"{what} <= {maximum:g}"
    return what


def check_positive_int(value: object, name: str, *, maximum: int | None = None, limit_name: str = "") -> int:
    """Return ``value`` if it is a positive int (at most ``maximum``), else raise a clear error.

    Examples:
        >>> check_positive_int(3, "kernel_size")
        3
        >>> check_positive_int(0, "kernel_size")
        Traceback (most recent call last):
        ...
        ValueError: kernel_size: expected an int >= 1, got 0
    """
    return check_int(value, name, minimum=1, maximum=maximum, limit_name=limit_name)


def check_non_negative_int(
    value: object, name: str, *, maximum: int | None = None, limit_name: str = ""
) -> int:
    """Return ``value`` if it is an int >= 0 (at most ``maximum``), else raise TypeError or ValueError.

    Examples:
        >>> check_non_negative_int(0, "padding")
        0
    """
    return check_int(value, name, minimum=0, maximum=maximum, limit_name=limit_name)


def check_at_most(
    count: int, name: str, limit: int, what: str, *, limit_name: str = "", hint: str = ""
) -> int:
    """Return ``count`` if it is at most ``limit``, else raise a ValueError naming the limit.

    For a size computed from the arguments (the frames of an animation, the cells of a figure): a request
    that would run for minutes is refused before any work is done.

    Examples:
        >>> check_at_most(2304, "x", 400, "animation frames", limit_name="MAX_FRAMES", hint="use a smaller x")
        Traceback (most recent call last):
        ...
        ValueError: x: expected at most 400 animation frames (the limit, MAX_FRAMES), got 2304; use a smaller x
    """
    if count > limit:
        named = f" (the limit, {limit_name})" if limit_name else " (the limit)"
        tail = f"; {hint}" if hint else ""
        raise ValueError(f"{name}: expected at most {limit} {what}{named}, got {count}{tail}")
    return count


def check_float(
    value: object,
    name: str,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    above: float | None = None,
    finite: bool = True,
) -> float:
    """Return ``value`` as a float if it is a real number in range, else raise TypeError or ValueError.

    ``minimum``/``maximum`` are inclusive bounds, ``above`` an exclusive lower bound (``above=0``: positive).
    Ints are accepted; bools, strings, tensors and None are not.

    Examples:
        >>> check_float(0.5, "std", above=0)
        0.5
        >>> check_float(0.0, "std", above=0)
        Traceback (most recent call last):
        ...
        ValueError: std: expected a number > 0, got 0.0
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name}: expected a number, got {describe(value)}")
    number = float(value)
    if finite and not math.isfinite(number):
        raise ValueError(f"{name}: expected a finite number, got {number}")
    if above is not None and not number > above:
        raise ValueError(f"{name}: expected a number > {above:g}, got {number}")
    if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
        raise ValueError(f"{name}: expected {_bounds_text(minimum, maximum, 'a number')}, got {number}")
    return number


def check_bool(value: object, name: str) -> bool:
    """Return ``value`` if it is a bool (NumPy's included), else raise a TypeError.

    Examples:
        >>> check_bool(True, "normalize")
        True
    """
    if isinstance(value, bool) or (
        type(value).__module__ == "numpy" and type(value).__name__ in ("bool", "bool_")
    ):
        return bool(value)
    raise TypeError(f"{name}: expected True or False, got {describe(value)}")


def check_str(value: object, name: str, *, non_empty: bool = True) -> str:
    """Return ``value`` if it is a string (non-empty unless told otherwise), else raise saying why.

    Examples:
        >>> check_str("conv1", "layer")
        'conv1'
    """
    if not isinstance(value, str):
        raise TypeError(f"{name}: expected a string, got {describe(value)}")
    if non_empty and not value.strip():
        raise ValueError(f"{name}: expected a non-empty string, got {value!r}")
    return value


def _suggestion(value: object, allowed: Iterable[object]) -> str:
    """``"; did you mean 'sgd'?"`` when a close match exists."""
    if not isinstance(value, str):
        return ""
    names = [a for a in allowed if isinstance(a, str)]
    close = difflib.get_close_matches(value, names, n=1) or [n for n in names if n.lower() == value.lower()]
    return f"; did you mean {close[0]!r}?" if close else ""


def check_choice(value: object, name: str, allowed: tuple[object, ...]) -> str:
    """Return ``value`` if it is one of ``allowed``, else raise naming the allowed values (and a close one).

    A value of another type than every allowed one (a list where a string is expected) is a TypeError.

    Examples:
        >>> check_choice("sgd", "optimizer", ("adamw", "sgd"))
        'sgd'
        >>> check_choice("Adam", "optimizer", ("adamw", "sgd"))
        Traceback (most recent call last):
        ...
        ValueError: optimizer: expected one of 'adamw', 'sgd', got 'Adam'; did you mean 'adamw'?
    """
    listed = ", ".join(repr(a) for a in allowed)
    if not any(type(value) is type(a) for a in allowed) and not (value is None and None in allowed):
        raise TypeError(f"{name}: expected one of {listed}, got {describe(value)}")
    if value not in allowed:
        raise ValueError(f"{name}: expected one of {listed}, got {value!r}{_suggestion(value, allowed)}")
    return value  # type: ignore[return-value]


def check_names(
    value: object,
    name: str,
    *,
    allowed: Iterable[str] | None = None,
    non_empty: bool = True,
) -> list[str]:
    """Return ``value`` as a list of strings (layer names, say), else raise saying why.

    A lone string is refused (``layers="12"`` would otherwise read as ``["1", "2"]``); so is a sequence
    holding anything but strings, and, when ``allowed`` is given, a name not in it (with a close match).

    Examples:
        >>> check_names(("0", "3"), "layers", allowed=["0", "1", "3"])
        ['0', '3']
        >>> check_names("12", "layers")
        Traceback (most recent call last):
        ...
        TypeError: layers: expected a sequence of names such as ['12'], got the string '12'
    """
    if isinstance(value, str):
        raise TypeError(f"{name}: expected a sequence of names such as [{value!r}], got the string {value!r}")
    if (
        isinstance(value, (torch.Tensor, dict))
        or not isinstance(value, Iterable)
        or type(value).__module__ == "numpy"
    ):
        raise TypeError(f"{name}: expected a sequence of names (strings), got {describe(value)}")
    names = list(value)
    for item in names:
        if not isinstance(item, str):
            raise TypeError(f"{name}: expected a sequence of names (strings), got an entry {describe(item)}")
    if non_empty and not names:
        raise ValueError(f"{name}: expected at least one name, got an empty sequence")
    if allowed is not None:
        known = list(allowed)
        unknown = [n for n in names if n not in known]
        if unknown:
            shown = ", ".join(repr(k) for k in known[:20]) + (", ..." if len(known) > 20 else "")
            raise ValueError(
                f"{name}: expected names among {shown}, got unknown {', '.join(repr(u) for u in unknown)}"
                f"{_suggestion(unknown[0], known)}"
            )
    return names


def check_shape(value: object, name: str, *, rank: int | None = None, layout: str = "") -> tuple[int, ...]:
    """Return ``value`` as a tuple of positive ints (a tensor shape), else raise saying why.

    A tensor where its shape is expected is refused with the fix (``x.shape``).

    Examples:
        >>> check_shape(torch.Size([1, 3, 32, 32]), "input_shape", rank=4)
        (1, 3, 32, 32)
        >>> check_shape((32, 32), "input_shape", rank=4, layout="(N, C, H, W)")
        Traceback (most recent call last):
        ...
        ValueError: input_shape: expected a shape of 4 sizes (N, C, H, W), got (32, 32)
    """
    what = f"a shape of {rank} sizes" if rank is not None else "a shape"
    what += f" {layout}" if layout else ""
    if isinstance(value, torch.Tensor):
        raise TypeError(f"{name}: expected {what}, got {describe(value)}; pass x.shape")
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise TypeError(f"{name}: expected {what} (a tuple of ints), got {describe(value)}")
    sizes = tuple(value)
    for size in sizes:
        if isinstance(size, bool) or not isinstance(size, numbers.Integral):
            raise TypeError(f"{name}: expected {what} (a tuple of ints), got {sizes!r}")
    if rank is not None and len(sizes) != rank:
        raise ValueError(f"{name}: expected {what}, got {sizes}")
    if any(size < 1 for size in sizes):
        raise ValueError(f"{name}: expected {what} with every size >= 1, got {sizes}")
    return tuple(int(size) for size in sizes)


def check_array(
    value: object,
    name: str,
    *,
    ndim: int | tuple[int, ...] | None = None,
    floating: bool = False,
    finite: bool = False,
    non_empty: bool = True,
) -> np.ndarray:
    """Return ``value`` if it is a usable NumPy array of numbers, else raise a TypeError/ValueError saying why.

    A tensor is refused with the fix (``x.numpy()``); so are object and string arrays, a wrong number of
    dimensions, an empty array, and (with ``finite``) NaN/Inf, and (with ``floating``) an integer array.

    Examples:
        >>> check_array(np.zeros((2, 3)), "maps", ndim=2).shape
        (2, 3)
        >>> check_array(torch.zeros(2), "maps")
        Traceback (most recent call last):
        ...
        TypeError: maps: expected a numpy array, got torch.Tensor of shape (2,) and dtype torch.float32; convert with x.detach().cpu().numpy()
    """
    if not isinstance(value, np.ndarray):
        hint = "; convert with x.detach().cpu().numpy()" if isinstance(value, torch.Tensor) else ""
        raise TypeError(f"{name}: expected a numpy array, got {describe(value)}{hint}")
    if value.dtype.kind not in "biuf":
        raise TypeError(f"{name}: expected a numpy array of numbers, got dtype {value.dtype}")
    ndims = (ndim,) if isinstance(ndim, int) else ndim
    if ndims is not None and value.ndim not in ndims:
        want = " or ".join(f"{n}D" for n in ndims)
        raise ValueError(f"{name}: expected a {want} array, got shape {value.shape}")
    if non_empty and value.size == 0:
        raise ValueError(f"{name}: expected a non-empty array, got shape {value.shape}")
    if floating and value.dtype.kind != "f":
        raise TypeError(
            f"{name}: expected a floating-point array, got dtype {value.dtype}; convert with x.astype(float)"
        )
    if finite and value.dtype.kind == "f" and not np.isfinite(value).all():
        bad = int((~np.isfinite(value)).sum())
        raise ValueError(
            f"{name}: expected finite values, got {bad} NaN/Inf entries in an array of shape {value.shape}"
        )
    return value


def check_model(model: object, name: str = "model") -> nn.Module:
    """Return ``model`` if it is a ``torch.nn.Module`` instance, else raise a TypeError saying what came.

    A model class or a function that builds one (where an instance is expected) is told apart, with the
    call that fixes it.

    Examples:
        >>> type(check_model(nn.ReLU())).__name__
        'ReLU'
        >>> check_model(nn.ReLU)
        Traceback (most recent call last):
        ...
        TypeError: model: expected a torch.nn.Module instance, got the class ReLU; build one first: ReLU()
    """
    if isinstance(model, nn.Module):
        return model
    if isinstance(model, type) and issubclass(model, nn.Module):
        raise TypeError(
            f"{name}: expected a torch.nn.Module instance, got the class {model.__name__}; "
            f"build one first: {model.__name__}()"
        )
    if callable(model) and not isinstance(model, type):
        label = getattr(model, "__name__", type(model).__name__)
        raise TypeError(
            f"{name}: expected a torch.nn.Module instance, got the callable {label}; "
            f"if it builds a model, call it first: {label}()"
        )
    raise TypeError(f"{name}: expected a torch.nn.Module instance, got {describe(model)}")


def check_callable(value: object, name: str) -> Callable[..., object]:
    """Return ``value`` if it is callable, else raise a TypeError.

    Examples:
        >>> check_callable(abs, "transform")(-2)
        2
    """
    if not callable(value):
        raise TypeError(f"{name}: expected a callable, got {describe(value)}")
    return value


def check_factory(value: object, name: str = "factory") -> Callable[[], nn.Module]:
    """Return ``value`` if it can build a model (a class or a function), else raise a TypeError.

    A model instance where a factory is expected is told apart, with the fix.

    Examples:
        >>> check_factory(nn.ReLU).__name__
        'ReLU'
        >>> check_factory(nn.ReLU())
        Traceback (most recent call last):
        ...
        TypeError: factory: expected a factory that builds a model (a class or function, e.g. ReLU), got an nn.Module instance ReLU; pass the class or lambda: model
    """
    if isinstance(value, nn.Module):
        kind = type(value).__name__
        raise TypeError(
            f"{name}: expected a factory that builds a model (a class or function, e.g. {kind}), "
            f"got an nn.Module instance {kind}; pass the class or lambda: model"
        )
    if not callable(value):
        raise TypeError(
            f"{name}: expected a factory that builds a model (a class or function), got {describe(value)}"
        )
    return value  # type: ignore[return-value]


def check_device(value: object, name: str = "device") -> torch.device:
    """Return ``value`` as a ``torch.device`` (a string such as ``"cpu"`` is accepted) if it is usable here.

    An unknown device string is a ValueError; so is a CUDA or MPS device on a machine without one.

    Examples:
        >>> check_device("cpu")
        device(type='cpu')
        >>> check_device("gpu")
        Traceback (most recent call last):
        ...
        ValueError: device: expected a device such as 'cpu', 'cuda' or 'cuda:0', got 'gpu'
    """
    if isinstance(value, torch.device):
        device = value
    elif isinstance(value, str):
        try:
            device = torch.device(value)
        except RuntimeError as error:
            raise ValueError(
                f"{name}: expected a device such as 'cpu', 'cuda' or 'cuda:0', got {value!r}"
            ) from error
    else:
        raise TypeError(f"{name}: expected a torch.device or a string such as 'cpu', got {describe(value)}")
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(
            f"{name}: expected a device available here, got {str(device)!r} (no CUDA device); use 'cpu'"
        )
    if device.type == "cuda" and device.index is not None and device.index >= torch.cuda.device_count():
        raise ValueError(
            f"{name}: expected a CUDA index below {torch.cuda.device_count()}, got {str(device)!r}"
        )
    if device.type == "mps" and not torch.backends.mps.is_available():
        raise ValueError(f"{name}: expected a device available here, got 'mps' (no MPS device); use 'cpu'")
    if device.type not in ("cpu", "cuda", "mps"):
        raise ValueError(f"{name}: expected a 'cpu', 'cuda' or 'mps' device, got {str(device)!r}")
    return device


_SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")


def check_file_name(value: object, name: str = "name") -> str:
    """Return ``value`` if it can be used as one file name inside a directory, else raise saying why.

    Letters, digits, ``.``, ``_`` and ``-`` only, starting with a letter or digit, at most 100 characters,
    no ``..``: a path separator, a traversal or an absolute path never reaches the file system.

    Examples:
        >>> check_file_name("lenet_fashion-mnist.v2")
        'lenet_fashion-mnist.v2'
        >>> check_file_name("../escape")
        Traceback (most recent call last):
        ...
        ValueError: name: expected a plain file name (letters, digits, '.', '_', '-'; no path), got '../escape'
    """
    check_str(value, name)
    assert isinstance(value, str)
    if not _SAFE_NAME.fullmatch(value) or ".." in value:
        raise ValueError(
            f"{name}: expected a plain file name (letters, digits, '.', '_', '-'; no path), got {value!r}"
        )
    return value


DRAWABLE_DTYPES = (torch.uint8, torch.float16, torch.bfloat16, torch.float32, torch.float64)
"""Dtypes an image may have to be drawn: uint8 (0..255, shown divided by 255) or floating point. Any other
integer dtype has no agreed range (an int64 image of 0..255 would be drawn saturated white): refused."""


def check_instance(
    value: object, name: str, kind: type | tuple[type, ...], *, optional: bool = False
) -> object:
    """Return ``value`` if it is an instance of ``kind`` (or None when ``optional``), else raise a TypeError.

    Examples:
        >>> check_instance(None, "fig", dict, optional=True) is None
        True
        >>> check_instance([], "fig", dict)
        Traceback (most recent call last):
        ...
        TypeError: fig: expected a dict, got list of length 0
    """
    if value is None and optional:
        return value
    if not isinstance(value, kind):
        kinds = kind if isinstance(kind, tuple) else (kind,)
        wanted = " or ".join(k.__name__ for k in kinds) + (" or None" if optional else "")
        raise TypeError(f"{name}: expected a {wanted}, got {describe(value)}")
    return value


def check_drawable(x: object, name: str, *, rank: int, layout: str) -> torch.Tensor:
    """Return ``x`` if it is a tensor that can be drawn as an image (uint8 or float, layout checked), else raise.

    uint8 is shown divided by 255 and floats as they are; another integer dtype is refused with the fix,
    as are HWC images where CHW is expected, NaN/Inf and empty tensors.

    Examples:
        >>> check_drawable(torch.zeros(3, 4, 4, dtype=torch.uint8), "image", rank=3, layout="(C, H, W)").dtype
        torch.uint8
        >>> check_drawable(torch.full((3, 4, 4), 200), "image", rank=3, layout="(C, H, W)")
        Traceback (most recent call last):
        ...
        TypeError: image: expected a uint8 (0..255) or floating-point image, got dtype torch.int64; convert with x.to(torch.uint8) if its values are 0..255, else x.float()
    """
    check_tensor(x, name, rank=rank, layout=layout)
    assert isinstance(x, torch.Tensor)
    if x.dtype not in DRAWABLE_DTYPES:
        raise TypeError(
            f"{name}: expected a uint8 (0..255) or floating-point image, got dtype {x.dtype}; "
            "convert with x.to(torch.uint8) if its values are 0..255, else x.float()"
        )
    return x
