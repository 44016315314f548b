"""
ResNet: residual blocks and the whole flow
==========================================

Why a residual block computes ``F(x) + x``, measured on gradients; article 000's block at stride 1 and 2
with both paths drawn; BatchNorm in train and eval mode and why the convolution before it has no bias;
the 1x1 projection shortcut; torchvision's resnet18 stage by stage with its receptive field along the
main path; and global average pooling, which lets it take images of other sizes.

**Assumes:** what a convolution computes ([The convolution](../01_tensors/plot_02_convolution.md)),
shapes through a network ([Shape flow](../01_tensors/plot_04_shape_flow.md)), receptive fields
([Receptive fields](../02_sampling/plot_02_receptive_fields.md)) and VGG's stacked 3x3 design ([Kernels
and feature maps](plot_03_kernels_and_feature_maps.md)).
"""

# mkdocs_gallery_thumbnail_number = 2
from itertools import pairwise

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F
import torchvision
from torch import nn

import cnnatlas

# %%
# Residual learning: y = F(x) + x
# -------------------------------
# A plain network asks each few layers to compute the whole mapping ``h(x)``. A residual block (He et
# al., 2015) computes ``F(x) + x`` instead: its layers learn only the change ``F`` to add to the input,
# and the input reaches the output unchanged through the shortcut. Backpropagation shows why that
# helps. Through a plain stack the gradient is multiplied by every layer's Jacobian on its way down;
# through ``F(x) + x`` the Jacobian is ``I + dF/dx``: the gradient also flows along the shortcut, past
# the block's layers, without being multiplied by their weights. Measured: 20 blocks of conv-ReLU-conv (16 channels, PyTorch's default initialisation),
# once plain (``h = relu(F(h))``) and once with shortcuts (``h = relu(F(h) + h)``), same weights, same
# input, and a loss whose gradient with respect to the output is the same fixed tensor in both.
torch.manual_seed(0)
DEPTH, WIDTH = 20, 16
blocks = nn.ModuleList(
    nn.Sequential(nn.Conv2d(WIDTH, WIDTH, 3, padding=1), nn.ReLU(), nn.Conv2d(WIDTH, WIDTH, 3, padding=1))
    for _ in range(DEPTH)
)
probe_input, probe_grad = torch.randn(8, WIDTH, 16, 16), torch.randn(8, WIDTH, 16, 16)


def gradient_norms(shortcut):
    """Return the gradient norm of each block's first convolution weight, and |F(x)| / |x| in block 1."""
    blocks.zero_grad()
    h = probe_input
    first_ratio = None
    for block in blocks:
        change = block(h)
        first_ratio = first_ratio or float(change.detach().norm() / h.detach().norm())
        h = F.relu(change + h) if shortcut else F.relu(change)
    (h * probe_grad).sum().backward()  # d loss / d output = probe_grad, whatever the output
    return [float(block[0].weight.grad.norm()) for block in blocks], first_ratio


plain, _ = gradient_norms(shortcut=False)
residual, ratio = gradient_norms(shortcut=True)
print(f"gradient norm at block 1's first convolution: plain {plain[0]:.1e}, with shortcuts {residual[0]:.1e} "
      f"({residual[0] / plain[0]:.0e} times larger)")
