"""A trained network as files a web page can run: float32 weights, a JSON manifest, a sprite of test images.

[`export_network()`][cnnatlas.export.export_network] walks a model whose forward is a chain of Conv2d,
ReLU, MaxPool2d, AvgPool2d, Flatten and Linear layers (LeNet and the CIFAR-10 CNN of the articles) and
returns an [`ExportedNetwork`][cnnatlas.export.ExportedNetwork]: one little-endian float32 buffer with every
weight and bias, and a manifest naming each layer, its type, its geometry, its output shape, where its
parameters sit in the buffer and its receptive field (from [`receptive_fields()`][cnnatlas.receptive.receptive_fields]),
with the input normalisation the weights were trained with and the class names. The site's live atlas
(``docs/javascripts/live_atlas.js``) runs the network from these two files.

Examples:
    >>> net = export_network(cnnatlas.LeNet(), (1, 1, 28, 28), mean=(0.5,), std=(0.25,), classes=list("abcdefghij"))
    >>> [layer["label"] for layer in net.manifest["layers"]][:4], len(net.weights) // 4
    (['conv1', 'relu1', 'pool1', 'conv2'], 61706)
"""

from __future__ import annotations

import json
import math
import os
import struct
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.fx
from torch import nn

from .arith import layer_geometry
from .checks import (
    check_file_name,
    check_float,
    check_model,
    check_positive_int,
    check_shape,
    check_str,
    check_tensor,
    describe,
)
from .forward import run_model
from .receptive import receptive_fields

FORMAT_VERSION = 1
"""Version of the manifest's layout; the page's script refuses another."""
PAGE_DIR_ENV = "CNNATLAS_PAGE_DIR"
"""Environment variable naming the folder a gallery page writes the files it ships into (set by the build)."""
SUPPORTED_LAYERS = (nn.Conv2d, nn.ReLU, nn.MaxPool2d, nn.AvgPool2d, nn.Flatten, nn.Linear)
"""Layer types an exported network may contain: the forward pass of the page's script knows these."""
MAX_INPUT_VALUES = 2**22
"""Most input values (C x H x W) an exported network takes: a page runs it live, on a reader's machine."""
MAX_SPRITE_IMAGES = 1024
"""Most images one sprite holds (a sprite is one PNG the page downloads whole)."""
_LABEL_PREFIX = {"Conv2d": "conv", "ReLU": "relu", "MaxPool2d": "pool", "AvgPool2d": "pool", "Linear": "fc"}


@dataclass(frozen=True)
class ExportedNetwork:
    """A network as a page runs it: ``manifest`` (JSON-ready dict) and ``weights`` (little-endian float32 bytes).

    Each layer of ``manifest["layers"]`` has ``label`` (``conv1``, ``pool2``, ``fc3``...), ``module`` (the
    name [`layer_outputs()`][cnnatlas.forward.layer_outputs] uses), ``type``, ``out_shape`` (without the
    batch), its geometry, ``params`` (``{"weight": {"offset": bytes, "shape": [...]}, "bias": ...}``) and
    ``receptive_field`` (``size``, ``jump``, ``start`` per dimension, ``whole_input``).

    Attributes:
        manifest: The layers, shapes, weight offsets, input normalisation and class names, JSON-ready.
        weights: Every parameter as little-endian float32 bytes, at the offsets the manifest gives.
    """

    manifest: dict
    weights: bytes

    def __post_init__(self) -> None:
        if not isinstance(self.manifest, dict):
            raise TypeError(f"manifest: expected a dict from export_network(), got {describe(self.manifest)}")
        if not isinstance(self.weights, bytes):
            raise TypeError(f"weights: expected bytes (little-endian float32), got {describe(self.weights)}")
        if len(self.weights) % 4:
            raise ValueError(
                f"weights: expected a whole number of float32 values, got {len(self.weights)} bytes"
            )

    def save(self, folder: Path | str, name: str | None = None) -> tuple[Path, Path]:
        """Write ``<name>.json`` and ``<name>.bin`` into ``folder`` (created); return the two paths.

        Examples:
            >>> net = export_network(nn.Sequential(nn.Flatten(), nn.Linear(4, 2)), (1, 1, 2, 2))
            >>> import tempfile
            >>> with tempfile.TemporaryDirectory() as folder:
            ...     [p.name for p in net.save(folder, "tiny")]
            ['tiny.json', 'tiny.bin']
        """
        if isinstance(folder, bool) or not isinstance(folder, (str, os.PathLike)):
            raise TypeError(f"folder: expected a path (str or pathlib.Path), got {describe(folder)}")
        name = check_file_name(self.manifest.get("name", "network") if name is None else name, "name")
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        manifest_path, weights_path = folder / f"{name}.json", folder / f"{name}.bin"
        manifest = {**self.manifest, "weights_file": weights_path.name}
        manifest_path.write_text(json.dumps(manifest, separators=(",", ":")), encoding="utf-8")
        weights_path.write_bytes(self.weights)
        return manifest_path, weights_path


