"""
Dilated convolution and receptive fields
========================================

A 3x3 kernel with dilation 2 samples every other pixel and spans 5x5 with the same nine weights. Article
001's 7x7 example, its coverage compared with a standard 3x3 kernel position by position, the receptive
field of stacked dilated convolutions growing exponentially with depth, and the gridding artefact when
every layer uses the same dilation.

**Assumes:** what a convolution computes and how padding keeps a map's size ([The
convolution](../01_tensors/plot_02_convolution.md)), and the receptive field of a unit ([Receptive
fields](plot_02_receptive_fields.md)).
"""

# mkdocs_gallery_thumbnail_number = 1
import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F
from torch import nn

import cnnatlas

SEED = cnnatlas.build_seed()  # 0 unless $CNNATLAS_SEED says otherwise

# %%
# The article's 7x7 input with rate 2
# -----------------------------------
# Dilation \(d\) spaces the kernel's taps \(d\) pixels apart, so a \(k \times k\) kernel spans
# \(d(k-1)+1\) pixels: 5 for \(k=3, d=2\). ``padding=2`` then keeps the 7x7 size:
# ``floor((7 + 2*2 - 2*(3-1) - 1) / 1) + 1 = 7``.
large_input = torch.arange(1.0, 50.0).view(1, 1, 7, 7)
dilated_conv = nn.Conv2d(1, 1, kernel_size=3, stride=1, padding=2, dilation=2, bias=False)
with torch.no_grad():
    dilated_conv.weight.fill_(1.0)
    output = dilated_conv(large_input)
taps = large_input[0, 0, 1::2, 1::2]
print(f"input {tuple(large_input.shape)} -> output {tuple(output.shape)}; parameters: {dilated_conv.weight.numel()}")
print(f"centre output = {output[0, 0, 3, 3].item():.0f} = sum of the 9 taps two pixels apart {taps.flatten().int().tolist()}")
assert output.shape == large_input.shape and cnnatlas.conv_output_size(7, 3, 1, 2, 2) == 7
assert dilated_conv.weight.numel() == 9 and output[0, 0, 3, 3] == taps.sum()

# %%
# A dilated kernel is a larger kernel with zeros between its weights: the 3x3 kernel at dilation 2
# gives exactly what a 5x5 kernel holding the nine weights at every other position gives.
weight = torch.randn(1, 1, 3, 3, generator=torch.Generator().manual_seed(SEED))
spread = torch.zeros(1, 1, 5, 5)
spread[..., ::2, ::2] = weight
print(f"5x5 equivalent kernel (rows):\n{spread[0, 0].numpy().round(2)}")
assert torch.allclose(F.conv2d(large_input, weight, padding=2, dilation=2), F.conv2d(large_input, spread, padding=2), atol=1e-5)

# %%
# Article 001's coverage animation, interactive: the same output position for a standard 3x3 kernel
# (padding 1) and a dilated one (padding 2). Both use nine taps; the dilated one spreads them over 5x5.
standard = cnnatlas.conv_steps(large_input[0, 0], torch.ones(3, 3), padding=1)
dilated = cnnatlas.conv_steps(large_input[0, 0], torch.ones(3, 3), padding=2, dilation=2)
for steps, span in ((standard, 3), (dilated, 5)):
    for step in steps.steps:
        rows, cols = [i for i, _ in step.window], [j for _, j in step.window]
        assert len(set(step.window)) == 9 and max(rows) - min(rows) + 1 == max(cols) - min(cols) + 1 == span
cnnatlas.window_comparison_animation(standard, dilated, ("standard 3x3, padding 1", "dilated 3x3 (rate 2), padding 2"))

# %%
# Every output cell of the dilated convolution with the value PyTorch computed:
cnnatlas.conv_animation(dilated, title="3x3, dilation 2, padding 2 on the article's 7x7")

