"""
LeNet on FashionMNIST, layer by layer
=====================================

Train the LeNet of reference article 003 on the real FashionMNIST images, then follow one test image
through every layer: the six maps of the first convolution, every later stage, an interactive view of
every layer's output, and the article's observations checked with numbers.
"""

# mkdocs_gallery_thumbnail_number = 2
import matplotlib.pyplot as plt
import torch

import cnnatlas

# %%
# The data
# --------
# FashionMNIST: 60,000 training and 10,000 test images of clothing, 28x28 pixels, one channel.
# ``cnnatlas.load_fashion_mnist`` returns them as uint8 tensors of shape (N, C, H, W), decoded once.
train = cnnatlas.load_fashion_mnist(train=True)
test = cnnatlas.load_fashion_mnist(train=False)
print(f"train {tuple(train.images.shape)} {train.images.dtype}, test {tuple(test.images.shape)}")
print(f"source: {train.source}")

# %%
# The model
# ---------
# Exactly the article's LeNet: two 5x5 convolutions, each followed by ReLU and 2x2 average pooling,
# then three linear layers. It is an ``nn.Sequential``, so ``model[0]`` is the first convolution.
print(cnnatlas.LeNet())

# %%
# Training
# --------
# The article trains 20 epochs of plain SGD (lr 0.05, batch 512) and reaches about 0.82 test accuracy.
# The same layers and initialisation with AdamW, a one-cycle schedule and inputs standardised with the
# training set's own mean and std do better in half the epochs. Training runs on the best device
# present (CUDA, then MPS, then CPU); the weights are cached, so a rebuild reuses them.
model, result = cnnatlas.train_or_load("lenet-fashion", cnnatlas.LeNet, train, test, cnnatlas.recipes.LENET)
print(result.summary())
print(f"device: {result.device_name} | torch {result.torch_version} | "
      f"training {result.wall_seconds:.1f} s | {result.images_per_second:,.0f} images/s | "
      f"test accuracy {result.test_accuracy:.4f}")
fig = cnnatlas.plot_history(result)

# %%
# One real test image
# -------------------
# The first test image, normalised exactly as during training, as a batch of one: shape (1, 1, 28, 28).
image, label = test.images[:1], int(test.labels[0])
x = result.normalization(image).to(cnnatlas.best_device())
print(f"x: {tuple(x.shape)}, label: {test.classes[label]}")

# %%
# What the first convolution sees
# -------------------------------
# A forward hook records the output of ``model[0]`` during one forward pass. The hook is removed in a
# ``finally`` block, so that it cannot outlive an error.
saved = {}


def save_output(module, inputs, output):
    saved["conv1"] = output.detach().cpu()


handle = model[0].register_forward_hook(save_output)
try:
    with torch.no_grad():
        logits = model(x)
finally:
    handle.remove()

print(f"conv1 output: {tuple(saved['conv1'].shape)}; prediction: {test.classes[int(logits.argmax())]}")
fig, (left, right) = plt.subplots(1, 2, figsize=(5, 2.5), layout="constrained")
left.imshow(image[0, 0].numpy(), cmap="gray")
left.set_title(f"input: {test.classes[label]}")
right.bar(range(10), torch.softmax(logits[0].cpu(), 0).numpy())
right.set_xticks(range(10), [c.split("/")[0][:7] for c in test.classes], rotation=90, fontsize=7)
right.set_title("predicted probabilities")
left.set_axis_off()

# %%
# The six feature maps of conv1, each with its own colour range. Edges and the garment's outline
# appear in different maps: each 5x5 kernel responds to a different pattern.
fig = cnnatlas.plot_feature_maps(saved["conv1"], ncols=6, title="conv1: 6 maps of 28x28")

# %%
# Where the model errs
# --------------------
# The confusion matrix on all 10,000 test images: shirts, T-shirts, pullovers and coats get mixed up,
# trousers and bags almost never.
_, _, predicted = cnnatlas.evaluate(model, test, result.normalization)
matrix = cnnatlas.confusion_matrix(test.labels, predicted, 10)
fig = cnnatlas.plot_confusion(matrix, test.classes)
for name, acc in zip(test.classes, cnnatlas.per_class_accuracy(matrix).tolist(), strict=True):
    print(f"{name:12s} {acc:.3f}")