def _numbers(values: object, name: str, above: float | None = None) -> list[float]:
    """One float per channel, from a sequence of numbers (a str or a tensor is refused)."""
    if isinstance(values, (str, bytes, torch.Tensor)) or not isinstance(values, Sequence):
        raise TypeError(f"{name}: expected a sequence of numbers, one per channel, got {describe(values)}")
    return [check_float(v, f"{name}[{i}]", above=above) for i, v in enumerate(values)]


def _chain(model: nn.Module) -> list[tuple[str, nn.Module]]:
    """Return the modules the forward calls, in order, checking that each one feeds the next."""
    try:
        graph = torch.fx.symbolic_trace(model)
    except Exception as error:  # whatever tracing raised is reported, with context
        raise ValueError(
            f"model: expected a forward that torch.fx can follow, got {type(model).__name__}: "
            f"{str(error).splitlines()[0]}"
        ) from error
    chain: list[tuple[str, nn.Module]] = []
    previous = None
    for node in graph.graph.nodes:
        if node.op in ("placeholder", "output"):
            previous = node if node.op == "placeholder" else previous
            continue
        if node.op != "call_module":
            raise ValueError(
                f"model: expected a chain of modules ({', '.join(t.__name__ for t in SUPPORTED_LAYERS)}), "
                f"got a {node.op} of {node.target!r} in {type(model).__name__}'s forward"
            )
        module = graph.get_submodule(node.target)
        if not isinstance(module, SUPPORTED_LAYERS):
            raise ValueError(
                f"model: expected only {', '.join(t.__name__ for t in SUPPORTED_LAYERS)} layers, "
                f"got {type(module).__name__} ({node.target})"
            )
        if list(node.all_input_nodes) != [previous]:
            raise ValueError(
                f"model: expected a chain (each layer fed by the one before), got a branch at {node.target}"
            )
        chain.append((str(node.target), module))
        previous = node
    if not chain:
        raise ValueError(f"model: expected at least one layer, got an empty {type(model).__name__}")
    return chain


def _geometry(name: str, module: nn.Module) -> dict:
    """Return the layer's settings the page's forward needs; refuse the ones it does not implement."""
    if isinstance(module, nn.Conv2d):
        if module.groups != 1 or module.padding_mode != "zeros":
            raise ValueError(
                f"{name}: expected a Conv2d with groups=1 and padding_mode='zeros', "
                f"got groups={module.groups}, padding_mode={module.padding_mode!r}"
            )
    if isinstance(module, (nn.MaxPool2d, nn.AvgPool2d)):
        if module.ceil_mode:
            raise ValueError(f"{name}: expected ceil_mode=False, got ceil_mode=True")
        if isinstance(module, nn.AvgPool2d) and module.divisor_override is not None:
            raise ValueError(f"{name}: expected divisor_override=None, got {module.divisor_override}")
    if isinstance(module, nn.Flatten) and (module.start_dim, module.end_dim) != (1, -1):
        raise ValueError(
            f"{name}: expected Flatten(1, -1), got Flatten({module.start_dim}, {module.end_dim})"
        )
    geometry = layer_geometry(module) if isinstance(module, (nn.Conv2d, nn.MaxPool2d, nn.AvgPool2d)) else None
    if geometry is None:
        return {}
    kernel, stride, padding, dilation = geometry
    settings = {
        "kernel": list(kernel),
        "stride": list(stride),
        "padding": list(padding),
        "dilation": list(dilation),
    }
    if isinstance(module, nn.AvgPool2d):
        settings["count_include_pad"] = bool(module.count_include_pad)
    return settings


