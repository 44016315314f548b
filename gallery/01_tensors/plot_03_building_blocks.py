"""
Building blocks: Sequential, Conv2d, MaxPool2d, Flatten, Linear
===============================================================

Article 004 explains the modules of its CIFAR-10 model. Here each one runs on real numbers: the
multi-channel convolution as a sum over input channels, max pooling on the article's 4x4 example,
Flatten's dimensions, and every stated formula checked against PyTorch when the page is built.

**Assumes:** tensors as (N, C, H, W) ([Tensors 101](plot_01_tensors_101.md)) and what a convolution
computes ([The convolution](plot_02_convolution.md)).
"""

# mkdocs_gallery_thumbnail_number = 1
import matplotlib.pyplot as plt
import torch
from torch import nn

import cnnatlas

SEED = cnnatlas.build_seed()  # 0 unless $CNNATLAS_SEED says otherwise

# %%
# Sequential: layers in order, indexable
# --------------------------------------
# ``nn.Sequential`` calls its modules one after another and registers them, so ``model[0]`` is the
# first layer and ``model[0] = ...`` replaces it (the article's example). Nothing checks that the new
# layer fits: a first convolution with 64 output channels is accepted, and the error only comes at the
# next forward pass, from the second convolution, which still expects 32 input channels.
model = nn.Sequential(
    nn.Conv2d(1, 32, kernel_size=3, stride=1, padding=1), nn.ReLU(), nn.MaxPool2d(2, 2),
    nn.Conv2d(32, 64, kernel_size=3, stride=1, padding=1), nn.ReLU(), nn.MaxPool2d(2, 2),
    nn.Flatten(), nn.Linear(64 * 7 * 7, 128), nn.ReLU(), nn.Linear(128, 10),
)
print(model[0])
assert isinstance(model[0], nn.Conv2d) and model[0].out_channels == 32
model[0] = nn.Conv2d(1, 64, kernel_size=3, stride=1, padding=1)  # accepted without complaint
forward_failed = False
try:
    model(torch.zeros(1, 1, 28, 28))
except RuntimeError as error:
    forward_failed = "to have 32 channels" in str(error)
    print(f"after replacing model[0] with 64 output channels: {str(error).splitlines()[0]}")
assert forward_failed, "the second convolution should reject 64 channels"
model[0] = nn.Conv2d(1, 32, kernel_size=3, stride=1, padding=1)
restored = tuple(model(torch.zeros(1, 1, 28, 28)).shape)
print(f"restored: output {restored}")
assert restored == (1, 10)

# %%
# Conv2d: one output channel is a sum over input channels
# -------------------------------------------------------
# [The convolution](plot_02_convolution.md#several-channels-in-and-out) showed the rule that article 004
# states in words: the weight has shape (out_channels, in_channels, kH, kW), and output channel ``o`` is
# the sum, over input channels ``i``, of the 2D cross-correlation of input ``i`` with kernel
# ``weight[o, i]``, plus ``bias[o]``. Here is that sum as pictures, on a real photo with a random
# 3 -> 2 convolution: the three per-channel terms, their sum plus the bias, and PyTorch's output
# channel 0, which is the same map (red positive, blue negative):
torch.manual_seed(SEED)
photo = cnnatlas.load_photo("chelsea").float().div(255)[:, ::4, ::4].contiguous()  # (3, 75, 113)
conv = nn.Conv2d(3, 2, kernel_size=5, padding=2)
with torch.no_grad():
    full = conv(photo.unsqueeze(0))[0]
    per_channel = [torch.nn.functional.conv2d(photo[i][None, None], conv.weight[0:1, i : i + 1], padding=2)[0, 0]
                   for i in range(3)]
    manual = sum(per_channel) + conv.bias[0]
print(f"weight {tuple(conv.weight.shape)}; max |manual - conv| = {float((manual - full[0]).abs().max()):.2e}")
assert tuple(conv.weight.shape) == (2, 3, 5, 5) and torch.allclose(manual, full[0], atol=1e-5)
panels = [(per_channel[i], f"{name} with weight[0, {i}]") for i, name in enumerate("RGB")]
panels += [(manual, "sum + bias[0]"), (full[0], "conv(photo)[0]")]
fig, axes = plt.subplots(2, 3, figsize=(cnnatlas.style.WIDTH, 3.8), layout="constrained")
for ax in axes.flat:
    ax.set_axis_off()
for ax, (image, title) in zip(axes.flat, panels, strict=False):
    ax.imshow(image.numpy(), **cnnatlas.style.diverging_scale(image))  # colour scale centred on zero
    ax.set_title(title)

