"""
Reshape pitfalls: view, reshape, flatten, permute
=================================================

``view`` needs memory it can reinterpret, ``reshape`` copies when it must, ``flatten`` is a reshape, and
a flatten in the wrong order silently scrambles features: a linear classifier fitted on real CIFAR-10
images falls to near chance when its input is flattened in the wrong order. See each failure happen and
its fix.

**Assumes:** tensors as (N, C, H, W) ([Tensors 101](plot_01_tensors_101.md)), strides and the NCHW and
NHWC memory layouts ([NCHW vs NHWC](plot_05_nchw_vs_nhwc.md)), and ``Flatten`` feeding ``Linear``
([Building blocks](plot_03_building_blocks.md)).
"""

# mkdocs_gallery_thumbnail_number = 2
import matplotlib.pyplot as plt
import torch

import cnnatlas

SEED = cnnatlas.build_seed()  # 0 unless $CNNATLAS_SEED says otherwise

# %%
# view, reshape and flatten on a contiguous tensor
# ------------------------------------------------
# On a freshly made (contiguous) tensor all three give the same (N, C*H*W) matrix and share memory:
# no data moves. Article 000 flattens the (4, 32, 8, 8) output of its SimpleCNN this way into (4, 2048).
torch.manual_seed(SEED)
out = cnnatlas.SimpleCNN()(torch.randn(4, 3, 32, 32)).detach()
a = out.view(out.size(0), -1)  # -1: "whatever makes the element count match"
b = out.reshape(out.size(0), -1)
c = torch.flatten(out, start_dim=1)
print(f"{tuple(out.shape)} -> view {tuple(a.shape)}, reshape {tuple(b.shape)}, flatten {tuple(c.shape)}")
shares = [t.data_ptr() == out.data_ptr() for t in (a, b, c)]
print("share memory with out:", shares)
assert tuple(out.shape) == (4, 32, 8, 8) and tuple(a.shape) == (4, 2048)
assert out.is_contiguous() and all(shares) and torch.equal(a, b) and torch.equal(a, c)

# %%
# permute, then view: the classic error
# -------------------------------------
# ``permute`` only swaps strides. The permuted tensor's elements are no longer in row-major order, so
# ``view`` cannot reinterpret them and raises; ``reshape`` silently copies, and so does ``flatten``,
# which is a reshape; ``.contiguous()`` makes the copy explicit. All give the same values.
nhwc = out.permute(0, 2, 3, 1)  # (4, 8, 8, 32)
print(f"permuted: shape {tuple(nhwc.shape)}, strides {nhwc.stride()}, contiguous={nhwc.is_contiguous()}, "
      f"shares memory={nhwc.data_ptr() == out.data_ptr()}")
view_failed = False
try:
    nhwc.view(4, -1)
except RuntimeError as error:
    view_failed = True
    print(f"view fails: {str(error).splitlines()[0][:110]}...")
copied = nhwc.reshape(4, -1)
explicit = nhwc.contiguous().view(4, -1)
print(f"reshape copies: shares memory={copied.data_ptr() == out.data_ptr()}; "
      f"contiguous().view: {tuple(explicit.shape)}, equal to reshape: {torch.equal(copied, explicit)}")
assert view_failed and not nhwc.is_contiguous() and nhwc.data_ptr() == out.data_ptr()
flat = torch.flatten(nhwc, start_dim=1)
assert copied.data_ptr() != out.data_ptr() and torch.equal(copied, explicit)
assert flat.data_ptr() != out.data_ptr() and torch.equal(flat, copied)

# %%
# Article 000's ``safe_reshape``, and why ``reshape`` is enough
# -------------------------------------------------------------
# The article checks the element count with ``assert`` and then calls ``.contiguous().view(...)``.
# Three things to know about it, each checked below:
#
# 1. its check multiplies the requested sizes, so a ``-1`` makes the product negative and a valid
#    request is refused;
# 2. ``assert`` statements are removed when Python runs with ``-O``, so the check can vanish;
# 3. ``.contiguous()`` returns the tensor itself when it is already contiguous and copies it otherwise,
#    so ``.contiguous().view`` does what ``reshape`` does.


