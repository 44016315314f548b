"""
Down-sampling: stride and pooling
=================================

Article 001's 4x4 input with an all-ones 3x3 kernel: stride 1 gives 2x2, stride 2 gives 1x1 and never
reads the last row and column. Step through every output cell and the window it sums, then compare max
pooling, average pooling and a strided convolution on a real photograph.

**Assumes:** what a convolution computes and what stride means ([The
convolution](../01_tensors/plot_02_convolution.md)), and ``MaxPool2d`` ([Building
blocks](../01_tensors/plot_03_building_blocks.md)).
"""

# mkdocs_gallery_thumbnail_number = 1
import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F
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
assert output[0, 0].tolist() == [[54.0, 63.0], [90.0, 99.0]]
for r in range(2):
    for c in range(2):
        assert output[0, 0, r, c] == input_data[0, 0, r : r + 3, c : c + 3].sum()

# %%
# ``floor((4 + 2*0 - 3) / 1) + 1 = 2``: the window fits in two positions along each axis. The top-left
# output is 1 + 2 + 3 + 5 + 6 + 7 + 9 + 10 + 11 = 54. Each output cell, the window it sums and
# PyTorch's value:
assert cnnatlas.conv_output_size(4, 3, stride=1, padding=0) == 2 == output.shape[-1]
assert sum([1, 2, 3, 5, 6, 7, 9, 10, 11]) == output[0, 0, 0, 0]
cnnatlas.conv_animation(cnnatlas.conv_steps(input_data[0, 0], conv.weight[0, 0]), title="3x3 ones, stride 1")

# %%
# With stride 2 the window jumps two cells: ``floor((4 - 3) / 2) + 1 = 1``, a single output, the same 54
# as stride 1's first cell. The next window would start at row 2 and end at row 4, past the input, so
# the last row and column (13 to 16, and 4, 8, 12, 16) are never read: changing them does not change
# the output.
conv2 = nn.Conv2d(1, 1, kernel_size=3, stride=2, bias=False)
with torch.no_grad():
    conv2.weight.fill_(1.0)
    out2 = conv2(input_data)
    changed = input_data.clone()
    changed[..., 3, :] = changed[..., :, 3] = 100.0
    out2_changed = conv2(changed)
print(f"stride 2 -> {tuple(out2.shape)}: {out2.flatten().tolist()}; "
      f"with the last row and column set to 100: {out2_changed.flatten().tolist()}")
assert cnnatlas.conv_output_size(4, 3, stride=2) == 1 and out2.shape == (1, 1, 1, 1)
assert out2.item() == output[0, 0, 0, 0] and torch.equal(out2, out2_changed)
cnnatlas.conv_animation(cnnatlas.conv_steps(input_data[0, 0], conv2.weight[0, 0], stride=2), title="3x3 ones, stride 2")

# %%
# Pooling vs strided convolution on a photograph
# ----------------------------------------------
# Three ways to halve a 512x512 image: max pooling keeps the brightest pixel of each 2x2 block, average
# pooling their mean, and a stride-2 convolution a weighted sum with weights a network would learn
# (here set by hand to 1/4 each).
camera = cnnatlas.load_photo("camera").float().div(255).unsqueeze(0)  # (1, 1, 512, 512)
down_conv = nn.Conv2d(1, 1, kernel_size=2, stride=2, bias=False)
with torch.no_grad():
    down_conv.weight.fill_(0.25)
    results = {
        "input 512x512": camera,
        "MaxPool2d(2)": nn.MaxPool2d(2)(camera),
        "AvgPool2d(2)": nn.AvgPool2d(2)(camera),
        "Conv2d(k=2, s=2)": down_conv(camera),
        "4 x MaxPool2d(2)": nn.Sequential(*[nn.MaxPool2d(2)] * 4)(camera),
        "4 x AvgPool2d(2)": nn.Sequential(*[nn.AvgPool2d(2)] * 4)(camera),
    }
blocks = camera.view(1, 1, 256, 2, 256, 2)  # (row block, row in block, col block, col in block)
assert torch.equal(results["MaxPool2d(2)"], blocks.amax(dim=(3, 5)))
assert torch.allclose(results["AvgPool2d(2)"], blocks.mean(dim=(3, 5)))
halved = ("MaxPool2d(2)", "AvgPool2d(2)", "Conv2d(k=2, s=2)")
assert all(results[name].shape[-2:] == (256, 256) for name in halved)
fig, axes = plt.subplots(2, 3, figsize=(cnnatlas.style.WIDTH, 5.3), layout="constrained")
for ax, (name, image) in zip(axes.flat, results.items(), strict=True):
    ax.imshow(image[0, 0].numpy(), cmap=cnnatlas.style.GRAY, vmin=0, vmax=1)
    ax.set_title(f"{name}\n{tuple(image.shape[-2:])}")
    ax.set_axis_off()

# %%
# Average pooling and the 1/4-weight convolution are the same operation, so a strided convolution can
# represent average pooling. It cannot represent max pooling: a convolution is linear,
# the conv of a sum is the sum of the convs, and max pooling is not.
with torch.no_grad():
    same = torch.allclose(results["AvgPool2d(2)"], results["Conv2d(k=2, s=2)"])
    a, b = torch.tensor([[[[1.0, 0.0], [0.0, 0.0]]]]), torch.tensor([[[[0.0, 1.0], [0.0, 0.0]]]])
    conv_linear = torch.allclose(down_conv(a + b), down_conv(a) + down_conv(b))
    pool = nn.MaxPool2d(2)
print(f"avg pool == conv with 1/4 weights: {same}")
print(f"conv(a + b) == conv(a) + conv(b): {conv_linear}; "
      f"maxpool(a + b) = {pool(a + b).item():g}, maxpool(a) + maxpool(b) = {(pool(a) + pool(b)).item():g}")
assert same and conv_linear and pool(a + b).item() != (pool(a) + pool(b)).item()

# %%
# Four rounds of 2x2 pooling are one 16x16 pooling: each of the 32x32 outputs summarises a 16x16 block.
# Average pooling keeps the photo's mean brightness exactly; max pooling lets one bright pixel light its
# whole block, so bright regions spread:
four_max, four_avg = results["4 x MaxPool2d(2)"], results["4 x AvgPool2d(2)"]
assert torch.equal(four_max, F.max_pool2d(camera, 16)) and torch.allclose(four_avg, F.avg_pool2d(camera, 16))
assert torch.allclose(four_avg.mean(), camera.mean())
shown = ("input 512x512", "4 x MaxPool2d(2)", "4 x AvgPool2d(2)")
bright = {name: float((results[name] >= 0.8).float().mean()) for name in shown}
print(f"mean brightness: photo {camera.mean():.3f}, 4 x avg {four_avg.mean():.3f}, 4 x max {four_max.mean():.3f}")
print("share of pixels brighter than 0.8: " + ", ".join(f"{k} {v:.0%}" for k, v in bright.items()))
assert bright["4 x MaxPool2d(2)"] > bright["input 512x512"] > bright["4 x AvgPool2d(2)"]
assert four_max.mean() > camera.mean()
