"""
Channel shuffle on real feature maps
====================================

Article 000 names the channel shuffle (section 4) but never shows it. A grouped convolution only mixes
channels inside its group, so a stack of them keeps the groups apart; ShuffleNet's channel shuffle
interleaves the groups so the next layer sees all of them. Watch the channel order change on real feature
maps, and measure which input each output sees.

**Assumes:** grouped convolution ([The convolution](plot_02_convolution.md)) and view, reshape and
transpose on channel dimensions ([Reshape pitfalls](plot_06_reshape_pitfalls.md)).
"""

# mkdocs_gallery_thumbnail_number = 2
import matplotlib.pyplot as plt
import torch

import cnnatlas

SEED = cnnatlas.build_seed()  # 0 unless $CNNATLAS_SEED says otherwise

# %%
# The reshape-transpose-reshape trick
# -----------------------------------
# With ``g`` groups of ``k`` channels: view (N, g*k, H, W) as (N, g, k, H, W), swap the two channel
# axes, and flatten back. Channel ``i*k + j`` (group i, member j) moves to position ``j*g + i``.
channels = torch.arange(12.0).view(1, 12, 1, 1)
groups, k = 3, 4
shuffled = channels.view(1, groups, k, 1, 1).transpose(1, 2).reshape(1, 12, 1, 1)
order = shuffled.flatten().int().tolist()  # order[position] = the channel that lands there
print("before:", channels.flatten().int().tolist())
print("after: ", order)
assert all(order[j * groups + i] == i * k + j for i in range(groups) for j in range(k))
assert torch.equal(shuffled, cnnatlas.channel_shuffle(channels, groups))

