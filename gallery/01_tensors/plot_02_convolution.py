"""
What a convolution computes
===========================

One output value computed by hand, then the whole sliding window; why PyTorch's "convolution" does not
flip the kernel; a Sobel edge kernel on a real photo, then a ``Conv2d`` that learns the same kernel by
gradient descent; locality and weight sharing counted against a fully connected layer; 1x1 and grouped
convolutions; and the two meanings of the word "stride".

**Assumes:** Python, a little PyTorch, and images as (C, H, W) tensors stacked into (N, C, H, W) batches
([Tensors 101](plot_01_tensors_101.md)).
"""

# mkdocs_gallery_thumbnail_number = 1
import time

import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

import cnnatlas

SEED = cnnatlas.build_seed()  # 0 unless $CNNATLAS_SEED says otherwise

# %%
# One output value, by hand
# -------------------------
# A convolution layer slides a small grid of weights, the **kernel**, over its input. At each position
# it multiplies the kernel with the input window under it element by element, sums the products and
# adds a **bias**: one output value. The 5x5 input and 3x3 kernel below are the ones of Dumoulin and
# Visin's *A guide to convolution arithmetic*; the bias is 1. The output value at row 1, column 2 comes
# from the window whose top-left corner is input cell (1, 2):
x = torch.tensor([[3, 3, 2, 1, 0],
                  [0, 0, 1, 3, 1],
                  [3, 1, 2, 2, 3],
                  [2, 0, 0, 2, 2],
                  [2, 0, 0, 0, 1]], dtype=torch.float32)
k = torch.tensor([[0, 1, 2],
                  [2, 2, 0],
                  [0, 1, 2]], dtype=torch.float32)
bias = 1.0
i, j = 1, 2
window = x[i : i + 3, j : j + 3]
terms = [f"{int(a)}*{int(b)}" for a, b in zip(window.flatten().tolist(), k.flatten().tolist(), strict=True)]
by_hand = float((window * k).sum()) + bias
print(f"window x[{i}:{i + 3}, {j}:{j + 3}] =\n{window.int()}")
print(" + ".join(terms) + f" + {int(bias)} (bias) = {by_hand:g}")

# %%
# PyTorch's ``F.conv2d`` wants a batch of images, (N, C_in, H, W), and a weight of shape
# (C_out, C_in, kH, kW): here one image with one channel, and one kernel. Its value at (1, 2) is the
# number computed by hand.
torch_out = F.conv2d(x[None, None], k[None, None], bias=torch.tensor([bias]))[0, 0]
print(f"F.conv2d(...)[{i}, {j}] = {float(torch_out[i, j]):g}")
assert float(torch_out[i, j]) == by_hand

# %%
# The whole output is the same computation at every position the window fits: two loops. A 3x3
# window fits ``5 - 3 + 1 = 3`` times across and down, so the output is 3x3 (padding and stride change
# this count; the [convolution-arithmetic atlas](../02_sampling/plot_05_arithmetic_atlas.md) works out
# every case).
H, W = x.shape
kh, kw = k.shape
out = torch.zeros(H - kh + 1, W - kw + 1)
for i in range(out.shape[0]):
    for j in range(out.shape[1]):
        out[i, j] = (x[i : i + kh, j : j + kw] * k).sum() + bias
print(f"two loops:\n{out.int()}")
assert out.shape == torch_out.shape == (H - kh + 1, W - kw + 1)
assert torch.allclose(out, torch_out)
assert (out - bias).int().tolist() == [[12, 12, 17], [10, 17, 19], [9, 6, 14]]  # the guide's Figure 1.1
print("the loops and F.conv2d agree at all 9 positions; without the bias these are the guide's numbers")

# %%
# Cross-correlation, not the textbook convolution
# -----------------------------------------------
# Article 004 writes the convolution as mathematicians and signal-processing books define it:
#
# $$(I * K)(i, j) = \sum_m \sum_n I(i - m,\ j - n)\, K(m, n)$$
#
# The minus signs walk the input backwards: the kernel is **flipped** (rotated by 180 degrees) before it
# slides. The loops above, and PyTorch's ``conv2d``, use ``I(i + m, j + n)``: no flip. That operation is
# called **cross-correlation**; PyTorch computes it under the name "convolution". Below, the article's
# formula written literally (at the positions where the kernel fits), compared with ``conv2d`` on the
# flipped kernel ``torch.flip(k, (0, 1))``:
def textbook_convolution(image, kernel):
    """The article's formula, literally: out(i, j) = sum over m, n of image(i - m, j - n) * kernel(m, n)."""
    kh, kw = kernel.shape
    rows, cols = image.shape[0] - kh + 1, image.shape[1] - kw + 1
    result = torch.zeros(rows, cols)
    for i in range(rows):
        for j in range(cols):
            ii, jj = i + kh - 1, j + kw - 1  # the output index in the formula's own coordinates
            result[i, j] = sum(image[ii - m, jj - n] * kernel[m, n] for m in range(kh) for n in range(kw))
    return result


