"""
The CIFAR-10 CNN of article 004
===============================

Article 004 builds a CIFAR-10 classifier from those modules and trains it, with two flaws it does not
mention: it trains on the test split, and it has no activation function between its layers. Here: why
each is wrong, both measured in a short experiment, then the model trained properly, its accuracy per
class, sample predictions and the feature maps of each stage.

**Assumes:** what a convolution computes ([The convolution](../01_tensors/plot_02_convolution.md)), the
modules Sequential, Conv2d, MaxPool2d, Flatten and Linear ([Building
blocks](../01_tensors/plot_03_building_blocks.md)), this model's shapes layer by layer ([Shape
flow](../01_tensors/plot_04_shape_flow.md)), max pooling
([Down-sampling](../02_sampling/plot_01_downsampling.md)) and the training loop with softmax and
cross-entropy ([LeNet on FashionMNIST](plot_01_lenet_fashion_mnist.md)).
"""

# mkdocs_gallery_thumbnail_number = 3
import time

import torch
import torch.nn.functional as F
from torch import nn

import cnnatlas

# %%
# Data and model
# --------------
# CIFAR-10: 50,000 training and 10,000 test images of 32x32 RGB pixels in 10 classes, as uint8 tensors
# of shape (N, C, H, W). The model is the article's ``Tudui``, here ``cnnatlas.Cifar10Net``: three 5x5
# convolutions (padding 2, so each keeps the height and width), each followed by 2x2 max pooling, then
# Flatten and two linear layers. ``article_net`` writes the same layers out as one ``nn.Sequential``, with
# an option to add a ReLU after each convolution and after the first Linear, for the experiment further
# down; without it, it matches ``Cifar10Net`` layer for layer (checked).
train = cnnatlas.load_cifar10(train=True)
test = cnnatlas.load_cifar10(train=False)
print(f"train {tuple(train.images.shape)}, test {tuple(test.images.shape)}, {len(train.classes)} classes; "
      f"from: {train.source}")
assert tuple(train.images.shape) == (50_000, 3, 32, 32) and tuple(test.images.shape) == (10_000, 3, 32, 32)
assert train.images.dtype == torch.uint8 and len(train.classes) == 10
print(cnnatlas.Cifar10Net())


def article_net(relu: bool) -> nn.Sequential:
    """Article 004's layers; with ``relu``, a ReLU after each convolution and after the first Linear."""
    layers = []
    for c_in, c_out in [(3, 32), (32, 32), (32, 64)]:
        layers += [nn.Conv2d(c_in, c_out, 5, stride=1, padding=2), *([nn.ReLU()] if relu else []), nn.MaxPool2d(2)]
    layers += [nn.Flatten(), nn.Linear(1024, 64), *([nn.ReLU()] if relu else []), nn.Linear(64, 10)]
    return nn.Sequential(*layers)


assert [repr(m) for m in article_net(relu=False)] == [repr(m) for m in cnnatlas.Cifar10Net().model1]

# %%
# Flaw 1: no activation between the layers
# ----------------------------------------
# ``Conv2d`` and ``Linear`` are *affine*: output = weights x input + bias. Two affine maps in a row are one
# affine map. The article's ``Linear(1024, 64)`` followed directly by ``Linear(64, 10)`` computes exactly
# what a single ``Linear(1024, 10)`` with weight $W_2 W_1$ and bias $W_2 b_1 + b_2$ computes: the 64
# hidden units add parameters but no new function. Checked on a fresh model and real images:
torch.manual_seed(0)
plain = article_net(relu=False).eval()
images = test.normalization()(test.images[:256])
first, second = plain[7], plain[8]
merged = nn.Linear(1024, 10)
with torch.no_grad():
    merged.weight.copy_(second.weight @ first.weight)
    merged.bias.copy_(second.weight @ first.bias + second.bias)
    features = plain[:7](images)  # (256, 1024): what the Flatten hands to the head
    gap = float((second(first(features)) - merged(features)).abs().max())
