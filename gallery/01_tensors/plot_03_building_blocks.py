"""
Building blocks: Sequential, Conv2d, MaxPool2d, Flatten, Linear
===============================================================

Article 004 explains the modules of its CIFAR-10 model. Here each one runs on real numbers: the
multi-channel convolution as a sum over input channels, max pooling on the article's 4x4 example,
Flatten's dimensions, and every stated formula verified by PyTorch at build time.
"""

# mkdocs_gallery_thumbnail_number = 1
import matplotlib.pyplot as plt
import torch
from torch import nn

import cnnatlas

# %%
# Sequential: layers in order, indexable
# --------------------------------------
# ``nn.Sequential`` calls its modules one after another and registers them, so ``model[0]`` is the
# first layer and ``model[0] = ...`` replaces it (the article's example).
model = nn.Sequential(
    nn.Conv2d(1, 32, kernel_size=3, stride=1, padding=1), nn.ReLU(), nn.MaxPool2d(2, 2),
    nn.Conv2d(32, 64, kernel_size=3, stride=1, padding=1), nn.ReLU(), nn.MaxPool2d(2, 2),
    nn.Flatten(), nn.Linear(64 * 7 * 7, 128), nn.ReLU(), nn.Linear(128, 10),
)
print(model[0])
model[0] = nn.Conv2d(1, 64, kernel_size=3, stride=1, padding=1)
try:
    model(torch.zeros(1, 1, 28, 28))
except RuntimeError as error:
    print(f"after replacing model[0] with 64 output channels: {str(error).splitlines()[0]}")
model[0] = nn.Conv2d(1, 32, kernel_size=3, stride=1, padding=1)
print(f"restored: output {tuple(model(torch.zeros(1, 1, 28, 28)).shape)}")

# %%
# Conv2d: one output channel is a sum over input channels
# -------------------------------------------------------
# The weight has shape (out_channels, in_channels, kH, kW). Output channel ``o`` is the sum, over input
# channels ``i``, of input ``i`` convolved with kernel ``weight[o, i]``, plus ``bias[o]``. Checked on a
# real photo with a random 3 -> 2 convolution:
torch.manual_seed(0)
photo = cnnatlas.load_photo("chelsea").float().div(255)[:, ::4, ::4].contiguous()  # (3, 75, 113)
conv = nn.Conv2d(3, 2, kernel_size=5, padding=2)
with torch.no_grad():
    full = conv(photo.unsqueeze(0))[0]
    per_channel = [torch.nn.functional.conv2d(photo[i][None, None], conv.weight[0:1, i : i + 1], padding=2)[0, 0]
                   for i in range(3)]
    manual = sum(per_channel) + conv.bias[0]
print(f"weight {tuple(conv.weight.shape)}; max |manual - conv| = {float((manual - full[0]).abs().max()):.2e}")
assert torch.allclose(manual, full[0], atol=1e-5)
fig, axes = plt.subplots(1, 5, figsize=(13, 2.6), layout="constrained")
for i, name in enumerate("RGB"):
    axes[i].imshow(per_channel[i].numpy(), cmap="RdBu_r")
    axes[i].set_title(f"{name} * weight[0, {i}]", fontsize=9)
axes[3].imshow(manual.numpy(), cmap="RdBu_r")
axes[3].set_title("sum + bias[0]", fontsize=9)
axes[4].imshow(full[0].numpy(), cmap="RdBu_r")
axes[4].set_title("conv(photo)[0]", fontsize=9)
for ax in axes:
    ax.set_axis_off()

# %%
# The article's output-size formula, ``(in + 2*padding - kernel) / stride + 1`` (floored), and its
# parameter count ``out * (in * k * k + 1)``, checked for the three convolutions of its model:
for layer in cnnatlas.Cifar10Net().model1:
    if isinstance(layer, nn.Conv2d):
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
assert pooled[0, 0].tolist() == [[6, 8], [14, 16]]

# %%
# ``return_indices`` is what ``MaxUnpool2d`` needs to put the maxima back. ``ceil_mode`` keeps a last,
# partial window; ``dilation`` spreads the window:
print("unpooled:\n", nn.MaxUnpool2d(2)(pooled, indices)[0, 0])
five = torch.arange(1.0, 26.0).view(1, 1, 5, 5)
print(f"5x5, k=2: floor -> {tuple(nn.MaxPool2d(2)(five).shape[-2:])}, "
      f"ceil_mode -> {tuple(nn.MaxPool2d(2, ceil_mode=True)(five).shape[-2:])}")
print(f"5x5, k=2, dilation=2 (window spans 3): {nn.MaxPool2d(2, stride=1, dilation=2)(five)[0, 0].tolist()}")

# %%
# Step through the pooling: each output cell and the window it came from.
cnnatlas.conv_animation(cnnatlas.pool_steps(grid[0, 0], 2), title="MaxPool2d(2) on the article's 4x4")

# %%
# Flatten: which dimensions merge
# -------------------------------
# ``nn.Flatten()`` defaults to ``start_dim=1``: it keeps the batch and merges the rest.
# ``torch.flatten`` defaults to ``start_dim=0``: it also merges the batch, a common bug.
x = torch.zeros(4, 64, 4, 4)
for label, f in [("nn.Flatten()", nn.Flatten()), ("nn.Flatten(2)", nn.Flatten(2)),
                 ("nn.Flatten(1, 2)", nn.Flatten(1, 2)), ("torch.flatten(x)", torch.flatten)]:
    print(f"{label:18s} {tuple(x.shape)} -> {tuple(f(x).shape)}")

# %%
# Linear: every input feature to every output
# -------------------------------------------
# ``Linear(1024, 64)`` holds a (64, 1024) weight and 64 biases: 65,600 parameters, more than all three
# convolutions of the model together, and it needs exactly 1024 = 64 * 4 * 4 inputs.
linear = nn.Linear(1024, 64)
print(f"weight {tuple(linear.weight.shape)}, params {sum(p.numel() for p in linear.parameters()):,}")
try:
    linear(torch.zeros(1, 64 * 8 * 8))
except RuntimeError as error:
    print(f"fed 64x8x8 = 4096 features: {error}")
