"""
LeNet on FashionMNIST, layer by layer
=====================================

Reference article 003 trains LeNet on FashionMNIST, then looks at what each layer does to one image.
Here: the data and the model, what the ten numbers the model outputs mean (logits, softmax,
cross-entropy), a validation split held out from the training images, one training epoch written out, the
full training, where the trained model errs, and one test image followed through every layer, with the
article's observations measured.

**Assumes:** what a convolution computes and the training loop (zero the gradients, forward, loss,
backward, step) ([The convolution](../01_tensors/plot_02_convolution.md)), the modules Conv2d, pooling,
Flatten and Linear ([Building blocks](../01_tensors/plot_03_building_blocks.md)), how a shape flows
through them ([Shape flow](../01_tensors/plot_04_shape_flow.md)) and average pooling
([Down-sampling](../02_sampling/plot_01_downsampling.md)).
"""

# mkdocs_gallery_thumbnail_number = 6
import math
import time

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F
from torch import nn

import cnnatlas

SEED = cnnatlas.build_seed()  # $CNNATLAS_SEED, else 0: every random draw of this page derives from it

# %%
# The data
# --------
# FashionMNIST: grey 28x28 pictures of clothing in ten classes, 60,000 for training and 10,000 for
# testing. ``cnnatlas.load_fashion_mnist`` returns them as uint8 tensors of shape (N, C, H, W), decoded
# once; labels are class indices 0 to 9. Every class has the same number of images in each split.
train = cnnatlas.load_fashion_mnist(train=True)
test = cnnatlas.load_fashion_mnist(train=False)
train_counts = torch.bincount(train.labels, minlength=10).tolist()
test_counts = torch.bincount(test.labels, minlength=10).tolist()
print(f"train {tuple(train.images.shape)} {train.images.dtype}, test {tuple(test.images.shape)}; from: {train.source}")
print(f"images per class: {train_counts[0]:,} train, {test_counts[0]:,} test")
assert tuple(train.images.shape) == (60_000, 1, 28, 28) and tuple(test.images.shape) == (10_000, 1, 28, 28)
assert train.images.dtype == torch.uint8 and len(train.classes) == 10
assert set(train_counts) == {6_000} and set(test_counts) == {1_000}, (train_counts, test_counts)

fig, axes = plt.subplots(2, 5, figsize=cnnatlas.style.grid_figsize(2, 5), layout="constrained")
for label, ax in enumerate(axes.flat):
    first = int((train.labels == label).nonzero()[0])
    ax.imshow(train.images[first, 0].numpy(), cmap=cnnatlas.style.GRAY)
    ax.set_title(train.classes[label])
    ax.set_axis_off()
fig.suptitle("the first training image of each class")

# %%
# Three splits, three jobs
# ------------------------
# Training adjusts the weights to the training images, so a model's score on them says little about new
# images. Choosing *how* to train (optimiser, learning rate, number of epochs) by comparing scores on the
# test split would tune the recipe to those 10,000 images, and the test score would then overstate what
# the model does on images it has never met. So the training recipe of this page,
# ``cnnatlas.recipes.LENET``, holds out 5,000 of the 60,000 training images as a **validation split**:
# the model never trains on them, every epoch is measured on them, and any choice between recipes is to
# be made on them. The test split is scored once, after the last epoch. ``ImageDataset.holdout`` draws
# the validation images at random (seeded), the same number from every class; the training below calls
# it with the recipe's seed, so this is exactly the split it uses.
recipe = cnnatlas.recipes.LENET
rest, validation = train.holdout(recipe.validation_images, seed=recipe.seed)
print(f"{len(rest):,} images to train on, {len(validation):,} validation images "
      f"({validation.labels.bincount(minlength=10).tolist()[0]:,} per class), {len(test):,} test images")
assert (len(rest), len(validation)) == (55_000, 5_000) and recipe.validation_images == 5_000
assert set(validation.labels.bincount(minlength=10).tolist()) == {500}

