"""What a trained classifier gets right and wrong, in numbers: confusion matrix and per-class accuracy.

The figures are in :mod:`cnnatlas.figures.evaluation`.

Examples:
    >>> confusion_matrix(torch.tensor([0, 1, 1]), torch.tensor([0, 1, 0]), 2).tolist()
    [[1, 0], [1, 1]]
"""

from __future__ import annotations

import torch


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
