"""
ResNet: residual blocks and the whole flow
==========================================

Why a residual block computes ``F(x) + x``: not to rescue vanishing gradients, which He initialisation
and BatchNorm already keep alive in a plain network, but because a deeper plain network trains worse than
a shallower one (the degradation problem, measured here on CIFAR-10) and shortcuts fix that; then article
000's block at stride 1 and 2 with both paths drawn; BatchNorm in train and eval mode and why the
convolution before it has no bias; the 1x1 projection shortcut; torchvision's resnet18 stage by stage with
its receptive field along the main path; and global average pooling, which lets it take images of other
sizes.

**Assumes:** what a convolution computes ([The convolution](../01_tensors/plot_02_convolution.md)),
shapes through a network ([Shape flow](../01_tensors/plot_04_shape_flow.md)), receptive fields
([Receptive fields](../02_sampling/plot_02_receptive_fields.md)), VGG's stacked 3x3 design ([Kernels
and feature maps](plot_03_kernels_and_feature_maps.md)) and a training loop ([LeNet on
FashionMNIST](plot_01_lenet_fashion_mnist.md)).
"""

# mkdocs_gallery_thumbnail_number = 2
import time
from itertools import pairwise

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F
import torchvision
from torch import nn

import cnnatlas

SEED = cnnatlas.build_seed()  # 0 unless $CNNATLAS_SEED says otherwise

# %%
# Residual learning: y = F(x) + x
# -------------------------------
# A plain network asks each few layers to compute the whole mapping ``h(x)``. A residual block (He et
# al., 2016, *Deep Residual Learning for Image Recognition*) computes ``F(x) + x`` instead: its layers
# learn only the change ``F`` to add to the input, and the input reaches the output unchanged through the
# shortcut. In backpropagation the block's Jacobian is ``I + dF/dx``: the gradient also flows along the
# shortcut, past the block's weights, without being multiplied by them.
#
# A common story says that shortcuts exist because gradients vanish in deep plain networks. Vanishing
# gradients were the problem of deep networks before 2015; He et al. write that initialisation scaled to
# each layer and normalisation layers had largely solved it, and motivate shortcuts with another problem
# (the next section). First, the gradients, measured: 20 blocks of conv-ReLU-conv (16 channels), run once
# plain (``h = relu(F(h))``) and, where said, once with shortcuts (``h = relu(F(h) + h)``), on one batch of
# random 16x16 inputs, with a loss whose gradient with respect to the output is one fixed random tensor;
# we read the gradient norm that reaches each block's first convolution. Four stacks:
#
# - **plain, PyTorch's default initialisation**: ``Conv2d`` draws weights with variance
#   ``1 / (3 fan_in)`` (``fan_in`` = input channels x 3 x 3). A convolution then gives its output a third
#   of its input's mean square, and the ReLU halves it: every layer divides the signal's mean square by
#   about 6, going forwards and, for the gradient, going backwards. Weights too small for the depth are
#   how deep ReLU networks lost their gradients before He initialisation (VGG's authors started their
#   deeper networks from some of a shallower network's trained layers).
# - **plain, He initialisation** (He et al., 2015, *Delving Deep into Rectifiers*): variance
#   ``2 / fan_in``, which makes the convolution double the mean square that the ReLU halves.
# - **plain, He initialisation and BatchNorm** after each convolution (Ioffe and Szegedy, 2015): each
#   channel is rescaled to mean 0 and variance 1 whatever the weights' scale.
# - **residual**: the same BatchNorm stack, same weights, with shortcuts.
torch.manual_seed(SEED)
DEPTH, WIDTH = 20, 16


def conv_stack(batchnorm):
    """DEPTH blocks of conv-ReLU-conv (with BatchNorm after each convolution if asked), PyTorch's init."""
    def conv():
        return [nn.Conv2d(WIDTH, WIDTH, 3, padding=1, bias=not batchnorm)] + ([nn.BatchNorm2d(WIDTH)] if batchnorm else [])
    return nn.ModuleList(nn.Sequential(*conv(), nn.ReLU(), *conv()) for _ in range(DEPTH))


