"""Matplotlib figures of training: loss and accuracy curves from a [`TrainResult`][cnnatlas.train.TrainResult].

Examples:
    >>> from cnnatlas.train import EpochStats, TrainResult
    >>> result = TrainResult("net", "toy", "cpu", "CPU", "2", "0.1.0", "full", 2, 10, 1.0, 20.0, 0.5, 0.7,
    ...                      (0.0,), (1.0,), [EpochStats(1, 1.0, 0.4, 0.9, 0.45, 0.5), EpochStats(2, 0.8, 0.5, 0.7, 0.5, 0.5)])
    >>> history_figure(result).axes[0].get_title()
    'loss'
"""

from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from ..checks import check_instance
from ..style import TITLE_SIZE, WIDTH
from ..train import TrainResult


def history_figure(result: TrainResult, fig: Figure | None = None) -> Figure:
    """Return a two-panel figure: loss and accuracy per epoch, train vs held out.

    The held-out curve is labelled "validation" when the epochs were measured on a validation split
    (a recipe with ``validation_images``), "test" otherwise.

    Examples:
        >>> from cnnatlas.train import EpochStats, TrainResult
        >>> result = TrainResult("net", "toy", "cpu", "CPU", "2", "0.1.0", "full", 1, 10, 1.0, 20.0, 0.5, 0.7,
        ...                      (0.0,), (1.0,), [EpochStats(1, 1.0, 0.4, 0.9, 0.45, 0.5)])
        >>> len(history_figure(result).axes)
        2
    """
    if not isinstance(result, TrainResult):
        raise TypeError(f"result: expected a TrainResult, got {type(result).__name__}")
    if not result.history:
        raise ValueError("result: has no per-epoch history to plot")
    check_instance(fig, "fig", Figure, optional=True)
    epochs = [h.epoch for h in result.history]
    held_out = result.history[0].measured_on  # "validation" or "test": TrainResult keeps every row alike
    fig = fig or plt.figure(figsize=(WIDTH, 3.2), layout="constrained")
    loss_ax, acc_ax = fig.subplots(1, 2)
    loss_ax.plot(epochs, [h.train_loss for h in result.history], "o-", label="train")
    loss_ax.plot(epochs, [h.held_out_loss for h in result.history], "s-", label=held_out)
    loss_ax.set(title="loss", xlabel="epoch")
    acc_ax.plot(epochs, [h.train_accuracy for h in result.history], "o-", label="train")
    acc_ax.plot(epochs, [h.held_out_accuracy for h in result.history], "s-", label=held_out)
    acc_ax.set(title="accuracy", xlabel="epoch")
    for ax in (loss_ax, acc_ax):
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # epochs are whole
        ax.grid(alpha=0.3)
        ax.legend()
    fig.suptitle(f"{result.model_name} on {result.data_name} ({result.device_name})", fontsize=TITLE_SIZE)
    return fig
