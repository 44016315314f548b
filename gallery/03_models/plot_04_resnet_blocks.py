"""
ResNet: residual blocks and the whole flow
==========================================

Article 000's residual block at stride 1 and stride 2: the main path, the shortcut and their sum, each
with its shape, on a real image's features. Then torchvision's resnet18 stage by stage, with shapes and
receptive fields, and its graph with the shortcuts visible.
"""

# mkdocs_gallery_thumbnail_number = 1
import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F

import cnnatlas

# %%
# The block, with both paths made visible
# ---------------------------------------
# The article prints shapes inside ``forward``. Computing the two paths separately shows the same
# shapes and lets us draw each path's output. Input: 64 feature maps of a real photo (a fixed random
# 7x7 convolution of the astronaut), shaped (4, 64, 32, 32) like the article's.
torch.manual_seed(0)
photo = cnnatlas.load_photo("astronaut").float().div(255)
images = torch.stack([F.interpolate(photo[None], size=(32, 32), mode="area")[0]] * 4)
stem = torch.nn.Conv2d(3, 64, 7, padding=3)
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
        assert torch.allclose(total, block(x), atol=1e-6)
    print(f"stride {stride}: input {tuple(x.shape)} | shortcut {'identity' if len(block.shortcut) == 0 else '1x1 conv + BN'} "
          f"{tuple(shortcut.shape)} | main path {tuple(main.shape)} | after add + ReLU {tuple(total.shape)}")
    fig, axes = plt.subplots(1, 4, figsize=(11, 3), layout="constrained")
    for ax, (name, t) in zip(axes, [("input x[0, 0]", x), ("main path", main), ("shortcut", shortcut), ("relu(main + shortcut)", total)], strict=True):
        ax.imshow(t[0, 0].numpy())
        ax.set_title(f"{name}\n{tuple(t.shape[1:])}", fontsize=9)
        ax.set_axis_off()
    fig.suptitle(f"ResidualBlock(64, {width}, stride={stride})", fontsize=10)

# %%
# The block traced: the add is recorded with its two inputs, one of them from the shortcut branch.
block = cnnatlas.ResidualBlock(64, 128, stride=2)
t = cnnatlas.trace(block, x)
print(t.table())
cnnatlas.plot_tensor_flow(t, title="ResidualBlock(64, 128, stride=2)")

# %%
# resnet18, stage by stage
# ------------------------
# Shapes for one 224x224 image, and the receptive field of each stage's output (following the real
# graph: at each add the shortcut's field is merged with the main path's).
loaded = cnnatlas.load_imagenet_model("resnet18")
resnet = loaded.model
print(f"weights: {loaded.source}")
image = F.interpolate(photo[None], size=(224, 224), mode="area")
trace = cnnatlas.trace(resnet, image)
fields = {f.name: f for f in cnnatlas.receptive_fields(resnet, (1, 3, 224, 224))}
stage_ends = ["relu", "maxpool", "layer1.1.bn2", "layer2.1.bn2", "layer3.1.bn2", "layer4.1.bn2"]
by_name = {r.name: r for r in trace.records}
for name in stage_ends:
    f = fields[name]
    print(f"{name:14s} output {by_name[name].output_shape}  receptive field {f.size[0]}x{f.size[1]} px, jump {f.jump[0]}")
print(f"total: {trace.total_params:,} parameters, {trace.total_macs / 1e9:.2f} GMACs for one 224x224 image")

# %%
# The whole graph: the shortcut branches (1x1 downsampling convolutions) run on their own lane and
# rejoin at each add. Drag to pan along the network; hover for shapes.
cnnatlas.plot_tensor_flow(trace, title="resnet18: tensor flow", height=420)

# %%
# Receptive field against depth: it passes the 224-pixel image in layer3, long before the classifier.
spatial = [f for f in cnnatlas.receptive_fields(resnet, (1, 3, 224, 224)) if not f.global_]
fig, ax = plt.subplots(figsize=(7, 3), layout="constrained")
ax.plot([f.size[0] for f in spatial], ".-")
ax.axhline(224, color="gray", ls="--", label="image size")
ax.set(xlabel="layer (graph order)", ylabel="receptive field (px)", title="resnet18")
ax.legend()
