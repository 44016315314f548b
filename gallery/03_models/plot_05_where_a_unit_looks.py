"""
Where a unit looks: receptive fields on real images
===================================================

For chosen units of LeNet and of a VGG-style network: the input region each can see (the theoretical
receptive field, a box) and the pixels that actually move it (the magnitude of the gradient of the unit
with respect to the input), drawn on the image and measured.

**Assumes:** receptive fields, theoretical and effective ([Receptive
fields](../02_sampling/plot_02_receptive_fields.md)), the trained LeNet ([LeNet on
FashionMNIST](plot_01_lenet_fashion_mnist.md)) and the VGG-style network and its weights ([Kernels and
feature maps](plot_03_kernels_and_feature_maps.md)).
"""

# mkdocs_gallery_thumbnail_number = 2
from itertools import pairwise

import matplotlib.pyplot as plt
import torch

import cnnatlas


def inside_and_centre(field, unit, gradient):
    """Return the gradient's sum outside the theoretical box, its share inside the box's central half (by side),
    and the pixel counts of that central half and of the box (both within the image)."""
    height, width = gradient.shape
    rows, cols = torch.arange(height).view(-1, 1), torch.arange(width).view(1, -1)
    (top, bottom), (left, right) = field.box(unit)
    inside = (rows >= top) & (rows <= bottom) & (cols >= left) & (cols <= right)
    (ct, cb), (cl, cr) = [((a + b) / 2 - (b - a) / 4, (a + b) / 2 + (b - a) / 4) for a, b in field.box(unit)]
    centre = (rows >= ct) & (rows <= cb) & (cols >= cl) & (cols <= cr)
    total = float(gradient.sum())
    return float(gradient[~inside].sum()), float(gradient[centre].sum()) / total, int(centre.sum()), int(inside.sum())


# %%
# LeNet on a FashionMNIST test image
# ----------------------------------
# The LeNet of the LeNet page, trained once and cached (when that page has run, this loads its weights).
# Each layer's field follows from the kernel sizes and strides before it:
train, test = cnnatlas.load_fashion_mnist(True), cnnatlas.load_fashion_mnist(False)
lenet, result = cnnatlas.train_or_load("lenet-fashion", cnnatlas.LeNet, train, test, cnnatlas.recipes.LENET)
print(f"LeNet: {result.weights_source}, test accuracy {result.test_accuracy:.4f}")
x = result.normalization(test.images[:1]).to(cnnatlas.best_device())
fields = {f.name: f for f in cnnatlas.receptive_fields(lenet, tuple(x.shape))}
for name in ("0", "2", "3", "5"):
    f = fields[name]
    print(f"layer {name} ({f.op}): field {f.size[0]}x{f.size[1]}, jump {f.jump[0]}, first centre {f.start[0]}")
conv2, pool2 = fields["3"], fields["5"]
print(f"A unit of conv2 sees a {conv2.size[0]}x{conv2.size[1]} region of the {x.shape[2]}x{x.shape[3]} image; "
      f"after the second pooling, {pool2.size[0]}x{pool2.size[1]}.")
assert [fields[n].size[0] for n in ("0", "2", "3", "5")] == sorted({fields[n].size[0] for n in ("0", "2", "3", "5")})
assert pool2.size[0] < x.shape[2]

# %%
# One unit of conv2 (before its ReLU), the (5, 5) of its 10x10 map. Two claims to check on the picture:
# no pixel outside the box can move the unit (the gradient there is exactly zero), and inside the box the
# gradient gathers towards the centre, which more paths through the network reach.
unit = (5, 5)
gradient = cnnatlas.gradient_field(lenet, x, "3", unit).cpu()
outside, share_centre, centre_pixels, box_pixels = inside_and_centre(conv2, unit, gradient)
print(f"gradient outside the box: {outside}; inside its central half ({centre_pixels} of {box_pixels} pixels, "
      f"{centre_pixels / box_pixels:.0%} of the area): {share_centre:.0%}, a concentration of "
      f"{share_centre / (centre_pixels / box_pixels):.1f} (1 would be uniform)")