textbook = textbook_convolution(x, k)
flipped = torch.flip(k, (0, 1))
print(f"kernel k:\n{k.int()}\nflipped k:\n{flipped.int()}")
print(f"textbook convolution:\n{textbook.int()}\nconv2d with k:\n{(torch_out - bias).int()}")
assert torch.equal(F.conv2d(x[None, None], flipped[None, None])[0, 0], textbook)
assert not torch.equal(F.conv2d(x[None, None], k[None, None])[0, 0], textbook)
print("conv2d(x, flip(k)) == textbook convolution(x, k); conv2d(x, k) differs, because k is not "
      "symmetric under a 180-degree turn")

# %%
# NumPy's ``np.convolve`` is the textbook convolution in 1D; ``conv1d`` matches it only with the
# kernel reversed:
signal = np.array([3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0])
taps = np.array([1.0, 0.0, -2.0])
numpy_conv = np.convolve(signal, taps, mode="valid")
torch_corr = F.conv1d(torch.tensor(signal)[None, None], torch.tensor(taps)[None, None])[0, 0].numpy()
reversed_taps = torch.tensor(taps[::-1].copy())
torch_flip = F.conv1d(torch.tensor(signal)[None, None], reversed_taps[None, None])[0, 0].numpy()
print(f"np.convolve: {numpy_conv}\nconv1d(taps): {torch_corr}\nconv1d(reversed taps): {torch_flip}")
assert np.allclose(numpy_conv, torch_flip) and not np.allclose(numpy_conv, torch_corr)

# %%
# Why it does not matter for a network: its kernels are learned. A layer computing the textbook
# convolution with weights ``w`` gives exactly the outputs of a cross-correlation layer with weights
# ``flip(w)``, so both can represent the same functions, and gradient descent simply finds the flipped
# weights. Checked for a random layer with 3 input and 4 output channels (the flip is over the two
# spatial axes only):
torch.manual_seed(SEED)
w = torch.randn(4, 3, 3, 3)
image = torch.randn(3, 8, 8)
as_textbook = torch.stack([sum(textbook_convolution(image[c], w[o, c]) for c in range(3)) for o in range(4)])
as_pytorch = F.conv2d(image[None], torch.flip(w, (2, 3)))[0]
print(f"max |textbook(w) - conv2d(flip(w))| = {float((as_textbook - as_pytorch).abs().max()):.1e}")
assert torch.allclose(as_textbook, as_pytorch, atol=1e-5)

# %%
# A hand-set edge kernel on a real photo
# --------------------------------------
# The Sobel kernel ``gx`` below subtracts the column left of the centre from the column right of it
# (the middle row counts twice): it responds to a change in brightness from left to right. Its
# transpose ``gy`` does the same from top to bottom. First on a synthetic image, dark on the left and
# bright on the right: a vertical edge.
gx = torch.tensor([[-1.0, 0.0, 1.0],
                   [-2.0, 0.0, 2.0],
                   [-1.0, 0.0, 1.0]])
gy = gx.T.contiguous()
sobel = torch.stack([gx, gy])[:, None]  # weight (2, 1, 3, 3): two output channels, one input channel
step = torch.zeros(7, 7)
step[:, 4:] = 1.0  # dark left half, bright right half: a vertical edge
step_gx, step_gy = F.conv2d(step[None, None], sobel)[0]
print(f"vertical step edge\n{step.int()}\nGx\n{step_gx.int()}\nGy\n{step_gy.int()}")
assert step_gx.max() == 4 and (step_gx >= 0).all() and (step_gy == 0).all()
assert torch.equal(F.conv2d(1 - step[None, None], sobel)[0, 0], -step_gx)
print("on a vertical edge, Gx peaks at 4 (= 1 + 2 + 1) along the edge and Gy is 0 everywhere; "
      "a bright-to-dark edge gives the same Gx with the opposite sign")

