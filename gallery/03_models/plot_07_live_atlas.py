"""
The live atlas: your own input through the trained networks
===========================================================

Draw a garment for LeNet, or give the CIFAR-10 CNN a photo from your own disk, and watch every layer of
the trained network respond as you draw: each channel's map, the flattened vector, the linear layers and
the ten class probabilities. The networks run in your browser, from files that are part of this site:
nothing is uploaded and nothing is fetched from elsewhere.

**Assumes:** the trained LeNet and its layers ([LeNet on FashionMNIST](plot_01_lenet_fashion_mnist.md)),
the CIFAR-10 CNN ([The CIFAR-10 CNN of article 004](plot_02_cifar10_cnn.md)) and what a unit's receptive
field is ([Where a unit looks](plot_05_where_a_unit_looks.md)).
"""

# mkdocs_gallery_thumbnail_number = 1
import json

import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn.functional as F

import cnnatlas

# %%
# The trained networks
# --------------------
# The same calls, names and recipes as the [LeNet](plot_01_lenet_fashion_mnist.md) and
# [CIFAR-10](plot_02_cifar10_cnn.md) pages: ``train_or_load`` finds the weights those pages trained in
# its cache, so the networks below are theirs, not new ones.
fashion_train, fashion_test = cnnatlas.load_fashion_mnist(train=True), cnnatlas.load_fashion_mnist(train=False)
cifar_train, cifar_test = cnnatlas.load_cifar10(train=True), cnnatlas.load_cifar10(train=False)
lenet, lenet_result = cnnatlas.train_or_load(
    "lenet-fashion", cnnatlas.LeNet, fashion_train, fashion_test, cnnatlas.recipes.LENET, progress=False
)
cifar_net, cifar_result = cnnatlas.train_or_load(
    "cifar10-net-relu", lambda: cnnatlas.Cifar10Net(relu=True), cifar_train, cifar_test,
    cnnatlas.recipes.CIFAR10_NET, progress=False,
)
lenet, cifar_net = lenet.cpu().eval(), cifar_net.cpu().eval()
cnnatlas.observe("live atlas: LeNet test accuracy", lenet_result.test_accuracy, at_least=0.7)
cnnatlas.observe("live atlas: CIFAR-10 CNN test accuracy", cifar_result.test_accuracy, at_least=0.35)
for result in (lenet_result, cifar_result):
    print(f"{result.model_name} on {result.data_name}: test accuracy {result.test_accuracy:.4f} "
          f"({result.epochs} epochs, {cnnatlas.build_profile()} profile)")

# %%
# The files the page runs
# -----------------------
# ``cnnatlas.export_network`` walks each network's layers in the order its forward calls them and
# returns two things: the weights and biases of every layer as one block of little-endian float32
# numbers, and a manifest (JSON) that says, for each layer, its type, its settings (kernel, stride,
# padding), the shape of its output, where its parameters sit in the block, and its receptive field
# (computed by ``cnnatlas.receptive_fields``: the box of input pixels each unit can see). The manifest
# also holds the input normalisation the weights were trained with, the mean and standard deviation of
# the training images, because the network only works on inputs prepared the same way.
#
# ``cnnatlas.image_sprite`` tiles 100 test images of each data set into one lossless PNG, 10 per class:
# image ``k`` of the sprite is the ``k // 10``-th test image of class ``k % 10``. Simply taking the first
# 100 test images would not do: depending on where the data came from, a test set can be stored sorted by
# class (the count of classes among the first 100 is printed below).
folder = cnnatlas.page_files_dir("live_atlas_files")
per_class = 10


def spread(labels):
    """Indices of the first ``per_class`` test images of each class, interleaved: class k % 10 at k."""
    firsts = [torch.nonzero(labels == c)[:per_class, 0] for c in range(10)]
    return torch.stack(firsts, dim=1).flatten()


