"""
Kernels and feature maps: from a fresh Conv2d to VGG16
======================================================

Article 002 separates a model's "eyes" (its kernels) from "what it sees" (its feature maps). Here: a
fresh ``Conv2d(1, 4, 3)`` on a real photo, then torchvision's VGG16 as a design (its shape flow, where
its parameters, memory and compute go, and why it stacks 3x3 kernels), then the first-layer kernels of
the CIFAR-10 CNN before and after training, measured, and feature maps through a forward hook. The page
says which weights it shows.

**Assumes:** what a convolution computes ([The convolution](../01_tensors/plot_02_convolution.md)), the
conv, pooling and linear modules ([Building blocks](../01_tensors/plot_03_building_blocks.md)), receptive
fields ([Receptive fields](../02_sampling/plot_02_receptive_fields.md)) and how a CNN is trained ([The
CIFAR-10 CNN](plot_02_cifar10_cnn.md)).
"""

# mkdocs_gallery_thumbnail_number = 4
import functools
import math
from itertools import pairwise

import matplotlib.pyplot as plt
import numpy as np
import torch
import torchvision
from torch import nn

import cnnatlas


def plot_signed_maps(maps, title, ncols=4):
    """Draw (C, H, W) signed maps, each on its own zero-centred scale: blue negative, white 0, red positive."""
    count = maps.shape[0]
    nrows = math.ceil(count / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=cnnatlas.style.grid_figsize(nrows, ncols, extra=0.55),
                             layout="constrained", squeeze=False)
    for index, ax in enumerate(axes.flat):
        ax.set_axis_off()
        if index < count:
            ax.imshow(maps[index].numpy(), **cnnatlas.style.diverging_scale(maps[index]))
            ax.set_title(f"ch {index}\n{float(maps[index].min()):.2f} .. {float(maps[index].max()):.2f}")
    fig.suptitle(title)
    return fig


# %%
# A fresh convolution on a real image
# -----------------------------------
# The article feeds ``torch.randn`` noise to its layer; a photo has edges and flat regions for kernels to
# respond to, so we use the camera man. Four random 3x3 kernels (blue negative, red positive, one shared
# scale) and what each makes of the photo. Each output pixel is the sum of the 3x3 patch under it times
# the kernel, plus the bias: we check one pixel by hand. The outputs are signed, so they are drawn
# blue-white-red too, white at zero.
SEED = cnnatlas.build_seed()  # $CNNATLAS_SEED, else 0: every random draw of this page derives from it
torch.manual_seed(SEED)
conv_layer = nn.Conv2d(in_channels=1, out_channels=4, kernel_size=3, stride=1, padding=1)
photo = cnnatlas.load_photo("camera").float().div(255)[:, ::2, ::2].unsqueeze(0)  # (1, 1, 256, 256)
with torch.no_grad():
    feature_maps = conv_layer(photo)
print(f"kernels {tuple(conv_layer.weight.shape)}, input {tuple(photo.shape)}, feature maps {tuple(feature_maps.shape)}")
row, col, k = 100, 120, 2
patch = photo[0, 0, row - 1:row + 2, col - 1:col + 2]  # padding=1: output (row, col) is centred on input (row, col)
with torch.no_grad():
    by_hand = float((patch * conv_layer.weight[k, 0]).sum() + conv_layer.bias[k])
print(f"feature map {k} at ({row}, {col}): by hand {by_hand:.5f}, by Conv2d {float(feature_maps[0, k, row, col]):.5f}")
assert math.isclose(by_hand, float(feature_maps[0, k, row, col]), abs_tol=1e-5)
fig = cnnatlas.kernels_figure(conv_layer.weight)
fig = plot_signed_maps(feature_maps[0], "4 feature maps of a random Conv2d(1, 4, 3)")

