"""The controls every Plotly widget shares: a slider over animation frames, play/pause buttons, and a
slider whose steps switch which traces are visible.

Examples:
    >>> [step["label"] for step in frame_slider(["a", "b"], "frame ")["steps"]]
    ['a', 'b']
"""

from __future__ import annotations

from collections.abc import Sequence


def frame_slider(labels: Sequence[str], prefix: str) -> dict:
    """Return a Plotly slider whose step ``n`` (labelled ``labels[n]``) shows the animation frame named ``str(n)``.

    Examples:
        >>> frame_slider(["0,0", "0,1"], "output cell ")["steps"][1]["args"][0]
        ['1']
    """
    return {
        "active": 0, "currentvalue": {"prefix": prefix}, "pad": {"t": 10},
        "steps": [{"method": "animate", "label": label,
                   "args": [[str(n)], {"mode": "immediate", "frame": {"duration": 0, "redraw": True}, "transition": {"duration": 0}}]}
                  for n, label in enumerate(labels)],
    }  # fmt: skip


def play_buttons(duration_ms: int) -> list[dict]:
    """Return Plotly ``updatemenus`` with a play button (``duration_ms`` per frame) and a pause button.

    Examples:
        >>> [b["label"] for b in play_buttons(500)[0]["buttons"]]
        ['▶ play', '❚❚ pause']
    """
    return [{"type": "buttons", "x": 0, "y": 0, "xanchor": "left", "yanchor": "top", "direction": "left", "pad": {"t": 40},
             "buttons": [
                 {"label": "▶ play", "method": "animate",
                  "args": [None, {"frame": {"duration": duration_ms, "redraw": True}, "fromcurrent": True, "transition": {"duration": 0}}]},
                 {"label": "❚❚ pause", "method": "animate", "args": [[None], {"mode": "immediate", "frame": {"duration": 0, "redraw": False}}]},
             ]}]  # fmt: skip


def visibility_step(label: str, visible: Sequence[bool], title: str) -> dict:
    """Return one slider step or button that shows the traces flagged in ``visible`` and sets the title.

    Examples:
        >>> visibility_step("conv", [True, False], "conv")["args"][0]
        {'visible': [True, False]}
    """
    return {"method": "update", "label": label, "args": [{"visible": list(visible)}, {"title.text": title}]}


def visibility_slider(steps: Sequence[dict], prefix: str, pad_top: int) -> dict:
    """Return a Plotly slider over ``steps`` (made by :func:`visibility_step`), its value shown after ``prefix``.

    Examples:
        >>> len(visibility_slider([visibility_step("a", [True], "A")], "layer: ", 30)["steps"])
        1
    """
    return {"active": 0, "steps": list(steps), "currentvalue": {"prefix": prefix}, "pad": {"t": pad_top}}
