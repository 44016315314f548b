"""Benchmark: how long a first-time reader waits for a page's first figure, before and after a change.

For every page with a Plotly figure, in headless Chromium with a cold browser cache (a new browser
context per visit), at 1280x900: the bytes fetched before the first figure is drawn (the page, its CSS,
scripts, fonts, images and figure JSON files whose transfer finished by then: Resource Timing) and the
milliseconds from navigation start to the first figure drawn (the first ``div.cnnatlas-plotly`` whose
``data-drawn`` turns ``yes``: set by figures.js once ``Plotly.newPlot`` and ``addFrames`` are done, in
today's and in the earlier figures.js alike). Both sites are measured in the same process, interleaved
(page by page, alternating which goes first) over several repetitions, so that load on the machine
affects both alike; the table gives the medians.

Both sites are served gzip-compressed, as GitHub Pages serves them: bytes are given over the wire and
raw (uncompressed). The reader does not scroll, except when a page's first figure lies more than one
viewport below the top of the page (figures.js draws it only when it comes near): then the benchmark
scrolls it into view at the first contentful paint, on both sites alike, and marks the row with ``*``.

Sites: ``--before SITE --after SITE`` (two built sites), or built here: the current checkout ("after")
and ``--baseline-ref`` ("before", default: the commit before the issue-14 figures loader) in a
temporary git worktree, both with the same profile (``CNNATLAS_PROFILE``, default quick: the figures are
of the same kinds). The gallery output of the checkout is copied into the worktree as a cache, so only
examples whose script or library changed run again.

Goal (issue 14): at most 2 MB fetched before the first figure on every page, and at most a third of
today's time to the first figure (median over pages).

Run: ``nox -s bench -- --first-figure`` or ``python bench/bench_first_figure.py [--before S --after S]``.
"""

from __future__ import annotations

import argparse
import gzip
import io
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "docs" / "hooks"))
sys.path.insert(0, str(ROOT / "tests"))
import tooling  # noqa: E402 - from docs/hooks, put on the path above
from browser import CHROMIUM_ARGS, QuietHandler, chromium_path, free_port, serve  # noqa: E402 - from tests/

BASELINE_REF = "34302c1"  # the last commit that loads the full plotly.js and draws every figure at load
GOAL_BYTES = 2 * 1024 * 1024
GOAL_RATIO = 1 / 3
VIEWPORT = {"width": 1280, "height": 900}
TIMEOUT_MS = 120_000

# Runs in every page before its own scripts: notes the time and the bytes fetched when a first figure
# is drawn (bytes: over the wire, gzip as GitHub Pages serves; raw: the same files uncompressed).
# performance.now() counts from the navigation start. At the first contentful paint, in both sites alike,
# a first figure more than one viewport below the top of the page (which figures.js draws only when it
# comes near) is scrolled into view, as a reader would scroll to it once the page shows (if the parser
# has not reached it yet: at DOMContentLoaded; again at the load event if layout moved it away).
MEASURE = """(() => {
  performance.setResourceTimingBufferSize(5000);
  const sum = (entries, key) => entries.reduce((total, e) => total + (e[key] || 0), 0);
  const record = () => {
    if (window.__firstFigure) return;
    const entries = [...performance.getEntriesByType("navigation"), ...performance.getEntriesByType("resource")];
    window.__firstFigure = {
      ms: performance.now(), bytes: sum(entries, "transferSize"), raw: sum(entries, "decodedBodySize"),
      scrolled: !!window.__scrolled,
    };
  };
  new MutationObserver(records => {
    if (records.some(r => r.target.getAttribute("data-drawn") === "yes")) record();
  }).observe(document, { subtree: true, attributes: true, attributeFilter: ["data-drawn"] });
  const toFirst = () => {
    const first = document.querySelector("div.cnnatlas-plotly");
    if (!first) return false;
    if (!window.__firstFigure && first.getBoundingClientRect().top > 2 * innerHeight) {
      window.__scrolled = true;
      first.scrollIntoView({ block: "center" });
    }
    return true;
  };
  new PerformanceObserver((list, observer) => {
    if (!list.getEntries().some(e => e.name === "first-contentful-paint")) return;
    observer.disconnect();
    if (!toFirst()) document.addEventListener("DOMContentLoaded", toFirst);
  }).observe({ type: "paint", buffered: true });
  addEventListener("load", toFirst);
})();"""
COMPRESSED = {".html", ".css", ".js", ".json", ".svg", ".xml", ".txt", ".map"}  # what GitHub Pages gzips


