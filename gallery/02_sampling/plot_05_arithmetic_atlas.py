"""
The convolution-arithmetic atlas
================================

The cases of Dumoulin and Visin's "A guide to convolution arithmetic", drawn from PyTorch's own numbers:
no, half, full and arbitrary padding, strides, dilation and their transposed counterparts; then what the
guide leaves out and PyTorch users meet: ``padding="same"`` with an even kernel, and the four padding
modes. Each animation rings the real input values (padding and inserted zeros are plain) and shows the
output cell each window writes; each formula is checked against PyTorch when the page is built.

**Assumes:** what a convolution computes, with padding and stride ([The
convolution](../01_tensors/plot_02_convolution.md), [Down-sampling](plot_01_downsampling.md)), dilation
([Dilated convolution](plot_03_dilated_convolution.md)) and transposed convolution
([Up-sampling](plot_04_transposed_convolution.md)).
"""

# mkdocs_gallery_thumbnail_number = 1
import itertools

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F
from torch import nn

import cnnatlas

SEED = cnnatlas.build_seed()  # 0 unless $CNNATLAS_SEED says otherwise

torch.manual_seed(SEED)
x5 = torch.randint(0, 4, (5, 5)).float()
x6 = torch.randint(0, 4, (6, 6)).float()
kernel3 = torch.tensor([[0.0, 1.0, 2.0], [2.0, 2.0, 0.0], [0.0, 1.0, 2.0]])

# %%
# The cases and their formulas, checked
# -------------------------------------
# With input size \(i\), kernel \(k\), stride \(s\), padding \(p\) and dilation \(d\), a convolution gives
#
# \[ o = \left\lfloor \frac{i + 2p - d(k-1) - 1}{s} \right\rfloor + 1 \]
#
# and a transposed convolution, with \(a\) = ``output_padding`` (\(0 \le a < \max(s, d)\)), gives
#
# \[ o = (i - 1)\,s - 2p + d(k-1) + a + 1. \]
cases = {
    "no padding, unit stride": dict(x=x5, padding=0, stride=1),
    "half (same) padding": dict(x=x5, padding=1, stride=1),
    "full padding": dict(x=x5, padding=2, stride=1),
    "arbitrary padding (p=1), k=3 on 6x6": dict(x=x6, padding=1, stride=1),
    "no padding, stride 2": dict(x=x5, padding=0, stride=2),
    "padding 1, stride 2": dict(x=x5, padding=1, stride=2),
    "padding 1, stride 2, odd fit (6x6)": dict(x=x6, padding=1, stride=2),
    "dilation 2, no padding": dict(x=x6, padding=0, stride=1, dilation=2),
}
atlas = {}
for name, args in cases.items():
    steps = cnnatlas.conv_steps(args["x"], kernel3, stride=args["stride"], padding=args["padding"], dilation=args.get("dilation", 1))
    formula = cnnatlas.conv_output_size(args["x"].shape[0], 3, args["stride"], args["padding"], args.get("dilation", 1))
    assert formula == steps.output.shape[0]
    atlas[name] = steps
    print(f"{name:38s} i={args['x'].shape[0]} p={args['padding']} s={args['stride']} d={args.get('dilation', 1)}: "
          f"formula {formula}, PyTorch {steps.output.shape[0]}")

