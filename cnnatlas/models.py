"""The reference articles' models, layer for layer, as named classes.

Each class keeps exactly the layers of its article, so that a page can quote the article and run it.

Examples:
    >>> LeNet()(torch.zeros(1, 1, 28, 28)).shape
    torch.Size([1, 10])
"""

from __future__ import annotations

from collections import OrderedDict

import torch
import torch.fx
import torch.nn.functional as F
from torch import nn

from .checks import check_bool, check_int, check_model, check_positive_int, check_tensor, describe

MAX_CHANNELS = 4096
"""Widest layer a model here is built with: a wider one would take gigabytes before it ran once."""
MAX_CLASSES = 100_000
"""Most classes a classifier head here is built with."""
MAX_STAGES = 64
"""Most entries (convolutions and poolings) of a [`VGGStyleNet`][cnnatlas.models.VGGStyleNet]'s ``widths``."""


class _LayerIndexError(IndexError, ValueError):
    """An index outside the layers: an IndexError for Python's protocols, a ValueError for the library's."""


def _check_input(
    model: nn.Module, x: object, channels: int, *, size: tuple[int, int] | None = None, minimum: int = 1
) -> None:
    """Refuse an input the model cannot take, saying what it expects (skipped while torch.fx traces the model)."""
    if isinstance(x, torch.fx.Proxy):
        return
    name = type(model).__name__
    hw = f"{size[0]}, {size[1]}" if size else "H, W"
    check_tensor(x, "x", rank=4, layout=f"(N, {channels}, {hw}) for {name}", floating=True, finite=False)
    assert isinstance(x, torch.Tensor)
    shape = tuple(x.shape)
    if shape[1] != channels:
        hint = "; this looks like NHWC: try x.permute(0, 3, 1, 2)" if shape[3] == channels else ""
        raise ValueError(f"x: expected {channels} input channels for {name}, got shape {shape}{hint}")
    if size is not None and shape[2:] != size:
        raise ValueError(f"x: expected {size[0]}x{size[1]} images for {name}, got shape {shape}")
    if min(shape[2:]) < minimum:
        raise ValueError(f"x: expected images of at least {minimum}x{minimum} for {name}, got shape {shape}")
    weight = next(model.parameters(), None)
    if weight is not None and x.device != weight.device:
        raise ValueError(
            f"x: expected a tensor on {weight.device}, where {name} is, got one on {x.device}; use x.to(...)"
        )
    autocast = any(torch.is_autocast_enabled(kind) for kind in ("cpu", "cuda"))
    if weight is not None and x.dtype != weight.dtype and not autocast:
        raise TypeError(
            f"x: expected dtype {weight.dtype}, as {name}'s parameters, got {x.dtype}; use x.to({weight.dtype})"
        )