class _GzipHandler(QuietHandler):
    """Serves text files gzip-compressed when the browser accepts it, as GitHub Pages does."""

    cache: dict[Path, bytes] = {}

    def send_head(self):  # noqa: ANN201 - the stdlib's signature
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            if not self.path.split("?")[0].endswith("/"):
                return super().send_head()  # the stdlib redirects to the folder's URL with a slash
            path = path / "index.html"
        if (
            path.suffix not in COMPRESSED
            or not path.is_file()
            or "gzip" not in self.headers.get("Accept-Encoding", "")
        ):
            return super().send_head()
        if path not in self.cache:
            self.cache[path] = gzip.compress(path.read_bytes(), compresslevel=6)
        body = self.cache[path]
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return io.BytesIO(body)


def figure_pages(before: Path, after: Path) -> list[str]:
    """Return the pages (paths from the site root) that have a Plotly figure in both sites."""
    pages = []
    for html in sorted(after.rglob("*.html")):
        rel = html.relative_to(after).as_posix()
        if 'class="cnnatlas-plotly"' in html.read_text(encoding="utf-8") and (before / rel).is_file():
            pages.append(rel)
    return pages


def build(source: Path, site: Path, env: dict[str, str]) -> None:
    """Build the site of the checkout at ``source`` into ``site`` (``mkdocs build --strict``)."""
    print(f"building {source} ...", file=sys.stderr, flush=True)
    run = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(site)],
        cwd=source,
        env={**env, **tooling.tool_env(env)},
        capture_output=True,
        text=True,
        check=False,
    )
    if run.returncode:
        raise SystemExit(f"build of {source} failed:\n{run.stderr[-3000:]}")


def build_both(ref: str, tmp: Path) -> tuple[Path, Path]:
    """Build the baseline ``ref`` (in a temporary worktree) and the current checkout; return both sites."""
    env = dict(os.environ)
    env.setdefault("CNNATLAS_PROFILE", "quick")
    worktree = tmp / "baseline"
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(worktree), ref], check=True)
    try:
        _, out_dir = tooling.gallery_dirs()
        if out_dir.is_dir():  # mkdocs-gallery's cache: unchanged examples are not run again
            shutil.copytree(out_dir, worktree / out_dir.relative_to(ROOT), dirs_exist_ok=True)
        build(worktree, tmp / "before", env)
    finally:
        subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(worktree)], check=False)
    build(ROOT, tmp / "after", env)
    return tmp / "before", tmp / "after"


def visit(browser, url: str) -> dict[str, float | bool]:
    """Open ``url`` in a fresh context (cold cache); return the first figure's ms and bytes."""
    context = browser.new_context(viewport=VIEWPORT)
    try:
        context.add_init_script(MEASURE)
        page = context.new_page()
        page.goto(url, wait_until="commit", timeout=TIMEOUT_MS)
        return page.wait_for_function("() => window.__firstFigure", timeout=TIMEOUT_MS).json_value()
    finally:
        context.close()