# %%
# VGG16 as a design
# -----------------
# VGG16 (Simonyan & Zisserman, 2014) is five blocks of 3x3 convolutions (padding 1, so they keep the
# size) with ReLU, each closed by a 2x2 max pooling that halves height and width, then three linear
# layers. Its design needs no trained weights, not even random ones: we build torchvision's ``vgg16`` on
# PyTorch's ``meta`` device (shapes only, no numbers), give it memory with every weight set to 0 (which
# skips drawing 138 million random numbers) and trace it on one 224x224 input.
with torch.device("meta"):
    vgg = torchvision.models.vgg16(weights=None)
vgg = vgg.to_empty(device="cpu")
for parameter in vgg.parameters():
    nn.init.zeros_(parameter)
flow = cnnatlas.trace(vgg, torch.zeros(1, 3, 224, 224))
pools = [r for r in flow.records if r.layer_type == "MaxPool2d"]
sizes = [flow.records[0].input_shapes[0][2]] + [r.output_shape[2] for r in pools]
print("height x width: " + " -> ".join(str(s) for s in sizes))
vgg_convs = [m for m in vgg.modules() if isinstance(m, nn.Conv2d)]
vgg_pools = [m for m in vgg.modules() if isinstance(m, nn.MaxPool2d)]
vgg_linears = [m for m in vgg.modules() if isinstance(m, nn.Linear)]
print(f"{len(vgg_convs)} convolutions + {len(vgg_linears)} linear layers = the 16 weight layers of VGG16; "
      f"{len(vgg_pools)} max poolings")
assert all(m.kernel_size == (3, 3) and m.padding == (1, 1) and m.stride == (1, 1) for m in vgg_convs)
assert len(vgg_pools) == 5 and all(m.kernel_size == 2 and m.stride == 2 for m in vgg_pools)
assert len(vgg_convs) + len(vgg_linears) == 16 and len(vgg_linears) == 3
assert sizes == [224, 112, 56, 28, 14, 7], sizes
assert flow.total_params == 138_357_544, flow.total_params

# %%
# Where the parameters, the activation memory and the compute go. A stage is a block up to its pooling,
# then the classifier (average pooling, flatten and the three linear layers). Activation memory is the
# bytes of the tensors a forward pass writes for one image in float32 (4 bytes a number): every
# convolution, pooling and linear output. ReLU here works in place (``inplace=True``) and ``flatten`` is
# a view, so they write no new tensor; dropout is the identity at inference.
assert all(m.inplace for m in vgg.modules() if isinstance(m, nn.ReLU))
WRITES = {"Conv2d", "MaxPool2d", "AdaptiveAvgPool2d", "Linear"}
names = [f"block {i}" for i in range(1, 6)] + ["classifier"]
stages = [{"name": name, "params": 0, "bytes": 0, "macs": 0, "shape": None} for name in names]
stage = 0
for r in flow.records:
    stages[stage]["params"] += r.params
    stages[stage]["macs"] += r.macs
    stages[stage]["bytes"] += 4 * math.prod(r.output_shape) if r.layer_type in WRITES else 0
    stages[stage]["shape"] = r.output_shape
    stage += r.layer_type == "MaxPool2d"  # a pooling closes its block
total_bytes = sum(s["bytes"] for s in stages)
assert sum(s["params"] for s in stages) == flow.total_params and sum(s["macs"] for s in stages) == flow.total_macs
print(f"{'stage':11s} {'output':>18s} {'params':>12s} {'share':>6s} {'activations':>12s} {'share':>6s} {'MACs share':>10s}")
for s in stages:
    s["param_share"], s["byte_share"] = s["params"] / flow.total_params, s["bytes"] / total_bytes
    s["mac_share"] = s["macs"] / flow.total_macs
    print(f"{s['name']:11s} {str(s['shape']):>18s} {s['params']:>12,} {s['param_share']:>6.1%} "
          f"{s['bytes'] / 2**20:>9.1f} MiB {s['byte_share']:>6.1%} {s['mac_share']:>10.1%}")
print(f"total: {flow.total_params:,} parameters, {total_bytes / 2**20:.1f} MiB of activations, "
      f"{flow.total_macs / 1e9:.1f} GMACs per image")