def he_init_(blocks):
    """Re-draw every convolution's weights with He's variance 2 / fan_in; zero the biases."""
    for module in blocks.modules():
        if isinstance(module, nn.Conv2d):
            nn.init.kaiming_normal_(module.weight, nonlinearity="relu")
            if module.bias is not None:
                nn.init.zeros_(module.bias)
    return blocks


probe_input, probe_grad = torch.randn(8, WIDTH, 16, 16), torch.randn(8, WIDTH, 16, 16)


def gradient_norms(blocks, shortcut):
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


normalised = he_init_(conv_stack(batchnorm=True))
stacks = {
    "plain, PyTorch's default init": (conv_stack(batchnorm=False), False),
    "plain, He init": (he_init_(conv_stack(batchnorm=False)), False),
    "plain, He init + BatchNorm": (normalised, False),
    "residual, He init + BatchNorm": (normalised, True),
}
norms, first_ratio = {}, {}
for name, (blocks, shortcut) in stacks.items():
    norms[name], first_ratio[name] = gradient_norms(blocks, shortcut)
print(f"{'gradient norm at':31s} {'block 1':>8s} {f'block {DEPTH}':>9s} {f'block 1 / block {DEPTH}':>19s}")
for name, g in norms.items():
    print(f"{name:31s} {g[0]:8.1e} {g[-1]:9.1e} {g[0] / g[-1]:19.1e}")
    cnnatlas.observe(f"gradient norm block 1 / block {DEPTH}, {name}", g[0] / g[-1],
                     at_most=1e-6 if "default" in name else None)
assert all(len(g) == DEPTH and all(v > 0 for v in g) for g in norms.values())

# %%
# What the table says, in sentences generated from its numbers. A ratio far below 1 means the gradient
# vanishes on its way down to block 1; one far above 1, that it grows.


def travel(name):
    """How the gradient fares from the last block to the first, in words."""
    ratio = norms[name][0] / norms[name][-1]
    if ratio < 1e-3:
        return f"shrinks to {ratio:.0e} of its size: it vanishes"
    if ratio > 10:
        return f"arrives {ratio:.2g} times larger: it does not vanish, it grows"
    return f"arrives {ratio:.2g} times {'larger' if ratio > 1 else 'the size'}: it does not vanish"


for name in stacks:
    print(f"{name}: from block {DEPTH} to block 1 the gradient {travel(name)}.")
alive = [name for name in ("plain, He init", "plain, He init + BatchNorm") if "not vanish" in travel(name)]
if alive:
    print(f"So the first layers of a plain stack of {DEPTH} blocks ({2 * DEPTH} convolutions) get a gradient to "
          f"learn from with {' and with '.join(n.removeprefix('plain, ') for n in alive)}: the vanishing came "
          f"from the default initialisation, and it is not what shortcuts are needed for.")
spread = {name: max(g) / min(g) for name, g in norms.items()}
bn_plain, bn_residual = spread["plain, He init + BatchNorm"], spread["residual, He init + BatchNorm"]
print(f"With BatchNorm, the gradient norms of the {DEPTH} blocks span a factor {bn_plain:.2g} in the plain "
      f"stack and {bn_residual:.2g} with shortcuts: the shortcuts spread the gradient "
      + ("more evenly over the blocks." if bn_residual < bn_plain else "no more evenly here.")
      + " A gradient that grows towards the input is not vanishing, but not healthy either (Yang et al. 2019 "
        "link it to poor trainability); whether it causes the degradation below, this page does not test."
      + (" (That a deep plain stack with BatchNorm has gradients that grow towards the input at "
         "initialisation is a known effect: Yang et al., 2019, A Mean Field Theory of Batch Normalization.)"
         if norms["plain, He init + BatchNorm"][0] > 30 * norms["plain, He init + BatchNorm"][-1] else ""))
fig, ax = plt.subplots(figsize=(cnnatlas.style.WIDTH, 3.6), layout="constrained")
for (name, g), marker in zip(norms.items(), "os^v", strict=True):
    ax.semilogy(range(1, DEPTH + 1), g, marker + "-", label=name)