transposed = {
    "transposed of no padding (i=3 -> 5)": dict(x=torch.randint(0, 4, (3, 3)).float(), stride=1, padding=0, output_padding=0),
    "transposed of half padding (i=5 -> 5)": dict(x=x5, stride=1, padding=1, output_padding=0),
    "transposed of full padding (i=7 -> 5)": dict(x=torch.randint(0, 4, (7, 7)).float(), stride=1, padding=2, output_padding=0),
    "transposed of stride 2 (i=2 -> 5)": dict(x=torch.randint(0, 4, (2, 2)).float(), stride=2, padding=0, output_padding=0),
    "transposed of p=1, s=2 (i=3 -> 5)": dict(x=torch.randint(0, 4, (3, 3)).float(), stride=2, padding=1, output_padding=0),
    "transposed, p=1, s=2, output_padding=1 (i=3 -> 6)": dict(x=torch.randint(0, 4, (3, 3)).float(), stride=2, padding=1, output_padding=1),
}
for name, args in transposed.items():
    steps = cnnatlas.transposed_steps(args["x"], kernel3, args["stride"], args["padding"], args["output_padding"])
    formula = cnnatlas.conv_transpose_output_size(args["x"].shape[0], 3, args["stride"], args["padding"], args["output_padding"])
    assert formula == steps.output.shape[0]
    atlas[name] = steps
    print(f"{name:50s} formula {formula}, PyTorch {steps.output.shape[0]}")

# %%
# Beyond these cases, both formulas are checked against PyTorch's layers for every combination of
# input size 5 to 9, kernel 1 to 4, stride 1 to 3, padding 0 to 2 and dilation 1 to 2 (transposed:
# every valid ``output_padding``):
checked = 0
threads = torch.get_num_threads()
torch.set_num_threads(1)  # a thousand tiny layers: a second thread only waits, on a busy machine
for i, k, s, p, d in itertools.product(range(5, 10), range(1, 5), range(1, 4), range(3), range(1, 3)):
    x = torch.zeros(1, 1, i, i)
    if i + 2 * p >= d * (k - 1) + 1:
        assert F.conv2d(x, torch.zeros(1, 1, k, k), stride=s, padding=p, dilation=d).shape[-1] == (
            cnnatlas.conv_output_size(i, k, s, p, d)) == (i + 2 * p - d * (k - 1) - 1) // s + 1
        checked += 1
    for a in range(max(s, d)):
        out = F.conv_transpose2d(x, torch.zeros(1, 1, k, k), stride=s, padding=p, output_padding=a, dilation=d)
        assert out.shape[-1] == cnnatlas.conv_transpose_output_size(i, k, s, p, a, d) == (i - 1) * s - 2 * p + d * (k - 1) + a + 1
        checked += 1
torch.set_num_threads(threads)
print(f"{checked} size combinations: both formulas agree with PyTorch")
for s, d in ((1, 1), (2, 1), (1, 2), (3, 2)):
    try:
        F.conv_transpose2d(torch.zeros(1, 1, 5, 5), torch.zeros(1, 1, 3, 3), stride=s, dilation=d, output_padding=max(s, d))
        accepted = True
    except RuntimeError:
        accepted = False
    assert not accepted, "output_padding must stay below max(stride, dilation)"
print("output_padding = max(stride, dilation) is refused by PyTorch")

# %%
# A map of the atlas: output size against input size for each convolution case.
fig, ax = plt.subplots(figsize=(cnnatlas.style.WIDTH, 3.8), layout="constrained")
sizes = range(5, 17)
for label, (k, s, p, d) in {"k3 p0 s1": (3, 1, 0, 1), "k3 p1 s1 (same)": (3, 1, 1, 1), "k3 p2 s1 (full)": (3, 1, 2, 1),
                            "k3 p1 s2": (3, 2, 1, 1), "k3 p0 s1 d2": (3, 1, 0, 2)}.items():
    ax.plot(sizes, [cnnatlas.conv_output_size(i, k, s, p, d) for i in sizes], "o-", label=label, markersize=3)
ax.set(xlabel="input size i", ylabel="output size o", title="output size by case")
ax.legend(loc="upper left")

# %%
# Convolution: no padding, unit stride
# ------------------------------------
cnnatlas.conv_animation(atlas["no padding, unit stride"], title="no padding, unit stride")

# %%
# Half (same) padding: at stride 1, ``p = floor(k/2)`` keeps the size, but only for odd \(k\). The
# formula gives \(o = i + 2\lfloor k/2 \rfloor - k + 1\): \(i\) for odd \(k\), \(i + 1\) for even \(k\).
cnnatlas.conv_animation(atlas["half (same) padding"], title="half padding")

