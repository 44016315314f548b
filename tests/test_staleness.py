"""docs/hooks/staleness.py: which pages re-run when a library file changed (static reading of the imports)."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "docs" / "hooks"))
import staleness  # noqa: E402

LIBRARY = {
    "__init__.py": """
        __version__ = "1"
        from . import recipes
        from .core import helper
        from .figures import line_figure
        from .widgets import live
        __all__ = ["helper", "line_figure", "recipes"]
    """,
    "checks.py": "def check(x): return x\n",
    "core.py": "from .checks import check\ndef helper(x): return check(x)\n",
    "recipes.py": "from .core import helper\nFAST = 1\n",
    "style.py": "WIDTH = 6\n",
    "figures/__init__.py": "from .lines import line_figure\n",
    "figures/lines.py": "def line_figure():\n    from ..style import WIDTH\n    return WIDTH\n",
    "widgets/__init__.py": "",
    "widgets/live.py": "from .. import __version__\ndef live(): return __version__\n",
}
PAGES = {
    "a/plot_helper.py": "import lib\nlib.helper(1)\n",
    "a/plot_figure.py": "from lib import line_figure\nline_figure()\n",
    "a/plot_recipe.py": "import lib\nprint(lib.recipes.FAST)\n",
    "b/plot_live.py": "from lib.widgets.live import live\nlive()\n",
    "b/plot_dynamic.py": "import lib\nf = getattr(lib, 'helper')\n",
    "b/plot_plain.py": "print(1)\n",
}


def write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")


@pytest.fixture
def site(tmp_path) -> tuple[Path, Path, Path]:
    package, examples, out = tmp_path / "lib", tmp_path / "gallery", tmp_path / "out"
    write(package, LIBRARY)
    write(examples, PAGES)
    out.mkdir()
    return package, examples, out


def files_of(package: Path, examples: Path, page: str) -> tuple[set[str], str]:
    return staleness.Library(package).page_files(examples / page)


def test_each_page_depends_on_what_its_names_resolve_to(site) -> None:
    package, examples, _ = site
    helper, why = files_of(package, examples, "a/plot_helper.py")
    assert helper == {"__init__.py", "core.py", "checks.py"} and not why
    figure, _ = files_of(package, examples, "a/plot_figure.py")
    assert figure == {"__init__.py", "figures/__init__.py", "figures/lines.py", "style.py"}, (
        "import in a function"
    )
    recipe, _ = files_of(package, examples, "a/plot_recipe.py")
    assert recipe == {"__init__.py", "recipes.py", "core.py", "checks.py"}, "a submodule's names"
    live, _ = files_of(package, examples, "b/plot_live.py")
    assert live == {"__init__.py", "widgets/__init__.py", "widgets/live.py"}, "__version__ is in __init__.py"
    assert files_of(package, examples, "b/plot_plain.py") == (set(), "")


def test_a_page_that_uses_the_module_itself_depends_on_everything_and_says_why(site) -> None:
    package, examples, _ = site
    files, why = files_of(package, examples, "b/plot_dynamic.py")
    assert files == set(staleness.Library(package).modules) and "uses the module 'lib' itself" in why


def test_a_library_file_that_acts_when_imported_concerns_every_page(site) -> None:
    package, examples, _ = site
    (package / "style.py").write_text("import os\nos.environ['X'] = '1'\nWIDTH = 6\n", encoding="utf-8")
    assert "style.py" in staleness.Library(package).effects()
    assert "style.py" in files_of(package, examples, "a/plot_helper.py")[0]
    (package / "data.json").write_text("{}", encoding="utf-8")
    assert "data.json" in files_of(package, examples, "a/plot_helper.py")[0], "data files: every page"


def plan_and_finish(package: Path, examples: Path, out: Path, base: str = "quick") -> staleness.Plan:
    scripts = sorted(examples.glob("*/plot_*.py"))
    result = staleness.prepare(package, examples, out, scripts, base)
    staleness.finish(out, result, base)
    return result


def test_editing_one_module_re_runs_only_the_pages_that_use_it(site) -> None:
    package, examples, out = site
    first = plan_and_finish(package, examples, out)
    assert set(first.stale) == set(PAGES) and set(first.stale.values()) == {"no earlier build recorded them"}
    assert plan_and_finish(package, examples, out).stale == {}, "no change: nothing re-runs"

    (package / "checks.py").write_text("def check(x): return x  # edited\n", encoding="utf-8")
    for key in PAGES:
        (out / f"{key}.md5").parent.mkdir(parents=True, exist_ok=True)
        (out / f"{key}.md5").write_text("md5 of the script", encoding="utf-8")
    result = plan_and_finish(package, examples, out)
    assert set(result.stale) == {"a/plot_helper.py", "a/plot_recipe.py", "b/plot_dynamic.py"}
    assert result.stale["a/plot_helper.py"] == "lib/checks.py changed"
    assert (
        "re-running 2 pages because lib/checks.py changed: a/plot_helper.py, a/plot_recipe.py"
        in result.summary()
    )
    assert not (out / "a/plot_helper.py.md5").exists(), (
        "a stale page's md5 is removed: mkdocs-gallery re-runs it"
    )
    assert (out / "a/plot_figure.py.md5").exists(), "the others keep theirs"


def test_adding_an_export_re_runs_nothing_but_changing_the_version_re_runs_what_reads_it(site) -> None:
    package, examples, out = site
    plan_and_finish(package, examples, out)
    init = package / "__init__.py"
    init.write_text(
        init.read_text(encoding="utf-8").replace("__all__ = [", '__all__ = ["live", '), encoding="utf-8"
    )
    assert plan_and_finish(package, examples, out).stale == {}
    init.write_text(
        init.read_text(encoding="utf-8").replace('__version__ = "1"', '__version__ = "2"'), encoding="utf-8"
    )
    assert set(plan_and_finish(package, examples, out).stale) == set(PAGES) - {"b/plot_plain.py"}


def test_a_changed_base_re_runs_every_page_and_pages_not_run_keep_their_stamps(site) -> None:
    package, examples, out = site
    plan_and_finish(package, examples, out)
    result = plan_and_finish(package, examples, out, base="full")
    assert set(result.stale) == set(PAGES) and "profile" in result.stale["a/plot_helper.py"]
    only = staleness.prepare(package, examples, out, [examples / "a/plot_helper.py"], "full")
    staleness.finish(out, only, "full")
    assert set(staleness.stored_pages(out / staleness.STORE_FILE)) == set(PAGES)


def test_the_real_gallery_every_page_is_read_and_trace_concerns_the_pages_that_trace() -> None:
    library = staleness.Library(ROOT / "cnnatlas")
    assert library.effects() == {}, "a cnnatlas module acts when imported: every page then depends on it"
    pages = sorted((ROOT / "gallery").glob("*/plot_*.py"))
    deps = {p.relative_to(ROOT / "gallery").as_posix(): library.page_files(p) for p in pages}
    assert all(not why for _, why in deps.values()), {k: why for k, (_, why) in deps.items() if why}
    tracing = {k for k, (files, _) in deps.items() if "trace.py" in files}
    calls_trace = {k for k in deps if "trace(" in (ROOT / "gallery" / k).read_text(encoding="utf-8")}
    assert calls_trace <= tracing and len(tracing) < len(pages), (calls_trace, tracing)
    assert all("checks.py" in files for files, _ in deps.values())
