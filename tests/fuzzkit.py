"""Machinery of tests/test_public_api_fuzz.py: bad values by kind, one guarded call, and its verdict.

A bad value is a :class:`Bad`: a label, a function that makes it from the valid value it replaces, and
what the library may do with it:

- ``"no"``: must be refused with a clear ValueError/TypeError;
- ``"equiv"``: may be refused, or accepted if the result equals the result on ``reference`` (a list for a
  tuple, an int64 image for the same uint8 image, a non-contiguous copy);
- ``"maybe"``: may be refused or accepted (accepted: no NaN in the result, no state changed, in time);
- ``"must"``: a valid input in disguise (a model in train mode with a frozen BatchNorm): must be accepted,
  with the result of the plain valid call and the model untouched.

A refusal is clear when it is a ValueError or TypeError raised by a ``raise`` statement inside cnnatlas
(not a torch, matplotlib or plotly error passing through, nor Python's own unpacking error) and its message
names the parameter or says what was expected. Anything else is OTHER, and the fuzz test fails on it.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import dis
import math
import signal
import socket
import time
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.animation import FuncAnimation
from matplotlib.figure import Figure
from torch import nn

import cnnatlas

PACKAGE_DIR = str(Path(cnnatlas.__file__).resolve().parent)
REJECTED, ACCEPTED, OTHER = "rejected clearly", "accepted rightly", "other"


class CallTimeout(BaseException):
    """Raised by the alarm in the middle of a call that ran past its limit (a BaseException: no library
    ``except Exception``-style handler can swallow it)."""


@contextlib.contextmanager
def time_limit(seconds: float):
    """Interrupt the block with :class:`CallTimeout` after ``seconds`` (main thread only, SIGALRM)."""

    def on_alarm(_signum, _frame):
        raise CallTimeout(f"still running after {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@dataclass(frozen=True)
class Bad:
    label: str
    make: Callable[[Any], Any]  # valid value -> bad value
    accept: str = "no"  # "no", "equiv", "maybe", "must"
    reference: Callable[[Any], Any] | None = None  # valid value -> the value whose result must match


def const(value: Any) -> Callable[[Any], Any]:
    return lambda _valid: value


# --------------------------------------------------------------------------------------------- models


class _Awkward(nn.Module):
    """In train mode, with a BatchNorm frozen in eval mode, a frozen weight and a hook: what a failing call
    must restore exactly."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3, padding=1)
        self.bn = nn.BatchNorm2d(4).eval()
        self.conv.bias.requires_grad_(False)
        self.bn.register_forward_hook(lambda _m, _i, _o: None)


class RaisingModel(_Awkward):
    """A model whose forward fails with a RuntimeError after its first layers."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.bn(self.conv(x))
        raise RuntimeError("boom: this model always fails")


class AssertingModel(_Awkward):
    """A model that checks its input with ``torch._assert``, as torchvision's ViT does."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        torch._assert(x.shape[-1] == 224, f"Wrong image width! Expected 224 but got {x.shape[-1]}!")
        return self.bn(self.conv(x))


def probe_model() -> nn.Sequential:
    """A small seeded model for (N, 1, 12, 12) inputs with BatchNorm and Dropout, in eval mode."""
    with torch.random.fork_rng():
        torch.manual_seed(0)
        model = nn.Sequential(
            nn.Conv2d(1, 4, 3, padding=1),
            nn.BatchNorm2d(4),
            nn.ReLU(),
            nn.Dropout(0.5),
            nn.Conv2d(4, 4, 3, padding=1),
            nn.AdaptiveAvgPool2d(1),
            nn.Flatten(),
            nn.Linear(4, 10),
        )
    return model.eval()


class ProbeWithSpare(nn.Module):
    """The probe as ``body``, plus a layer ``spare`` that the forward never calls."""

    def __init__(self) -> None:
        super().__init__()
        self.body = probe_model()
        self.spare = nn.Conv2d(4, 4, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)


def train_mode_probe() -> nn.Sequential:
    """The probe in train mode, its BatchNorm frozen in eval mode, one frozen weight and a hook: valid."""
    model = probe_model().train()
    model[1].eval()
    model[0].weight.requires_grad_(False)
    model[4].register_forward_hook(lambda _m, _i, _o: None)
    return model


