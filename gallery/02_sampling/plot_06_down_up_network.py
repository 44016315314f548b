"""
A down-up network on a real image: dead ReLUs, a bottleneck, and a skip connection
==================================================================================

Article 001's SimpleUpDownNet shrinks a photograph 4x with two stride-2 convolutions and grows it back
with two transposed convolutions, one channel throughout. Trained to reconstruct its input from an
unlucky initialisation, it learns only a constant: its ReLUs are dead. We find out why and fix it with
one change, then hold the repaired network against a resize that learned nothing, see why it cannot do
much better (its bottleneck holds too little), and cure that with a U-Net-style skip connection. Last,
we train transposed convolution against resize-then-convolve on the same budget.

**Assumes:** strided convolutions ([Down-sampling](plot_01_downsampling.md)); transposed convolution,
resize-then-convolve and the checkerboard measure ([Up-sampling](plot_04_transposed_convolution.md));
ReLU ([Building blocks](../01_tensors/plot_03_building_blocks.md)); and a PyTorch training loop (loss,
``backward()``, optimizer step), written out here.
"""

# mkdocs_gallery_thumbnail_number = 2
import copy
import time

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F
from torch import nn

import cnnatlas

# %%
# How often does the article's network start dead?
# ------------------------------------------------
# ``SimpleUpDownNet`` computes ``relu(down1) -> relu(down2) -> relu(up1) -> up2``: 512x512 to 256 to 128
# and back. Every layer has one channel, so the 128x128 bottleneck is a single map. ``ReLU(v) = max(v,
# 0)``: a negative pre-activation becomes 0. If the bottleneck's pre-activation is negative at every
# position on a photo, its ReLU outputs a map of zeros, and nothing of the photo reaches the up-sampling
# layers. Whether that happens depends on the random initial weights. Before looking at one network,
# count over 100 seeds of PyTorch's default initialisation, starting from this build's seed, how many
# start that way on the camera photograph (values in [0, 1]), and how many of those also have a negative
# bias in ``up1``, so that its ReLU is dead too:
SEED = cnnatlas.build_seed()
camera = cnnatlas.load_photo("camera").float().div(255).unsqueeze(0)  # (1, 1, 512, 512)
seeds = range(SEED, SEED + 100)
dead_bottleneck, all_dead = [], []
for seed in seeds:
    torch.manual_seed(seed)
    probe = cnnatlas.SimpleUpDownNet()
    with torch.no_grad():
        if (probe.down2(F.relu(probe.down1(camera))) <= 0).all():
            dead_bottleneck.append(seed)
            if probe.up1.bias < 0:
                all_dead.append(seed)
cnnatlas.observe("down-up: seeds of 100 with a dead bottleneck", len(dead_bottleneck))
cnnatlas.observe("down-up: seeds of 100 with every ReLU dead", len(all_dead), at_least=1)
print(f"seeds {SEED} to {SEED + 99}: {len(dead_bottleneck)} start with the bottleneck ReLU zero at every "
      f"position, {len(all_dead)} of them with up1's ReLU dead too")

# %%
# The article's network died this way, and so will the one we study, by a rule fixed in advance: the
# first seed of that count whose network starts with every ReLU from the bottleneck on dead.
demo_seed = all_dead[0]
torch.manual_seed(demo_seed)
article = cnnatlas.SimpleUpDownNet()
initial_state = copy.deepcopy(article.state_dict())
pre = cnnatlas.layer_outputs(article, camera)  # each layer's output before the ReLU applied to it
with torch.no_grad():
    untrained = article(camera)
zero_fraction = {name: float((pre[name] <= 0).float().mean()) for name in ("down1", "down2", "up1")}
print(f"seed {demo_seed}:")
for name, value in pre.items():
    if name in zero_fraction:
        note = f"pre-activation in [{value.min():.3f}, {value.max():.3f}]; after ReLU, {zero_fraction[name]:.0%} zeros"
    else:
        note = f"output (no ReLU) in [{value.min():.3f}, {value.max():.3f}]"
    print(f"{name:6s} {tuple(value.shape)}: {note}")
assert zero_fraction["down2"] == 1.0, "the seed was chosen for a bottleneck negative everywhere"
assert torch.all(pre["up1"] == article.up1.bias) and article.up1.bias < 0, "up1 outputs its negative bias"
assert torch.all(untrained == article.up2.bias), "so the output is up2's bias, one constant value"
print(f"output: every pixel equals up2.bias = {article.up2.bias.item():.4f}")

