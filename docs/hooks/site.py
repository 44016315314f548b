"""MkDocs hooks for the cnnatlas site.

- Every page's footer names the cnnatlas and torch versions it was built with (pages and copied
  scripts never disagree silently); every example page gets a "Run it yourself" box.
- Pages built with the quick profile say so at the top.
- The build report page lists every example's run time and device and every trained model's numbers;
  an example that should have run but reports (almost) zero seconds fails the build.
- plotly.js is copied from the installed plotly package into the site, so the JS always matches the
  Python package that wrote the figures, and nothing is fetched from a CDN.
"""

from __future__ import annotations

import datetime
import json
import re
import shutil
import time
from pathlib import Path

import plotly
from mkdocs.exceptions import PluginError

import cnnatlas
from cnnatlas.train import QUICK_MAX_EPOCHS, QUICK_TRAIN_IMAGES

PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
GALLERY_PREFIX = "generated/gallery/"
REPORT_PAGE = "build-report.md"
MIN_RUN_SECONDS = 0.01  # an executed example that reports less did not really run
_RUN_TIME = re.compile(r"Total running time of the script:\*\*\s*\(\s*(\d+) minutes\s+([\d.]+) seconds\)")
_state: dict[str, float] = {}


def _profile() -> str:
    return cnnatlas.build_profile()  # the library's reading of CNNATLAS_PROFILE, so pages and training agree


def _versions() -> str:
    import torch

    return f"cnnatlas {cnnatlas.__version__} and torch {torch.__version__}"


def on_config(config, **kwargs):
    _state["started"] = time.time()
    config["copyright"] = (
        f"Built with {_versions()} ({_profile()} profile). Code MIT; data sets and photos under their own licences."
    )
    return config


def _example_rows(docs_dir: Path, report: dict) -> list[str]:
    """Update the report with examples that ran in this build; fail on any that ran in ~0 s."""
    import torch

    device = cnnatlas.device_name(cnnatlas.best_device())
    failures = []
    for md in sorted((docs_dir / GALLERY_PREFIX).rglob("plot_*.md")):
        key = md.relative_to(docs_dir).as_posix()
        md5 = next(md.parent.glob(md.stem + ".py.md5"), None)
        match = _RUN_TIME.search(md.read_text(encoding="utf-8"))
        seconds = int(match.group(1)) * 60 + float(match.group(2)) if match else 0.0
        if md5 is not None and md5.stat().st_mtime >= _state.get("started", 0):
            if seconds < MIN_RUN_SECONDS:
                failures.append(f"{key} ran in {seconds} s")
            report["examples"][key] = {"seconds": seconds, "device": device, "torch": str(torch.__version__),
                                       "profile": _profile(), "built": datetime.date.today().isoformat()}  # fmt: skip
    if failures:
        raise PluginError("examples reported (almost) no run time, so they did not really run: " + "; ".join(failures))
    rows = ["| example | run time (s) | device | torch | profile | built |", "|---|---:|---|---|---|---|"]
    for key, row in sorted(report["examples"].items()):
        link = key  # a docs-relative .md path: MkDocs checks it and rewrites it to the page's URL
        title = Path(key).stem.removeprefix("plot_")
        rows.append(f"| [{title}]({link}) | {row['seconds']:.1f} | {row['device']} | {row['torch']} | {row['profile']} | {row['built']} |")
    return rows


def _model_rows(report: dict) -> list[str]:
    for result in cnnatlas.train.results_this_process():  # cached weights carry their training run's numbers
        report["models"][result.model_name] = result.to_dict() | {"history": len(result.history)}
    rows = ["| model | data | device | profile | epochs x images | training s | images/s | test accuracy |",
            "|---|---|---|---|---|---:|---:|---:|"]  # fmt: skip
    for name, r in sorted(report["models"].items()):
        rows.append(f"| {name} | {r['data_name']} | {r['device_name']} | {r['profile']} | {r['epochs']} x {r['train_images']:,} | "
                    f"{r['wall_seconds']:.1f} | {r['images_per_second']:,.0f} | {r['test_accuracy']:.4f} |")  # fmt: skip
    return rows


def on_page_markdown(markdown: str, page, config, files, **kwargs) -> str:
    if page.file.src_uri != REPORT_PAGE:
        return markdown
    docs_dir = Path(config["docs_dir"])
    store = docs_dir / "generated" / "build-report.json"
    report = json.loads(store.read_text()) if store.exists() else {"examples": {}, "models": {}}
    examples = _example_rows(docs_dir, report)
    models = _model_rows(report)
    store.parent.mkdir(parents=True, exist_ok=True)
    store.write_text(json.dumps(report, indent=1, sort_keys=True))
    total = sum(row["seconds"] for row in report["examples"].values())
    return (
        markdown
        + f"\n\nThis site was built with {_versions()}, {_profile()} profile. Examples are re-run only when "
        "their script, the cnnatlas library or the profile changes; rows keep the date of their last run.\n\n"
        + f"## Examples\n\nTotal run time of the last runs: {total:.0f} s.\n\n" + "\n".join(examples)
        + "\n\n## Trained models\n\nTraining times are those of the run that trained the cached weights.\n\n" + "\n".join(models) + "\n"
    )  # fmt: skip


def _run_box(page) -> str:
    script = Path(page.file.src_uri).with_suffix(".py").name
    folder = Path(page.file.src_uri).parent.name
    return (
        '<div class="admonition example cnnatlas-run-box"><p class="admonition-title">Run it yourself</p>'
        f"<p>This page was built with {_versions()}. From a checkout of the cnnatlas repository:</p>"
        f"<pre><code>pip install -e .\npython gallery/{folder}/{script}</code></pre>"
        "<p>Without internet, point <code>CNNATLAS_DATA_MIRROR</code> at a copy of the data mirror first; "
        f"<code>CNNATLAS_PROFILE=quick</code> trains for at most {QUICK_MAX_EPOCHS} epochs. The .py and .ipynb downloads are at the bottom.</p></div>"
    )


def on_page_content(html: str, page, config, files, **kwargs) -> str:
    if not page.file.src_uri.startswith(GALLERY_PREFIX):
        return html
    # mkdocs-gallery's thumbnail links lack the trailing slash of directory URLs, so a click on one
    # did a full reload instead of Material's instant navigation: add it.
    html = re.sub(r'(href=")((?:\.\./|[\w-]+/)*plot_[\w-]+)(")', r"\1\2/\3", html)
    if Path(page.file.src_uri).name.startswith("plot_"):
        html = re.sub(r"(</h1>)", r"\1" + _run_box(page).replace("\\", "\\\\"), html, count=1)
    if _profile() == "quick":
        banner = (
            '<div class="admonition warning cnnatlas-quick-profile"><p class="admonition-title">Quick build</p>'
            "<p>This page was built with <code>CNNATLAS_PROFILE=quick</code>: models were trained for at most "
            f"{QUICK_MAX_EPOCHS} epochs on {QUICK_TRAIN_IMAGES:,} images, so accuracies and pictures are not those of the full build "
            "(<code>nox -s docs</code>).</p></div>"
        )
        html = banner + html
    return html


def on_post_build(config, **kwargs) -> None:
    target = Path(config["site_dir"]) / "javascripts" / "plotly.min.js"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(PLOTLY_JS, target)
