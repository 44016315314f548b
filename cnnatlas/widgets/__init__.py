"""Every Plotly widget of cnnatlas: ``*_explorer`` (sliders over samples, layers, channels),
``*_animation`` (play button and slider over steps) and ``*_diagram`` (a model's tensor flow).

Examples:
    >>> from cnnatlas.widgets import batch_explorer
    >>> len(batch_explorer(torch.rand(2, 1, 4, 4)).data)
    2
"""

from __future__ import annotations

from .animations import conv_animation, scatter_animation, window_comparison_animation
from .explorers import batch_explorer, channel_explorer, layer_explorer, mosaic
from .flow import tensor_flow_diagram
from .live import LiveAtlas, live_atlas

__all__ = [
    "LiveAtlas",
    "batch_explorer",
    "channel_explorer",
    "conv_animation",
    "layer_explorer",
    "live_atlas",
    "mosaic",
    "scatter_animation",
    "tensor_flow_diagram",
    "window_comparison_animation",
]