def model_bads() -> list[Bad]:
    return [
        Bad("None", const(None)),
        Bad("a model class, not an instance", const(cnnatlas.LeNet)),
        Bad("a str", const("LeNet")),
        Bad("a function", const(lambda x: x)),
        Bad("forward raises RuntimeError", lambda _v: RaisingModel()),
        Bad("forward fails a torch._assert", lambda _v: AssertingModel()),
        Bad("3-channel model for 1-channel input", lambda _v: cnnatlas.Cifar10Net()),
        Bad("model for 28x28 input (LeNet)", lambda _v: cnnatlas.LeNet()),
        Bad("train mode, frozen BatchNorm in eval, Dropout, hook", lambda _v: train_mode_probe(), "must"),
    ]


# ---------------------------------------------------------------------------------------- bad values


def _nan(v: torch.Tensor) -> torch.Tensor:
    x = v.clone().double() if not v.is_floating_point() else v.clone()
    x.view(-1)[0] = float("nan")
    return x


def _inf(v: torch.Tensor) -> torch.Tensor:
    x = v.clone().double() if not v.is_floating_point() else v.clone()
    x.view(-1)[-1] = float("inf")
    return x


def _as_uint8(v: torch.Tensor) -> torch.Tensor:
    return (v.clamp(0, 1) * 255).round().to(torch.uint8) if v.is_floating_point() else v.to(torch.uint8)


def _noncontiguous(v: torch.Tensor) -> torch.Tensor:
    return v.transpose(-1, -2).contiguous().transpose(-1, -2) if v.dim() >= 2 else v[::1]


def tensor_bads(v: torch.Tensor, hwc: bool = True) -> list[Bad]:
    """Careless versions of the valid tensor ``v`` (``hwc``: it is an image, so channels-last is a mistake)."""
    bads = [
        Bad("None", const(None)),
        Bad("nested list", lambda t: t.tolist(), "equiv"),
        Bad("numpy array", lambda t: t.numpy(), "equiv"),
        Bad("batch dim added (unsqueeze(0))", lambda t: t.unsqueeze(0), "equiv"),
        Bad("trailing dim of 2 added", lambda t: t.unsqueeze(-1).expand(*t.shape, 2).contiguous()),
        Bad("first index taken (rank - 1)", lambda t: t[0]),
        Bad("0-dim scalar", lambda t: t.flatten()[0].clone()),
        Bad("empty (width 0)", lambda t: t[..., :0]),
        Bad("NaN entry", _nan),
        Bad("Inf entry", _inf),
        Bad("bool dtype", lambda t: t > t.float().mean(), "maybe"),
        Bad("non-contiguous copy", _noncontiguous, "equiv"),
        Bad("float64", lambda t: t.double(), "equiv"),
        Bad("requires_grad", lambda t: t.clone().float().requires_grad_(True) if t.is_floating_point() else t,
            "equiv"),
    ]  # fmt: skip
    bads += [
        Bad(
            "an expanded (stride-0) view",
            lambda t: t.flatten()[:1].expand(t.numel()).reshape(t.shape),
            "maybe",
        ),
        Bad("complex dtype", lambda t: t.to(torch.complex64)),
        Bad("on the meta device", lambda t: t.to("meta")),
    ]
    if v.is_floating_point():
        bads += [
            Bad("float16", lambda t: t.half(), "maybe"),
            Bad("uint8 image 0..255", _as_uint8, "maybe"),
            Bad("int64 image 0..255", lambda t: _as_uint8(t).long(), "equiv", reference=_as_uint8),
        ]
    else:
        bads += [Bad("float copy of an integer tensor", lambda t: t.float(), "equiv")]
    if v.dim() > 1:
        bads.append(Bad("flattened to 1D", lambda t: t.flatten()))
    if hwc and v.dim() >= 3 and v.shape[-3] != v.shape[-1]:
        bads.append(Bad("channels last (HWC / NHWC)", lambda t: t.movedim(-3, -1).contiguous()))
    return bads


def int_bads(lo: int = 1) -> list[Bad]:
    bads = [
        Bad("None", const(None)),
        Bad("True", const(True)),
        Bad("2.5", const(2.5)),
        Bad("float of the valid int", lambda v: float(v), "equiv"),
        Bad("numpy int of the valid int", lambda v: np.int64(v), "equiv"),
        Bad("str of the valid int", lambda v: str(v)),
        Bad("nan", const(float("nan"))),
        Bad(f"{lo - 1} (below {lo})", const(lo - 1)),
        Bad("-1", const(-1)),
    ]
    return [b for b in bads if not (b.label == "-1" and lo - 1 == -1)]


