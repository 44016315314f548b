"""Matplotlib animations of window steps (for notebooks: ``HTML(anim.to_jshtml())``).

Examples:
    >>> anim = conv_funcanimation(cnnatlas.conv_steps(torch.rand(4, 4), torch.ones(3, 3)))
    >>> type(anim).__name__, "<img" in anim.to_jshtml()  # rendered: one PNG per frame
    ('FuncAnimation', True)
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.animation import FuncAnimation
from matplotlib.patches import Rectangle

from ..checks import check_at_most, check_instance, check_positive_int
from ..display import map_limits
from ..style import GRAY, HIGHLIGHT, OUTLINE, SEQUENTIAL, WIDTH
from ..windows import WindowSteps

MAX_FUNC_FRAMES = 400
"""Most frames of a matplotlib animation: each is a PNG once rendered (``to_jshtml``), about 0.1 s and 30 kB."""
MAX_INTERVAL_MS = 10_000
"""Longest pause between two frames, in milliseconds."""


def conv_funcanimation(arith: WindowSteps, interval_ms: int = 500) -> FuncAnimation:
    """Return a matplotlib ``FuncAnimation`` of ``arith`` (for notebooks: ``HTML(anim.to_jshtml())``).

    One frame per step, at most [`MAX_FUNC_FRAMES`][cnnatlas.figures.windows.MAX_FUNC_FRAMES], ``interval_ms`` apart.

    Examples:
        >>> anim = conv_funcanimation(cnnatlas.conv_steps(torch.rand(4, 4), torch.ones(3, 3)), interval_ms=200)
        >>> len(list(anim.new_frame_seq()))  # frames: one per step of the 3x3 window over the 4x4 input
        4
        >>> html = anim.to_jshtml()
    """
    check_instance(arith, "arith", WindowSteps)
    if not arith.steps:
        raise ValueError("arith: expected at least one step, got none")
    check_at_most(len(arith.steps), "arith", MAX_FUNC_FRAMES, "steps (frames)", limit_name="MAX_FUNC_FRAMES",
                  hint="use a smaller input")  # fmt: skip
    interval_ms = check_positive_int(
        interval_ms, "interval_ms", maximum=MAX_INTERVAL_MS, limit_name="MAX_INTERVAL_MS"
    )
    fig, (left, right) = plt.subplots(1, 2, figsize=(WIDTH, 3.6), layout="constrained")
    left.imshow(np.where(np.isfinite(arith.grid), arith.grid, np.nan), cmap=GRAY, alpha=0.5)
    for i, j in arith.input_cells:
        left.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, edgecolor=OUTLINE, linewidth=1.5))
    partial = np.full(arith.output.shape, np.nan)
    finite = arith.output[np.isfinite(arith.output)]
    low, high, _ = map_limits(finite) if finite.size else (0.0, 1.0, False)
    image = right.imshow(partial, cmap=SEQUENTIAL, vmin=low, vmax=high)
    window = [
        left.add_patch(Rectangle((0, 0), 1, 1, color=HIGHLIGHT, alpha=0.5)) for _ in arith.steps[0].window
    ]
    cell = right.add_patch(Rectangle((0, 0), 1, 1, fill=False, edgecolor=HIGHLIGHT, linewidth=3))
    left.set_title(f"{arith.kind}: input {arith.input.shape}")
    for ax in (left, right):
        ax.set_xticks([]), ax.set_yticks([])

    def update(n: int):
        step = arith.steps[n]
        for patch, (i, j) in zip(window, step.window, strict=False):
            patch.set_xy((j - 0.5, i - 0.5))
        partial[step.out_index] = step.value
        image.set_data(partial)
        cell.set_xy((step.out_index[1] - 0.5, step.out_index[0] - 0.5))
        right.set_title(f"out[{step.out_index[0]}, {step.out_index[1]}] = {step.value:.4g}")
        return [*window, image, cell]

    return FuncAnimation(fig, update, frames=len(arith.steps), interval=interval_ms, blit=False)
