"""Tests for cnnatlas.checks: one check per kind of argument, one message style (name, expected, got)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from cnnatlas.checks import (
    check_array,
    check_at_most,
    check_bool,
    check_callable,
    check_choice,
    check_device,
    check_factory,
    check_file_name,
    check_float,
    check_image,
    check_int,
    check_model,
    check_names,
    check_non_negative_int,
    check_positive_int,
    check_shape,
    check_str,
    check_tensor,
    describe,
)


@pytest.mark.parametrize(
    ("value", "said"),
    [
        (None, "got None"),
        ([[0.0, 1.0]], "got list of length 1; convert with torch.tensor"),
        (np.zeros((2, 3)), "got numpy.ndarray of shape (2, 3); convert with torch.from_numpy"),
        ("x", "got 'x' (str)"),
    ],
)
def test_check_tensor_names_what_came_instead_of_a_tensor(value, said) -> None:
    with pytest.raises(TypeError, match="x: expected a torch.Tensor") as error:
        check_tensor(value)
    assert said in str(error.value)


@pytest.mark.parametrize(
    ("shape", "rank", "layout", "hint"),
    [
        ((16, 16, 3), 3, "(C, H, W)", "try x.permute(2, 0, 1)"),
        ((2, 28, 28, 3), 4, "NCHW", "try x.permute(0, 3, 1, 2)"),
        ((28, 28, 3), 4, "NCHW", "try x.permute(2, 0, 1).unsqueeze(0)"),
        ((3, 28, 28), 4, "NCHW", "try x.unsqueeze(0)"),
        ((1, 3, 8, 8), 3, "(C, H, W)", "try x[0]"),
        ((8, 8), 3, "(C, H, W)", "try x.unsqueeze(0)"),
        ((1, 8, 8), 2, "(H, W)", "try x[0]"),
    ],
)
def test_check_tensor_refuses_wrong_rank_and_hwc_with_the_fix(shape, rank, layout, hint) -> None:
    with pytest.raises(ValueError, match="image: expected a") as error:
        check_tensor(torch.rand(shape), "image", rank=rank, layout=layout)
    message = str(error.value)
    assert f"got shape {shape}" in message
    assert hint in message


@pytest.mark.parametrize("shape", [(3, 16, 16), (1, 4, 5), (16, 8, 8), (4, 3, 3), (1, 64, 7, 7)])
def test_check_tensor_accepts_chw_layouts_including_small_ones(shape) -> None:
    x = torch.rand(shape)
    assert check_tensor(x, rank=(3, 4), layout="(C, H, W)") is x


def test_check_tensor_channels_names_the_accepted_counts() -> None:
    with pytest.raises(ValueError, match="expected 1 or 3 channels on the C axis"):
        check_tensor(torch.rand(5, 8, 8), "image", rank=3, layout="(C, H, W)", channels=(1, 3))
    with pytest.raises(ValueError, match="this looks like HWC"):
        check_tensor(torch.rand(8, 8, 3), "image", rank=3, layout="(C, H, W)", channels=(1, 3))


@pytest.mark.parametrize(
    ("x", "kwargs", "error", "said"),
    [
        (torch.zeros(0, 3, 4), {}, ValueError, "expected a non-empty tensor, got shape (0, 3, 4)"),
        (torch.tensor([1.0, float("nan")]), {}, ValueError, "expected finite values, got 1 NaN/Inf"),
        (torch.zeros(2, dtype=torch.int64), {"floating": True}, TypeError, "got dtype torch.int64"),
        (
            torch.zeros(2),
            {"dtypes": (torch.uint8,)},
            TypeError,
            "expected dtype torch.uint8, got torch.float32",
        ),
        (
            torch.tensor([0.0, 2.0]),
            {"value_range": (0, 1)},
            ValueError,
            "expected values in [0, 1], got values from 0 to 2",
        ),
        (
            torch.zeros(2, device="meta"),
            {},
            ValueError,
            "expected a tensor with data, got one on the meta device",
        ),
        (
            torch.zeros(2, dtype=torch.complex64),
            {},
            TypeError,
            "expected a real tensor, got dtype torch.complex64",
        ),
    ],
)
def test_check_tensor_refuses_empty_nan_dtype_and_range(x, kwargs, error, said) -> None:
    with pytest.raises(error) as raised:
        check_tensor(x, **kwargs)
    assert said in str(raised.value)


@pytest.mark.parametrize(
    ("x", "error", "said"),
    [
        (torch.full((3, 4, 4), 200), TypeError, "got torch.int64"),
        (torch.rand(3, 4, 4) * 255, ValueError, "expected values in [0, 1]"),
        (torch.rand(6, 6, 3), ValueError, "this looks like HWC"),
        (torch.rand(5, 8, 8), ValueError, "expected 1 or 3 or 4 channels"),
    ],
)
def test_check_image_refuses_integer_out_of_range_and_hwc_images(x, error, said) -> None:
    with pytest.raises(error) as raised:
        check_image(x)
    assert said in str(raised.value)


def test_check_image_accepts_uint8_and_unit_floats() -> None:
    check_image(torch.full((3, 4, 4), 200, dtype=torch.uint8))
    check_image(torch.rand(2, 1, 4, 4), rank=4)


@pytest.mark.parametrize(
    ("value", "error", "said"),
    [
        (True, TypeError, "got True (bool)"),
        (3.0, TypeError, "got 3.0 (float)"),
        ("3", TypeError, "got '3' (str)"),
        (None, TypeError, "got None"),
        (0, ValueError, "expected an int from 1 to 64, got 0"),
        (10**6, ValueError, "expected an int from 1 to 64 (the limit, LIMIT), got 1000000"),
    ],
)
def test_check_int_refuses_bools_floats_and_out_of_range(value, error, said) -> None:
    with pytest.raises(error) as raised:
        check_int(value, "ncols", minimum=1, maximum=64, limit_name="LIMIT")
    assert str(raised.value).startswith("ncols: expected an int")
    assert said in str(raised.value)


def test_int_checks_accept_numpy_integers_and_return_ints() -> None:
    assert type(check_int(np.int64(3), "n")) is int
    assert check_positive_int(1, "n") == 1
    assert check_non_negative_int(0, "n") == 0
    with pytest.raises(ValueError, match="n: expected an int >= 0, got -1"):
        check_non_negative_int(-1, "n")


def test_check_at_most_names_the_limit() -> None:
    assert check_at_most(3, "x", 3, "frames") == 3
    with pytest.raises(ValueError, match=r"x: expected at most 3 frames \(the limit, MAX\), got 4; smaller"):
        check_at_most(4, "x", 3, "frames", limit_name="MAX", hint="smaller")


@pytest.mark.parametrize(
    ("value", "kwargs", "error", "said"),
    [
        (True, {}, TypeError, "expected a number, got True"),
        ("0.5", {}, TypeError, "expected a number, got '0.5'"),
        (float("nan"), {}, ValueError, "expected a finite number, got nan"),
        (0.0, {"above": 0}, ValueError, "expected a number > 0, got 0.0"),
        (1.5, {"minimum": 0, "maximum": 1}, ValueError, "expected a number from 0 to 1, got 1.5"),
    ],
)
def test_check_float(value, kwargs, error, said) -> None:
    with pytest.raises(error, match="std: ") as raised:
        check_float(value, "std", **kwargs)
    assert said in str(raised.value)
    assert check_float(2, "std") == 2.0


def test_check_bool_and_str() -> None:
    assert check_bool(np.bool_(True), "flag") is True
    with pytest.raises(TypeError, match="flag: expected True or False, got 1"):
        check_bool(1, "flag")
    with pytest.raises(TypeError, match="layer: expected a string, got None"):
        check_str(None, "layer")
    with pytest.raises(ValueError, match="layer: expected a non-empty string"):
        check_str(" ", "layer")


def test_check_choice_suggests_and_tells_types_apart() -> None:
    with pytest.raises(ValueError, match="did you mean 'sgd'"):
        check_choice("sdg", "optimizer", ("adamw", "sgd"))
    with pytest.raises(ValueError, match="did you mean 'train'"):
        check_choice("Train", "split", ("train", "test"))
    with pytest.raises(TypeError, match="optimizer: expected one of 'adamw', 'sgd', got list"):
        check_choice(["sgd"], "optimizer", ("adamw", "sgd"))
    with pytest.raises(TypeError, match="got True"):
        check_choice(True, "split", ("train", "test"))


@pytest.mark.parametrize(
    ("value", "error", "said"),
    [
        ("12", TypeError, "expected a sequence of names such as ['12'], got the string '12'"),
        (12, TypeError, "got 12 (int)"),
        ([0, 3], TypeError, "got an entry 0 (int)"),
        ([], ValueError, "expected at least one name"),
        (["conv"], ValueError, "got unknown 'conv'; did you mean 'conv1'?"),
    ],
)
def test_check_names(value, error, said) -> None:
    with pytest.raises(error) as raised:
        check_names(value, "layers", allowed=["conv1", "relu1"])
    assert str(raised.value).startswith("layers: expected")
    assert said in str(raised.value)


def _build() -> nn.Module:
    return nn.ReLU()


@pytest.mark.parametrize(
    ("value", "said"),
    [
        (nn.ReLU, "got the class ReLU; build one first: ReLU()"),
        (_build, "got the callable _build; if it builds a model, call it first: _build()"),
        ("lenet", "got 'lenet' (str)"),
        (None, "got None"),
    ],
)
def test_check_model_tells_a_factory_from_an_instance(value, said) -> None:
    with pytest.raises(TypeError, match="model: expected a torch.nn.Module instance") as raised:
        check_model(value)
    assert said in str(raised.value)


def test_check_factory_and_callable() -> None:
    assert check_factory(_build, "factory") is _build
    with pytest.raises(TypeError, match="got an nn.Module instance ReLU; pass the class or lambda: model"):
        check_factory(nn.ReLU(), "factory")
    with pytest.raises(TypeError, match="factory: expected a factory"):
        check_factory("lenet", "factory")
    with pytest.raises(TypeError, match="transform: expected a callable, got 3"):
        check_callable(3, "transform")


def test_check_device() -> None:
    assert check_device("cpu") == torch.device("cpu")
    assert check_device(torch.device("cpu")) == torch.device("cpu")
    with pytest.raises(ValueError, match="device: expected a device such as 'cpu'"):
        check_device("gpu")
    with pytest.raises(TypeError, match="device: expected a torch.device or a string"):
        check_device(0)
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="no CUDA device"):
            check_device("cuda")


@pytest.mark.parametrize(
    "value", ["../escape", "/etc/passwd", "a/b", "..", ".hidden", "a\\b", "", "x" * 101, "a..b", "C:evil"]
)
def test_check_file_name_refuses_paths(value) -> None:
    with pytest.raises(ValueError, match="name: expected"):
        check_file_name(value)


def test_describe_covers_the_usual_suspects() -> None:
    assert describe(torch.zeros(2, 3)) == "torch.Tensor of shape (2, 3) and dtype torch.float32"
    assert describe((1, 2)) == "tuple of length 2"
    assert describe(nn.ReLU) == "the class ReLU"


@pytest.mark.parametrize(
    ("value", "kwargs", "error", "said"),
    [
        (torch.zeros(2), {}, TypeError, "x.detach().cpu().numpy()"),
        ([1.0], {}, TypeError, "got list of length 1"),
        (np.array(["a"]), {}, TypeError, "expected a numpy array of numbers"),
        (np.zeros(3), {"ndim": 2}, ValueError, "expected a 2D array, got shape (3,)"),
        (np.zeros(0), {}, ValueError, "expected a non-empty array"),
        (np.zeros(2, dtype=int), {"floating": True}, TypeError, "expected a floating-point array"),
        (np.array([np.inf]), {"finite": True}, ValueError, "expected finite values"),
    ],
)
def test_check_array(value, kwargs, error, said) -> None:
    with pytest.raises(error, match="maps: expected") as raised:
        check_array(value, "maps", **kwargs)
    assert said in str(raised.value)


@pytest.mark.parametrize(
    ("value", "error", "said"),
    [
        (torch.zeros(1, 3, 8, 8), TypeError, "pass x.shape"),
        ("1388", TypeError, "got '1388' (str)"),
        ((1, 3, 8.0, 8), TypeError, "a tuple of ints"),
        ((1, 3, 8), ValueError, "expected a shape of 4 sizes, got (1, 3, 8)"),
        ((1, 3, 0, 8), ValueError, "every size >= 1"),
    ],
)
def test_check_shape(value, error, said) -> None:
    with pytest.raises(error, match="input_shape: expected") as raised:
        check_shape(value, "input_shape", rank=4)
    assert said in str(raised.value)
    assert check_shape([np.int64(1), 3], "input_shape") == (1, 3)
