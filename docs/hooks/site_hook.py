"""MkDocs hook for the cnnatlas site (``hooks:`` in mkdocs.yml).

- Every page's footer names the cnnatlas and torch versions it was built with; every example page gets
  a "Run it yourself" box; pages built with the quick profile say so at the top.
- An example re-runs when its script changed (mkdocs-gallery's MD5), when a cnnatlas file it uses changed
  (``staleness.py`` reads the imports; the log says which pages re-run and why), or when the build profile
  or the gallery configuration changed (every page), decided before mkdocs-gallery runs them.
- The landing page's cards are generated from the gallery: one per example script (its title, the first
  sentence of its description, its thumbnail), grouped under each section README's heading.
- The build report page lists every example's run time and device (as recorded by the example clock of
  ``gallery_conf.py``) and every trained model's numbers; an example that ran in (almost) zero seconds,
  or that did not run when every example had to, fails the build.
- A build whose examples are all up to date imports neither cnnatlas nor torch (about 3 s of a no-change
  rebuild): what the pages print about them comes from ``library_facts.py``, which reads the sources; the
  code blocks that the last build highlighted keep their HTML (``highlight_cache.py``), a page whose HTML
  did not change keeps its search entries (``search_cache.py``), compiled templates are kept and
  mkdocs-gallery does not import matplotlib to read its configuration (``build_speed.py``).
- Models that the pages about to run will train are trained beside them, in background processes of low CPU
  priority (``prefetch.py``), on the core that the mostly single-threaded pages leave idle.
- plotly.js is the vendored scatter+heatmap partial bundle in docs/javascripts/plotly/ (plotly_bundle.py): the build
  fails unless it is the plotly.js version of the installed plotly, and nothing is fetched from a CDN.

Where the gallery lives is read from the gallery plugin's options in mkdocs.yml, nowhere else.
"""

from __future__ import annotations

import ast
import datetime
import html
import json
import logging
import re
from dataclasses import dataclass
from pathlib import Path

import build_speed  # a sibling: mkdocs-gallery's matplotlib import deferred, compiled templates kept
import gallery_conf  # a sibling: MkDocs puts this folder on sys.path while it loads the hook
import highlight_cache  # a sibling: code blocks highlighted by the last build are not highlighted again
import library_facts  # a sibling: versions, profile and constants of cnnatlas read without importing it
import plotly_bundle  # a sibling, like gallery_conf
import prefetch  # a sibling: models that pages will ask for are trained in a background process
import search_cache  # a sibling: the search index's entries of a page whose HTML did not change are kept
import staleness  # a sibling: which pages re-run when a library file changed
import thumbnails  # a sibling: each page's card image and the gallery index's cards
from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority

HOME_PAGE = "index.md"
REPORT_PAGE = "build-report.md"
REPORT_STORE = ".build-report.json"  # in the gallery output folder; rows keep the date of their last run
CARDS_MARKER = "<!-- gallery cards -->"
CARD_SUMMARY_CHARS = 90
PREREQUISITES = "Assumes:"  # a page's opening sentence that lists what it builds on: not a summary
MIN_RUN_SECONDS = 0.01  # an example that ran for less did not really run
LOG = logging.getLogger("mkdocs.hooks.site_hook")


@dataclass(frozen=True)
class Gallery:
    """Where mkdocs-gallery reads the example scripts and writes their pages (from mkdocs.yml)."""

    examples_dir: Path  # absolute: gallery/
    out_dir: Path  # absolute: docs/generated/gallery/
    prefix: str  # the pages' docs-relative folder, with a trailing slash
    source: str  # examples_dir relative to the project root, for the "Run it yourself" box
    pattern: str  # mkdocs-gallery's filename_pattern: the scripts that it executes

    @classmethod
    def from_config(cls, config) -> Gallery:
        options = config.plugins["gallery"].config
        (examples_dir,) = (Path(p) for p in options["examples_dirs"])
        (out_dir,) = (Path(p) for p in options["gallery_dirs"])
        root = Path(config.config_file_path).resolve().parent
        prefix = out_dir.relative_to(Path(config["docs_dir"])).as_posix() + "/"
        return cls(examples_dir, out_dir, prefix, examples_dir.relative_to(root).as_posix(),
                   options["filename_pattern"] or "/plot_")  # fmt: skip

    def scripts(self) -> list[Path]:
        """Every example script that mkdocs-gallery executes, in gallery order."""
        return [p for p in sorted(self.examples_dir.glob("*/*.py")) if re.search(self.pattern, str(p))]

    def page(self, script: Path) -> str:
        """Return the docs-relative .md path of an example script's page."""
        return self.prefix + script.relative_to(self.examples_dir).with_suffix(".md").as_posix()