print(f"at initialisation |F(x)| / |x| = {ratio:.2f} in block 1: the residual block starts close to the identity")
assert residual[0] > 1e3 * plain[0] and min(residual) > max(plain[:DEPTH // 2])
assert ratio < 0.5
fig, ax = plt.subplots(figsize=(cnnatlas.style.WIDTH, 3.4), layout="constrained")
ax.semilogy(range(1, DEPTH + 1), plain, "o-", label="plain: h = relu(F(h))")
ax.semilogy(range(1, DEPTH + 1), residual, "s-", label="residual: h = relu(F(h) + h)")
ax.set_xticks(range(1, DEPTH + 1, 2))
ax.set(xlabel="block (1 = nearest the input)", ylabel="gradient norm (log scale)",
       title=f"{DEPTH} blocks at initialisation: gradient reaching each block")
ax.legend()

# %%
# The block, with both paths made visible
# ---------------------------------------
# Article 000's block (``cnnatlas.ResidualBlock``): conv-BN-ReLU-conv-BN on the main path, the identity or
# a 1x1 convolution on the shortcut, then the add and a ReLU. The article prints shapes inside
# ``forward``; computing the two paths separately shows the same shapes and lets us draw each path's
# output. Input: 64 feature maps of a real photo (a fixed random 7x7 convolution of the astronaut,
# then ReLU), shaped (4, 64, 32, 32) like the article's. Signed maps are drawn blue-white-red (white at
# zero), maps that cannot be negative in viridis.
torch.manual_seed(0)
photo = cnnatlas.load_photo("astronaut").float().div(255)
images = torch.stack([F.interpolate(photo[None], size=(32, 32), mode="area")[0]] * 4)
stem = nn.Conv2d(3, 64, 7, padding=3)
with torch.no_grad():
    x = F.relu(stem(images))


def both_paths(block, x):
    residual = block.shortcut(x)
    out = F.relu(block.bn1(block.conv1(x)))
    out = block.bn2(block.conv2(out))
    return out, residual, F.relu(out + residual)


for stride, width in ((1, 64), (2, 128)):
    block = cnnatlas.ResidualBlock(64, width, stride=stride).eval()
    with torch.no_grad():
        main, shortcut, total = both_paths(block, x)
    assert torch.allclose(total, block(x).detach(), atol=1e-6) and main.shape == shortcut.shape == total.shape
    print(f"stride {stride}: input {tuple(x.shape)} | shortcut {'identity' if len(block.shortcut) == 0 else '1x1 conv + BN'} "
          f"{tuple(shortcut.shape)} | main path {tuple(main.shape)} | after add + ReLU {tuple(total.shape)}")
    fig, axes = plt.subplots(1, 4, figsize=cnnatlas.style.grid_figsize(1, 4, extra=0.9), layout="constrained")
    for ax, (name, t) in zip(axes, [("input x", x), ("main path F(x)", main), ("shortcut s", shortcut),
                                    ("relu(F(x) + s)", total)], strict=True):
        m = t[0, 0].detach()
        limit = float(m.abs().max()) or 1.0
        signed = bool(m.min() < 0)
        scale = cnnatlas.style.diverging_scale(m) if signed else {"cmap": cnnatlas.style.SEQUENTIAL, "vmin": 0, "vmax": limit}
        ax.imshow(m.numpy(), **scale)
        ax.set_title(f"{name}\n{tuple(t.shape[1:])}")
        ax.set_axis_off()
    fig.suptitle(f"ResidualBlock(64, {width}, stride={stride}), channel 0")

# %%
# The block traced: the add is recorded with its two inputs, one of them from the shortcut branch.
block = cnnatlas.ResidualBlock(64, 128, stride=2)
t = cnnatlas.trace(block, x)
print(t.table())
add = next(r for r in t.records if r.layer_type == "add")
assert len(add.inputs_from) == 2 and t.records[add.inputs_from[1]].name.startswith("shortcut")
cnnatlas.tensor_flow_diagram(t, title="ResidualBlock(64, 128, stride=2)")

# %%
# BatchNorm: batch statistics in training, running statistics in evaluation
# --------------------------------------------------------------------------
# ``BatchNorm2d`` normalises each channel: ``(x - mean) / sqrt(var + eps)``, then scales by a learned
# gamma and shifts by a learned beta. In train mode mean and var are those of the current batch (over N,
# H and W), and a running average of them is updated; in eval mode the running averages are used and
# nothing is updated. So the same input gives different outputs in the two modes: forgetting
# ``model.eval()`` at test time changes what the model computes.
torch.manual_seed(0)
bn = nn.BatchNorm2d(4)
batch = 3 + 2 * torch.randn(8, 4, 6, 6)  # per-channel mean about 3, std about 2
before = bn.running_mean.clone()
bn.eval()
with torch.no_grad():
    out_eval = bn(batch)
assert torch.equal(bn.running_mean, before), "eval mode must not update the running statistics"
bn.train()
with torch.no_grad():
    out_train = bn(batch)
batch_mean = batch.mean(dim=(0, 2, 3))
expected = (1 - bn.momentum) * before + bn.momentum * batch_mean
print(f"train mode: output mean {float(out_train.mean()):+.3f}, std {float(out_train.std()):.3f} (batch statistics)")
print(f"eval mode:  output mean {float(out_eval.mean()):+.3f}, std {float(out_eval.std()):.3f} "
      f"(running statistics, still at their start: mean 0, var 1)")
print(f"running mean after one train-mode batch: {[round(v, 3) for v in bn.running_mean.tolist()]} "
      f"= 0.9 x old + 0.1 x batch mean")
assert not torch.allclose(out_train, out_eval, atol=1e-2)
assert abs(float(out_train.mean())) < 1e-5 and abs(float(out_train.std()) - 1) < 0.02
assert torch.allclose(bn.running_mean, expected, atol=1e-6) and not torch.equal(bn.running_mean, before)

# %%
# Why the convolution before BatchNorm has no bias: a bias adds a constant to each channel, and
# BatchNorm subtracts the channel's mean, which removes that constant again (beta plays its role).
# Checked: adding a constant per channel to a convolution's output leaves BatchNorm's train-mode output
# unchanged, and torchvision's resnet18 builds every convolution with ``bias=False``.
torch.manual_seed(0)
conv, bn = nn.Conv2d(3, 4, 3, bias=False), nn.BatchNorm2d(4).train()
y = conv(torch.rand(8, 3, 10, 10)).detach()
constant = torch.tensor([5.0, -2.0, 0.5, 100.0]).view(1, 4, 1, 1)
with torch.no_grad():
    unchanged = torch.allclose(bn(y), bn(y + constant), atol=1e-4)
print(f"BN(conv(x)) equals BN(conv(x) + bias): {unchanged}")
assert unchanged
resnet = torchvision.models.resnet18(weights=None)
resnet_convs = [m for m in resnet.modules() if isinstance(m, nn.Conv2d)]
assert all(m.bias is None for m in resnet_convs)
print(f"resnet18: {len(resnet_convs)} convolutions, none with a bias; biases would add "
      f"{sum(m.out_channels for m in resnet_convs):,} parameters that BatchNorm cancels")

# %%
# The 1x1 projection shortcut
# ---------------------------
# The identity shortcut needs ``F(x)`` and ``x`` to have the same shape. The first block of layer2 halves
# the size (stride 2) and doubles the channels (64 to 128), so its shortcut is a 1x1 convolution with
# stride 2 (then BatchNorm): it samples every other position and mixes the 64 channels into 128, with no
# spatial kernel. The page uses torchvision's resnet18 with its random initialisation: shapes, receptive
# fields and parameter counts do not depend on trained weights.
entry = resnet.layer2[0]
projection = entry.downsample[0]
x56 = torch.zeros(1, 64, 56, 56)
with torch.no_grad():
    main_out = entry.bn2(entry.conv2(entry.relu(entry.bn1(entry.conv1(x56)))))
    short_out = entry.downsample(x56)
print(f"layer2[0]: input {tuple(x56.shape)}, main path {tuple(main_out.shape)}, shortcut {tuple(short_out.shape)} "
      f"via Conv2d({projection.in_channels}, {projection.out_channels}, kernel {projection.kernel_size}, "
      f"stride {projection.stride}): {projection.weight.numel():,} weights")
assert projection.kernel_size == (1, 1) and projection.stride == (2, 2) and projection.bias is None
assert tuple(main_out.shape) == tuple(short_out.shape) == (1, 128, 28, 28) != tuple(x56.shape)
assert isinstance(entry.downsample[1], nn.BatchNorm2d) and resnet.layer1[0].downsample is None

# %%
# resnet18, stage by stage
# ------------------------
# Shapes for one 224x224 image after each stage (after its last add and ReLU), and the receptive field
# there, following the real graph: at each add the shortcut's field is merged with the main path's.
image = F.interpolate(photo[None], size=(224, 224), mode="area")
trace = cnnatlas.trace(resnet, image)
fields = cnnatlas.receptive_fields(resnet, (1, 3, 224, 224))
adds = [f for f in fields if f.op == "add"]
stage_fields = {"stem (conv1 + maxpool)": next(f for f in fields if f.name == "maxpool")}
stage_fields.update({f"layer{i + 1}": adds[2 * i + 1] for i in range(4)})  # two blocks, so two adds, a stage
trace_adds = [r for r in trace.records if r.layer_type == "add"]
stage_shapes = [next(r for r in trace.records if r.name == "maxpool").output_shape]
stage_shapes += [trace_adds[2 * i + 1].output_shape for i in range(4)]
for (name, f), shape in zip(stage_fields.items(), stage_shapes, strict=True):
    print(f"{name:22s} output {str(shape):18s} receptive field {f.size[0]}x{f.size[1]} px, jump {f.jump[0]}")
print(f"total: {trace.total_params:,} parameters, {trace.total_macs / 1e9:.2f} GMACs for one 224x224 image")
assert [s[2] for s in stage_shapes] == [56, 56, 28, 14, 7] and [s[1] for s in stage_shapes] == [64, 64, 128, 256, 512]

# %%
# The whole graph: the shortcut branches (1x1 downsampling convolutions) run on their own lane and
# rejoin at each add; hover a box for its shapes, parameters and MACs.
cnnatlas.tensor_flow_diagram(trace, title="resnet18: tensor flow")

# %%
# The receptive field along the main path
# ---------------------------------------
# Following only the main branch (the stem's convolution and pooling, then each block's two 3x3
# convolutions in order), each layer adds to what the one before saw, so the field never shrinks. The
# 1x1 shortcut convolutions add nothing to the field (a 1x1 kernel sees one position): they are drawn
# apart, at the block they skip.
main_path = [f for f in fields if f.op in ("Conv2d", "MaxPool2d") and "downsample" not in f.name]
shortcuts = [f for f in fields if "downsample" in f.name and f.op == "Conv2d"]
sizes = [f.size[0] for f in main_path]
assert all(a <= b for a, b in pairwise(sizes)), sizes
for f in shortcuts:  # a shortcut's field is the field of the block's input: the entry just before its conv1
    block_input = fields[next(i for i, g in enumerate(fields) if g.name == f.name.split(".downsample")[0] + ".conv1") - 1]
    assert f.size == block_input.size, (f, block_input)
first_over = next(f for f in main_path if f.size[0] > 224)
end_layer3 = stage_fields["layer3"]
print(f"The receptive field is {end_layer3.size[0]} px at the end of layer3 and first exceeds the 224-pixel "
      f"image at {first_over.name} ({first_over.size[0]} px); at the last convolution it is {sizes[-1]} px.")
assert end_layer3.size[0] <= 224 < first_over.size[0]
fig, ax = plt.subplots(figsize=(cnnatlas.style.WIDTH, 4.2), layout="constrained")
ax.plot(range(len(main_path)), sizes, ".-", label="main path (conv and pooling, in order)")
for f in shortcuts:
    block = f.name.split(".downsample")[0]
    position = next(i for i, m in enumerate(main_path) if m.name == block + ".conv2")
    ax.plot(position, f.size[0], "x", color="C3", ms=9,
            label="1x1 shortcut convolution (at the block it skips)" if f is shortcuts[0] else None)
ax.axhline(224, color="gray", ls="--", label="image size (224)")
ax.annotate(first_over.name, (main_path.index(first_over), first_over.size[0]), textcoords="offset points",
            xytext=(-90, 10), arrowprops={"arrowstyle": "->"})
ticks = [i for i, m in enumerate(main_path) if m.name.endswith("0.conv1") or i == 0]  # each stage's start
ax.set_xticks(ticks, [main_path[i].name.replace(".0.conv1", "") for i in ticks], rotation=45)
ax.set_xlabel("main path, in order (ticks: where each stage starts)")
ax.set(ylabel="receptive field (px)", title="resnet18: receptive field along the main path")
ax.legend()

# %%
# Global average pooling: any input size
# --------------------------------------
# After layer4, resnet18 averages each of its 512 maps over all positions (``AdaptiveAvgPool2d(1)``):
# 7x7x512 becomes 512 numbers, whatever the height and width were, so the final linear layer always
# gets 512 inputs. That is why the network accepts other image sizes; and the linear layer is small
# (VGG16's first linear layer reads 7x7x512 = 25,088 numbers instead).
by_name = {r.name: r for r in trace.records}
print(f"layer4 {trace_adds[-1].output_shape} -> avgpool {by_name['avgpool'].output_shape} -> flatten "
      f"{by_name['flatten'].output_shape} -> fc {by_name['fc'].output_shape} ({by_name['fc'].params:,} parameters)")
assert trace_adds[-1].output_shape == (1, 512, 7, 7) and by_name["flatten"].output_shape == (1, 512)
assert by_name["fc"].params == 512 * 1000 + 1000
for side in (160, 256):
    other = cnnatlas.trace(resnet, torch.zeros(1, 3, side, side))
    last_map = [r for r in other.records if r.layer_type == "add"][-1].output_shape
    logits = other.records[-1].output_shape
    print(f"{side}x{side} input: layer4 {last_map}, logits {logits}")
    assert last_map == (1, 512, side // 32, side // 32) and logits == (1, 1000)