assert outside == 0 and share_centre > 1.5 * centre_pixels / box_pixels
fig = cnnatlas.receptive_field_figure(test.images[0], conv2, unit, gradient)

# %%
# A VGG-style network on a photograph
# -----------------------------------
# Pretrained VGG16 when available, else the VGG-style network trained on CIFAR-10 (as on the kernels
# page); the line below says which. We take the unit after the ReLU of the second convolution, of the
# middle one and of the last one, a little right of the centre of its map. Units deeper in the network
# see more of the photo, and inside its box each unit's gradient gathers in the middle (concentration: the
# share of the gradient in the box's central half, divided by that half's share of the box's pixels; 1
# would be uniform). Whether it gathers more strongly with depth depends on the weights: the last line
# below says it for the weights shown.
loaded = cnnatlas.load_imagenet_model("vgg16")
if loaded.pretrained:
    features, shown, prepare = loaded.model.features, f"VGG16, {loaded.source}", loaded.normalization
else:
    cifar_train, cifar_test = cnnatlas.load_cifar10(True), cnnatlas.load_cifar10(False)
    vgg, vgg_result = cnnatlas.train_or_load("vgg-style-cifar10", cnnatlas.VGGStyleNet, cifar_train, cifar_test,
                                             cnnatlas.recipes.VGG_STYLE)
    features = vgg.features
    shown = (f"FALLBACK VGG-style network trained on CIFAR-10 ({vgg_result.weights_source}, "
             f"test accuracy {vgg_result.test_accuracy:.4f})")
    prepare = vgg_result.normalization
print(f"WEIGHTS SHOWN: {shown}")
photo = cnnatlas.load_photo("chelsea")
photo = torch.nn.functional.interpolate(photo[None].float(), size=(160, 240), mode="area")[0].to(torch.uint8)
x = prepare(photo[None]).to(cnnatlas.best_device())
vgg_fields = {f.name: f for f in cnnatlas.receptive_fields(features, tuple(x.shape))}
names = [n for n, _ in features.named_modules()][1:]
relus = [names[names.index(c) + 1] for c, m in features.named_modules() if isinstance(m, torch.nn.Conv2d)]
chosen = (relus[1], relus[len(relus) // 2], relus[-1])
assert all(isinstance(dict(features.named_modules())[n], torch.nn.ReLU) for n in chosen)
sizes = [vgg_fields[n].size[0] for n in chosen]
assert sizes == sorted(set(sizes)), sizes
concentration = []
fig, axes = plt.subplots(1, 3, figsize=(cnnatlas.style.WIDTH, 2.4), layout="constrained")
for ax, layer in zip(axes, chosen, strict=True):
    out = cnnatlas.layer_outputs(features, x, [layer])[layer]
    unit = (out.shape[2] // 2, out.shape[3] // 2 + out.shape[3] // 6)
    grad = cnnatlas.gradient_field(features, x, layer, unit).cpu()
    outside, share_centre, centre_pixels, box_pixels = inside_and_centre(vgg_fields[layer], unit, grad)
    print(f"features[{layer}] (ReLU) unit {unit}: field {vgg_fields[layer].size[0]}x{vgg_fields[layer].size[1]}, "
          f"gradient outside the box {outside}, in its central half {share_centre:.0%} "
          f"({centre_pixels / box_pixels:.0%} of the box's pixels inside the image): concentration "
          f"{share_centre / (centre_pixels / box_pixels):.1f}")
    assert outside == 0
    concentration.append(share_centre / (centre_pixels / box_pixels))
    cnnatlas.receptive_field_figure(photo, vgg_fields[layer], unit, grad, ax=ax)
assert all(c > 1 for c in concentration), concentration
rising = all(a < b for a, b in pairwise(concentration))
print("Concentration " + " -> ".join(f"{c:.1f}" for c in concentration) + ": "
      + ("it rises with depth." if rising else "it does not rise steadily with depth for these weights."))
if not loaded.pretrained:  # the trained fallback: checked on every offline build
    assert rising and concentration[-1] > 1.5, concentration