# %%
# Gx is signed, so its maps below use a diverging colour map centred on zero (red positive, blue
# negative). ``gx`` is exactly the negative of its flip, so the textbook convolution would give the
# same edges with the opposite sign: the flip of the previous section is not a detail.
assert torch.equal(torch.flip(gx, (0, 1)), -gx)
print("flip(gx) == -gx: convolution and cross-correlation with gx differ by a sign")

# %%
# Now scikit-image's 512x512 grayscale camera photo. No padding, so each map is 510x510. The gradient
# magnitude ``sqrt(Gx^2 + Gy^2)`` is large wherever the brightness changes in any direction, and small
# on flat areas such as the sky: most pixels are far below the maximum. The maps show a 256x256 crop around
# the cameraman (a whole 510x510 map shrunk to a phone's width loses its thin edges), and the colour
# scales stop at the crop's 99th percentile so that the weaker edges stay visible.
camera = cnnatlas.load_photo("camera").float().div(255)  # (1, 512, 512) in [0, 1]
cam_gx, cam_gy = F.conv2d(camera[None], sobel)[0]
magnitude = torch.sqrt(cam_gx**2 + cam_gy**2)
print(f"photo {tuple(camera.shape)} -> Gx, Gy {tuple(cam_gx.shape)}; Gx in [{float(cam_gx.min()):.2f}, "
      f"{float(cam_gx.max()):.2f}], magnitude up to {float(magnitude.max()):.2f}")
assert cam_gx.shape == cam_gy.shape == (510, 510)
assert cam_gx.min() < 0 < cam_gx.max() and cam_gy.min() < 0 < cam_gy.max()
median = float(magnitude.median())
print(f"median magnitude {median:.3f}: {median / float(magnitude.max()):.1%} of the maximum")
assert median < 0.05 * float(magnitude.max())

crop = (slice(40, 296), slice(150, 406))  # map rows and columns: the cameraman and his camera
limit = float(torch.quantile(torch.cat([cam_gx[crop].abs().flatten(), cam_gy[crop].abs().flatten()]), 0.99))
fig, axes = plt.subplots(2, 2, figsize=(cnnatlas.style.WIDTH, 5.6), layout="constrained")
panels = [
    (camera[0, 1:-1, 1:-1][crop], "photo", dict(cmap=cnnatlas.style.GRAY, vmin=0, vmax=1)),
    (cam_gx[crop], "Gx: left-to-right", cnnatlas.style.diverging_scale(cam_gx, limit=limit)),
    (cam_gy[crop], "Gy: top-to-bottom", cnnatlas.style.diverging_scale(cam_gy, limit=limit)),
    (magnitude[crop], "sqrt(Gx² + Gy²)", dict(cmap=cnnatlas.style.SEQUENTIAL, vmin=0, vmax=limit)),
]
for ax, (image_2d, title, scale) in zip(axes.flat, panels, strict=True):
    shown = ax.imshow(image_2d.numpy(), **scale)
    ax.set_title(title)
    ax.set_axis_off()
    fig.colorbar(shown, ax=ax, shrink=0.85)

# %%
# Step through the synthetic edge yourself: each frame is one window position and the output cell it
# writes. The output is non-zero only where the window straddles the edge.
cnnatlas.conv_animation(cnnatlas.conv_steps(step, gx), title="Sobel gx on a vertical step edge", height=380)

# %%
# A Conv2d learns the Sobel kernel
# --------------------------------
# A network is not given its kernels; it learns them. Here the target is known: the Sobel Gx map of
# a crop of the photo. A ``Conv2d(1, 1, 3, bias=False)`` starts from random weights and is trained by
# gradient descent to reproduce that map, on batches of 16 random 32x32 crops. The photo is
# standardized first (zero mean, unit standard deviation; the end of this section shows why). The loop
# is the one every PyTorch training uses: zero the gradients, forward, loss, backward, step. It is
# small enough to run the same 300 steps in every build.
standardized = (camera - camera.mean()) / camera.std()


def random_crops(photo, generator, count=16, size=32):
    """A (count, 1, size, size) batch of crops of ``photo`` at random positions."""
    tops = torch.randint(0, 512 - size + 1, (count,), generator=generator).tolist()
    lefts = torch.randint(0, 512 - size + 1, (count,), generator=generator).tolist()
    return torch.stack([photo[:, t : t + size, s : s + size] for t, s in zip(tops, lefts, strict=True)])


