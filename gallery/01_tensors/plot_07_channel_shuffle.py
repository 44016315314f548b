"""
Channel shuffle on real feature maps
====================================

Grouped convolutions (ShuffleNet, article 000 section 4) only mix channels inside their group; a
channel shuffle interleaves the groups so the next layer sees all of them. Watch the channel order
change on real feature maps.
"""

# mkdocs_gallery_thumbnail_number = 2
import matplotlib.pyplot as plt
import torch

import cnnatlas

# %%
# The reshape-transpose-reshape trick
# -----------------------------------
# With ``g`` groups of ``k`` channels: view (N, g*k, H, W) as (N, g, k, H, W), swap the two channel
# axes, and flatten back. Channel ``i*k + j`` (group i, member j) moves to position ``j*g + i``.
channels = torch.arange(12.0).view(1, 12, 1, 1)
groups = 3
shuffled = channels.view(1, groups, 12 // groups, 1, 1).transpose(1, 2).reshape(1, 12, 1, 1)
print("before:", channels.flatten().int().tolist())
print("after: ", shuffled.flatten().int().tolist())
assert torch.equal(shuffled, cnnatlas.channel_shuffle(channels, groups))

# %%
# The permutation as a picture: which input channel lands in which output slot, coloured by group.
fig, ax = plt.subplots(figsize=(8, 2.2), layout="constrained")
k = 12 // groups
for position, source in enumerate(shuffled.flatten().int().tolist()):
    colour = plt.get_cmap("tab10")(source // k)
    ax.annotate("", xy=(position, 0), xytext=(source, 1), arrowprops={"arrowstyle": "->", "color": colour})
    ax.text(source, 1.08, str(source), ha="center", color=colour)
    ax.text(position, -0.18, str(source), ha="center", color=colour)
ax.set_xlim(-0.5, 11.5), ax.set_ylim(-0.35, 1.25), ax.set_axis_off()
ax.set_title(f"channel shuffle with {groups} groups of {k}: top = before, bottom = after", fontsize=10)

# %%
# On real feature maps
# --------------------
# A grouped convolution (3 groups) on the astronaut photo: each group of 4 output channels sees only
# one colour channel. After the shuffle, every run of 3 consecutive channels holds one from each group.
torch.manual_seed(0)
photo = cnnatlas.load_photo("astronaut").float().div(255)[:, ::4, ::4].unsqueeze(0)  # (1, 3, 128, 128)
grouped = torch.nn.Conv2d(3, 12, kernel_size=5, padding=2, groups=3)
with torch.no_grad():
    maps = grouped(photo)
labels = [f"ch {c} (group {c // 4}: {'RGB'[c // 4]})" for c in range(12)]
fig = cnnatlas.plot_feature_maps(maps, ncols=4, labels=labels, title="grouped conv output: groups in order")

# %%
shuffled_maps = cnnatlas.channel_shuffle(maps, groups=3)
order = cnnatlas.channel_shuffle(torch.arange(12.0).view(1, 12, 1, 1), 3).flatten().int().tolist()
fig = cnnatlas.plot_feature_maps(shuffled_maps, ncols=3, labels=[f"slot {i} <- {labels[c]}" for i, c in enumerate(order)],
                                 title="after channel_shuffle(groups=3): groups interleaved")
assert all(torch.equal(shuffled_maps[0, i], maps[0, c]) for i, c in enumerate(order))

# %%
# Shuffling twice with ``g`` then ``k`` groups restores the order: the shuffle is a transpose of a
# g x k grid of channels.
restored = cnnatlas.channel_shuffle(shuffled_maps, groups=4)
print("restored exactly:", torch.equal(restored, maps))
