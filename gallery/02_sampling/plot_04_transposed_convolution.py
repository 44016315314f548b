"""
Up-sampling: interpolation and transposed convolution
=====================================================

This page goes back up: nearest and bilinear interpolation and what ``align_corners`` changes; article
001's transposed convolution (2x2 to 4x4, and to 5x5) seen as a matrix, as inserted zeros and as stamped
kernels; why it is called *transposed* and why "deconvolution" is the wrong name; and the checkerboard
artefacts it makes, with resize-then-convolve as the cure.

**Assumes:** what a convolution computes, with its stride and padding ([The
convolution](../01_tensors/plot_02_convolution.md)), and how a strided convolution shrinks a map
([Down-sampling](plot_01_downsampling.md)).

Every case of its size arithmetic follows in [the arithmetic atlas](plot_05_arithmetic_atlas.md); [a
down-up network](plot_06_down_up_network.md) then trains both kinds of up-sampling.
"""

# mkdocs_gallery_thumbnail_number = 4
import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

import cnnatlas

SEED = cnnatlas.build_seed()  # 0 unless $CNNATLAS_SEED says otherwise

# %%
# Interpolation: up-sampling with nothing to learn
# ------------------------------------------------
# ``F.interpolate`` enlarges a map by a fixed rule. ``mode="nearest"`` copies every value into an s x s
# block; ``mode="bilinear"`` averages the four nearest input values, with weights that fall linearly
# with distance along each axis. Neither has weights to train. On the article's 2x2 input:
small_input = torch.tensor([[1.0, 2.0], [3.0, 4.0]]).view(1, 1, 2, 2)
nearest = F.interpolate(small_input, scale_factor=2, mode="nearest")
blocks = small_input.repeat_interleave(2, dim=2).repeat_interleave(2, dim=3)
assert torch.equal(nearest, blocks), "nearest x2 should copy each value into a 2x2 block"
print(f"nearest x2:\n{nearest[0, 0]}")
for align in (False, True):
    bilinear = F.interpolate(small_input, scale_factor=2, mode="bilinear", align_corners=align)
    print(f"bilinear x2, align_corners={align}:\n{bilinear[0, 0]}")

# %%
# What ``align_corners`` changes
# ------------------------------
# Interpolation reads output sample ``i`` at a position ``u`` on the input's axis, where input sample
# ``j`` sits at ``u = j``. The two conventions place the output grid differently (``n`` inputs, ``m``
# outputs):
#
# - ``align_corners=True``: ``u = i (n - 1) / (m - 1)``. The first and last samples of both grids
#   coincide, so the corner values are kept exactly, whatever the sizes (checked for 4 -> 2..9).
# - ``align_corners=False`` (PyTorch's default): ``u = (i + 0.5) n / m - 0.5``. The outer *edges* of the
#   pixels coincide instead, so every output pixel covers exactly ``n / m`` input pixels. When enlarging,
#   the outermost samples fall outside ``[0, n - 1]`` and PyTorch clamps them to the edge, so the corners
#   survive there too; when shrinking (4 samples to 3 below, or to 2), they do not.
#
# The code computes both formulas, checks them against ``F.interpolate``, and draws where each output
# sample is read (x: position on the input axis, y: value read).
signal = torch.tensor([1.0, 3.0, 2.0, 4.0])


def sample_positions(n: int, m: int, align_corners: bool) -> np.ndarray:
    i = np.arange(m)
    u = i * (n - 1) / (m - 1) if align_corners else (i + 0.5) * n / m - 0.5
    return np.clip(u, 0, n - 1)