# %%
# The bottleneck's pre-activation is negative at every one of its 128x128 positions, so its ReLU outputs
# 0 everywhere. ``up1`` then sees only zeros and outputs its (negative) bias, which the next ReLU also
# zeroes, and ``up2`` outputs its bias: the untrained network maps the photo to one grey value.
fig, axes = plt.subplots(1, 3, figsize=(cnnatlas.style.WIDTH, 2.7), layout="constrained")
axes[0].imshow(camera[0, 0].numpy(), cmap=cnnatlas.style.GRAY, vmin=0, vmax=1)
axes[0].set_title("input\n512x512")
scale = cnnatlas.style.diverging_scale(pre["down2"])  # one scale, centred on zero, for both maps
shown = axes[1].imshow(pre["down2"][0, 0].numpy(), **scale)
axes[1].set_title("bottleneck before\nReLU: all < 0")
axes[2].imshow(F.relu(pre["down2"])[0, 0].numpy(), **scale)
axes[2].set_title("after ReLU:\n0 everywhere")
fig.colorbar(shown, ax=axes[1:], shrink=0.8)
for ax in axes:
    ax.set_axis_off()

# %%
# Dead ReLUs pass no gradient
# ---------------------------
# ReLU's slope is 0 for negative inputs. Back-propagation multiplies by that slope, so no gradient gets
# through the bottleneck to ``down1`` and ``down2``; ``up1`` and ``up2`` see only zeros as input, so their
# weights get none either. Only ``up2``'s bias can learn. One backward pass on a 128x128 crop:
crop = camera[:, :, 192:320, 192:320]
F.mse_loss(article(crop), crop).backward()
for name, parameter in article.named_parameters():
    print(f"gradient of {name:12s}: {parameter.grad.abs().max():.2e}")
    assert (parameter.grad.abs().max() > 0) == (name == "up2.bias"), f"{name}: unexpected gradient"
article.zero_grad()

# %%
# With one channel there is no other unit to carry the signal: one dead map is the whole bottleneck.
#
# Training it anyway
# ------------------
# A short training loop, written out: the target is the input itself, the loss the mean squared error
# (MSE), Adam with learning rate 0.01. Random 128x128 crops keep each step fast; a seed derived from the
# build's and a fixed step count make it repeatable. ``train`` is used for every network on this page,
# with the same crops. These one-channel layers are so small that splitting them across CPU threads
# costs more than it saves, so ``train`` uses one thread and restores the setting afterwards.
STEPS = 2000 if cnnatlas.build_profile() == "full" else 300


def train(net: nn.Module, steps: int = STEPS) -> list[float]:
    optimizer = torch.optim.Adam(net.parameters(), lr=0.01)
    generator = torch.Generator().manual_seed(SEED + 1)  # the same crops for every network
    losses = []
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        for _ in range(steps):
            top, left = torch.randint(0, 512 - 128, (2,), generator=generator).tolist()
            batch = camera[:, :, top : top + 128, left : left + 128]
            loss = F.mse_loss(net(batch), batch)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
    finally:
        torch.set_num_threads(threads)
    return losses


def correlation(a: torch.Tensor, b: torch.Tensor) -> float:
    return float(torch.corrcoef(torch.stack([a.flatten(), b.flatten()]))[0, 1])


started = time.perf_counter()
article_losses = train(article)
with torch.no_grad():
    article_out = article(camera)
article_mse = F.mse_loss(article_out, camera).item()
print(f"article's network: {STEPS} steps in {time.perf_counter() - started:.1f} s "
      f"(profile: {cnnatlas.build_profile()}), MSE on the photo {article_mse:.4f}")

# %%
# Nothing upstream of the bias moved, the output is still one constant ``c``, and the MSE of a constant
# is the photo's variance plus ``(mean - c)^2``: the variance is the best it can ever do.
variance, mean = camera.var(unbiased=False).item(), camera.mean().item()
constant = article_out.flatten()[0].item()
for name, value in article.state_dict().items():
    assert torch.equal(value, initial_state[name]) == (name != "up2.bias"), f"{name}: only up2.bias moves"
