"""Training recipes: the articles' own and the ones this atlas uses, as [`TrainConfig`][cnnatlas.train.TrainConfig].

Examples:
    >>> ARTICLE_003.lr, LENET.optimizer
    (0.05, 'adamw')
"""

from __future__ import annotations

from dataclasses import replace

from .train import TrainConfig

ARTICLE_003 = TrainConfig(
    epochs=20, batch_size=512, optimizer="sgd", lr=0.05, momentum=0.0, weight_decay=0.0,
    schedule="constant", init="xavier", normalize=False,
)  # fmt: skip
"""Article 003 exactly: plain SGD at 0.05, batch 512, 20 epochs, Xavier init, inputs in [0, 1]."""

LENET = TrainConfig(
    epochs=10,
    batch_size=128,
    optimizer="adamw",
    lr=4e-3,
    weight_decay=5e-4,
    schedule="onecycle",
    init="xavier",
)
"""Article 003's LeNet, same layers and init, with AdamW, a one-cycle schedule and normalised inputs."""

CIFAR10_NET = TrainConfig(
    epochs=8,
    batch_size=128,
    optimizer="adamw",
    lr=3e-3,
    weight_decay=5e-4,
    schedule="onecycle",
    augment="flip_crop",
)
"""Article 004's CIFAR-10 CNN with AdamW, one-cycle, flips and crops (the article: SGD, batch 1)."""

VGG_STYLE = replace(CIFAR10_NET, epochs=6)
"""The VGG-style stand-in for VGG16 (when ImageNet weights cannot be had), trained on CIFAR-10."""
