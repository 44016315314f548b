"""The live atlas: a page element in which the reader's own input runs through exported networks, in the browser.

[`live_atlas()`][cnnatlas.widgets.live.live_atlas] returns a [`LiveAtlas`][cnnatlas.widgets.live.LiveAtlas],
an object whose ``_repr_html_`` is one ``<div class="cnnatlas-live">`` naming the files of each network
(written by [`ExportedNetwork.save()`][cnnatlas.export.ExportedNetwork.save] and
[`image_sprite()`][cnnatlas.export.image_sprite]); the site's ``javascripts/live_atlas.js`` builds the
controls and runs the forward pass. No inline script: Material's instant navigation would re-create it.

Examples:
    >>> html = live_atlas([{"label": "LeNet", "manifest": "lenet.json"}])._repr_html_()
    >>> html.startswith('<div class="cnnatlas-live"')
    True
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..checks import check_non_negative_int, check_str, describe

_KEYS = {"label", "manifest", "sprite", "sprite_columns", "sprite_labels", "draw", "open_file"}
_REQUIRED = ("label", "manifest")


@dataclass(frozen=True)
class LiveAtlas:
    """The live atlas of some networks; its ``_repr_html_`` is what a gallery page embeds.

    Attributes:
        networks: One dict per network, as given to [`live_atlas()`][cnnatlas.widgets.live.live_atlas].
        height_hint: Vertical space (px) reserved while the page's script loads.
    """

    networks: tuple[dict, ...]
    height_hint: int = 900

    def _repr_html_(self) -> str:
        payload = html.escape(json.dumps(list(self.networks), separators=(",", ":")), quote=True)
        return (
            f'<div class="cnnatlas-live" data-networks="{payload}" style="min-height:{self.height_hint}px">'
            '<p class="cnnatlas-live-fallback">The live atlas runs in the browser with JavaScript '
            "(loading...).</p></div>"
        )


def live_atlas(networks: Sequence[Mapping[str, object]], height_hint: int = 900) -> LiveAtlas:
    """Return a [`LiveAtlas`][cnnatlas.widgets.live.LiveAtlas] over ``networks``, each a mapping of:

    ``label`` (the switcher's text), ``manifest`` (URL of the ``.json``, relative to the page), and optionally
    ``sprite`` (URL of a PNG of test images), ``sprite_columns`` (images per sprite row), ``sprite_labels``
    (each sprite image's class index), ``draw`` (offer a drawing canvas) and ``open_file`` (offer to open a
    photo from the reader's disk). ``height_hint`` reserves vertical space (px) while the script loads.

    Examples:
        >>> atlas = live_atlas([{"label": "LeNet", "manifest": "lenet.json", "draw": True}])
        >>> atlas.networks[0]["draw"]
        True
        >>> live_atlas([{"label": "LeNet"}])
        Traceback (most recent call last):
        ...
        ValueError: networks[0]: expected the keys ('label', 'manifest'), got ['label']
    """
    if isinstance(networks, (str, bytes, Mapping)) or not isinstance(networks, Sequence) or not networks:
        raise TypeError(f"networks: expected a non-empty list of mappings, got {describe(networks)}")
    checked = []
    for i, network in enumerate(networks):
        if not isinstance(network, Mapping):
            raise TypeError(f"networks[{i}]: expected a mapping, got {describe(network)}")
        if any(key not in network for key in _REQUIRED):
            raise ValueError(f"networks[{i}]: expected the keys {_REQUIRED}, got {sorted(network)}")
        unknown = sorted(set(network) - _KEYS)
        if unknown:
            raise ValueError(f"networks[{i}]: expected only the keys {sorted(_KEYS)}, got {unknown}")
        for key in ("label", "manifest", "sprite"):
            if key in network:
                check_str(network[key], f"networks[{i}][{key!r}]")
        try:
            json.dumps(dict(network))
        except (TypeError, ValueError) as error:
            raise TypeError(
                f"networks[{i}]: expected JSON values (str, numbers, bools, lists), got {error}"
            ) from error
        checked.append(json.loads(json.dumps(dict(network))))  # JSON-ready, and a copy
    height_hint = check_non_negative_int(height_hint, "height_hint")
    return LiveAtlas(tuple(checked), height_hint)
