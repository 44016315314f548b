"""
Shape flow through a CNN
========================

Follow the shape of a batch through article 000's SimpleCNN and article 004's CIFAR-10 CNN: a table of
every layer, an interactive flow diagram, and the output-size formula checked against every layer.
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

# %%
# The pool is one module used twice, so it appears twice. ``cnnatlas.trace`` records every call,
# with parameters (each tensor counted once), MACs and memory format:
print(cnnatlas.trace(model, batch).table())

# %%
# Article 004's CIFAR-10 CNN
# --------------------------
# Three 5x5 convolutions with padding 2 keep 32x32; three 2x2 max-pools halve it to 16, 8, 4; Flatten
# turns 64x4x4 into the 1024 features that ``Linear(1024, 64)`` expects.
cifar_net = cnnatlas.Cifar10Net()
t = cnnatlas.trace(cifar_net, torch.randn(1, 3, 32, 32))
print(t.table())

# %%
# The same trace as a diagram: a box per tensor, taller for larger maps, wider for more channels.
# Hover a box for its shapes, parameters and MACs; drag to pan.
cnnatlas.plot_tensor_flow(t, title="Cifar10Net: tensor flow")

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
# Where the parameters and the work are: the first Linear layer holds most of the parameters, the
# convolutions do most of the multiply-adds.
named = [r for r in t.records if r.params or r.macs]
fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3), layout="constrained")
left.barh([r.name for r in named], [r.params for r in named], color="#4c72b0")
left.set_title(f"parameters (total {t.total_params:,})", fontsize=10)
right.barh([r.name for r in named], [r.macs / 1e6 for r in named], color="#dd8452")
right.set_title(f"MACs, millions (total {t.total_macs / 1e6:.1f} M)", fontsize=10)
left.invert_yaxis(), right.invert_yaxis()