networks, exports, picks = [], {}, {}
for key, model, result, test, draw in [
    ("lenet", lenet, lenet_result, fashion_test, True),
    ("cifar10", cifar_net, cifar_result, cifar_test, False),
]:
    shape = (1, *test.images.shape[1:])
    exported = cnnatlas.export_network(model, shape, mean=result.mean, std=result.std, classes=test.classes, name=key)
    manifest_path, weights_path = exported.save(folder)
    picks[key] = spread(test.labels)
    sprite_path = folder / f"{key}_sprite.png"
    sprite_path.write_bytes(cnnatlas.image_sprite(test.images[picks[key]], columns=10))
    exports[key] = exported
    networks.append({
        "label": "LeNet · FashionMNIST" if key == "lenet" else "CIFAR-10 CNN", "manifest": manifest_path.name,
        "sprite": sprite_path.name, "sprite_columns": 10, "sprite_labels": test.labels[picks[key]].tolist(),
        "draw": draw, "open_file": not draw,
    })  # fmt: skip
    files = (manifest_path, weights_path, sprite_path)
    parameters = sum(p.numel() for p in model.parameters())
    print(f"{key}: {len(exported.manifest['layers'])} layers, {parameters:,} parameters; "
          + ", ".join(f"{p.name} {p.stat().st_size / 1024:.0f} KiB" for p in files))
    assert weights_path.stat().st_size == 4 * parameters
    assert sorted(int(c) for c in test.labels[picks[key]].bincount()) == [per_class] * 10
print(f"classes among the first 100 test images: FashionMNIST {len(fashion_test.labels[:100].unique())}, "
      f"CIFAR-10 {len(cifar_test.labels[:100].unique())}")
data_bytes = sum(p.stat().st_size for p in folder.iterdir())
print(f"all data files: {data_bytes / 1024:.0f} KiB")
assert data_bytes < 1.5 * 1024 * 1024, data_bytes

# %%
# Your input, live
# ----------------
# The widget below loads the files just written. Pick a network. For LeNet, draw on the black square
# with the mouse, a pen or a finger (**Brush** paints white, **Eraser** paints black; **Invert** and
# **Clear** act on the whole image), or pick any of the 100 test images. FashionMNIST's garments are light on a dark background: draw them that way.
# For the CIFAR-10 CNN, pick a test image or **Open a photo** from your disk: it is cut to a centred
# square and shrunk to 32x32 pixels in the page (the input box shows what the network really gets).
# Nothing leaves your machine: the page reads the file itself. The network knows only its ten classes,
# learnt from small photos in which the object fills the frame, so a photo of anything else still gets
# one of the ten.
#
# Below the input, every layer in the order of the network, each with its output shape: one small map
# per channel, then the flattened vector and the linear layers as strips, then the class probabilities.
# Each layer has one colour scale, so that its maps can be compared; its range and colour bar are printed
# beside it. The atlas draws signed values with one diverging map centred on zero and the others with
# viridis: the output of a convolution or a linear layer (and a pooling of it) can be negative, and is
# drawn blue (negative), white (zero), red (positive); a ReLU's output cannot, and is drawn in viridis.
# Both networks have a ReLU after each convolution and hidden linear layer (the CIFAR-10 CNN as its
# page trains it: article 004's layers with the ReLUs that page adds), so the maps after a ReLU, and
# after a pooling of them, are drawn in viridis, the convolutions' and linear layers' own outputs on the
# diverging scale. Hover over a unit (or tap it) to read its value, to see the box of input pixels it looks
# at, and, for a convolution, the kernel slice that made it: one 5x5 slice per input channel (red
# positive, blue negative). **Time it** runs 100 forward passes on your machine and prints the median.
convolutions = [layer for e in exports.values() for layer in e.manifest["layers"] if layer["type"] == "Conv2d"]
assert all(layer["kernel"] == [5, 5] for layer in convolutions)
for exported in exports.values():
    types = [layer["type"] for layer in exported.manifest["layers"]]
    assert all(types[i + 1] == "ReLU" for i, t in enumerate(types[:-1]) if t in ("Conv2d", "Linear")), types
cnnatlas.live_atlas(networks)

# %%
# Inside the files
# ----------------
# One layer of the manifest, the CIFAR-10 CNN's second convolution: its settings, output shape, where its
# weights start in the ``.bin`` file, and the receptive field of its units (each sees a 14x14 box of
# input pixels; neighbouring units are 2 pixels apart, because the max pooling before it halved the grid).
conv2 = next(layer for layer in exports["cifar10"].manifest["layers"] if layer["label"] == "conv2")
for field in ("label", "type", "kernel", "stride", "padding", "out_shape", "params", "receptive_field"):
    print(f"{field:16s} {json.dumps(conv2[field])}")
assert conv2["receptive_field"]["size"] == [14, 14] and conv2["receptive_field"]["jump"] == [2, 2]

# %%
# The files alone are enough
# --------------------------
# The page's script computes each layer from the manifest and the weights, with nothing of PyTorch.
# The same computation, written here with ``torch.nn.functional`` from the two files only (the manifest
# says which function, with which settings, on which slice of the weights), on the 100 sprite images of
# each set, matches what the trained model computes in every layer (``cnnatlas.layer_outputs``); the
# site's tests check the browser's numbers against PyTorch's in the same way.