# %%
# Receptive fields of stacks
# --------------------------
# With the recurrence of [Receptive fields](plot_02_receptive_fields.md) (stride 1, so the jump stays 1),
# a 3x3 layer with dilation \(d\) adds \(2d\) pixels to the field. Stacking standard 3x3 convolutions
# adds 2 per layer: \(2l + 1\) after \(l\) layers, linear growth. Doubling the dilation at each layer
# (1, 2, 4, 8, ...) adds \(2^l\) at layer \(l\): the field after \(l\) layers is \(2^{l+1} - 1\),
# exponential growth, with the same nine weights per layer. This is the design of Yu and Koltun's
# context module ("Multi-Scale Context Aggregation by Dilated Convolutions", ICLR 2016); WaveNet
# (van den Oord et al., 2016) doubles the dilation of its 1-D convolutions the same way.
depth = 6
standard_stack = nn.Sequential(*[nn.Conv2d(1, 1, 3, padding=1) for _ in range(depth)])
dilated_stack = nn.Sequential(*[nn.Conv2d(1, 1, 3, padding=2**i, dilation=2**i) for i in range(depth)])
shape = (1, 1, 256, 256)
sizes_standard = [f.size[0] for f in cnnatlas.receptive_fields(standard_stack, shape)]
sizes_dilated = [f.size[0] for f in cnnatlas.receptive_fields(dilated_stack, shape)]
for layer, (s, d) in enumerate(zip(sizes_standard, sizes_dilated, strict=True), start=1):
    print(f"layer {layer}: standard {s:3d}x{s:<3d} (2l+1 = {2 * layer + 1:3d})   "
          f"dilated, rate {2 ** (layer - 1):2d}: {d:3d}x{d:<3d} (2^(l+1)-1 = {2 ** (layer + 1) - 1:3d})")
    assert s == 2 * layer + 1 and d == 2 ** (layer + 1) - 1
params = [sum(p.numel() for p in stack.parameters()) for stack in (standard_stack, dilated_stack)]
print(f"parameters: standard {params[0]}, dilated {params[1]}")
assert params[0] == params[1] == depth * (9 + 1)
fig, ax = plt.subplots(figsize=(cnnatlas.style.WIDTH, 3.6), layout="constrained")
ax.plot(range(1, depth + 1), sizes_standard, "o-", label="3x3, dilation 1: 2l + 1")
ax.plot(range(1, depth + 1), sizes_dilated, "s-", label="3x3, dilation 1, 2, 4, ...: 2^(l+1) - 1")
ax.set(xlabel="layers l", ylabel="receptive field (pixels)", yscale="log", title="same 9 weights per layer")
ax.legend()

# %%
# Coverage, and the gridding artefact
# -----------------------------------
# A large field is only useful if the unit sees every pixel in it. With all weights set to 1, the input
# pixels whose gradient is non-zero for the centre unit are exactly the pixels it depends on. Three
# stacks of six 3x3 layers: standard, dilations 1, 2, 4, ..., 32, and dilation 2 at every layer. The
# last one's taps always land an even number of rows and columns from the centre: it sees about one
# pixel in four of its box, a regular grid with holes. This is the *gridding* artefact (Wang et al.,
# "Understanding Convolution for Semantic Segmentation", WACV 2018). Starting the doubling schedule at
# dilation 1 avoids it: the offsets \(\sum_i a_i 2^i\) with \(a_i \in \{-1, 0, 1\}\) reach every pixel of
# the box. Yellow: the pixels the unit sees, dark: those it does not; dashed: its theoretical field.
gridded_stack = nn.Sequential(*[nn.Conv2d(1, 1, 3, padding=2, dilation=2) for _ in range(depth)])
stacks = {"standard": standard_stack, "dilation 1, 2, 4, ...": dilated_stack, "dilation 2, 2, 2, ...": gridded_stack}
fig, axes = plt.subplots(1, 3, figsize=(cnnatlas.style.WIDTH, 3.2), layout="constrained")
for ax, (name, stack) in zip(axes, stacks.items(), strict=True):
    with torch.no_grad():
        for layer in stack:
            layer.weight.fill_(1.0)
    theory = cnnatlas.receptive_fields(stack, shape)[-1].size[0]
    seen = cnnatlas.gradient_field(stack, torch.rand(shape), str(depth - 1)) > 0
    c, h = shape[-1] // 2, theory // 2
    box = seen[c - h : c + h + 1, c - h : c + h + 1]
    assert int(seen.sum()) == int(box.sum()), "nothing outside the theoretical box"
    share = box.float().mean().item()
    print(f"{name:22s} field {theory:3d}x{theory:<3d}: the unit sees {int(box.sum()):5d} of its "
          f"{box.numel():5d} pixels ({share:.0%})")
    if name == "dilation 2, 2, 2, ...":
        lattice = torch.zeros_like(box)
        lattice[::2, ::2] = True
        assert torch.equal(box, lattice), "exactly the pixels an even number of rows and columns from the centre"
        assert abs(share - 1 / 4) < 0.03
    else:
        assert bool(box.all()), "every pixel of the box"
    ax.imshow(seen[c - h - 2 : c + h + 3, c - h - 2 : c + h + 3].numpy(), cmap=cnnatlas.style.SEQUENTIAL,
              vmin=0, vmax=1)
    ax.add_patch(plt.Rectangle((1.5, 1.5), theory, theory, fill=False, ls="--", lw=1.5, ec=cnnatlas.style.HIGHLIGHT))
    ax.set_title(f"{name}\n{theory}x{theory}, sees {share:.0%}")
    ax.set_axis_off()
