"""
Your own model: shapes, kernels, feature maps and receptive fields
==================================================================

Readers of CNN Explainer keep asking to see their own network. Change the first cell (any
``nn.Module`` and any input) and run the script: it traces the model, draws its shape flow, its first
kernels, the feature maps of a real photo and the receptive fields of its layers, and says clearly
when the model and the input do not fit.
"""

# mkdocs_gallery_thumbnail_number = 2
import torch
from torch import nn

import cnnatlas

# %%
# The only cell to change
# -----------------------
# A model and one input batch (N, C, H, W). Here: a small VGG-like stack on a real photo.
model = nn.Sequential(
    nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(32, 64, 3, padding=2, dilation=2), nn.ReLU(),
    nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 10),
)
image = cnnatlas.load_photo("coffee").float().div(255)  # (3, 400, 600): any real photo
x = torch.nn.functional.interpolate(image.unsqueeze(0), size=(128, 192), mode="area")  # (1, 3, 128, 192)

# %%
# Everything below works for any model and input
# ----------------------------------------------
# First the trace: every layer with its input and output shapes.
torch.manual_seed(0)
t = cnnatlas.trace(model, x)
print(t.table())
cnnatlas.plot_tensor_flow(t, title="your model: tensor flow")

# %%
# The first convolution's kernels, in colour when it reads RGB.
first_conv = next(m for m in model.modules() if isinstance(m, nn.Conv2d))
if first_conv.in_channels == 3:
    fig = cnnatlas.plot_rgb_kernels(first_conv.weight, ncols=8)
else:
    fig = cnnatlas.plot_kernels(first_conv.weight)

# %%
# Feature maps of the photo after every convolution (first 8 channels each), and all layers in the
# interactive explorer.
outputs = cnnatlas.layer_outputs(model, x)
convs = [name for name, m in model.named_modules() if isinstance(m, nn.Conv2d)]
for name in convs:
    maps = outputs[name][0, :8]
    fig = cnnatlas.plot_feature_maps(maps, ncols=8, title=f"layer {name}: {tuple(outputs[name].shape)}, first {len(maps)}")

# %%
cnnatlas.layer_explorer({f"{k}: {type(dict(model.named_modules())[k]).__name__}": v for k, v in outputs.items()},
                        title="your model", max_cells=40_000)

# %%
# Receptive fields: how much of the input one unit of each layer sees, and the gradient-measured
# field of the centre unit of the last convolution drawn on the photo.
fields = cnnatlas.receptive_fields(model, tuple(x.shape))
for f in fields:
    print(f"{f.name:4s} {f.op:18s} " + ("global (whole input)" if f.global_ else f"size {f.size}, jump {f.jump}"))
last = next(f for f in reversed(fields) if not f.global_ and f.name in convs)
centre = (outputs[last.name].shape[2] // 2, outputs[last.name].shape[3] // 2)
gradient = cnnatlas.gradient_field(model, x, last.name, centre)
fig = cnnatlas.plot_receptive_field(x[0], last, centre, gradient)

# %%
# When the model and the input do not fit
# ---------------------------------------
# A grayscale image given to an RGB model, and an HWC image, get a clear message rather than a
# traceback from inside torch:
for bad in (torch.rand(1, 1, 64, 64), torch.rand(64, 64, 3)):
    try:
        cnnatlas.trace(model, bad)
    except ValueError as error:
        print(f"ValueError: {error}")
