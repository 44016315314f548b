"""
Shape flow through a CNN
========================

Follow the shape of a batch through article 000's SimpleCNN and article 004's CIFAR-10 CNN: a table of
every layer, an interactive flow diagram, the output-size formula checked against every layer, and where
the parameters and the work sit.

**Assumes:** tensors as (N, C, H, W) ([Tensors 101](plot_01_tensors_101.md)), what a convolution computes
([The convolution](plot_02_convolution.md)) and the modules Conv2d, MaxPool2d, Flatten and Linear with
their output-size formula ([Building blocks](plot_03_building_blocks.md)).
"""

# mkdocs_gallery_thumbnail_number = 1
import matplotlib.pyplot as plt
import torch

import cnnatlas

# %%
# Print-debugging, the article's way, and a hook-based way
# --------------------------------------------------------
# Article 000 puts ``print`` calls in ``forward``. A forward hook records the same shapes without
# touching the model, and can be removed afterwards.
model = cnnatlas.SimpleCNN()
batch = torch.randn(4, 3, 32, 32)
shapes = []
handles = [m.register_forward_hook(lambda m, i, o, name=name: shapes.append((name, tuple(o.shape))))
           for name, m in model.named_children()]
try:
    model(batch)
finally:
    for h in handles:
        h.remove()
for name, shape in shapes:
    print(f"after {name:6s}: {shape}")
assert [name for name, _ in shapes] == ["conv1", "pool", "conv2", "pool"] and shapes[-1][1] == (4, 32, 8, 8)
model(batch)
assert len(shapes) == 4, "the hooks are gone: a second forward pass records nothing"

# %%
# The pool is one module (``model.pool``) used twice in ``forward``, so it appears twice.
# ``cnnatlas.trace`` records every call with its parameters and its MACs (multiply-adds), and its
# totals count each parameter tensor once:
simple = cnnatlas.trace(model, batch)
print(simple.table())
assert [n for n, _ in model.named_children()].count("pool") == 1
assert simple.total_params == sum(p.numel() for p in model.parameters())

# %%
# Article 004's CIFAR-10 CNN
# --------------------------
# Three 5x5 convolutions with padding 2 each keep the height and width of their input; three 2x2
# max-pools halve them, 32 to 16, 8, 4; Flatten turns 64x4x4 into the 1024 features that
# ``Linear(1024, 64)`` expects.
cifar_net = cnnatlas.Cifar10Net()
t = cnnatlas.trace(cifar_net, torch.randn(1, 3, 32, 32))
print(t.table())
kinds = {"Conv2d": [], "MaxPool2d": []}
for r in t.records:
    if r.layer_type in kinds:
        kinds[r.layer_type].append((r.input_shapes[0][-1], r.output_shape[-1]))
assert len(kinds["Conv2d"]) == 3 and all(i == o for i, o in kinds["Conv2d"])
assert [o for _, o in kinds["MaxPool2d"]] == [16, 8, 4]
flatten = next(r for r in t.records if r.layer_type == "Flatten")
assert flatten.input_shapes[0] == (1, 64, 4, 4) and flatten.output_shape == (1, 1024)

# %%
# The same trace as a diagram: a box per tensor, taller for larger maps, wider for more channels.
# Hover a box for its shapes, parameters and MACs; a label beside it names the layer and its output shape.
flow = cnnatlas.tensor_flow_diagram(t, title="Cifar10Net: tensor flow")
boxes = [shape for shape in flow.layout.shapes if shape.type == "rect"][1:]  # one per record, after the input
size = {r.name: (box.x1 - box.x0, box.y1 - box.y0) for r, box in zip(t.records, boxes, strict=True)}
assert size["model1.0"][1] > size["model1.1"][1], "32x32 maps are drawn taller than 16x16 maps"
assert size["model1.4"][0] > size["model1.3"][0] and size["model1.4"][1] == size["model1.3"][1], (
    "64 channels of 8x8 are drawn wider than 32 channels of 8x8, and as tall")
flow

# %%
# The formula, checked on every layer
# -----------------------------------
# ``out = floor((in + 2*padding - dilation*(kernel - 1) - 1) / stride) + 1``. For each convolution and
# pooling layer, the size from the formula (``cnnatlas.output_shape``) against the size PyTorch produced:
layers = dict(cifar_net.named_modules())
for record in t.records:
    layer = layers.get(record.name)
    if isinstance(layer, (torch.nn.Conv2d, torch.nn.MaxPool2d)):
        predicted = cnnatlas.output_shape(layer, record.input_shapes[0])
        status = "ok" if predicted == record.output_shape else "MISMATCH"
        print(f"{record.name:10s} {type(layer).__name__:9s} {record.input_shapes[0]} -> formula {predicted}, "
              f"PyTorch {record.output_shape}: {status}")
        assert predicted == record.output_shape

# %%
# Where the parameters and the work are. The first Linear layer holds more parameters than any other
# layer, close to half of them, yet does almost none of the multiply-adds: each of its weights is used
# once per image, while a convolution's few weights are reused at every position of its output. The
# convolutions do nearly all the work.
named = [r for r in t.records if r.params or r.macs]
biggest = max(named, key=lambda r: r.params)
conv_macs = sum(r.macs for r in named if r.layer_type == "Conv2d")
print(f"{biggest.name} ({biggest.layer_type}) holds {biggest.params:,} of {t.total_params:,} parameters "
      f"({biggest.params / t.total_params:.0%}) and does {biggest.macs / t.total_macs:.1%} of the MACs; "
      f"the convolutions do {conv_macs / t.total_macs:.1%} of the MACs.")
assert biggest.layer_type == "Linear" and biggest is next(r for r in named if r.layer_type == "Linear")
assert 0.4 < biggest.params / t.total_params < 0.5 and biggest.macs / t.total_macs < 0.01
assert conv_macs / t.total_macs > 0.99
for r in named:  # MACs = weights x output positions: 1 position for a Linear layer, H x W for a convolution
    positions = r.output_shape[2] * r.output_shape[3] if r.layer_type == "Conv2d" else 1
    assert r.macs == layers[r.name].weight.numel() * positions
fig, (left, right) = plt.subplots(1, 2, figsize=(cnnatlas.style.WIDTH, 3.2), layout="constrained", sharey=True)
labels = [f"{r.name} {r.layer_type}" for r in named]
left.barh(labels, [r.params for r in named], color=cnnatlas.style.CATEGORICAL[0])
left.set_title(f"parameters\n(total {t.total_params:,})")
right.barh(labels, [r.macs / 1e6 for r in named], color=cnnatlas.style.CATEGORICAL[1])
right.set_title(f"MACs, millions\n(total {t.total_macs / 1e6:.1f} M)")
left.invert_yaxis()
