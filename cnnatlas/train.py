"""Training on the best hardware present, with seeds, progress, results and a weights cache in one place.

Examples:
    >>> from cnnatlas import LeNet, load_fashion_mnist, train_or_load, recipes  # doctest: +SKIP
    >>> model, result = train_or_load("lenet", LeNet, load_fashion_mnist(True),
    ...                               load_fashion_mnist(False), recipes.LENET)  # doctest: +SKIP
    >>> print(result.summary())                                                 # doctest: +SKIP
"""

from __future__ import annotations

import datetime
import inspect
import math
import os
import platform
import random
import sys
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, fields, replace

import torch
import torch.nn.functional as F
from torch import nn
from tqdm.auto import tqdm

from . import __version__
from .cache import CacheWarning, cache_file, exclusive, load_checked, save_atomic, stable_hash
from .checks import (
    check_bool,
    check_choice,
    check_device,
    check_factory,
    check_file_name,
    check_float,
    check_int,
    check_model,
    check_non_negative_int,
    check_positive_int,
    check_str,
    describe,
)
from .data import ImageDataset, Normalization
from .forward import preserved_state, reported_forward
from .models import init_xavier_

PROFILE_ENV = "CNNATLAS_PROFILE"
THREADS_ENV = "CNNATLAS_THREADS"
SEED_ENV = "CNNATLAS_SEED"
_DEFAULT_THREADS: int | None = None  # training_threads()'s choice for this process, made on first use
PROFILES = ("full", "quick")
OPTIMIZERS = ("adamw", "sgd")
SCHEDULES = ("onecycle", "constant")
AUGMENTATIONS = ("none", "flip", "flip_crop")
INITS = ("default", "xavier")
QUICK_MAX_EPOCHS = 2
QUICK_TRAIN_IMAGES = 12_000
# images per evaluation step: on this atlas's 2-core CPU the CIFAR-10 CNN evaluates 4,500-4,900 images/s in
# batches of 128-256 and 2,800 in batches of 1,000 (whose activations, 131 MB for the first convolution, leave
# the caches); LeNet runs the same in all of them
_EVAL_BATCH = 256
_RESULTS: list[TrainResult] = []
_CROP_PAD = 4
SEED_MAX = 2**64 - 1
"""The largest seed `torch.Generator.manual_seed` accepts."""
MAX_EPOCHS = 1000
"""The most epochs a recipe may ask for (the articles' recipes use at most 20): more is refused, not run."""


def build_profile() -> str:
    """Return the training profile: ``"full"`` (default) or ``"quick"`` from ``$CNNATLAS_PROFILE``.

    The quick profile trains at most 2 epochs on 12,000 images; pages built with it say so.

    Examples:
        >>> build_profile() in PROFILES
        True
    """
    value = os.environ.get(PROFILE_ENV, "full").strip().lower() or "full"
    if value not in PROFILES:
        raise ValueError(f"{PROFILE_ENV}: expected one of {PROFILES}, got {value!r}")
    return value


def build_seed() -> int:
    """Return the seed of this build: ``$CNNATLAS_SEED`` (a whole number from 0), else 0.

    It seeds every recipe's training and every page's random draws, so a build can be repeated with
    another seed (the seed sweep, ``bench/bench_seeds.py``, does).

    Examples:
        >>> build_seed() >= 0
        True
    """
    value = os.environ.get(SEED_ENV, "").strip()
    if not value:
        return 0
    if not value.isdigit() or int(value) > SEED_MAX:
        raise ValueError(f"{SEED_ENV}: expected a whole number from 0 to {SEED_MAX}, got {value!r}")
    return int(value)


def best_device() -> torch.device:
    """Return the best device present: CUDA, then Apple's MPS, then the CPU.

    Examples:
        >>> best_device().type in ("cuda", "mps", "cpu")
        True
    """
    if torch.cuda.is_available():
        return torch.device("cuda")
    if (
        torch.backends.mps.is_available()
    ):  # called, not merely referenced: the bare attribute is always truthy
        return torch.device("mps")
    return torch.device("cpu")


def device_name(device: torch.device) -> str:
    """Return a readable name for ``device``, e.g. ``'NVIDIA H100 80GB HBM3'`` or ``'CPU x86_64, 1 thread'``.

    On the CPU, the threads are those training uses ([`training_threads()`][cnnatlas.train.training_threads]).

    Examples:
        >>> device_name(torch.device("cpu")).startswith("CPU")
        True
    """
    device = check_device(device)
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    if device.type == "mps":
        return "Apple MPS"
    threads = training_threads()
    return f"CPU {platform.machine()}, {threads} thread{'' if threads == 1 else 's'}"


def training_threads() -> int:
    """Return how many CPU threads training and evaluation use: ``$CNNATLAS_THREADS``, else a measured default.

    On a machine with at most 2 logical cores that is busy with other work (a 1-minute load average above
    the cores less one half, when this process first asks), the default is 1 thread: measured on a 2-core
    AMD EPYC shared with other work, one thread trained LeNet 7.9x, the CIFAR-10 CNN 4.9x and the VGG-style
    network 5.6x faster than torch's default of 2 threads, because each thread of an operation waits for
    the slowest and one of the two is always waiting for a core. Otherwise (an idle machine, where the
    second core is free, or more cores) torch's own default is kept. The choice is made once per process,
    so that two runs in one process train alike.

    Examples:
        >>> training_threads() >= 1
        True
    """
    global _DEFAULT_THREADS
    value = os.environ.get(THREADS_ENV, "").strip()
    if value:
        if not value.isdigit() or int(value) < 1:
            raise ValueError(f"{THREADS_ENV}: expected a whole number of threads >= 1, got {value!r}")
        return int(value)
    if _DEFAULT_THREADS is None:
        cores = os.cpu_count() or 1
        try:
            busy = os.getloadavg()[0] > cores - 0.5
        except (AttributeError, OSError):  # no load average on this system: keep torch's default
            busy = False
        _DEFAULT_THREADS = 1 if cores <= 2 and busy else torch.get_num_threads()
    return _DEFAULT_THREADS