# %%
# The model
# ---------
# The article's LeNet: two 5x5 convolutions, each followed by ReLU and 2x2 average pooling, then three
# linear layers with ReLU between them. ``cnnatlas.LeNet`` holds exactly the article's layers; the cell
# writes the article's ``nn.Sequential`` out and checks that the two agree layer by layer. Being an
# ``nn.Sequential``, ``model[0]`` is the first convolution and ``model[:3]`` runs the first three layers.
#
# The original LeNet-5 took 32x32 images. FashionMNIST's are 28x28, so the first convolution pads 2
# pixels on every side: a 5x5 kernel then leaves 28 - 5 + 2*2 + 1 = 28 positions per row, the same
# 28x28 map that an unpadded 5x5 kernel gives on a 32x32 image.
article = nn.Sequential(
    nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.ReLU(),
    nn.AvgPool2d(kernel_size=2, stride=2),
    nn.Conv2d(6, 16, kernel_size=5), nn.ReLU(),
    nn.AvgPool2d(kernel_size=2, stride=2),
    nn.Flatten(),
    nn.Linear(16 * 5 * 5, 120), nn.ReLU(),
    nn.Linear(120, 84), nn.ReLU(),
    nn.Linear(84, 10))  # fmt: skip
print(cnnatlas.LeNet())
assert [repr(m) for m in cnnatlas.LeNet()] == [repr(m) for m in article]
assert cnnatlas.conv_output_size(28, 5, padding=2) == cnnatlas.conv_output_size(32, 5) == 28
print(f"{sum(p.numel() for p in article.parameters()):,} parameters")

# %%
# From ten numbers to a probability and a loss
# --------------------------------------------
# The last layer is ``Linear(84, 10)``: ten unbounded numbers per image, one per class, called
# **logits**. The model contains no softmax. Softmax turns logits $z$ into probabilities,
# $p_i = e^{z_i} / \sum_j e^{z_j}$: each is positive, they sum to 1, and the largest logit gets the
# largest probability. Adding the same number to every logit changes nothing, because the factor
# $e^c$ cancels. The **cross-entropy** loss of an image whose true class is $y$ is
# $-\log p_y$: 0 when the model gives the true class probability 1, and large when it gives it
# little. ``F.cross_entropy`` takes the *logits* and computes the log-softmax itself, in a numerically
# stable way; that is why the model must not end in a softmax of its own.
#
# A fresh LeNet (seeded, with the article's Xavier initialisation) on the first test image. Inputs are
# standardised with the training images' mean and standard deviation, as in every training below.
torch.manual_seed(SEED)
fresh = cnnatlas.init_xavier_(cnnatlas.LeNet()).eval()
normalize = rest.normalization()
image, label = test.images[:1], int(test.labels[0])
with torch.no_grad():
    logits = fresh(normalize(image))[0]
probs = torch.softmax(logits, dim=0)
loss_by_hand = -torch.log(probs[label])
loss_torch = F.cross_entropy(logits[None], torch.tensor([label]))
print(f"true class: {test.classes[label]} (index {label})")
print(f"{'class':12s} {'logit':>7s} {'softmax':>8s}")
for name, z, p in zip(test.classes, logits.tolist(), probs.tolist(), strict=True):
    print(f"{name:12s} {z:7.3f} {p:8.4f}")
print(f"sum of probabilities {float(probs.sum()):.6f}; -log p[{test.classes[label]}] = {float(loss_by_hand):.4f}, "
      f"F.cross_entropy = {float(loss_torch):.4f}")
assert abs(float(probs.sum()) - 1) < 1e-6 and bool((probs > 0).all())
assert int(probs.argmax()) == int(logits.argmax())
assert torch.allclose(torch.softmax(logits + 5.0, dim=0), probs, atol=1e-7)
assert torch.allclose(loss_by_hand, loss_torch, atol=1e-6), (loss_by_hand, loss_torch)
assert isinstance(fresh[-1], nn.Linear)

# %%
# Before any training the model knows nothing, and guessing 1/10 for every class would cost
# $-\log(1/10) = \ln 10 \approx 2.303$ per image. The fresh model's mean cross-entropy over the
# 5,000 validation images and its accuracy, next to those of a uniform guess:
fresh_loss, fresh_accuracy, _ = cnnatlas.evaluate(fresh, validation, normalize)
cnnatlas.observe("LeNet fresh: validation cross-entropy", fresh_loss)
cnnatlas.observe("LeNet fresh: validation accuracy", fresh_accuracy)
print(f"fresh model: mean cross-entropy {fresh_loss:.3f} (ln 10 = {math.log(10):.3f}), "
      f"accuracy {fresh_accuracy:.3f} (chance: 0.100)")