fig, axes = plt.subplots(1, 2, figsize=(cnnatlas.style.WIDTH, 4.0), layout="constrained", sharey=True)
for ax, m in zip(axes, (8, 3), strict=True):
    ax.plot(range(4), signal.numpy(), "k-", lw=1, zorder=1)
    ax.plot(range(4), signal.numpy(), "ks", ms=9, mfc="white", label="input samples", zorder=2)
    for align, color, marker in ((True, cnnatlas.style.CATEGORICAL[0], "o"), (False, cnnatlas.style.CATEGORICAL[1], "^")):
        out = F.interpolate(signal.view(1, 1, 4), size=m, mode="linear", align_corners=align)[0, 0]
        u = sample_positions(4, m, align)
        assert np.allclose(np.interp(u, np.arange(4), signal.numpy()), out.numpy(), atol=1e-6), "formula"
        corners_kept = bool(out[0] == signal[0] and out[-1] == signal[-1])
        print(f"4 -> {m}, align_corners={align!s:5}: read at {[round(float(v), 2) for v in u]}, values "
              f"{[round(float(v), 2) for v in out]}; corners kept: {corners_kept}")
        if align or m > 4:
            assert corners_kept, f"align_corners={align} should keep the corners when enlarging 4 -> {m}"
        else:
            assert not corners_kept, "align_corners=False should not keep the corners when shrinking"
        ax.plot(u, out.numpy(), marker, color=color, ms=7, ls="none", label=f"align_corners={align}", zorder=3)
        raw = (np.arange(m) + 0.5) * 4 / m - 0.5
        outside = (raw < 0) | (raw > 3)
        if not align and outside.any():
            ax.plot(raw[outside], out.numpy()[outside], marker, color=color, mfc="none", ms=7, ls="none",
                    label="False, before clamping")
    ax.set(title=f"4 samples -> {m}", xlabel="position on the input axis", xticks=range(4))
axes[0].set_ylabel("value")
for m in range(2, 10):
    ends = {align: F.interpolate(signal.view(1, 1, 4), size=m, mode="linear", align_corners=align)[0, 0, [0, -1]]
            for align in (True, False)}
    assert torch.equal(ends[True], signal[[0, -1]]), f"align_corners=True keeps the corners, 4 -> {m}"
    assert torch.equal(ends[False], signal[[0, -1]]) == (m >= 4), f"align_corners=False, 4 -> {m}"
fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", ncols=2)

# %%
# The price of ``align_corners=True``: the step between output samples is ``(n - 1) / (m - 1)`` input
# pixels (3/7 for 4 -> 8), not ``n / m`` (1/2): the samples are not half an input pixel apart. The two conventions give
# different values inside the map (the 2x2 example above), so pick one and use it everywhere.
steps_true = np.diff(sample_positions(4, 8, True))
steps_false = np.diff((np.arange(8) + 0.5) * 4 / 8 - 0.5)
assert np.allclose(steps_true, 3 / 7) and np.allclose(steps_false, 0.5)
bilinear_true, bilinear_false = (F.interpolate(small_input, scale_factor=2, mode="bilinear", align_corners=a)
                                 for a in (True, False))
assert not torch.allclose(bilinear_true[..., 1:-1, 1:-1], bilinear_false[..., 1:-1, 1:-1])
print(f"4 -> 8: step {steps_true[0]:.3f} (align_corners=True), {steps_false[0]:.3f} (False)")

# %%
#
# Transposed convolution: the article's numbers
# ---------------------------------------------
# A transposed convolution is up-sampling with weights. Article 001 grows its 2x2 input with an all-ones
# 3x3 kernel: to 4x4 with stride 1 and to 5x5 with stride 2. The output size is
# ``(n - 1) s - 2p + k + output_padding`` (``cnnatlas.conv_transpose_output_size``), which undoes a
# convolution's ``floor((n + 2p - k) / s) + 1`` up to that floor (see ``output_padding`` below).
for stride in (1, 2):
    trans_conv = nn.ConvTranspose2d(1, 1, kernel_size=3, stride=stride, bias=False)
    with torch.no_grad():
        trans_conv.weight.fill_(1.0)
        out = trans_conv(small_input)
    expected = cnnatlas.conv_transpose_output_size(2, 3, stride)
    assert out.shape[-2:] == (expected, expected), "the size formula should match PyTorch"
    assert cnnatlas.conv_output_size(expected, 3, stride) == 2, "a convolution should map it back to 2x2"
    print(f"stride {stride}: (2 - 1)*{stride} + 3 = {expected}\n{out[0, 0]}")

