from __future__ import annotations

import numpy as np
import pytest
import torch

import cnnatlas
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
    assert [b.label for b in fig.layout.updatemenus[0].buttons] == ["▶", "❚❚"]


def test_bad_input_is_explained() -> None:
    with pytest.raises(ValueError, match="too small"):
        conv_steps(torch.rand(2, 2), torch.ones(3, 3))
    with pytest.raises(ValueError, match=r"\(H, W\)"):
        conv_steps(torch.rand(1, 4, 4), torch.ones(3, 3))
    with pytest.raises(ValueError, match="square"):
        conv_steps(torch.rand(4, 4), torch.ones(3, 2))


def test_messages_show_their_values() -> None:
    """animate.py:130 lacked its f prefix and printed '{dilation}'."""
    with pytest.raises(ValueError, match="dilation: expected 1 .*, got 2"):
        pool_steps(torch.rand(4, 4), 2, mode="avg", dilation=2)


@pytest.mark.parametrize("steps", [conv_steps, transposed_steps, scatter_steps])
def test_every_step_function_checks_the_kernel_alike(steps) -> None:
    """conv_steps, transposed_steps and scatter_steps all take square kernels only, with one message."""
    with pytest.raises(ValueError, match=r"square \(k, k\) kernel, got shape \(2, 3\)"):
        steps(torch.rand(4, 4), torch.ones(2, 3))
    with pytest.raises(ValueError, match="kernel: expected a 2D"):
        steps(torch.rand(4, 4), torch.ones(3))


def test_window_comparison_counts_its_taps() -> None:
    a = conv_steps(torch.rand(7, 7), torch.ones(5, 5), padding=2)
    b = conv_steps(torch.rand(7, 7), torch.ones(5, 5), padding=4, dilation=2)
    fig = cnnatlas.window_comparison_animation(a, b, ("standard", "dilated"))
    assert (
        fig.frames[0]
        .layout.title.text.replace("<br>", " ")
        .startswith("output cell (0, 0): 25 taps covering 5x5 vs 9x9")
    )


def test_a_constant_output_gets_a_centred_colour_range() -> None:
    """No '+1e-9': the matplotlib animation of a constant output gets a range centred on its value."""
    anim = cnnatlas.conv_funcanimation(conv_steps(torch.zeros(4, 4), torch.ones(3, 3)))
    image = anim._fig.axes[1].images[0]
    assert image.get_clim() == (-1.0, 1.0)


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: conv_steps(torch.rand(48, 48), torch.ones(3, 3)), ValueError, r"x: expected at most 1024 window steps \(output cells\) \(the limit, MAX_STEPS\), got 2116"),
        (lambda: conv_steps(torch.rand(4, 4), torch.ones(3, 3), padding=10**6), ValueError, "the limit, MAX_STEPS"),
        (lambda: conv_steps(torch.rand(4, 4), torch.ones(3, 3), padding=100, stride=100), ValueError, "MAX_GRID_CELLS"),
        (lambda: conv_steps(torch.rand(32, 32), torch.ones(17, 17), padding=8), ValueError, "MAX_WINDOW_CELLS"),
        (lambda: transposed_steps(torch.rand(40, 40), torch.ones(3, 3), stride=2), ValueError, "the limit, MAX_"),
        (lambda: scatter_steps(torch.rand(40, 40), torch.ones(3, 3)), ValueError, "the limit, MAX_STEPS"),
        (lambda: pool_steps(torch.rand(200, 200), 2), ValueError, "the limit, MAX_"),
        (lambda: conv_steps(torch.rand(4, 4), torch.ones(3, 3), padding="same"), TypeError, "padding: expected an int >= 0, got 'same'"),
        (lambda: conv_steps(torch.rand(4, 4), torch.ones(3, 3), stride=0), ValueError, "stride: expected an int >= 1, got 0"),
        (lambda: conv_steps(torch.rand(4, 4, 3), torch.ones(3, 3)), ValueError, r"x: expected a 2D \(H, W\) tensor"),
        (lambda: conv_steps(np.zeros((4, 4)), torch.ones(3, 3)), TypeError, "numpy.ndarray of shape"),
        (lambda: conv_steps(torch.full((4, 4), float("nan")), torch.ones(3, 3)), ValueError, "finite"),
        (lambda: pool_steps(torch.rand(4, 4), 2, stride=0), ValueError, "stride: expected an int >= 1, got 0"),
        (lambda: pool_steps(torch.rand(4, 4), 2, mode="mean"), ValueError, "mode: expected one of 'max', 'avg'"),
        (lambda: pool_steps(torch.rand(4, 4), 2, ceil_mode="yes"), TypeError, "ceil_mode: expected True or False"),
        (lambda: scatter_steps(torch.rand(2, 2), torch.ones(3, 3), stride=0), ValueError, "stride: expected an int >= 1"),
        (lambda: scatter_steps(torch.rand(2, 2), torch.ones(3, 3), output_padding=1), ValueError, "output_padding"),
        (lambda: transposed_steps(torch.rand(4, 4), torch.ones(3, 3), stride=2, padding=3), ValueError, "padding: expected at most"),
        (lambda: cnnatlas.WindowSteps("convolution", np.zeros((2, 2)), np.zeros((2, 2)), (), None, np.zeros((1, 1)), ()), ValueError, "kind: expected one of"),
        (lambda: cnnatlas.WindowSteps("conv", [[0.0]], np.zeros((2, 2)), (), None, np.zeros((1, 1)), ()), TypeError, "input: expected a 2D numpy array, got list"),
    ],
)  # fmt: skip
def test_step_functions_refuse_bad_and_oversize_requests_quickly(call, error, match) -> None:
    with pytest.raises(error, match=match):
        call()