@contextmanager
def _threads(device: torch.device) -> Iterator[None]:
    """Run the block with [`training_threads()`][cnnatlas.train.training_threads] CPU threads; restore them after."""
    previous = torch.get_num_threads()
    wanted = training_threads() if device.type == "cpu" else previous
    if wanted != previous:
        torch.set_num_threads(wanted)
    try:
        yield
    finally:
        if torch.get_num_threads() != previous:
            torch.set_num_threads(previous)


def seed_everything(seed: int) -> None:
    """Seed Python's, PyTorch's (and CUDA's) random generators.

    ``seed`` is an int from 0 to [`SEED_MAX`][cnnatlas.train.SEED_MAX] (as in [`TrainConfig`][cnnatlas.train.TrainConfig]).

    Examples:
        >>> seed_everything(0); a = torch.rand(1); seed_everything(0); bool(a == torch.rand(1))
        True
    """
    seed = check_int(seed, "seed", minimum=0, maximum=SEED_MAX, limit_name="SEED_MAX")
    random.seed(seed)
    torch.manual_seed(seed)


@dataclass(frozen=True)
class TrainConfig:
    """A training recipe: optimiser, schedule, epochs, batch size, augmentation and seed.

    Every field is checked when the recipe is made: a value of the wrong type raises TypeError, an
    unknown choice or a value out of range raises ValueError naming what is allowed. The ranges: epochs
    from 1 to [`MAX_EPOCHS`][cnnatlas.train.MAX_EPOCHS], batch_size and train_images >= 1, validation_images >= 0, lr > 0,
    weight_decay >= 0, momentum and label_smoothing in [0, 1), every number finite, seed from 0 to
    [`SEED_MAX`][cnnatlas.train.SEED_MAX].

    Examples:
        >>> TrainConfig(epochs=20).quick().epochs
        2
        >>> TrainConfig(augment="flip-crop")
        Traceback (most recent call last):
        ...
        ValueError: augment: expected one of 'none', 'flip', 'flip_crop', got 'flip-crop'; did you mean 'flip_crop'?

    Attributes:
        epochs: Passes over the training images.
        batch_size: Images per optimiser step.
        optimizer: ``"adamw"`` or ``"sgd"``.
        lr: The learning rate (the peak rate with the one-cycle schedule).
        momentum: SGD's momentum (unused by AdamW).
        weight_decay: Weight decay of the optimiser.
        schedule: ``"onecycle"`` or ``"constant"``.
        label_smoothing: Label smoothing of the cross-entropy loss, in [0, 1).
        augment: ``"none"``, ``"flip"`` (random horizontal flips) or ``"flip_crop"`` (flips and padded
            random crops).
        init: ``"default"`` (PyTorch's) or ``"xavier"`` (article 003's ``init_network``).
        test_flip: Test-time augmentation: after the last epoch, each test image's class scores are also
            averaged with those of its mirror image (see [`evaluate()`][cnnatlas.train.evaluate]), and the
            result's test accuracy and loss are those; each epoch's row keeps the image's own.
        normalize: Whether inputs are standardised with the mean and std of the training data.
        train_images: Train on the first this many training images (of those left after the validation
            images are held out); ``None`` for all of them.
        validation_images: Hold out this many training images as a validation split
            ([`ImageDataset.holdout()`][cnnatlas.data.ImageDataset.holdout], seeded with ``seed``, before
            ``train_images`` cuts the rest): each epoch is measured on them, and the test split is scored
            once, after the last epoch. 0 (the default): no validation split, each epoch measured on the
            test split.
        seed: Seeds the initial weights, the shuffling and the augmentation; by default
            [`build_seed()`][cnnatlas.train.build_seed] (``$CNNATLAS_SEED``, else 0).
    """

    epochs: int = 10
    batch_size: int = 128
    optimizer: str = "adamw"  # "adamw" or "sgd"
    lr: float = 3e-3
    momentum: float = 0.9
    weight_decay: float = 5e-4
    schedule: str = "onecycle"  # "onecycle" or "constant"
    label_smoothing: float = 0.0
    augment: str = "none"  # "none", "flip" or "flip_crop"
    init: str = "default"  # "default" or "xavier" (article 003's init_network)
    test_flip: bool = False  # average the scores of each test image and its mirror image
    normalize: bool = True  # standardise inputs with mean/std computed from the training data
    train_images: int | None = None  # None: the whole training split
    validation_images: int = 0  # held out of the training split, before train_images; 0: none
    seed: int = field(default_factory=build_seed)  # $CNNATLAS_SEED, else 0

    def __post_init__(self) -> None:
        check_positive_int(self.epochs, "epochs", maximum=MAX_EPOCHS, limit_name="MAX_EPOCHS")
        check_positive_int(self.batch_size, "batch_size")
        check_choice(self.optimizer, "optimizer", OPTIMIZERS)
        check_choice(self.schedule, "schedule", SCHEDULES)
        check_choice(self.augment, "augment", AUGMENTATIONS)
        check_choice(self.init, "init", INITS)
        check_float(self.lr, "lr", above=0)
        check_float(self.weight_decay, "weight_decay", minimum=0)
        for name in ("momentum", "label_smoothing"):  # both in [0, 1): 1 would never forget / learn nothing
            value = check_float(getattr(self, name), name, minimum=0)
            if value >= 1:
                raise ValueError(f"{name}: expected a number in [0, 1), got {value}")
        object.__setattr__(self, "normalize", check_bool(self.normalize, "normalize"))
        object.__setattr__(self, "test_flip", check_bool(self.test_flip, "test_flip"))
        if self.train_images is not None:
            check_positive_int(self.train_images, "train_images")
        check_non_negative_int(self.validation_images, "validation_images")
        check_int(self.seed, "seed", minimum=0, maximum=SEED_MAX, limit_name="SEED_MAX")

    def quick(self) -> TrainConfig:
        """Return this recipe cut down for the quick profile (at most 2 epochs on 12,000 images).

        The validation images are kept: they are held out first, and the 12,000 come from the rest.
        """
        cap = QUICK_TRAIN_IMAGES if self.train_images is None else min(self.train_images, QUICK_TRAIN_IMAGES)
        return replace(self, epochs=min(self.epochs, QUICK_MAX_EPOCHS), train_images=cap)