def article_safe_reshape(tensor, new_shape):
    """Article 000's version, unchanged apart from formatting."""
    assert torch.prod(torch.tensor(tensor.shape)) == torch.prod(torch.tensor(new_shape))
    tensor = tensor.contiguous()
    return tensor.view(*new_shape)


refused = False
try:
    article_safe_reshape(out, (4, -1))
except AssertionError:
    refused = True
print(f"1. article_safe_reshape(out, (4, -1)) refused: {refused} "
      f"(product of (4, -1) = {int(torch.prod(torch.tensor((4, -1))))}, elements = {out.numel()})")
optimized = compile("assert 2 + 2 == 5", "<python -O>", "exec", optimize=1)
exec(optimized)  # no AssertionError: the statement is gone
print("2. 'assert 2 + 2 == 5' compiled as under python -O runs without error")
print(f"3. out.contiguous() is out: {out.contiguous() is out}; "
      f"nhwc.contiguous() shares memory with nhwc: {nhwc.contiguous().data_ptr() == nhwc.data_ptr()}")
assert refused and out.contiguous() is out and nhwc.contiguous().data_ptr() != nhwc.data_ptr()
assert torch.equal(article_safe_reshape(nhwc, (4, 2048)), nhwc.reshape(4, 2048))

# %%
# So the right "safe reshape" is ``reshape`` itself: it accepts ``-1``, copies only when it must, and
# its own size check cannot be switched off:
print(f"reshape(out, (4, -1)) shares memory: {out.reshape(4, -1).data_ptr() == out.data_ptr()}")
reshape_failed = False
try:
    out.reshape(4, 1000)
except RuntimeError as error:
    reshape_failed = True
    print(f"reshape(out, (4, 1000)): {error}")
assert reshape_failed and out.reshape(4, -1).data_ptr() == out.data_ptr()

# %%
# Flatten order matters: porting NHWC weights
# -------------------------------------------
# A classifier trained in an NHWC framework flattened each sample as (H, W, C). Load its ``Linear``
# weights into a PyTorch model that flattens (C, H, W) and every feature meets the wrong weight. No
# error, no warning: the shapes match (3072 either way), only the predictions are wrong.
#
# To see it on real data, fit the simplest such classifier: one ``Linear(3072, 10)`` on CIFAR-10
# pixels, flattened in (H, W, C) order. It is fitted in closed form, with no training loop: ridge
# regression, the least-squares fit of the one-hot labels ``Y`` from the centred pixels ``X`` with a
# penalty ``lambda`` on the squared weights, ``W = (X^T X + lambda I)^-1 X^T Y``. It is fitted on 5,000
# training images, 500 per class, and scored on 2,000 test images, 200 per class.
train = cnnatlas.load_cifar10(train=True).subset(5000)
test = cnnatlas.load_cifar10(train=False).subset(2000)
x_train, x_test = train.images.float() / 255, test.images.float() / 255  # (N, 3, 32, 32)
assert torch.bincount(train.labels).tolist() == [500] * 10 and torch.bincount(test.labels).tolist() == [200] * 10


def flatten_hwc(images):
    """Flatten the way an NHWC framework does: each pixel's R, G, B values next to each other."""
    return images.permute(0, 2, 3, 1).flatten(1)


assert flatten_hwc(x_test).shape == torch.nn.Flatten()(x_test).shape == (2000, 3072), "same shape either way"
features = flatten_hwc(x_train)
mean = features.mean(0)
targets = torch.nn.functional.one_hot(train.labels, 10).float()
centred = features - mean
ridge = 1000.0  # lambda
weight = torch.linalg.solve(centred.T @ centred + ridge * torch.eye(3072), centred.T @ (targets - targets.mean(0)))
ported = torch.nn.Linear(3072, 10)  # the "ported" layer: weights in (H, W, C) order
with torch.no_grad():
    ported.weight.copy_(weight.T)
    ported.bias.copy_(targets.mean(0) - mean @ weight)


def accuracy(scores):
    return (scores.argmax(1) == test.labels).float().mean().item()


with torch.no_grad():
    right = accuracy(ported(flatten_hwc(x_test)))  # flattened like the source framework
    wrong = accuracy(ported(torch.nn.Flatten()(x_test)))  # PyTorch's default (C, H, W) flatten
