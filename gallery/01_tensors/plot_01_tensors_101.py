"""
Tensors 101: an image is (C, H, W), a batch is (N, C, H, W)
===========================================================

A real photograph becomes a 3D tensor with its colour channels first; four photographs stacked become a
4D batch. Explore the batch sample by sample, channel by channel.

**Assumes:** Python and a little PyTorch (making a tensor, reading its ``.shape``, indexing it).

Next, [The convolution](plot_02_convolution.md) shows what a layer computes on such a tensor.
"""

# mkdocs_gallery_thumbnail_number = 1
import matplotlib.cbook
import matplotlib.pyplot as plt
import torch

import cnnatlas

SEED = cnnatlas.build_seed()  # 0 unless $CNNATLAS_SEED says otherwise

# %%
# One photo, two ways of holding it
# ---------------------------------
# Image libraries hold a colour image as (height, width, channel): **HWC**. matplotlib reading one of
# its own sample photos shows it:
with matplotlib.cbook.get_sample_data("grace_hopper.jpg") as file:
    sample = plt.imread(file)
print(f"plt.imread gives {type(sample).__name__} of shape {sample.shape}: (H, W, C)")
assert sample.ndim == 3 and sample.shape[-1] == 3

# %%
# PyTorch's layers expect **CHW**: the channel first. ``cnnatlas.load_photo`` returns scikit-image's
# astronaut as CHW; here it is first turned into the HWC array an image library would hand over, then
# permuted back to CHW, written out.
hwc = cnnatlas.load_photo("astronaut").permute(1, 2, 0).numpy()  # as image libraries give it: (512, 512, 3)
chw = torch.from_numpy(hwc).permute(2, 0, 1)  # (3, 512, 512): channel first
print(f"HWC as image libraries hold it: {hwc.shape}, CHW for PyTorch: {tuple(chw.shape)}, dtype {chw.dtype}")
assert hwc.shape == (512, 512, 3) and tuple(chw.shape) == (3, 512, 512)

# %%
# Each channel is one (H, W) map: ``chw[0]`` is red, ``chw[1]`` green, ``chw[2]`` blue. The orange
# suit is bright in the red map and dark in the blue one. The same pixel lives at ``hwc[y, x, c]`` and
# at ``chw[c, y, x]``.
y, x = 100, 250
print(f"pixel (y={y}, x={x}): HWC {hwc[y, x].tolist()} == CHW {chw[:, y, x].tolist()}")
assert hwc[y, x].tolist() == chw[:, y, x].tolist()
assert tuple(chw[0].shape) == (512, 512)
suit = chw[:, 350:450, 60:160].float().mean(dim=(1, 2))  # a patch of the suit, per channel
print(f"mean of a suit patch per channel (R, G, B): {[round(v) for v in suit.tolist()]}")
assert suit[0] > 2 * suit[2], "the orange suit is much brighter in red than in blue"
fig = cnnatlas.channels_figure(chw)

# %%
# matplotlib draws HWC. Handing it a CHW tensor fails; convert back with ``permute(1, 2, 0)``
# (``cnnatlas.to_hwc`` does that and scales uint8 to [0, 1]).
fig, ax = plt.subplots(figsize=(cnnatlas.style.NARROW * 0.75, cnnatlas.style.NARROW * 0.75))
imshow_failed = False
try:
    ax.imshow(chw.numpy())
except TypeError as error:
    imshow_failed = True
    print(f"imshow(CHW) fails: {error}")
ax.imshow(cnnatlas.to_hwc(chw))
ax.set_title("to_hwc(chw)")
ax.set_axis_off()
assert imshow_failed
assert torch.allclose(torch.as_tensor(cnnatlas.to_hwc(chw)).float(), chw.permute(1, 2, 0).float() / 255)

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
print(f"sizes as loaded: {[tuple(p.shape) for p in photos]}")
print(f"one image {tuple(small[0].shape)} -> batch {tuple(batch.shape)}")
print(f"batch[2] is one image {tuple(batch[2].shape)}; batch[:, 0] is every red channel {tuple(batch[:, 0].shape)}")
assert tuple(batch.shape) == (4, 3, 128, 128) and torch.equal(batch[2], small[2])
assert torch.equal(batch[:, 0], torch.stack([s[0] for s in small]))