head_params = sum(p.numel() for p in (*first.parameters(), *second.parameters()))
print(f"two Linear layers: {head_params:,} parameters; one merged Linear: "
      f"{sum(p.numel() for p in merged.parameters()):,}; largest output difference {gap:.1e}")
assert gap < 1e-4, gap

# %%
# The whole network is *not* linear, though: max pooling is not. $\max(a, b) + \max(c, d)$ is not
# $\max(a + c, b + d)$ in general. One test: an affine $f$ satisfies $f(u) + f(v) = f(u + v) + f(0)$ for
# all inputs. With average pooling (a linear operation) in place of max pooling, the article's network
# passes that test to rounding; with max pooling it fails. So max pooling is the article's only
# non-linearity: it can only choose which of four values passes on, and a negative response (evidence
# *against* a pattern) is carried forward like any other number. A ReLU after each convolution sets
# negative responses to zero, independently at every unit: the function can then bend at every unit,
# not only where two values in a pooling window trade places as the largest.


def affine_defect(model, u, v):
    """|f(u) + f(v) - f(u + v) - f(0)|, largest over the outputs, relative to the largest |f(u)|."""
    with torch.no_grad():
        f = model(torch.cat([u, v, u + v, torch.zeros_like(u)]))
    return float((f[0] + f[1] - f[2] - f[3]).abs().max() / f[0].abs().max())


u, v = images[:1], images[1:2]
averaged = nn.Sequential(*[nn.AvgPool2d(2) if isinstance(m, nn.MaxPool2d) else m for m in plain])
print(f"f(u) + f(v) - f(u + v) - f(0), relative: with average pooling {affine_defect(averaged, u, v):.1e}, "
      f"with max pooling (the article) {affine_defect(plain, u, v):.2f}")
assert affine_defect(averaged, u, v) < 1e-4 < 0.05 < affine_defect(plain, u, v)

# %%
# Where the ReLU goes relative to the pooling does not matter: both are monotone, so
# ``relu(maxpool(x))`` equals ``maxpool(relu(x))`` exactly. The ReLU version below puts it after each
# convolution, as is usual.
z = torch.randn(8, 32, 16, 16, generator=torch.Generator().manual_seed(0))
assert torch.equal(F.relu(F.max_pool2d(z, 2)), F.max_pool2d(F.relu(z), 2))

# %%
# Flaw 2: training on the test split
# ----------------------------------
# The article loads ``CIFAR10(train=False)``, the 10,000 *test* images, and trains on them. The test
# images are no worse for learning than the training images. The harm is to the measurement: a test split
# is kept unseen so that the accuracy on it estimates the accuracy on new images from the same source.
# After training on it, the accuracy there also measures memory, and reads too high; no unseen images
# are left to tell by how much. (The article measures no accuracy at all: it prints the loss summed over
# each epoch, on the images it is training on.)
#
# A smaller trap in the same loop: ``running_loss = running_loss + loss_result`` adds *tensors* that are
# still attached to the autograd graph, so the sum keeps a reference to every step's loss for the whole
# epoch. ``loss.item()`` (a Python float) is what to add up:
running_loss, x, y = 0.0, images[:4], test.labels[:4]
loss_result = F.cross_entropy(plain(x), y)
running_loss = running_loss + loss_result
print(f"running_loss is a {type(running_loss).__name__} with requires_grad={running_loss.requires_grad}; "
      f"loss_result.item() is a {type(loss_result.item()).__name__}")
assert running_loss.requires_grad and isinstance(loss_result.item(), float)

