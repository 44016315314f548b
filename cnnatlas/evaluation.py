"""What a trained classifier gets right and wrong: confusion matrix, per-class accuracy, sample predictions.

Examples:
    >>> confusion_matrix(torch.tensor([0, 1, 1]), torch.tensor([0, 1, 0]), 2).tolist()
    [[1, 0], [1, 1]]
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import torch
from matplotlib.figure import Figure

from .data import ImageDataset


def confusion_matrix(labels: torch.Tensor, predicted: torch.Tensor, classes: int) -> torch.Tensor:
    """Return a (classes, classes) int64 matrix: row = true class, column = predicted class.

    Examples:
        >>> int(confusion_matrix(torch.tensor([2, 2]), torch.tensor([2, 0]), 3)[2, 0])
        1
    """
    if labels.shape != predicted.shape or labels.dim() != 1:
        raise ValueError(
            f"labels and predicted: expected two 1D tensors of one length, got {tuple(labels.shape)} and {tuple(predicted.shape)}"
        )
    for name, t in (("labels", labels), ("predicted", predicted)):
        if t.numel() and (int(t.min()) < 0 or int(t.max()) >= classes):
            raise ValueError(
                f"{name}: expected class indices in [0, {classes}), got values from {int(t.min())} to {int(t.max())}"
            )
    return torch.bincount(labels.long() * classes + predicted.long(), minlength=classes * classes).view(
        classes, classes
    )


def per_class_accuracy(matrix: torch.Tensor) -> torch.Tensor:
    """Return the accuracy of each true class (the diagonal over the row sums) from a confusion matrix.

    Examples:
        >>> per_class_accuracy(torch.tensor([[3, 1], [0, 2]])).tolist()
        [0.75, 1.0]
    """
    totals = matrix.sum(1).clamp(min=1)
    return matrix.diag().double() / totals


def plot_confusion(matrix: torch.Tensor, classes: Sequence[str], fig: Figure | None = None) -> Figure:
    """Draw a confusion matrix with counts, rows normalised to the share of each true class.

    Examples:
        >>> fig = plot_confusion(torch.tensor([[3, 1], [0, 2]]), ["a", "b"])
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


def plot_predictions(
    data: ImageDataset,
    predicted: torch.Tensor,
    indices: Sequence[int],
    ncols: int = 8,
    fig: Figure | None = None,
) -> Figure:
    """Draw the images at ``indices`` with their true and predicted classes (wrong ones in red).

    Examples:
        >>> fig = plot_predictions(test, predicted, range(16))  # doctest: +SKIP
    """
    indices = list(indices)
    nrows = -(-len(indices) // ncols)
    fig = fig or plt.figure(figsize=(1.5 * ncols, 1.75 * nrows), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False)
    for ax in axes.flat:
        ax.set_axis_off()
    for ax, index in zip(axes.flat, indices, strict=False):
        image = data.images[index]
        ax.imshow(
            image.permute(1, 2, 0).numpy() if image.shape[0] == 3 else image[0].numpy(),
            cmap=None if image.shape[0] == 3 else "gray",
        )
        truth, guess = int(data.labels[index]), int(predicted[index])
        ax.set_title(f"{data.classes[guess]}\n(true: {data.classes[truth]})" if guess != truth else data.classes[guess],
                     fontsize=7, color="#c44e52" if guess != truth else "black")  # fmt: skip
    return fig