def learn_kernel(target_kernel, photo=standardized, steps=300, lr=0.1, seed=SEED):
    """Train Conv2d(1, 1, 3) to reproduce conv2d(crop, target_kernel); return its kernel and the losses."""
    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    conv = nn.Conv2d(1, 1, 3, bias=False)
    optimizer = torch.optim.SGD(conv.parameters(), lr=lr, momentum=0.9)
    losses = []
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny tensors: spare the thread overhead on a busy machine
    try:
        for _ in range(steps):
            crops = random_crops(photo, generator)
            target = F.conv2d(crops, target_kernel[None, None])
            optimizer.zero_grad()
            loss = F.mse_loss(conv(crops), target)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
    finally:
        torch.set_num_threads(threads)
    return conv.weight.detach()[0, 0], losses


start = time.perf_counter()
torch.manual_seed(SEED)
initial = nn.Conv2d(1, 1, 3, bias=False).weight.detach()[0, 0]  # the same start as learn_kernel's
learned, losses = learn_kernel(gx)
error = float((learned - gx).abs().max())
print(f"{len(losses)} steps in {time.perf_counter() - start:.1f} s on CPU; "
      f"loss {losses[0]:.3g} -> {losses[-1]:.2g}")
print(f"learned kernel:\n{learned.numpy().round(3)}\nmax |learned - gx| = {error:.4f} "
      f"(from {float((initial - gx).abs().max()):.2f} at the random start)")
# What training reaches is an observation, not a fact: it is recorded, and checked against bounds that
# the seeds tried clear at least ten times over.
cnnatlas.observe("learned kernel: max |learned - gx|", error, at_most=0.05)
cnnatlas.observe("kernel training: first loss / last loss", losses[0] / losses[-1], at_least=1000)

fig, axes = plt.subplots(1, 3, figsize=(cnnatlas.style.WIDTH, 2.6), layout="constrained",
                         gridspec_kw={"width_ratios": [1.3, 1, 1]})
axes[0].semilogy(losses)
axes[0].set_xlabel("step")
axes[0].set_ylabel("MSE loss")
axes[0].set_title("training loss")
for ax, kernel, title in [(axes[1], learned, "learned"), (axes[2], gx, "Sobel gx")]:
    ax.imshow(kernel.numpy(), **cnnatlas.style.diverging_scale(kernel, limit=2.2))
    for (r, c), value in np.ndenumerate(kernel.numpy()):
        ax.text(c, r, f"{round(float(value), 2) + 0.0:.2f}", ha="center", va="center",
                color="white" if abs(value) > 1.5 else "black")
    ax.set_title(title)
    ax.set_axis_off()

# %%
# Had the target been made with the textbook (flipped) convolution, the same loop would learn the
# flipped kernel, which for Sobel is ``-gx``: the point of the cross-correlation section, by training.
learned_flip, _ = learn_kernel(torch.flip(gx, (0, 1)))
flip_error = float((learned_flip - torch.flip(gx, (0, 1))).abs().max())
cnnatlas.observe("learned kernel: max |learned - flip(gx)|", flip_error, at_most=0.05)
print(f"target made with flip(gx): learned kernel\n{learned_flip.numpy().round(3)}\n"
      f"max |learned - flip(gx)| = {flip_error:.4f}")

# %%
# Why standardize? Raw pixels in [0, 1] are all positive and strongly correlated with their
# neighbours. For a squared error on a linear layer, the loss is a bowl whose curvature along each
# direction in weight space is proportional to an eigenvalue of the 3x3 patches' second-moment matrix
# ``P.T @ P / n``.
# The learning rate must stay small enough for the steepest direction, and gradient descent then crawls
# along the flattest one. Standardizing makes the flattest direction steeper and the two more alike:
neighbours = torch.corrcoef(torch.stack([camera[0, :, :-1].flatten(), camera[0, :, 1:].flatten()]))[0, 1]
print(f"raw pixels: minimum {float(camera.min()):.2f}, correlation with the right-hand neighbour "
      f"{float(neighbours):.2f}")
