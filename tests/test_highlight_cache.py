"""docs/hooks/highlight_cache.py: a code block highlighted by the last build is not highlighted again, and
its HTML is the same."""

from __future__ import annotations

from pathlib import Path

import highlight_cache  # docs/hooks, put on sys.path by conftest.py
import markdown
import pytest
from pymdownx import highlight as pymdownx_highlight

PAGE = """# Page

```python
x = torch.zeros(1, 3, 8, 8)  # a batch
```

Inline `#!python len(x)` code.

```text
torch.Size([1, 3, 8, 8])
```
"""
EXTENSIONS = ["pymdownx.highlight", "pymdownx.superfences", "pymdownx.inlinehilite"]


def _convert(text: str, **highlight: object) -> str:
    return markdown.markdown(text, extensions=EXTENSIONS, extension_configs={"pymdownx.highlight": highlight})


@pytest.fixture
def pygments_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Count the blocks that Pygments highlights (pymdownx calls it by this name)."""
    calls: list[str] = []
    real = pymdownx_highlight.highlight
    monkeypatch.setattr(
        pymdownx_highlight, "highlight", lambda src, *a: (calls.append(src), real(src, *a))[1]
    )
    return calls


def test_the_second_build_highlights_nothing_and_gives_the_same_html(tmp_path: Path, pygments_calls) -> None:
    highlight_cache.install(tmp_path)
    first = _convert(PAGE)
    assert len(pygments_calls) == 3  # two blocks and the inline code
    assert highlight_cache.save(tmp_path) == (0, 3)
    highlight_cache.install(tmp_path)
    second = _convert(PAGE)
    assert second == first and '<code class="highlight"><span class="nb">len</span>' in second
    assert len(pygments_calls) == 3
    assert highlight_cache.save(tmp_path) == (3, 3)


def test_a_changed_block_or_setting_is_highlighted_again_and_the_store_keeps_this_build_s(
    tmp_path: Path, pygments_calls
) -> None:
    highlight_cache.install(tmp_path)
    _convert(PAGE)
    highlight_cache.save(tmp_path)
    highlight_cache.install(tmp_path)
    changed = _convert(PAGE.replace("a batch", "one image"))
    assert "one image" in changed
    assert highlight_cache.save(tmp_path) == (2, 3)  # the output block and the inline code were kept
    highlight_cache.install(tmp_path)
    before = len(pygments_calls)
    numbered = _convert(PAGE, linenums=True)
    assert len(pygments_calls) == before + 2 and "linenos" in numbered  # other settings: both blocks again
    highlight_cache.save(tmp_path)
    uncached = _convert(PAGE, linenums=True)
    highlight_cache.install(tmp_path / "empty")
    assert _convert(PAGE, linenums=True) == uncached


def test_a_cut_store_highlights_everything_again(tmp_path: Path) -> None:
    (tmp_path / highlight_cache.STORE_FILE).write_text('{"abc": "<pre', encoding="utf-8")
    highlight_cache.install(tmp_path)
    assert _convert(PAGE).count('<div class="highlight">') == 2