_state: dict[str, object] = {}


def _gallery() -> Gallery:
    return _state["gallery"]


def _versions() -> str:
    return f"cnnatlas {_state['version']} and torch {_state['torch']}"


@event_priority(50)  # before mkdocs-gallery's on_config, which reads run_stale_examples
def on_config(config, **kwargs):
    if problem := plotly_bundle.check_bundle(Path(config["docs_dir"])):
        raise PluginError(problem)
    gallery = Gallery.from_config(config)
    stamp = gallery_conf.library_stamp()  # the profile and the gallery configuration: every page's
    # each page re-runs when a library file it uses changed (staleness.py reads the imports), or its script
    plan = staleness.prepare(library_facts.package_dir(), gallery.examples_dir, gallery.out_dir,
                             gallery.scripts(), stamp)  # fmt: skip
    gallery_conf.runs_file(gallery.out_dir).unlink(missing_ok=True)  # this build's runs only
    prefetch.start(gallery.scripts(), gallery.examples_dir, gallery.out_dir)  # models trained beside the pages
    highlight_cache.install(gallery.out_dir)
    search_cache.install(gallery.out_dir)
    build_speed.defer_matplotlib()  # before mkdocs-gallery's on_config, which would import matplotlib.pyplot
    _state.update(gallery=gallery, stamp=stamp, plan=plan, version=library_facts.version(),
                  torch=library_facts.torch_version(), profile=library_facts.build_profile(),
                  quick=library_facts.quick_limits())  # fmt: skip
    config["copyright"] = (
        f"Built with {_versions()} ({_state['profile']} profile). "
        "Code MIT; data sets and photos under their own licences."
    )
    return config


def on_pre_build(config, **kwargs) -> None:
    """Runs after mkdocs-gallery's on_pre_build (hooks come after plugins): the examples have run."""
    prefetch.finish()
    gallery = _gallery()
    runs = gallery_conf.read_runs(gallery.out_dir)
    expected = [script.relative_to(gallery.examples_dir).as_posix() for script in gallery.scripts()]
    problems = run_problems(runs, [key for key in expected if key in _state["plan"].stale])
    if problems:
        raise PluginError("examples that should have run did not really run: " + "; ".join(problems))
    staleness.finish(gallery.out_dir, _state["plan"], _state["stamp"])
    if "mkdocstrings" in config.plugins:  # its compiled templates kept too: it renders before on_env
        handler = config.plugins["mkdocstrings"].get_handler("python")
        build_speed.cache_templates(handler.env, gallery.out_dir, "python", ("mkdocstrings", "mkdocstrings-python"))
    _update_report(gallery, runs)
    thumbnails.write_thumbnails(_all_scripts(gallery), gallery.examples_dir, gallery.out_dir)  # a page without a choice: a whole figure


def on_env(env, config, files, **kwargs):
    """Jinja keeps the theme's compiled templates between builds (on_env comes before the theme renders)."""
    build_speed.cache_templates(env, _gallery().out_dir, "theme", ("mkdocs", "mkdocs-material"))
    return env


def on_post_build(config, **kwargs) -> None:
    blocks, pages = highlight_cache.save(_gallery().out_dir), search_cache.save(_gallery().out_dir)
    LOG.info(f"from the last build: the highlighting of {blocks[0]} of {blocks[1]} code blocks, the search entries "
             f"of {pages[0]} of {pages[1]} pages")  # fmt: skip


def run_problems(runs: dict[str, float], expected: list[str]) -> list[str]:
    """Return what is wrong with this build's runs: an example that ran in ~0 s, or an expected one that did not run.

    >>> run_problems({"a/plot_1.py": 2.5, "a/plot_2.py": 0.0}, ["a/plot_1.py", "a/plot_3.py"])
    ['a/plot_2.py ran in 0.000 s', 'a/plot_3.py did not run']
    """
    problems = [f"{key} ran in {seconds:.3f} s" for key, seconds in sorted(runs.items()) if seconds < MIN_RUN_SECONDS]
    return problems + [f"{key} did not run" for key in expected if key not in runs]


