"""The controls every Plotly widget shares: a slider over animation frames, play/pause buttons, and a
slider whose steps switch which traces are visible.

Examples:
    >>> [step["label"] for step in frame_slider(["a", "b"], "frame ")["steps"]]
    ['a', 'b']
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from ..checks import (
    check_at_most,
    check_bool,
    check_instance,
    check_names,
    check_non_negative_int,
    check_positive_int,
    check_str,
    describe,
)

MAX_FRAMES = 400
"""Most frames (slider steps) of one Plotly animation: more makes the slider unusable and the page heavy."""
MAX_HEIGHT = 4000
"""Tallest widget, in pixels."""
MAX_DURATION_MS = 10_000
"""Longest time one animation frame is shown when playing, in milliseconds."""
MAX_STEPS = 1000
"""Most steps of one visibility slider (each step carries one flag per trace)."""
_LABEL_PX = 12  # plotly.js's font size of slider labels (the layout's)
CHAR_EM = 0.6
"""Width of an average character of a figure's text, in font sizes (generous: the fallback fonts are wide)."""


def check_height(height: object) -> int:
    """Return ``height`` if it is a widget height in pixels (1 to [`MAX_HEIGHT`][cnnatlas.widgets.controls.MAX_HEIGHT]), else raise saying why.

    Examples:
        >>> check_height(420)
        420
        >>> check_height(10**6)
        Traceback (most recent call last):
        ...
        ValueError: height: expected an int from 1 to 4000 (the limit, MAX_HEIGHT), got 1000000
    """
    return check_positive_int(height, "height", maximum=MAX_HEIGHT, limit_name="MAX_HEIGHT")


def frame_slider(labels: Sequence[str], prefix: str) -> dict:
    """Return a Plotly slider whose step ``n`` (labelled ``labels[n]``) shows the animation frame named ``str(n)``.

    Examples:
        >>> frame_slider(["0,0", "0,1"], "output cell ")["steps"][1]["args"][0]
        ['1']
    """
    labels = check_names(labels, "labels")
    check_at_most(len(labels), "labels", MAX_FRAMES, "frames", limit_name="MAX_FRAMES")
    check_str(prefix, "prefix", non_empty=False)
    return {
        "active": 0, "currentvalue": {"prefix": prefix}, "pad": {"t": 10},
        "steps": [{"method": "animate", "label": label,
                   "args": [[str(n)], {"mode": "immediate", "frame": {"duration": 0, "redraw": True}, "transition": {"duration": 0}}]}
                  for n, label in enumerate(labels)],
    }  # fmt: skip


def play_buttons(duration_ms: int) -> list[dict]:
    """Return Plotly ``updatemenus`` with a play button (``duration_ms`` per frame) and a pause button.

    The buttons show the players' symbols only (▶ and ❚❚), so that both fit left of a slider on a phone.

    Examples:
        >>> [b["label"] for b in play_buttons(500)[0]["buttons"]]
        ['▶', '❚❚']
    """
    duration_ms = check_positive_int(
        duration_ms, "duration_ms", maximum=MAX_DURATION_MS, limit_name="MAX_DURATION_MS"
    )
    return [{"type": "buttons", "x": 0, "y": 0, "xanchor": "left", "yanchor": "top", "direction": "left", "pad": {"t": 40},
             "buttons": [
                 {"label": "▶", "method": "animate",
                  "args": [None, {"frame": {"duration": duration_ms, "redraw": True}, "fromcurrent": True, "transition": {"duration": 0}}]},
                 {"label": "❚❚", "method": "animate", "args": [[None], {"mode": "immediate", "frame": {"duration": 0, "redraw": False}}]},
             ]}]  # fmt: skip


def visibility_step(label: str, visible: Sequence[bool], title: str) -> dict:
    """Return one slider step or button that shows the traces flagged in ``visible`` and sets the title.

    Examples:
        >>> visibility_step("conv", [True, False], "conv")["args"][0]
        {'visible': [True, False]}
    """
    check_str(label, "label", non_empty=False)
    check_str(title, "title", non_empty=False)
    if isinstance(visible, (str, bytes, dict)) or not isinstance(visible, Sequence):
        raise TypeError(f"visible: expected a sequence of True/False, one per trace, got {describe(visible)}")
    if not visible:
        raise ValueError("visible: expected one flag per trace, got an empty sequence")
    for flag in visible:
        check_bool(flag, "visible")
    return {"method": "update", "label": label, "args": [{"visible": list(visible)}, {"title.text": title}]}


def visibility_slider(steps: Sequence[dict], prefix: str, pad_top: int) -> dict:
    """Return a Plotly slider over ``steps`` (made by [`visibility_step()`][cnnatlas.widgets.controls.visibility_step]), its value shown after ``prefix``.

    plotly.js centres each step's label on its tick: the slider is padded left and right by half its first
    and last labels, so that neither is cut at the figure's edge (on a phone as on a laptop).

    Examples:
        >>> len(visibility_slider([visibility_step("a", [True], "A")], "layer: ", 30)["steps"])
        1
    """
    if isinstance(steps, (str, bytes, dict)) or not isinstance(steps, Sequence):
        raise TypeError(f"steps: expected a sequence of steps from visibility_step, got {describe(steps)}")
    if not steps:
        raise ValueError("steps: expected at least one step, got an empty sequence")
    check_at_most(len(steps), "steps", MAX_STEPS, "slider steps", limit_name="MAX_STEPS")
    for step in steps:
        check_instance(step, "steps", dict)
    check_str(prefix, "prefix", non_empty=False)
    pad_top = check_non_negative_int(pad_top, "pad_top", maximum=MAX_HEIGHT, limit_name="MAX_HEIGHT")
    half = [math.ceil(len(str(steps[i].get("label", ""))) * CHAR_EM * _LABEL_PX / 2) for i in (0, -1)]
    return {"active": 0, "steps": list(steps), "currentvalue": {"prefix": prefix},
            "pad": {"t": pad_top, "l": half[0], "r": half[1]}}  # fmt: skip