# %%
# Every stage, as in the article
# ------------------------------
# The article prints layers 1 to 6 (conv1, ReLU, pool, conv2, ReLU, pool). ``model[:l]`` runs the first
# ``l`` layers, exactly like the article's ``cnn_net``.
stages = {}
with torch.no_grad():
    for depth in range(1, 7):
        stages[depth] = model[:depth](x).cpu()[0]
        print(f"layer {depth}: {type(model[depth - 1]).__name__:10s} output shape {tuple(stages[depth].shape)}")
fig = cnnatlas.plot_feature_maps(stages[3], ncols=6, title="layers 1-3: conv1 -> ReLU -> AvgPool, 6 maps of 14x14")
fig = cnnatlas.plot_feature_maps(stages[6], ncols=8, title="layers 4-6: conv2 -> ReLU -> AvgPool, 16 maps of 5x5")

# %%
# The article's observations, checked
# -----------------------------------
# *"After average pooling, little changes."* Compare each ReLU map with its pooled version scaled back
# up: a correlation near 1 means the pooling kept the picture.
up = torch.nn.functional.interpolate(stages[3].unsqueeze(0), scale_factor=2, mode="nearest")[0]
pool_corr = [float(torch.corrcoef(torch.stack([stages[2][c].flatten(), up[c].flatten()]))[0, 1]) for c in range(6)]
print("correlation ReLU map vs pooled map, per channel:", [round(v, 3) for v in pool_corr])

# %%
# *"Deeper maps get more abstract: after conv2 still vaguely recognisable, after ReLU and pooling hardly."*
# One measure of "recognisable": the best correlation between any channel (resized to 28x28) and the
# input image. It should fall with depth.
image_flat = x[0, 0].cpu().flatten()
resemblance = {}
for depth, maps in stages.items():
    resized = torch.nn.functional.interpolate(maps.unsqueeze(0), size=(28, 28), mode="bilinear", align_corners=False)[0]
    corr = [abs(float(torch.nan_to_num(torch.corrcoef(torch.stack([m.flatten(), image_flat]))[0, 1]))) for m in resized]
    resemblance[depth] = max(corr)
    print(f"layer {depth} ({type(model[depth - 1]).__name__}): best |correlation| with the input {max(corr):.3f}")
holds = resemblance[1] > resemblance[4] > 0 and resemblance[3] >= resemblance[6]
print("observation holds for this image:" if holds else "observation does NOT hold for this image:",
      f"{resemblance[1]:.2f} (conv1) vs {resemblance[4]:.2f} (conv2) vs {resemblance[6]:.2f} (conv2 pooled)")
fig, ax = plt.subplots(figsize=(5, 2.6), layout="constrained")
ax.plot(list(resemblance), list(resemblance.values()), "o-")
ax.set(xlabel="layer", ylabel="best |corr| with input", title="how much the maps still look like the image")
ax.set_xticks(list(resemblance), [type(model[d - 1]).__name__ for d in resemblance], fontsize=8)

# %%
# Every layer, interactively
# --------------------------
# ``cnnatlas.layer_outputs`` hooks every layer at once. Move the slider to walk through the network:
# the maps shrink (28 -> 14 -> 10 -> 5) while the channels grow (1 -> 6 -> 16), then the flattened
# 400 features become 120, 84 and finally the 10 class scores.
outputs = cnnatlas.layer_outputs(model, x)
names = {str(i): f"{i}: {type(layer).__name__}" for i, layer in enumerate(model)}
cnnatlas.layer_explorer({names[k]: v.cpu() for k, v in outputs.items()}, title="LeNet")

# %%
# One channel at a time
# ---------------------
# Choose a layer in the drop-down, then a channel with the slider: each map at full size, with its own
# colour scale and its raw values on hover.
cnnatlas.channel_explorer({names[k]: v.cpu() for k, v in outputs.items()}, title="LeNet")
