"""Observations: values measured from trained weights, data or timing, recorded for the seed sweep.

A fact (a shape, an identity, equality with PyTorch) holds on every machine and is asserted. An
observation (an accuracy, which of two networks scores higher, where a gradient gathers) differs from
machine to machine and seed to seed: a page prints it from the measured value and records it with
[`observe()`][cnnatlas.observations.observe]. A recorded observation is asserted only where it has a
bound (``at_least`` or ``at_most``), set beyond every value the sweep (``bench/bench_seeds.py``) saw.

``$CNNATLAS_OBSERVATIONS`` names a file to which each observation is appended as one JSON line (the sweep
reads them); with ``$CNNATLAS_OBSERVE=record`` a value past its bound is recorded and not raised, so that a
sweep run sees every observation of a page.

Examples:
    >>> observe("toy accuracy", 0.93, at_least=0.90)
    0.93
    >>> observe("toy accuracy", 0.85, at_least=0.90)
    Traceback (most recent call last):
    ...
    cnnatlas.observations.ObservationError: toy accuracy: measured 0.85, expected at least 0.9 (a bound set beyond every value the seed sweep saw)
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

from .checks import check_float, check_str

OBSERVATIONS_ENV = "CNNATLAS_OBSERVATIONS"
MODE_ENV = "CNNATLAS_OBSERVE"
_RECORDED: list[Observation] = []


class ObservationError(AssertionError):
    """An observation fell outside the bounds that the seed sweep supports."""


@dataclass(frozen=True)
class Observation:
    """One measured value with its bounds, if any, and the script that measured it.

    Attributes:
        name: What was measured, e.g. ``"LeNet test accuracy"``.
        value: The measured value.
        at_least: Lowest value allowed, or ``None``.
        at_most: Highest value allowed, or ``None``.
        source: File name of the script that measured it (``None`` outside a script).
    """

    name: str
    value: float
    at_least: float | None = None
    at_most: float | None = None
    source: str | None = None

    def __post_init__(self) -> None:
        check_str(self.name, "name")
        object.__setattr__(self, "value", check_float(self.value, "value"))
        for key in ("at_least", "at_most"):
            if getattr(self, key) is not None:
                object.__setattr__(self, key, check_float(getattr(self, key), key))
        if self.at_least is not None and self.at_most is not None and self.at_least > self.at_most:
            raise ValueError(f"at_least ({self.at_least}) must not exceed at_most ({self.at_most})")
        if self.source is not None:
            check_str(self.source, "source")

    @property
    def margin(self) -> float | None:
        """Distance from the value to its nearest bound: positive while it holds, ``None`` without a bound.

        Examples:
            >>> Observation("a", 0.93, at_least=0.9).margin
            0.03...
        """
        gaps = []
        if self.at_least is not None:
            gaps.append(self.value - self.at_least)
        if self.at_most is not None:
            gaps.append(self.at_most - self.value)
        return min(gaps) if gaps else None

    @property
    def holds(self) -> bool:
        """Whether the value is within its bounds (always, without a bound)."""
        margin = self.margin
        return margin is None or margin >= 0


def observe(name: str, value: float, *, at_least: float | None = None, at_most: float | None = None) -> float:
    """Record a measured value and return it; raise ObservationError when it is past a bound.

    Without a bound the value is recorded only: the page prints it and lets it choose its sentence.

    Examples:
        >>> observe("toy gap", -0.02)
        -0.02
    """
    record = Observation(name, value, at_least, at_most, _source(sys._getframe(1).f_globals))
    value = record.value
    _RECORDED.append(record)
    target = os.environ.get(OBSERVATIONS_ENV, "").strip()
    if target:
        with Path(target).open("a", encoding="utf-8") as log:
            log.write(json.dumps(asdict(record)) + "\n")
    if not record.holds and os.environ.get(MODE_ENV, "").strip().lower() != "record":
        expected = (
            f"at least {record.at_least:g}"
            if record.at_least is not None and value < record.at_least
            else f"at most {record.at_most:g}"
        )
        raise ObservationError(
            f"{name}: measured {value:g}, expected {expected} (a bound set beyond every value the seed sweep saw)"
        )
    return value


def _source(caller_globals: dict) -> str | None:
    """The calling script's file name: its ``__file__``, else ``sys.argv[0]`` (mkdocs-gallery sets that,
    not ``__file__``, while it runs an example); ``None`` outside a script."""
    path = caller_globals.get("__file__") or (
        sys.argv[0] if sys.argv and sys.argv[0].endswith(".py") else None
    )
    return Path(path).name if path else None


def recorded() -> list[Observation]:
    """Return the observations recorded in this process so far, oldest first.

    Examples:
        >>> observe("toy", 1.0); recorded()[-1].name
        1.0
        'toy'
    """
    return list(_RECORDED)