gap = fresh_loss - math.log(10)
print(f"Its cross-entropy is {abs(gap):.3f} {'above' if gap > 0 else 'below'} ln 10: "
      + ("the fresh model spreads its probability almost evenly over the ten classes, as a uniform guess does."
         if abs(gap) < 0.1 else "its random weights already give some classes clearly more probability than others."))

# %%
# One epoch, written out
# ----------------------
# Training lowers that mean cross-entropy by gradient descent, one mini-batch at a time. An **epoch** is
# one pass over the training images in a fresh random order, cut into batches of 128: what a
# ``DataLoader(shuffle=True, batch_size=128)`` does, here by hand, on tensors already in memory. Per batch
# the loop is the one from [The convolution](../01_tensors/plot_02_convolution.md), with cross-entropy as
# the loss. Two lines deserve a reason:
#
# * ``model.train()`` switches layers whose behaviour differs in training (dropout, batch
#   normalisation) into training mode, and ``model.eval()`` back. LeNet has neither, so here the switch
#   changes nothing (checked below), but it is the habit that keeps such models correct.
# * ``optimizer.zero_grad()``: ``backward()`` *adds* to each parameter's ``.grad``. Without the reset,
#   every step would use the sum of all gradients so far. Two backward passes give twice the gradient:
x = normalize(train.images[:128])
y = train.labels[:128]
fresh.zero_grad()
F.cross_entropy(fresh(x), y).backward()
once = fresh[0].weight.grad.clone()
F.cross_entropy(fresh(x), y).backward()
print(f"conv1 gradient after two backward passes / after one: {float(fresh[0].weight.grad.norm() / once.norm()):.3f}")
assert torch.allclose(fresh[0].weight.grad, 2 * once, atol=1e-6)
fresh.zero_grad()
with torch.no_grad():
    assert torch.equal(fresh.train()(x), fresh.eval()(x)), "LeNet has no train/eval-dependent layer"

# %%
# The epoch: SGD with momentum 0.9 and learning rate 0.05, on a fresh LeNet, over 12,000 of the images
# left for training (1,200 per class) to keep the build short. The cross-entropy on the 5,000 validation
# images is measured before and after. The loop runs on as many CPU threads as ``cnnatlas.fit`` trains with
# (``cnnatlas.training_threads()``).
subset = rest.subset(12_000)  # the first 1,200 images of each class
normalize = subset.normalization()
torch.manual_seed(SEED)
net = cnnatlas.init_xavier_(cnnatlas.LeNet())
optimizer = torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9)
loss_before, accuracy_before, _ = cnnatlas.evaluate(net, validation, normalize)

batch_size, batch_losses = 128, []
order = torch.randperm(len(subset), generator=torch.Generator().manual_seed(SEED + 1))
threads = torch.get_num_threads()
torch.set_num_threads(cnnatlas.training_threads())  # as cnnatlas.fit trains: 1 on a busy 2-core CPU
start = time.perf_counter()
net.train()
try:
    for first in range(0, len(subset), batch_size):
        index = order[first : first + batch_size]
        x, y = normalize(subset.images[index]), subset.labels[index]
        logits = net(x)  # (128, 10)
        loss = F.cross_entropy(logits, y)  # mean over the batch
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        batch_losses.append(loss.item())
finally:
    torch.set_num_threads(threads)
net.eval()
seconds = time.perf_counter() - start
loss_after, accuracy_after, _ = cnnatlas.evaluate(net, validation, normalize)
cnnatlas.observe("LeNet hand-written epoch: validation cross-entropy after", loss_after)
cnnatlas.observe("LeNet hand-written epoch: validation accuracy after", accuracy_after)

print(f"one epoch: {len(batch_losses)} steps of {batch_size} images ({len(subset):,} images) in {seconds:.1f} s on CPU")
print(f"validation cross-entropy {loss_before:.3f} -> {loss_after:.3f}, "
      f"validation accuracy {accuracy_before:.3f} -> {accuracy_after:.3f}")
fig, ax = plt.subplots(figsize=(cnnatlas.style.WIDTH, 2.8), layout="constrained")
ax.plot(batch_losses, lw=1, label="batch loss")
ax.axhline(math.log(10), color="gray", ls="--", lw=1, label="ln 10: a uniform guess")
ax.set(xlabel="step (one batch of 128)", ylabel="cross-entropy", title="one epoch of SGD, by hand")
ax.legend()