def export_network(
    model: nn.Module,
    input_shape: Sequence[int],
    *,
    mean: Sequence[float] | None = None,
    std: Sequence[float] | None = None,
    classes: Sequence[str] | None = None,
    name: str = "network",
) -> ExportedNetwork:
    """Return ``model``'s layers, weights and receptive fields as an [`ExportedNetwork`][cnnatlas.export.ExportedNetwork].

    ``input_shape`` is (1, C, H, W); ``mean`` and ``std`` (one per channel, default 0 and 1) are the input
    normalisation the weights were trained with (the page computes ``(pixel / 255 - mean) / std``);
    ``classes`` names the outputs of the last layer. The model's forward must be a chain of
    ``SUPPORTED_LAYERS``; each layer's output shape is measured with one forward on zeros.

    Examples:
        >>> net = export_network(cnnatlas.Cifar10Net(), (1, 3, 32, 32), name="cifar")
        >>> first = net.manifest["layers"][0]
        >>> first["label"], first["out_shape"], first["params"]["weight"], first["receptive_field"]["size"]
        ('conv1', [32, 32, 32], {'offset': 0, 'shape': [32, 3, 5, 5]}, [5, 5])
        >>> export_network(nn.Sequential(nn.Conv2d(1, 1, 3), nn.Sigmoid()), (1, 1, 8, 8))
        Traceback (most recent call last):
        ...
        ValueError: model: expected only Conv2d, ReLU, MaxPool2d, AvgPool2d, Flatten, Linear layers, got Sigmoid (1)
    """
    check_model(model)
    shape = check_shape(input_shape, "input_shape", rank=4, layout="(1, C, H, W)")
    if shape[0] != 1:
        raise ValueError(f"input_shape: expected a batch of one, (1, C, H, W), got {shape}")
    if math.prod(shape) > MAX_INPUT_VALUES:
        raise ValueError(f"input_shape: expected at most {MAX_INPUT_VALUES:,} input values, got {shape}")
    check_file_name(name, "name")
    channels = shape[1]
    mean = [0.0] * channels if mean is None else _numbers(mean, "mean")
    std = [1.0] * channels if std is None else _numbers(std, "std", above=0.0)
    if len(mean) != channels or len(std) != channels:
        raise ValueError(
            f"mean and std: expected {channels} values each (one per channel), got {len(mean)} and {len(std)}"
        )
    chain = _chain(model)
    fields = {rf.name: rf for rf in receptive_fields(model, shape)}
    weight = next(model.parameters(), torch.zeros(0))
    probe = torch.zeros(shape, dtype=weight.dtype, device=weight.device)
    outputs: dict[str, tuple[int, ...]] = {}
    hooks = [
        m.register_forward_hook(lambda _m, _i, out, n=n: outputs.__setitem__(n, tuple(out.shape[1:])))
        for n, m in chain
    ]
    try:
        run_model(model, probe)
    finally:
        for hook in hooks:
            hook.remove()
    if classes is not None:
        if isinstance(classes, (str, bytes)) or not isinstance(classes, Sequence):
            raise TypeError(f"classes: expected a list of class names, got {describe(classes)}")
        classes = [check_str(c, f"classes[{i}]", non_empty=False) for i, c in enumerate(classes)]
        last = outputs[chain[-1][0]]
        if len(last) != 1 or last[0] != len(classes):
            raise ValueError(
                f"classes: expected {last} names, one per output of the last layer, got {len(classes)}"
            )
    buffers: list[np.ndarray] = []
    offset = 0
    counts: dict[str, int] = {}
    layers = []
    for module_name, module in chain:
        kind = type(module).__name__
        prefix = _LABEL_PREFIX.get(kind, kind.lower())
        counts[prefix] = counts.get(prefix, 0) + 1
        label = prefix if kind == "Flatten" else f"{prefix}{counts[prefix]}"
        params = {}
        for param_name, tensor in module.named_parameters(recurse=False):
            values = tensor.detach().to("cpu", torch.float32).contiguous().numpy().astype("<f4")
            params[param_name] = {"offset": offset, "shape": list(values.shape)}
            buffers.append(values.ravel())
            offset += values.nbytes
        rf = fields[module_name]
        layers.append({
            "label": label, "module": module_name, "type": kind, "repr": repr(module),
            "out_shape": list(outputs[module_name]), **_geometry(module_name, module), "params": params,
            "receptive_field": {"size": list(rf.size), "jump": list(rf.jump), "start": list(rf.start),
                                "whole_input": rf.whole_input},
        })  # fmt: skip
    manifest = {
        "format": FORMAT_VERSION, "name": name, "model": type(model).__name__,
        "input": {"shape": list(shape[1:]), "mean": mean, "std": std},
        "classes": None if classes is None else list(classes), "layers": layers, "weights_bytes": offset,
        "dtype": "float32", "byteorder": "little",
    }  # fmt: skip
    weights = b"".join(b.tobytes() for b in buffers)
    return ExportedNetwork(manifest, weights)