# %%
# Three different answers to "where is the cost?". The classifier's share of the parameters is why later
# networks end with global average pooling and one small linear layer instead
# ([ResNet](plot_04_resnet_blocks.md)).
by_name = {s["name"]: s for s in stages}
early = by_name["block 1"]["byte_share"] + by_name["block 2"]["byte_share"]
fc1 = next(r for r in flow.records if r.layer_type == "Linear")
print(f"- parameters: the classifier holds {by_name['classifier']['param_share']:.1%} of them; its first linear "
      f"layer alone ({fc1.input_shapes[0][1]:,} -> {fc1.output_shape[1]:,}) holds {fc1.params / flow.total_params:.1%}.")
print(f"- activation memory: blocks 1 and 2, at 224x224 and 112x112, write {early:.1%} of it while holding "
      f"{by_name['block 1']['param_share'] + by_name['block 2']['param_share']:.2%} of the parameters; the "
      f"classifier writes {by_name['classifier']['byte_share']:.2%}.")
print(f"- compute: the convolutions do {1 - by_name['classifier']['mac_share']:.1%} of the multiply-adds.")
assert by_name["classifier"]["param_share"] > 0.85
assert max(stages, key=lambda s: s["params"])["name"] == "classifier"
assert max(stages, key=lambda s: s["bytes"])["name"] == "block 1"
assert early > 0.5 and by_name["classifier"]["byte_share"] < 0.01
assert by_name["block 1"]["param_share"] + by_name["block 2"]["param_share"] < 0.01
assert by_name["classifier"]["mac_share"] < 0.01
fig, ax = plt.subplots(figsize=(cnnatlas.style.WIDTH, 3.4), layout="constrained")
positions = np.arange(len(stages))
for offset, key, label in ((-0.27, "param_share", "parameters"), (0, "byte_share", "activation memory"),
                           (0.27, "mac_share", "multiply-adds")):
    ax.bar(positions + offset, [100 * s[key] for s in stages], 0.27, label=label)
ax.set_xticks(positions, [s["name"] for s in stages])
ax.set(ylabel="% of the network's total", title="VGG16, one 224x224 image: where the cost is")
ax.legend()

# %%
# Why only 3x3 kernels? Two stacked 3x3 convolutions see a 5x5 region of their input, three see 7x7, the
# same as one 5x5 or one 7x7 kernel. For C channels in and out (no bias) the stack costs 2 x 9C² or
# 3 x 9C² weights instead of 25C² or 49C², and puts a ReLU after each convolution instead of one: more
# non-linearities for fewer parameters. Checked on real modules with C = 64 (the width of VGG16's
# first block), the receptive field from ``cnnatlas.receptive_fields`` and measured by a gradient.
C = 64