def _update_report(gallery: Gallery, runs: dict[str, float]) -> None:
    store = gallery.out_dir / REPORT_STORE
    report = json.loads(store.read_text(encoding="utf-8")) if store.exists() else {"examples": {}, "models": {}}
    current = {gallery.page(script) for script in gallery.scripts()}
    report["examples"] = {key: row for key, row in report["examples"].items() if key in current}
    if runs:  # examples ran in this process (so cnnatlas and torch are imported already); else nothing is new
        import torch

        import cnnatlas

        device = cnnatlas.device_name(cnnatlas.best_device())
        for key, seconds in runs.items():
            report["examples"][gallery.page(gallery.examples_dir / key)] = {
                "seconds": seconds, "device": device, "torch": str(torch.__version__),
                "profile": cnnatlas.build_profile(), "built": datetime.date.today().isoformat(),
            }  # fmt: skip
        for result in cnnatlas.train.results_this_process():  # cached weights carry their run's numbers
            report["models"][result.model_name] = result.to_dict() | {"history": len(result.history)}
    store.write_text(json.dumps(report, indent=1, sort_keys=True), encoding="utf-8")


def _report_markdown(gallery: Gallery) -> str:
    report = json.loads((gallery.out_dir / REPORT_STORE).read_text(encoding="utf-8"))
    examples = ["| example | run time (s) | device | torch | profile | built |", "|---|---:|---|---|---|---|"]
    for key, row in sorted(report["examples"].items()):  # a docs-relative .md link: MkDocs checks and rewrites it
        title = Path(key).stem.removeprefix("plot_")
        examples.append(f"| [{title}]({key}) | {row['seconds']:.1f} | {row['device']} | {row['torch']} | {row['profile']} | {row['built']} |")  # fmt: skip
    models = ["| model | data | device | profile | epochs x images | training s | images/s | validation accuracy | test accuracy |",
              "|---|---|---|---|---|---:|---:|---:|---:|"]  # fmt: skip
    for name, r in sorted(report["models"].items()):
        validation = r.get("validation_accuracy")  # None: no validation split (or a row from an older build)
        validation = "-" if validation is None else f"{validation:.4f} ({r['validation_images']:,} images)"
        models.append(f"| {name} | {r['data_name']} | {r['device_name']} | {r['profile']} | {r['epochs']} x {r['train_images']:,} | "
                      f"{r['wall_seconds']:.1f} | {r['images_per_second']:,.0f} | {validation} | {r['test_accuracy']:.4f} |")  # fmt: skip
    total = sum(row["seconds"] for row in report["examples"].values())
    return (
        f"\n\nThis site was built with {_versions()}, {_state['profile']} profile. Examples are re-run only "
        "when their script, the cnnatlas library, the gallery configuration or the profile changes; rows keep "
        f"the date of their last run.\n\n## Examples\n\nTotal run time of the last runs: {total:.0f} s.\n\n"
        + "\n".join(examples)
        + "\n\n## Trained models\n\nTraining times are those of the run that trained the cached weights.\n\n"
        + "\n".join(models) + "\n"
    )  # fmt: skip


def _md_text(text: str) -> str:
    """Escape text for Markdown link text: HTML special characters, then Markdown's."""
    return re.sub(r"([\\`*_\[\]])", r"\\\1", html.escape(text, quote=False))


def _plain(text: str) -> str:
    """Markdown/reST inline markup to plain text: links keep their text, code loses its backticks."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    return re.sub(r"`+([^`]*)`+", r"\1", " ".join(text.split()))


def summary(docstring: str, limit: int = CARD_SUMMARY_CHARS) -> tuple[str, str]:
    """Return a gallery script's title and the first sentence of its description, cut at a word.

    >>> summary("Title: more\\n===========\\n\\nAssumes: [A](a.md). The ``x`` tensor. More.")
    ('Title: more', 'The x tensor')
    """
    title, _, body = docstring.strip().partition("\n")
    paragraph = body.strip().lstrip("=").strip().split("\n\n")[0]
    sentences = re.split(r"(?<=[.!?])\s+(?=[A-Z])", _plain(paragraph))
    first = next((s for s in sentences if not s.startswith(PREREQUISITES)), sentences[0]).rstrip(".")
    if len(first) > limit:
        first = first[: first.rfind(" ", 0, limit)]
        if first.count("(") > first.count(")"):  # do not end inside a parenthesis
            first = first[: first.rfind("(")]
        first = first.rstrip(" ,;:") + "…"
    return title.strip(), first


def _all_scripts(gallery: Gallery) -> list[Path]:
    """Every page's script, also those that CNNATLAS_GALLERY_PATTERN did not run (their pages are built too)."""
    return sorted(gallery.examples_dir.glob("*/plot_*.py"))


