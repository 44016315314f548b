"""cnnatlas: see how tensors flow through convolutional networks.

Example:
    >>> import cnnatlas
    >>> cnnatlas.LeNet()(torch.zeros(1, 1, 28, 28)).shape
    torch.Size([1, 10])
"""

from __future__ import annotations

__version__ = "0.1.0"

from . import recipes  # noqa: E402
from .cache import CacheWarning  # noqa: E402
from .data import (  # noqa: E402
    DataUnavailableError,
    ImageDataset,
    Normalization,
    load_cifar10,
    load_fashion_mnist,
    load_photo,
)
from .features import capture, layer_outputs, plot_feature_maps  # noqa: E402
from .history import plot_history  # noqa: E402
from .models import Cifar10Net, LeNet, ResidualBlock, SimpleCNN, SimpleUpDownNet, init_xavier_  # noqa: E402
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
from .widgets import layer_explorer  # noqa: E402

__all__ = [
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