def conv_relu(k):
    return [nn.Conv2d(C, C, k, padding=k // 2, bias=False), nn.ReLU()]


for depth, single in ((2, 5), (3, 7)):
    stack = nn.Sequential(*[layer for _ in range(depth) for layer in conv_relu(3)])
    big = nn.Sequential(*conv_relu(single))
    stack_field = cnnatlas.receptive_fields(stack, (1, C, 15, 15))[-1].size
    big_field = cnnatlas.receptive_fields(big, (1, C, 15, 15))[-1].size
    probe = torch.rand(1, C, 15, 15) + 0.1
    seen = int((cnnatlas.gradient_field(stack, probe, str(2 * depth - 2), (7, 7)) != 0).sum())
    stack_params, big_params = (sum(p.numel() for p in m.parameters()) for m in (stack, big))
    relus = sum(isinstance(m, nn.ReLU) for m in stack), sum(isinstance(m, nn.ReLU) for m in big)
    print(f"{depth} x 3x3: field {stack_field}, {seen} input pixels move the centre unit, {stack_params:,} weights, "
          f"{relus[0]} ReLUs | one {single}x{single}: field {big_field}, {big_params:,} weights, {relus[1]} ReLU "
          f"({stack_params / big_params:.0%} of the weights)")
    assert stack_field == big_field == (single, single) and seen == single * single
    assert stack_params == depth * 9 * C * C < big_params == single * single * C * C
    assert relus == (depth, 1)

# %%
# Stacked all the way, a unit of VGG16's last pooling sees nearly the whole 224x224 image:
vgg_fields = cnnatlas.receptive_fields(vgg.features, (1, 3, 224, 224))
last = vgg_fields[-1]
print(f"features[{last.name}] ({last.op}): a unit sees {last.size[0]}x{last.size[1]} pixels of the 224x224 image")
assert 0.9 * 224 < last.size[0] < 224

# %%
# First-layer kernels: what training changes
# -------------------------------------------
# The first convolution reads RGB, so each of its kernels is a tiny colour image. The articles say that
# first layers learn edge and colour detectors. To check it we need a network that has learned its kernels,
# and the weights it started from. The CIFAR-10 CNN of [the CIFAR-10 page](plot_02_cifar10_cnn.md) (the
# version with ReLUs, trained there; this page loads its cached weights) has 32 first-layer kernels of
# 5x5. ``train_or_load`` builds the model right after seeding with the recipe's seed, so the same seed
# rebuilds the exact weights its training started from.
cifar_train, cifar_test = cnnatlas.load_cifar10(train=True), cnnatlas.load_cifar10(train=False)
recipe = cnnatlas.recipes.CIFAR10_NET
cifar_net, cifar_result = cnnatlas.train_or_load("cifar10-net-relu", functools.partial(cnnatlas.Cifar10Net, relu=True),
                                                 cifar_train, cifar_test, cnnatlas.recipes.CIFAR10_NET, progress=False)
cnnatlas.seed_everything(recipe.seed)
start = next(m for m in cnnatlas.Cifar10Net(relu=True).modules() if isinstance(m, nn.Conv2d)).weight.detach()
trained = next(m for m in cifar_net.modules() if isinstance(m, nn.Conv2d)).weight.detach().cpu()
print(f"KERNELS SHOWN: the CIFAR-10 CNN's first layer {tuple(trained.shape)}, {cifar_result.weights_source}, "
      f"{cifar_result.epochs} epochs, test accuracy {cifar_result.test_accuracy:.3f}; its start rebuilt from "
      f"seed {recipe.seed}")
assert start.shape == trained.shape == (32, 3, 5, 5)

# %%
# Predict first: after a few epochs, will the trained kernels look like edges and colour blobs? How far
# training moved them, relative to the size of the start, for all 32 kernels together and for each kernel:
change = trained - start
moved = cnnatlas.observe("CIFAR-10 CNN first-layer kernels: change / initial norm",
                         float(change.norm() / start.norm()))
per_kernel = change.flatten(1).norm(dim=1) / start.flatten(1).norm(dim=1)
print(f"training changed the first-layer kernels by {moved:.0%} of their initial norm (per kernel: median "
      f"{float(per_kernel.median()):.0%}, from {float(per_kernel.min()):.0%} to {float(per_kernel.max()):.0%})")
if moved < 0.5:
    print("So the random start is still much the larger part of each trained kernel: the trained kernels look "
          "much like their start, and what training wrote is in the change.")
elif moved < 1:
    print("So the random start is still the larger part of the trained kernels, and what training wrote a "
          "visible part: the change shows it on its own.")
else:
    print("So what training wrote is now the larger part of the trained kernels.")

# %%
# Is what training wrote structured? Two measures, each for the random start, the trained kernels and the
# change (trained minus start: what training wrote):
#
# - **Smoothness.** Random kernels are noise: their taps are drawn independently, so neighbouring taps are
#   uncorrelated. The gradient of a tap is the correlation of the image, shifted by that tap's offset,
#   with the error signal; natural images are smooth, so neighbouring taps get similar updates. We
#   measure the correlation between horizontally and vertically neighbouring taps, over all kernels and
#   colour channels (0: noise, 1: perfectly smooth).
# - **Colour.** A kernel has an R, a G and a B slice. Where the three slices are alike, the kernel responds
#   to brightness whatever the colour (a brightness edge or blob); where two have opposite signs, it
#   responds to one colour against another (colour opponency). We correlate each pair of a kernel's
#   slices (random slices: around 0) and count the kernels whose three pairs all correlate above 0.5
#   (brightness kernels) and those with a pair below -0.5 (colour-opponent: opposite signs). A kernel in
#   which one channel dominates (a red blob) is neither, and is not counted.


def neighbour_correlation(w):
    """Pearson correlation of each tap with its right and lower neighbour, over all kernels and channels."""
    left = torch.cat([w[..., :, :-1].reshape(-1), w[..., :-1, :].reshape(-1)])
    right = torch.cat([w[..., :, 1:].reshape(-1), w[..., 1:, :].reshape(-1)])
    return float(torch.corrcoef(torch.stack([left, right]))[0, 1])


def colour_counts(w):
    """(brightness kernels, colour-opponent kernels): by the correlations of each kernel's R-G, R-B, G-B slices."""
    pairs = ((0, 1), (0, 2), (1, 2))
    lowest = torch.stack([min(torch.corrcoef(k[[i, j]].reshape(2, -1))[0, 1] for i, j in pairs) for k in w])
    return int((lowest > 0.5).sum()), int((lowest < -0.5).sum())


panels = {"random start": start, "trained": trained, "change": change}
smooth = {name: neighbour_correlation(w) for name, w in panels.items()}
print(f"{'':19s} {'neighbour r':>11s} {'brightness kernels':>18s} {'colour-opponent':>15s}")
for name, w in panels.items():
    bright, opponent = colour_counts(w)
    print(f"{name:19s} {smooth[name]:>+11.2f} {bright:>15d}/{len(w)} {opponent:>12d}/{len(w)}")
    cnnatlas.observe(f"CIFAR-10 CNN first-layer kernels, {name}: neighbour correlation", smooth[name])
    cnnatlas.observe(f"CIFAR-10 CNN first-layer kernels, {name}: brightness kernels", bright)
    cnnatlas.observe(f"CIFAR-10 CNN first-layer kernels, {name}: colour-opponent kernels", opponent)
print(f"What training wrote is {'smoother' if smooth['change'] > smooth['random start'] else 'no smoother'}"
      f" than the random start (neighbour r {smooth['change']:+.2f} against "
      f"{smooth['random start']:+.2f}); the trained kernels, start and change together, "
      f"{'are smoother' if smooth['trained'] > smooth['random start'] + 0.1 else 'are hardly smoother'} "
      f"({smooth['trained']:+.2f}).")
bright_change = colour_counts(change)[0]
print(f"The answer to the question above: after {cifar_result.epochs} epochs the trained kernels "
      + ("still look mostly like their random start to the eye; the structure, smooth and brightness-like in "
         f"{bright_change} of {len(change)} kernels, is in what training wrote, the change."
         if moved < 1 else "show the structure of what training wrote more than their random start."))

# %%
# Drawn per colour channel (each kernel as its R, G and B 5x5 slices side by side), blue negative, red
# positive, white zero, grey gaps, one scale per panel:


def channel_mosaic(w, ncols):
    """(out, 3, k, k) -> one 2-D array: kernels in a grid, each as its 3 channels side by side, NaN gaps."""
    out, channels, k = w.shape[0], w.shape[1], w.shape[2]
    nrows = math.ceil(out / ncols)
    cell_h, cell_w = k + 1, channels * (k + 1) + 1
    mosaic = np.full((nrows * cell_h, ncols * cell_w), np.nan)
    for index in range(out):
        r, c = divmod(index, ncols)
        for ch in range(channels):
            x0 = c * cell_w + ch * (k + 1)
            mosaic[r * cell_h:r * cell_h + k, x0:x0 + k] = w[index, ch].numpy()
    return mosaic


diverging = plt.get_cmap(cnnatlas.style.DIVERGING).with_extremes(bad="0.8")  # gaps grey, so that white means exactly zero
fig, axes = plt.subplots(1, len(panels), figsize=(cnnatlas.style.WIDTH, 2.7), layout="constrained")
for ax, (name, w) in zip(axes, panels.items(), strict=True):
    limit = float(w.abs().max())
    image = ax.imshow(channel_mosaic(w, 4), cmap=diverging, vmin=-limit, vmax=limit, interpolation="nearest")
    ax.set_title(f"{name}\nneighbour r {smooth[name]:+.2f}")
    ax.set_axis_off()
    fig.colorbar(image, ax=ax, orientation="horizontal", shrink=0.8, pad=0.02)
fig.suptitle(f"CIFAR-10 CNN, first-layer kernels {tuple(trained.shape)}: R, G, B slices")


# %%
# Then the classic view: each kernel as one colour image, scaled to its own range (mid-grey is zero; a
# colour is where one channel dominates). The classic picture of edge and colour detectors is AlexNet's 96
# first-layer kernels of 11x11 (Krizhevsky et al., 2012); VGG16's 3x3 kernels, trained on ImageNet for
# hundreds of thousands of steps (this CIFAR-10 CNN: about a thousand), show colour and contrast more than
# orientation, which 3x3 taps can hardly draw. VGG16's weights are shown when torch hub's cache has them
# or they can be downloaded; the line below says whether they were.


def rgb_mosaic(w, ncols):
    images = cnnatlas.kernels_as_rgb(w)  # (out, k, k, 3), each kernel scaled to [0, 1]
    out, k = images.shape[0], images.shape[1]
    nrows = math.ceil(out / ncols)
    mosaic = np.ones((nrows * (k + 1), ncols * (k + 1), 3))
    for index in range(out):
        r, c = divmod(index, ncols)
        mosaic[r * (k + 1):r * (k + 1) + k, c * (k + 1):c * (k + 1) + k] = images[index]
    return mosaic


loaded = cnnatlas.load_imagenet_model("vgg16")
colour_panels = {f"CIFAR-10 CNN\n{name}": (w, 4) for name, w in panels.items()}
if loaded.pretrained:
    vgg_kernels = loaded.model.features[0].weight.detach()
    torch.manual_seed(SEED)
    vgg_random = torchvision.models.vgg16(weights=None).features[0].weight.detach()  # a random start, not its own
    colour_panels["VGG16\nImageNet"] = (vgg_kernels, 8)
    vgg_smooth = cnnatlas.observe("VGG16 first-layer kernels: neighbour correlation", neighbour_correlation(vgg_kernels))
    vgg_bright, vgg_opponent = colour_counts(vgg_kernels)
    print(f"VGG16 KERNELS SHOWN: {tuple(vgg_kernels.shape)}, {loaded.source}: neighbour r {vgg_smooth:+.2f} (a "
          f"random VGG16 start: {neighbour_correlation(vgg_random):+.2f}), {vgg_bright} brightness and "
          f"{vgg_opponent} colour-opponent kernels of {len(vgg_kernels)}")
else:
    reason = loaded.source.rsplit("; ", 1)[-1].rstrip(")")  # e.g. "download failed: URLError"
    print(f"VGG16 KERNELS NOT SHOWN: its ImageNet weights are not available here ({reason}); only the CIFAR-10 "
          "CNN's kernels are shown.")
fig, axes = plt.subplots(1, len(colour_panels), figsize=(cnnatlas.style.WIDTH, 3.4), layout="constrained")
for ax, (name, (w, ncols)) in zip(axes, colour_panels.items(), strict=True):
    ax.imshow(rgb_mosaic(w, ncols), interpolation="nearest")
    ax.set_title(name)
    ax.set_axis_off()

# %%
# Which weights for the feature maps?
# -----------------------------------
# The feature maps below come from VGG16 with its ImageNet weights where they are available. Otherwise a
# VGG-style network (the same 3x3 conv + ReLU + max-pool blocks, narrower) is trained briefly on CIFAR-10
# right here and shown instead: it shows how maps shrink and multiply through the blocks, not what a good
# ImageNet network sees. The line below says which one this page shows.
if loaded.pretrained:
    model, features, normalize = loaded.model, loaded.model.features, loaded.normalization
    shown = f"torchvision VGG16 with {loaded.source}"
else:
    model, result = cnnatlas.train_or_load("vgg-style-cifar10", cnnatlas.VGGStyleNet, cifar_train, cifar_test,
                                           cnnatlas.recipes.VGG_STYLE, progress=False)
    features, normalize = model.features, result.normalization
    shown = (f"FALLBACK: VGG16's ImageNet weights are not available here; showing a VGG-style network "
             f"trained briefly on CIFAR-10 for this page (data: {cifar_train.source}):\n{result.table()}")
print(f"WEIGHTS SHOWN: feature maps of {shown}")
first = features[0]

# %%
# Feature maps through a forward hook
# -----------------------------------
# The article's hook, with its ``remove`` in a ``finally`` so that an error cannot leave it attached.
# One trap: the ReLU after this convolution works in place, so it overwrites the very tensor the hook
# was handed. The hook must ``clone`` it to keep the convolution's signed output.
astronaut = cnnatlas.load_photo("astronaut").float().div(255)
image = torch.nn.functional.interpolate(astronaut.unsqueeze(0), size=(224, 224), mode="area")
x = normalize((image * 255).round().to(torch.uint8)).to(cnnatlas.best_device())
captured = {}


def hook_fn(module, inputs, output):
    captured["maps"] = output.detach().clone().cpu()
    captured["shared"] = output.detach()  # no clone: shares memory with what the in-place ReLU will change


hook = first.register_forward_hook(hook_fn)
try:
    with torch.no_grad():
        model.eval()(x)
finally:
    hook.remove()
maps = captured["maps"]
print(f"input {tuple(x.shape)} -> first-layer feature maps {tuple(maps.shape)}")
print(f"cloned: min {float(maps.min()):.2f}; without clone: min {float(captured['shared'].min()):.2f} "
      "(the in-place ReLU has zeroed the negatives)")
assert maps.min() < 0 and captured["shared"].min() == 0
fig = plot_signed_maps(maps[0, :8], "first conv layer: 8 of its maps (before ReLU)")

# %%
# Deeper layers
# -------------
# After the ReLU that follows the last convolution of each block (what the next block reads): the maps
# get smaller and more numerous, and each of their units sees a larger patch of the photo.
modules = list(features.named_modules())[1:]
pool_at = [i for i, (_, m) in enumerate(modules) if isinstance(m, nn.MaxPool2d)]
block_ends = [modules[i - 1][0] for i in pool_at]  # the ReLU just before each pooling
assert all(isinstance(dict(features.named_modules())[name], nn.ReLU) for name in block_ends)
outputs = cnnatlas.layer_outputs(features, x, block_ends)
fields = {f.name: f for f in cnnatlas.receptive_fields(features, tuple(x.shape))}
shapes = [tuple(outputs[name].shape) for name in block_ends]
for name, shape in zip(block_ends, shapes, strict=True):
    print(f"features[{name}] (ReLU): {shape}, a unit sees {fields[name].size[0]}x{fields[name].size[1]} px")
assert all(a[2] > b[2] and a[1] <= b[1] for a, b in pairwise(shapes)), shapes
assert all(fields[a].size[0] < fields[b].size[0] for a, b in pairwise(block_ends))
assert all(float(outputs[name].min()) >= 0 for name in block_ends)
for name in block_ends[1::2]:
    fig = cnnatlas.feature_maps_figure(outputs[name][0, :8].cpu(), ncols=4,
                                     title=f"features[{name}] after ReLU: {tuple(outputs[name].shape)}, first 8 maps")

# %%
# Explore every ReLU output (after each convolution) of the network: choose a layer with the slider;
# hover for the channel and its value range.
relus = [name for name, m in features.named_modules() if isinstance(m, nn.ReLU)]
all_relus = cnnatlas.layer_outputs(features, x, relus)
cnnatlas.layer_explorer({f"features[{k}]": v.cpu() for k, v in all_relus.items()}, title="VGG features after ReLU",
                        max_channels=16, max_cells=60_000)

# %%
# Or pick a layer, then one channel at a time, at full size:
cnnatlas.channel_explorer({f"features[{k}]": v.cpu() for k, v in all_relus.items()}, title="VGG features after ReLU",
                          max_channels=12, max_cells=60_000)