chance = torch.bincount(test.labels).max().item() / len(test.labels)
# Accuracies are observations of data (no seed enters this fit, but the numbers come from the images and a
# floating-point solve), recorded and checked against bounds they clear by several points:
cnnatlas.observe("ridge read-out on CIFAR-10 pixels: accuracy / chance", right / chance, at_least=3)
cnnatlas.observe("ridge read-out, wrong flatten: accuracy - chance", wrong - chance, at_most=0.05)
cnnatlas.observe("ridge read-out: right - wrong flatten accuracy", right - wrong, at_least=0.15)
print(f"test accuracy, flattened (H, W, C) as fitted: {right:.1%}")
print(f"test accuracy, flattened (C, H, W) by nn.Flatten: {wrong:.1%}   (chance: {chance:.0%})")

# %%
# A linear read-out on raw pixels is a weak classifier, but at over three times chance it is plainly
# reading the images. The same weights fed the same pixels in the other order fall to within a few
# points of chance.
fig, ax = plt.subplots(figsize=(cnnatlas.style.WIDTH, 2.4), layout="constrained")
ax.barh(["(H, W, C), as fitted", "(C, H, W), nn.Flatten"], [right, wrong],
        color=[cnnatlas.style.CATEGORICAL[0], cnnatlas.style.WRONG])
ax.axvline(chance, color="k", linestyle="--", linewidth=1, label=f"chance ({chance:.0%})")
ax.set_xlim(0, 1), ax.invert_yaxis(), ax.legend(loc="lower right")
ax.set_xlabel("test accuracy on 2,000 CIFAR-10 images")
ax.set_title("the same Linear(3072, 10), two flatten orders")

# %%
# What the wrong flatten does to a picture: the (C, H, W) values read back as (H, W, C). Every
# "pixel" now holds three horizontal neighbours of one colour plane, so a weight that expected the
# (R, G, B) of one pixel gets three reds of three pixels. A row of 32 such pixels uses up 96 values,
# three rows of a plane: the picture becomes a 3x3 grid of squeezed, nearly grey copies, the top third
# made of the red plane only, then green, then blue.
image = x_test[0]
scrambled = image.flatten().view(32, 32, 3)  # CHW values, read as HWC
fig, axes = plt.subplots(1, 3, figsize=(cnnatlas.style.WIDTH, 2.9), layout="constrained")
axes[0].imshow(cnnatlas.to_hwc(image))
axes[0].set_title(f"a test image\n({test.classes[test.labels[0]]})")
axes[1].imshow(scrambled.numpy())
axes[1].set_title("flatten(CHW)\nread as HWC")
axes[2].imshow(cnnatlas.to_hwc(image.flatten().view(3, 32, 32)))
axes[2].set_title("fixed:\nview(3, 32, 32)")
for ax in axes:
    ax.set_axis_off()
assert torch.equal(scrambled[0, 0], image[0, 0, :3]), "the first 'pixel' holds the first three reds"
assert torch.equal(scrambled[:10].flatten(), image[0].flatten()[:960]), "the top rows hold red values only"

# %%
# The fix when porting weights is to permute the *weights* once, not the data at every call: a
# ``Linear`` weight of shape (out, H*W*C) becomes (out, C*H*W) by viewing it as (out, H, W, C),
# permuting to (out, C, H, W) and flattening. The fixed layer takes PyTorch's default flatten and
# gives the same scores, hence the same accuracy, as the original.
fixed = torch.nn.Linear(3072, 10)
with torch.no_grad():
    fixed.weight.copy_(ported.weight.view(10, 32, 32, 3).permute(0, 3, 1, 2).reshape(10, -1))
    fixed.bias.copy_(ported.bias)
    same = torch.allclose(fixed(torch.nn.Flatten()(x_test)), ported(flatten_hwc(x_test)), atol=1e-4)
    repaired = accuracy(fixed(torch.nn.Flatten()(x_test)))
print(f"permuted weights with nn.Flatten: accuracy {repaired:.1%}, same scores as the original: {same}")
assert same and abs(repaired - right) < 1e-3
