from __future__ import annotations

import numpy as np
import pytest
import torch

from cnnatlas.widgets.animations import conv_animation
from cnnatlas.windows import conv_steps, pool_steps, scatter_steps, transposed_steps

SIXTEEN = torch.arange(1.0, 17.0).view(4, 4)


def test_article_001_downsampling() -> None:
    assert conv_steps(SIXTEEN, torch.ones(3, 3)).output.tolist() == [[54, 63], [90, 99]]
    stride2 = conv_steps(SIXTEEN, torch.ones(3, 3), stride=2)
    assert stride2.output.tolist() == [[54]] and len(stride2.steps[0].window) == 9


def test_article_001_upsampling_sizes() -> None:
    small = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert transposed_steps(small, torch.ones(3, 3)).output.shape == (4, 4)
    assert transposed_steps(small, torch.ones(3, 3), stride=2).output.shape == (5, 5)


def test_dilated_window_covers_five_by_five() -> None:
    steps = conv_steps(torch.arange(1.0, 50.0).view(7, 7), torch.ones(3, 3), padding=2, dilation=2)
    rows = {i for i, _ in steps.steps[24].window}
    assert steps.output.shape == (7, 7) and max(rows) - min(rows) + 1 == 5


def test_article_004_maxpool() -> None:
    assert pool_steps(SIXTEEN, 2).output.tolist() == [[6, 8], [14, 16]]
    ceil = pool_steps(torch.arange(25.0).view(5, 5), 2, ceil_mode=True)
    assert ceil.output.shape == (3, 3) and ceil.steps[-1].window == ((4, 4),)


@pytest.mark.parametrize(
    ("stride", "padding", "output_padding"), [(1, 0, 0), (2, 0, 0), (2, 1, 1), (3, 1, 2)]
)
def test_transposed_views_agree_with_pytorch(stride, padding, output_padding) -> None:
    torch.manual_seed(0)
    x, w = torch.rand(3, 3), torch.rand(3, 3)
    direct = transposed_steps(x, w, stride, padding, output_padding)
    canvases, scattered = scatter_steps(x, w, stride, padding, output_padding)
    assert np.allclose(direct.output, scattered) and len(canvases) == 9


def test_animation_has_a_frame_per_output_cell() -> None:
    fig = conv_animation(conv_steps(torch.rand(5, 5), torch.ones(3, 3), padding=1))
    assert len(fig.frames) == 25 and len(fig.layout.sliders[0].steps) == 25
    assert fig.layout.updatemenus[0].buttons[0].label.endswith("play")


def test_bad_input_is_explained() -> None:
    with pytest.raises(ValueError, match="too small"):
        conv_steps(torch.rand(2, 2), torch.ones(3, 3))
    with pytest.raises(ValueError, match=r"\(H, W\)"):
        conv_steps(torch.rand(1, 4, 4), torch.ones(3, 3))
    with pytest.raises(ValueError, match="square"):
        conv_steps(torch.rand(4, 4), torch.ones(3, 2))
