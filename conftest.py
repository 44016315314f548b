"""The namespace every docstring example runs in (``pytest --doctest-modules``), as einops does: the
examples may use ``torch``, ``nn``, ``np`` and ``cnnatlas`` without importing them."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

import cnnatlas  # noqa: E402


@pytest.fixture(autouse=True)
def _doctest_namespace(doctest_namespace: dict) -> None:
    doctest_namespace.update(torch=torch, nn=nn, np=np, cnnatlas=cnnatlas)


@pytest.fixture(autouse=True)
def _close_figures():
    """Every example and test starts without open matplotlib figures, and leaves none behind."""
    yield
    plt.close("all")
