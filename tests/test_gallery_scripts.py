"""The gallery's scripts follow the house rules and run on their own with ``python``, outside the site build."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import cnnatlas

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = sorted((ROOT / "gallery").rglob("plot_*.py"))
ALLOWED = {"torch", "torchvision", "numpy", "matplotlib", "plotly", "cnnatlas"} | set(sys.stdlib_module_names)


def test_there_is_a_page_for_every_topic() -> None:
    assert len(SCRIPTS) >= 18
    for folder in {s.parent for s in SCRIPTS}:
        assert (folder / "README.md").exists(), f"{folder} needs a README.md (its section page)"


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.stem)
def test_script_follows_the_house_rules(script: Path) -> None:
    source = script.read_text()
    tree = ast.parse(source)
    docstring = ast.get_docstring(tree) or ""
    assert re.match(r".+\n=+\n\n.+", docstring), "a title, its underline, then a paragraph"
    assert "# mkdocs_gallery_thumbnail_number = " in source and "sphinx_gallery_thumbnail" not in source
    assert "plt.show(" not in source
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots = {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            roots = {(node.module or "").split(".")[0]}
        else:
            continue
        assert roots <= ALLOWED, f"line {node.lineno} imports {roots - ALLOWED}"
    used = {m.group(1) for m in re.finditer(r"\bcnnatlas\.(\w+)", source)}
    assert used <= set(cnnatlas.__all__), f"not in cnnatlas's public API: {used - set(cnnatlas.__all__)}"


SEEDING = re.compile(r"(?:manual_seed|seed_everything)\(\s*(\d+)\s*\)|\bseed\s*=\s*(\d+)\b")


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.stem)
def test_every_seed_derives_from_the_build_seed(script: Path) -> None:
    """A page seeds from ``cnnatlas.build_seed()`` ($CNNATLAS_SEED), never a literal: the seed sweep and a
    reader's ``CNNATLAS_SEED=1`` build must change every random draw of the page."""
    source = script.read_text()
    literal = [
        f"line {source.count(chr(10), 0, m.start()) + 1}: {m.group(0)}" for m in SEEDING.finditer(source)
    ]
    assert not literal, f"seeded with a literal, not from cnnatlas.build_seed(): {literal}"
    if re.search(r"manual_seed|seed_everything|Generator\(", source):
        assert "cnnatlas.build_seed()" in source


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.stem)
def test_no_cell_ends_with_a_bare_observe(script: Path) -> None:
    """mkdocs-gallery prints the value of a cell's last expression: a cell ending with a bare
    ``cnnatlas.observe(...)`` would show a stray number under its output."""
    for cell in re.split(r"^# %%.*$", script.read_text(), flags=re.MULTILINE):
        body = ast.parse(cell).body
        last = body[-1] if body else None
        assert not (isinstance(last, ast.Expr) and "observe(" in ast.unparse(last)), ast.unparse(last)


def test_the_seed_rule_sees_literal_seeds() -> None:
    found = [
        m.group(0)
        for m in SEEDING.finditer(
            "torch.manual_seed(0); g.manual_seed( 12 ); f(seed=3); manual_seed(SEED + 1)"
        )
    ]
    assert found == ["manual_seed(0)", "manual_seed( 12 )", "seed=3"]


@pytest.mark.site  # runs gallery pages: with the site build, not on the fast path
@pytest.mark.parametrize("name", ["plot_04_shape_flow", "plot_01_downsampling", "plot_05_arithmetic_atlas"])
def test_script_runs_on_its_own(name: str, tmp_path: Path) -> None:
    script = next(s for s in SCRIPTS if s.stem == name)
    env = dict(os.environ, MPLBACKEND="Agg", CNNATLAS_PROFILE="quick")
    run = subprocess.run(
        [sys.executable, str(script)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-3000:]