ax.set_xticks(range(1, DEPTH + 1, 2))
ax.set(xlabel="block (1 = nearest the input)", ylabel="gradient norm (log scale)",
       title=f"{DEPTH} blocks at initialisation: gradient reaching each block")
ax.legend()

# %%
# One more number from the same run: how large the change ``F(x)`` that a block adds is, next to its
# input ``x``, at initialisation. A residual block with ``|F(x)|`` much smaller than ``|x|`` starts close to
# the identity.
ratio = cnnatlas.observe("|F(x)| / |x| in block 1, He init + BatchNorm",
                         first_ratio["residual, He init + BatchNorm"])
default_ratio = first_ratio["plain, PyTorch's default init"]
print(f"|F(x)| / |x| in block 1 = {default_ratio:.2f} with PyTorch's default "
      f"initialisation, {ratio:.2f} with He initialisation and BatchNorm"
      + (": there the block starts close to the identity." if ratio < 0.5 else
         ": there the block adds a change as large as its input. torchvision's "
         "resnet18(zero_init_residual=True) starts every block at the identity instead, by setting the last "
         "BatchNorm's scale to 0."))

# %%
# The degradation problem
# -----------------------
# If gradients reach every layer of a plain network, what are shortcuts for? He et al. (2016, Figure 1)
# trained plain networks of 20 and 56 layers on CIFAR-10, both with BatchNorm and He initialisation: the
# 56-layer network had the higher *training* error, all through training (and the higher test error).
# That is not overfitting (a network that overfits fits its training images better, not worse), and not
# vanishing gradients (BatchNorm keeps them from vanishing, as measured above). In principle the deeper network could do at
# least as well as the shallower one, by copying it and making its extra layers the identity; the
# optimiser does not find such a solution. He et al. call this the *degradation problem*, and residual
# blocks their answer: with ``F(x) + x``, the identity is the easy default (``F = 0``), and their residual
# networks gained accuracy as they grew deeper.
#
# The same experiment at a size this page can afford. ``cnnatlas.DepthNet`` is a stem (3x3 convolution,
# BatchNorm, ReLU), then blocks of conv-BN-ReLU-conv-BN each followed by a ReLU, with or without the
# shortcut, then global average pooling and a linear layer; He initialisation. Three networks: 3 plain
# blocks (8 layers with weights), 15 plain blocks (32 layers), and the same 15 blocks with shortcuts (the
# same starting weights as the plain 32-layer network: only the add differs). One recipe for all three:
# 1,024 CIFAR-10 training images shrunk to 8x8 pixels (so that three trainings take seconds on a CPU), 6
# epochs in batches of 64, AdamW with a one-cycle schedule. The measure is the *training* loss, on the
# images each network is trained on. (``fit`` also scores 256 test images after each epoch; they play no
# part here.)
N_IMAGES, SIZE, EPOCHS = 1_024, 8, 6


def shrink(data, count):
    """The first ``count`` images of every class, interleaved, each averaged down to SIZE x SIZE pixels."""
    data = data.subset(count)
    small = F.interpolate(data.images.float(), size=(SIZE, SIZE), mode="area").round().to(torch.uint8)
    return cnnatlas.ImageDataset(data.name, data.split, small, data.labels, data.classes, data.source)


cifar_train = shrink(cnnatlas.load_cifar10(True), N_IMAGES)
cifar_test = shrink(cnnatlas.load_cifar10(False), 256)
recipe = cnnatlas.TrainConfig(epochs=EPOCHS, batch_size=64, lr=3e-3, schedule="onecycle", seed=SEED)
networks = {"8 layers, plain": (3, False), "32 layers, plain": (15, False), "32 layers, residual": (15, True)}
nets = {}
for name, (blocks, residual) in networks.items():
    torch.manual_seed(SEED)  # one seed for all: both 32-layer networks start from the same weights
    nets[name] = cnnatlas.DepthNet(blocks, residual=residual)
plain_start, residual_start = nets["32 layers, plain"].state_dict(), nets["32 layers, residual"].state_dict()
assert all(torch.equal(plain_start[k], residual_start[k]) for k in plain_start)
assert [net.weight_layers for net in nets.values()] == [8, 32, 32]
started = time.perf_counter()
results = {name: cnnatlas.fit(net, cifar_train, cifar_test, recipe, name=name, progress=False)
           for name, net in nets.items()}