def float_bads(lo: float | None = 0.0, lo_open: bool = False, hi: float | None = None) -> list[Bad]:
    bads = [
        Bad("None", const(None)),
        Bad("nan", const(float("nan"))),
        Bad("inf", const(float("inf"))),
        Bad("str", const("0.1")),
        Bad("True", const(True)),
        Bad("a tensor of the valid value", lambda v: torch.tensor(float(v)), "equiv"),
    ]
    if lo is not None:
        bads.append(Bad(f"below {lo}", const(lo - 1.0)))
        if lo_open:
            bads.append(Bad(f"exactly {lo}", const(float(lo))))
    if hi is not None:
        bads.append(Bad(f"above {hi}", const(hi + 1.0)))
    return bads


def bool_bads() -> list[Bad]:
    return [
        Bad("None", const(None)),
        Bad('"no"', const("no")),
        Bad('"False"', const("False")),
        Bad('"test"', const("test")),
        Bad("0", const(0), "maybe"),
        Bad("1", const(1), "maybe"),
        Bad("2", const(2)),
        Bad("numpy bool of the valid value", lambda v: np.bool_(v), "equiv"),
    ]


def choice_bads() -> list[Bad]:
    return [
        Bad("None", const(None)),
        Bad("upper case", lambda v: v.upper() if v.upper() != v else v + "X"),
        Bad("last letter dropped", lambda v: v[:-1]),
        Bad("trailing space", lambda v: v + " "),
        Bad("empty str", const("")),
        Bad("an int", const(3)),
        Bad("a list holding the valid str", lambda v: [v]),
    ]


def text_bads() -> list[Bad]:
    return [
        Bad("None", const(None)),
        Bad("a list of str", const(["a", "b"])),
        Bad("an int", const(7), "maybe"),
    ]


def str_seq_bads(keys: bool = False) -> list[Bad]:
    """For a sequence of names: ``keys`` when they name existing things (layers), else labels and titles."""
    return [
        Bad("None", const(None)),
        Bad("the names joined into one str", lambda v: "".join(map(str, v))),
        Bad('the str "12"', const("12")),
        Bad("a tuple of the names", lambda v: tuple(v), "equiv"),
        Bad("ints instead of names", lambda v: list(range(len(v)))),
        Bad("an unknown name", lambda v: [*list(v)[:-1], "no-such-name"], "no" if keys else "maybe"),
        Bad("one name short", lambda v: list(v)[:-1], "maybe" if keys else "no"),
        Bad("one name too many", lambda v: [*list(v), "extra"]),
    ]


def int_seq_bads() -> list[Bad]:
    """For a sequence of ints (a shape, a unit index, indices)."""
    return [
        Bad("None", const(None)),
        Bad('the str "12"', const("12")),
        Bad("a list", lambda v: list(v), "equiv"),
        Bad("a numpy array", lambda v: np.asarray(v), "equiv"),
        Bad("one entry short", lambda v: tuple(v)[:-1]),
        Bad("one entry too many", lambda v: (*tuple(v), 1)),
        Bad("negative entries", lambda v: tuple(-1 for _ in v)),
        Bad("huge entries", lambda v: tuple(10**6 for _ in v)),
        Bad("float entries", lambda v: tuple(float(i) + 0.5 for i in v)),
        Bad("a bare int", lambda v: 1),
    ]


def instance_bads(cls: type) -> list[Bad]:
    """For an argument that must be an instance of ``cls`` (a record, a config)."""
    return [
        Bad("None", const(None)),
        Bad(f"the class {cls.__name__}, not an instance", const(cls)),
        Bad("a dict", const({"a": 1})),
        Bad("a str", const(cls.__name__)),
    ]


def figure_bads(kind: str) -> list[Bad]:
    """For an optional ``fig=``/``ax=`` argument (valid: None)."""
    import plotly.graph_objects as go

    bads = [
        Bad("a str", const(kind)),
        Bad("an int", const(3)),
        Bad("a Plotly figure", lambda _v: go.Figure()),
    ]
    if kind == "fig":
        bads.append(Bad("an Axes where a Figure is expected", lambda _v: plt.figure().add_subplot()))
        bads.append(Bad("a fresh Figure", lambda _v: plt.figure(), "maybe"))
    else:
        bads.append(Bad("a Figure where an Axes is expected", lambda _v: plt.figure()))
        bads.append(Bad("a fresh Axes", lambda _v: plt.figure().add_subplot(), "maybe"))
    return bads


