"""
Where a unit looks: receptive fields on real images
===================================================

For chosen units of LeNet and of a VGG-style network, the input region they can see (the theoretical
receptive field, a box) and the pixels that actually move them (the gradient of the unit with respect
to the input), drawn on the image.
"""

# mkdocs_gallery_thumbnail_number = 2
import torch

import cnnatlas

# %%
# LeNet on a FashionMNIST test image
# ----------------------------------
# The trained LeNet from the LeNet page (same cache, so nothing retrains). A unit of conv2 sees a 14x14
# region of the 28x28 image; after the second pooling, 16x16.
train, test = cnnatlas.load_fashion_mnist(True), cnnatlas.load_fashion_mnist(False)
lenet, result = cnnatlas.train_or_load("lenet-fashion", cnnatlas.LeNet, train, test, cnnatlas.recipes.LENET)
print(result.summary())
x = result.normalization(test.images[:1]).to(cnnatlas.best_device())
fields = {f.name: f for f in cnnatlas.receptive_fields(lenet, tuple(x.shape))}
for name in ("0", "2", "3", "5"):
    f = fields[name]
    print(f"layer {name} ({f.op}): field {f.size[0]}x{f.size[1]}, jump {f.jump[0]}, first centre {f.start[0]}")

# %%
unit = (5, 5)
gradient = cnnatlas.gradient_field(lenet, x, "3", unit).cpu()
fig = cnnatlas.plot_receptive_field(test.images[0], fields["3"], unit, gradient)

# %%
# A VGG-style network on a photograph
# -----------------------------------
# Pretrained VGG16 when available, else the VGG-style network trained on CIFAR-10 (as on the kernels
# page); the line below says which. Units deeper in the network see more of the photo.
loaded = cnnatlas.load_imagenet_model("vgg16")
if loaded.pretrained:
    features, shown, prepare = loaded.model.features, f"VGG16, {loaded.source}", loaded.normalization
else:
    cifar_train, cifar_test = cnnatlas.load_cifar10(True), cnnatlas.load_cifar10(False)
    vgg, vgg_result = cnnatlas.train_or_load("vgg-style-cifar10", cnnatlas.VGGStyleNet, cifar_train, cifar_test,
                                             cnnatlas.recipes.VGG_STYLE)
    features, shown = vgg.features, f"FALLBACK VGG-style network trained on CIFAR-10 ({vgg_result.summary()})"
    prepare = vgg_result.normalization
print(f"WEIGHTS SHOWN: {shown}")
photo = cnnatlas.load_photo("chelsea")
photo = torch.nn.functional.interpolate(photo[None].float(), size=(160, 240), mode="area")[0].to(torch.uint8)
x = prepare(photo[None]).to(cnnatlas.best_device())
vgg_fields = {f.name: f for f in cnnatlas.receptive_fields(features, tuple(x.shape))}
convs = [n for n, m in features.named_modules() if isinstance(m, torch.nn.Conv2d)]
for layer in (convs[1], convs[len(convs) // 2], convs[-1]):
    out = cnnatlas.layer_outputs(features, x, [layer])[layer]
    unit = (out.shape[2] // 2, out.shape[3] // 2 + out.shape[3] // 6)
    grad = cnnatlas.gradient_field(features, x, layer, unit).cpu()
    fig = cnnatlas.plot_receptive_field(photo, vgg_fields[layer], unit, grad)
