"""
Tensors 101: an image is (C, H, W), a batch is (N, C, H, W)
===========================================================

A real photograph becomes a 3D tensor with its colour channels first; four photographs stacked become
a 4D batch. Explore the batch sample by sample, channel by channel.
"""

# mkdocs_gallery_thumbnail_number = 1
import matplotlib.pyplot as plt
import torch

import cnnatlas

# %%
# One photo, three ways of holding it
# -----------------------------------
# scikit-image ships real photographs. Image libraries (PIL, matplotlib, scikit-image) hold a colour
# image as (height, width, channel): **HWC**. PyTorch's layers expect **CHW**: the channel first.
# ``cnnatlas.load_photo`` returns scikit-image's astronaut as CHW; here it is the way image libraries
# hand it over, and the permutation back to CHW, written out.
hwc = cnnatlas.load_photo("astronaut").permute(1, 2, 0).numpy()  # as scikit-image gives it: (512, 512, 3)
chw = torch.from_numpy(hwc).permute(2, 0, 1)  # (3, 512, 512): channel first
print(f"HWC as image libraries hold it: {hwc.shape}, CHW for PyTorch: {tuple(chw.shape)}, dtype {chw.dtype}")

# %%
# Each channel is one (H, W) map: ``chw[0]`` is red, ``chw[1]`` green, ``chw[2]`` blue.
# The same pixel lives at ``hwc[y, x, c]`` and at ``chw[c, y, x]``.
y, x = 100, 250
print(f"pixel (y={y}, x={x}): HWC {hwc[y, x].tolist()} == CHW {chw[:, y, x].tolist()}")
fig = cnnatlas.plot_channels(chw)

# %%
# matplotlib draws HWC. Handing it a CHW tensor fails; convert back with ``permute(1, 2, 0)``
# (``cnnatlas.to_hwc`` does that and scales uint8 to [0, 1]).
fig, ax = plt.subplots(figsize=(3, 3))
try:
    ax.imshow(chw.numpy())
except TypeError as error:
    print(f"imshow(CHW) fails: {error}")
ax.imshow(cnnatlas.to_hwc(chw))
ax.set_title("to_hwc(chw)")
ax.set_axis_off()

# %%
# From 3D to 4D: the batch dimension
# ----------------------------------
# Layers process many images at once. Stacking N images of shape (C, H, W) adds a leading dimension:
# (N, C, H, W). Four real photos, resized to a common 128x128 (``interpolate`` needs a batch already,
# hence ``unsqueeze(0)`` and ``[0]``):
names = ["astronaut", "coffee", "chelsea", "rocket"]
photos = [cnnatlas.load_photo(n).float() / 255 for n in names]
small = [torch.nn.functional.interpolate(p.unsqueeze(0), size=(128, 128), mode="area")[0] for p in photos]
batch = torch.stack(small)  # (4, 3, 128, 128)
print(f"one image {tuple(small[0].shape)} -> batch {tuple(batch.shape)}")
print(f"batch[2] is one image {tuple(batch[2].shape)}; batch[:, 0] is every red channel {tuple(batch[:, 0].shape)}")

# %%
# The whole batch as a grid: rows are samples ``n``, columns channels ``c``; each cell is ``batch[n, c]``.
fig = cnnatlas.plot_batch(batch)

# %%
# A single image still has to be a batch for a layer: ``conv(chw)`` works on a 3D tensor only by
# treating it as unbatched; the explicit form is ``chw.unsqueeze(0)``, shape (1, C, H, W).
conv = torch.nn.Conv2d(3, 8, kernel_size=3, padding=1)
print(f"conv(batch): {tuple(conv(batch).shape)}; conv(one image as a batch of one): "
      f"{tuple(conv(small[0].unsqueeze(0)).shape)}")

# %%
# Every sample, every channel
# ---------------------------
# Drag the slider to move along the batch dimension ``n``; the three panels are the channels of
# ``batch[n]``. Hover to read ``batch[n, c, y, x]``.
cnnatlas.batch_explorer(batch, title="photos", max_size=64)

# %%
# Why the article's random tensors are not enough
# -----------------------------------------------
# ``torch.rand(3, 32, 32)`` has the right shape but no structure: every channel looks like the
# others, so a picture cannot show what a layer does. Real photos have edges and colours; their
# channels differ, and per-channel statistics show it:
print("per-channel mean of the photos:", [round(v, 3) for v in batch.mean(dim=(0, 2, 3)).tolist()])
print("per-channel mean of torch.rand:", [round(v, 3) for v in torch.rand(4, 3, 128, 128).mean(dim=(0, 2, 3)).tolist()])
