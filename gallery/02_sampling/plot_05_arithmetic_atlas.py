"""
The convolution-arithmetic atlas
================================

Every case of Dumoulin and Visin's "A guide to convolution arithmetic", drawn from PyTorch's own
numbers: no, half, full and arbitrary padding, strides, their transposed counterparts, and dilation.
Each animation shows the window on the input (padding and inserted zeros unringed) and the output cell
it writes; each formula is checked against PyTorch when the page is built.
"""

# mkdocs_gallery_thumbnail_number = 1
import matplotlib.pyplot as plt
import torch

import cnnatlas

torch.manual_seed(0)
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
# A map of the atlas: output size against input size for each convolution case.
fig, ax = plt.subplots(figsize=(6.5, 3.5), layout="constrained")
sizes = range(5, 17)
for label, (k, s, p, d) in {"k3 p0 s1": (3, 1, 0, 1), "k3 p1 s1 (same)": (3, 1, 1, 1), "k3 p2 s1 (full)": (3, 1, 2, 1),
                            "k3 p1 s2": (3, 2, 1, 1), "k3 p0 s1 d2": (3, 1, 0, 2)}.items():
    ax.plot(sizes, [cnnatlas.conv_output_size(i, k, s, p, d) for i in sizes], "o-", label=label, markersize=3)
ax.set(xlabel="input size i", ylabel="output size o", title="output size by case")
ax.legend(fontsize=8)

# %%
# Convolution: no padding, unit stride
# ------------------------------------
cnnatlas.conv_animation(atlas["no padding, unit stride"], title="no padding, unit stride")

# %%
# Half (same) padding: ``p = floor(k/2)`` keeps the size.
cnnatlas.conv_animation(atlas["half (same) padding"], title="half padding")

# %%
# Full padding: ``p = k - 1``; every input cell meets every kernel weight, the output grows by ``k - 1``.
cnnatlas.conv_animation(atlas["full padding"], title="full padding")

# %%
cnnatlas.conv_animation(atlas["arbitrary padding (p=1), k=3 on 6x6"], title="arbitrary padding")

# %%
# Strides
# -------
cnnatlas.conv_animation(atlas["no padding, stride 2"], title="no padding, stride 2")

# %%
cnnatlas.conv_animation(atlas["padding 1, stride 2"], title="padding 1, stride 2")

# %%
# When ``(i + 2p - k)`` is not a multiple of ``s`` the last row and column of the input are never
# reached: here 6x6 with p=1, s=2 gives 3x3, the same as 5x5 would.
cnnatlas.conv_animation(atlas["padding 1, stride 2, odd fit (6x6)"], title="padding 1, stride 2 on 6x6")

# %%
# Dilation
# --------
cnnatlas.conv_animation(atlas["dilation 2, no padding"], title="dilation 2")

# %%
# Transposed counterparts
# -----------------------
# Each transposed convolution runs as a direct convolution over the ringed input values spread out by
# zeros (``s - 1`` between values, ``k - 1 - p`` around); the kernel is flipped.
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
# ``output_padding = 1`` adds the row and column that the stride-2 convolution dropped.
cnnatlas.conv_animation(atlas["transposed, p=1, s=2, output_padding=1 (i=3 -> 6)"], title="transposed, output_padding 1")
