"""Every matplotlib figure of cnnatlas, one module per topic; each ``*_figure`` function returns a Figure.

Examples:
    >>> from cnnatlas.figures import feature_maps_figure
    >>> len(feature_maps_figure(torch.rand(2, 4, 4)).axes)
    2
"""

from __future__ import annotations

from .evaluation import confusion_figure, predictions_figure
from .features import feature_maps_figure
from .kernels import kernels_figure, rgb_kernels_figure
from .receptive import receptive_field_figure
from .tensors import batch_figure, channels_figure, memory_order_figure
from .training import history_figure
from .windows import conv_funcanimation

__all__ = [
    "batch_figure",
    "channels_figure",
    "confusion_figure",
    "conv_funcanimation",
    "feature_maps_figure",
    "history_figure",
    "kernels_figure",
    "memory_order_figure",
    "predictions_figure",
    "receptive_field_figure",
    "rgb_kernels_figure",
]
