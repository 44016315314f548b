"""
A down-up network on a real image, and checkerboard artefacts
=============================================================

Article 001's SimpleUpDownNet shrinks a photograph 4x with two stride-2 convolutions and grows it back
with two transposed convolutions. Untrained it outputs noise; trained for a few hundred steps to
reconstruct its input it learns a blurry copy. Then: nearest and bilinear up-sampling against
transposed convolution, and where checkerboard artefacts come from.
"""

# mkdocs_gallery_thumbnail_number = 1
import time

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F
from torch import nn

import cnnatlas

# %%
# Untrained
# ---------
torch.manual_seed(0)
camera = cnnatlas.load_photo("camera").float().div(255).unsqueeze(0)  # (1, 1, 512, 512)
net = cnnatlas.SimpleUpDownNet()
with torch.no_grad():
    untrained = net(camera)
outputs = cnnatlas.layer_outputs(net, camera)
for name, value in outputs.items():
    print(f"{name:6s} {tuple(value.shape)}")

# %%
# Trained to reconstruct
# ----------------------
# A short training loop, written out: the target is the input itself, the loss the mean squared error.
# Random 128x128 crops each step keep it fast; a fixed seed and step count make it repeatable.
device = cnnatlas.best_device()
net = net.to(device)
optimizer = torch.optim.Adam(net.parameters(), lr=0.01)
STEPS = 2000 if cnnatlas.build_profile() == "full" else 300
generator = torch.Generator().manual_seed(0)
started = time.perf_counter()
losses = []
for _ in range(STEPS):
    top, left = torch.randint(0, 512 - 128, (2,), generator=generator).tolist()
    crop = camera[:, :, top : top + 128, left : left + 128].to(device)
    loss = F.mse_loss(net(crop), crop)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    losses.append(loss.item())
print(f"{STEPS} steps on {cnnatlas.device_name(device)} in {time.perf_counter() - started:.1f} s; "
      f"loss {losses[0]:.4f} -> {losses[-1]:.4f} (profile: {cnnatlas.build_profile()})")
with torch.no_grad():
    trained = net(camera.to(device)).cpu()

fig, axes = plt.subplots(1, 3, figsize=(11, 3.9), layout="constrained")
for ax, (title, image) in zip(axes, [("input 512x512", camera), ("untrained SimpleUpDownNet", untrained),
                                      (f"after {STEPS} steps", trained)], strict=True):
    ax.imshow(image[0, 0].numpy(), cmap="gray", vmin=0, vmax=1)
    ax.set_title(title, fontsize=10)
    ax.set_axis_off()

# %%
# The details the 128x128 bottleneck (one channel!) cannot carry are lost; the output is a smoothed copy.
fig, ax = plt.subplots(figsize=(5, 2.5), layout="constrained")
ax.plot(losses)
ax.set(xlabel="step", ylabel="MSE", yscale="log", title="reconstruction loss")

# %%
# Three ways to up-sample
# -----------------------
# From the 128x128 bottleneck of the trained network: nearest-neighbour copies each pixel into a 4x4
# block, bilinear interpolates, and the learned transposed convolutions do their own thing.
with torch.no_grad():
    code = net.down2(F.relu(net.down1(camera.to(device)))).relu().cpu()
    ups = {
        "nearest": F.interpolate(code, scale_factor=4, mode="nearest"),
        "bilinear": F.interpolate(code, scale_factor=4, mode="bilinear", align_corners=False),
        "learned ConvTranspose2d x2": trained,
    }
fig, axes = plt.subplots(1, 3, figsize=(11, 3.9), layout="constrained")
for ax, (title, image) in zip(axes, ups.items(), strict=True):
    ax.imshow(image[0, 0, 150:278, 200:328].numpy(), cmap="gray")
    ax.set_title(f"{title} (a 128x128 detail)", fontsize=10)
    ax.set_axis_off()

# %%
# Checkerboard artefacts
# ----------------------
# A transposed convolution with kernel 3 and stride 2 stamps overlapping kernels: output positions
# covered by one stamp and by two alternate. Feed it a constant input with all-ones weights and the
# overlap count appears directly: a checkerboard. Kernel 4 (divisible by the stride) covers evenly.
flat = torch.ones(1, 1, 8, 8)
fig, axes = plt.subplots(1, 2, figsize=(8, 4), layout="constrained")
for ax, k in zip(axes, (3, 4), strict=True):
    up = nn.ConvTranspose2d(1, 1, kernel_size=k, stride=2, padding=1, bias=False)
    with torch.no_grad():
        up.weight.fill_(1.0)
        out = up(flat)[0, 0]
    ax.imshow(out.numpy(), cmap="magma")
    ax.set_title(f"kernel {k}, stride 2: values {sorted(set(out[2:-2, 2:-2].flatten().int().tolist()))}", fontsize=9)
    ax.set_axis_off()