def _png(pixels: np.ndarray) -> bytes:
    """Encode a uint8 (H, W) grey or (H, W, 3) RGB array as a PNG (no filter, zlib level 9)."""
    height, width = pixels.shape[:2]
    colour = 0 if pixels.ndim == 2 else 2
    rows = np.concatenate([np.zeros((height, 1), np.uint8), pixels.reshape(height, -1)], axis=1)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, colour, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows.tobytes(), 9))
        + chunk(b"IEND", b"")
    )


def image_sprite(images: torch.Tensor, columns: int = 10) -> bytes:
    """Return a PNG (lossless) of uint8 (N, C, H, W) images tiled row by row, ``columns`` per row, as bytes.

    Image ``k`` sits at column ``k % columns``, row ``k // columns``; unused cells of the last row are black.
    C is 1 (grey) or 3 (RGB).

    Examples:
        >>> png = image_sprite(torch.zeros(12, 1, 28, 28, dtype=torch.uint8), columns=5)
        >>> import struct
        >>> png[1:4], struct.unpack(">II", png[16:24])  # the format, then width and height
        (b'PNG', (140, 84))
    """
    check_tensor(images, "images", rank=4, layout="(N, C, H, W)", channels=(1, 3), dtypes=(torch.uint8,))
    count, channels, height, width = images.shape
    check_positive_int(count, "len(images)", maximum=MAX_SPRITE_IMAGES)
    columns = min(check_positive_int(columns, "columns"), count)
    rows = -(-count // columns)
    sheet = np.zeros((rows * height, columns * width, channels), dtype=np.uint8)
    for k, image in enumerate(images.cpu().permute(0, 2, 3, 1).numpy()):
        r, c = divmod(k, columns)
        sheet[r * height : (r + 1) * height, c * width : (c + 1) * width] = image
    return _png(sheet[..., 0] if channels == 1 else sheet)


def page_files_dir(default: str) -> Path:
    """Return the folder a page writes the files it ships into: ``$CNNATLAS_PAGE_DIR``, else ``./<default>``.

    In the site build, ``CNNATLAS_PAGE_DIR`` is the folder that holds the built page (``<page>/index.html``),
    so the files are copied into the site next to the page and the page loads them by relative URL; run on
    its own, a page writes into the folder ``default`` of the working directory.

    Examples:
        >>> page_files_dir("live_files").is_absolute()
        True
    """
    default = check_file_name(default, "default")
    configured = os.environ.get(PAGE_DIR_ENV)
    return Path(configured) if configured else Path.cwd() / default