def device_bads() -> list[Bad]:
    return [
        Bad('the str "cpu"', const("cpu"), "maybe"),
        Bad('the str "gpu"', const("gpu")),
        Bad("a CUDA device that is absent", const(torch.device("cuda", 7))),
        Bad("an int", const(0)),
        Bad("the meta device", const(torch.device("meta"))),
    ]


def mapping_bads(v: Mapping[str, torch.Tensor]) -> list[Bad]:
    first = next(iter(v))
    t = v[first]
    return [
        Bad("None", const(None)),
        Bad("empty dict", const({})),
        Bad("a list of tensors", lambda m: list(m.values())),
        Bad("a bare tensor", lambda m: t),
        Bad("a numpy value", lambda m: {**m, first: t.numpy()}),
        Bad("a None value", lambda m: {**m, first: None}),
        Bad("a NaN map", lambda m: {**m, first: _nan(t)}),
        Bad("an empty map", lambda m: {**m, first: t[..., :0]}),
        Bad("an int64 map", lambda m: {**m, first: (t * 10).long()}, "equiv",
            reference=lambda m: {**m, first: (t * 10).long().float()}),
        Bad("a 5D map", lambda m: {**m, first: t.unsqueeze(0)}),
        Bad("a non-str key", lambda m: {0: t}, "maybe"),
    ]  # fmt: skip


# --------------------------------------------------------------------------------- state and result


def model_state(obj: Any) -> Any:
    """What a function must leave as it found: each submodule's flag, requires_grad, hooks, and weights."""
    if not isinstance(obj, nn.Module):
        return None
    return {
        "training": [(n, m.training) for n, m in obj.named_modules()],
        "requires_grad": [(n, p.requires_grad) for n, p in obj.named_parameters()],
        "hooks": [
            (n, len(m._forward_hooks), len(m._forward_pre_hooks), len(m._backward_hooks),
             len(getattr(m, "_backward_pre_hooks", {})))
            for n, m in obj.named_modules()
        ],
        "instance forward": [(n, m.__dict__.get("forward")) for n, m in obj.named_modules()],  # trace wraps it
        "state_dict": {k: v.detach().clone() for k, v in obj.state_dict().items()},
    }  # fmt: skip


def global_state() -> tuple:
    return (
        torch.is_grad_enabled(),
        torch.get_default_dtype(),
        socket.getdefaulttimeout(),
        torch.is_inference_mode_enabled(),
    )


def state_changes(before: Any, after: Any, weights_may_change: bool) -> list[str]:
    if before is None:
        return []
    changes = []
    for key in ("training", "requires_grad", "hooks", "instance forward"):
        if before[key] != after[key]:
            diff = [b for b, a in zip(before[key], after[key], strict=False) if a != b]
            changes.append(f"{key} changed ({diff[:3]})")
    if not weights_may_change:
        for name, value in before["state_dict"].items():
            now = after["state_dict"].get(name)
            if now is None or now.shape != value.shape or not torch.equal(now, value):
                changes.append(f"parameter/buffer {name!r} changed")
                break
    return changes


def fingerprint(obj: Any, depth: int = 0) -> Any:
    """The numbers a result shows: tensors, arrays, figure images and lines, Plotly trace data."""
    if depth > 6:
        return type(obj).__name__
    if isinstance(obj, torch.Tensor):
        if obj.device.type == "meta":
            return f"meta tensor {tuple(obj.shape)}"
        t = obj.detach().cpu()
        return t.double() if t.is_floating_point() or t.dtype == torch.bool else t.long()
    if isinstance(obj, np.ndarray):
        return fingerprint(torch.as_tensor(np.ma.filled(obj.astype(float), np.nan)), depth + 1) \
            if obj.dtype.kind in "biuf" else obj.tolist()  # fmt: skip
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, (bool, int, float, str, type(None))):
        return obj
    if isinstance(obj, (list, tuple)):
        return [fingerprint(x, depth + 1) for x in obj]
    if isinstance(obj, Mapping):
        return {str(k): fingerprint(x, depth + 1) for k, x in obj.items()}
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        skip = {"wall_seconds", "images_per_second", "seconds", "history", "device_name", "from_cache"}
        return {f.name: fingerprint(getattr(obj, f.name), depth + 1) for f in dataclasses.fields(obj)
                if f.name not in skip}  # fmt: skip
    if isinstance(obj, FuncAnimation):
        return fingerprint(obj._fig, depth + 1)
    if isinstance(obj, Figure):
        return [
            {
                "images": [fingerprint(np.ma.filled(np.asarray(im.get_array(), dtype=float), np.nan))
                           for im in ax.get_images()],
                "lines": [fingerprint(np.asarray(line.get_xydata(), dtype=float)) for line in ax.get_lines()],
                "title": ax.get_title(),
                "patches": len(ax.patches),
            }
            for ax in obj.axes
        ]  # fmt: skip
    if type(obj).__module__.startswith("plotly"):
        out = []
        for trace in obj.data:
            out.append({k: fingerprint(np.asarray(trace[k], dtype=float)) for k in ("z", "x", "y")
                        if k in trace and trace[k] is not None and _numeric(trace[k])})  # fmt: skip
        return {"data": out, "frames": len(obj.frames)}
    if isinstance(obj, nn.Module):
        return {k: fingerprint(v, depth + 1) for k, v in obj.state_dict().items()}
    return type(obj).__name__


