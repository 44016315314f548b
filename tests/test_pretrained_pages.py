"""The pages' ImageNet-weights branch, run offline with STAND-IN weights (not ImageNet's), and their fallback.

The published build downloads torchvision's ImageNet weights and runs each page's pretrained branch; no
other run has those weights. Here a stand-in state dict takes their place: torchvision's own architecture,
seeded random initialisation, with the first convolution's kernels smoothed (trained first layers are
smooth colour blobs and edges, which is what the kernels page measures). It is saved in a temporary torch
hub cache (``TORCH_HOME``) under the file name torchvision's weights URL gives; torchvision loads a cached
file without checking the hash in its name. So ``load_imagenet_model`` takes its "ImageNet weights, from
torch hub's cache" branch, and each page that would show ImageNet weights runs it on its own (quick
profile) and must build, draw and print which weights it shows. The numbers it prints are the stand-in's,
never claims about ImageNet: this test checks the code path, the pages' asserts on real weights run in the
published build.

With an empty hub cache and no network (a proxy that refuses every connection), the same pages fall back
and say so.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
import torchvision

from cnnatlas.pretrained import cached_weights_path

pytestmark = pytest.mark.site

ROOT = Path(__file__).resolve().parents[1]
# every page that calls load_imagenet_model, and the model it asks for (test_the_list_is_complete keeps it so)
PAGES = {
    "gallery/03_models/plot_03_kernels_and_feature_maps.py": "vgg16",
    "gallery/03_models/plot_05_where_a_unit_looks.py": "vgg16",
}
STAND_IN_SEED = 20260401
# run the page, then say how many figures it left open (mkdocs-gallery captures those)
RUNNER = (
    "import runpy, sys, matplotlib.pyplot as plt; runpy.run_path(sys.argv[1], run_name='__main__'); "
    "print(f'OPEN FIGURES: {len(plt.get_fignums())}')"
)


def stand_in_state_dict(name: str) -> dict[str, torch.Tensor]:
    """torchvision's ``name`` architecture, seeded random weights, first-layer kernels smoothed: a STAND-IN."""
    torch.manual_seed(STAND_IN_SEED)
    model = getattr(torchvision.models, name)(weights=None)
    first = next(m for m in model.modules() if isinstance(m, torch.nn.Conv2d))
    with torch.no_grad():
        k = first.weight.shape[-1]
        coarse = torch.randn(
            first.weight.shape[0], first.weight.shape[1], 2, 2
        )  # a slope per kernel and colour
        first.weight.copy_(
            torch.nn.functional.interpolate(coarse, size=(k, k), mode="bilinear", align_corners=True)
        )
    return model.state_dict()


def run_page(page: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", RUNNER, str(ROOT / page)],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=1800,
    )  # fmt: skip


def page_env(torch_home: Path) -> dict[str, str]:
    env = dict(os.environ, TORCH_HOME=str(torch_home), CNNATLAS_PROFILE="quick", MPLBACKEND="Agg")
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    data = ROOT.parent / "shared" / "data"
    if "CNNATLAS_DATA_MIRROR" not in env and data.exists():
        env["CNNATLAS_DATA_MIRROR"] = str(data)
    return env


@pytest.fixture(scope="module")
def stand_in_hub(tmp_path_factory) -> Path:
    """A torch hub cache holding stand-in weights (NOT ImageNet's) under torchvision's file names."""
    home = tmp_path_factory.mktemp("torch_home_stand_in")
    previous = os.environ.get("TORCH_HOME")
    os.environ["TORCH_HOME"] = str(home)
    try:
        for name in sorted(set(PAGES.values())):
            path = cached_weights_path(name)
            path.parent.mkdir(parents=True, exist_ok=True)
            torch.save(stand_in_state_dict(name), path)
    finally:
        if previous is None:
            del os.environ["TORCH_HOME"]
        else:
            os.environ["TORCH_HOME"] = previous
    return home


def test_the_list_is_complete() -> None:
    using = {
        str(p.relative_to(ROOT)) for p in (ROOT / "gallery").rglob("plot_*.py")
        if "load_imagenet_model(" in p.read_text(encoding="utf-8")
    }  # fmt: skip
    assert using == set(PAGES), "a page that loads ImageNet weights belongs in PAGES"


def test_the_stand_in_loads_as_torchvision_weights(stand_in_hub, monkeypatch) -> None:
    from cnnatlas.pretrained import load_imagenet_model

    monkeypatch.setenv("TORCH_HOME", str(stand_in_hub))
    loaded = load_imagenet_model("vgg16", download=False)
    assert loaded.pretrained and loaded.source.endswith("(torchvision, from torch hub's cache)")
    reference = stand_in_state_dict("vgg16")
    assert all(torch.equal(v, reference[k]) for k, v in loaded.model.state_dict().items())


@pytest.mark.parametrize(
    "page",
    sorted(PAGES),
)
def test_a_page_runs_its_imagenet_branch_on_stand_in_weights(page, stand_in_hub, tmp_path) -> None:
    done = run_page(page, page_env(stand_in_hub), tmp_path)
    assert done.returncode == 0, (
        f"{page} with STAND-IN weights failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    )
    shown = [line for line in done.stdout.splitlines() if line.startswith("WEIGHTS SHOWN:")]
    assert len(shown) == 1 and "ImageNet weights" in shown[0] and "from torch hub's cache" in shown[0], shown
    assert "FALLBACK" not in done.stdout
    assert int(done.stdout.rsplit("OPEN FIGURES: ", 1)[1]) > 0, "the page drew nothing"
    assert "Downloading" not in done.stdout + done.stderr


@pytest.mark.parametrize("page", sorted(PAGES))
def test_offline_a_page_falls_back_and_says_so(page, tmp_path) -> None:
    env = page_env(tmp_path / "empty_torch_home")
    for key in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
        env[key] = "http://127.0.0.1:9"  # the discard port: every connection is refused at once
    env.pop("no_proxy", None), env.pop("NO_PROXY", None)
    done = run_page(page, env, tmp_path)
    assert done.returncode == 0, f"{page} offline failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    shown = [line for line in done.stdout.splitlines() if line.startswith("WEIGHTS SHOWN:")]
    assert (
        len(shown) == 1 and "FALLBACK" in shown[0] and "ImageNet weights" not in shown[0].split("FALLBACK")[0]
    )
    assert int(done.stdout.rsplit("OPEN FIGURES: ", 1)[1]) > 0, "the page drew nothing"