# %%
# The article's output-size formula, ``(in + 2*padding - kernel) / stride + 1`` (floored), and its
# parameter count ``out * (in * k * k + 1)`` (one k x k kernel per input channel, plus one bias, for
# each output channel), checked for the three convolutions of its model on a 32x32 input:
convs = [layer for layer in cnnatlas.Cifar10Net().model1 if isinstance(layer, nn.Conv2d)]
assert len(convs) == 3
for layer in convs:
    size = (32 + 2 * layer.padding[0] - layer.kernel_size[0]) // layer.stride[0] + 1
    params = layer.out_channels * (layer.in_channels * layer.kernel_size[0] ** 2 + 1)
    real = layer(torch.zeros(1, layer.in_channels, 32, 32)).shape[-1]
    print(f"{layer}: formula {size}, PyTorch {real}; params formula {params}, "
          f"PyTorch {sum(p.numel() for p in layer.parameters())}")
    assert size == real and params == sum(p.numel() for p in layer.parameters())

# %%
# MaxPool2d: the article's 4x4 example
# ------------------------------------
# A 2x2 window with stride 2 keeps the largest value of each block: [[6, 8], [14, 16]].
grid = torch.arange(1.0, 17.0).view(1, 1, 4, 4)
pooled, indices = nn.MaxPool2d(2, return_indices=True)(grid)
print(f"input\n{grid[0, 0]}\nmax-pooled\n{pooled[0, 0]}\nflat indices of the maxima\n{indices[0, 0]}")
assert pooled[0, 0].tolist() == [[6, 8], [14, 16]] and indices[0, 0].tolist() == [[5, 7], [13, 15]]

# %%
# ``return_indices`` is what ``MaxUnpool2d`` needs to put the maxima back where they were, with zeros
# everywhere else. On a 5x5 input a 2x2 window fits twice per row: the default drops the fifth row and
# column, ``ceil_mode`` keeps a last, partial window for them. ``dilation=2`` spreads the window's four
# taps two apart, so it spans 3x3; with stride 1 it fits 3 times per row:
unpooled = nn.MaxUnpool2d(2)(pooled, indices)
print("unpooled:\n", unpooled[0, 0])
assert torch.equal(unpooled.flatten()[indices.flatten()], pooled.flatten()) and unpooled.sum() == pooled.sum()
five = torch.arange(1.0, 26.0).view(1, 1, 5, 5)
floor_size, ceil_size = nn.MaxPool2d(2)(five).shape[-2:], nn.MaxPool2d(2, ceil_mode=True)(five).shape[-2:]
print(f"5x5, k=2: floor -> {tuple(floor_size)}, ceil_mode -> {tuple(ceil_size)}")
dilated = nn.MaxPool2d(2, stride=1, dilation=2)(five)[0, 0]
print(f"5x5, k=2, dilation=2 (window spans 3): {dilated.tolist()}")
taps = torch.stack([five[0, 0, i : i + 3 : 2, j : j + 3 : 2].max() for i in range(3) for j in range(3)]).view(3, 3)
assert tuple(floor_size) == (2, 2) and tuple(ceil_size) == (3, 3) and torch.equal(dilated, taps)
assert torch.equal(nn.MaxPool2d(2)(five), nn.MaxPool2d(2)(five[..., :4, :4])), "the fifth row and column are dropped"

# %%
# Step through the pooling: each output cell and the window it came from.
cnnatlas.conv_animation(cnnatlas.pool_steps(grid[0, 0], 2), title="MaxPool2d(2) on the article's 4x4")

# %%
# Flatten: which dimensions merge
# -------------------------------
# ``nn.Flatten()`` defaults to ``start_dim=1``: it keeps the batch and merges the rest.
# ``torch.flatten`` defaults to ``start_dim=0``: it also merges the batch, a common bug.
x = torch.zeros(4, 64, 4, 4)
flattened = {}
for label, f in [("nn.Flatten()", nn.Flatten()), ("nn.Flatten(2)", nn.Flatten(2)),
                 ("nn.Flatten(1, 2)", nn.Flatten(1, 2)), ("torch.flatten(x)", torch.flatten)]:
    flattened[label] = tuple(f(x).shape)
    print(f"{label:18s} {tuple(x.shape)} -> {flattened[label]}")
assert flattened["nn.Flatten()"] == (4, 1024) and flattened["torch.flatten(x)"] == (4096,)

# %%
# Linear: every input feature to every output
# -------------------------------------------
# ``Linear(1024, 64)`` holds a (64, 1024) weight and 64 biases: 1024 * 64 + 64 = 65,600 parameters.
# That is more than any one convolution of the model, even the largest (32 -> 64 channels), though
# fewer than the three together: a convolution reuses a small kernel at every position, a Linear layer
# has one weight per input-output pair. It also needs exactly 1024 = 64 * 4 * 4 inputs.
linear = nn.Linear(1024, 64)
linear_params = sum(p.numel() for p in linear.parameters())
conv_params = [sum(p.numel() for p in layer.parameters()) for layer in convs]
print(f"weight {tuple(linear.weight.shape)}, params {linear_params:,}; convolutions {conv_params} "
      f"(largest {max(conv_params):,}, together {sum(conv_params):,})")
assert linear_params == 1024 * 64 + 64 == 65_600
assert max(conv_params) < linear_params < sum(conv_params)
wrong_size = False
try:
    linear(torch.zeros(1, 64 * 8 * 8))
except RuntimeError as error:
    wrong_size = True
    print(f"fed 64x8x8 = 4096 features: {error}")
assert wrong_size
