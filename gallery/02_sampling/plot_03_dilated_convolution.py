"""
Dilated convolution and receptive fields
========================================

A 3x3 kernel with dilation 2 samples every other pixel and covers a 5x5 area with the same nine
weights. Compare its coverage with a standard 3x3 kernel position by position, and watch the
receptive field of stacked dilated convolutions grow exponentially.
"""

# mkdocs_gallery_thumbnail_number = 1
import matplotlib.pyplot as plt
import torch
from torch import nn

import cnnatlas

# %%
# The article's 7x7 input with rate 2
# -----------------------------------
# ``padding=2`` keeps the 7x7 size: ``floor((7 + 4 - 2*(3-1) - 1) / 1) + 1 = 7``.
large_input = torch.arange(1.0, 50.0).view(1, 1, 7, 7)
dilated_conv = nn.Conv2d(1, 1, kernel_size=3, stride=1, padding=2, dilation=2, bias=False)
with torch.no_grad():
    dilated_conv.weight.fill_(1.0)
    output = dilated_conv(large_input)
print(f"input {tuple(large_input.shape)} -> output {tuple(output.shape)}; parameters: {dilated_conv.weight.numel()}")
print(f"centre output = {output[0, 0, 3, 3].item():.0f} = sum of the 9 dilated taps "
      f"{large_input[0, 0, 1::2, 1::2].flatten().tolist()}")

# %%
# Article 001's coverage animation, interactive: the same output position for a standard 3x3 kernel
# (padding 1) and a dilated one (padding 2). Both use nine taps; the dilated one spreads them over 5x5.
standard = cnnatlas.conv_steps(large_input[0, 0], torch.ones(3, 3), padding=1)
dilated = cnnatlas.conv_steps(large_input[0, 0], torch.ones(3, 3), padding=2, dilation=2)
cnnatlas.compare_windows(standard, dilated, ("standard 3x3, padding 1", "dilated 3x3 (rate 2), padding 2"))

# %%
# Every output cell of the dilated convolution with the value PyTorch computed:
cnnatlas.conv_animation(dilated, title="3x3, dilation 2, padding 2 on the article's 7x7")

# %%
# Receptive fields of stacks
# --------------------------
# Stacking 3x3 convolutions grows the field by 2 pixels per layer; doubling the dilation at each layer
# (1, 2, 4, 8, ...), as in WaveNet or DeepLab's context module, doubles it, with the same weights per layer.
depth = 6
standard_stack = nn.Sequential(*[nn.Conv2d(1, 1, 3, padding=1) for _ in range(depth)])
dilated_stack = nn.Sequential(*[nn.Conv2d(1, 1, 3, padding=2**i, dilation=2**i) for i in range(depth)])
shape = (1, 1, 256, 256)
sizes_standard = [f.size[0] for f in cnnatlas.receptive_fields(standard_stack, shape)]
sizes_dilated = [f.size[0] for f in cnnatlas.receptive_fields(dilated_stack, shape)]
for layer, (s, d) in enumerate(zip(sizes_standard, sizes_dilated, strict=True), start=1):
    print(f"layer {layer}: standard {s:3d}x{s:<3d} dilated (rate {2 ** (layer - 1):2d}) {d:3d}x{d}")
fig, ax = plt.subplots(figsize=(6, 3.2), layout="constrained")
ax.plot(range(1, depth + 1), sizes_standard, "o-", label="3x3, dilation 1")
ax.plot(range(1, depth + 1), sizes_dilated, "s-", label="3x3, dilation 1, 2, 4, ...")
ax.set(xlabel="layers", ylabel="receptive field (pixels)", yscale="log", title="same 9 weights per layer")
ax.legend()

# %%
# Checked by gradients: with all-positive weights, the input pixels whose gradient is non-zero for the
# centre output unit are exactly the theoretical field.
for stack in (standard_stack, dilated_stack):
    with torch.no_grad():
        for layer in stack:
            layer.weight.fill_(1.0)
grads = [cnnatlas.gradient_field(stack, torch.rand(shape), str(depth - 1)) for stack in (standard_stack, dilated_stack)]
fig, axes = plt.subplots(1, 2, figsize=(8, 4), layout="constrained")
for ax, grad, size, name in zip(axes, grads, (sizes_standard[-1], sizes_dilated[-1]), ("standard", "dilated"), strict=True):
    ax.imshow((grad > 0).numpy(), cmap="Greys")
    rows = torch.nonzero(grad.sum(1)).flatten()
    ax.set_title(f"{name}: gradient non-zero on {int(rows.max() - rows.min() + 1)} rows (theory {size})", fontsize=9)
    ax.set_axis_off()
