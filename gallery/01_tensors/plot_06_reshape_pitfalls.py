"""
Reshape pitfalls: view, reshape, flatten, permute
=================================================

``view`` needs memory it can reinterpret, ``reshape`` copies when it must, ``flatten`` is a reshape,
and a flatten in the wrong order silently scrambles features. See each failure happen and its fix.
"""

# mkdocs_gallery_thumbnail_number = 1
import matplotlib.pyplot as plt
import torch

import cnnatlas

# %%
# view, reshape and flatten on a contiguous tensor
# ------------------------------------------------
# On a freshly made (contiguous) tensor all three give the same (N, C*H*W) matrix and share memory:
# no data moves. Article 000 flattens its (4, 32, 8, 8) output this way into (4, 2048).
out = cnnatlas.SimpleCNN()(torch.randn(4, 3, 32, 32)).detach()
a = out.view(out.size(0), -1)  # -1: "whatever makes the element count match"
b = out.reshape(out.size(0), -1)
c = torch.flatten(out, start_dim=1)
print(f"{tuple(out.shape)} -> view {tuple(a.shape)}, reshape {tuple(b.shape)}, flatten {tuple(c.shape)}")
print("share memory with out:", [t.data_ptr() == out.data_ptr() for t in (a, b, c)])

# %%
# permute, then view: the classic error
# -------------------------------------
# ``permute`` only swaps strides. The permuted tensor's elements are no longer in row-major order, so
# ``view`` cannot reinterpret them and raises; ``reshape`` silently copies; ``.contiguous()`` makes the
# copy explicit.
nhwc = out.permute(0, 2, 3, 1)  # (4, 8, 8, 32)
print(f"permuted: shape {tuple(nhwc.shape)}, strides {nhwc.stride()}, contiguous={nhwc.is_contiguous()}")
try:
    nhwc.view(4, -1)
except RuntimeError as error:
    print(f"view fails: {str(error).splitlines()[0][:110]}...")
copied = nhwc.reshape(4, -1)
print(f"reshape copies: shares memory={copied.data_ptr() == out.data_ptr()}")
print(f"contiguous().view: {tuple(nhwc.contiguous().view(4, -1).shape)}")

# %%
# Article 000's ``safe_reshape``, made right
# ------------------------------------------
# The article checks the element count with ``assert`` (stripped by ``python -O``) and always calls
# ``.contiguous()`` (a copy even when none is needed). A version that explains itself instead:


def safe_reshape(tensor: torch.Tensor, *shape: int) -> torch.Tensor:
    """Reshape, copying only when the memory layout requires it; say clearly when sizes cannot match."""
    known = [s for s in shape if s != -1]
    count = torch.Size(known).numel()
    if shape.count(-1) > 1 or (-1 not in shape and count != tensor.numel()) or (-1 in shape and tensor.numel() % count):
        raise ValueError(f"cannot reshape {tuple(tensor.shape)} ({tensor.numel()} elements) to {shape}")
    return tensor.view(*shape) if tensor.is_contiguous() else tensor.reshape(*shape)


print(tuple(safe_reshape(nhwc, 4, -1).shape))
try:
    safe_reshape(out, 4, 1000)
except ValueError as error:
    print(f"ValueError: {error}")

# %%
# Flatten order matters: porting NHWC weights
# -------------------------------------------
# A classifier trained in an NHWC framework flattened each sample as (H, W, C). Load its Linear weights
# into a PyTorch model that flattens (C, H, W) and every feature lands on the wrong weight. No error,
# no warning: only wrong predictions. Here the "ported" Linear layer is a template that fires for the
# first CIFAR-10 test image, defined in NHWC order.
test = cnnatlas.load_cifar10(train=False)
images = test.images[:8].float() / 255  # (8, 3, 32, 32)
features = images.permute(0, 2, 3, 1).reshape(8, -1)  # how the NHWC framework flattened
template = features[0] / features[0].norm()  # a weight row in NHWC order
right_order = images.permute(0, 2, 3, 1).flatten(1) @ template  # flatten like the source framework
wrong_order = images.flatten(1) @ template  # PyTorch's default (C, H, W) flatten
print("score of each image, correct flatten:", [round(v, 2) for v in right_order.tolist()])
print("score of each image, wrong flatten:  ", [round(v, 2) for v in wrong_order.tolist()])

# %%
# What the wrong flatten does to the picture: reading NCHW memory as if it were NHWC.
scrambled = images[0].flatten().view(32, 32, 3)  # NCHW values, read as HWC
fig, axes = plt.subplots(1, 3, figsize=(8, 3), layout="constrained")
axes[0].imshow(cnnatlas.to_hwc(images[0]))
axes[0].set_title("image (correct)")
axes[1].imshow(scrambled.numpy())
axes[1].set_title("flatten(CHW) read as HWC")
axes[2].imshow(cnnatlas.to_hwc(images[0].flatten().view(3, 32, 32)))
axes[2].set_title("fixed: view(3, 32, 32)")
for ax in axes:
    ax.set_axis_off()

# %%
# The fix when porting weights is to permute the *weights* once, not the data at every call:
# a Linear weight of shape (out, H*W*C) becomes (out, C*H*W) by viewing it as (out, H, W, C), permuting to
# (out, C, H, W) and flattening.
weight_nhwc = template.view(1, -1)
weight_nchw = weight_nhwc.view(1, 32, 32, 3).permute(0, 3, 1, 2).reshape(1, -1)
fixed = images.flatten(1) @ weight_nchw[0]
print("scores after permuting the weights:", [round(v, 2) for v in fixed.tolist()])
assert torch.allclose(fixed, right_order)