assert camera.min() >= 0 and neighbours > 0.8
curvatures = {}
for name, photo in [("raw", camera), ("standardized", standardized)]:
    patches = F.unfold(photo[None], kernel_size=3)[0].T  # (510 * 510, 9): every 3x3 window as a row
    curvatures[name] = torch.linalg.eigvalsh(patches.T @ patches / len(patches))
    flattest, steepest = float(curvatures[name].min()), float(curvatures[name].max())
    print(f"{name:>12}: flattest curvature {flattest:.5f}, steepest {steepest:.2f}, "
          f"ratio {steepest / flattest:,.0f}")
assert curvatures["standardized"].min() > 5 * curvatures["raw"].min()
ratios = {name: float(c.max() / c.min()) for name, c in curvatures.items()}
assert ratios["raw"] > 2 * ratios["standardized"]

# %%
# So the same loop, with the same learning rate and number of steps, gets much less far on raw pixels:
learned_raw, losses_raw = learn_kernel(gx, photo=camera)
raw_error = float((learned_raw - gx).abs().max())
cnnatlas.observe("kernel error, raw / standardized pixels", raw_error / error, at_least=10)
print(f"trained on raw pixels: max |learned - gx| = {raw_error:.3f} after {len(losses_raw)} steps, "
      f"{raw_error / error:.0f} times the error on the standardized photo")

# %%
# Locality and weight sharing
# ---------------------------
# Two choices make a convolution cheap. **Locality**: each output value looks only at a small window
# of the input. **Weight sharing**: the same kernel is used at every position. A ``Conv2d(3, 16, 3)``
# on a 3x32x32 image has 16 kernels of 3x3x3 weights plus 16 biases. A fully connected layer producing
# the same 16x30x30 output from the same input needs one weight per (input value, output value) pair.
# Its count is computed on PyTorch's ``meta`` device, which records shapes without allocating memory.
conv = nn.Conv2d(3, 16, 3)
conv_params = sum(p.numel() for p in conv.parameters())
out_shape = conv(torch.zeros(1, 3, 32, 32)).shape[1:]
in_features, out_features = 3 * 32 * 32, out_shape.numel()
fc = nn.Linear(in_features, out_features, device="meta")
fc_params = sum(p.numel() for p in fc.parameters())
print(f"Conv2d(3, 16, 3): weight {tuple(conv.weight.shape)} + bias {tuple(conv.bias.shape)} = "
      f"{conv_params:,} parameters -> output {tuple(out_shape)}")
print(f"Linear({in_features:,}, {out_features:,}): {fc_params:,} parameters, "
      f"{fc_params / conv_params:,.0f} times more")
assert conv_params == 16 * 3 * 3 * 3 + 16 == 448
assert tuple(out_shape) == (16, 30, 30)
assert fc_params == (3 * 32 * 32) * (16 * 30 * 30) + 16 * 30 * 30

# %%
# Locality, checked with gradients: one output value of the convolution depends on 3x3 pixels (in
# each of the 3 channels) and no others. ``cnnatlas.gradient_field`` returns |d output / d input| for
# one output cell; it is non-zero on exactly the window.
field = cnnatlas.gradient_field(nn.Sequential(conv), torch.rand(1, 3, 32, 32), "0", unit=(10, 20))
rows, cols = torch.nonzero(field, as_tuple=True)
print(f"output (10, 20) depends on input rows {sorted(set(rows.tolist()))}, "
      f"columns {sorted(set(cols.tolist()))}")
assert int((field != 0).sum()) == 9
assert set(rows.tolist()) == {10, 11, 12} and set(cols.tolist()) == {20, 21, 22}

# %%
# Weight sharing makes the layer **translation equivariant**: shift the input, and the output shifts
# by the same amount. (``torch.roll`` wraps pixels around the border, so the check is on the part of the
# output whose windows do not wrap.)
torch.manual_seed(SEED)
img = torch.rand(1, 3, 32, 32)
dy, dx = 2, 3
with torch.no_grad():
    out_plain = conv(img)
    out_shifted = conv(torch.roll(img, shifts=(dy, dx), dims=(2, 3)))
moved_back = out_shifted[..., dy:, dx:]
print(f"shift the input by ({dy}, {dx}): max |shifted output - original output, shifted| = "
      f"{float((moved_back - out_plain[..., : 30 - dy, : 30 - dx]).abs().max()):.1e}")
assert torch.allclose(moved_back, out_plain[..., : 30 - dy, : 30 - dx], atol=1e-6)

