"""
Receptive fields: theoretical vs effective
==========================================

The theoretical receptive field is every input pixel a unit could depend on. The effective one,
measured by the gradient of the unit with respect to the input, is concentrated in the middle: pixels
near the edge of the field reach the unit through far fewer paths.
"""

# mkdocs_gallery_thumbnail_number = 1
import matplotlib.pyplot as plt
import numpy as np
import torch
from torch import nn

import cnnatlas

# %%
# A stack of 3x3 convolutions and poolings
# ----------------------------------------
torch.manual_seed(0)
stack = nn.Sequential(
    nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(),
    nn.Conv2d(8, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(8, 8, 3, padding=1), nn.ReLU(),
    nn.Conv2d(8, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(8, 8, 3, padding=1),
)
shape = (1, 1, 64, 64)
fields = cnnatlas.receptive_fields(stack, shape)
for f in fields:
    print(f"{f.name:3s} {f.op:10s} size {f.size[0]:2d}  jump {f.jump[0]}  start {f.start[0]:+.1f}")

# %%
# How the formula grows: with \(r_l\) the field size and \(j_l\) the jump (the distance, in input pixels,
# between neighbouring units) after layer \(l\), a layer with kernel \(k\), dilation \(d\) and stride \(s\) gives
#
# \[ r_l = r_{l-1} + d\,(k - 1)\, j_{l-1}, \qquad j_l = s\, j_{l-1}, \qquad r_0 = j_0 = 1. \]
fig, ax = plt.subplots(figsize=(6, 3), layout="constrained")
ax.step(range(len(fields)), [f.size[0] for f in fields], where="mid", label="receptive field")
ax.step(range(len(fields)), [f.jump[0] for f in fields], where="mid", label="jump")
ax.set_xticks(range(len(fields)), [f"{f.name}\n{f.op[:4]}" for f in fields], fontsize=7)
ax.set(ylabel="pixels")
ax.legend()

# %%
# Measured by gradients
# ---------------------
# For each convolution, the gradient of its centre unit with respect to a random input, averaged over
# 16 random inputs. The dashed box is the theoretical field; the colour shows how strongly each pixel
# matters. The effective field is roughly Gaussian and much smaller than the box.
convs = [f for f in fields if f.op == "Conv2d"]
fig, axes = plt.subplots(1, len(convs), figsize=(3 * len(convs), 3.3), layout="constrained")
for ax, field in zip(axes, convs, strict=True):
    out = cnnatlas.layer_outputs(stack, torch.zeros(shape), [field.name])[field.name]
    unit = (out.shape[2] // 2, out.shape[3] // 2)
    grad = sum(cnnatlas.gradient_field(stack, torch.randn(shape), field.name, unit) for _ in range(16))
    ax.imshow(grad.numpy(), cmap="magma")
    (top, bottom), (left, right) = field.box(unit)
    ax.add_patch(plt.Rectangle((left - 0.5, top - 0.5), right - left + 1, bottom - top + 1, fill=False, ls="--", ec="#4c9be8"))
    rows = torch.nonzero(grad.sum(1)).flatten()
    ax.set_title(f"layer {field.name}: theory {field.size[0]}, gradient {int(rows.max() - rows.min() + 1)}", fontsize=9)
    ax.set_xlim(-0.5, 63.5), ax.set_ylim(63.5, -0.5)
    ax.set_axis_off()

# %%
# The profile through the centre row of the last layer's effective field: most of the weight sits in
# the middle third.
grad = sum(cnnatlas.gradient_field(stack, torch.randn(shape), convs[-1].name) for _ in range(32))
profile = grad.sum(0).numpy()
profile /= profile.sum()
fig, ax = plt.subplots(figsize=(6, 2.6), layout="constrained")
ax.bar(np.arange(64), profile, color="#c44e52")
ax.set(xlabel="input column", ylabel="share of |gradient|", title=f"effective field of layer {convs[-1].name}")
middle = profile[profile.argmax() - convs[-1].size[0] // 6 : profile.argmax() + convs[-1].size[0] // 6 + 1].sum()
print(f"middle third of the theoretical field holds {middle:.0%} of the gradient")
