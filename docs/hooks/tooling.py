"""Settings shared by the tools around the site: the noxfile, the tests and the benchmarks.

Standard library only: the noxfile imports it from nox's own Python, outside the project's environment.
The noxfile, ``tests/conftest.py`` and ``bench/bench_site.py`` put this folder on ``sys.path``.
"""

from __future__ import annotations

import os
import platform
import re
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Offline data: a mirror beside the checkout (laid out as cnnatlas.data expects), used when present and
# CNNATLAS_DATA_MIRROR is unset.
DATA_MIRROR = ROOT.parent / "shared" / "data"
# Material for MkDocs prints an end-of-life banner on every mkdocs run unless this is set.
QUIET_MKDOCS = {"NO_MKDOCS_2_WARNING": "1"}
# A page's own HTML plus the images and figure files it shows; plotly.js is shared by all pages and cached.
PAGE_BUDGET_BYTES = int(1.5 * 1024 * 1024)
_IMG_SRC = re.compile(r'<img[^>]+src="([^"]+)"')
# A Plotly figure's JSON file (gallery_conf.AtlasRenderer writes it beside the page)
FIGURE_SRC = re.compile(r'<div class="cnnatlas-plotly"[^>]*? data-src="([^"]+)"')


def tool_env(environ: Mapping[str, str] = os.environ) -> dict[str, str]:
    """Return the variables that nox, the tests and the benchmarks add to the environment they run in.

    >>> sorted(tool_env({"CNNATLAS_DATA_MIRROR": "/data"}))
    ['NO_MKDOCS_2_WARNING']
    """
    env = dict(QUIET_MKDOCS)
    if "CNNATLAS_DATA_MIRROR" not in environ and DATA_MIRROR.is_dir():
        env["CNNATLAS_DATA_MIRROR"] = str(DATA_MIRROR)
    return env


def build_site(site: Path, env: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
    """Run ``mkdocs build --strict`` into ``site`` with this Python and ``env``; return the finished process."""
    command = [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(site)]
    return subprocess.run(
        command, cwd=ROOT, env={**env, **tool_env(env)}, capture_output=True, text=True, check=False
    )


def page_weight(page: Path) -> int:
    """Return the bytes a reader downloads for a built page: its HTML, the local images it shows and the
    JSON files of its Plotly figures (``data-src``, fetched when the figure comes near: all count).

    An image whose address ends with Material's ``#only-light`` or ``#only-dark`` is fetched in that scheme
    only (it is lazy and hidden in the other): the heavier scheme counts.

    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "figures").mkdir(), (folder / "figures" / "a.json").write_text("{}" * 50)
    >>> _ = (folder / "index.html").write_text('<div class="cnnatlas-plotly" style="" data-src="figures/a.json">')
    >>> page_weight(folder / "index.html") - (folder / "index.html").stat().st_size
    100
    """
    text = page.read_text(encoding="utf-8")
    sources = [src for src in _IMG_SRC.findall(text) if not src.startswith(("http", "data:"))]
    figures = {page.parent / src for src in FIGURE_SRC.findall(text)}

    def scheme(hidden: str) -> int:
        files = {page.parent / src.split("#")[0] for src in sources if not src.endswith(hidden)}
        return sum(path.stat().st_size for path in files if path.exists())

    figure_bytes = sum(path.stat().st_size for path in figures if path.exists())
    return page.stat().st_size + max(scheme("#only-dark"), scheme("#only-light")) + figure_bytes


def page_weights(site: Path) -> dict[str, int]:
    """Return ``{page path relative to the site: bytes}`` for every built page, sorted by path."""
    return {page.relative_to(site).as_posix(): page_weight(page) for page in sorted(site.rglob("*.html"))}


def gallery_dirs() -> tuple[Path, Path]:
    """Return the gallery's script folder and output folder, as mkdocs.yml's gallery plugin names them."""
    from mkdocs.utils.yaml import yaml_load  # in the project's environment only; mkdocs.yml has !ENV tags

    config = yaml_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    options = next(p["gallery"] for p in config["plugins"] if isinstance(p, dict) and "gallery" in p)
    return ROOT / options["examples_dirs"], ROOT / options["gallery_dirs"]


def cpu_model() -> str:
    """Return the CPU's model name as the kernel reports it (``/proc/cpuinfo``), else the platform's word.

    The benchmarks print it beside their tables: a timing means little without the machine.
    """
    try:
        with Path("/proc/cpuinfo").open(encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.partition(":")[2].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()
