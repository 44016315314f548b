"""Shared asserts for tests of bad input: a clear error of the expected type, and refused quickly."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

OVERSIZE_SECONDS = 3.0  # an oversize request must be refused before any heavy work


def assert_refused(call: Callable[[], Any], error: type[Exception], match: str) -> None:
    """Assert that ``call()`` raises ``error`` with a message matching ``match``."""
    with pytest.raises(error, match=match):
        call()


def assert_refused_quickly(function: Callable[..., Any], args: tuple, kwargs: dict, limit: str) -> None:
    """Assert that ``function`` refuses the request with a ValueError naming ``limit`` within OVERSIZE_SECONDS."""
    start = time.perf_counter()
    with pytest.raises(ValueError, match=limit):
        function(*args, **kwargs)
    assert time.perf_counter() - start < OVERSIZE_SECONDS
