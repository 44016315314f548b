"""torchvision's ImageNet models with their pretrained weights when they can be had, else a labelled fallback.

Weights come from torch hub's cache (``torch.hub.get_dir()``) or are downloaded through torchvision's
weights API. Offline, with no cached file, the caller gets randomly initialised weights and a
``source`` that says so; pages then train a stand-in ([`VGGStyleNet`][cnnatlas.models.VGGStyleNet] with
[`VGG_STYLE`][cnnatlas.recipes.VGG_STYLE]) and say which. A cached file that cannot be read is reported in a
[`CacheWarning`][cnnatlas.cache.CacheWarning] and removed, never silently used as a random initialisation.

Examples:
    >>> cached_weights_path("resnet18").name
    'resnet18-f37072fd.pth'
"""

from __future__ import annotations

import contextlib
import io
import pickle
import urllib.error
import warnings
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from .cache import CacheWarning
from .checks import check_bool, check_choice, check_model, check_str
from .data import Normalization, download_timeout

_MODELS = {"vgg16": ("vgg16", "VGG16_Weights"), "resnet18": ("resnet18", "ResNet18_Weights")}
IMAGENET_MEAN = (0.485, 0.456, 0.406)  # torchvision's published preprocessing for these weights
IMAGENET_STD = (0.229, 0.224, 0.225)
IMAGENET_MODELS = tuple(_MODELS)
"""The names [`load_imagenet_model()`][cnnatlas.pretrained.load_imagenet_model] accepts."""


@dataclass
class LoadedModel:
    """A model, a sentence saying which weights it holds, and the input normalisation those weights expect.

    Attributes:
        model: The model, in eval mode.
        pretrained: Whether it holds ImageNet weights (``False``: a labelled fallback).
        source: Where the weights came from, in words for a reader, never a path.
    """

    model: nn.Module
    pretrained: bool
    source: str

    def __post_init__(self) -> None:
        check_model(self.model)
        self.pretrained = check_bool(self.pretrained, "pretrained")
        check_str(self.source, "source")

    @property
    def normalization(self) -> Normalization:
        """ImageNet's published mean and std (what torchvision's weights were trained with)."""
        return Normalization(IMAGENET_MEAN, IMAGENET_STD)


def _builder_and_weights(name: str):
    """torchvision's builder and ImageNet weights enum for ``name``; torchvision is imported here, when first
    needed: importing it costs seconds (``torchvision.ops`` imports ``torch._dynamo``), which every
    ``import cnnatlas`` (the site build's hooks among them) would pay otherwise."""
    import torchvision

    builder, weights = _MODELS[name]
    return getattr(torchvision.models, builder), getattr(torchvision.models, weights).IMAGENET1K_V1


def cached_weights_path(name: str) -> Path:
    """Return where torch hub keeps ``name``'s ImageNet weights (the file may not exist).

    ``name`` is one of [`IMAGENET_MODELS`][cnnatlas.pretrained.IMAGENET_MODELS]; the file name comes from torchvision's weights URL, never
    from the caller.

    Examples:
        >>> cached_weights_path("vgg16").name
        'vgg16-397923af.pth'
    """
    check_choice(name, "name", IMAGENET_MODELS)
    url = _builder_and_weights(name)[1].url
    return Path(torch.hub.get_dir()) / "checkpoints" / Path(url).name


def load_imagenet_model(name: str, download: bool = True) -> LoadedModel:
    """Return torchvision's ``name`` ("vgg16" or "resnet18") with ImageNet weights if cached or downloadable.

    ``source`` then says where they came from: ``"ImageNet weights VGG16_Weights.IMAGENET1K_V1 (torchvision,
    from torch hub's cache)"`` or ``"(torchvision, downloaded)"``. Otherwise the weights are torchvision's
    random initialisation and ``source`` says so, ending with the reason after the last ``"; "``.

    torchvision reads a file already in torch hub's cache without checking its hash (the hash in its name
    is checked on download only): tests put stand-in weights there, under ``TORCH_HOME``, to run the pages'
    ImageNet branch offline (``tests/test_pretrained_pages.py``).

    Examples:
        >>> load_imagenet_model("vgg16", download=False).source  # doctest: +SKIP
        "random initialisation (ImageNet weights not in torch hub's cache; download not allowed)"
    """
    check_choice(name, "name", IMAGENET_MODELS)
    download = check_bool(download, "download")
    builder, weights = _builder_and_weights(name)
    path = cached_weights_path(name)
    reason = "download not allowed"
    if path.exists():
        try:
            return LoadedModel(
                builder(weights=weights).eval(),
                True,
                f"ImageNet weights {weights} (torchvision, from torch hub's cache)",
            )
        except (RuntimeError, OSError, EOFError, ValueError, pickle.UnpicklingError) as error:
            lines = str(error).strip().splitlines()
            detail = f"{type(error).__name__}: {lines[0][:120] if lines else 'empty or truncated'}"
            warnings.warn(
                f"cnnatlas: the cached ImageNet weights {path.name} in torch hub's cache are unreadable ({detail}); removed. "
                f"{'Downloading them again' if download else 'Falling back to a random initialisation'}.",
                CacheWarning,
                stacklevel=2,
            )
            path.unlink(missing_ok=True)
            reason = f"the cached file was corrupted ({type(error).__name__}) and removed"
    if download:
        # torch hub writes 'Downloading: "<url>" to <path>' on stdout and a progress bar on stderr: neither
        # belongs in a page (a machine path, download chatter); ``source`` says what happened
        with download_timeout(), contextlib.redirect_stdout(io.StringIO()):
            try:
                model = builder(weights=weights, progress=False)
                return LoadedModel(
                    model.eval(), True, f"ImageNet weights {weights} (torchvision, downloaded)"
                )
            except (urllib.error.URLError, OSError, RuntimeError) as error:
                reason = f"download failed: {type(error).__name__}"
    return LoadedModel(
        builder(weights=None).eval(),
        False,
        f"random initialisation (ImageNet weights not in torch hub's cache; {reason})",
    )
