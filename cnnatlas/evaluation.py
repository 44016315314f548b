"""What a trained classifier gets right and wrong, in numbers: confusion matrix and per-class accuracy.

The figures are in [`cnnatlas.figures.evaluation`][cnnatlas.figures.evaluation].

Examples:
    >>> confusion_matrix(torch.tensor([0, 1, 1]), torch.tensor([0, 1, 0]), 2).tolist()
    [[1, 0], [1, 1]]
"""

from __future__ import annotations

import torch

from .checks import check_positive_int, check_tensor

_INTEGER_DTYPES = (torch.uint8, torch.int8, torch.int16, torch.int32, torch.int64)
MAX_CLASSES = 4096
"""The most classes a confusion matrix may have (4096**2 counts, 128 MiB): more is refused, not computed."""


def confusion_matrix(labels: torch.Tensor, predicted: torch.Tensor, classes: int) -> torch.Tensor:
    """Return a (classes, classes) int64 matrix: row = true class, column = predicted class.

    ``labels`` and ``predicted`` are 1D integer tensors of one length (class indices in [0, classes));
    ``classes`` an int from 1 to [`MAX_CLASSES`][cnnatlas.evaluation.MAX_CLASSES].

    Examples:
        >>> int(confusion_matrix(torch.tensor([2, 2]), torch.tensor([2, 0]), 3)[2, 0])
        1
    """
    check_tensor(labels, "labels", rank=1, dtypes=_INTEGER_DTYPES, non_empty=False)
    check_tensor(predicted, "predicted", rank=1, dtypes=_INTEGER_DTYPES, non_empty=False)
    check_positive_int(classes, "classes", maximum=MAX_CLASSES, limit_name="MAX_CLASSES")
    if labels.shape != predicted.shape or labels.dim() != 1:
        raise ValueError(
            f"labels and predicted: expected two 1D tensors of one length, got {tuple(labels.shape)} and {tuple(predicted.shape)}"
        )
    for name, t in (("labels", labels), ("predicted", predicted)):
        if t.numel() and (int(t.min()) < 0 or int(t.max()) >= classes):
            raise ValueError(
                f"{name}: expected class indices in [0, {classes}), got values from {int(t.min())} to {int(t.max())}"
            )
    flat = labels.long() * classes + predicted.long()
    return torch.bincount(flat, minlength=classes * classes).view(classes, classes)


def per_class_accuracy(matrix: torch.Tensor) -> torch.Tensor:
    """Return the accuracy of each true class (the diagonal over the row sums) from a confusion matrix.

    ``matrix`` is a square 2D tensor of counts (>= 0), as [`confusion_matrix()`][cnnatlas.evaluation.confusion_matrix] returns; a class with
    no image gets accuracy 0.

    Examples:
        >>> per_class_accuracy(torch.tensor([[3, 1], [0, 2]])).tolist()
        [0.75, 1.0]
    """
    check_tensor(matrix, "matrix", rank=2)
    if matrix.shape[0] != matrix.shape[1]:
        raise ValueError(
            f"matrix: expected a square (classes, classes) tensor, got shape {tuple(matrix.shape)}"
        )
    if matrix.dtype == torch.bool:
        raise TypeError("matrix: expected counts (an integer or float tensor), got dtype torch.bool")
    if bool((matrix < 0).any()):
        raise ValueError(
            f"matrix: expected counts >= 0 (a confusion matrix), got a minimum of {matrix.min()}"
        )
    totals = matrix.sum(1).clamp(min=1)
    return matrix.diag().double() / totals
