"""cnnatlas.export: the exported files hold the network exactly; what the page's forward cannot run is refused."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
import torch
from PIL import Image
from torch import nn

import cnnatlas
from cnnatlas.export import PAGE_DIR_ENV, ExportedNetwork, export_network, image_sprite, page_files_dir


def _params_from(exported: ExportedNetwork) -> dict[str, torch.Tensor]:
    """A state dict read back from the weights buffer, through the manifest's offsets only."""
    values = np.frombuffer(exported.weights, dtype="<f4")
    state = {}
    for layer in exported.manifest["layers"]:
        for name, spec in layer["params"].items():
            count = int(np.prod(spec["shape"]))
            start = spec["offset"] // 4
            state[f"{layer['module']}.{name}"] = torch.from_numpy(values[start : start + count].copy()).view(
                spec["shape"]
            )
    return state


@pytest.mark.parametrize(
    ("factory", "shape", "labels"),
    [
        (cnnatlas.LeNet, (1, 1, 28, 28), ["conv1", "relu1", "pool1", "conv2", "relu2", "pool2", "flatten",
                                          "fc1", "relu3", "fc2", "relu4", "fc3"]),
        (cnnatlas.Cifar10Net, (1, 3, 32, 32), ["conv1", "pool1", "conv2", "pool2", "conv3", "pool3", "flatten",
                                               "fc1", "fc2"]),
    ],
)  # fmt: skip
def test_the_weights_and_shapes_round_trip(factory, shape, labels) -> None:
    torch.manual_seed(0)
    model = factory().eval()
    exported = export_network(model, shape, mean=[0.1] * shape[1], std=[0.3] * shape[1], name="n")
    layers = exported.manifest["layers"]
    assert [layer["label"] for layer in layers] == labels
    assert len(exported.weights) == 4 * sum(p.numel() for p in model.parameters())
    fresh = factory()
    fresh.load_state_dict(_params_from(exported))
    for (name, a), b in zip(model.state_dict().items(), fresh.state_dict().values(), strict=True):
        assert torch.equal(a, b), name
    outputs = cnnatlas.layer_outputs(model, torch.rand(shape))
    assert [layer["module"] for layer in layers] == list(outputs)
    assert [layer["out_shape"] for layer in layers] == [list(v.shape[1:]) for v in outputs.values()]
    fields = {rf.name: rf for rf in cnnatlas.receptive_fields(model, shape)}
    for layer in layers:
        rf = fields[layer["module"]]
        assert layer["receptive_field"] == {"size": list(rf.size), "jump": list(rf.jump), "start": list(rf.start),
                                            "whole_input": rf.whole_input}  # fmt: skip
    assert exported.manifest["input"] == {
        "shape": list(shape[1:]),
        "mean": [0.1] * shape[1],
        "std": [0.3] * shape[1],
    }


def test_the_receptive_field_of_lenet_conv2_is_14_pixels() -> None:
    layers = export_network(cnnatlas.LeNet(), (1, 1, 28, 28)).manifest["layers"]
    conv2 = next(layer for layer in layers if layer["label"] == "conv2")
    assert conv2["receptive_field"]["size"] == [14, 14] and conv2["receptive_field"]["jump"] == [2, 2]
    assert (
        conv2["kernel"] == [5, 5]
        and conv2["padding"] == [0, 0]
        and conv2["params"]["weight"]["shape"] == [16, 6, 5, 5]
    )


def test_save_writes_the_manifest_and_the_buffer(tmp_path) -> None:
    exported = export_network(
        cnnatlas.LeNet(), (1, 1, 28, 28), classes=[str(i) for i in range(10)], name="lenet"
    )
    manifest_path, weights_path = exported.save(tmp_path / "out")
    manifest = json.loads(manifest_path.read_text())
    assert manifest["weights_file"] == weights_path.name == "lenet.bin"
    assert weights_path.read_bytes() == exported.weights and manifest["weights_bytes"] == len(
        exported.weights
    )
    assert manifest["classes"] == [str(i) for i in range(10)] and manifest["format"] == 1
    with pytest.raises(ValueError, match="plain file name"):
        exported.save(tmp_path, "../escape")