# %%
# View 1: the transpose of the convolution's matrix
# -------------------------------------------------
# A convolution is linear, so it is a matrix. Flatten a 4x4 input into 16 numbers: a 3x3 kernel with
# stride 1 gives 2x2 = 4 outputs, so the convolution is a 4 x 16 matrix ``C``, each row the kernel laid
# on the input at one window position, zeros elsewhere (as in Dumoulin and Visin's guide, and d2l.ai
# 14.10). We build ``C`` by hand and check it against ``F.conv2d``.


def conv_matrix(kernel: torch.Tensor, size: int, stride: int = 1) -> torch.Tensor:
    """The matrix of a convolution (no padding) acting on a flattened size x size input."""
    k = kernel.shape[0]
    out = (size - k) // stride + 1
    rows = []
    for i in range(out):
        for j in range(out):
            window = torch.zeros(size, size)
            window[i * stride : i * stride + k, j * stride : j * stride + k] = kernel
            rows.append(window.flatten())
    return torch.stack(rows)


kernel = torch.tensor([[1.0, 0.0, -1.0], [2.0, 0.0, -2.0], [1.0, 0.0, -1.0]])  # signed, not symmetric
x = torch.arange(16.0).view(4, 4)
C = conv_matrix(kernel, 4)
assert C.shape == (4, 16)
assert torch.allclose(C @ x.flatten(), F.conv2d(x[None, None], kernel[None, None]).flatten())
print(f"C is {tuple(C.shape)}; C @ x.flatten() = {(C @ x.flatten()).tolist()} = F.conv2d(x, kernel)")

fig, ax = plt.subplots(figsize=(cnnatlas.style.WIDTH, 2.9), layout="constrained")
image = ax.imshow(C.numpy(), **cnnatlas.style.diverging_scale(C, limit=2))
for (r, c), value in np.ndenumerate(C.numpy()):
    ax.text(c, r, f"{value:g}", ha="center", va="center", color="white" if abs(value) > 1.5 else "black")
ax.set(title="C: the 3x3 convolution of a 4x4 input\nas a 4 x 16 matrix",
       xlabel="input position (row-major, 0..15)", ylabel="output position", yticks=range(4))
fig.colorbar(image, ax=ax, shrink=0.8, label="weight")

# %%
# ``C.T`` is 16 x 4: it takes 4 numbers to 16, the convolution's output shape back to its input
# shape. That *is* the transposed convolution: ``F.conv_transpose2d`` with the same kernel computes
# exactly ``C.T @ y``, hence the name. Checked for stride 1 (2x2 to 4x4) and for the article's stride 2
# (2x2 to 5x5). It is also exactly the gradient of the convolution with respect to its input (what
# back-propagation through a ``Conv2d`` has to compute): checked too.
y = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
for stride, size in ((1, 4), (2, 5)):
    C_s = conv_matrix(kernel, size, stride)
    transposed = F.conv_transpose2d(y[None, None], kernel[None, None], stride=stride)[0, 0]
    assert torch.allclose(C_s.T @ y.flatten(), transposed.flatten()), "C.T @ y should be conv_transpose2d"
    x_in = torch.rand(1, 1, size, size, requires_grad=True)
    F.conv2d(x_in, kernel[None, None], stride=stride).backward(y[None, None])
    assert torch.allclose(x_in.grad[0, 0], transposed), "the gradient of conv2d should be conv_transpose2d"
    print(f"stride {stride}: C is {tuple(C_s.shape)}; C.T @ y == conv_transpose2d(y) == d(conv2d)/dx "
          f"({size}x{size})")

# %%
# It is not the inverse, so "deconvolution" is a misnomer: a deconvolution would undo the convolution,
# and the transposed convolution only undoes its *shape*. ``C`` keeps 4 numbers out of 16 (its rank is
# 4), so no matrix can recover ``x`` from ``C @ x``, and ``C.T @ C @ x`` is not ``x``:
rank = int(torch.linalg.matrix_rank(C))
round_trip = (C.T @ C @ x.flatten()).view(4, 4)
assert rank == 4 < 16, "C should have rank 4"
assert not torch.allclose(round_trip, x), "C.T @ C @ x should differ from x"
print(f"rank of C: {rank} of 16 columns\nx:\n{x}\nC.T @ C @ x:\n{round_trip}")