# %%
# The whole batch as a grid: rows are samples ``n``, columns channels ``c``; each cell is ``batch[n, c]``.
fig = cnnatlas.batch_figure(batch)

# %%
# ``Conv2d`` accepts a batch (N, C, H, W), and also a single (C, H, W) image, which it treats as
# unbatched. Not every layer does: ``BatchNorm2d`` insists on 4D. The explicit, always-safe form is a
# batch of one, ``chw.unsqueeze(0)``, shape (1, C, H, W).
torch.manual_seed(SEED)
conv = torch.nn.Conv2d(3, 8, kernel_size=3, padding=1)
with torch.no_grad():
    as_batch, unbatched, one = conv(batch), conv(small[0]), conv(small[0].unsqueeze(0))
print(f"conv(batch): {tuple(as_batch.shape)}; conv(one image): {tuple(unbatched.shape)}; "
      f"conv(one image as a batch of one): {tuple(one.shape)}")
batchnorm_failed = False
try:
    torch.nn.BatchNorm2d(3)(small[0])
except ValueError as error:
    batchnorm_failed = True
    print(f"BatchNorm2d(one image) fails: {error}")
assert tuple(as_batch.shape) == (4, 8, 128, 128) and tuple(unbatched.shape) == (8, 128, 128)
assert torch.allclose(one[0], unbatched, atol=1e-6) and torch.allclose(as_batch[0], unbatched, atol=1e-5)
assert batchnorm_failed

# %%
# Every sample, every channel
# ---------------------------
# Drag the slider to move along the batch dimension ``n``; the three panels are the channels of
# ``batch[n]``. To keep the page light the 128x128 maps are shown average-pooled to 64x64, one byte per
# pixel: hovering reads the level (0 to 255) of a 2x2 block of ``batch[n, c]``. These values lie in [0, 1],
# so the block's mean is the level / 255, to within half a level.
DISPLAY = 64
assert batch.shape[-1] == 2 * DISPLAY and 0 <= batch.min() and batch.max() <= 1
explorer = cnnatlas.batch_explorer(batch, title="photos", max_size=DISPLAY)
block_mean = batch[1, 2, 10:12, 20:22].mean().item()  # sample 1, blue, the block from row 10, col 20
blue_of_sample_1 = explorer.data[1 * 3 + 2]  # the heat maps are samples x channels, in order
assert blue_of_sample_1.z.shape == (DISPLAY, DISPLAY) and "level 0 = 0, 255 = 1" in blue_of_sample_1.hovertemplate
assert blue_of_sample_1.z[5, 10] == round(block_mean * 255)
explorer

# %%
# Why the article's random tensors are not enough
# -----------------------------------------------
# Article 000 illustrates with ``torch.rand(3, 32, 32)``: the right shape, but no structure. Every
# channel has the same statistics, and a pixel says nothing about its neighbour, so a picture of it
# cannot show what a layer does. Real photos have colours and smooth regions between edges: their
# channels differ, and neighbouring pixels are strongly correlated. Both measured:
noise = torch.rand(4, 3, 128, 128, generator=torch.Generator().manual_seed(SEED))


def neighbour_correlation(images: torch.Tensor) -> float:
    """Correlation between each pixel value and the one to its right, over the whole batch."""
    left, right = images[..., :-1].flatten(), images[..., 1:].flatten()
    return torch.corrcoef(torch.stack([left, right]))[0, 1].item()


def channel_spread(images: torch.Tensor) -> float:
    """Largest minus smallest per-channel mean."""
    means = images.mean(dim=(0, 2, 3))
    return float(means.max() - means.min())


for label, images in (("photos    ", batch), ("torch.rand", noise)):
    print(f"{label}: per-channel mean {[round(v, 3) for v in images.mean(dim=(0, 2, 3)).tolist()]}, "
          f"spread {channel_spread(images):.3f}; neighbour correlation {neighbour_correlation(images):.2f}")
# The noise is random draws, so its two numbers are observations, checked with a wide margin:
cnnatlas.observe("photos' channel spread / torch.rand's", channel_spread(batch) / channel_spread(noise), at_least=10)
cnnatlas.observe("torch.rand |neighbour correlation|", abs(neighbour_correlation(noise)), at_most=0.05)
assert neighbour_correlation(batch) > 0.8, "these four photos: neighbours nearly equal"