# %%
# Training with the library
# -------------------------
# ``cnnatlas.train_or_load`` runs the same loop (``cnnatlas.fit``) for several epochs, caches the
# weights (a rebuild reuses them) and returns the model with a summary of the run: device, time,
# speed, validation and test accuracy. It trains on the best device present (CUDA, then Apple's MPS,
# then the CPU). The recipe differs from the article's; the two, field by field, as the library stores
# them (``train_images``: how many of the images left after the validation split it trains on):
article_recipe = cnnatlas.recipes.ARTICLE_003
# the quick profile cuts the recipe to 2 epochs on 12,000 images
used = recipe.quick() if cnnatlas.build_profile() == "quick" else recipe
fields = ["epochs", "validation_images", "train_images", "batch_size", "optimizer", "lr", "weight_decay",
          "schedule", "init", "normalize"]  # fmt: skip
print(f"{'':17s} {'article 003':>12s} {'this page':>12s}")
for key in fields:
    mine, theirs = getattr(used, key), getattr(article_recipe, key)
    print(f"{key:17s} {'all' if theirs is None else theirs!s:>12s} {'all' if mine is None else mine!s:>12s}")

# %%
# The article uses plain SGD, without momentum. AdamW steps along a running average of each parameter's
# gradient, divided by a running estimate of that gradient's size; the one-cycle schedule raises the
# learning rate and then anneals it towards zero; ``normalize`` standardises the inputs as above, where
# the article feeds pixels in [0, 1]. The article reports no accuracy, so there is
# no number of its to compare with.
#
# ``train_or_load`` is given the whole training split: it holds the recipe's 5,000 validation images out
# itself (the split drawn above), trains on the rest, measures every epoch's row on the validation
# images, and scores the test split once, after the last epoch. Any choice between recipes belongs on
# the validation numbers. (This recipe's settings were first picked, in an earlier version of this atlas,
# by comparing test accuracies; ``cnnatlas.recipes`` records that history. So the test score below may
# be slightly optimistic.)
model, result = cnnatlas.train_or_load("lenet-fashion", cnnatlas.LeNet, train, test, recipe, progress=False)
print(result.table())
print(f"validation accuracy after the hand-written epoch: {accuracy_after:.4f}")
quick = cnnatlas.build_profile() == "quick"
cnnatlas.observe("LeNet validation accuracy", result.validation_accuracy)
cnnatlas.observe("LeNet test accuracy", result.test_accuracy, at_least=0.70 if quick else 0.88)
fig = cnnatlas.history_figure(result)

# %%
# Read the two curves with care: the training loss of an epoch is the mean over its batches while the
# model was still improving, the validation loss is measured after the epoch. In the first epoch, when
# the model improves fastest, that mean includes the losses of the first, untrained batches, which can
# put the training curve above the validation curve:
first_epoch = result.history[0]
first_gap = first_epoch.train_loss - first_epoch.validation_loss
cnnatlas.observe("LeNet epoch 1: training loss minus validation loss", first_gap)
print(f"epoch 1: training loss {first_epoch.train_loss:.3f} (mean during the epoch), "
      f"validation loss {first_epoch.validation_loss:.3f} (after it): the training curve starts "
      f"{'above' if first_gap > 0 else 'below'} the validation curve.")
last_epoch = result.history[-1]
print(f"epoch {last_epoch.epoch}: training loss {last_epoch.train_loss:.3f}, validation loss "
      f"{last_epoch.validation_loss:.3f}; the test split, scored once: accuracy {result.test_accuracy:.4f} "
      f"({'above' if result.test_accuracy > result.validation_accuracy else 'below' if result.test_accuracy < result.validation_accuracy else 'equal to'} "
      f"the validation accuracy, {result.validation_accuracy:.4f}).")

# %%
# One real test image, before and after
# -------------------------------------
# The first test image, standardised as during training, as a batch of one: shape (1, 1, 28, 28). How
# much probability do the fresh and the trained model put on its true class (orange), and what is each
# one's cross-entropy on it?
x = result.normalization(image).to(cnnatlas.best_device())
with torch.no_grad():
    trained_probs = torch.softmax(model(x)[0].cpu(), dim=0)
p_fresh, p_trained = float(probs[label]), float(trained_probs[label])
cnnatlas.observe("LeNet first test image: trained p[true class]", p_trained)
print(f"x: {tuple(x.shape)}, true class: {test.classes[label]}; "
      f"p[true class] {p_fresh:.3f} -> {p_trained:.3f}, "
      f"cross-entropy {-math.log(p_fresh):.3f} -> {-math.log(p_trained):.3f}; "
      f"predicted: {test.classes[int(trained_probs.argmax())]}")