def _numeric(values: Any) -> bool:
    try:
        np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        return False
    return True


def same(a: Any, b: Any) -> bool:
    if isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor):
        return a.shape == b.shape and bool(torch.allclose(a.double(), b.double(), rtol=1e-5, atol=1e-6,
                                                           equal_nan=True))  # fmt: skip
    if isinstance(a, float) and isinstance(b, float):
        return (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=1e-5, abs_tol=1e-6)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return a == b


def non_finite(result: Any, depth: int = 0) -> str:
    """Say where a result holds NaN/Inf (tensors, floats, dataclass fields), or return ''."""
    if depth > 4:
        return ""
    if isinstance(result, torch.Tensor) and result.is_floating_point():
        return "NaN/Inf in a result tensor" if not bool(torch.isfinite(result).all()) else ""
    if isinstance(result, float):
        return "NaN/Inf in a result number" if not math.isfinite(result) else ""
    if isinstance(result, (list, tuple)):
        return next((w for w in (non_finite(x, depth + 1) for x in result) if w), "")
    if dataclasses.is_dataclass(result) and not isinstance(result, type):
        return next((f"{f.name}: {w}" for f in dataclasses.fields(result)
                     if (w := non_finite(getattr(result, f.name), depth + 1))), "")  # fmt: skip
    return ""


def raised_by_statement(error: BaseException) -> bool:
    """Whether the innermost frame raised ``error`` with a ``raise`` statement (read from the bytecode, so
    that a source file edited since import cannot mislead), not as a failing operation (unpacking, a call)."""
    tb = error.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    if tb is None:
        return False
    for instruction in dis.get_instructions(tb.tb_frame.f_code):
        if instruction.offset == tb.tb_lasti:
            return instruction.opname in ("RAISE_VARARGS", "RERAISE")
    return False


def rejection_problem(error: BaseException, param: str, others: tuple[str, ...] = ()) -> str:
    """Return '' when ``error`` is a clear refusal, else what is wrong with it.

    Clear: a ValueError/TypeError from a ``raise`` statement in cnnatlas whose message names ``param`` (or
    another parameter of the call, ``others``) or says what was expected.
    """
    if isinstance(error, CallTimeout):
        return f"timeout: {error}"
    name = f"{type(error).__name__}: {' '.join(str(error).split())[:160]}"
    if not isinstance(error, (ValueError, TypeError)):
        return f"raised {name}"
    frames = traceback.extract_tb(error.__traceback__)
    last = frames[-1] if frames else None
    if last is None or not str(Path(last.filename).resolve()).startswith(PACKAGE_DIR):
        where = Path(last.filename).name if last else "?"
        return (
            f"{name} passed through from {where}, {last.name if last else '?'}() (not cnnatlas's own check)"
        )
    if not raised_by_statement(error):
        return f"{name} raised by Python (no check) in {last.name}() of cnnatlas/{Path(last.filename).name}"
    message = str(error).lower()
    if not any(p.lower() in message for p in (param, *others)) and "expect" not in message:
        return f"{name}: the message names neither {param!r} nor what was expected"
    return ""


@dataclass
class Outcome:
    callable: str
    param: str
    bad: str
    verdict: str
    detail: str = ""


def guarded(fn: Callable[[], Any], limit: float) -> tuple[Any, BaseException | None, float]:
    started = time.perf_counter()
    try:
        with time_limit(limit):
            result = fn()
    except (Exception, CallTimeout) as error:  # noqa: BLE001 - the verdict depends on what was raised
        return None, error, time.perf_counter() - started
    return result, None, time.perf_counter() - started


def deep_copy_args(kwargs: dict) -> dict:
    return {k: v if isinstance(v, (nn.Module, type)) else copy.copy(v) for k, v in kwargs.items()}
