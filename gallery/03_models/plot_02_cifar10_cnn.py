"""
The CIFAR-10 CNN of article 004
===============================

Train the article's model (three 5x5 convolutions with max pooling, two linear layers) on real CIFAR-10
images, plot the loss the article only prints, measure test and per-class accuracy, look at sample
predictions and at the feature maps of each stage.
"""

# mkdocs_gallery_thumbnail_number = 3

import cnnatlas

# %%
# Data and model
# --------------
# 50,000 training and 10,000 test images of 32x32 RGB pixels in 10 classes, as uint8 tensors.
train = cnnatlas.load_cifar10(train=True)
test = cnnatlas.load_cifar10(train=False)
print(f"train {tuple(train.images.shape)}, test {tuple(test.images.shape)}; source: {train.source}")
print(cnnatlas.Cifar10Net())

# %%
# Training
# --------
# The article: plain SGD at lr 0.01, batch size 1, 10 epochs over the *test* split (``train=False``), and
# the loss printed. Here: the training split, AdamW with a one-cycle schedule, batch 128, random flips
# and crops, inputs standardised with the training set's own per-channel mean and std.
model, result = cnnatlas.train_or_load("cifar10-net", cnnatlas.Cifar10Net, train, test, cnnatlas.recipes.CIFAR10_NET)
print(result.summary())
print("per-channel mean/std computed from the training images:",
      [round(v, 4) for v in result.mean], [round(v, 4) for v in result.std])
fig = cnnatlas.plot_history(result)

# %%
# Accuracy per class
# ------------------
_, accuracy, predicted = cnnatlas.evaluate(model, test, result.normalization)
matrix = cnnatlas.confusion_matrix(test.labels, predicted, 10)
for name, acc in zip(test.classes, cnnatlas.per_class_accuracy(matrix).tolist(), strict=True):
    print(f"{name:11s} {acc:.3f}")
fig = cnnatlas.plot_confusion(matrix, test.classes)

# %%
# Sample predictions: the first 24 test images, wrong ones in red.
fig = cnnatlas.plot_predictions(test, predicted, range(24))

# %%
# Feature maps of each stage
# --------------------------
# One test image through the three conv + pool stages: 32 maps of 16x16, 32 of 8x8, 64 of 4x4.
# The model has no activation functions at all (max pooling is its only non-linearity), as in the article.
index = 3
x = result.normalization(test.images[index : index + 1]).to(cnnatlas.best_device())
stages = ["model1.1", "model1.3", "model1.5"]
outputs = cnnatlas.layer_outputs(model, x, stages)
print(f"image {index}: {test.classes[int(test.labels[index])]}, predicted {test.classes[int(predicted[index])]}")
fig = cnnatlas.plot_channels(test.images[index])
for name in stages:
    fig = cnnatlas.plot_feature_maps(outputs[name][0, :16].cpu(), ncols=8,
                                     title=f"{name}: {tuple(outputs[name].shape)}, first 16 maps")

# %%
cnnatlas.layer_explorer({k: v.cpu() for k, v in cnnatlas.layer_outputs(model, x).items()}, title="Cifar10Net")