print(f"Training {'raised' if p_trained > p_fresh else 'lowered'} the true class's probability "
      f"{p_trained / p_fresh:.1f}-fold, so the cross-entropy on this image went "
      f"{'down' if p_trained > p_fresh else 'up'}.")
fig, axes = plt.subplots(1, 3, figsize=(cnnatlas.style.WIDTH, 3.4), layout="constrained",
                         gridspec_kw={"width_ratios": [1.1, 1, 1]})
axes[0].imshow(image[0, 0].numpy(), cmap=cnnatlas.style.GRAY)
axes[0].set_title(f"input: {test.classes[label]}")
axes[0].set_axis_off()
colours = [cnnatlas.style.HIGHLIGHT if c == label else cnnatlas.style.OUTLINE for c in range(10)]
for ax, p, title in [(axes[1], probs, "fresh"), (axes[2], trained_probs, "trained")]:
    ax.barh(range(10), p.numpy(), color=colours)
    ax.set_yticks(range(10), [c.split("/")[0] for c in test.classes] if ax is axes[1] else [])
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set(title=title, xlabel="softmax probability")

# %%
# What the first convolution sees
# -------------------------------
# A forward hook records the output of ``model[0]`` during one forward pass. The hook is removed in a
# ``finally`` block, so that it cannot outlive an error. Below: the six trained 5x5 kernels (red
# positive, blue negative), then the six maps they produce, each with its own colour range.
saved = {}


def save_output(module, inputs, output):
    saved["conv1"] = output.detach().cpu()


handle = model[0].register_forward_hook(save_output)
try:
    with torch.no_grad():
        model(x)
finally:
    handle.remove()
print(f"conv1 output: {tuple(saved['conv1'].shape)}")
assert tuple(saved["conv1"].shape) == (1, 6, 28, 28)
fig = cnnatlas.kernels_figure(model[0].weight.detach().cpu())
fig = cnnatlas.feature_maps_figure(saved["conv1"], ncols=6, title="conv1: 6 maps of 28x28")

# %%
# The article says the first layer extracts "outline information at different levels". One way to
# test that: correlate each map with the image itself (its brightness) and with its horizontal and
# vertical changes (the Sobel responses $g_x$ and $g_y$ of [The convolution](../01_tensors/plot_02_convolution.md),
# signed: a map that lights up on the garment's left edge and not its right one correlates with
# $g_x$, one that lights up on both edges would not). A negative correlation with the image means an
# inverted copy: dark where the garment is bright.
sobel = torch.tensor([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]])
pixels = x.cpu()
references = {"image": pixels[0, 0],
              "g_x": F.conv2d(pixels, sobel.view(1, 1, 3, 3), padding=1)[0, 0],
              "g_y": F.conv2d(pixels, sobel.T.reshape(1, 1, 3, 3), padding=1)[0, 0]}  # fmt: skip


def correlation(a, b):
    """Pearson correlation of two tensors' values (0 when one of them is constant)."""
    return float(torch.nan_to_num(torch.corrcoef(torch.stack([a.flatten(), b.flatten()]))[0, 1]))


r = {name: [correlation(m, ref) for m in saved["conv1"][0]] for name, ref in references.items()}
print("map   r(image)   r(g_x)   r(g_y)")
for c in range(6):
    print(f"ch {c} {r['image'][c]:9.2f} {r['g_x'][c]:8.2f} {r['g_y'][c]:8.2f}")
copies = [c for c in range(6) if abs(r["image"][c]) > max(abs(r["g_x"][c]), abs(r["g_y"][c]))]
edge_c, edge_ref = max(((c, k) for c in range(6) for k in ("g_x", "g_y")), key=lambda t: abs(r[t[1]][t[0]]))
inverted = sum(r["image"][c] < 0 for c in copies)
print(f"{len(copies)} of 6 maps follow the brightness more than either edge direction"
      + (f" ({inverted} of them inverted)" if copies else "")
      + f"; the strongest edge response is ch {edge_c}'s (r = {r[edge_ref][edge_c]:.2f} with {edge_ref}).")

