"""
Receptive fields: theoretical vs effective
==========================================

This page defines the three terms the later pages use (the receptive field, the jump and the effective
receptive field), computes the first two layer by layer, and measures the third with gradients on a
shallow and a deep stack: in a shallow stack the effective field fills the theoretical box; in a deep one
it gathers in the middle of the box, growing only like the square root of the depth.

**Assumes:** what a convolution computes ([The convolution](../01_tensors/plot_02_convolution.md)) and
how stride and pooling shrink a map ([Down-sampling](plot_01_downsampling.md)).
"""

# mkdocs_gallery_thumbnail_number = 2
import matplotlib.pyplot as plt
import numpy as np
import torch
from torch import nn

import cnnatlas

SEED = cnnatlas.build_seed()  # 0 unless $CNNATLAS_SEED says otherwise

# %%
# Three terms
# -----------
# - The **receptive field** of a unit is the set of input pixels that can change its value. For stacks
#   of convolutions and poolings it is a square; its side \(r\) is the *theoretical* receptive field size.
# - The **jump** \(j\) of a layer is the distance, in input pixels, between two neighbouring units of
#   that layer: the product of the strides of all layers so far.
# - The **effective receptive field** is how much each of those pixels actually moves the unit: the
#   magnitude of the gradient of the unit with respect to each input pixel.
#
# A layer with kernel \(k\), dilation \(d\) and stride \(s\) widens the field by \(d(k-1)\) of its
# *input* units, each \(j_{l-1}\) pixels apart:
#
# \[ r_l = r_{l-1} + d\,(k - 1)\, j_{l-1}, \qquad j_l = s\, j_{l-1}, \qquad r_0 = j_0 = 1. \]
#
# ``cnnatlas.receptive_fields`` follows a model's layers and applies this rule. On a stack of 3x3
# convolutions and 2x2 max poolings:
torch.manual_seed(SEED)
stack = nn.Sequential(
    nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(),
    nn.Conv2d(8, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(8, 8, 3, padding=1), nn.ReLU(),
    nn.Conv2d(8, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(8, 8, 3, padding=1),
)  # fmt: skip
shape = (1, 1, 64, 64)
fields = cnnatlas.receptive_fields(stack, shape)
r, j = 1, 1
for layer, f in zip(stack, fields, strict=True):
    if isinstance(layer, nn.Conv2d | nn.MaxPool2d):
        k, s, d = (getattr(layer, a) for a in ("kernel_size", "stride", "dilation"))
        k, s, d = (v if isinstance(v, int) else v[0] for v in (k, s, d))
        r, j = r + d * (k - 1) * j, j * s
    print(f"layer {f.name:>2s} {f.op:9s} r = {f.size[0]:2d}  j = {f.jump[0]}")
    assert (f.size[0], f.jump[0]) == (r, j), "the recurrence above"

# %%
# Each 3x3 convolution adds \(2j\): 2 pixels before the first pooling, 4 after it, 8 after the second.
# Each 2x2 pooling adds \(j\) and doubles the jump. The field grows fastest late in the network, where
# units are far apart.
fig, ax = plt.subplots(figsize=(cnnatlas.style.WIDTH, 3.2), layout="constrained")
ax.step(range(len(fields)), [f.size[0] for f in fields], where="mid", label="receptive field r")
ax.step(range(len(fields)), [f.jump[0] for f in fields], where="mid", label="jump j")
ax.set_xticks(range(len(fields)), [f"{f.name}\n{f.op[0]}" for f in fields])
ax.set_xlabel("layer (C: Conv2d, R: ReLU, M: MaxPool2d)")
ax.set(ylabel="input pixels")
ax.legend()
growth = {f.name: f.size[0] - p.size[0] for p, f in zip(fields, fields[1:], strict=False) if f.op == "Conv2d"}
print(f"growth per 3x3 convolution: {growth}")
assert list(growth.values()) == [2, 4, 4, 8]

# %%
# The theoretical field is a hard limit: the gradient of the last layer's centre unit (summed over 16
# random inputs) is non-zero only inside its box. How far into the box it reaches is measured: with
# random weights and ReLUs, a pixel's gradient is zero whenever every path from it passes through an
# inactive unit.
last = fields[-1]
out = cnnatlas.layer_outputs(stack, torch.zeros(shape), [last.name])[last.name]
unit = (out.shape[2] // 2, out.shape[3] // 2)
grad = sum(cnnatlas.gradient_field(stack, torch.randn(shape), last.name, unit) for _ in range(16))
(top, bottom), (left, right) = (tuple(int(v) for v in pair) for pair in last.box(unit))
rows = torch.nonzero(grad.sum(1)).flatten()
cols = torch.nonzero(grad.sum(0)).flatten()
print(f"unit {unit} of layer {last.name}: box rows {top}..{bottom}, cols {left}..{right}; "
      f"gradient non-zero on rows {int(rows.min())}..{int(rows.max())}, cols {int(cols.min())}..{int(cols.max())}")
assert top <= rows.min() and rows.max() <= bottom and left <= cols.min() and cols.max() <= right, "inside the box"
reach = (len(rows) + len(cols)) / (bottom - top + 1 + right - left + 1)
cnnatlas.observe("gradient of the pooled stack's unit: share of its box's rows and columns reached", reach)
print("the gradient reaches " + ("every row and column of the box" if reach == 1 else
                                 f"{len(rows)} of the box's {bottom - top + 1} rows and {len(cols)} of its columns"))

# %%
# Measured by gradients: shallow vs deep
# --------------------------------------
# Inside the box, the pixels do not count equally. With all weights 1 and no nonlinearity, the gradient at
# a pixel counts the paths from it to the unit through the layers: a pixel at the corner of the box has
# exactly one path (a diagonal step at every layer), the centre pixel the most. To see how this changes with
# depth, take stacks of \(L\) 3x3 convolutions (stride 1, so \(r = 2L + 1\)) and measure the side of the
# smallest centred square that holds 90% of the unit's |gradient|. Two kinds of stack: all weights 1 and
# no nonlinearity (pure path counting), and 8 channels with random (Kaiming) weights and ReLUs, as in an
# untrained network, averaged over 16 random inputs.
depths = (2, 4, 8, 16, 32)
size = 129  # large enough that the deepest box (65 pixels) never touches the border


def conv_stack(depth, kind):
    torch.manual_seed(SEED)
    layers = []
    for i in range(depth):
        if kind == "ones":
            conv = nn.Conv2d(1, 1, 3, padding=1, bias=False)
            nn.init.ones_(conv.weight)
            layers.append(conv)
        else:
            conv = nn.Conv2d(1 if i == 0 else 8, 8, 3, padding=1, bias=False)
            nn.init.kaiming_normal_(conv.weight, nonlinearity="relu")
            layers += [conv, nn.ReLU()]
    return nn.Sequential(*layers), str(len(layers) - (1 if kind == "ones" else 2))


def side_holding(grad, share=0.9):
    """Side of the smallest square, centred on the middle pixel, holding ``share`` of the gradient mass."""
    g, c = grad / grad.sum(), grad.shape[0] // 2
    return next(2 * h + 1 for h in range(c + 1) if g[c - h : c + h + 1, c - h : c + h + 1].sum() >= share)


measured = {}
threads = torch.get_num_threads()
torch.set_num_threads(1)  # small tensors: one thread is faster on a busy machine
for kind in ("ones", "random ReLU"):
    for depth in depths:
        net, name = conv_stack(depth, kind)
        torch.manual_seed(SEED + 1)
        inputs = [torch.randn(1, 1, size, size) for _ in range(1 if kind == "ones" else 16)]
        grad = sum(cnnatlas.gradient_field(net, x, name) for x in inputs)
        theory = cnnatlas.receptive_fields(net, (1, 1, size, size))[-1].size[0]
        assert theory == 2 * depth + 1
        measured[kind, depth] = (theory, side_holding(grad.double()), grad)
        t, e, _ = measured[kind, depth]
        print(f"{kind:11s} L={depth:2d}: theoretical {t:2d} px, 90% of |gradient| within {e:2d} px: "
              f"{e / t:.0%} of the side, {(e / t) ** 2:.0%} of the area")
torch.set_num_threads(threads)

# %%
# The path counts of the 8-layer all-ones stack, at the corner and at the centre of its box:
t, _, grad = measured["ones", 8]
c = size // 2
corner, centre = float(grad[c - t // 2, c - t // 2]), float(grad[c, c])
print(f"L=8: corner pixel {corner:.0f} path, centre pixel {centre:.0f} paths (the largest: {float(grad.max()):.0f})")
assert corner == 1 and centre == float(grad.max()) > 1000

# %%
# For the random ReLU stacks: the dashed box is the theoretical field, the solid square holds 90% of the
# gradient (the titles give both sides). Each panel is cropped to its own box, so the panels compare
# *shares* of the box.
fig, axes = plt.subplots(1, 3, figsize=(cnnatlas.style.WIDTH, 2.9), layout="constrained")
for ax, depth in zip(axes, (2, 8, 32), strict=True):
    t, e, grad = measured["random ReLU", depth]
    c = size // 2
    crop = grad[c - t // 2 - 2 : c + t // 2 + 3, c - t // 2 - 2 : c + t // 2 + 3]
    ax.imshow(crop.numpy(), cmap=cnnatlas.style.SEQUENTIAL)
    ax.add_patch(plt.Rectangle((1.5, 1.5), t, t, fill=False, ls="--", lw=1.5, ec=cnnatlas.style.HIGHLIGHT))
    o = 2 + (t - e) / 2 - 0.5
    ax.add_patch(plt.Rectangle((o, o), e, e, fill=False, lw=1.5, ec="white"))
    ax.set_title(f"L = {depth}: box {t} px\n90% in {e} px")
    ax.set_axis_off()

# %%
# The side of the 90% square as a share of the box's side, by depth. For the all-ones stacks these are
# path counts, the same on every machine: the 90% square is the whole box at \(L = 2\), and the share only
# falls with depth. The random ReLU stacks are random draws, so their shares are measured and described
# by what they show:
for kind in ("ones", "random ReLU"):
    ratios = [measured[kind, d][1] / measured[kind, d][0] for d in depths]
    print(f"{kind:11s} side ratios by depth {depths}: " + ", ".join(f"{q:.2f}" for q in ratios))
    falls = all(a >= b for a, b in zip(ratios, ratios[1:], strict=False))
    if kind == "ones":
        assert falls and ratios[0] == 1.0 and ratios[-1] < 0.5, "fills the box when shallow, under half its side when deep"
    else:
        cnnatlas.observe("random ReLU stacks: 90% side / box side at L=2", ratios[0])
        cnnatlas.observe("random ReLU stacks: 90% side / box side at L=32", ratios[-1], at_most=0.5)
        print(f"{kind}: the 90% square is {ratios[0]:.0%} of the box's side at L = {depths[0]} and "
              f"{ratios[-1]:.0%} at L = {depths[-1]}; the share "
              + ("only falls with depth" if falls else "does not fall at every step"))

# %%
# Why: the field grows like \(L\), the effective field like \(\sqrt{L}\)
# -----------------------------------------------------------------------
# With all-ones weights, the gradient at an input pixel counts the paths from it to the unit. Each layer
# moves a path by -1, 0 or +1 pixels, so along one axis the gradient is the distribution of a sum of
# \(L\) independent steps: its variance is \(L \cdot 2/3\), and by the central limit theorem it tends to
# a Gaussian of width proportional to \(\sqrt{L}\) (the gap to it shrinks with depth), while the box grows
# as \(2L + 1\). Luo et al. (NeurIPS 2016,
# "Understanding the effective receptive field in deep CNNs") show the same for random weights and
# ReLUs. Quadrupling the depth from 8 to 32 layers multiplies the box by about 4 and the effective field
# by about 2:
gaps = []
for depth in depths:
    profile = measured["ones", depth][2].double().sum(0)
    profile /= profile.sum()
    x = torch.arange(size, dtype=torch.float64) - size // 2
    std = float((profile * x**2).sum().sqrt())
    assert abs(std - (depth * 2 / 3) ** 0.5) < 1e-6, "variance L * 2/3"
    gauss = torch.exp(-(x**2) / (2 * std**2)) / (std * (2 * torch.pi) ** 0.5)
    gap = float((profile - gauss).abs().max() / profile.max())
    print(f"L={depth:2d}: standard deviation of the gradient profile {std:.3f} = sqrt({depth} * 2/3); "
          f"largest gap to that Gaussian {gap:.1%} of the peak")
    gaps.append(gap)
assert all(a > b for a, b in zip(gaps, gaps[1:], strict=False)) and gaps[-1] < 0.02, "closer to Gaussian with depth"
for kind in ("ones", "random ReLU"):
    (t8, e8, _), (t32, e32, _) = measured[kind, 8], measured[kind, 32]
    print(f"{kind:11s} from L=8 to L=32: box x{t32 / t8:.1f}, 90% square x{e32 / e8:.1f}")
    assert t32 / t8 > 3.5
    if kind == "ones":
        assert 1.5 < e32 / e8 < 2.6, "sqrt(32 / 8) = 2"
    else:
        cnnatlas.observe("random ReLU stacks: 90% square, L=32 / L=8", e32 / e8)

# %%
# A Gaussian of standard deviation \(\sigma\) per axis puts 90% of its mass in a centred square of side
# \(2 z \sigma\) with \(\Phi(z) = (1 + \sqrt{0.9})/2\), so \(z \approx 1.95\). For the all-ones stacks,
# with \(\sigma = \sqrt{2L/3}\), this predicts the measured side to within 2 pixels from \(L = 4\) on:
z = float(torch.special.ndtri(torch.tensor((1 + 0.9**0.5) / 2, dtype=torch.float64)))
gaussian = 2 * z * np.sqrt(np.array(depths) * 2 / 3)
for depth, g in zip(depths, gaussian, strict=True):
    print(f"L={depth:2d}: Gaussian {g:5.1f} px, measured {measured['ones', depth][1]:2d} px")
    assert depth < 4 or abs(g - measured["ones", depth][1]) <= 2

fig, ax = plt.subplots(figsize=(cnnatlas.style.WIDTH, 3.6), layout="constrained")
ax.plot(depths, [measured["ones", d][0] for d in depths], "o-", color="black", label="theoretical, 2L + 1")
for kind, marker in (("ones", "s--"), ("random ReLU", "^--")):
    ax.plot(depths, [measured[kind, d][1] for d in depths], marker, label=f"90% of |gradient|, {kind}")
ax.plot(depths, gaussian, ":", color="grey", label="Gaussian prediction, ones")
ax.set(xlabel="depth L (3x3 convolutions)", ylabel="side (pixels)", title="receptive field vs effective field")
ax.legend()

# %%
# Growing like \(\sqrt{L}\), depth alone widens the effective field slowly; networks also use strides,
# pooling (which multiply the jump) and dilation to grow the field faster:
# [dilated convolution](plot_03_dilated_convolution.md) grows it exponentially.