@dataclass
class EpochStats:
    """Loss and accuracy after one epoch, measured on the validation split or, without one, the test split.

    A row holds either ``test_loss`` and ``test_accuracy`` (a recipe without validation images) or
    ``validation_loss`` and ``validation_accuracy`` (the test split is then scored once, after the last
    epoch, and the row's test fields are ``None``); [`measured_on`][cnnatlas.train.EpochStats.measured_on]
    says which.

    Examples:
        >>> EpochStats(1, 0.9, 0.7, 0.6, 0.8, 2.0).measured_on
        'test'
        >>> row = EpochStats(1, 0.9, 0.7, None, None, 2.0, validation_loss=0.6, validation_accuracy=0.8)
        >>> row.measured_on, row.held_out_accuracy
        ('validation', 0.8)

    Attributes:
        epoch: The epoch's number, from 1.
        train_loss: Mean training loss over the epoch's batches.
        train_accuracy: Accuracy on the training batches of the epoch, in [0, 1].
        test_loss: Mean loss on the test split after the epoch; ``None`` when the row measured validation.
        test_accuracy: Accuracy on the test split after the epoch, in [0, 1]; ``None`` likewise.
        seconds: Seconds the epoch's training steps took (the evaluation not included).
        validation_loss: Mean loss on the validation images after the epoch; ``None`` without them.
        validation_accuracy: Accuracy on the validation images after the epoch; ``None`` without them.
    """

    epoch: int
    train_loss: float
    train_accuracy: float
    test_loss: float | None
    test_accuracy: float | None
    seconds: float
    validation_loss: float | None = None
    validation_accuracy: float | None = None

    def __post_init__(self) -> None:
        test = (self.test_loss, self.test_accuracy)
        validation = (self.validation_loss, self.validation_accuracy)
        if not (
            (all(v is not None for v in test) and all(v is None for v in validation))
            or (all(v is None for v in test) and all(v is not None for v in validation))
        ):
            raise ValueError(
                "expected a row measured on one split: test_loss and test_accuracy, or validation_loss and "
                f"validation_accuracy (the other pair None), got test {test} and validation {validation}"
            )

    @property
    def measured_on(self) -> str:
        """``"validation"`` or ``"test"``: the split this row's held-out loss and accuracy come from."""
        return "test" if self.validation_accuracy is None else "validation"

    @property
    def held_out_loss(self) -> float:
        """The row's loss on images it did not train on: its validation loss, else its test loss."""
        return self.test_loss if self.validation_loss is None else self.validation_loss

    @property
    def held_out_accuracy(self) -> float:
        """The row's accuracy on images it did not train on: its validation accuracy, else its test accuracy."""
        return self.test_accuracy if self.validation_accuracy is None else self.validation_accuracy