# %%
# The permutation as a picture: which input channel lands in which output slot, coloured by group.
fig, ax = plt.subplots(figsize=(cnnatlas.style.WIDTH, 2.6), layout="constrained")
for position, source in enumerate(order):
    colour = cnnatlas.style.CHANNEL_COLOURS[source // k]  # group g was made from colour "RGB"[g]
    ax.annotate("", xy=(position, 0), xytext=(source, 1), arrowprops={"arrowstyle": "->", "color": colour})
    ax.text(source, 1.08, str(source), ha="center", color=colour)
    ax.text(position, -0.18, str(source), ha="center", color=colour)
ax.set_xlim(-0.5, 11.5), ax.set_ylim(-0.35, 1.25), ax.set_axis_off()
ax.set_title(f"channel shuffle, {groups} groups of {k}\ntop: before, bottom: after")

# %%
# On real feature maps
# --------------------
# [The convolution](plot_02_convolution.md#grouped-and-depthwise-convolution) showed that output group
# ``i`` of a grouped convolution sees only input group ``i``. Here a grouped convolution with 3 groups
# runs on the astronaut photo, 3 -> 12 channels: its weight has shape (12, 1, 5, 5), one input channel
# per output channel, so each group of 4 output channels sees only one colour channel. Changing the
# red input changes output channels 0-3 and nothing else:
torch.manual_seed(SEED)
photo = cnnatlas.load_photo("astronaut").float().div(255)[:, ::4, ::4].unsqueeze(0)  # (1, 3, 128, 128)
grouped = torch.nn.Conv2d(3, 12, kernel_size=5, padding=2, groups=3)
with torch.no_grad():
    maps = grouped(photo)
    redder = photo.clone()
    redder[:, 0] += 0.1
    changed = (grouped(redder) - maps).abs().amax(dim=(0, 2, 3)) > 0
print(f"weight {tuple(grouped.weight.shape)}; output channels changed by the red input: "
      f"{changed.nonzero().flatten().tolist()}")
assert tuple(grouped.weight.shape) == (12, 1, 5, 5) and changed.tolist() == [True] * 4 + [False] * 8
labels = [f"ch {c}\ngroup {c // 4}: {'RGB'[c // 4]}" for c in range(12)]
fig = cnnatlas.feature_maps_figure(maps, ncols=4, labels=labels, cmap=cnnatlas.style.DIVERGING,
                                   title="grouped conv output: groups in order")

# %%
# After the shuffle, every run of 3 consecutive channels holds one channel from each group: one made
# from red, one from green, one from blue.
shuffled_maps = cnnatlas.channel_shuffle(maps, groups=3)
slot_labels = [f"slot {i}\n<- ch {c} ({'RGB'[c // k]})" for i, c in enumerate(order)]
fig = cnnatlas.feature_maps_figure(shuffled_maps, ncols=6, labels=slot_labels, cmap=cnnatlas.style.DIVERGING,
                                   title="after channel_shuffle(groups=3)")
assert all(torch.equal(shuffled_maps[0, i], maps[0, c]) for i, c in enumerate(order))
assert all(sorted(c // k for c in order[run : run + 3]) == [0, 1, 2] for run in range(0, 12, 3))

# %%
# Why shuffle: what the next grouped layer can see
# ------------------------------------------------
# Stack a second grouped convolution (12 -> 12 channels, 3 groups) on the first. Without a shuffle, its
# group 0 reads channels 0-3, all made from red, so red is all it can ever see. With a shuffle in
# between, its group 0 reads slots 0-3, which come from all three groups. Measured, not argued: nudge
# one colour channel of the photo and record which output groups of the second layer change.
second = torch.nn.Conv2d(12, 12, kernel_size=3, padding=1, groups=3)


def sees(shuffle: bool) -> torch.Tensor:
    """sees[g, c] is True when output group g of the second layer changes with input colour c."""
    result = torch.zeros(3, 3, dtype=torch.bool)
    with torch.no_grad():
        for colour in range(3):
            nudged = photo.clone()
            nudged[:, colour] += 0.1
            outputs = []
            for inp in (photo, nudged):
                hidden = grouped(inp)
                outputs.append(second(cnnatlas.channel_shuffle(hidden, 3) if shuffle else hidden))
            change = (outputs[1] - outputs[0]).abs().amax(dim=(0, 2, 3)).view(3, 4).amax(dim=1)
            result[:, colour] = change > 0
    return result


without, with_shuffle = sees(False), sees(True)
fig, axes = plt.subplots(1, 2, figsize=(cnnatlas.style.WIDTH, 3.2), layout="constrained", sharey=True)
cmap = plt.get_cmap(cnnatlas.style.SEQUENTIAL)
for ax, matrix, title in ((axes[0], without, "no shuffle"), (axes[1], with_shuffle, "shuffle between")):
    ax.imshow(matrix.numpy(), cmap=cmap, vmin=0, vmax=1)
    ax.set_xticks(range(3), ["R", "G", "B"]), ax.set_yticks(range(3), [f"group {g}" for g in range(3)])
    ax.set_xlabel("input colour nudged"), ax.set_title(title)
    for g in range(3):
        for colour in range(3):
            ax.text(colour, g, "sees" if matrix[g, colour] else "-", ha="center", va="center",
                    color=cnnatlas.style.text_colour_on(cmap(float(matrix[g, colour]))))
axes[0].set_ylabel("output group")
fig.suptitle("what the second grouped conv sees")
print(f"output groups that see all three colours: without shuffle {int(without.all(dim=1).sum())} of 3, "
      f"with shuffle {int(with_shuffle.all(dim=1).sum())} of 3")
assert torch.equal(without, torch.eye(3, dtype=torch.bool)), "without a shuffle each group sees one colour"
assert with_shuffle.all(), "with a shuffle every group sees every colour"

# %%
# Shuffling twice, first with ``g`` groups then with ``k``, restores the order: the shuffle is a
# transpose of a g x k grid of channels, and the second shuffle transposes it back.
restored = cnnatlas.channel_shuffle(shuffled_maps, groups=k)
print("restored exactly:", torch.equal(restored, maps))
assert torch.equal(restored, maps)