# %%
# View 2: insert zeros, then convolve
# -----------------------------------
# The article's description, completed: put ``s - 1`` zeros between the input values and ``k - 1 - p``
# zeros around them, then run an ordinary stride-1 convolution with the kernel *flipped* (rotated 180
# degrees). It gives the same numbers; the code builds the zero-inserted grid by hand (strides 1 and 2,
# paddings 0 and 1) and checks, with the signed kernel, that the flip is needed. The ringed cells are the real input values, the rest inserted zeros.
for stride in (1, 2):
    for padding in (0, 1):
        grid = torch.zeros((2 - 1) * stride + 1, (2 - 1) * stride + 1)
        grid[::stride, ::stride] = y
        border = 3 - 1 - padding
        grid = F.pad(grid, (border, border, border, border))
        reference = F.conv_transpose2d(y[None, None], kernel[None, None], stride=stride, padding=padding)
        flipped = F.conv2d(grid[None, None], kernel.flip(0, 1)[None, None])
        assert torch.allclose(flipped, reference), "zeros + flipped kernel should equal conv_transpose2d"
        assert not torch.allclose(F.conv2d(grid[None, None], kernel[None, None]), reference), "flip matters"
print("zeros inserted + flipped kernel == conv_transpose2d, for strides 1, 2 and paddings 0, 1")
ones = torch.ones(3, 3)
cnnatlas.conv_animation(cnnatlas.transposed_steps(y, ones, stride=1), title="ConvTranspose2d k=3, s=1: 2x2 -> 4x4")

# %%
cnnatlas.conv_animation(cnnatlas.transposed_steps(y, ones, stride=2), title="ConvTranspose2d k=3, s=2: 2x2 -> 5x5")

# %%
# View 3: every input value stamps the kernel
# -------------------------------------------
# The same numbers once more, with no zeros at all: input value ``x[i, j]`` adds ``x[i, j] * kernel``
# to the output rows ``i*s .. i*s + k - 1`` (and columns likewise), and overlapping stamps add up. Read
# ``C.T`` column by column and this is what it says. With stride 2 and a 3x3 kernel, the middle row and
# column receive two stamps, the others one: keep that in mind for the checkerboards below.
canvases, stamped = cnnatlas.scatter_steps(y, ones, stride=2)
assert np.allclose(canvases[-1], stamped), "the sum of the stamps should be conv_transpose2d's output"
stamp_counts = F.conv_transpose2d(torch.ones(1, 1, 2, 2), ones[None, None], stride=2)[0, 0]
per_axis = torch.tensor([1.0, 1.0, 2.0, 1.0, 1.0])
assert torch.equal(stamp_counts, torch.outer(per_axis, per_axis)), "middle row and column: two stamps"
cnnatlas.scatter_animation(y, ones, stride=2)

# %%
# output_padding: choosing between sizes a strided convolution merges
# -------------------------------------------------------------------
# A 3x3 convolution with stride 2 and padding 1 maps both 7x7 and 8x8 inputs to 4x4. Going back, the
# transposed convolution cannot know which size you want: ``output_padding`` adds the missing row and
# column, and must be smaller than the stride (or the dilation).
down = nn.Conv2d(1, 1, 3, stride=2, padding=1)
for size in (7, 8):
    down_size = down(torch.zeros(1, 1, size, size)).shape[-1]
    assert down_size == 4
    print(f"conv s=2, p=1: {size}x{size} -> {down_size}x{down_size}")
for op in (0, 1):
    up = nn.ConvTranspose2d(1, 1, 3, stride=2, padding=1, output_padding=op)
    up_size = up(torch.zeros(1, 1, 4, 4)).shape[-1]
    assert up_size == 7 + op
    print(f"ConvTranspose2d(s=2, p=1, output_padding={op}): 4x4 -> {up_size}x{up_size}")