@dataclass
class TrainResult:
    """What a training run produced: where, how fast, how well, and its per-epoch history.

    Attributes:
        model_name: The name the weights are cached under.
        data_name: The training data set's name.
        device: The device type it trained on (``"cpu"``, ``"cuda"``, ``"mps"``).
        device_name: A readable name of that device (on the CPU, with the threads used).
        torch_version: The torch version it trained with.
        cnnatlas_version: The cnnatlas version it trained with.
        profile: The build profile, ``"quick"`` or ``"full"``.
        epochs: Passes over the training images.
        train_images: Training images per epoch.
        wall_seconds: Seconds from the start of training to its end, evaluations included.
        images_per_second: Training images per second of training steps.
        test_accuracy: Test accuracy after the last epoch, in [0, 1] (with ``test_flip``, of the scores
            averaged with the mirror images'). With validation images, the one time the test split was
            scored.
        test_loss: Test loss after the last epoch (likewise).
        mean: The input normalisation's per-channel mean (what the weights expect).
        std: The input normalisation's per-channel std.
        history: One [`EpochStats`][cnnatlas.train.EpochStats] per epoch.
        from_cache: Whether the weights were loaded from the cache instead of trained in this run.
        test_flip: Whether ``test_accuracy`` and ``test_loss`` come from scores averaged with those of the
            mirror images (the recipe's ``test_flip``); the history's rows never do.
        trained_on: The date (ISO, UTC) of the run that trained the weights; ``""`` when unknown.
        validation_images: How many training images were held out as the validation split (0: none).
        validation_accuracy: Accuracy on the validation images after the last epoch (each image alone);
            ``None`` without a validation split.
        validation_loss: Loss on the validation images after the last epoch; ``None`` without them.
    """

    model_name: str
    data_name: str
    device: str
    device_name: str
    torch_version: str
    cnnatlas_version: str
    profile: str
    epochs: int
    train_images: int
    wall_seconds: float
    images_per_second: float
    test_accuracy: float
    test_loss: float
    mean: tuple[float, ...]
    std: tuple[float, ...]
    history: list[EpochStats] = field(default_factory=list)
    from_cache: bool = False
    test_flip: bool = False  # test scores averaged with those of the mirror images
    trained_on: str = ""  # the date (ISO, UTC) of the run that trained the weights; "" when unknown
    validation_images: int = 0  # held out of the training split; 0: none
    validation_accuracy: float | None = None  # after the last epoch; None without a validation split
    validation_loss: float | None = None

    def __post_init__(self) -> None:
        for name in ("model_name", "data_name", "device", "device_name", "torch_version", "cnnatlas_version"):
            check_str(getattr(self, name), name, non_empty=False)
        check_choice(self.profile, "profile", PROFILES)
        check_positive_int(self.epochs, "epochs")
        check_positive_int(self.train_images, "train_images")
        check_float(self.wall_seconds, "wall_seconds", minimum=0)
        check_float(self.images_per_second, "images_per_second", minimum=0)
        check_float(self.test_accuracy, "test_accuracy", minimum=0, maximum=1)
        check_float(self.test_loss, "test_loss", finite=False)  # a diverged run is still a result
        for name in ("mean", "std"):
            values = getattr(self, name)
            if isinstance(values, str) or not isinstance(values, (tuple, list)):
                raise TypeError(
                    f"{name}: expected a tuple of numbers, one per channel, got {describe(values)}"
                )
            for i, value in enumerate(values):
                check_float(value, f"{name}[{i}]")
        if len(self.mean) != len(self.std):
            raise ValueError(
                f"mean and std: expected one value per channel in each, got {len(self.mean)} and {len(self.std)}"
            )
        if not isinstance(self.history, list) or not all(isinstance(h, EpochStats) for h in self.history):
            raise TypeError(f"history: expected a list of EpochStats, got {describe(self.history)}")
        self.from_cache = check_bool(self.from_cache, "from_cache")
        self.test_flip = check_bool(self.test_flip, "test_flip")
        check_str(self.trained_on, "trained_on", non_empty=False)
        check_non_negative_int(self.validation_images, "validation_images")
        if self.validation_accuracy is not None:
            check_float(self.validation_accuracy, "validation_accuracy", minimum=0, maximum=1)
        if self.validation_loss is not None:
            check_float(self.validation_loss, "validation_loss", finite=False)
        measured = "validation" if self.validation_images else "test"
        if (self.validation_accuracy is None) != (self.validation_images == 0) or (
            self.validation_loss is None
        ) != (self.validation_accuracy is None):
            raise ValueError(
                "validation_accuracy and validation_loss: expected both with validation_images > 0, both None "
                f"without, got {self.validation_accuracy} and {self.validation_loss} with "
                f"validation_images={self.validation_images}"
            )
        rows = {h.measured_on for h in self.history}
        if rows - {measured}:
            raise ValueError(
                f"history: expected rows measured on the {measured} split (validation_images="
                f"{self.validation_images}), got rows measured on {sorted(rows)}"
            )

    @property
    def normalization(self) -> Normalization:
        """The input normalisation the model was trained with (identity when the recipe did not normalise)."""
        return Normalization(tuple(self.mean), tuple(self.std))

    @property
    def weights_source(self) -> str:
        """Where the weights come from, in words: ``"trained in this run"`` or ``"cached weights from <date>"``."""
        if not self.from_cache:
            return "trained in this run"
        return f"cached weights from {self.trained_on}" if self.trained_on else "cached weights"

    def summary(self) -> str:
        """Return a one-line summary: model, device, time, images/s, accuracy (and the profile if quick).

        With a validation split it gives the validation accuracy and the test accuracy, labelled
        "test (once)": the test split was scored once, after the last epoch.

        Examples:
            >>> result = TrainResult("lenet", "FashionMNIST", "cpu", "CPU", "2", "0", "full", 1, 100, 2.0, 50.0,
            ...     0.5, 1.2, (0.3,), (0.35,), [EpochStats(1, 1.5, 0.4, None, None, 2.0, 1.1, 0.55)],
            ...     validation_images=20, validation_accuracy=0.55, validation_loss=1.1)
            >>> result.summary().split(", ", 1)[1]
            'validation accuracy 0.5500 (20 held-out images), test (once) accuracy 0.5000'
        """
        cached = (
            f" ({self.weights_source}; times are from the run that trained them)" if self.from_cache else ""
        )
        quick = "  [QUICK PROFILE: shortened training]" if self.profile == "quick" else ""
        accuracy = f"test accuracy {self.test_accuracy:.4f}"
        if self.validation_accuracy is not None:
            accuracy = (
                f"validation accuracy {self.validation_accuracy:.4f} ({self.validation_images:,} held-out "
                f"images), test (once) accuracy {self.test_accuracy:.4f}"
            )
        return (
            f"{self.model_name} on {self.data_name}: {self.epochs} epochs x {self.train_images:,} images "
            f"on {self.device_name} in {self.wall_seconds:.1f} s ({self.images_per_second:,.0f} images/s), "
            f"{accuracy}{cached}{quick}"
        )

    def table(self) -> str:
        """Return the training history as a compact text table: one row per epoch, then a summary line.

        Columns: epoch, mean training loss, training accuracy, held-out loss and accuracy (on the test
        split, or with a validation split on the validation images: the header says which), seconds of
        training. The next line says what was trained, where, at what speed, and where the weights come
        from (in words, never a path). With a validation split, a last line gives the test split's score,
        "test (once)"; without one, with the recipe's ``test_flip``, a last line gives the test accuracy of
        the scores averaged with the mirror images'.

        Examples:
            >>> result = TrainResult("lenet", "FashionMNIST", "cpu", "CPU", "2", "0", "full", 1, 100, 2.0,
            ...                      50.0, 0.5, 1.2, (0.3,), (0.35,), [EpochStats(1, 1.5, 0.4, 1.2, 0.5, 2.0)])
            >>> print(result.table())
            epoch  train loss  train acc  test loss  test acc  seconds
                1      1.5000     0.4000     1.2000    0.5000      2.0
            lenet on FashionMNIST: 1 epoch x 100 images on CPU, 50 images/s; trained in this run
            >>> validated = replace(result, history=[EpochStats(1, 1.5, 0.4, None, None, 2.0, 1.1, 0.55)],
            ...                     validation_images=20, validation_accuracy=0.55, validation_loss=1.1)
            >>> print(validated.table())
            epoch  train loss  train acc  validation loss  validation acc  seconds
                1      1.5000     0.4000           1.1000          0.5500      2.0
            lenet on FashionMNIST: 1 epoch x 100 images on CPU, 50 images/s; trained in this run
            test (once), after the last epoch: accuracy 0.5000, loss 1.2000
        """
        split = "validation" if self.validation_images else "test"
        header = f"epoch  train loss  train acc  {split} loss  {split} acc  seconds"
        loss_width, accuracy_width = len(split) + 5, len(split) + 4
        lines = [header]
        for h in self.history:
            lines.append(
                f"{h.epoch:5d}  {h.train_loss:10.4f}  {h.train_accuracy:9.4f}  {h.held_out_loss:{loss_width}.4f}"
                f"  {h.held_out_accuracy:{accuracy_width}.4f}  {h.seconds:7.1f}"
            )
        epochs = "epoch" if self.epochs == 1 else "epochs"
        quick = " (quick profile: shortened training)" if self.profile == "quick" else ""
        mirrored = " with each image's scores averaged with its mirror image's" if self.test_flip else ""
        if self.validation_images:
            last = (
                f"\ntest (once), after the last epoch: accuracy {self.test_accuracy:.4f}, loss "
                f"{self.test_loss:.4f}{mirrored}"
            )
        else:
            last = f"\ntest accuracy {self.test_accuracy:.4f}{mirrored}" if self.test_flip else ""
        lines.append(
            f"{self.model_name} on {self.data_name}: {self.epochs} {epochs} x {self.train_images:,} images on "
            f"{self.device_name}, {self.images_per_second:,.0f} images/s; {self.weights_source}{quick}{last}"
        )
        return "\n".join(lines)

    def to_dict(self) -> dict:
        """Return plain Python values only (what a ``weights_only`` load accepts)."""
        data = asdict(self)
        data["mean"], data["std"] = list(self.mean), list(self.std)
        return data

    @classmethod
    def from_dict(cls, data: dict) -> TrainResult:
        """Rebuild a result saved with [`to_dict()`][cnnatlas.train.TrainResult.to_dict]."""
        if not isinstance(data, dict):
            raise TypeError(f"data: expected a dict made by TrainResult.to_dict(), got {describe(data)}")
        known = [f.name for f in fields(cls)]
        optional = (
            "history", "from_cache", "test_flip", "trained_on",
            "validation_images", "validation_accuracy", "validation_loss",
        )  # fmt: skip
        required = [f.name for f in fields(cls) if f.name not in optional]
        missing = [k for k in required if k not in data]
        unknown = [k for k in data if k not in known]
        if missing or unknown:
            raise ValueError(
                f"data: expected the keys of TrainResult.to_dict(), got {len(missing)} missing {missing} "
                f"and {len(unknown)} unknown {unknown}"
            )
        history = data.get("history", [])
        if not isinstance(history, list) or not all(isinstance(h, dict) for h in history):
            raise TypeError(f"data['history']: expected a list of dicts, got {describe(history)}")
        row_fields = {f.name for f in fields(EpochStats)}
        row_required = {"epoch", "train_loss", "train_accuracy", "test_loss", "test_accuracy", "seconds"}
        for h in history:
            if not row_required <= set(h) <= row_fields:
                raise ValueError(f"data['history']: expected the fields of EpochStats, got keys {sorted(h)}")
        for name in ("mean", "std"):
            if isinstance(data[name], str) or not isinstance(data[name], (list, tuple)):
                raise TypeError(f"data[{name!r}]: expected a list of numbers, got {describe(data[name])}")
        values = dict(data)
        values["history"] = [EpochStats(**h) for h in values.get("history", [])]
        values["mean"], values["std"] = tuple(values["mean"]), tuple(values["std"])
        return cls(**values)