def _thumbnail(section_out: Path, stem: str) -> Path:
    found = sorted(section_out.rglob(f"*_{stem}_thumb.*"))
    if len(found) != 1:
        raise PluginError(f"expected one thumbnail named *_{stem}_thumb.* under {section_out}, found {found}")
    return found[0]


def cards_markdown(gallery: Gallery, docs_dir: Path) -> str:
    """Markdown for the landing page's card grid: a heading per gallery section, a card per example."""
    by_section: dict[Path, list[Path]] = {}
    for script in gallery.scripts():
        by_section.setdefault(script.parent, []).append(script)
    parts = []
    for section, scripts in by_section.items():
        readme = (section / "README.md").read_text(encoding="utf-8")
        heading = next(line.lstrip("#").strip() for line in readme.splitlines() if line.startswith("#"))
        cards = []
        for script in scripts:
            title, sentence = summary(ast.get_docstring(ast.parse(script.read_text(encoding="utf-8"))) or "")
            found = _thumbnail(gallery.out_dir / section.name, script.stem)
            image = thumbnails.card_images_markdown(
                _md_text(title), found.relative_to(docs_dir).as_posix(), thumbnails.dark_variant(found).exists()
            )
            text = f"<strong>{_md_text(title)}</strong><span>{_md_text(sentence)}</span>"
            cards.append(f"[{image}{text}]({gallery.page(script)}){{ .cnnatlas-card }}")
        parts.append(f"## {heading}\n\n<div class=\"cnnatlas-cards\" markdown=\"span\">\n" + "\n".join(cards) + "\n</div>")
    return "\n\n".join(parts)


def on_page_markdown(markdown: str, page, config, files, **kwargs) -> str:
    if page.file.src_uri == REPORT_PAGE:
        return markdown + _report_markdown(_gallery())
    if page.file.src_uri == HOME_PAGE:
        if CARDS_MARKER not in markdown:
            raise PluginError(f"{HOME_PAGE} lacks the marker {CARDS_MARKER!r} where the gallery cards go")
        return markdown.replace(CARDS_MARKER, cards_markdown(_gallery(), Path(config["docs_dir"])))
    return markdown


def _run_box(gallery: Gallery, page) -> str:
    quick_epochs, _ = _state["quick"]
    script = Path(page.file.src_uri).relative_to(gallery.prefix).with_suffix(".py").as_posix()
    return (
        '<div class="admonition example cnnatlas-run-box"><p class="admonition-title">Run it yourself</p>'
        f"<p>This page was built with {_versions()}. From a checkout of the cnnatlas repository:</p>"
        f"<pre><code>pip install -e .\npython {gallery.source}/{script}</code></pre>"
        "<p>Without internet, point <code>CNNATLAS_DATA_MIRROR</code> at a copy of the data mirror first; "
        f"<code>CNNATLAS_PROFILE=quick</code> trains for at most {quick_epochs} epochs. The .py and .ipynb downloads are at the bottom.</p></div>"
    )


def on_page_content(html: str, page, config, files, **kwargs) -> str:
    gallery = _gallery()
    if not page.file.src_uri.startswith(gallery.prefix):
        return html
    # mkdocs-gallery's thumbnail links lack the trailing slash of directory URLs, so a click on one
    # did a full reload instead of Material's instant navigation: add it.
    html = re.sub(r'(href=")((?:\.\./|[\w-]+/)*plot_[\w-]+)(")', r"\1\2/\3", html)
    if page.file.src_uri == gallery.prefix + "index.md":  # the gallery index: the landing page's cards
        texts = {s.stem: summary(ast.get_docstring(ast.parse(s.read_text(encoding="utf-8"))) or "") for s in _all_scripts(gallery)}
        html = thumbnails.index_cards(html, texts, gallery.out_dir)
    if Path(page.file.src_uri).name.startswith("plot_"):
        html = re.sub(r"(</h1>)", r"\1" + _run_box(gallery, page).replace("\\", "\\\\"), html, count=1)
    if _state["profile"] == "quick":
        quick_epochs, quick_images = _state["quick"]
        banner = (
            '<div class="admonition warning cnnatlas-quick-profile"><p class="admonition-title">Quick build</p>'
            "<p>This page was built with <code>CNNATLAS_PROFILE=quick</code>: models were trained for at most "
            f"{quick_epochs} epochs on {quick_images:,} images, so accuracies and pictures are not those of the full build "
            "(<code>nox -s docs</code>).</p></div>"
        )
        html = banner + html
    return html