def run_from_files(manifest, weights, pixels):
    """Every layer's output for uint8 (N, C, H, W) pixels, from the exported files alone."""
    def param(layer, name):
        spec = layer["params"][name]
        count = int(np.prod(spec["shape"]))
        return torch.from_numpy(weights[spec["offset"] // 4 : spec["offset"] // 4 + count].reshape(spec["shape"]))

    mean = torch.tensor(manifest["input"]["mean"]).view(1, -1, 1, 1)
    std = torch.tensor(manifest["input"]["std"]).view(1, -1, 1, 1)
    x, outputs = (pixels.float() / 255 - mean) / std, {}
    for layer in manifest["layers"]:
        kind = layer["type"]
        if kind == "Conv2d":
            x = F.conv2d(x, param(layer, "weight"), param(layer, "bias"), layer["stride"], layer["padding"])
        elif kind == "ReLU":
            x = x.clamp(min=0)
        elif kind in ("MaxPool2d", "AvgPool2d"):
            pool = F.max_pool2d if kind == "MaxPool2d" else F.avg_pool2d
            x = pool(x, layer["kernel"], layer["stride"], layer["padding"])
        elif kind == "Flatten":
            x = x.flatten(1)
        else:
            x = F.linear(x, param(layer, "weight"), param(layer, "bias"))
        outputs[layer["module"]] = x
    return outputs


for key, model, test in [("lenet", lenet, fashion_test), ("cifar10", cifar_net, cifar_test)]:
    manifest = json.loads((folder / f"{key}.json").read_text())
    weights = np.fromfile(folder / manifest["weights_file"], dtype="<f4")
    pixels, labels = test.images[picks[key]], test.labels[picks[key]]
    mine = run_from_files(manifest, weights, pixels)
    theirs = cnnatlas.layer_outputs(model, cnnatlas.Normalization(tuple(manifest["input"]["mean"]),
                                                                  tuple(manifest["input"]["std"]))(pixels))
    gap = max(float((mine[k] - theirs[k]).abs().max()) for k in mine)
    last = manifest["layers"][-1]["module"]
    right = int((mine[last].argmax(1) == labels).sum())
    print(f"{key}: largest difference from PyTorch over {len(mine)} layers and {len(pixels)} images: {gap:.1e}; "
          f"{right} of the {len(pixels)} sprite images classified right")
    assert gap < 1e-4, gap
    assert torch.equal(mine[last].argmax(1), theirs[last].argmax(1))

# %%
# The first ten images of each sprite, one per class, as the page's picker shows them (row 0 of each
# sprite; here five per row). Below the widget's test images, the number box and the arrows step through
# all 100.
fig, axes = plt.subplots(4, 5, figsize=cnnatlas.style.grid_figsize(4, 5), layout="constrained")
for row, (key, test) in enumerate([("lenet", fashion_test), ("cifar10", cifar_test)]):
    for k, ax in enumerate(axes[2 * row : 2 * row + 2].flat):
        image = test.images[picks[key][k]]
        if image.shape[0] == 1:
            ax.imshow(image[0].numpy(), cmap=cnnatlas.style.GRAY)
        else:
            ax.imshow(image.permute(1, 2, 0).numpy())
        ax.set_title(f"{k}: {test.classes[int(test.labels[picks[key][k]])].split('/')[0]}")
        ax.set_axis_off()
assert [int(fashion_test.labels[i]) for i in picks["lenet"][:10]] == list(range(10))

# %%
# How the page computes
# ---------------------
# ``live_atlas.js`` holds a forward pass of its own, in plain JavaScript over ``Float32Array``: the six
# layer types these two networks use (convolution, ReLU, max and average pooling, flatten, linear) and
# the softmax, each written out as loops, with the settings read from the manifest. It refuses a
# manifest with any other layer, as ``export_network`` refuses a model with one. Sums are accumulated in
# double precision, so the page's numbers differ from PyTorch's only by float32 rounding. A general
# runtime (onnxruntime-web, TensorFlow.js) would run any network, at the price of downloading its engine
# with the page; for these few layer types, loops written out are enough. The layer types the two
# manifests hold:
kinds = sorted({layer["type"] for exported in exports.values() for layer in exported.manifest["layers"]})
print(", ".join(kinds))
assert set(kinds) == {"Conv2d", "ReLU", "MaxPool2d", "AvgPool2d", "Flatten", "Linear"}, kinds