def _identity_normalization(channels: int) -> Normalization:
    return Normalization((0.0,) * channels, (1.0,) * channels)


def _flip(x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Random horizontal flip, per image, on the batch's device."""
    n = x.shape[0]
    flip = torch.rand(n, generator=generator, device="cpu").to(x.device) < 0.5
    return torch.where(flip.view(n, 1, 1, 1), x.flip(3), x)


def _flip_crop(x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Random horizontal flip and random crop after zero padding, per image, on the batch's device."""
    n, _, h, w = x.shape
    x = _flip(x, generator)
    padded = F.pad(x, (_CROP_PAD,) * 4)
    dy = torch.randint(0, 2 * _CROP_PAD + 1, (n,), generator=generator).to(x.device)
    dx = torch.randint(0, 2 * _CROP_PAD + 1, (n,), generator=generator).to(x.device)
    rows = (dy.view(n, 1, 1) + torch.arange(h, device=x.device).view(1, h, 1)).expand(n, h, w)
    cols = (dx.view(n, 1, 1) + torch.arange(w, device=x.device).view(1, 1, w)).expand(n, h, w)
    batch = torch.arange(n, device=x.device).view(n, 1, 1).expand(n, h, w)
    return padded.permute(0, 2, 3, 1)[batch, rows, cols].permute(0, 3, 1, 2).contiguous()


def _make_optimizer(
    model: nn.Module, config: TrainConfig, steps: int
) -> tuple[torch.optim.Optimizer, object]:
    if config.optimizer == "sgd":
        optimizer: torch.optim.Optimizer = torch.optim.SGD(
            model.parameters(), lr=config.lr, momentum=config.momentum, weight_decay=config.weight_decay
        )
    else:  # "adamw": TrainConfig allows no other value
        optimizer = torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    if config.schedule == "onecycle":
        scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=config.lr, total_steps=steps)
    else:  # "constant"
        scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda _: 1.0)
    return optimizer, scheduler


def _interactive() -> bool:
    """Whether a progress bar has a reader: stderr is a terminal, or this runs in a Jupyter notebook.

    Logs, CI and page builds (stderr redirected) get no bar: a bar there is only noise.
    """
    try:
        if sys.stderr is not None and sys.stderr.isatty():
            return True
    except (AttributeError, ValueError, OSError):  # no isatty, or a closed stream
        pass
    get_ipython = getattr(sys.modules.get("IPython"), "get_ipython", None)
    shell = get_ipython() if callable(get_ipython) else None
    return type(shell).__name__ == "ZMQInteractiveShell"


def _check_dataset(data: object, name: str) -> ImageDataset:
    """``data`` must be a non-empty ImageDataset (its images and labels were checked when it was made)."""
    if not isinstance(data, ImageDataset):
        raise TypeError(
            f"{name}: expected an ImageDataset (e.g. load_fashion_mnist(train=False)), got {describe(data)}"
        )
    if len(data) == 0:
        raise ValueError(f"{name}: expected at least one image, got an empty data set")
    return data


def _check_config(config: object) -> TrainConfig:
    if not isinstance(config, TrainConfig):
        raise TypeError(f"config: expected a TrainConfig (e.g. recipes.LENET), got {describe(config)}")
    return config


def _check_validation_images(config: TrainConfig, train: ImageDataset) -> None:
    """The validation images are held out of ``train``: some training images must remain."""
    if config.validation_images >= len(train):
        raise ValueError(
            f"config.validation_images: expected fewer than the {len(train):,} training images (they are held "
            f"out of them, and some must remain to train on), got {config.validation_images:,}"
        )