@pytest.mark.parametrize(
    ("model", "shape", "message"),
    [
        (nn.Sequential(nn.Conv2d(1, 2, 3), nn.Sigmoid()), (1, 1, 8, 8), "expected only Conv2d"),
        (cnnatlas.ResidualBlock(4, 4, 1), (1, 4, 8, 8), "expected"),
        (nn.Sequential(nn.Conv2d(2, 2, 3, groups=2)), (1, 2, 8, 8), "groups=1"),
        (nn.Sequential(nn.MaxPool2d(2, ceil_mode=True)), (1, 1, 7, 7), "ceil_mode=False"),
        (nn.Sequential(nn.Flatten(0)), (1, 1, 4, 4), r"Flatten\(1, -1\)"),
        (cnnatlas.LeNet(), (2, 1, 28, 28), "batch of one"),
    ],
)
def test_what_the_page_cannot_run_is_refused(model, shape, message) -> None:
    with pytest.raises(ValueError, match=message):
        export_network(model, shape)


def test_bad_normalisation_and_classes_are_refused() -> None:
    with pytest.raises(ValueError, match="one per channel"):
        export_network(cnnatlas.Cifar10Net(), (1, 3, 32, 32), mean=[0.5], std=[0.5])
    with pytest.raises(ValueError, match="std"):
        export_network(cnnatlas.LeNet(), (1, 1, 28, 28), mean=[0.5], std=[0.0])
    with pytest.raises(ValueError, match="classes"):
        export_network(cnnatlas.LeNet(), (1, 1, 28, 28), classes=["a", "b"])
    with pytest.raises(TypeError, match="manifest"):
        ExportedNetwork([], b"")
    with pytest.raises(ValueError, match="whole number"):
        ExportedNetwork({}, b"abc")


@pytest.mark.parametrize("channels", [1, 3])
def test_the_sprite_holds_the_exact_pixels(channels) -> None:
    images = torch.randint(
        0, 256, (23, channels, 6, 5), dtype=torch.uint8, generator=torch.Generator().manual_seed(1)
    )
    sheet = np.array(Image.open(io.BytesIO(image_sprite(images, columns=10))))
    assert sheet.shape[:2] == (18, 50)
    sheet = sheet.reshape(18, 50, channels)
    for k in range(23):
        r, c = divmod(k, 10)
        cell = sheet[r * 6 : (r + 1) * 6, c * 5 : (c + 1) * 5]
        assert np.array_equal(cell, images[k].permute(1, 2, 0).numpy()), k
    assert not sheet[12:, 15:].any()  # the unused cells of the last row are black


def test_the_sprite_refuses_what_it_cannot_encode() -> None:
    with pytest.raises(TypeError, match="dtype"):
        image_sprite(torch.zeros(2, 1, 4, 4))
    with pytest.raises(ValueError, match="channel"):
        image_sprite(torch.zeros(2, 2, 4, 4, dtype=torch.uint8))
    with pytest.raises(ValueError, match="1024"):
        image_sprite(torch.zeros(1025, 1, 1, 1, dtype=torch.uint8))


def test_page_files_dir_follows_the_build(monkeypatch, tmp_path) -> None:
    monkeypatch.delenv(PAGE_DIR_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    assert page_files_dir("files") == tmp_path / "files"
    monkeypatch.setenv(PAGE_DIR_ENV, str(tmp_path / "site" / "page"))
    assert page_files_dir("files") == tmp_path / "site" / "page"
    with pytest.raises(ValueError, match="plain file name"):
        page_files_dir("../up")


def test_live_atlas_embeds_the_networks_without_a_script() -> None:
    html = cnnatlas.live_atlas(
        [{"label": 'A "quoted" <name>', "manifest": "a.json", "draw": True}]
    )._repr_html_()
    assert "<script" not in html and "&lt;name&gt;" in html and "&quot;" in html
    with pytest.raises(ValueError, match="keys"):
        cnnatlas.live_atlas([{"label": "a", "manifest": "a.json", "colour": "red"}])
    with pytest.raises(TypeError, match="non-empty list"):
        cnnatlas.live_atlas({"label": "a", "manifest": "a.json"})
