"""
NCHW vs NHWC: the same tensor, two memory layouts
=================================================

PyTorch indexes images as (N, C, H, W) whatever their memory layout. ``channels_last`` stores the
channels of each pixel next to each other (NHWC order) without changing the shape. See both orders, their
strides, and how fast a convolution runs on each, measured on the machine that built this page.

**Assumes:** tensors as (N, C, H, W) and images as HWC arrays ([Tensors 101](plot_01_tensors_101.md)),
and what a memory stride is ([The convolution](plot_02_convolution.md#two-meanings-of-stride)).
"""

# mkdocs_gallery_thumbnail_number = 1
import time

import matplotlib.pyplot as plt
import torch

import cnnatlas

SEED = cnnatlas.build_seed()  # 0 unless $CNNATLAS_SEED says otherwise

# %%
# Same shape, different strides
# -----------------------------
# A stride says how many elements to skip in memory to move one step along a dimension. In the
# default (contiguous, NCHW) layout one step along the width moves by 1; in ``channels_last`` one step
# along the channels does. Shape and values stay the same.
x = torch.arange(2 * 3 * 2 * 2).view(2, 3, 2, 2)
nhwc = x.to(memory_format=torch.channels_last)
for name, t in (("NCHW", x), ("channels_last", nhwc)):
    info = cnnatlas.layout_info(t)
    print(f"{name:14s} shape {info.shape} strides {info.strides} contiguous={info.contiguous} -> {info.memory_format}")
assert x.stride() == (12, 4, 2, 1) and nhwc.stride() == (12, 1, 6, 3) and x.shape == nhwc.shape
assert torch.equal(x, nhwc), "same values at the same indices"

# %%
# The memory order, element by element: each cell is one value, labelled with its channel and its
# (row, col). NCHW stores a whole red plane, then green, then blue; channels_last interleaves R, G, B
# pixel by pixel.
fig, axes = plt.subplots(2, 1, figsize=(cnnatlas.style.WIDTH, 3.6), layout="constrained")
one = torch.zeros(1, 3, 2, 3)
nchw_channels = [index[1] for index in cnnatlas.memory_order(one)]
cl_channels = [index[1] for index in cnnatlas.memory_order(one.to(memory_format=torch.channels_last))]
print(f"channel of each element in memory, NCHW:          {nchw_channels}")
print(f"channel of each element in memory, channels_last: {cl_channels}")
assert nchw_channels == [0] * 6 + [1] * 6 + [2] * 6 and cl_channels == [0, 1, 2] * 6
cnnatlas.memory_order_figure(one, title="NCHW (contiguous): one channel plane after another", ax=axes[0])
cnnatlas.memory_order_figure(one.to(memory_format=torch.channels_last), title="channels_last (NHWC order)", ax=axes[1])

# %%
# ``permute`` changes the shape, not the memory
# ---------------------------------------------
# Converting an NHWC array (a stack of image-library HWC images, or a TensorFlow batch) with
# ``permute(0, 3, 1, 2)`` gives an NCHW *shape* whose memory is still NHWC: exactly the strides of
# ``channels_last``. No copy is made.
tf_style = torch.arange(24.0).view(2, 2, 2, 3)  # (N, H, W, C)
as_nchw = tf_style.permute(0, 3, 1, 2)
print(f"permuted: shape {tuple(as_nchw.shape)}, strides {as_nchw.stride()}, "
      f"is channels_last: {as_nchw.is_contiguous(memory_format=torch.channels_last)}, "
      f"shares memory: {as_nchw.data_ptr() == tf_style.data_ptr()}")
assert as_nchw.stride() == torch.zeros(2, 3, 2, 2).to(memory_format=torch.channels_last).stride()
assert as_nchw.data_ptr() == tf_style.data_ptr()

# %%
# Which layout is faster?
# -----------------------
# The arithmetic is the same; only the order in which memory is read differs, so the answer depends
# on the hardware and on the kernels PyTorch picks for it. PyTorch's
# [channels-last tutorial](https://pytorch.org/tutorials/intermediate/memory_format_tutorial.html)
# reports gains on GPUs with Tensor Cores; on a CPU it varies. So measure, here on the machine that
# built this page: a 3x3 convolution, 64 -> 64 channels, on a batch of 16 maps of 56x56, the median of
# several runs for each layout.
torch.manual_seed(SEED)
device = cnnatlas.best_device()
conv = torch.nn.Conv2d(64, 64, 3, padding=1).to(device).eval()
batch = torch.randn(16, 64, 56, 56, device=device)
REPEATS = 7


def median_ms(model, inp):
    times = []
    with torch.no_grad():
        model(inp)  # warm-up
        for _ in range(REPEATS):
            if device.type == "cuda":
                torch.cuda.synchronize()
            start = time.perf_counter()
            model(inp)
            if device.type == "cuda":
                torch.cuda.synchronize()
            times.append((time.perf_counter() - start) * 1000)
    return sorted(times)[REPEATS // 2]


with torch.no_grad():
    nchw_out = conv(batch)
nchw_ms = median_ms(conv, batch)
conv = conv.to(memory_format=torch.channels_last)  # converts the weights in place
batch_cl = batch.to(memory_format=torch.channels_last)
with torch.no_grad():
    cl_out = conv(batch_cl)
cl_ms = median_ms(conv, batch_cl)
print(f"device: {cnnatlas.device_name(device)}, torch {torch.__version__.split('+')[0]}")
print(f"| layout        | median ms |\n|---------------|-----------|\n| NCHW          | {nchw_ms:9.2f} |\n"
      f"| channels_last | {cl_ms:9.2f} |")
cnnatlas.observe("channels_last / NCHW time, 3x3 conv 64->64", cl_ms / nchw_ms)  # a timing: recorded, not checked
faster, slower = ("channels_last", "NCHW") if cl_ms < nchw_ms else ("NCHW", "channels_last")
print(f"On this machine {faster} took {min(nchw_ms, cl_ms) / max(nchw_ms, cl_ms):.2f}x the time of {slower} "
      f"for the same result (max difference {float((cl_out - nchw_out).abs().max()):.1e}); the output of the "
      f"channels_last run is channels_last too: {cl_out.is_contiguous(memory_format=torch.channels_last)}.")
assert torch.allclose(cl_out, nchw_out, atol=1e-4), "the layout changes the speed, not the result"
assert cl_out.is_contiguous(memory_format=torch.channels_last)
fig, ax = plt.subplots(figsize=(cnnatlas.style.WIDTH, 2.2), layout="constrained")
ax.barh(["NCHW", "channels_last"], [nchw_ms, cl_ms], color=cnnatlas.style.CATEGORICAL[:2])
ax.set_xlabel("milliseconds per forward (lower is faster)")
ax.set_title(f"3x3 conv 64->64, 16x56x56 on {cnnatlas.device_name(device)}")
