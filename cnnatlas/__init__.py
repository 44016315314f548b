"""cnnatlas: see how tensors flow through convolutional networks.

Examples:
    >>> import cnnatlas
    >>> cnnatlas.LeNet()(torch.zeros(1, 1, 28, 28)).shape
    torch.Size([1, 10])
"""

from __future__ import annotations

__version__ = "0.1.0"

from . import recipes  # noqa: E402
from .animate import (  # noqa: E402
    Arithmetic,
    compare_windows,
    conv_animation,
    conv_animation_mpl,
    conv_steps,
    pool_steps,
    scatter_animation,
    scatter_steps,
    transposed_steps,
)
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
from .evaluation import confusion_matrix, per_class_accuracy, plot_confusion, plot_predictions  # noqa: E402
from .features import capture, layer_outputs, plot_feature_maps, run_model  # noqa: E402
from .flow import plot_tensor_flow  # noqa: E402
from .history import plot_history  # noqa: E402
from .kernels import kernels_as_rgb, plot_kernels, plot_rgb_kernels  # noqa: E402
from .models import (  # noqa: E402
    Cifar10Net,
    LeNet,
    ResidualBlock,
    SimpleCNN,
    SimpleUpDownNet,
    VGGStyleNet,  # noqa: E402
    init_xavier_,
)
from .overlay import plot_receptive_field  # noqa: E402
from .pretrained import LoadedModel, load_imagenet_model  # noqa: E402
from .receptive import ReceptiveField, gradient_field, receptive_fields  # noqa: E402
from .tensors import (  # noqa: E402
    LayoutInfo,
    batch_explorer,
    channel_shuffle,
    layout_info,
    memory_order,
    plot_batch,
    plot_channels,
    plot_memory_order,
    to_hwc,
)
from .trace import LayerRecord, Trace, trace  # noqa: E402
from .train import (  # noqa: E402
    TrainConfig,
    TrainResult,
    best_device,
    build_profile,
    device_name,
    evaluate,
    fit,
    seed_everything,
    train_or_load,
)
from .widgets import channel_explorer, layer_explorer  # noqa: E402

__all__ = [
    "LoadedModel",
    "channel_explorer",
    "VGGStyleNet",
    "confusion_matrix",
    "load_imagenet_model",
    "per_class_accuracy",
    "plot_confusion",
    "plot_predictions",
    "Arithmetic",
    "LayerRecord",
    "LayoutInfo",
    "ReceptiveField",
    "Trace",
    "batch_explorer",
    "channel_shuffle",
    "compare_windows",
    "conv_animation",
    "scatter_animation",
    "conv_animation_mpl",
    "conv_output_size",
    "conv_steps",
    "conv_transpose_output_size",
    "gradient_field",
    "kernels_as_rgb",
    "layout_info",
    "memory_order",
    "output_shape",
    "plot_batch",
    "plot_channels",
    "plot_kernels",
    "plot_memory_order",
    "plot_receptive_field",
    "plot_rgb_kernels",
    "plot_tensor_flow",
    "pool_output_size",
    "pool_steps",
    "receptive_fields",
    "run_model",
    "scatter_steps",
    "to_hwc",
    "trace",
    "transposed_steps",
    "CacheWarning",
    "Cifar10Net",
    "DataUnavailableError",
    "ImageDataset",
    "LeNet",
    "Normalization",
    "ResidualBlock",
    "SimpleCNN",
    "SimpleUpDownNet",
    "TrainConfig",
    "TrainResult",
    "__version__",
    "best_device",
    "build_profile",
    "capture",
    "device_name",
    "evaluate",
    "fit",
    "init_xavier_",
    "layer_explorer",
    "layer_outputs",
    "load_cifar10",
    "load_fashion_mnist",
    "load_photo",
    "plot_feature_maps",
    "plot_history",
    "recipes",
    "seed_everything",
    "train_or_load",
]
