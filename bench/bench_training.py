"""Benchmark: cnnatlas's training loop against article 003's DataLoader loop, and the recipes' accuracy.

Prints, measured side by side in one run on this machine:
1. images/s of article 003's loop (torchvision dataset + ToTensor + DataLoader, batch 512, SGD) vs the
   library's preloaded-tensor loop with the same model, batch size and optimiser (goal: at least 3x);
2. final test accuracy, wall time and time to reach the target accuracy for the article's recipe and
   for the atlas's recipes (LeNet >= 0.90 on FashionMNIST, the CIFAR-10 CNN >= 0.70).

Run: ``nox -s bench`` or ``python bench/bench_training.py [--quick]`` (with CNNATLAS_DATA_MIRROR offline).
``--quick`` measures throughput only.
"""

from __future__ import annotations

import argparse
import time

import torch
import torchvision
from torch import nn
from torch.utils import data

import cnnatlas
from cnnatlas.train import TrainConfig

THROUGHPUT_BATCHES = 117  # one epoch of FashionMNIST's 60,000 images at batch 512


def article_loop_images_per_second(batches: int) -> float:
    """Article 003's training loop, verbatim in spirit: ToTensor per image, DataLoader, SGD lr 0.05."""
    cnnatlas.load_fashion_mnist(train=True)  # makes sure the raw files are in the data root
    dataset = torchvision.datasets.FashionMNIST(str(cnnatlas.data.data_root()), train=True,
                                                transform=torchvision.transforms.ToTensor(), download=False)  # fmt: skip
    loader = data.DataLoader(dataset, batch_size=512, shuffle=True)
    net = cnnatlas.init_xavier_(cnnatlas.LeNet())
    loss = nn.CrossEntropyLoss()
    updater = torch.optim.SGD(net.parameters(), lr=0.05)
    net.train()
    seen, started = 0, time.perf_counter()
    for step, (X, y) in enumerate(loader):
        if step == batches:
            break
        y_hat = net(X)
        l = loss(y_hat, y)  # noqa: E741 - the article's name
        updater.zero_grad()
        l.backward()
        updater.step()
        seen += len(y)
    return seen / (time.perf_counter() - started)


def library_images_per_second(batches: int) -> float:
    """The same model, batch size and optimiser through ``cnnatlas.fit``: tensors preloaded, channels_last."""
    train = cnnatlas.load_fashion_mnist(train=True).subset(512 * batches)
    test = cnnatlas.load_fashion_mnist(train=False).subset(1000)
    config = TrainConfig(epochs=1, batch_size=512, optimizer="sgd", lr=0.05, momentum=0.0, weight_decay=0.0,
                         schedule="constant", init="xavier", normalize=False)  # fmt: skip
    result = cnnatlas.fit(cnnatlas.init_xavier_(cnnatlas.LeNet()), train, test, config, device=torch.device("cpu"), progress=False)
    return result.images_per_second


def time_to_target(result: cnnatlas.TrainResult, target: float) -> str:
    elapsed = 0.0
    for epoch in result.history:
        elapsed += epoch.seconds
        if epoch.test_accuracy >= target:
            return f"{elapsed:.0f} s (epoch {epoch.epoch})"
    return "not reached"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="measure throughput only")
    args = parser.parse_args()
    torch.manual_seed(0)
    print(f"machine: {cnnatlas.device_name(torch.device('cpu'))}, torch {torch.__version__}; "
          f"CUDA: {torch.cuda.get_device_name() if torch.cuda.is_available() else 'not present'}")
    article = article_loop_images_per_second(THROUGHPUT_BATCHES)
    library = library_images_per_second(THROUGHPUT_BATCHES)
    print(f"\n| LeNet, batch 512, SGD, CPU, {THROUGHPUT_BATCHES} batches | images/s | vs article |")
    print("|---------------------------------------|---------:|-----------:|")
    print(f"| article 003 DataLoader loop           | {article:8,.0f} |      1.00x |")
    print(f"| cnnatlas preloaded-tensor loop        | {library:8,.0f} | {library / article:9.2f}x |")
    if args.quick:
        return
    fashion = (cnnatlas.load_fashion_mnist(True), cnnatlas.load_fashion_mnist(False))
    cifar = (cnnatlas.load_cifar10(True), cnnatlas.load_cifar10(False))
    runs = [
        ("LeNet, article 003 recipe (SGD 0.05, 20 ep)", cnnatlas.LeNet, fashion, cnnatlas.recipes.ARTICLE_003, 0.90),
        ("LeNet, atlas recipe (AdamW one-cycle, 10 ep)", cnnatlas.LeNet, fashion, cnnatlas.recipes.LENET, 0.90),
        ("CIFAR-10 CNN, atlas recipe (8 ep, flips+crops)", cnnatlas.Cifar10Net, cifar, cnnatlas.recipes.CIFAR10_NET, 0.70),
    ]
    print("\n| run                                            | device | test acc | wall s | images/s | time to target |")
    print("|------------------------------------------------|--------|---------:|-------:|---------:|----------------|")
    for name, factory, (train, test), config, target in runs:
        for device in [torch.device("cpu")] + ([torch.device("cuda")] if torch.cuda.is_available() else []):
            cnnatlas.seed_everything(config.seed)
            model = factory()
            if config.init == "xavier":
                cnnatlas.init_xavier_(model)
            result = cnnatlas.fit(model, train, test, config, device=device, progress=False)
            print(f"| {name:46s} | {device.type:6s} | {result.test_accuracy:8.4f} | {result.wall_seconds:6.1f} | "
                  f"{result.images_per_second:8,.0f} | {target:.2f}: {time_to_target(result, target)} |")


if __name__ == "__main__":
    main()
