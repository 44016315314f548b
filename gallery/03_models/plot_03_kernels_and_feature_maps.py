"""
Kernels and feature maps: from a fresh Conv2d to VGG16
======================================================

Article 002 separates the model's "eyes" (kernels) from "what it sees" (feature maps). First a fresh
``Conv2d(1, 4, 3)`` on a real photo, then VGG16's first-layer kernels as colour images and its feature
maps through a forward hook, from the first layer to deeper ones. The page says which weights it shows.
"""

# mkdocs_gallery_thumbnail_number = 3
import torch

import cnnatlas

# %%
# A fresh convolution on a real image
# -----------------------------------
# The article feeds ``torch.randn`` noise, which shows nothing. The camera man instead: four random 3x3
# kernels (blue negative, red positive, one shared scale), and what each makes of the photo.
torch.manual_seed(0)
conv_layer = torch.nn.Conv2d(in_channels=1, out_channels=4, kernel_size=3, stride=1, padding=1)
photo = cnnatlas.load_photo("camera").float().div(255)[:, ::2, ::2].unsqueeze(0)  # (1, 1, 256, 256)
with torch.no_grad():
    feature_maps = conv_layer(photo)
print(f"kernels {tuple(conv_layer.weight.shape)}, input {tuple(photo.shape)}, feature maps {tuple(feature_maps.shape)}")
fig = cnnatlas.plot_kernels(conv_layer.weight)
fig = cnnatlas.plot_feature_maps(feature_maps, ncols=4, cmap="gray", title="4 feature maps of a random Conv2d(1, 4, 3)")

# %%
# VGG16: which weights?
# ---------------------
# ImageNet weights are loaded when torch hub's cache has them or they can be downloaded. Otherwise a
# VGG-style network (the same 3x3 conv + ReLU + max-pool blocks, narrower) is trained on CIFAR-10 right
# here, and shown instead. The line below says which one this page shows.
loaded = cnnatlas.load_imagenet_model("vgg16")
if loaded.pretrained:
    model, features = loaded.model, loaded.model.features
    shown = f"torchvision VGG16 with {loaded.source}"
    normalize = loaded.normalization
else:
    train, test = cnnatlas.load_cifar10(train=True), cnnatlas.load_cifar10(train=False)
    model, result = cnnatlas.train_or_load("vgg-style-cifar10", cnnatlas.VGGStyleNet, train, test, cnnatlas.recipes.VGG_STYLE)
    features = model.features
    shown = (f"FALLBACK: VGG16's ImageNet weights are not available here ({loaded.source}); showing a "
             f"VGG-style network trained on CIFAR-10 for this page: {result.summary()}")
    normalize = result.normalization
print(f"WEIGHTS SHOWN: {shown}")

# %%
# First-layer kernels as colour images
# ------------------------------------
# The first convolution reads RGB, so each kernel is a tiny 3x3 colour image (each scaled to its own
# range): trained ones show colour blobs and oriented edges; random ones would be noise.
first = features[0]
print(f"first layer: {first}")
fig = cnnatlas.plot_rgb_kernels(first.weight, ncols=16)

# %%
# Feature maps through a forward hook
# -----------------------------------
# The article's hook, with its ``remove`` in a ``finally`` so that an error cannot leave it attached.
astronaut = cnnatlas.load_photo("astronaut").float().div(255)
image = torch.nn.functional.interpolate(astronaut.unsqueeze(0), size=(224, 224), mode="area")
x = normalize((image * 255).round().to(torch.uint8)).to(cnnatlas.best_device())
captured = {}


def hook_fn(module, inputs, output):
    captured["maps"] = output.detach().cpu()


hook = first.register_forward_hook(hook_fn)
try:
    with torch.no_grad():
        model(x)
finally:
    hook.remove()
print(f"input {tuple(x.shape)} -> first-layer feature maps {tuple(captured['maps'].shape)}")
fig = cnnatlas.plot_feature_maps(captured["maps"][0, :8], ncols=8, title="first conv layer: 8 of its maps")

# %%
# Deeper layers
# -------------
# The last convolution of each block: maps get smaller, more numerous and less like the photo.
convs = [name for name, m in features.named_modules() if isinstance(m, torch.nn.Conv2d)]
pools = [int(name) for name, m in features.named_modules() if isinstance(m, torch.nn.MaxPool2d)]
block_ends = [max(int(c) for c in convs if int(c) < p) for p in pools]
outputs = cnnatlas.layer_outputs(features, x, [str(i) for i in block_ends])
for name, maps in outputs.items():
    fig = cnnatlas.plot_feature_maps(maps[0, :8].cpu(), ncols=8, title=f"features[{name}]: {tuple(maps.shape)}, first 8 maps")

# %%
# Explore every convolution of the network: choose a layer with the slider; hover for channel and value.
all_convs = cnnatlas.layer_outputs(features, x, convs)
cnnatlas.layer_explorer({f"features[{k}]": v.cpu() for k, v in all_convs.items()}, title="VGG features", max_channels=16, max_cells=14_000)

# %%
# Or pick a layer, then one channel at a time, at full size:
cnnatlas.channel_explorer({f"features[{k}]": v.cpu() for k, v in all_convs.items()}, title="VGG features", max_channels=12, max_cells=14_000)
