"""Matplotlib figures of a classifier's results: the confusion matrix and sample predictions.

Examples:
    >>> fig = confusion_figure(torch.tensor([[3, 1], [0, 2]]), ["a", "b"])
    >>> fig.axes[0].get_title()
    'confusion matrix: accuracy 0.8333'
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import torch
from matplotlib.figure import Figure

from ..data import ImageDataset
from ..display import image_for_display


def confusion_figure(matrix: torch.Tensor, classes: Sequence[str], fig: Figure | None = None) -> Figure:
    """Draw a confusion matrix with counts, rows normalised to the share of each true class.

    Examples:
        >>> fig = confusion_figure(torch.tensor([[3, 1], [0, 2]]), ["a", "b"])
    """
    shares = matrix.double() / matrix.sum(1, keepdim=True).clamp(min=1)
    size = 0.55 * len(classes) + 2
    fig = fig or plt.figure(figsize=(size, size * 0.9), layout="constrained")
    ax = fig.subplots()
    ax.imshow(shares.numpy(), cmap="Blues", vmin=0, vmax=1)
    for i in range(len(classes)):
        for j in range(len(classes)):
            if matrix[i, j]:
                ax.text(j, i, str(int(matrix[i, j])), ha="center", va="center", fontsize=7,
                        color="white" if shares[i, j] > 0.5 else "black")  # fmt: skip
    ax.set_xticks(range(len(classes)), classes, rotation=60, ha="right", fontsize=8)
    ax.set_yticks(range(len(classes)), classes, fontsize=8)
    ax.set(xlabel="predicted", ylabel="true")
    accuracy = float(matrix.diag().sum()) / max(int(matrix.sum()), 1)
    ax.set_title(f"confusion matrix: accuracy {accuracy:.4f}", fontsize=10)
    return fig


def predictions_figure(
    data: ImageDataset,
    predicted: torch.Tensor,
    indices: Sequence[int],
    ncols: int = 8,
    fig: Figure | None = None,
) -> Figure:
    """Draw the images at ``indices`` with their true and predicted classes (wrong ones in red).

    Examples:
        >>> data = cnnatlas.ImageDataset("toy", "test", torch.zeros(2, 1, 4, 4, dtype=torch.uint8),
        ...                              torch.tensor([0, 1]), ("a", "b"), "made up")
        >>> fig = predictions_figure(data, torch.tensor([0, 0]), range(2), ncols=2)
        >>> [ax.get_title().splitlines()[-1] for ax in fig.axes]
        ['a', '(true: b)']
    """
    indices = list(indices)
    nrows = -(-len(indices) // ncols)
    fig = fig or plt.figure(figsize=(1.5 * ncols, 1.75 * nrows), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False)
    for ax in axes.flat:
        ax.set_axis_off()
    for ax, index in zip(axes.flat, indices, strict=False):
        pixels, cmap = image_for_display(data.images[index])
        ax.imshow(pixels, cmap=cmap)
        truth, guess = int(data.labels[index]), int(predicted[index])
        ax.set_title(f"{data.classes[guess]}\n(true: {data.classes[truth]})" if guess != truth else data.classes[guess],
                     fontsize=7, color="#c44e52" if guess != truth else "black")  # fmt: skip
    return fig
