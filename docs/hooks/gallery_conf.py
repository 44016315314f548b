"""mkdocs-gallery configuration (``conf_script`` in mkdocs.yml): how the examples run, and what is recorded.

Importing this module only defines things. mkdocs-gallery executes the file once per build (from its
``on_config``) and keeps ``conf``; the work happens when mkdocs-gallery calls back into ``conf``:

- before each example it runs, the ``reset_modules`` callable ``CLOCK.start`` makes :class:`AtlasRenderer`
  the default Plotly renderer and notes the start time;
- after each code block, ``schemes.scrape`` saves each matplotlib figure in a light and a dark variant, and
  the ``image_scrapers`` callable ``CLOCK.lap`` (which scrapes no image) writes the
  example's run time so far to ``.example-runs.json`` in the gallery output folder.

The MkDocs hook ``site_hook.py`` imports this module too (its directory is on ``sys.path`` while MkDocs loads
it): it clears the record at the start of a build, reads it afterwards for the build report, and keeps
``.page-stamps.json`` there (``staleness.py``) to re-run each example whose cnnatlas files changed, and every
example when the build profile or this file changed. A Plotly figure that ends a cell is embedded as ``<div class="cnnatlas-plotly"
data-src="figures/NAME.json">``, its JSON a file beside the built page (:class:`AtlasRenderer`): no CDN script
and no inline script (Material re-creates inline scripts on instant navigation and drops their ``type``);
``javascripts/figures.js`` fetches and draws it.
"""

from __future__ import annotations

import hashlib
import html
import importlib.util
import json
import os
import shutil
import sys
import time
from pathlib import Path
from types import ModuleType

import library_facts  # a sibling (this folder is on sys.path): the profile without importing cnnatlas
import plotly.io as pio
from plotly.io.base_renderers import MimetypeRenderer

RENDERER_NAME = "cnnatlas"
DEFAULT_HEIGHT = 480  # px, for a figure whose layout sets no height
FIGURES_DIR = "figures"  # the figures' JSON files, in the folder of the built page (AtlasRenderer)
RUNS_FILE = ".example-runs.json"
STAMP_FILE = ".build-stamp"


class AtlasRenderer(MimetypeRenderer):
    """Emit a figure as a div naming its JSON file; the site's figures.js fetches it and draws the plot.

    The JSON goes to ``figures/<sha256 of it, 16 hex digits>.json`` in the folder of the built page
    (``start_page``: ``<page>/``, inside the gallery output that mkdocs-gallery's cache keeps, so a page that
    is not run again keeps its files; MkDocs copies them into the site beside ``<page>/index.html``), and
    the div names it relative to the page: the page's HTML holds no figure data (faster to parse, index and
    search) and figures.js fetches each figure when it comes near. With no page folder (the renderer used
    outside the build), the JSON is inlined in ``data-figure``.
    """

    def __init__(self) -> None:
        super().__init__()
        self.page_dir: Path | None = None

    def start_page(self, page_dir: Path) -> None:
        """Write the next figures for the page built in ``page_dir``; drop the figure files of its last run."""
        self.page_dir = Path(page_dir)
        shutil.rmtree(self.page_dir / FIGURES_DIR, ignore_errors=True)

    def to_mimebundle(self, fig_dict: dict) -> dict[str, str]:
        payload = pio.to_json(fig_dict, validate=False, remove_uids=True)
        height = (fig_dict.get("layout") or {}).get("height") or DEFAULT_HEIGHT
        div = f'<div class="cnnatlas-plotly" style="width:100%;height:{int(height)}px"'
        if self.page_dir is None:
            return {"text/html": f'{div} data-figure="{html.escape(payload, quote=True)}"></div>'}
        name = f"{FIGURES_DIR}/{hashlib.sha256(payload.encode()).hexdigest()[:16]}.json"
        (self.page_dir / FIGURES_DIR).mkdir(parents=True, exist_ok=True)
        (self.page_dir / name).write_text(payload, encoding="utf-8")
        return {"text/html": f'{div} data-src="{name}"></div>'}


