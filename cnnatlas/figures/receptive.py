"""Matplotlib figures of where a unit looks: its theoretical receptive field and its gradient-measured
effective field on the image.

Examples:
    >>> net = nn.Sequential(nn.Conv2d(3, 1, 3), nn.Conv2d(1, 1, 3))
    >>> field = cnnatlas.receptive_fields(net, (1, 3, 16, 16))[-1]
    >>> grad = cnnatlas.gradient_field(net, torch.rand(1, 3, 16, 16), "1", unit=(6, 6))
    >>> fig = receptive_field_figure(torch.rand(3, 16, 16), field, (6, 6), gradient=grad)
    >>> len(fig.axes[0].patches)
    2
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from ..checks import check_drawable, check_instance, check_non_negative_int, check_tensor, describe
from ..display import display_values, rescale
from ..receptive import ReceptiveField
from ..style import CATEGORICAL, GRAY, OUTLINE, SEQUENTIAL, WIDTH


def _check_unit(unit: object, field: ReceptiveField, size: tuple[int, int]) -> None:
    """Refuse a unit that is not two non-negative ints, or whose box lies wholly outside the image."""
    if isinstance(unit, (str, bytes)) or not isinstance(unit, Sequence):
        raise TypeError(f"unit: expected a (row, col) pair of ints, got {describe(unit)}")
    if len(unit) != len(field.size):
        raise ValueError(
            f"unit: expected a (row, col) pair of ints, got {len(unit)} entries: {tuple(unit)!r}"
        )
    for axis, index in zip(("row", "col"), unit, strict=True):
        check_non_negative_int(index, f"unit {axis}")
    boxes = field.box(unit)
    if any(last < 0 or first > extent - 1 for (first, last), extent in zip(boxes, size, strict=True)):
        raise ValueError(
            f"unit: expected a unit of {field.name} whose field overlaps the {size[0]}x{size[1]} image, "
            f"got {tuple(unit)} (field rows {boxes[0][0]:g}..{boxes[0][1]:g}, cols {boxes[1][0]:g}..{boxes[1][1]:g})"
        )


def receptive_field_figure(
    image: torch.Tensor,
    field: ReceptiveField,
    unit: Sequence[int],
    gradient: torch.Tensor | None = None,
    ax: Axes | None = None,
) -> Figure:
    """Draw ``image`` (C, H, W) with the theoretical field of ``unit`` as a box and, if given, the (H, W)
    gradient magnitude as a translucent heat map (the effective receptive field).

    The box may extend past the image (padding); the part outside is drawn dashed.

    Examples:
        >>> from cnnatlas.receptive import ReceptiveField
        >>> f = ReceptiveField("c", "Conv2d", (5, 5), (2, 2), (2.0, 2.0))
        >>> fig = receptive_field_figure(torch.rand(3, 16, 16), f, (3, 3))
    """
    check_drawable(image, "image", rank=3, layout="(C, H, W)")
    if not isinstance(field, ReceptiveField):
        raise TypeError(f"field: expected a ReceptiveField, got {type(field).__name__}")
    if field.whole_input:
        raise ValueError(f"field: {field.name} sees the whole input (global); there is no box to draw")
    height, width = image.shape[1:]
    _check_unit(unit, field, (height, width))
    if gradient is not None:
        check_tensor(
            gradient, "gradient", rank=2, floating=True, layout="(H, W)", value_range=(0.0, math.inf)
        )
        if tuple(gradient.shape) != (height, width):
            raise ValueError(
                f"gradient: expected shape {(height, width)} to match the image, got {tuple(gradient.shape)}"
            )
    check_instance(ax, "ax", Axes, optional=True)
    data = (
        display_values(image) if image.dtype == torch.uint8 else rescale(display_values(image), constant=0.0)
    )
    ax = ax or plt.figure(figsize=(WIDTH * 0.75, WIDTH * 0.75 + 0.4), layout="constrained").subplots()
    ax.imshow(
        data.transpose(1, 2, 0) if data.shape[0] == 3 else data[0],
        cmap=None if data.shape[0] == 3 else GRAY,
    )
    if gradient is not None:
        g = gradient.detach().cpu().numpy()
        alpha = np.where(g > 0, 0.25 + 0.6 * g / (g.max() or 1.0), 0.0)
        ax.imshow(np.where(g > 0, g, np.nan), cmap=SEQUENTIAL, alpha=alpha)
        rows, cols = np.nonzero(g)
        if rows.size:
            ax.add_patch(Rectangle((cols.min() - 0.5, rows.min() - 0.5), cols.max() - cols.min() + 1, rows.max() - rows.min() + 1,
                                   fill=False, edgecolor=CATEGORICAL[2], linewidth=1.5, label="non-zero gradient"))  # fmt: skip
    (top, bottom), (left, right) = field.box(unit)
    ax.add_patch(Rectangle((left - 0.5, top - 0.5), right - left + 1, bottom - top + 1, fill=False, edgecolor=OUTLINE,
                           linewidth=2, linestyle="--", label=f"theoretical {field.size[0]}x{field.size[1]}"))  # fmt: skip
    ax.set_xlim(-0.5, width - 0.5)
    ax.set_ylim(height - 0.5, -0.5)
    ax.legend(loc="lower right")
    ax.set_title(
        f"{field.name} unit {tuple(unit)}\nfield {field.size[0]}x{field.size[1]}, jump {field.jump[0]}"
    )
    ax.set_axis_off()
    return ax.figure