# %%
# Where the model errs
# --------------------
# The confusion matrix on all 10,000 test images: row = true class, column = predicted class. It breaks
# down, class by class, the one test score above (the same trained model on the same images); nothing in
# the recipe is chosen from it.
_, _, predicted = cnnatlas.evaluate(model, test, result.normalization)
matrix = cnnatlas.confusion_matrix(test.labels, predicted, 10)
fig = cnnatlas.confusion_figure(matrix, test.classes)
per_class = cnnatlas.per_class_accuracy(matrix).tolist()
for name, acc in sorted(zip(test.classes, per_class, strict=True), key=lambda t: t[1]):
    print(f"{name:12s} {acc:.3f}")

# %%
# Where do the mistakes concentrate? The pairs confused most often (in either direction), read from the
# matrix, with the four classes of tops (worn on the upper body, similar outlines) marked:
upper_body = {"T-shirt/top", "Pullover", "Coat", "Shirt"}
mixed = matrix + matrix.T
pairs = sorted(((int(mixed[i, j]), test.classes[i], test.classes[j]) for i in range(10) for j in range(i)),
               reverse=True)
for count, a, b in pairs[:4]:
    print(f"{a} <-> {b}: {count} test images{' (two tops)' if {a, b} <= upper_body else ''}")
worst = min(range(10), key=lambda c: per_class[c])
best = sorted(range(10), key=lambda c: -per_class[c])[:2]
top_pairs = sum({a, b} <= upper_body for _, a, b in pairs[:3])
top_share = sum(count for count, a, b in pairs if {a, b} <= upper_body) / max(1, sum(c for c, _, _ in pairs))
cnnatlas.observe("LeNet: most confused pairs (of 3) that are two tops", top_pairs)
cnnatlas.observe("LeNet: share of confusions between two tops", top_share)
print(f"{top_pairs} of the three most confused pairs are two tops ({', '.join(sorted(upper_body))}), and "
      f"confusions between two tops make {top_share:.0%} of all mistakes: "
      + ("the mistakes concentrate where the classes look alike. " if top_share > 0.5 else
         "the mistakes are spread more widely than over the similar-looking tops. ")
      + f"The worst class is {test.classes[worst]} ({per_class[worst]:.3f}"
      + (", a top" if test.classes[worst] in upper_body else "")
      + f"); the best are {' and '.join(f'{test.classes[c]} ({per_class[c]:.3f})' for c in best)}.")

# %%
# Every stage, as in the article
# ------------------------------
# The article prints layers 1 to 6 (conv1, ReLU, pool, conv2, ReLU, pool). ``model[:l]`` runs the first
# ``l`` layers, exactly like the article's ``cnn_net``. The padded conv1 keeps 28x28, pooling halves it
# to 14x14, the unpadded conv2 leaves 14 - 5 + 1 = 10, and the second pooling 5.
stages = {}
with torch.no_grad():
    for depth in range(1, 7):
        stages[depth] = model[:depth](x).cpu()[0]
        print(f"layer {depth}: {type(model[depth - 1]).__name__:10s} output shape {tuple(stages[depth].shape)}")
expected = {1: (6, 28, 28), 2: (6, 28, 28), 3: (6, 14, 14), 4: (16, 10, 10), 5: (16, 10, 10), 6: (16, 5, 5)}
assert {d: tuple(s.shape) for d, s in stages.items()} == expected
fig = cnnatlas.feature_maps_figure(stages[3], ncols=6, title="layers 1-3: conv1 -> ReLU -> AvgPool, 6 maps of 14x14")
fig = cnnatlas.feature_maps_figure(stages[6], ncols=8, title="layers 4-6: conv2 -> ReLU -> AvgPool, 16 maps of 5x5")

# %%
# The article's observations, checked
# -----------------------------------
# *"After average pooling, little changes."* Compare each ReLU map (layer 2) with its pooled version
# (layer 3) scaled back up to 28x28: a correlation near 1 means the pooling kept the picture.
up = F.interpolate(stages[3].unsqueeze(0), scale_factor=2, mode="nearest")[0]
pool_corr = [correlation(stages[2][c], up[c]) for c in range(6)]
print("correlation ReLU map vs pooled map, per channel:", [round(v, 3) for v in pool_corr])
mean_corr = sum(pool_corr) / len(pool_corr)
cnnatlas.observe("LeNet: mean correlation of ReLU map and pooled map", mean_corr)
cnnatlas.observe("LeNet: lowest correlation of ReLU map and pooled map", min(pool_corr))
print(f"mean {mean_corr:.3f}, lowest {min(pool_corr):.3f}: the observation "
      f"{'holds' if mean_corr > 0.8 else 'does not hold'} for this image (mean correlation above 0.8)")

