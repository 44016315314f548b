"""Matplotlib figures of a classifier's results: the confusion matrix and sample predictions.

Examples:
    >>> fig = confusion_figure(torch.tensor([[3, 1], [0, 2]]), ["a", "b"])
    >>> fig.axes[0].get_title()
    'confusion matrix: accuracy 0.8333'
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Sequence

import matplotlib.pyplot as plt
import torch
from matplotlib.figure import Figure

from ..checks import (
    IMAGE_CHANNELS,
    check_at_most,
    check_drawable,
    check_instance,
    check_names,
    check_positive_int,
    check_tensor,
    describe,
)
from ..data import ImageDataset
from ..display import image_for_display
from ..style import NARROW, SEQUENTIAL, WIDTH, WRONG, text_colour_on
from .features import MAX_NCOLS, MAX_PANELS

MAX_COUNTED_CLASSES = 12
"""Most classes whose counts [`confusion_figure()`][cnnatlas.figures.evaluation.confusion_figure] writes in the cells; more are drawn as colour only (the numbers would not be readable)."""
MAX_CLASSES = 32
"""Most classes [`confusion_figure()`][cnnatlas.figures.evaluation.confusion_figure] draws: 32 x 32 counts take seconds; 100 x 100, most of a minute."""
_COUNT_DTYPES = (torch.uint8, torch.int8, torch.int16, torch.int32, torch.int64)


def confusion_figure(matrix: torch.Tensor, classes: Sequence[str], fig: Figure | None = None) -> Figure:
    """Draw a confusion matrix with counts, rows normalised to the share of each true class.

    ``matrix`` holds integer counts (true class x predicted class) for at most [`MAX_CLASSES`][cnnatlas.figures.evaluation.MAX_CLASSES] classes,
    ``classes`` one name per row. The share of each true class is coloured on the sequential map; the
    counts are written in the cells for up to [`MAX_COUNTED_CLASSES`][cnnatlas.figures.evaluation.MAX_COUNTED_CLASSES] classes.

    Examples:
        >>> fig = confusion_figure(torch.tensor([[3, 1], [0, 2]]), ["a", "b"])
    """
    check_tensor(matrix, "matrix", rank=2, layout="(true class, predicted class)", dtypes=_COUNT_DTYPES,
                 value_range=(0, math.inf))  # fmt: skip
    if matrix.shape[0] != matrix.shape[1]:
        raise ValueError(
            f"matrix: expected a square (classes, classes) matrix, got shape {tuple(matrix.shape)}"
        )
    check_at_most(matrix.shape[0], "matrix", MAX_CLASSES, "classes", limit_name="MAX_CLASSES")
    names = check_names(classes, "classes")
    if len(names) != matrix.shape[0]:
        raise ValueError(
            f"classes: expected one name per row of the matrix ({matrix.shape[0]}), got {len(names)}"
        )
    check_instance(fig, "fig", Figure, optional=True)
    shares = matrix.double() / matrix.sum(1, keepdim=True).clamp(min=1)
    count = len(classes)
    size = WIDTH if count > 4 else NARROW
    fig = fig or plt.figure(figsize=(size, size * 0.95), layout="constrained")
    ax = fig.subplots()
    cmap = plt.get_cmap(SEQUENTIAL)
    image = ax.imshow(shares.numpy(), cmap=cmap, vmin=0, vmax=1)
    if count <= MAX_COUNTED_CLASSES:
        for i in range(count):
            for j in range(count):
                if matrix[i, j]:
                    ax.text(j, i, str(int(matrix[i, j])), ha="center", va="center",
                            color=text_colour_on(cmap(float(shares[i, j]))))  # fmt: skip
    ax.set_xticks(range(count), classes, rotation=60, ha="right", rotation_mode="anchor")
    ax.set_yticks(range(count), classes)
    ax.set(xlabel="predicted", ylabel="true")
    fig.colorbar(image, ax=ax, shrink=0.8, label="share of the true class")
    accuracy = float(matrix.diag().sum()) / max(int(matrix.sum()), 1)
    ax.set_title(f"confusion matrix: accuracy {accuracy:.4f}")
    return fig


def _check_indices(indices: object, count: int) -> list[int]:
    """Return ``indices`` as a list of ints in [0, count), at most MAX_PANELS of them, else raise saying why."""
    if isinstance(indices, (str, bytes, torch.Tensor)) or not isinstance(indices, Iterable):
        raise TypeError(f"indices: expected a sequence of ints (e.g. range(8)), got {describe(indices)}")
    found = list(indices)
    if not found:
        raise ValueError("indices: expected at least one image index, got none")
    check_at_most(len(found), "indices", MAX_PANELS, "images to draw", limit_name="MAX_PANELS")
    for index in found:
        if isinstance(index, bool) or not isinstance(index, numbers.Integral):
            raise TypeError(f"indices: expected ints, got an entry {describe(index)}")
        if not 0 <= index < count:
            raise ValueError(f"indices: expected indices from 0 to {count - 1}, got {index}")
    return [int(i) for i in found]


def predictions_figure(
    data: ImageDataset,
    predicted: torch.Tensor,
    indices: Sequence[int],
    ncols: int = 4,
    fig: Figure | None = None,
) -> Figure:
    """Draw the images at ``indices`` with their predicted class, and the true one under a wrong guess (in red).

    ``predicted`` holds one class index per image of ``data``; ``indices`` are ints from 0 to len(data) - 1
    (at most ``MAX_PANELS`` of them).

    Examples:
        >>> data = cnnatlas.ImageDataset("toy", "test", torch.zeros(2, 1, 4, 4, dtype=torch.uint8),
        ...                              torch.tensor([0, 1]), ("a", "b"), "made up")
        >>> fig = predictions_figure(data, torch.tensor([0, 0]), range(2), ncols=2)
        >>> [ax.get_title().splitlines()[-1] for ax in fig.axes]
        ['a', 'true: b']
    """
    check_instance(data, "data", ImageDataset)
    images = check_drawable(data.images, "data.images", rank=4, layout="(N, C, H, W)")
    check_tensor(images, "data.images", layout="(N, C, H, W)", channels=IMAGE_CHANNELS)
    check_tensor(predicted, "predicted", rank=1, layout="(N,)", dtypes=_COUNT_DTYPES,
                 value_range=(0, len(data.classes) - 1))  # fmt: skip
    check_tensor(data.labels, "data.labels", rank=1, layout="(N,)", dtypes=_COUNT_DTYPES,
                 value_range=(0, len(data.classes) - 1))  # fmt: skip
    if len(data.labels) != len(images) or len(predicted) != len(images):
        raise ValueError(
            f"predicted: expected one class per image and label of data ({len(images)} images, "
            f"{len(data.labels)} labels), got {len(predicted)}"
        )
    indices = _check_indices(indices, len(images))
    ncols = check_positive_int(ncols, "ncols", maximum=MAX_NCOLS, limit_name="MAX_NCOLS")
    check_instance(fig, "fig", Figure, optional=True)
    nrows = -(-len(indices) // ncols)
    panel = WIDTH / ncols
    fig = fig or plt.figure(figsize=(WIDTH, nrows * (panel + 0.5)), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False)
    for ax in axes.flat:
        ax.set_axis_off()
    for ax, index in zip(axes.flat, indices, strict=False):
        pixels, cmap = image_for_display(data.images[index])
        ax.imshow(pixels, cmap=cmap)
        truth, guess = int(data.labels[index]), int(predicted[index])
        ax.set_title(f"{data.classes[guess]}\ntrue: {data.classes[truth]}" if guess != truth else data.classes[guess],
                     color=WRONG if guess != truth else "black")  # fmt: skip
    return fig