# %%
for k in range(1, 9):
    sizes = {i: F.conv2d(torch.zeros(1, 1, i, i), torch.zeros(1, 1, k, k), padding=k // 2).shape[-1] for i in range(5, 13)}
    print(f"k={k}, p={k // 2}: output - input = {sorted({o - i for i, o in sizes.items()})}")
    assert all(o == (i if k % 2 else i + 1) for i, o in sizes.items())

# %%
# Full padding: ``p = k - 1``; every input cell meets every kernel weight, the output grows by ``k - 1``.
full = atlas["full padding"]
meets = {cell: {n for step in full.steps for n, w in enumerate(step.window) if w == cell} for cell in full.input_cells}
print(f"full padding: {full.input.shape[0]} -> {full.output.shape[0]}; every input cell meets all 9 weights: "
      f"{all(len(m) == 9 for m in meets.values())}")
assert all(len(m) == 9 for m in meets.values()) and full.output.shape[0] == full.input.shape[0] + 3 - 1
cnnatlas.conv_animation(full, title="full padding")

# %%
cnnatlas.conv_animation(atlas["arbitrary padding (p=1), k=3 on 6x6"], title="arbitrary padding")

# %%
# Strides
# -------
cnnatlas.conv_animation(atlas["no padding, stride 2"], title="no padding, stride 2")

# %%
cnnatlas.conv_animation(atlas["padding 1, stride 2"], title="padding 1, stride 2")

# %%
# When ``(i + 2p - k)`` is not a multiple of ``s``, the last window stops short of the end of the padded
# input. On 6x6 with p=1, s=2 the output is 3x3, as on 5x5, and the windows start at padded rows 0, 2
# and 4: they read padded rows 0 to 6, every input row, and skip only the bottom (and right) padding
# row. Without padding the same stride drops real data: on 6x6 with p=0 the windows start at rows 0 and
# 2 and never read input row 5.
for p in (1, 0):
    steps = cnnatlas.conv_steps(x6, kernel3, stride=2, padding=p)
    read = sorted({r for step in steps.steps for r, _ in step.window})
    read_cols = sorted({c for step in steps.steps for _, c in step.window})
    skipped_input = sorted(set(range(p, p + 6)) - set(read))
    skipped_padding = sorted(set(range(6 + 2 * p)) - set(range(p, p + 6)) - set(read))
    print(f"6x6, p={p}, s=2 -> {steps.output.shape}: padded rows read {read}; input rows never read "
          f"{[r - p for r in skipped_input]}; padding rows never read {skipped_padding}")
    assert read == read_cols
    if p == 1:
        assert skipped_input == [] and skipped_padding == [7] and steps.output.shape == (3, 3)
        assert cnnatlas.conv_output_size(5, 3, 2, 1) == 3
    else:
        assert [r - p for r in skipped_input] == [5] and steps.output.shape == (2, 2)
cnnatlas.conv_animation(atlas["padding 1, stride 2, odd fit (6x6)"], title="padding 1, stride 2 on 6x6")

# %%
# Dilation
# --------
cnnatlas.conv_animation(atlas["dilation 2, no padding"], title="dilation 2")

# %%
# Transposed counterparts
# -----------------------
# Each transposed convolution runs as a direct convolution, stride 1, over the ringed input values spread
# out by zeros (``s - 1`` between values, ``k - 1 - p`` around, plus ``output_padding`` at the bottom and
# right), with the kernel flipped. Built by hand for every case above and compared with
# ``F.conv_transpose2d``:
for name, args in transposed.items():
    x, s, p, a = args["x"], args["stride"], args["padding"], args["output_padding"]
    spread = torch.zeros((x.shape[0] - 1) * s + 1, (x.shape[1] - 1) * s + 1)
    spread[::s, ::s] = x
    b = 3 - 1 - p
    direct = F.conv2d(F.pad(spread, (b, b + a, b, b + a))[None, None], torch.flip(kernel3, (0, 1))[None, None])
    reference = F.conv_transpose2d(x[None, None], kernel3[None, None], stride=s, padding=p, output_padding=a)
    assert torch.allclose(direct, reference) and torch.equal(torch.from_numpy(atlas[name].grid), F.pad(spread, (b, b + a, b, b + a)))
print(f"all {len(transposed)} transposed cases equal a stride-1 convolution over the spread input")
cnnatlas.conv_animation(atlas["transposed of no padding (i=3 -> 5)"], title="transposed, no padding")

# %%
cnnatlas.conv_animation(atlas["transposed of half padding (i=5 -> 5)"], title="transposed, half padding")

# %%
cnnatlas.conv_animation(atlas["transposed of full padding (i=7 -> 5)"], title="transposed, full padding")

# %%
cnnatlas.conv_animation(atlas["transposed of stride 2 (i=2 -> 5)"], title="transposed, stride 2")

# %%
cnnatlas.conv_animation(atlas["transposed of p=1, s=2 (i=3 -> 5)"], title="transposed, padding 1, stride 2")

# %%
# Why ``output_padding`` exists: with p=1, s=2, inputs of size 5 and 6 both give 3, so a transposed
# convolution of a 3x3 map cannot know which size to return. It returns 5; ``output_padding = 1`` asks
# for 6. It only chooses the size: the extra row and column are computed from the same 3x3 values.
assert cnnatlas.conv_output_size(5, 3, 2, 1) == cnnatlas.conv_output_size(6, 3, 2, 1) == 3
assert atlas["transposed of p=1, s=2 (i=3 -> 5)"].output.shape == (5, 5)
assert atlas["transposed, p=1, s=2, output_padding=1 (i=3 -> 6)"].output.shape == (6, 6)
cnnatlas.conv_animation(atlas["transposed, p=1, s=2, output_padding=1 (i=3 -> 6)"], title="transposed, output_padding 1")

# %%
# Even kernels: ``padding="same"``
# --------------------------------
# An even kernel needs \(d(k-1)\) padding in total to keep the size, an odd number, which cannot be split
# equally between the two sides. ``nn.Conv2d(..., padding="same")`` pads \(\lfloor d(k-1)/2 \rfloor\) on
# the left (and top) and the rest on the right (and bottom). With zeros as padding and an even kernel,
# PyTorch warns that it "may require a zero-padded copy of the input": make that copy yourself, with
# ``F.pad`` and that split, then convolve unpadded. The split is the same for every padding mode, so it
# is checked below on layers with ``padding_mode="reflect"``, which pad with ``F.pad`` themselves (no
# warning). For each \(k\), the output keeps the input's size and equals an unpadded convolution of the
# input padded by hand with that split; for even \(k\), the mirrored split gives a different result.
torch.manual_seed(SEED + 1)
x8 = torch.randn(1, 1, 8, 8)
for k in range(2, 8):
    layer = nn.Conv2d(1, 1, k, padding="same", padding_mode="reflect", bias=False)
    left, right = (k - 1) // 2, (k - 1) - (k - 1) // 2
    with torch.no_grad():
        same = layer(x8)
        by_hand = F.conv2d(F.pad(x8, (left, right, left, right), mode="reflect"), layer.weight)
        mirrored = F.conv2d(F.pad(x8, (right, left, right, left), mode="reflect"), layer.weight)
    print(f"k={k}: total padding {k - 1} = left/top {left} + right/bottom {right}; output {tuple(same.shape[-2:])}")
    assert same.shape == x8.shape and torch.allclose(same, by_hand, atol=1e-6)
    assert torch.allclose(same, mirrored, atol=1e-6) == (left == right)

# %%
# With a stride above 1, the padding that would keep the size grows with the input (about \(i/2\) on each
# side for stride 2), so no fixed padding keeps it for every input size. ``padding="same"`` means
# nothing there, and PyTorch refuses it:
keeping = {i: [p for p in range(20) if cnnatlas.conv_output_size(i, 3, 2, p) == i] for i in range(5, 11)}
print("k=3, s=2: paddings that keep the size, by input size: " + ", ".join(f"i={i}: {ps}" for i, ps in keeping.items()))
assert not set.intersection(*(set(ps) for ps in keeping.values()))
assert all(len(ps) == 1 and abs(ps[0] - i / 2) <= 1.5 for i, ps in keeping.items())
try:
    nn.Conv2d(1, 1, 3, stride=2, padding="same")
    refused = None
except ValueError as error:
    refused = str(error)
print(f"Conv2d(1, 1, 3, stride=2, padding='same'): ValueError: {refused}")
assert refused is not None

# %%
# Padding modes
# -------------
# Padding need not be zeros. ``nn.Conv2d(..., padding_mode=...)`` accepts four modes: ``"zeros"``;
# ``"reflect"`` mirrors the input about its edge row without repeating it; ``"replicate"`` repeats the
# edge row; ``"circular"`` wraps around, taking the opposite edge. On a 3x3 input padded by 1 (the input
# sits inside the dashed square):
x3 = torch.arange(1.0, 10.0).view(1, 1, 3, 3)
modes = {"zeros": "constant", "reflect": "reflect", "replicate": "replicate", "circular": "circular"}
padded = {name: F.pad(x3, (1, 1, 1, 1), mode=mode)[0, 0] for name, mode in modes.items()}
for name, grid in padded.items():
    print(f"{name:9s} {grid.int().tolist()}")
expected = {
    "zeros": [[0, 0, 0, 0, 0], [0, 1, 2, 3, 0], [0, 4, 5, 6, 0], [0, 7, 8, 9, 0], [0, 0, 0, 0, 0]],
    "reflect": [[5, 4, 5, 6, 5], [2, 1, 2, 3, 2], [5, 4, 5, 6, 5], [8, 7, 8, 9, 8], [5, 4, 5, 6, 5]],
    "replicate": [[1, 1, 2, 3, 3], [1, 1, 2, 3, 3], [4, 4, 5, 6, 6], [7, 7, 8, 9, 9], [7, 7, 8, 9, 9]],
    "circular": [[9, 7, 8, 9, 7], [3, 1, 2, 3, 1], [6, 4, 5, 6, 4], [9, 7, 8, 9, 7], [3, 1, 2, 3, 1]],
}
assert all(padded[name].int().tolist() == grid for name, grid in expected.items())
fig, axes = plt.subplots(1, 4, figsize=(cnnatlas.style.WIDTH, 2.3), layout="constrained")
for ax, (name, grid) in zip(axes, padded.items(), strict=True):
    ax.imshow(grid.numpy(), cmap=cnnatlas.style.SEQUENTIAL, vmin=0, vmax=9)
    for (r, c), v in zip(itertools.product(range(5), range(5)), grid.flatten().tolist(), strict=True):
        ax.text(c, r, f"{v:.0f}", ha="center", va="center", color="white" if v < 5 else "black")
    ax.add_patch(plt.Rectangle((0.5, 0.5), 3, 3, fill=False, ls="--", lw=2, ec=cnnatlas.style.HIGHLIGHT))
    ax.set_title(f'"{name}"')
    ax.set_axis_off()
fig.suptitle("padding_mode=")

# %%
# A layer with a padding mode is the unpadded convolution of the input padded that way:
for name, mode in modes.items():
    layer = nn.Conv2d(1, 1, 3, padding=1, padding_mode=name, bias=False)
    with torch.no_grad():
        assert torch.allclose(layer(x3), F.conv2d(F.pad(x3, (1, 1, 1, 1), mode=mode), layer.weight), atol=1e-6)
print("Conv2d(padding_mode=m) == conv2d(F.pad(x, mode=m)) for all four modes")