def measure(before: Path, after: Path, repeats: int, only: str | None) -> None:
    from playwright.sync_api import sync_playwright

    pages = [p for p in figure_pages(before, after) if only is None or only in p]
    if not pages:
        raise SystemExit("no page with a Plotly figure in both sites")
    runs: dict[tuple[str, str], list[dict]] = {(p, s): [] for p in pages for s in ("before", "after")}
    with ExitStack() as stack, sync_playwright() as playwright:
        bases = {
            "before": stack.enter_context(serve(before, free_port(), _GzipHandler)),
            "after": stack.enter_context(serve(after, free_port(), _GzipHandler)),
        }
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        for repeat in range(repeats):
            for index, rel in enumerate(pages):
                order = ("before", "after") if (repeat + index) % 2 == 0 else ("after", "before")
                for which in order:
                    runs[rel, which].append(visit(browser, bases[which] + rel))
            print(f"repetition {repeat + 1} of {repeats} done", file=sys.stderr, flush=True)
        version = browser.version
        browser.close()
    report(pages, runs, repeats, version)


def report(pages: list[str], runs: dict[tuple[str, str], list[dict]], repeats: int, chromium: str) -> None:
    def med(rel: str, which: str, key: str) -> float:
        return statistics.median(r[key] for r in runs[rel, which])

    print(f"First figure, cold cache, 1280x900, median of {repeats} visits per page and site")
    print(f"CPU: {tooling.cpu_model()} ({os.cpu_count()} cores); Chromium {chromium}; profile "
          f"{os.environ.get('CNNATLAS_PROFILE', 'quick')}; KB over the wire (gzip, as GitHub Pages serves) "
          "and raw (the same files uncompressed)\n")  # fmt: skip
    print(
        "| page | before KB | after KB | before raw KB | after raw KB | before ms | after ms | after/before ms |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    rows = []
    for rel in pages:
        row = [med(rel, w, k) for k in ("bytes", "raw", "ms") for w in ("before", "after")]
        rows.append([*row, row[5] / row[4]])
        mark = " *" if any(r["scrolled"] for r in runs[rel, "after"] + runs[rel, "before"]) else ""
        name = rel.removesuffix("/index.html").removesuffix(".html").rsplit("/", 1)[-1]
        print(f"| {name}{mark} | " + " | ".join(f"{v / 1024:,.0f}" for v in row[:4])
              + f" | {row[4]:,.0f} | {row[5]:,.0f} | {row[5] / row[4]:.2f} |")  # fmt: skip
    columns = list(zip(*rows, strict=True))
    medians = [statistics.median(c) for c in columns]
    print("| **median** | " + " | ".join(f"{v / 1024:,.0f}" for v in medians[:4])
          + f" | {medians[4]:,.0f} | {medians[5]:,.0f} | {medians[6]:.2f} |")  # fmt: skip
    heaviest, heaviest_raw, ratio = max(columns[1]), max(columns[3]), medians[6]
    print(f"\nGoal: at most {GOAL_BYTES / 1024 / 1024:.0f} MB before the first figure on every page: "
          f"{'met' if heaviest <= GOAL_BYTES else 'NOT met'} over the wire (heaviest {heaviest / 1024 / 1024:.2f} MB; "
          f"raw {heaviest_raw / 1024 / 1024:.2f} MB); at most {GOAL_RATIO:.2f} of today's time (median ratio): "
          f"{'met' if ratio <= GOAL_RATIO else 'NOT met'} ({ratio:.2f}).")  # fmt: skip
    if any(r["scrolled"] for v in runs.values() for r in v):
        print(
            "* the first figure lies more than a viewport below the top: scrolled into view at the first paint"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, help="a built site: today's (baseline)")
    parser.add_argument("--after", type=Path, help="a built site: with the change")
    parser.add_argument("--baseline-ref", default=BASELINE_REF, help="git ref built as the baseline")
    parser.add_argument("--repeats", type=int, default=5, help="visits per page and site")
    parser.add_argument("--only", help="measure only pages whose path contains this")
    args = parser.parse_args()
    if chromium_path() is None:
        raise SystemExit("no Chromium: install Debian's chromium package")
    if (args.before is None) != (args.after is None):
        parser.error("give both --before and --after, or neither")
    if args.before is not None:
        measure(args.before, args.after, args.repeats, args.only)
        return
    with tempfile.TemporaryDirectory() as tmp:
        before, after = build_both(args.baseline_ref, Path(tmp))
        measure(before, after, args.repeats, args.only)


if __name__ == "__main__":
    main()