seconds = time.perf_counter() - started
print(f"{EPOCHS} epochs on {N_IMAGES:,} images of {SIZE}x{SIZE}; the three runs took {seconds:.0f} s on "
      f"{results[name].device_name}")
print(f"{'network':20s} {'parameters':>10s}  training loss, epoch 1 to {EPOCHS}{'':13s} {'last-epoch train acc.':>21s}")
for name, result in results.items():
    parameters = sum(p.numel() for p in nets[name].parameters())
    curve = " ".join(f"{h.train_loss:.3f}" for h in result.history)
    print(f"{name:20s} {parameters:10,d}  {curve}  {result.history[-1].train_accuracy:21.3f}")

# %%
# The curves, then what they say, in sentences generated from the numbers (each epoch's training loss is
# the mean over that epoch's batches, measured while the network trains). Six epochs on small images show
# how training starts, not where it ends. He et al.'s full-length runs on CIFAR-10 (their Figure 6) are
# the reference for the end: plain networks of 20 to 56 layers reach a higher training error the deeper
# they are, while residual networks gain accuracy with depth up to 110 layers.
fig, ax = plt.subplots(figsize=(cnnatlas.style.WIDTH, 3.4), layout="constrained")
for (name, result), marker in zip(results.items(), "os^", strict=True):
    ax.plot([h.epoch for h in result.history], [h.train_loss for h in result.history], marker + "-", label=name)
ax.set(xlabel="epoch", ylabel="training loss", title=f"CIFAR-10 at {SIZE}x{SIZE}: plain and residual depth")
ax.grid(alpha=0.3)
ax.legend()
shallow, deep, residual = (results[name].history[-1].train_loss for name in networks)
cnnatlas.observe("training loss, 32 plain layers - 8 plain layers", deep - shallow)
cnnatlas.observe("training loss, 8 plain layers - 32 residual layers", shallow - residual)
print(f"After {EPOCHS} epochs the 32-layer plain network's training loss is {deep:.3f}, "
      f"{'higher' if deep > shallow else 'lower'} than the 8-layer plain network's {shallow:.3f}"
      + (": in this short run, four times the depth made the plain network fit its own training images "
         "worse, the same direction as He et al.'s degradation problem, which they saw through to the end of "
         "training (a run this short cannot show that it persists)." if deep > shallow else
         ": this run shows no degradation."))
first_epoch = {name: result.history[0].train_loss for name, result in results.items()}
print(f"The same 32 layers with shortcuts reach {residual:.3f}: "
      + ("lower than both plain networks: in this run the 32 layers with shortcuts fit their training images "
         "better than the 8 plain layers (with about five times their parameters)." if residual < min(shallow, deep) else
         "lower than the 32-layer plain network, but not than the 8-layer one." if residual < deep else
         "no better than the plain 32 layers in this run.")
      + (f" Its first epoch is the worst of the three (mean training loss {first_epoch['32 layers, residual']:.2f}, "
         "against ln 10 = 2.30 for a network that guesses evenly)." if first_epoch["32 layers, residual"] > max(
             first_epoch["8 layers, plain"], first_epoch["32 layers, plain"]) else ""))

# %%
# The block, with both paths made visible
# ---------------------------------------
# Article 000's block (``cnnatlas.ResidualBlock``): conv-BN-ReLU-conv-BN on the main path, the identity or
# a 1x1 convolution on the shortcut, then the add and a ReLU. The article prints shapes inside
# ``forward``; computing the two paths separately shows the same shapes and lets us draw each path's
# output. Input: 64 feature maps of a real photo (a fixed random 7x7 convolution of the astronaut,
# then ReLU), shaped (4, 64, 32, 32) like the article's. Signed maps are drawn blue-white-red (white at
# zero), maps that cannot be negative in viridis.
torch.manual_seed(SEED)
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
torch.manual_seed(SEED)
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
torch.manual_seed(SEED)
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