try:
    nn.ConvTranspose2d(1, 1, 3, stride=2, output_padding=2)(torch.zeros(1, 1, 4, 4))
    raise AssertionError("output_padding=2 with stride 2 should be refused")
except RuntimeError as error:
    print(f"output_padding=2 with stride 2: {str(error).splitlines()[0]}")

# %%
cnnatlas.scatter_animation(torch.arange(1.0, 10.0).view(3, 3), ones, stride=2, padding=1, output_padding=1)

# %%
# Checkerboard artefacts
# ----------------------
# Odena, Dumoulin and Olah ("Deconvolution and Checkerboard Artifacts", Distill 2016) traced the
# checkerboard patterns of generated images to transposed convolutions. There are two causes.
#
# **Uneven overlap.** Feed a constant input through an all-ones transposed convolution and each output
# value counts the stamps that reach it. With kernel 3 and stride 2 the count alternates 1, 2, 1, 2 along
# each axis (1, 2 or 4 in 2D): the kernel size is not divisible by the stride. With kernel 4 or 2 every
# interior position gets the same count.
flat = torch.ones(1, 1, 8, 8)
expected_counts = {3: [1, 2, 4], 4: [4], 2: [1]}
fig, axes = plt.subplots(1, 3, figsize=(cnnatlas.style.WIDTH, 3.1), layout="constrained")
for ax, k in zip(axes, expected_counts, strict=True):
    up = nn.ConvTranspose2d(1, 1, kernel_size=k, stride=2, padding=(k - 1) // 2, bias=False)
    with torch.no_grad():
        up.weight.fill_(1.0)
        counts = up(flat)[0, 0]
    interior = sorted(set(counts[2:-2, 2:-2].flatten().int().tolist()))
    assert interior == expected_counts[k], f"kernel {k}: interior counts {interior}"
    counts_image = ax.imshow(counts.numpy(), cmap=cnnatlas.style.SEQUENTIAL, vmin=0, vmax=4)
    ax.set_title(f"kernel {k}, stride 2\ninterior: {interior}")
    ax.set_axis_off()
fig.colorbar(counts_image, ax=axes, shrink=0.8, label="stamps")
fig.suptitle("constant input, all-ones kernel:\nstamps reaching each output pixel")

# %%
# **The kernel's own period.** Even overlap is not enough. Stamp ``i`` writes kernel row ``t`` to output
# row ``o = s i + t - p``, so an output row only ever receives kernel rows ``t`` with the same remainder
# modulo ``s`` (columns likewise): each output "phase" has its own share of the weights. With kernel =
# stride = 2 each input value becomes its own 2x2 block, ``value * kernel``, so a constant input
# becomes the kernel tiled, a 2x2 checkerboard unless the four weights are equal. With kernel 4, each
# phase gets the sum of a different quarter of the weights, ``w[a::2, b::2]``. Nothing in the layer
# makes those sums equal. Resize-then-convolve has no phases: nearest-neighbour up-sampling makes a constant map a
# constant map, and a convolution of a constant map is constant (away from the zero-padded border).
torch.manual_seed(SEED)
k2 = nn.ConvTranspose2d(1, 1, kernel_size=2, stride=2, bias=False)
with torch.no_grad():
    tiled = k2(flat)[0, 0]
assert torch.allclose(tiled, k2.weight[0, 0].detach().repeat(8, 8)), "kernel = stride: the kernel tiled"
print(f"random 2x2 kernel:\n{k2.weight[0, 0].detach()}\nconstant input -> the kernel tiled:\n{tiled[:4, :4]}")
k4 = nn.ConvTranspose2d(1, 1, kernel_size=4, stride=2, padding=1, bias=False)
with torch.no_grad():
    phases = k4(flat)[0, 0, 2:-2, 2:-2]
w4 = k4.weight[0, 0].detach()
quarter_sums = sorted(float(w4[a::2, b::2].sum()) for a in (0, 1) for b in (0, 1))
phase_values = sorted(float(phases[a::2, b::2].mean()) for a in (0, 1) for b in (0, 1))
assert np.allclose(quarter_sums, phase_values, atol=1e-6), "kernel 4: each phase sums a quarter of the weights"
assert all(torch.allclose(phases[a::2, b::2], phases[a, b]) for a in (0, 1) for b in (0, 1)), "one value per phase"
print(f"random 4x4 kernel, constant input: four interior values {[round(v, 3) for v in phase_values]} "
      f"= the sums of its four quarters w[a::2, b::2]")

# %%
# To measure a checkerboard, split a map into its four interleaved sub-grids (even or odd rows, even or
# odd columns). Without a period-2 pattern they look alike and have nearly the same mean. Our measure
# is the spread (max - min) of the four means, as a fraction of the map's mean absolute value, on the
# interior (2 pixels cropped on each side).
#
# An experiment: untrained layers with random weights (PyTorch's default initialisation),
# on a constant input and on a smooth bump, over 20 seeds. Transposed convolutions with kernel 3 and 4
# (stride 2) against nearest-neighbour x2 followed by a 3x3 convolution.


def checkerboard(image: torch.Tensor, border: int = 2) -> float:
    """Spread of the means of the four interleaved sub-grids, relative to the mean absolute value."""
    inner = image[border:-border, border:-border]
    means = torch.stack([inner[a::2, b::2].mean() for a in (0, 1) for b in (0, 1)])
    return float((means.max() - means.min()) / inner.abs().mean())


def upsamplers(seed: int) -> dict[str, nn.Module]:
    torch.manual_seed(seed)
    return {
        "ConvTranspose2d k=3, s=2": nn.ConvTranspose2d(1, 1, 3, stride=2, padding=1, output_padding=1, bias=False),
        "ConvTranspose2d k=4, s=2": nn.ConvTranspose2d(1, 1, 4, stride=2, padding=1, bias=False),
        "nearest x2 + Conv2d k=3": nn.Sequential(nn.Upsample(scale_factor=2, mode="nearest"),
                                                 nn.Conv2d(1, 1, 3, padding=1, bias=False)),
    }


grid16 = torch.arange(16.0)
bump = torch.exp(-((grid16[:, None] - 7.5) ** 2 + (grid16[None, :] - 7.5) ** 2) / (2 * 4.0**2)).view(1, 1, 16, 16)
inputs = {"constant": torch.ones(1, 1, 16, 16), "smooth bump": bump}
scores = {name: {label: [] for label in upsamplers(SEED)} for name in inputs}
with torch.no_grad():
    for seed in range(SEED, SEED + 20):
        for label, layer in upsamplers(seed).items():
            for name, inp in inputs.items():
                scores[name][label].append(checkerboard(layer(inp)[0, 0]))
for name, per_layer in scores.items():
    print(f"{name} input, checkerboard over seeds {SEED} to {SEED + 19} (min / median / max):")
    for label, values in per_layer.items():
        v = torch.tensor(values)
        print(f"  {label:26s} {v.min():.3f} / {v.median():.3f} / {v.max():.3f}")
    resize = torch.tensor(per_layer["nearest x2 + Conv2d k=3"])
    for label in ("ConvTranspose2d k=3, s=2", "ConvTranspose2d k=4, s=2"):
        stronger = float((torch.tensor(per_layer[label]) > 5 * resize).float().mean())
        print(f"  {label}: a pattern over five times resize-convolution's for {stronger:.0%} of the seeds")
        cnnatlas.observe(f"{name} input: share of seeds where {label} beats resize-conv 5x", stronger, at_least=0.75)
assert max(scores["constant"]["nearest x2 + Conv2d k=3"]) < 1e-5, "resize-conv: constant stays constant"

# %%
# Both transposed convolutions, kernel 4 included, leave a period-2 pattern over five times stronger
# than resize-convolution's for the share of the 20 seeds printed above: all of them, or all but a rare
# one (of 1,000 seeds tried while this page was written, one gave kernel 3 only 1.7 times
# resize-convolution's pattern on the bump; kernel 4 never fell below 8 times). On the constant input
# resize-convolution leaves none at all, for every seed: a convolution of a constant map is constant.
# One seed, drawn (diverging colours: red positive, blue negative, white zero):
with torch.no_grad():
    drawn = {"input: smooth bump 16x16": bump[0, 0]}
    drawn |= {f"{label}\ncheckerboard {checkerboard(out[0, 0]):.2f}": out[0, 0]
              for label, layer in upsamplers(SEED).items() for out in [layer(bump)]}
fig, axes = plt.subplots(2, 2, figsize=(cnnatlas.style.WIDTH, 6.4), layout="constrained")
for ax, (title, image) in zip(axes.flat, drawn.items(), strict=True):
    ax.imshow(image.numpy(), **cnnatlas.style.diverging_scale(image))
    ax.set_title(title)
    ax.set_axis_off()

# %%
# Training could learn to balance the phases; Odena et al. report that in practice networks struggle
# to avoid the pattern completely, while resize-convolution (nearest or bilinear up-sampling, then a
# convolution) avoids it by construction. [The down-up network](plot_06_down_up_network.md) measures
# this after training.
#
# Article 000: 8x8 back to 16x16 on a real feature map
# ----------------------------------------------------
# SimpleCNN turns a 32x32 CIFAR-10 image into 32 maps of 8x8; ``ConvTranspose2d(32, 16, kernel_size=2,
# stride=2)`` doubles them to 16x16. Kernel = stride, so the stamps tile without overlap: output block
# ``(i, j)`` is ``sum_c features[c, i, j] * weight[c, :, :, :]`` plus the bias, computed by hand below.
# No uneven overlap, but every block is a weighted sum of the same 32 kernels of 2x2, so the output
# carries their period-2 pattern: compare the checkerboard measure with nearest-neighbour up-sampling of the same
# map, which has none by construction.
test = cnnatlas.load_cifar10(train=False)
torch.manual_seed(SEED)
image = test.images[:1].float() / 255
encoder = cnnatlas.SimpleCNN()
deconv = nn.ConvTranspose2d(32, 16, kernel_size=2, stride=2)
with torch.no_grad():
    features = encoder(image)
    upsampled = deconv(features)
    blocks = torch.einsum("cij,cokl->oikjl", features[0], deconv.weight).reshape(16, 16, 16)
    nearest_map = F.interpolate(features, scale_factor=2, mode="nearest")[0, 0]
assert torch.allclose(upsampled[0], blocks + deconv.bias[:, None, None], atol=1e-5), "non-overlapping blocks"
tconv_score = sum(checkerboard(upsampled[0, o]) for o in range(16)) / 16
assert checkerboard(nearest_map) < 1e-5, "nearest x2: the four sub-grids are the same map"
cnnatlas.observe("SimpleCNN + ConvTranspose2d(k=2, s=2): mean checkerboard", tconv_score, at_least=0.5)
print(f"image {tuple(image.shape)} -> SimpleCNN {tuple(features.shape)} -> ConvTranspose2d {tuple(upsampled.shape)}")
print(f"checkerboard, mean over the 16 output maps: {tconv_score:.3f}; nearest x2 of feature map 0: "
      f"{checkerboard(nearest_map):.3f}")
fig, axes = plt.subplots(1, 3, figsize=(cnnatlas.style.WIDTH, 2.9), layout="constrained")
axes[0].imshow(cnnatlas.to_hwc(test.images[0]))
axes[0].set_title(f"input: {test.classes[int(test.labels[0])]}\n32x32")
for ax, (title, fmap) in zip(axes[1:], [("feature map 0\n8x8", features[0, 0]),
                                        ("ConvTranspose2d\noutput 0: 16x16", upsampled[0, 0])], strict=True):
    ax.imshow(fmap.numpy(), **cnnatlas.style.diverging_scale(fmap))
    ax.set_title(title)
for ax in axes:
    ax.set_axis_off()