# %%
# Both flaws, measured
# --------------------
# Three short runs with one budget: the same seed (so the same starting weights: a ReLU has none), the
# same optimiser and schedule as the full training below, no augmentation, 3 epochs on a class-balanced
# set of images. Each model is measured on 2,000 of the images it trained on and on 2,000 images it never
# saw (from the test split, or, for the run trained on the test split, from the training split).
quick = cnnatlas.build_profile() == "quick"
n_images, epochs, n_eval = 2_000, 3, 2_000
budget = cnnatlas.TrainConfig(epochs=epochs, batch_size=128, lr=3e-3, schedule="onecycle", augment="none")
starts = {}
for relu in (False, True):
    torch.manual_seed(0)
    starts[relu] = article_net(relu)
assert all(torch.equal(a, b) for a, b in zip(starts[False].parameters(), starts[True].parameters(), strict=True))

runs = [("training split", "no (article)", train.subset(n_images), test.subset(n_eval)),
        ("training split", "yes", train.subset(n_images), test.subset(n_eval)),
        ("test split (article)", "no (article)", test.subset(n_images), train.subset(n_eval))]  # fmt: skip
table = []
started = time.perf_counter()
for split, relu, seen, unseen in runs:
    torch.manual_seed(0)
    model = article_net(relu=relu == "yes")
    result = cnnatlas.fit(model, seen, unseen, budget, progress=False)
    _, seen_accuracy, _ = cnnatlas.evaluate(model, seen.subset(n_eval), result.normalization)
    table.append((split, relu, seen_accuracy, result.test_accuracy))
seconds = time.perf_counter() - started
print(f"{epochs} epochs on {n_images:,} images each; the three runs took {seconds:.0f} s on {result.device_name}")
print(f"{'trained on':21s} {'ReLU':13s} {'acc. on its training images':>28s} {'acc. on unseen images':>22s}")
for split, relu, seen_accuracy, unseen_accuracy in table:
    print(f"{split:21s} {relu:13s} {seen_accuracy:28.3f} {unseen_accuracy:22.3f}")

# %%
# What the table shows, in sentences generated from its numbers. One short budget from one start says
# which model learns faster here, not which one can fit the data better in the end.
(_, _, plain_seen, plain_unseen), (_, _, relu_seen, relu_unseen), (_, _, test_seen, test_unseen) = table
print(f"Trained on the test split, the article's model scores {test_seen:.3f} on those test images, "
      f"{test_seen - test_unseen:.3f} above its {test_unseen:.3f} on images it never saw: the number the "
      f"article's setup would report is too high. Trained on the training split, it shows a gap too "
      f"({plain_seen:.3f} vs {plain_unseen:.3f}, {plain_seen - plain_unseen:.3f}): the split's name does not "
      f"matter, whether the images were seen does.")
print(f"On unseen images, the version with ReLU scores {relu_unseen:.3f} against the article's {plain_unseen:.3f} "
      f"({relu_unseen - plain_unseen:+.3f}) after the same {epochs} epochs on {n_images:,} images"
      + ("." if relu_unseen >= plain_unseen else ": in this short a training, adding ReLUs did not help."))
assert test_seen > test_unseen and plain_seen > plain_unseen, table

# %%
# Training it properly
# --------------------
# The article: plain SGD at learning rate 0.01, one image per step, 10 epochs over the test split. Here,
# the article's layers (no ReLU, as in the article) on the 50,000 training images, with the recipe below:
# AdamW, a one-cycle schedule, batches of 128, inputs standardised with the training set's own
# per-channel mean and standard deviation, and random horizontal flips (a mirrored ship is still a ship:
# each epoch shows about half of the images mirrored, so that the model sees new pictures of the same
# objects). The same symmetry can help at test time: each test image is classified twice, as it is and
# mirrored, and the two sets of class scores are averaged (test-time augmentation, ``test_flip`` in the
# recipe), so that both views count as evidence: the table's rows give each epoch's accuracy from the
# images alone, its last line the final accuracy with the mirror images. The test split is used only to
# measure.
recipe = cnnatlas.recipes.CIFAR10_NET
used = recipe.quick() if quick else recipe  # the quick profile cuts it to 2 epochs on 12,000 images
print(f"recipe: {used.epochs} epochs on {used.train_images or len(train):,} images, batch {used.batch_size}, "
      f"{used.optimizer} lr {used.lr}, {used.schedule} schedule, augmentation {used.augment}, "
      f"normalised inputs: {used.normalize}, test scores averaged with the mirror image's: {used.test_flip}")