class LeNet(nn.Sequential):
    """LeNet-5 of article 003: two 5x5 convolutions with ReLU and 2x2 average pooling, three linear layers.

    Input (N, 1, 28, 28); output (N, 10) logits. Being an ``nn.Sequential``, ``net[:k]`` runs its first k layers.

    Examples:
        >>> LeNet()[:3](torch.zeros(2, 1, 28, 28)).shape
        torch.Size([2, 6, 14, 14])
    """

    def __init__(self) -> None:
        super().__init__(
            nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.ReLU(),
            nn.AvgPool2d(kernel_size=2, stride=2),
            nn.Conv2d(6, 16, kernel_size=5), nn.ReLU(),
            nn.AvgPool2d(kernel_size=2, stride=2),
            nn.Flatten(),
            nn.Linear(16 * 5 * 5, 120), nn.ReLU(),
            nn.Linear(120, 84), nn.ReLU(),
            nn.Linear(84, 10),
        )  # fmt: skip

    def __getitem__(self, index: int | slice) -> nn.Module:
        """``net[i]`` is layer i; ``net[a:b]`` is a plain ``nn.Sequential`` of those layers (sharing weights)."""
        if isinstance(index, slice):
            return nn.Sequential(OrderedDict(list(self._modules.items())[index]))
        count = len(self)
        if isinstance(index, bool) or not isinstance(index, int):
            raise TypeError(f"index: expected an int or a slice, got {describe(index)}")
        if not -count <= index < count:
            raise _LayerIndexError(f"index: expected a layer index from {-count} to {count - 1}, got {index}")
        return super().__getitem__(index)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Return (N, 10) logits for (N, 1, 28, 28) images; another input is refused, saying why."""
        _check_input(self, x, 1, size=(28, 28))
        return super().forward(x)


def init_xavier_(model: nn.Module) -> nn.Module:
    """Initialise like article 003's ``init_network(method='xavier')``: Xavier-normal weights, zero biases.

    Examples:
        >>> float(init_xavier_(LeNet())[0].bias.detach().abs().sum())
        0.0
    """
    check_model(model)
    for name, param in model.named_parameters():
        if name.endswith("weight") and param.dim() > 1:
            nn.init.xavier_normal_(param)
        elif name.endswith("bias"):
            nn.init.zeros_(param)
    return model


class Cifar10Net(nn.Module):
    """The CIFAR-10 CNN of article 004 (called ``Tudui`` there): three 5x5 conv + max-pool stages, two linear layers.

    Input (N, 3, 32, 32); output (N, 10). The layers sit in ``self.model1`` as in the article. The article
    has no activation function: by default none is added. With ``relu=True`` a ReLU follows each
    convolution (conv -> ReLU -> pool) and the hidden Linear, the textbook placement; the parameters are
    the same, created in the same order, so one seed gives both versions the same starting weights.

    Examples:
        >>> Cifar10Net()(torch.zeros(1, 3, 32, 32)).shape
        torch.Size([1, 10])
        >>> [type(m).__name__ for m in Cifar10Net(relu=True).model1][:3]
        ['Conv2d', 'ReLU', 'MaxPool2d']
    """

    def __init__(self, relu: bool = False) -> None:
        super().__init__()
        self.relu = check_bool(relu, "relu")

        def act() -> list[nn.Module]:
            return [nn.ReLU()] if self.relu else []

        layers: list[nn.Module] = []
        for c_in, c_out in [(3, 32), (32, 32), (32, 64)]:
            layers += [nn.Conv2d(c_in, c_out, 5, stride=1, padding=2), *act(), nn.MaxPool2d(2)]
        layers += [nn.Flatten(), nn.Linear(1024, 64), *act(), nn.Linear(64, 10)]
        self.model1 = nn.Sequential(*layers)

    def extra_repr(self) -> str:
        """Say ``relu=True`` when the ReLUs were added (the article's model prints as before)."""
        return "relu=True" if self.relu else ""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Return (N, 10) logits for (N, 3, 32, 32) images; another input is refused, saying why."""
        _check_input(self, x, 3, size=(32, 32))
        return self.model1(x)


class SimpleCNN(nn.Module):
    """SimpleCNN of article 000: conv(3->16) + pool, conv(16->32) + pool; (N, 3, 32, 32) -> (N, 32, 8, 8).

    Examples:
        >>> SimpleCNN()(torch.zeros(4, 3, 32, 32)).shape
        torch.Size([4, 32, 8, 8])
    """

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, kernel_size=3, stride=1, padding=1)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(16, 32, kernel_size=3, stride=1, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Return (N, 32, H/4, W/4) maps for (N, 3, H, W) images (H, W >= 4)."""
        _check_input(self, x, 3, minimum=4)
        x = self.pool(self.conv1(x))
        return self.pool(self.conv2(x))


class ResidualBlock(nn.Module):
    """ResNet basic block of article 000, with a 1x1 projection shortcut when stride or width change.

    Examples:
        >>> ResidualBlock(64, 128, stride=2)(torch.zeros(4, 64, 32, 32)).shape
        torch.Size([4, 128, 16, 16])
    """

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1) -> None:
        in_channels = check_positive_int(
            in_channels, "in_channels", maximum=MAX_CHANNELS, limit_name="MAX_CHANNELS"
        )
        out_channels = check_positive_int(
            out_channels, "out_channels", maximum=MAX_CHANNELS, limit_name="MAX_CHANNELS"
        )
        stride = check_positive_int(stride, "stride")
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, out_channels, kernel_size=3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.conv2 = nn.Conv2d(out_channels, out_channels, kernel_size=3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_channels)
        self.shortcut = nn.Sequential()
        if stride != 1 or in_channels != out_channels:
            self.shortcut = nn.Sequential(
                nn.Conv2d(in_channels, out_channels, kernel_size=1, stride=stride, bias=False),
                nn.BatchNorm2d(out_channels),
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Return the block's (N, out_channels, H/stride, W/stride) output for (N, in_channels, H, W)."""
        _check_input(self, x, self.conv1.in_channels)
        residual = self.shortcut(x)
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        out = out + residual
        return F.relu(out)


class SimpleUpDownNet(nn.Module):
    """Article 001's down-then-up network: two stride-2 convs, two stride-2 transposed convs, one channel.

    Examples:
        >>> SimpleUpDownNet()(torch.zeros(1, 1, 64, 64)).shape
        torch.Size([1, 1, 64, 64])
    """

    def __init__(self) -> None:
        super().__init__()
        self.down1 = nn.Conv2d(1, 1, kernel_size=3, stride=2, padding=1)
        self.down2 = nn.Conv2d(1, 1, kernel_size=3, stride=2, padding=1)
        self.up1 = nn.ConvTranspose2d(1, 1, kernel_size=3, stride=2, padding=1, output_padding=1)
        self.up2 = nn.ConvTranspose2d(1, 1, kernel_size=3, stride=2, padding=1, output_padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Return a (N, 1, H, W) map for a (N, 1, H, W) input (H, W multiples of 4 come back at their size)."""
        _check_input(self, x, 1)
        x = F.relu(self.down1(x))
        x = F.relu(self.down2(x))
        x = F.relu(self.up1(x))
        return self.up2(x)


VGG_STYLE_WIDTHS = (16, "M", 32, "M", 64, 64, "M", 128, 128, "M")


class VGGStyleNet(nn.Module):
    """A small VGG-style network for 32x32 images: blocks of 3x3 conv + ReLU, then 2x2 max pooling.

    The same pattern as VGG16's ``features`` (which it stands in for when ImageNet weights cannot be had),
    at a width and depth that trains on CIFAR-10 in a minute on a CPU. Like VGG, ``self.features`` is fully
    convolutional, so it accepts photos of any size.

    Examples:
        >>> VGGStyleNet()(torch.zeros(1, 3, 32, 32)).shape
        torch.Size([1, 10])
        >>> VGGStyleNet().features(torch.zeros(1, 3, 224, 224)).shape
        torch.Size([1, 128, 14, 14])
    """

    def __init__(self, widths: tuple = VGG_STYLE_WIDTHS, classes: int = 10) -> None:
        if not isinstance(widths, (tuple, list)):
            raise TypeError(
                f"widths: expected a tuple of channel counts and 'M' (max pooling), got {describe(widths)}"
            )
        if len(widths) > MAX_STAGES:
            raise ValueError(
                f"widths: expected at most {MAX_STAGES} entries (the limit, MAX_STAGES), got {len(widths)}"
            )
        widths = tuple(
            width
            if isinstance(width, str) and width == "M"
            else check_int(width, "widths (a channel count, or 'M')", minimum=1, maximum=MAX_CHANNELS,
                           limit_name="MAX_CHANNELS")
            for width in widths
        )  # fmt: skip
        if not any(isinstance(width, int) for width in widths):
            raise ValueError(f"widths: expected at least one convolution (a channel count), got {widths!r}")
        classes = check_positive_int(classes, "classes", maximum=MAX_CLASSES, limit_name="MAX_CLASSES")
        super().__init__()
        layers: list[nn.Module] = []
        channels = 3
        for width in widths:
            if width == "M":
                layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
            else:
                layers += [nn.Conv2d(channels, width, kernel_size=3, padding=1), nn.ReLU(inplace=True)]
                channels = width
        self.features = nn.Sequential(*layers)
        self.min_size = 2 ** widths.count("M")
        self.avgpool = nn.AdaptiveAvgPool2d((2, 2))
        self.classifier = nn.Sequential(nn.Flatten(), nn.Dropout(0.2), nn.Linear(channels * 4, classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Return (N, classes) logits for (N, 3, H, W) images, H and W at least 2 per max pooling."""
        _check_input(self, x, 3, minimum=self.min_size)
        return self.classifier(self.avgpool(self.features(x)))


MAX_BLOCKS = 256
"""Most blocks a [`DepthNet`][cnnatlas.models.DepthNet] is built with."""


class DepthNet(nn.Module):
    """A plain or residual CNN whose depth is the knob: He et al.'s (2016) comparison, at one resolution.

    A stem (3x3 conv, BatchNorm, ReLU) maps the image to ``width`` channels; then ``blocks`` blocks, each
    ``body`` = conv-BN-ReLU-conv-BN (3x3, stride 1, no bias: BatchNorm follows), ending in a ReLU: plain
    ``h = relu(body(h))``, or with ``residual=True`` ``h = relu(body(h) + h)``, the identity shortcut of
    [`ResidualBlock`][cnnatlas.models.ResidualBlock]; then global average pooling and a linear layer. That
    is ``2 * blocks + 2`` layers with weights. Convolutions start with He (Kaiming) normal initialisation.
    The plain and the residual version have the same parameters, created in the same order: built after
    the same ``torch.manual_seed``, they start from the same weights and differ only by the add.

    Examples:
        >>> net = DepthNet(3)
        >>> net(torch.zeros(2, 3, 8, 8)).shape, net.weight_layers
        (torch.Size([2, 10]), 8)
        >>> DepthNet(15, residual=True, in_channels=1).weight_layers
        32
    """

    def __init__(
        self, blocks: int, *, residual: bool = False, width: int = 16, in_channels: int = 3, classes: int = 10
    ) -> None:
        blocks = check_positive_int(blocks, "blocks", maximum=MAX_BLOCKS, limit_name="MAX_BLOCKS")
        residual = check_bool(residual, "residual")
        width = check_positive_int(width, "width", maximum=MAX_CHANNELS, limit_name="MAX_CHANNELS")
        in_channels = check_positive_int(
            in_channels, "in_channels", maximum=MAX_CHANNELS, limit_name="MAX_CHANNELS"
        )
        classes = check_positive_int(classes, "classes", maximum=MAX_CLASSES, limit_name="MAX_CLASSES")
        super().__init__()
        self.residual = residual
        self.stem = nn.Sequential(
            nn.Conv2d(in_channels, width, kernel_size=3, padding=1, bias=False),
            nn.BatchNorm2d(width),
            nn.ReLU(),
        )
        self.blocks = nn.ModuleList(
            nn.Sequential(
                nn.Conv2d(width, width, kernel_size=3, padding=1, bias=False), nn.BatchNorm2d(width), nn.ReLU(),
                nn.Conv2d(width, width, kernel_size=3, padding=1, bias=False), nn.BatchNorm2d(width),
            )
            for _ in range(blocks)
        )  # fmt: skip
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(width, classes))
        for module in self.modules():
            if isinstance(module, nn.Conv2d):
                nn.init.kaiming_normal_(module.weight, nonlinearity="relu")

    @property
    def weight_layers(self) -> int:
        """Return how many layers have weights: the stem, two convolutions per block and the linear layer."""
        return 2 * len(self.blocks) + 2

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Return (N, classes) logits for (N, in_channels, H, W) images."""
        _check_input(self, x, self.stem[0].in_channels)
        h = self.stem(x)
        for body in self.blocks:
            h = F.relu(body(h) + h) if self.residual else F.relu(body(h))
        return self.head(h)