# %%
# Several channels in and out
# ---------------------------
# A ``Conv2d(C_in, C_out, k)`` holds a weight of shape (C_out, C_in, k, k): one k x k kernel for every
# (output channel, input channel) pair. Output channel ``o`` is the sum over the input channels ``c`` of
# the 2D cross-correlation of input ``c`` with kernel ``weight[o, c]``, plus ``bias[o]``:
with torch.no_grad():
    o = 5
    per_channel = [F.conv2d(img[:, c : c + 1], conv.weight[o : o + 1, c : c + 1]) for c in range(3)]
    by_sum = sum(per_channel) + conv.bias[o]
print(f"weight {tuple(conv.weight.shape)}; max |sum of 3 single-channel maps + bias - conv(img)[:, {o}]| "
      f"= {float((by_sum[:, 0] - out_plain[:, o]).abs().max()):.1e}")
assert torch.allclose(by_sum[:, 0], out_plain[:, o], atol=1e-6)

# %%
# ### 1x1 convolution
# With a 1x1 kernel there is no window: each output pixel is a weighted sum of the channels of the same
# input pixel. That is a ``Linear`` layer applied to every pixel's channel vector, with the weight
# shared across pixels. Networks use it to change the number of channels cheaply: it has 3 * 3 = 9
# times fewer weights than a 3x3 convolution between the same channels.
pointwise = nn.Conv2d(16, 8, kernel_size=1)
features = torch.randn(2, 16, 5, 5)
linear = nn.Linear(16, 8)
with torch.no_grad():
    linear.weight.copy_(pointwise.weight[:, :, 0, 0])
    linear.bias.copy_(pointwise.bias)
    as_conv = pointwise(features)
    as_linear = linear(features.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)  # channels last, Linear, back
    as_einsum = torch.einsum("oc,nchw->nohw", pointwise.weight[:, :, 0, 0], features)
    as_einsum = as_einsum + pointwise.bias[:, None, None]
same_linear = torch.allclose(as_conv, as_linear, atol=1e-6)
same_einsum = torch.allclose(as_conv, as_einsum, atol=1e-6)
print(f"Conv2d(16, 8, 1): weight {tuple(pointwise.weight.shape)}; equals Linear(16, 8) per pixel: "
      f"{same_linear}; equals the einsum: {same_einsum}")
assert same_linear and same_einsum
assert nn.Conv2d(16, 8, 3).weight.numel() == 9 * pointwise.weight.numel()