assert torch.all(article_out == constant), "the output is still a constant"
assert abs(article_mse - (variance + (mean - constant) ** 2)) < 1e-5
print(f"output constant {constant:.3f} (photo mean {mean:.3f}); MSE {article_mse:.4f} = variance "
      f"{variance:.4f} + (mean - c)^2 {(mean - constant) ** 2:.4f}")

# %%
# The fix: a leaky ReLU
# ---------------------
# ``LeakyReLU(v) = v`` for ``v > 0`` and ``0.1 v`` otherwise. Its slope is never 0, so a unit that starts
# all-negative still passes a gradient and can move. The network below is the article's with
# that one change and, for the comparisons that follow, a choice of up-sampling layer and an optional
# skip connection (both explained where they are used). It starts from exactly the article's initial
# weights.


class UpDownNet(nn.Module):
    """SimpleUpDownNet with LeakyReLU; ``up="transposed"`` (the article's layers) or ``"nearest"``
    (nearest-neighbour x2 followed by a 3x3 convolution, resize-then-convolve); ``skip=True`` joins
    ``down1``'s map to ``up1``'s as a second channel for ``up2`` (U-Net style)."""

    def __init__(self, up: str = "transposed", skip: bool = False) -> None:
        super().__init__()
        self.skip = skip
        up2_in = 2 if skip else 1
        self.down1 = nn.Conv2d(1, 1, kernel_size=3, stride=2, padding=1)
        self.down2 = nn.Conv2d(1, 1, kernel_size=3, stride=2, padding=1)
        if up == "transposed":
            self.up1 = nn.ConvTranspose2d(1, 1, kernel_size=3, stride=2, padding=1, output_padding=1)
            self.up2 = nn.ConvTranspose2d(up2_in, 1, kernel_size=3, stride=2, padding=1, output_padding=1)
        else:
            self.up1 = nn.Sequential(nn.Upsample(scale_factor=2, mode="nearest"), nn.Conv2d(1, 1, 3, padding=1))
            self.up2 = nn.Sequential(nn.Upsample(scale_factor=2, mode="nearest"), nn.Conv2d(up2_in, 1, 3, padding=1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        skipped = F.leaky_relu(self.down1(x), 0.1)  # 256x256
        x = F.leaky_relu(self.down2(skipped), 0.1)  # 128x128: the bottleneck
        x = F.leaky_relu(self.up1(x), 0.1)  # 256x256
        if self.skip:
            x = torch.cat([x, skipped], dim=1)  # two channels: up1's map and down1's map
        return self.up2(x)


leaky = UpDownNet()
leaky.load_state_dict(initial_state)
F.mse_loss(leaky(crop), crop).backward()
first_layer_gradient = leaky.down1.weight.grad.abs().max().item()
assert first_layer_gradient > 0, "LeakyReLU should let a gradient reach down1"
print(f"same initial weights, LeakyReLU: gradient of down1.weight {first_layer_gradient:.2e}")
leaky.zero_grad()

# %%
# The gradient is small (it crosses two leaky slopes of 0.1) but not zero, and Adam scales each
# parameter's step by its own gradient history, so ``down1`` does move this time (asserted below).
started = time.perf_counter()
leaky_losses = train(leaky)
with torch.no_grad():
    leaky_out = leaky(camera)
leaky_mse, leaky_corr = F.mse_loss(leaky_out, camera).item(), correlation(leaky_out, camera)
print(f"LeakyReLU network: {STEPS} steps in {time.perf_counter() - started:.1f} s, MSE {leaky_mse:.4f}, "
      f"correlation with the input {leaky_corr:.3f}")
cnnatlas.observe("down-up: LeakyReLU network's correlation with the photo", leaky_corr, at_least=0.9)
assert not torch.equal(leaky.down1.weight, initial_state["down1.weight"]), "down1 should have learned"

# %%
# The output now follows the photo (the correlation printed above; 1 would be a perfect copy). How much
# fine detail made it through? We measure it as the mean absolute response to a Laplacian kernel (a
# second difference: large at edges and texture, 0 on smooth ramps).
laplacian = torch.tensor([[0.0, 1.0, 0.0], [1.0, -4.0, 1.0], [0.0, 1.0, 0.0]]).view(1, 1, 3, 3)


def detail(image: torch.Tensor) -> float:
    return F.conv2d(image, laplacian).abs().mean().item()


kept = cnnatlas.observe("down-up: share of fine detail kept", detail(leaky_out) / detail(camera), at_most=0.75)
print(f"fine detail: input {detail(camera):.4f}, reconstruction {detail(leaky_out):.4f} ({kept:.0%} of it)")

fig, axes = plt.subplots(1, 3, figsize=(cnnatlas.style.WIDTH, 3.2), layout="constrained")
panels = [("input\n512x512", camera),
          (f"article's net\nconstant {constant:.2f}\nMSE {article_mse:.3f}", article_out),
          (f"LeakyReLU\ncorrelation {leaky_corr:.3f}\nMSE {leaky_mse:.4f}", leaky_out)]
for ax, (title, image) in zip(axes, panels, strict=True):
    ax.imshow(image[0, 0].numpy(), cmap=cnnatlas.style.GRAY, vmin=0, vmax=1)
    ax.set_title(title)
    ax.set_axis_off()
fig.suptitle(f"after {STEPS} training steps")

# %%
# It is a smoothed copy: much of the fine texture and thin edges did not make it through the single
# 128x128 map. The two training curves on the same crops (faint: each step's crop; solid: mean of the
# last 20 steps), with the photo's variance, the best a constant can do:
fig, ax = plt.subplots(figsize=(cnnatlas.style.WIDTH, 3.4), layout="constrained")
for losses, label, color in ((article_losses, "article's net (dead ReLUs)", cnnatlas.style.CATEGORICAL[0]),
                             (leaky_losses, "LeakyReLU", cnnatlas.style.CATEGORICAL[1])):
    running = torch.tensor(losses).unfold(0, 20, 1).mean(1)
    ax.plot(losses, color=color, alpha=0.3, lw=0.8)
    ax.plot(range(19, len(losses)), running.numpy(), color=color, label=label)
ax.axhline(variance, color="gray", ls="--", label="photo variance")
ax.set(xlabel="step", ylabel="MSE on the crop", yscale="log", title="reconstruction loss")
ax.legend()

# %%
# A resize that learned nothing
# -----------------------------
# Is an MSE of this size good? Compare it with a reconstruction that learned nothing: average pooling
# over 4x4 blocks (512x512 to 128x128, the bottleneck's size), then bilinear interpolation x4 back to
# 512x512. Predict before reading on: does the trained network beat it?
fixed = F.interpolate(F.avg_pool2d(camera, 4), scale_factor=4, mode="bilinear", align_corners=False)
fixed_mse = F.mse_loss(fixed, camera).item()
ratio = cnnatlas.observe("down-up: LeakyReLU network's MSE / fixed 4x resize's", leaky_mse / fixed_mse)
if leaky_mse > fixed_mse:
    print(f"the fixed resize wins: MSE {fixed_mse:.4f}, the trained network's {leaky_mse:.4f} "
          f"({ratio - 1:.0%} higher)")
else:
    print(f"the trained network wins, narrowly: MSE {leaky_mse:.4f}, the fixed resize's {fixed_mse:.4f} "
          f"({1 - ratio:.0%} lower)")

# %%
# Training cannot put back what the narrowest map does not hold. Everything the up-sampling layers see
# passes through the bottleneck: one 128x128 map, 16,384 numbers for the photo's 262,144 pixels, one
# number per 4x4 block. Through a near-linear, one-channel path of 3x3 kernels, such a map carries only
# detail coarser than the block: the edges and texture inside a block are lost before the up-sampling
# starts. The fixed resize stores exactly each block's mean and makes a smooth guess between the means;
# the trained network has to learn its own way down to the same 16,384 numbers and back up. It can end
# up a little better or a little worse than the fixed resampler, not much better. Whether a wider path
# is the cure, the table below measures: the same comparison through a 256x256 map.
#
# The cure: a skip connection
# ---------------------------
# A U-Net (Ronneberger et al., 2015) joins each map of its down-sampling path to the map of the same
# size in its up-sampling path, concatenated as extra channels: the up path gets the context that came
# through the bottleneck *and* the detail that did not have to. Here there is one such pair: ``down1``'s
# 256x256 map joins ``up1``'s output, so ``up2`` takes two channels (``skip=True`` in ``UpDownNet``
# above). Everything else is as before: the same initial weights for the layers it shares with the
# article's network (same seed), the same crops, optimiser and number of steps.
torch.manual_seed(demo_seed)
unet = UpDownNet(skip=True)
for name in ("down1.weight", "down1.bias", "down2.weight", "down2.bias", "up1.weight", "up1.bias"):
    assert torch.equal(unet.state_dict()[name], initial_state[name]), "same initial weights"
assert unet.up2.weight.shape == (2, 1, 3, 3), "up2 reads two channels (ConvTranspose2d: in, out, k, k)"
started = time.perf_counter()
train(unet)
with torch.no_grad():
    unet_out = unet(camera)
unet_mse = F.mse_loss(unet_out, camera).item()
print(f"skip network: {STEPS} steps in {time.perf_counter() - started:.1f} s")

# %%
# The skip's map holds 65,536 numbers, four times the bottleneck's. So the table adds a second fixed
# resize, through a 256x256 map (2x2 average pooling, bilinear x2): the fair baseline for what the skip
# lets through.
fixed2 = F.interpolate(F.avg_pool2d(camera, 2), scale_factor=2, mode="bilinear", align_corners=False)
rows = [("fixed resize through 128x128", fixed), ("trained down-up, no skip", leaky_out),
        ("trained down-up + skip (U-Net)", unet_out), ("fixed resize through 256x256", fixed2)]
print(f"{'reconstruction':32s} {'MSE':>7s}")
for name, image in rows:
    print(f"{name:32s} {F.mse_loss(image, camera).item():7.4f}")
cure = cnnatlas.observe("down-up: skip network's MSE / fixed 4x resize's", unet_mse / fixed_mse, at_most=1.0)
wide = cnnatlas.observe("down-up: skip network's MSE / fixed 2x resize's", unet_mse / F.mse_loss(fixed2, camera).item())
print(f"skip network's MSE: {cure:.2f} times the fixed 128x128 resize's ({'lower' if cure < 1 else 'higher'}), "
      f"{unet_mse / leaky_mse:.2f} times the skip-less network's, {wide:.2f} times the fixed 256x256 resize's "
      f"({'about the same' if 0.8 < wide < 1.25 else 'lower' if wide < 1 else 'higher'})")

# %%
# With the skip, the trained network beats the fixed 128x128 resize (its MSE is checked at build to stay
# below the resize's). The skip did not make the bottleneck hold more; it went around it. So its fair
# comparison is the fixed resize through 256x256, the size of the map the skip carries: the narrowest map
# on a path limits that path too (the ratio is printed above). That is what U-Nets are for:
# outputs that must keep the input's detail, such as segmentation masks or denoised photos. It is also
# why an autoencoder meant to compress has no skip connections: with one, the bottleneck no longer limits
# what gets through. A 128x128 detail around the camera, reconstructions above, errors (output - input,
# one diverging scale, white = no error) below, each with its MSE on this detail only:
top, left, size = 96, 192, 128
shown_rows = [("input", camera), ("fixed\n128x128", fixed), ("trained,\nno skip", leaky_out),
              ("trained,\nskip", unet_out)]
patches = {name: image[0, 0, top : top + size, left : left + size] for name, image in shown_rows}
limit = max(float((patch - patches["input"]).abs().max()) for patch in patches.values())
fig, axes = plt.subplots(2, 4, figsize=cnnatlas.style.grid_figsize(2, 4, extra=0.45), layout="constrained")
for column, (name, patch) in enumerate(patches.items()):
    axes[0, column].imshow(patch.numpy(), cmap=cnnatlas.style.GRAY, vmin=0, vmax=1)
    axes[0, column].set_title(name)
    if name == "input":
        continue
    error = patch - patches["input"]
    shown = axes[1, column].imshow(error.numpy(), **cnnatlas.style.diverging_scale(error, limit=limit))
    axes[1, column].set_title(f"error, MSE\n{error.pow(2).mean():.4f}")
fig.colorbar(shown, ax=axes[1, 1:], shrink=0.8, label="output - input")
for ax in axes.flat:
    ax.set_axis_off()

# %%
# Transposed convolution or resize-then-convolve, trained
# -------------------------------------------------------
# [Up-sampling](plot_04_transposed_convolution.md) showed that untrained transposed convolutions leave
# a period-2 pattern that resize-then-convolve does not. Does training remove it? The same skip-less
# network with nearest x2 + 3x3 convolution in place of each transposed convolution, the same
# down-sampling weights (same seed), the same crops and the same number of steps. The checkerboard
# measure (spread of the four interleaved sub-grid means relative to the mean absolute value) is taken
# on the error map, output minus input, so the photo's own content does not count, with 8 pixels
# cropped on each side so the zero padding at the photo's border does not count either.


def checkerboard(image: torch.Tensor, border: int = 2) -> float:
    """Spread of the means of the four interleaved sub-grids, relative to the mean absolute value."""
    inner = image[border:-border, border:-border]
    means = torch.stack([inner[a::2, b::2].mean() for a in (0, 1) for b in (0, 1)])
    return float((means.max() - means.min()) / inner.abs().mean())


torch.manual_seed(demo_seed)
resize = UpDownNet(up="nearest")
for name in ("down1.weight", "down1.bias", "down2.weight", "down2.bias"):
    assert torch.equal(resize.state_dict()[name], initial_state[name]), "same down-sampling weights"
started = time.perf_counter()
resize_losses = train(resize)
with torch.no_grad():
    resize_out = resize(camera)
resize_mse, resize_corr = F.mse_loss(resize_out, camera).item(), correlation(resize_out, camera)
print(f"resize-then-convolve: {STEPS} steps in {time.perf_counter() - started:.1f} s")
results = {"ConvTranspose2d (k=3, s=2)": leaky_out, "nearest x2 + Conv2d (k=3)": resize_out}
scores = {name: checkerboard((out - camera)[0, 0], border=8) for name, out in results.items()}
for name, out in results.items():
    print(f"{name:27s} MSE {F.mse_loss(out, camera).item():.4f}, correlation {correlation(out, camera):.3f}, "
          f"checkerboard of the error {scores[name]:.3f}")
cnnatlas.observe("down-up: resize-then-convolve's correlation with the photo", resize_corr, at_least=0.9)
cnnatlas.observe("down-up: transposed / resize-then-convolve MSE", leaky_mse / resize_mse)
pattern = cnnatlas.observe("down-up: checkerboard, transposed / resize-then-convolve",
                           scores["ConvTranspose2d (k=3, s=2)"] / scores["nearest x2 + Conv2d (k=3)"])
print(f"lower MSE in this run: {min(results, key=lambda name: F.mse_loss(results[name], camera).item())} "
      f"(transposed / resize-then-convolve: {leaky_mse / resize_mse:.2f})")
if pattern > 1:
    print(f"the checkerboard of the error is {pattern:.1f} times as strong with transposed convolutions: "
          "this much training did not make their period-2 pattern as weak as resize-then-convolve's")
else:
    print("the checkerboard of the error is no stronger with transposed convolutions: in this run "
          f"training removed their period-2 pattern ({pattern:.2f} times resize-then-convolve's)")

# %%
# Both reconstruct the photo (correlations printed). Which loss is lower, and by how much, is printed,
# not claimed: one seed and one step budget cannot settle it. How the checkerboards in the errors
# compare, and what that says about training, is printed too: it depends on the seed. A 64x64 detail of
# the sky (flat, so any pattern is the network's), error maps in diverging colours, white = no error:
top, left = 40, 40
errors = {name: (out - camera)[0, 0, top : top + 64, left : left + 64] for name, out in results.items()}
limit = max(float(e.abs().max()) for e in errors.values())
fig, axes = plt.subplots(1, 3, figsize=(cnnatlas.style.WIDTH, 3.8), layout="constrained")
axes[0].imshow(camera[0, 0, top : top + 64, left : left + 64].numpy(), cmap=cnnatlas.style.GRAY, vmin=0, vmax=1)
axes[0].set_title("input:\n64x64 of sky")
for ax, (name, error) in zip(axes[1:], errors.items(), strict=True):
    shown = ax.imshow(error.numpy(), **cnnatlas.style.diverging_scale(error, limit=limit))
    layer = name.split(" (")[0]  # without its settings
    ax.set_title(f"{layer}\ncheckerboard {scores[name]:.3f}")
fig.colorbar(shown, ax=axes[1:], shrink=0.8, orientation="horizontal", label="output - input")
for ax in axes:
    ax.set_axis_off()
