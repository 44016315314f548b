"""
Your own model: shapes, kernels, feature maps and receptive fields
==================================================================

The pages before each looked at a network chosen for you. This one is a template for yours: change the
first cell (any ``nn.Module`` and any input) and run the script. It traces the model, draws its shape
flow, its first kernels, the feature maps of a real photo and the receptive fields of its layers, and
says clearly when the model and the input do not fit.

**Assumes:** the whole path so far. Tracing shapes ([Shape flow](../01_tensors/plot_04_shape_flow.md)),
kernels and feature maps ([Kernels and feature maps](plot_03_kernels_and_feature_maps.md)), receptive
fields ([Receptive fields](../02_sampling/plot_02_receptive_fields.md), [Where a unit
looks](plot_05_where_a_unit_looks.md)).
"""

# mkdocs_gallery_thumbnail_number = 6
import math

import matplotlib.pyplot as plt
import torch
from torch import nn

import cnnatlas

SEED = cnnatlas.build_seed()  # 0 unless $CNNATLAS_SEED says otherwise

# %%
# The only cell to change
# -----------------------
# A model and one input batch (N, C, H, W). Here: a small VGG-like stack (3x3 convolutions, ReLU, max
# pooling, a [dilated convolution](../02_sampling/plot_03_dilated_convolution.md), global average pooling
# as in [ResNet](plot_04_resnet_blocks.md)) on a real photo. It is untrained:
# load your weights here (``model.load_state_dict(...)``) to see what a trained model does.
torch.manual_seed(SEED)
model = nn.Sequential(
    nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(32, 64, 3, padding=2, dilation=2), nn.ReLU(),
    nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 10),
)
image = cnnatlas.load_photo("coffee").float().div(255)  # (3, H, W): any real photo
x = torch.nn.functional.interpolate(image.unsqueeze(0), size=(128, 192), mode="area")  # (1, 3, 128, 192)

# %%
# Everything below works for any model and input
# ----------------------------------------------
# First the trace: every layer with its input and output shapes, its parameters and multiply-adds.
t = cnnatlas.trace(model, x)
print(t.table())
assert t.records[0].input_shapes[0] == tuple(x.shape)
assert t.total_params == sum(p.numel() for p in model.parameters())
cnnatlas.tensor_flow_diagram(t, title="your model: tensor flow")

# %%
# The first convolution's kernels: as colour images when it reads RGB (each scaled to its own range),
# and always per input channel, blue negative, red positive, white zero. Untrained, they are the random
# noise of the initialisation (the kernels page measures the difference training makes).
first_conv = next(m for m in model.modules() if isinstance(m, nn.Conv2d))
if first_conv.in_channels == 3:
    fig = cnnatlas.rgb_kernels_figure(first_conv.weight, ncols=4)
fig = cnnatlas.kernels_figure(first_conv.weight, max_out=4, max_in=3)

# %%
# Feature maps of the photo after every convolution (first 8 channels each, before the ReLU, so signed:
# blue negative, white zero, red positive, each map on its own scale), and every layer in the interactive
# explorer. ``clone`` keeps each convolution's output as it was, even if a ReLU after it works in place.
convs = [name for name, m in model.named_modules() if isinstance(m, nn.Conv2d)]
conv_outputs = {}
handles = [dict(model.named_modules())[name].register_forward_hook(
    lambda module, inputs, output, name=name: conv_outputs.__setitem__(name, output.detach().clone()))
    for name in convs]
try:
    with torch.no_grad():
        model.eval()(x)
finally:
    for handle in handles:
        handle.remove()
for name in convs:
    maps = conv_outputs[name][0, :8]
    nrows = math.ceil(len(maps) / 4)
    fig, axes = plt.subplots(nrows, 4, figsize=(cnnatlas.style.WIDTH, 0.5 + nrows * (1.6 * maps.shape[1] / maps.shape[2] + 0.35)),
                             layout="constrained", squeeze=False)
    for index, ax in enumerate(axes.flat):
        ax.set_axis_off()
        if index < len(maps):
            ax.imshow(maps[index].numpy(), **cnnatlas.style.diverging_scale(maps[index]))
            ax.set_title(f"ch {index}")
    fig.suptitle(f"layer {name} ({type(dict(model.named_modules())[name]).__name__}): "
                 f"{tuple(conv_outputs[name].shape)}, first {len(maps)} maps")

# %%
outputs = cnnatlas.layer_outputs(model, x)
cnnatlas.layer_explorer({f"{k}: {type(dict(model.named_modules())[k]).__name__}": v for k, v in outputs.items()},
                        title="your model")

# %%
# Receptive fields: how much of the input one unit of each layer sees, and the gradient-measured field of
# the centre unit of the last convolution drawn on the photo. No pixel outside the theoretical box moves
# the unit: the gradient there is zero.
fields = cnnatlas.receptive_fields(model, tuple(x.shape))
for f in fields:
    print(f"{f.name:4s} {f.op:18s} " + ("global (whole input)" if f.whole_input else f"size {f.size}, jump {f.jump}"))
last = next(f for f in reversed(fields) if not f.whole_input and f.name in convs)
centre = (outputs[last.name].shape[2] // 2, outputs[last.name].shape[3] // 2)
gradient = cnnatlas.gradient_field(model, x, last.name, centre)
(top, bottom), (left, right) = last.box(centre)
rows, cols = torch.nonzero(gradient, as_tuple=True)
print(f"layer {last.name}, unit {centre}: theoretical box rows {top:g}..{bottom:g}, columns {left:g}..{right:g}; "
      f"non-zero gradient in rows {int(rows.min())}..{int(rows.max())}, columns {int(cols.min())}..{int(cols.max())}")
assert top <= rows.min() and rows.max() <= bottom and left <= cols.min() and cols.max() <= right
fig = cnnatlas.receptive_field_figure(x[0], last, centre, gradient)

# %%
# When the model and the input do not fit
# ---------------------------------------
# A grayscale image given to an RGB model, and an HWC image, get a clear message rather than a traceback
# from inside torch:
messages = []
for bad in (torch.rand(1, 1, 64, 64), torch.rand(64, 64, 3)):
    try:
        cnnatlas.trace(model, bad)
    except ValueError as error:
        messages.append((str(error), str(tuple(bad.shape))))
        print(f"ValueError: {error}")
assert len(messages) == 2 and all(shape in message for message, shape in messages)  # each names the bad shape