# %%
# *"Deeper maps get more abstract: after conv2 still vaguely recognisable, after ReLU and pooling hardly."*
# One crude measure of "recognisable": the best correlation between any channel and the input, both on
# the same grid. Each map is compared with the input averaged over the pixels that map's grid cells
# stand for: 1x1 pixels for layers 1-2, 2x2 for layer 3, and for layers 4-6 the central 20x20 pixels
# (the unpadded conv2 loses 2 cells of the 14x14 grid on each side) in 2x2 or 4x4 blocks.
reference = {1: pixels, 2: pixels, 3: F.avg_pool2d(pixels, 2),
             4: F.avg_pool2d(pixels[..., 4:24, 4:24], 2), 5: F.avg_pool2d(pixels[..., 4:24, 4:24], 2),
             6: F.avg_pool2d(pixels[..., 4:24, 4:24], 4)}  # fmt: skip
resemblance = {}
for depth, maps in stages.items():
    assert maps.shape[1:] == reference[depth].shape[2:]
    resemblance[depth] = max(abs(correlation(m, reference[depth][0, 0])) for m in maps)
    print(f"layer {depth} ({type(model[depth - 1]).__name__}): best |correlation| with the input {resemblance[depth]:.3f}")
r1, r2, r3, r4, r5, r6 = (resemblance[d] for d in range(1, 7))
print(f"conv1 {r1:.2f}, conv2 {r4:.2f}, conv2 after ReLU and pooling {r6:.2f}: by this measure the resemblance "
      + ("falls with depth, as the article says." if r1 > r4 > r6 else "does not fall steadily with depth."))
if r2 < r1 and r5 < r4 and r3 > r2 and r6 > r5:
    print("Each ReLU lowers it (it cuts the negative half of every map) and each pooling raises it again.")
cnnatlas.observe("LeNet: best |correlation| of a layer-6 map with the input", r6)
print("The 5x5 maps of layer 6 have 25 pixels each, too few to recognise a garment by eye; "
      + (f"yet one of them still correlates {r6:.2f} with the input averaged to the same 5x5 grid."
         if r6 > 0.5 else f"the best of them correlates only {r6:.2f} with the input averaged to the same grid."))
fig, ax = plt.subplots(figsize=(cnnatlas.style.WIDTH, 3), layout="constrained")
ax.plot(list(resemblance), list(resemblance.values()), "o-")
ax.set(xlabel="layer", ylabel="best |corr| with input", title="how much the maps still look like the image",
       ylim=(0, 1))
tick_labels = [type(model[d - 1]).__name__.replace("Pool2d", "Pool") for d in resemblance]
ax.set_xticks(list(resemblance), tick_labels)
ax.tick_params(axis="x", rotation=30)  # a call that returns None ends the cell: nothing printed after the figure

# %%
# Every layer, interactively
# --------------------------
# ``cnnatlas.layer_outputs`` hooks every layer at once. Move the slider to walk through the network:
# the maps shrink (28 -> 14 -> 10 -> 5) while the channels grow (1 -> 6 -> 16), then the flattened
# 400 features become 120, 84 and finally the 10 class scores.
outputs = cnnatlas.layer_outputs(model, x)
shapes = [tuple(v.shape[1:]) for v in outputs.values()]
assert x.shape[1] == 1 and x.shape[-1] == 28
assert [s[-1] for s in shapes if len(s) == 3] == [28, 28, 14, 10, 10, 5], shapes
assert [s[0] for s in shapes if len(s) == 3] == [6, 6, 6, 16, 16, 16], shapes
assert [s[0] for s in shapes if len(s) == 1] == [400, 120, 120, 84, 84, 10], shapes
names = {str(i): f"{i}: {type(layer).__name__}" for i, layer in enumerate(model)}
cnnatlas.layer_explorer({names[k]: v.cpu() for k, v in outputs.items()}, title="LeNet")

# %%
# One channel at a time
# ---------------------
# Choose a layer in the drop-down, then a channel with the slider: each map large, on its own colour
# scale; hover gives the channel and its value range.
cnnatlas.channel_explorer({names[k]: v.cpu() for k, v in outputs.items()}, title="LeNet")

# %%
# Draw your own garment and watch it flow through this trained network: [Live atlas](plot_07_live_atlas.md).
