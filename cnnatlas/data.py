"""Real data sets as uint8 tensors: FashionMNIST and CIFAR-10, online through torchvision or from an offline mirror.

Where the data comes from, in order:

1. ``$CNNATLAS_DATA`` (default ``~/.cache/cnnatlas/data``) already holds it: it is loaded from there.
2. ``$CNNATLAS_DATA_MIRROR`` names a folder laid out like ``shared/data`` (``FashionMNIST/raw/*.gz``,
   ``CIFAR-10-images.tar.gz``): the data root is seeded from it, without a network call.
3. Otherwise torchvision downloads the canonical files; if that fails, one [`DataUnavailableError`][cnnatlas.data.DataUnavailableError]
   names both variables and the expected layout.

Images are decoded once and kept as ``uint8`` tensors of shape (N, C, H, W), so no epoch decodes an image.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import io
import os
import shutil
import socket
import tarfile
import tempfile
import urllib.error
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from .cache import exclusive, load_checked, save_atomic
from .checks import (
    check_bool,
    check_choice,
    check_float,
    check_int,
    check_positive_int,
    check_str,
    check_tensor,
    describe,
)

DATA_ENV = "CNNATLAS_DATA"
MIRROR_ENV = "CNNATLAS_DATA_MIRROR"
DOWNLOAD_TIMEOUT_S = 20
_STATS_CHUNK = 10_000  # images per chunk when computing mean/std (bounded memory on CIFAR-10)
_SEED_MAX = 2**64 - 1  # the largest seed torch.Generator.manual_seed accepts (train.SEED_MAX)
PHOTOS = ("astronaut", "camera", "coffee", "chelsea", "rocket", "cat")
"""The scikit-image photographs [`load_photo()`][cnnatlas.data.load_photo] can return."""

FASHION_CLASSES = (
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
)  # fmt: skip
CIFAR10_CLASSES = (
    "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck",
)  # fmt: skip
_FASHION_RAW = (
    "train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte",
)  # fmt: skip
_CIFAR_TAR = "CIFAR-10-images.tar.gz"
_EXPECTED_LAYOUT = (
    "FashionMNIST/raw/{train,t10k}-{images-idx3,labels-idx1}-ubyte.gz and "
    "CIFAR-10-images.tar.gz (train/<class>/*.jpg, test/<class>/*.jpg)"
)


class DataUnavailableError(RuntimeError):
    """The data set is neither cached, nor in a mirror, nor downloadable."""


@dataclass(frozen=True)
class Normalization:
    """Per-channel mean and standard deviation of images scaled to [0, 1], computed from data.

    Calling it turns uint8 (N, C, H, W) images (or float ones already in [0, 1]) into normalised float32
    tensors. ``mean`` and ``std`` are checked when it is made: one finite number per channel, every std > 0
    (a zero std would divide by zero and turn every image into NaN).

    Examples:
        >>> norm = Normalization(mean=(0.5,), std=(0.25,))
        >>> norm(torch.full((2, 1, 4, 4), 255, dtype=torch.uint8)).unique()
        tensor([2.])
        >>> Normalization(mean=(0.5,), std=(0.0,))
        Traceback (most recent call last):
        ...
        ValueError: std[0]: expected a number > 0, got 0.0

    Attributes:
        mean: One mean per channel, of pixel values scaled to [0, 1].
        std: One standard deviation per channel, each > 0.
    """

    mean: tuple[float, ...]
    std: tuple[float, ...]

    def __post_init__(self) -> None:
        for field_name in ("mean", "std"):
            values = getattr(self, field_name)
            if isinstance(values, (str, bytes, torch.Tensor)) or not isinstance(values, (tuple, list)):
                raise TypeError(
                    f"{field_name}: expected a tuple of numbers, one per channel, got {describe(values)}"
                )
            if not values:
                raise ValueError(
                    f"{field_name}: expected one number per channel, got an empty {type(values).__name__}"
                )
            above = 0.0 if field_name == "std" else None
            numbers = tuple(check_float(v, f"{field_name}[{i}]", above=above) for i, v in enumerate(values))
            object.__setattr__(self, field_name, numbers)
        if len(self.mean) != len(self.std):
            raise ValueError(
                f"mean and std: expected one value per channel in each, got {len(self.mean)} and {len(self.std)}"
            )

    def __call__(self, images: torch.Tensor) -> torch.Tensor:
        channels = len(self.mean)
        check_tensor(images, "images", rank=4, layout="(N, C, H, W)")
        if images.shape[1] != channels:
            hwc = images.shape[3] == channels and images.shape[1] not in (1, 3, 4)
            hint = "; this looks like NHWC: try images.permute(0, 3, 1, 2)" if hwc else ""
            raise ValueError(
                f"images: expected {channels} channel(s) on the C axis of (N, C, H, W) (this normalisation's "
                f"mean and std have {channels}), got shape {tuple(images.shape)}{hint}"
            )
        if images.dtype != torch.uint8 and not images.is_floating_point():
            raise TypeError(
                f"images: expected uint8 (0-255) or floating-point (0-1) images, got dtype {images.dtype}; "
                "convert with x.to(torch.uint8) for 0-255 values or x.float() / 255"
            )
        x = images.float() / 255.0 if images.dtype == torch.uint8 else images.float()
        shape = (1, len(self.mean), 1, 1)
        mean = torch.tensor(self.mean, device=x.device).view(shape)
        std = torch.tensor(self.std, device=x.device).view(shape)
        return (x - mean) / std


@dataclass(frozen=True)
class ImageDataset:
    """Images as a uint8 (N, C, H, W) tensor with int64 labels, plus where they came from.

    Every field is checked when the data set is made: at least one image, uint8 (N, C, H, W) images (an
    NHWC tensor is named as such), one int64 label per image, each in [0, number of classes).

    Examples:
        >>> ds = ImageDataset("demo", "test", torch.zeros(4, 1, 2, 2, dtype=torch.uint8),
        ...                   torch.arange(4), ("a", "b", "c", "d"), "made up")
        >>> len(ds.subset(2))
        2

    Attributes:
        name: The data set's name, e.g. ``"FashionMNIST"``.
        split: ``"train"``, ``"test"``, or ``"validation"`` for images held out of the training split by
            [`holdout()`][cnnatlas.data.ImageDataset.holdout].
        images: uint8 tensor of shape (N, C, H, W).
        labels: int64 tensor of shape (N,), each in [0, ``len(classes)``).
        classes: The class names, indexed by label.
        source: Where the images came from, in words (never a path of this machine).
    """

    name: str
    split: str
    images: torch.Tensor
    labels: torch.Tensor
    classes: tuple[str, ...]
    source: str

    def __post_init__(self) -> None:
        check_str(self.name, "name")
        check_str(self.split, "split")
        check_str(self.source, "source", non_empty=False)
        classes = self.classes
        if isinstance(classes, str) or not isinstance(classes, (tuple, list)):
            raise TypeError(f"classes: expected a tuple of class names, got {describe(classes)}")
        if not classes or not all(isinstance(c, str) for c in classes):
            raise ValueError(f"classes: expected at least one class name, all strings, got {classes!r}")
        object.__setattr__(self, "classes", tuple(classes))
        images = self.images
        if isinstance(images, torch.Tensor) and images.dim() == 3:
            raise ValueError(
                f"images: expected a 4D (N, C, H, W) tensor, got shape {tuple(images.shape)}; this looks like "
                "(N, H, W) images without a channel axis: try images.unsqueeze(1)"
            )
        check_tensor(images, "images", rank=4, layout="(N, C, H, W)", dtypes=(torch.uint8,))
        labels = self.labels
        check_tensor(labels, "labels", rank=1, dtypes=(torch.int64,))
        if labels.shape[0] != images.shape[0]:
            raise ValueError(
                f"labels: expected one label per image ({images.shape[0]}), got {labels.shape[0]}"
            )
        low, high = int(labels.min()), int(labels.max())
        if low < 0 or high >= len(self.classes):
            raise ValueError(
                f"labels: expected class indices in [0, {len(self.classes)}) (one per name in classes), "
                f"got values from {low} to {high}"
            )

    def __len__(self) -> int:
        return int(self.labels.shape[0])

    def subset(self, count: int) -> ImageDataset:
        """Return the first ``count`` images of every class interleaved, so that classes stay balanced.

        A ``count`` of at least ``len(self)`` returns the data set itself.
        """
        check_positive_int(count, "count")
        if count >= len(self):
            return self
        order = torch.argsort(self._rank_within_class(), stable=True)[:count]
        return ImageDataset(
            self.name,
            f"{self.split}[:{count}]",
            self.images[order],
            self.labels[order],
            self.classes,
            self.source,
        )

    def holdout(self, n: int, seed: int = 0) -> tuple[ImageDataset, ImageDataset]:
        """Return (the rest, ``n`` held-out images): a validation split carved from these images.

        The held-out images are drawn at random with a generator seeded by ``seed`` (the same seed, the
        same split), class-balanced where ``n`` allows: ``n // classes`` images of every class, the
        remainder spread one each over randomly chosen classes; a class with too few images gives all it
        has and the others make up the difference. Both parts keep the original order of the images; the
        held-out part's ``split`` is ``"validation"``. ``n`` is an int from 1 to ``len(self) - 1`` (some
        images must remain), ``seed`` an int from 0 to ``2**64 - 1``.

        Examples:
            >>> ds = ImageDataset("demo", "train", torch.zeros(10, 1, 2, 2, dtype=torch.uint8),
            ...                   torch.arange(10) % 2, ("a", "b"), "made up")
            >>> rest, validation = ds.holdout(4, seed=0)
            >>> len(rest), len(validation), validation.split, validation.labels.bincount().tolist()
            (6, 4, 'validation', [2, 2])
        """
        check_positive_int(n, "n")
        if n >= len(self):
            raise ValueError(
                f"n: expected fewer images than the data set holds ({len(self):,}), so that some remain "
                f"to train on, got {n:,}"
            )
        seed = check_int(seed, "seed", minimum=0, maximum=_SEED_MAX)
        shuffled = torch.randperm(len(self), generator=torch.Generator().manual_seed(seed))
        # the k-th image of each class in the shuffled order gets rank k: taking the n lowest ranks takes
        # n // classes of every class (and one more from the classes that come first among the next rank)
        rank = _rank_within_class(self.labels[shuffled])
        chosen = shuffled[torch.argsort(rank, stable=True)[:n]]
        held = torch.zeros(len(self), dtype=torch.bool)
        held[chosen] = True
        parts = []
        for mask, split in ((~held, f"{self.split} minus validation"), (held, "validation")):
            index = mask.nonzero().flatten()
            parts.append(
                ImageDataset(
                    self.name, split, self.images[index], self.labels[index], self.classes, self.source
                )
            )
        return parts[0], parts[1]

    def _rank_within_class(self) -> torch.Tensor:
        return _rank_within_class(self.labels)

    def normalization(self) -> Normalization:
        """Return the per-channel mean and std of these images (scaled to [0, 1]), in float64 chunks."""
        total = torch.zeros(self.images.shape[1], dtype=torch.float64)
        squares = torch.zeros_like(total)
        for chunk in self.images.split(_STATS_CHUNK):
            x = chunk.to(torch.float64).div_(255.0)
            total += x.sum(dim=(0, 2, 3))
            squares += x.square().sum(dim=(0, 2, 3))
        count = self.images.numel() // self.images.shape[1]
        if count < 2:
            raise ValueError(
                f"images: expected at least 2 pixels per channel to compute a std, got shape {tuple(self.images.shape)}"
            )
        mean = total / count
        std = ((squares - count * mean.square()) / (count - 1)).clamp(min=0).sqrt()
        constant = [c for c, s in enumerate(std.tolist()) if not s > 0]
        if constant:
            raise ValueError(
                f"images: expected every channel to vary, got channel(s) {constant} constant (std 0), so "
                "normalising would divide by zero; train without it (TrainConfig(normalize=False))"
            )
        return Normalization(tuple(mean.tolist()), tuple(std.tolist()))

    def fingerprint(self) -> str:
        """Return a short hash of the images and labels: what a trained-weights cache is keyed on."""
        return self._digest

    @functools.cached_property
    def _digest(self) -> str:
        digest = hashlib.blake2b(digest_size=12)
        digest.update(self.images.detach().cpu().contiguous().numpy().tobytes())
        digest.update(self.labels.detach().cpu().numpy().tobytes())
        return digest.hexdigest()


def _rank_within_class(labels: torch.Tensor) -> torch.Tensor:
    """Each label's position among the labels of its class: 0 for a class's first image, 1 for its second..."""
    rank = torch.empty_like(labels)
    for label in labels.unique():
        where = (labels == label).nonzero().flatten()
        rank[where] = torch.arange(len(where))
    return rank


def data_root() -> Path:
    """Return the data root: ``$CNNATLAS_DATA`` or ``~/.cache/cnnatlas/data`` (created if missing).

    Examples:
        >>> data_root().is_dir()
        True
    """
    value = os.environ.get(DATA_ENV)
    root = Path(value).expanduser() if value else Path.home() / ".cache" / "cnnatlas" / "data"
    root.mkdir(parents=True, exist_ok=True)
    return root


def _mirror() -> Path | None:
    value = os.environ.get(MIRROR_ENV)
    if not value:
        return None
    mirror = Path(value).expanduser()
    if not mirror.is_dir():
        raise DataUnavailableError(
            f"{MIRROR_ENV}={value} is not a folder; expected a folder holding {_EXPECTED_LAYOUT}"
        )
    return mirror


def _unavailable(name: str, error: BaseException | None) -> DataUnavailableError:
    why = f" (download failed: {type(error).__name__}: {' '.join(str(error).split())})" if error else ""
    return DataUnavailableError(
        f"{name} is not in {DATA_ENV} ({data_root()}) and could not be downloaded{why}. "
        f"Offline, set {MIRROR_ENV} to a folder holding {_EXPECTED_LAYOUT}; "
        f"or set {DATA_ENV} to a folder that already holds torchvision's files."
    )


@contextmanager
def download_timeout(seconds: float = DOWNLOAD_TIMEOUT_S) -> Iterator[None]:
    """Bound every socket operation inside the block (torchvision's downloads), so that offline fails fast.

    The previous default timeout is restored afterwards, also on error.

    Examples:
        >>> with download_timeout(5):
        ...     socket.getdefaulttimeout()
        5.0
    """
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(seconds)
    try:
        yield
    finally:
        socket.setdefaulttimeout(previous)


def _gunzip_atomic(source: Path, target: Path) -> None:
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    tmp = Path(tmp_name)
    try:
        with gzip.open(source, "rb") as src, os.fdopen(fd, "wb") as dst:
            shutil.copyfileobj(src, dst)
        tmp.replace(target)
    finally:
        tmp.unlink(missing_ok=True)


def _seed_fashion_mnist(raw: Path) -> bool:
    mirror = _mirror()
    if mirror is None:
        return False
    sources = [mirror / "FashionMNIST" / "raw" / f"{stem}.gz" for stem in _FASHION_RAW]
    missing = [str(s) for s in sources if not s.exists()]
    if missing:
        raise DataUnavailableError(
            f"{MIRROR_ENV} is set but lacks {', '.join(missing)}; expected {_EXPECTED_LAYOUT}"
        )
    raw.mkdir(parents=True, exist_ok=True)
    for source, stem in zip(sources, _FASHION_RAW, strict=True):
        if not (raw / stem).exists():
            _gunzip_atomic(source, raw / stem)
    return True


def _check_split(train: object) -> bool:
    """``train`` must be True or False: a string such as "test" is refused, never read as True."""
    if isinstance(train, str):
        fix = (
            "train=False"
            if train.strip().lower() in ("test", "val", "valid", "eval")
            else "train=True or False"
        )
        raise TypeError(
            f"train: expected True (the training split) or False (the test split), got {train!r}; pass {fix}"
        )
    return check_bool(train, "train")


def load_fashion_mnist(train: bool = True) -> ImageDataset:
    """Return FashionMNIST's train (60,000) or test (10,000) split as uint8 (N, 1, 28, 28) images.

    ``train`` is True or False; anything else (``"test"``, 0, None) is a TypeError.
    ``source`` says where the files came from in words (no path of this machine).

    Examples:
        >>> test = load_fashion_mnist(train=False)  # doctest: +SKIP
        >>> test.images.shape, test.images.dtype    # doctest: +SKIP
        (torch.Size([10000, 1, 28, 28]), torch.uint8)
    """
    train = _check_split(train)
    root = data_root()
    raw = root / "FashionMNIST" / "raw"
    source = "torchvision's files, already in the data folder"
    if not all((raw / stem).exists() for stem in _FASHION_RAW):
        if _seed_fashion_mnist(raw):
            source = "offline mirror"
        else:
            source = "torchvision download"
    import torchvision.datasets  # here, not at import: it costs seconds that `import cnnatlas` need not pay

    try:
        with download_timeout():
            ds = torchvision.datasets.FashionMNIST(str(root), train=train, download=True)
    except (urllib.error.URLError, OSError, RuntimeError) as error:
        raise _unavailable("FashionMNIST", error) from error
    return ImageDataset(
        "FashionMNIST",
        "train" if train else "test",
        ds.data.unsqueeze(1).contiguous(),
        ds.targets.long(),
        FASHION_CLASSES,
        source,
    )


def _decode_cifar_tar(tar_path: Path) -> dict[str, tuple[torch.Tensor, torch.Tensor]]:
    """Decode every JPEG of the mirror's archive in one pass: ``{"train": (images, labels), "test": ...}``.

    Each image is decoded straight into one (N, H, W, 3) array per split, turned to (N, 3, H, W) once at
    the end: no tensor per image (that per-image overhead cost as much as decoding the 32x32 JPEGs).
    """
    images: dict[str, list[np.ndarray]] = {"train": [], "test": []}
    labels: dict[str, list[int]] = {"train": [], "test": []}
    index = {name: i for i, name in enumerate(CIFAR10_CLASSES)}
    with tarfile.open(tar_path, "r:gz") as archive:
        for member in archive:
            parts = Path(member.name).parts
            if (
                not member.isfile()
                or len(parts) != 3
                or parts[0] not in images
                or not parts[2].endswith(".jpg")
            ):
                continue
            data = archive.extractfile(member)
            if data is None or parts[1] not in index:
                continue
            with Image.open(io.BytesIO(data.read()), formats=("JPEG",)) as jpeg:
                images[parts[0]].append(np.asarray(jpeg if jpeg.mode == "RGB" else jpeg.convert("RGB")))
            labels[parts[0]].append(index[parts[1]])
    empty = [split for split, found in images.items() if not found]
    if empty:
        raise DataUnavailableError(
            f"{tar_path} holds no {' or '.join(empty)}/<class>/*.jpg images; expected {_EXPECTED_LAYOUT}"
        )
    return {
        split: (
            torch.from_numpy(np.stack(images[split])).permute(0, 3, 1, 2).contiguous(),
            torch.tensor(labels[split], dtype=torch.long),
        )
        for split in images
    }


def load_cifar10(train: bool = True) -> ImageDataset:
    """Return CIFAR-10's train (50,000) or test (10,000) split as uint8 (N, 3, 32, 32) images.

    The canonical torchvision files are used when present or downloadable; offline, the JPEG mirror is
    decoded once into a tensor cache in the data root (its pixels differ slightly: the source says which).
    ``train`` is True or False; anything else (``"test"``, 0, None) is a TypeError.

    Examples:
        >>> test = load_cifar10(train=False)     # doctest: +SKIP
        >>> test.images.shape                    # doctest: +SKIP
        torch.Size([10000, 3, 32, 32])
    """
    train = _check_split(train)
    root = data_root()
    split = "train" if train else "test"
    canonical = root / "cifar-10-batches-py"
    mirror = None if canonical.exists() else _mirror()
    if mirror is not None:
        tar_path = mirror / _CIFAR_TAR
        if not tar_path.exists():
            raise DataUnavailableError(
                f"{MIRROR_ENV} is set but lacks {tar_path}; expected {_EXPECTED_LAYOUT}"
            )
        size = tar_path.stat().st_size
        with exclusive(root / "cifar10-jpeg.pt"):  # another process decoding it now: wait, then load
            payload = load_checked(root / f"cifar10-jpeg-{split}.pt", f"cifar10-jpeg-{split}-{size}")
            if payload is None:  # decode both splits in one pass over the archive, cache both
                decoded = {
                    name: {"key": f"cifar10-jpeg-{name}-{size}", "images": images, "labels": labels}
                    for name, (images, labels) in _decode_cifar_tar(tar_path).items()
                }
                for name, content in decoded.items():
                    save_atomic(content, root / f"cifar10-jpeg-{name}.pt")
                payload = decoded[split]
        return ImageDataset(
            "CIFAR-10",
            split,
            payload["images"],
            payload["labels"],
            CIFAR10_CLASSES,
            "offline mirror (CIFAR-10 as JPEG files, decoded once: pixels differ slightly from the original)",
        )
    present = canonical.exists()
    import torchvision.datasets  # here, not at import: it costs seconds that `import cnnatlas` need not pay

    try:
        with download_timeout():
            ds = torchvision.datasets.CIFAR10(str(root), train=train, download=not present)
    except (urllib.error.URLError, OSError, RuntimeError) as error:
        raise _unavailable("CIFAR-10", error) from error
    images = torch.from_numpy(ds.data).permute(0, 3, 1, 2).contiguous()
    return ImageDataset(
        "CIFAR-10",
        split,
        images,
        torch.tensor(ds.targets, dtype=torch.long),
        CIFAR10_CLASSES,
        "torchvision's files, already in the data folder" if present else "torchvision download",
    )


def load_photo(name: str = "astronaut") -> torch.Tensor:
    """Return one of scikit-image's real photographs as a uint8 (3, H, W) tensor (grayscale ones as (1, H, W)).

    ``name`` is one of [`PHOTOS`][cnnatlas.data.PHOTOS].

    Examples:
        >>> load_photo("camera").shape
        torch.Size([1, 512, 512])
    """
    import skimage.data

    check_choice(name, "name", PHOTOS)
    array = getattr(skimage.data, name)()
    tensor = torch.from_numpy(array.copy())
    return tensor.unsqueeze(0) if tensor.dim() == 2 else tensor.permute(2, 0, 1).contiguous()
