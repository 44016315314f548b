"""
Down-sampling: stride and pooling
=================================

Article 001's 4x4 input with an all-ones 3x3 kernel: stride 1 gives 2x2, stride 2 gives 1x1. Step
through every output cell and the window it sums, then compare max pooling, average pooling and a
strided convolution on a real photograph.
"""

# mkdocs_gallery_thumbnail_number = 1
import matplotlib.pyplot as plt
import torch
from torch import nn

import cnnatlas

# %%
# The article's convolution, written out
# --------------------------------------
# A 1-channel 4x4 input (as a batch of one: shape (1, 1, 4, 4)) and a 3x3 kernel of ones, no bias, so
# each output is the plain sum of the nine input values under the window.
input_data = torch.arange(1.0, 17.0).view(1, 1, 4, 4)
conv = nn.Conv2d(1, 1, kernel_size=3, stride=1, padding=0, bias=False)
with torch.no_grad():
    conv.weight.fill_(1.0)
    output = conv(input_data)
print(f"input {tuple(input_data.shape)}\n{input_data[0, 0]}\nstride 1 -> {tuple(output.shape)}\n{output[0, 0]}")

# %%
# ``floor((4 + 2*0 - 3) / 1) + 1 = 2``: the window fits in two positions along each axis. Each output
# cell, the window it sums and PyTorch's value:
cnnatlas.conv_animation(cnnatlas.conv_steps(input_data[0, 0], conv.weight[0, 0]), title="3x3 ones, stride 1")

# %%
# With stride 2 the window jumps two cells: ``floor((4 - 3) / 2) + 1 = 1``, a single output. The last
# row and column are never the window's top-left corner.
conv2 = nn.Conv2d(1, 1, kernel_size=3, stride=2, bias=False)
with torch.no_grad():
    conv2.weight.fill_(1.0)
    print(f"stride 2 -> {tuple(conv2(input_data).shape)}: {conv2(input_data).flatten().tolist()}")
cnnatlas.conv_animation(cnnatlas.conv_steps(input_data[0, 0], conv2.weight[0, 0], stride=2), title="3x3 ones, stride 2")

# %%
# Pooling vs strided convolution on a photograph
# ----------------------------------------------
# Three ways to halve a 512x512 image: max pooling keeps the brightest pixel of each 2x2 block, average
# pooling their mean, and a stride-2 convolution a learned (here: hand-set averaging) weighted sum.
camera = cnnatlas.load_photo("camera").float().div(255).unsqueeze(0)  # (1, 1, 512, 512)
down_conv = nn.Conv2d(1, 1, kernel_size=2, stride=2, bias=False)
with torch.no_grad():
    down_conv.weight.fill_(0.25)
    results = {
        "input 512x512": camera,
        "MaxPool2d(2)": nn.MaxPool2d(2)(camera),
        "AvgPool2d(2)": nn.AvgPool2d(2)(camera),
        "Conv2d(k=2, s=2), weights 1/4": down_conv(camera),
        "4 x MaxPool2d(2)": nn.Sequential(*[nn.MaxPool2d(2)] * 4)(camera),
        "4 x AvgPool2d(2)": nn.Sequential(*[nn.AvgPool2d(2)] * 4)(camera),
    }
fig, axes = plt.subplots(2, 3, figsize=(11, 7.5), layout="constrained")
for ax, (name, image) in zip(axes.flat, results.items(), strict=True):
    ax.imshow(image[0, 0].numpy(), cmap="gray", vmin=0, vmax=1)
    ax.set_title(f"{name}\n{tuple(image.shape[-2:])}", fontsize=9)
    ax.set_axis_off()

# %%
# Average pooling and the 1/4-weight convolution are the same operation: a convolution can learn to
# pool. Max pooling is not linear, and after four rounds it has thickened every bright line.
print("avg pool == conv with 1/4 weights:", torch.allclose(results["AvgPool2d(2)"], results["Conv2d(k=2, s=2), weights 1/4"]))