model, result = cnnatlas.train_or_load("cifar10-net", cnnatlas.Cifar10Net, train, test, recipe, progress=False)
print(result.table())
assert result.test_flip and result.test_accuracy >= (0.45 if quick else 0.70), result.test_accuracy
alone = result.history[-1].test_accuracy  # the last epoch's row: each test image alone
gain = result.test_accuracy - alone
print(f"the mirror images add {gain:+.4f} to the last epoch's {alone:.4f} from each image alone"
      + ("" if gain > 0 else ": no help here"))
print("per-channel mean/std of the training images:",
      [round(v, 4) for v in result.mean], [round(v, 4) for v in result.std])
fig = cnnatlas.history_figure(result)

# %%
# Accuracy per class
# ------------------
# The confusion matrix on the 10,000 test images (row = true class, column = predicted class), and the
# accuracy of each class, worst first; predictions as above, from each image and its mirror image.
_, accuracy, predicted = cnnatlas.evaluate(model, test, result.normalization, flip=True)
assert accuracy == result.test_accuracy
matrix = cnnatlas.confusion_matrix(test.labels, predicted, 10)
per_class = cnnatlas.per_class_accuracy(matrix).tolist()
for name, acc in sorted(zip(test.classes, per_class, strict=True), key=lambda t: t[1]):
    print(f"{name:11s} {acc:.3f}")
mixed = matrix + matrix.T
count, a, b = max((int(mixed[i, j]), test.classes[i], test.classes[j]) for i in range(10) for j in range(i))
print(f"test accuracy {accuracy:.4f}; the pair confused most often: {a} and {b} ({count} images)")
fig = cnnatlas.confusion_figure(matrix, test.classes)

# %%
# Sample predictions: the first two test images of each class, wrong ones in red.
shown = [int(i) for c in range(10) for i in (test.labels == c).nonzero().flatten()[:2]]
wrong = int((predicted[shown] != test.labels[shown]).sum())
print(f"{wrong} of these {len(shown)} are wrong")
fig = cnnatlas.predictions_figure(test, predicted, shown, ncols=5)

# %%
# Feature maps of each stage
# --------------------------
# One test image through the three conv + pool stages: 32 maps of 16x16, 32 of 8x8, 64 of 4x4. Without
# ReLU a map can be negative anywhere; each map has its own colour range.
index = 3
x = result.normalization(test.images[index : index + 1]).to(cnnatlas.best_device())
stages = ["model1.1", "model1.3", "model1.5"]
outputs = cnnatlas.layer_outputs(model, x, stages)
assert [tuple(outputs[k].shape[1:]) for k in stages] == [(32, 16, 16), (32, 8, 8), (64, 4, 4)]
assert not any(isinstance(m, nn.ReLU) for m in model.modules())
assert all(float(outputs[k].min()) < 0 for k in stages)
print(f"image {index}: {test.classes[int(test.labels[index])]}, predicted {test.classes[int(predicted[index])]}")
fig = cnnatlas.channels_figure(test.images[index])
for name in stages:
    fig = cnnatlas.feature_maps_figure(outputs[name][0, :16].cpu(), ncols=8,
                                     title=f"{name}: {tuple(outputs[name].shape)}, first 16 maps")

# %%
# Every layer, interactively: move the slider to walk through the network.
cnnatlas.layer_explorer({k: v.cpu() for k, v in cnnatlas.layer_outputs(model, x).items()}, title="Cifar10Net")

# %%
# Open your own photo and watch it flow through this trained network: [Live atlas](plot_07_live_atlas.md).