def use_atlas_renderer(page_dir: Path | None = None) -> None:
    """Register :class:`AtlasRenderer` with plotly.io and make it the default renderer (for ``page_dir``)."""
    if RENDERER_NAME not in pio.renderers:
        pio.renderers[RENDERER_NAME] = AtlasRenderer()
    pio.renderers.default = RENDERER_NAME
    if page_dir is not None:
        pio.renderers[RENDERER_NAME].start_page(page_dir)


def runs_file(gallery_dir: Path) -> Path:
    """Return where the examples run in the current build are recorded."""
    return Path(gallery_dir) / RUNS_FILE


def read_runs(gallery_dir: Path) -> dict[str, float]:
    """Return ``{script path relative to the examples folder: seconds}`` for the examples run in this build."""
    path = runs_file(gallery_dir)
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


class ExampleClock:
    """Time each example mkdocs-gallery runs, from its ``reset_modules`` call to its last code block."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._current: tuple[str, float, Path] | None = None

    def start(self, gallery_conf: dict, file: Path) -> None:
        """``reset_modules`` callable: mkdocs-gallery calls it before running the example ``file``."""
        examples_dir = next(Path(d) for d in gallery_conf["examples_dirs"] if Path(file).is_relative_to(d))
        gallery_dir = Path(gallery_conf["gallery_dirs"][list(gallery_conf["examples_dirs"]).index(examples_dir)])
        key = Path(file).relative_to(examples_dir).as_posix()
        self._current = (key, time.perf_counter(), gallery_dir)
        import cnnatlas  # here, not at the top: a build with no example to run imports no torch

        # the folder of the built page (<page>/index.html): files a page writes there ship next to it
        os.environ[cnnatlas.export.PAGE_DIR_ENV] = str((gallery_dir / key).with_suffix("").resolve())
        use_atlas_renderer((gallery_dir / key).with_suffix("").resolve())  # its Plotly figures too
        self._record(0.0)

    def lap(self, block: tuple, script: object) -> str:
        """``image_scrapers`` callable: called after each code block; records the time and adds no image."""
        if self._current is not None:
            self._record(time.perf_counter() - self._current[1])
        return ""

    def _record(self, seconds: float) -> None:
        key, _, gallery_dir = self._current
        self.seconds[key] = seconds
        path = runs_file(gallery_dir)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.seconds, indent=1, sort_keys=True), encoding="utf-8")


def library_stamp() -> str:
    """Hash what every page depends on besides its script and the cnnatlas files it uses (``staleness.py``).

    That is the build profile, the build seed, this file and ``schemes.py``.
    """
    digest = hashlib.sha256(library_facts.build_profile().encode())
    if library_facts.build_seed() != "0":  # the default seed keeps the stamp of builds before the seed knob
        digest.update(f"seed {library_facts.build_seed()}".encode())
    digest.update(Path(__file__).read_bytes())
    digest.update(Path(__file__).with_name("schemes.py").read_bytes())
    return digest.hexdigest()


def _schemes() -> ModuleType:
    """The sibling ``schemes.py``, imported when an example runs: it imports matplotlib and cnnatlas (torch)."""
    if "schemes" not in sys.modules:  # by path: this folder is on sys.path only while MkDocs loads the hook
        spec = importlib.util.spec_from_file_location("schemes", Path(__file__).with_name("schemes.py"))
        sys.modules["schemes"] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(sys.modules["schemes"])
    return sys.modules["schemes"]


def _scrape(block: tuple, script: object) -> str:
    """``image_scrapers`` callable: ``schemes.scrape``."""
    return _schemes().scrape(block, script)


def _reset_matplotlib(gallery_conf: dict, file: Path) -> None:
    """``reset_modules`` callable: ``schemes.reset_matplotlib``."""
    _schemes().reset_matplotlib(gallery_conf, file)


CLOCK = ExampleClock()

conf = {
    "image_scrapers": (_scrape, CLOCK.lap),  # each figure light and dark (schemes.py)
    "reset_modules": (_reset_matplotlib, CLOCK.start),
    "capture_repr": ("_repr_html_", "__repr__"),
    "ignore_repr_types": r"matplotlib|torch\.nn|NoneType",
    "remove_config_comments": True,
    "abort_on_example_error": True,
}
