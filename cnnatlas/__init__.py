"""cnnatlas: see how tensors flow through convolutional networks.

Examples:
    >>> cnnatlas.LeNet()(torch.zeros(1, 1, 28, 28)).shape
    torch.Size([1, 10])
"""

from __future__ import annotations

__version__ = "0.1.0"

from . import recipes, style  # noqa: E402
from .arith import conv_output_size, conv_transpose_output_size, output_shape, pool_output_size  # noqa: E402
from .cache import CacheWarning  # noqa: E402
from .data import (  # noqa: E402
    DataUnavailableError,
    ImageDataset,
    Normalization,
    load_cifar10,
    load_fashion_mnist,
    load_photo,
)
from .display import to_hwc  # noqa: E402
from .evaluation import confusion_matrix, per_class_accuracy  # noqa: E402
from .export import ExportedNetwork, export_network, image_sprite, page_files_dir  # noqa: E402
from .figures import (  # noqa: E402
    batch_figure,
    channels_figure,
    confusion_figure,
    conv_funcanimation,
    feature_maps_figure,
    history_figure,
    kernels_figure,
    memory_order_figure,
    predictions_figure,
    receptive_field_figure,
    rgb_kernels_figure,
)
from .forward import capture, layer_outputs, run_model  # noqa: E402
from .kernels import kernels_as_rgb  # noqa: E402
from .models import (  # noqa: E402
    Cifar10Net,
    DepthNet,
    LeNet,
    ResidualBlock,
    SimpleCNN,
    SimpleUpDownNet,
    VGGStyleNet,
    init_xavier_,
)
from .observations import Observation, ObservationError, observe  # noqa: E402
from .pretrained import LoadedModel, load_imagenet_model  # noqa: E402
from .receptive import ReceptiveField, gradient_field, receptive_fields  # noqa: E402
from .tensors import LayoutInfo, channel_shuffle, layout_info, memory_order  # noqa: E402
from .trace import LayerRecord, Trace, trace  # noqa: E402
from .train import (  # noqa: E402
    TrainConfig,
    TrainResult,
    best_device,
    build_profile,
    build_seed,
    device_name,
    evaluate,
    fit,
    seed_everything,
    train_or_load,
    training_threads,
)
from .widgets import (  # noqa: E402
    batch_explorer,
    channel_explorer,
    conv_animation,
    layer_explorer,
    live_atlas,
    scatter_animation,
    tensor_flow_diagram,
    window_comparison_animation,
)
from .windows import WindowSteps, conv_steps, pool_steps, scatter_steps, transposed_steps  # noqa: E402

__all__ = [
    # computing
    "CacheWarning",
    "Cifar10Net",
    "DataUnavailableError",
    "DepthNet",
    "ExportedNetwork",
    "ImageDataset",
    "LayerRecord",
    "LayoutInfo",
    "LeNet",
    "LoadedModel",
    "Normalization",
    "ReceptiveField",
    "Observation",
    "ObservationError",
    "ResidualBlock",
    "SimpleCNN",
    "SimpleUpDownNet",
    "Trace",
    "TrainConfig",
    "TrainResult",
    "VGGStyleNet",
    "WindowSteps",
    "__version__",
    "best_device",
    "build_profile",
    "build_seed",
    "capture",
    "channel_shuffle",
    "confusion_matrix",
    "conv_output_size",
    "conv_steps",
    "conv_transpose_output_size",
    "device_name",
    "evaluate",
    "export_network",
    "fit",
    "gradient_field",
    "image_sprite",
    "init_xavier_",
    "kernels_as_rgb",
    "layer_outputs",
    "layout_info",
    "load_cifar10",
    "load_fashion_mnist",
    "load_imagenet_model",
    "load_photo",
    "memory_order",
    "output_shape",
    "page_files_dir",
    "observe",
    "per_class_accuracy",
    "pool_output_size",
    "pool_steps",
    "receptive_fields",
    "recipes",
    "run_model",
    "scatter_steps",
    "seed_everything",
    "style",
    "to_hwc",
    "trace",
    "train_or_load",
    "training_threads",
    "transposed_steps",
    # matplotlib figures (cnnatlas.figures)
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
    # Plotly widgets (cnnatlas.widgets)
    "batch_explorer",
    "channel_explorer",
    "conv_animation",
    "layer_explorer",
    "live_atlas",
    "scatter_animation",
    "tensor_flow_diagram",
    "window_comparison_animation",
]