# %%
# ### Grouped and depthwise convolution
# ``groups=g`` splits the input channels and the output channels into ``g`` groups; output group ``i``
# sees only input group ``i``. The weight becomes (C_out, C_in / g, k, k): ``g`` times fewer weights.
c_in = c_out = 8
for g in (1, 2, 4, 8):
    layer = nn.Conv2d(c_in, c_out, 3, groups=g)
    print(f"groups={g}: weight {tuple(layer.weight.shape)}, {layer.weight.numel()} weights")
    assert tuple(layer.weight.shape) == (c_out, c_in // g, 3, 3)
    assert layer.weight.numel() * g == c_out * c_in * 3 * 3

# %%
# Which outputs move when one input channel changes? With ``groups=4`` (two channels per group),
# perturbing input channel ``c`` changes only the two output channels of its group:
torch.manual_seed(SEED)
grouped = nn.Conv2d(8, 8, 3, groups=4)
feat = torch.randn(1, 8, 10, 10)
with torch.no_grad():
    base = grouped(feat)
    for c in range(8):
        bumped = feat.clone()
        bumped[:, c] += torch.randn(10, 10)
        moved = grouped(bumped)
        changed = [o for o in range(8) if not torch.equal(moved[:, o], base[:, o])]
        print(f"perturb input channel {c} (group {c // 2}): output channels that change {changed}")
        assert changed == [2 * (c // 2), 2 * (c // 2) + 1]

# %%
# ``groups=C_in`` is a **depthwise** convolution: one kernel per channel, no mixing across channels.
# Output channel ``c`` is input channel ``c`` correlated with its own kernel.
depthwise = nn.Conv2d(8, 8, 3, groups=8)
with torch.no_grad():
    dw_out = depthwise(feat)
    singles = [F.conv2d(feat[:, c : c + 1], depthwise.weight[c : c + 1], depthwise.bias[c : c + 1])
               for c in range(8)]
    one_by_one = torch.cat(singles, dim=1)
print(f"depthwise weight {tuple(depthwise.weight.shape)}; equals 8 single-channel convolutions: "
      f"{torch.allclose(dw_out, one_by_one, atol=1e-6)}")
assert torch.allclose(dw_out, one_by_one, atol=1e-6)

# %%
# A depthwise layer followed by a 1x1 convolution, which does the mixing across channels, is MobileNet's
# *depthwise separable* convolution: the same output shape as one full 3x3 convolution between the same
# channels, with far fewer parameters. And because groups never exchange information (as the perturbation
# above showed), ShuffleNet interleaves the channels between grouped layers:
# [Channel shuffle](plot_07_channel_shuffle.md) shows it.
separable = nn.Sequential(nn.Conv2d(64, 64, 3, groups=64), nn.Conv2d(64, 64, 1))
full_conv = nn.Conv2d(64, 64, 3)
n_separable = sum(p.numel() for p in separable.parameters())
n_full = sum(p.numel() for p in full_conv.parameters())
wide = torch.randn(1, 64, 10, 10)
with torch.no_grad():
    same_shape = separable(wide).shape == full_conv(wide).shape
print(f"64 -> 64 channels: depthwise 3x3 + 1x1 has {n_separable:,} parameters, a full 3x3 convolution "
      f"{n_full:,} ({n_full / n_separable:.1f} times more); same output shape: {same_shape}")
assert same_shape and n_full > 5 * n_separable

# %%
# Two meanings of "stride"
# ------------------------
# The word means two unrelated things in PyTorch. A **tensor's stride** is about memory: ``x.stride()``
# says how many elements to skip in the underlying storage to move one step along each dimension.
# For a contiguous (N, C, H, W) tensor, one step along W skips 1 element, along H a whole row (W),
# along C a whole map (H * W), along N a whole image (C * H * W). The
# [NCHW vs NHWC](plot_05_nchw_vs_nhwc.md) page shows how ``channels_last`` changes these numbers.
t = torch.arange(2 * 3 * 4 * 5).view(2, 3, 4, 5)
n, c, h, w_ = 1, 2, 3, 4
offset = sum(index * s for index, s in zip((n, c, h, w_), t.stride(), strict=True))
print(f"shape {tuple(t.shape)}: memory strides {t.stride()}; element [{n}, {c}, {h}, {w_}] sits at offset "
      f"{offset} of the storage, holding {int(t.flatten()[offset])} == {int(t[n, c, h, w_])}")
assert t.stride() == (3 * 4 * 5, 4 * 5, 5, 1)
assert int(t.flatten()[offset]) == int(t[n, c, h, w_])

# %%
# A **convolution's stride** is about the window: how many pixels it moves between two outputs, set by
# ``Conv2d(..., stride=2)``. Stride 2 computes every second output of stride 1 in each direction, so
# a 7x7 input gives 3x3 outputs instead of 5x5; with no padding the size is ``(H - k) // stride + 1``.
# Down-sampling this way is the subject of [Down-sampling](../02_sampling/plot_01_downsampling.md).
# Both strides on one example: the layer's ``stride`` attribute and the memory strides of its input
# and output, which follow from their shapes alone.
seven = torch.arange(49.0).view(1, 1, 7, 7)
every_pixel = nn.Conv2d(1, 1, 3, stride=1, bias=False)
every_second = nn.Conv2d(1, 1, 3, stride=2, bias=False)
with torch.no_grad():
    every_pixel.weight.copy_(gx[None, None])
    every_second.weight.copy_(gx[None, None])
    out_s1, out_s2 = every_pixel(seven), every_second(seven)
print(f"convolution stride {every_second.stride}: input {tuple(seven.shape)} with memory strides "
      f"{seven.stride()} -> output {tuple(out_s2.shape)} with memory strides {out_s2.stride()}")
print(f"stride 1 gives {tuple(out_s1.shape[-2:])}; the stride-2 output is the stride-1 output [::2, ::2]: "
      f"{torch.equal(out_s2, out_s1[..., ::2, ::2])}")
assert every_second.stride == (2, 2) and seven.stride() == (49, 49, 7, 1) and out_s2.stride() == (9, 9, 3, 1)
assert out_s1.shape[-1] == (7 - 3) // 1 + 1 == cnnatlas.conv_output_size(7, 3) == 5
assert out_s2.shape[-1] == (7 - 3) // 2 + 1 == cnnatlas.conv_output_size(7, 3, stride=2) == 3
assert torch.equal(out_s2, out_s1[..., ::2, ::2])
