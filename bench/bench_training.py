"""Benchmark: cnnatlas's training loop against article 003's DataLoader loop, and the recipes' accuracy.

Prints, measured side by side in one run on this machine:
1. images/s of article 003's loop (torchvision dataset + ToTensor + DataLoader, batch 512, SGD) vs the
   library's preloaded-tensor loop with the same model, batch size and optimiser (goal: at least 3x);
2. images/s of each atlas recipe on one fixed slice with torch's default CPU threads against the
   library's thread policy (``cnnatlas.training_threads()``: 1 thread on a busy 2-core machine), the two
   runs interleaved, best of two each;
3. final test accuracy, wall time and time to reach the target accuracy for the article's recipe and
   for the atlas's recipes (LeNet >= 0.91 on FashionMNIST, the CIFAR-10 CNN >= 0.70).

Run: ``nox -s bench`` or ``python bench/bench_training.py [--quick]`` (with CNNATLAS_DATA_MIRROR offline).
``--quick`` measures throughput only (1 and 2).
"""

from __future__ import annotations

import argparse
import os
import time
from dataclasses import replace

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


def thread_policy_rows(slice_images: int = 2_560, repeats: int = 2) -> list[tuple[str, int, float, int, float]]:
    """(recipe, default threads, images/s, policy threads, images/s) per atlas recipe, runs interleaved."""
    fashion = cnnatlas.load_fashion_mnist(True).subset(slice_images), cnnatlas.load_fashion_mnist(False).subset(1000)
    cifar = cnnatlas.load_cifar10(True).subset(slice_images), cnnatlas.load_cifar10(False).subset(1000)
    recipes = cnnatlas.recipes
    runs = [("LENET", cnnatlas.LeNet, fashion, recipes.LENET), ("CIFAR10_NET", cnnatlas.Cifar10Net, cifar, recipes.CIFAR10_NET),
            ("VGG_STYLE", cnnatlas.VGGStyleNet, cifar, recipes.VGG_STYLE)]  # fmt: skip
    default = torch.get_num_threads()
    policy = cnnatlas.train.training_threads()
    rows = []
    for name, factory, (train, test), recipe in runs:
        config = replace(recipe, epochs=1, train_images=None)
        best = {default: 0.0, policy: 0.0}
        for _ in range(repeats):
            for threads in dict.fromkeys((default, policy)):
                os.environ[cnnatlas.train.THREADS_ENV] = str(threads)
                try:
                    cnnatlas.seed_everything(0)
                    result = cnnatlas.fit(factory(), train, test, config, device="cpu", progress=False)
                finally:
                    del os.environ[cnnatlas.train.THREADS_ENV]
                best[threads] = max(best[threads], result.images_per_second)
        rows.append((name, default, best[default], policy, best[policy]))
    return rows


def time_to_target(result: cnnatlas.TrainResult, target: float) -> str:
    elapsed = 0.0
    for epoch in result.history:
        elapsed += epoch.seconds
        if epoch.held_out_accuracy >= target:
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
    print("\n| recipe, 1 epoch on 2,560 images | threads | images/s | policy threads | images/s | ratio |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, default, before, policy, after in thread_policy_rows():
        print(f"| {name} | {default} | {before:,.0f} | {policy} | {after:,.0f} | {after / before:.2f}x |")
    if args.quick:
        return
    fashion = (cnnatlas.load_fashion_mnist(True), cnnatlas.load_fashion_mnist(False))
    cifar = (cnnatlas.load_cifar10(True), cnnatlas.load_cifar10(False))
    runs = [
        ("LeNet, article 003 recipe (SGD 0.05, 20 ep)", cnnatlas.LeNet, fashion, cnnatlas.recipes.ARTICLE_003, 0.91),
        ("LeNet, atlas recipe LENET", cnnatlas.LeNet, fashion, cnnatlas.recipes.LENET, 0.91),
        ("CIFAR-10 CNN, atlas recipe CIFAR10_NET", cnnatlas.Cifar10Net, cifar, cnnatlas.recipes.CIFAR10_NET, 0.70),
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