def _check_same_images(train: ImageDataset, test: ImageDataset) -> None:
    """The test images must fit the model trained on the training images: same (C, H, W)."""
    if tuple(test.images.shape[1:]) != tuple(train.images.shape[1:]):
        raise ValueError(
            f"test: expected images of the training images' (C, H, W) = {tuple(train.images.shape[1:])}, "
            f"got {tuple(test.images.shape[1:])}"
        )


def _model_device(model: nn.Module) -> torch.device:
    """Where the model's parameters (or buffers) are; the CPU for a model without any."""
    tensor = next(model.parameters(), None)
    if tensor is None:
        tensor = next(model.buffers(), None)
    return tensor.device if tensor is not None else torch.device("cpu")


def _class_scores(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """Run ``model`` on ``x``; a failing forward (whatever it raises: the ValueError names the layer and the
    shapes) or an output that is not (N, classes) is one clear ValueError."""
    with reported_forward(model, x):
        logits = model(x)
    if not isinstance(logits, torch.Tensor) or logits.dim() != 2 or logits.shape[0] != x.shape[0]:
        raise ValueError(
            f"model: expected class scores of shape ({x.shape[0]}, classes) for an input of shape "
            f"{tuple(x.shape)}, got {describe(logits)}"
        )
    return logits


def _check_labels(data: ImageDataset, name: str, classes: int) -> None:
    """Every label must index one of the model's ``classes`` outputs."""
    high = int(data.labels.max())
    if high >= classes:
        raise ValueError(
            f"{name}: expected labels in [0, {classes}) (the model outputs {classes} class scores), "
            f"got labels up to {high}"
        )


def _check_no_arguments(factory: Callable[..., object]) -> None:
    """A model factory is called with no argument: one that needs some is refused before anything runs."""
    try:
        signature = inspect.signature(factory)
    except (TypeError, ValueError):  # a builtin without a signature: it is called as it is
        return
    try:
        signature.bind()
    except TypeError as error:
        label = getattr(factory, "__name__", type(factory).__name__)
        raise TypeError(
            f"model_factory: expected a callable that builds the model with no argument, got {label}{signature} "
            f"({error}); wrap it: lambda: {label}(...)"
        ) from None


def _check_model_fits(model: nn.Module, train: ImageDataset, test: ImageDataset) -> None:
    """Before any training: one training image through the model (eval mode, no gradient, state restored)
    must give (1, classes) scores with every label of both splits below ``classes``."""
    x = train.images[:1].float().div(255.0).to(_model_device(model))
    with preserved_state(model), torch.no_grad():
        model.eval()
        classes = _class_scores(model, x).shape[1]
    _check_labels(train, "train", classes)
    _check_labels(test, "test", classes)


def _check_normalization(normalization: object, data: ImageDataset) -> Normalization:
    if not isinstance(normalization, Normalization):
        raise TypeError(
            f"normalization: expected a Normalization (e.g. result.normalization), got {describe(normalization)}"
        )
    if len(normalization.mean) != data.images.shape[1]:
        raise ValueError(
            f"normalization: expected one mean and std per channel of the images ({data.images.shape[1]}), "
            f"got {len(normalization.mean)}"
        )
    return normalization


@torch.no_grad()
def evaluate(
    model: nn.Module,
    data: ImageDataset,
    normalization: Normalization,
    device: torch.device | str | None = None,
    *,
    flip: bool = False,
) -> tuple[float, float, torch.Tensor]:
    """Return (mean loss, accuracy, predicted labels) of ``model`` on ``data``, in eval mode.

    With ``flip``, each image's class scores are the mean of the scores of the image and of its mirror
    image (left-right flipped): test-time augmentation, for data whose classes do not change in a mirror.

    Every submodule's mode, each ``requires_grad`` and the grad mode are restored afterwards
    ([`preserved_state()`][cnnatlas.forward.preserved_state]), also when the forward fails. ``device`` (a
    ``torch.device`` or a string such as ``"cpu"``) defaults to where the model's parameters are, and must
    be that device. A forward that fails, or labels beyond the model's outputs, raise one ValueError.

    Examples:
        >>> loss, acc, pred = evaluate(model, test, result.normalization)  # doctest: +SKIP
    """
    check_model(model)
    _check_dataset(data, "data")
    _check_normalization(normalization, data)
    flip = check_bool(flip, "flip")
    where = _model_device(model)
    if device is None:
        device = where
    else:
        device = check_device(device)
        if device.type != where.type or (device.index is not None and device.index != where.index):
            raise ValueError(
                f"device: expected the device of the model's parameters ({where}), got {device}; "
                "move the model with model.to(device) first"
            )
    alone, mirrored = _test_metrics(model, data, normalization, device, flip)
    return mirrored if mirrored is not None else alone


@torch.no_grad()
def _test_metrics(
    model: nn.Module, data: ImageDataset, normalization: Normalization, device: torch.device, flip: bool
) -> tuple[tuple[float, float, torch.Tensor], tuple[float, float, torch.Tensor] | None]:
    """(loss, accuracy, predictions) from the images alone and, with ``flip``, from their scores averaged
    with the mirror images' (None without): one pass over the data, arguments already checked."""
    high = int(data.labels.max())
    sums: dict[str, tuple[list[float], list[torch.Tensor]]] = {"alone": ([], []), "mirrored": ([], [])}
    with preserved_state(model), _threads(device):
        model.eval()
        for start in range(0, len(data), _EVAL_BATCH):
            x = normalization(data.images[start : start + _EVAL_BATCH].to(device))
            y = data.labels[start : start + _EVAL_BATCH].to(device)
            logits = _class_scores(model, x).float()
            if high >= logits.shape[1]:
                raise ValueError(
                    f"data: expected labels in [0, {logits.shape[1]}) (the model outputs {logits.shape[1]} "
                    f"class scores), got labels up to {high}"
                )
            scores = {"alone": logits}
            if flip:
                scores["mirrored"] = (logits + _class_scores(model, x.flip(3)).float()) / 2
            for key, value in scores.items():
                sums[key][0].append(float(F.cross_entropy(value, y, reduction="sum")))
                sums[key][1].append(value.argmax(1).cpu())
    labels = data.labels.cpu()

    def metrics(key: str) -> tuple[float, float, torch.Tensor]:
        losses, predictions = sums[key]
        predicted = torch.cat(predictions)
        return sum(losses) / len(data), float((predicted == labels).float().mean()), predicted

    return metrics("alone"), (metrics("mirrored") if flip else None)


@torch.inference_mode(False)  # training needs gradients, also when called inside no_grad/inference_mode
@torch.enable_grad()
def fit(
    model: nn.Module,
    train: ImageDataset,
    test: ImageDataset,
    config: TrainConfig,
    *,
    name: str | None = None,
    device: torch.device | str | None = None,
    progress: bool = True,
) -> TrainResult:
    """Train ``model`` in place on tensors already on the device; return a [`TrainResult`][cnnatlas.train.TrainResult].

    One loop for every page: data preloaded as uint8 tensors (no DataLoader, no per-epoch decoding),
    a seeded shuffle, channels_last memory (faster on CPU and GPU), bfloat16 autocast on CUDA, on the CPU
    [`training_threads()`][cnnatlas.train.training_threads] threads (restored afterwards), and a tqdm bar
    (shown only when ``progress`` and stderr is a terminal or a notebook runs it, never in logs or pages:
    a page prints [`TrainResult.table()`][cnnatlas.train.TrainResult.table] instead).
    With ``config.init == "xavier"`` the model is first re-initialised with [`init_xavier_()`][cnnatlas.models.init_xavier_].
    With ``config.validation_images`` N > 0, N training images are held out first
    ([`ImageDataset.holdout()`][cnnatlas.data.ImageDataset.holdout], seeded with ``config.seed``), the model
    trains on the rest (cut to ``config.train_images``), every epoch is measured on the N validation images,
    and the test split is scored once, after the last epoch (the result's ``test_accuracy``); without
    validation images every epoch is measured on the test split, as before.
    Gradients are on inside, also when it is called under ``torch.no_grad()`` or ``torch.inference_mode()``;
    the caller's grad mode is restored afterwards.

    Everything is checked before any training: ``model`` an ``nn.Module`` instance with trainable
    parameters (a class is refused: build it first), ``train``/``test`` non-empty [`ImageDataset`][cnnatlas.data.ImageDataset]
    of one image shape, one training image through the model giving (1, classes) scores with every label
    below ``classes``, ``config`` a [`TrainConfig`][cnnatlas.train.TrainConfig], ``device`` a ``torch.device`` or a string such
    as ``"cpu"`` (normalised to a ``torch.device``; None: [`best_device()`][cnnatlas.train.best_device]) present here, and a
    normalisation with no constant channel.

    Examples:
        >>> result = fit(LeNet(), train, test, TrainConfig(epochs=1))  # doctest: +SKIP
    """
    check_model(model)
    _check_dataset(train, "train")
    _check_dataset(test, "test")
    _check_same_images(train, test)
    _check_config(config)
    if name is not None:
        check_str(name, "name")
    device = best_device() if device is None else check_device(device)
    progress = check_bool(progress, "progress")
    if any(p.is_inference() for p in model.parameters()):
        raise ValueError(
            f"model: expected parameters that can train, got {type(model).__name__} built under "
            "torch.inference_mode() (inference tensors never take a gradient); build it outside that block"
        )
    if not any(p.requires_grad for p in model.parameters()):
        raise ValueError(
            f"model: expected trainable parameters, got {type(model).__name__} with none requiring a gradient"
        )
    _check_model_fits(model, train, test)
    _check_validation_images(config, train)
    profile = build_profile()
    validation = None
    if config.validation_images:  # held out first: train_images then cuts what is left
        train, validation = train.holdout(config.validation_images, seed=config.seed)
    if config.train_images is not None:
        train = train.subset(config.train_images)
    channels = train.images.shape[1]
    normalization = train.normalization() if config.normalize else _identity_normalization(channels)
    if config.init == "xavier":
        init_xavier_(model)
    generator = torch.Generator().manual_seed(config.seed)
    on_cuda = device.type == "cuda"
    # channels_last measured faster on CPU too (oneDNN, 1 thread): the CIFAR CNN 1.2x, VGG-style 1.9x
    memory_format = torch.channels_last
    model.to(device=device, memory_format=memory_format)
    images, labels = train.images.to(device), train.labels.to(device)
    batches = math.ceil(len(train) / config.batch_size)
    optimizer, scheduler = _make_optimizer(model, config, steps=batches * config.epochs)
    history: list[EpochStats] = []
    train_seconds = 0.0
    started = time.perf_counter()
    bar = tqdm(
        total=batches * config.epochs,
        disable=not (progress and _interactive()),
        desc=name or type(model).__name__,
        unit="batch",
    )
    with _threads(device):  # 1 thread on a busy 2-core machine: see training_threads()
        try:
            for epoch in range(config.epochs):
                model.train()
                epoch_start = time.perf_counter()
                order = torch.randperm(len(train), generator=generator).to(device)
                loss_sum, correct = torch.zeros((), device=device), torch.zeros((), device=device)
                for b in range(batches):
                    index = order[b * config.batch_size : (b + 1) * config.batch_size]
                    x = normalization(images[index])
                    if config.augment == "flip_crop":
                        x = _flip_crop(x, generator)
                    elif config.augment == "flip":
                        x = _flip(x, generator)
                    x = x.contiguous(memory_format=memory_format)
                    y = labels[index]
                    with torch.autocast(device_type="cuda", dtype=torch.bfloat16, enabled=on_cuda):
                        logits = model(x)
                        loss = F.cross_entropy(logits.float(), y, label_smoothing=config.label_smoothing)
                    optimizer.zero_grad(set_to_none=True)
                    loss.backward()
                    optimizer.step()
                    scheduler.step()
                    loss_sum += loss.detach() * len(index)
                    correct += (logits.argmax(1) == y).sum()
                    if not bar.disable and (b % 20 == 0 or b == batches - 1):
                        bar.set_postfix(epoch=epoch + 1, loss=f"{loss.item():.3f}")
                    bar.update(1)
                if on_cuda:
                    torch.cuda.synchronize()
                epoch_train_seconds = time.perf_counter() - epoch_start
                train_seconds += epoch_train_seconds
                final_epoch = epoch == config.epochs - 1  # test_flip: the mirror images after the last epoch
                row = dict(epoch=epoch + 1, train_loss=float(loss_sum) / len(train),
                           train_accuracy=float(correct) / len(train), seconds=epoch_train_seconds)  # fmt: skip
                if validation is not None:  # the epoch measured on the validation images, each alone
                    (held_loss, held_accuracy, _), _ = _test_metrics(
                        model, validation, normalization, device, False
                    )
                    row.update(test_loss=None, test_accuracy=None,
                               validation_loss=held_loss, validation_accuracy=held_accuracy)  # fmt: skip
                else:  # no validation split: the epoch measured on the test split
                    alone, mirrored = _test_metrics(
                        model, test, normalization, device, config.test_flip and final_epoch
                    )
                    held_loss, held_accuracy, _ = alone
                    row.update(test_loss=held_loss, test_accuracy=held_accuracy)
                history.append(EpochStats(**row))
                bar.set_postfix(
                    epoch=epoch + 1, **{f"{history[-1].measured_on[:4]}_acc": f"{held_accuracy:.3f}"}
                )
            if validation is not None:  # the test split, scored once, after the last epoch
                alone, mirrored = _test_metrics(model, test, normalization, device, config.test_flip)
        finally:
            bar.close()
    model.eval()
    last = history[-1]
    return TrainResult(
        model_name=name or type(model).__name__, data_name=train.name, device=device.type,
        device_name=device_name(device), torch_version=str(torch.__version__), cnnatlas_version=__version__,
        profile=profile, epochs=config.epochs, train_images=len(train),
        wall_seconds=time.perf_counter() - started,
        images_per_second=len(train) * config.epochs / max(train_seconds, 1e-9),
        test_accuracy=(mirrored or alone)[1], test_loss=(mirrored or alone)[0],
        mean=normalization.mean, std=normalization.std, history=history, test_flip=config.test_flip,
        trained_on=datetime.datetime.now(datetime.timezone.utc).date().isoformat(),
        validation_images=config.validation_images, validation_accuracy=last.validation_accuracy,
        validation_loss=last.validation_loss,
    )  # fmt: skip


def _architecture(model: nn.Module) -> dict:
    return {
        "class": f"{type(model).__module__}.{type(model).__qualname__}",
        "repr": repr(model),
        "shapes": {k: list(v.shape) for k, v in model.state_dict().items()},
    }


@torch.inference_mode(False)  # the factory builds parameters that train: never inference tensors
@torch.enable_grad()
def train_or_load(
    name: str,
    model_factory: Callable[[], nn.Module],
    train: ImageDataset,
    test: ImageDataset,
    config: TrainConfig,
    *,
    device: torch.device | str | None = None,
    progress: bool = True,
) -> tuple[nn.Module, TrainResult]:
    """Return a trained model and its result, training only when no valid cached weights exist.

    The model is built by ``model_factory`` after seeding, so that a run is reproducible. Weights are
    cached under ``$CNNATLAS_CACHE/models`` keyed by the name, the architecture, the data, the recipe (as cut
    by the build profile) and the cnnatlas version; written atomically and loaded with ``weights_only=True``.

    ``name`` is a plain file name (letters, digits, ``.``, ``_``, ``-``; never a path: ``"../x"`` is
    refused), ``model_factory`` a class or function that builds the model (an instance is refused: pass
    the class, or ``lambda: model``); the rest is checked as [`fit()`][cnnatlas.train.fit] checks it, before any training
    and before the cache is read.

    Examples:
        >>> model, result = train_or_load("lenet", LeNet, train, test, recipes.LENET)  # doctest: +SKIP
    """
    check_file_name(name, "name")
    check_factory(model_factory, "model_factory")
    _check_no_arguments(model_factory)
    _check_dataset(train, "train")
    _check_dataset(test, "test")
    _check_same_images(train, test)
    _check_config(config)
    _check_validation_images(config, train)
    device = best_device() if device is None else check_device(device)
    progress = check_bool(progress, "progress")
    if build_profile() == "quick":
        config = config.quick()
    seed_everything(config.seed)
    model = model_factory()  # fit() applies config.init; the key depends on shapes only
    if not isinstance(model, nn.Module):
        raise TypeError(f"model_factory: expected it to build an nn.Module, got {describe(model)}")
    _check_model_fits(model, train, test)
    key = stable_hash({
        "name": name, "architecture": _architecture(model), "config": asdict(config), "version": __version__,
        "train": train.fingerprint(), "test": test.fingerprint(),
        "eval_batch": _EVAL_BATCH,  # the stored test results depend on it, to the last near tie
    })  # fmt: skip
    path = cache_file("models", name, f"-{key[:16]}.pt")
    with exclusive(path):  # another process training this model now: wait for it, then load its weights
        payload = load_checked(path, key)
        if payload is not None:
            try:
                result = TrainResult.from_dict(payload["result"])
                model.load_state_dict(payload["state_dict"])
            except (KeyError, TypeError, ValueError, RuntimeError) as error:  # written by another cnnatlas
                warnings.warn(
                    f"cnnatlas cache {path.name} holds a result this version cannot read "
                    f"({type(error).__name__}); rebuilding it",
                    CacheWarning,
                    stacklevel=2,
                )
                path.unlink(missing_ok=True)
                payload = None
                seed_everything(config.seed)
                model = model_factory()  # a fresh start: a failed load may have copied some tensors
        if payload is not None:
            model.to(device).eval()
            result.from_cache = True
        else:
            result = fit(model, train, test, config, name=name, device=device, progress=progress)
            state = {k: v.detach().cpu() for k, v in model.state_dict().items()}
            save_atomic({"key": key, "state_dict": state, "result": result.to_dict()}, path)
    _RESULTS.append(result)
    return model, result


def results_this_process() -> list[TrainResult]:
    """Return the results of every [`train_or_load()`][cnnatlas.train.train_or_load] call made in this process (for build reports).

    Examples:
        >>> isinstance(results_this_process(), list)
        True
    """
    return list(_RESULTS)
