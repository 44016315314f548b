"""
Up-sampling with transposed convolution
=======================================

Article 001 grows a 2x2 input to 4x4 (stride 1) and to 5x5 (stride 2). See the same result two ways:
zeros inserted between the inputs and a plain convolution over them, or each input value stamping a
copy of the kernel onto the output. Then ``output_padding``, and article 000's 8x8 to 16x16 up-sampling
of a real feature map.
"""

# mkdocs_gallery_thumbnail_number = 1
import matplotlib.pyplot as plt
import torch
from torch import nn

import cnnatlas

# %%
# The article's numbers
# ---------------------
small_input = torch.tensor([[1.0, 2.0], [3.0, 4.0]]).view(1, 1, 2, 2)
for stride in (1, 2):
    trans_conv = nn.ConvTranspose2d(1, 1, kernel_size=3, stride=stride, bias=False)
    with torch.no_grad():
        trans_conv.weight.fill_(1.0)
        out = trans_conv(small_input)
    print(f"stride {stride}: (2 - 1)*{stride} + 3 = {tuple(out.shape[-2:])}\n{out[0, 0]}")

# %%
# View 1: insert zeros, then convolve
# -----------------------------------
# A transposed convolution equals a direct convolution over the input with ``stride - 1`` zeros between
# values and ``k - 1 - padding`` zeros around, using the kernel flipped. The ringed cells are the real
# input values; everything else is inserted zeros. (So the common claim that it "inserts zeros" is true
# only in this equivalent view: PyTorch computes it as a scatter, view 2.)
ones = torch.ones(3, 3)
cnnatlas.conv_animation(cnnatlas.transposed_steps(small_input[0, 0], ones, stride=1), title="ConvTranspose2d k=3, s=1: 2x2 -> 4x4")

# %%
cnnatlas.conv_animation(cnnatlas.transposed_steps(small_input[0, 0], ones, stride=2), title="ConvTranspose2d k=3, s=2: 2x2 -> 5x5")

# %%
# View 2: every input value stamps the kernel
# -------------------------------------------
# Input value ``x[i, j]`` adds ``x[i, j] * kernel`` to the output at rows ``i*s .. i*s + k - 1``. Where
# stamps overlap, values add up: with stride 2 and a 3x3 kernel the middle row and column get two
# stamps, which is where the uneven, checkerboard-like pattern of transposed convolutions comes from.
cnnatlas.scatter_animation(small_input[0, 0], ones, stride=2)

# %%
# output_padding: choosing between sizes a strided convolution merges
# -------------------------------------------------------------------
# A 3x3 convolution with stride 2 and padding 1 maps both 7x7 and 8x8 inputs to 4x4. Going back, the
# transposed convolution cannot know which size you want: ``output_padding`` adds the missing row and
# column (and must be smaller than the stride).
down = nn.Conv2d(1, 1, 3, stride=2, padding=1)
for size in (7, 8):
    print(f"conv s=2: {size}x{size} -> {tuple(down(torch.zeros(1, 1, size, size)).shape[-2:])}")
for op in (0, 1):
    up = nn.ConvTranspose2d(1, 1, 3, stride=2, padding=1, output_padding=op)
    print(f"ConvTranspose2d(s=2, p=1, output_padding={op}): 4x4 -> {tuple(up(torch.zeros(1, 1, 4, 4)).shape[-2:])}")
try:
    nn.ConvTranspose2d(1, 1, 3, stride=2, output_padding=2)(torch.zeros(1, 1, 4, 4))
except RuntimeError as error:
    print(f"output_padding=2 with stride 2: {str(error).splitlines()[0]}")

# %%
cnnatlas.scatter_animation(torch.arange(1.0, 10.0).view(3, 3), ones, stride=2, padding=1, output_padding=1)

# %%
# Article 000: 8x8 back to 16x16 on a real feature map
# ----------------------------------------------------
# SimpleCNN turns a 32x32 CIFAR-10 image into 32 maps of 8x8; ``ConvTranspose2d(32, 16, kernel_size=2,
# stride=2)`` doubles them to 16x16. With kernel = stride the stamps tile without overlap, so no
# checkerboard: each input value becomes one 2x2 block.
test = cnnatlas.load_cifar10(train=False)
torch.manual_seed(0)
image = test.images[:1].float() / 255
encoder = cnnatlas.SimpleCNN()
deconv = nn.ConvTranspose2d(32, 16, kernel_size=2, stride=2)
with torch.no_grad():
    features = encoder(image)
    upsampled = deconv(features)
print(f"image {tuple(image.shape)} -> SimpleCNN {tuple(features.shape)} -> ConvTranspose2d {tuple(upsampled.shape)}")
fig, axes = plt.subplots(1, 3, figsize=(9, 3.2), layout="constrained")
axes[0].imshow(cnnatlas.to_hwc(test.images[0]))
axes[0].set_title(f"input: {test.classes[int(test.labels[0])]} 32x32", fontsize=9)
axes[1].imshow(features[0, 0].numpy())
axes[1].set_title("feature map 0: 8x8", fontsize=9)
axes[2].imshow(upsampled[0, 0].numpy())
axes[2].set_title("after ConvTranspose2d: 16x16", fontsize=9)
for ax in axes:
    ax.set_axis_off()
