from __future__ import annotations

import pytest
import torch

import cnnatlas
from cnnatlas.evaluation import confusion_matrix, per_class_accuracy
from cnnatlas.figures.evaluation import confusion_figure, predictions_figure


def test_confusion_matrix_counts_rows_as_truth() -> None:
    labels = torch.tensor([0, 0, 1, 2, 2, 2])
    predicted = torch.tensor([0, 1, 1, 2, 0, 2])
    matrix = confusion_matrix(labels, predicted, 3)
    assert matrix.tolist() == [[1, 1, 0], [0, 1, 0], [1, 0, 2]]
    assert per_class_accuracy(matrix).tolist() == pytest.approx([0.5, 1.0, 2 / 3])
    assert "accuracy 0.6667" in confusion_figure(matrix, ["a", "b", "c"]).axes[0].get_title()


def test_bad_labels_are_explained() -> None:
    with pytest.raises(ValueError, match=r"class indices in \[0, 3\)"):
        confusion_matrix(torch.tensor([0, 3]), torch.tensor([0, 1]), 3)
    with pytest.raises(ValueError, match="1D tensors of one length"):
        confusion_matrix(torch.tensor([0, 1]), torch.tensor([0]), 3)


def test_prediction_grid_marks_mistakes() -> None:
    data = cnnatlas.ImageDataset("d", "test", torch.zeros(4, 1, 4, 4, dtype=torch.uint8), torch.tensor([0, 1, 0, 1]),
                                 ("zero", "one"), "made in the test")  # fmt: skip
    fig = predictions_figure(data, torch.tensor([0, 0, 0, 1]), range(4), ncols=4)
    titles = [ax.get_title() for ax in fig.axes]
    assert titles[1] == "zero\ntrue: one" and titles[0] == "zero"


@pytest.mark.parametrize(
    ("labels", "predicted", "classes", "error", "match"),
    [([0, 1], torch.tensor([0, 1]), 2, TypeError, "labels: expected a torch.Tensor"),
     (torch.tensor([0.0, 1.0]), torch.tensor([0, 1]), 2, TypeError, "labels: expected dtype"),
     (torch.tensor([0, 1]), torch.tensor([[0, 1]]), 2, ValueError, "predicted: expected a 1D"),
     (torch.tensor([0, 1]), torch.tensor([0, 1]), 0, ValueError, "classes: expected an int"),
     (torch.tensor([0, 1]), torch.tensor([0, 1]), 2.0, TypeError, "classes: expected an int"),
     (torch.tensor([0, 1]), torch.tensor([0, 1]), 10**6, ValueError, "MAX_CLASSES")],
)  # fmt: skip
def test_confusion_matrix_checks_its_arguments(labels, predicted, classes, error, match) -> None:
    with pytest.raises(error, match=match):
        confusion_matrix(labels, predicted, classes)


@pytest.mark.parametrize(
    ("matrix", "error", "match"),
    [(torch.tensor([1, 2]), ValueError, "expected a 2D"), (torch.ones(2, 3), ValueError, "square"),
     (torch.tensor([[1, -1], [0, 1]]), ValueError, "counts >= 0"), (torch.eye(2).bool(), TypeError, "bool"),
     ([[1, 0], [0, 1]], TypeError, "torch.Tensor")],
)  # fmt: skip
def test_per_class_accuracy_checks_its_matrix(matrix, error, match) -> None:
    with pytest.raises(error, match=match):
        per_class_accuracy(matrix)
