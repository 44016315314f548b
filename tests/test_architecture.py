"""The layering of cnnatlas, read from the source with ``ast`` (in the spirit of import-linter).

- Computing modules (every module outside ``cnnatlas.figures`` and ``cnnatlas.widgets``, and other than
  the package's ``__init__``, which re-exports everything) never import matplotlib or plotly, neither
  directly nor through another cnnatlas module.
- Matplotlib lives in ``cnnatlas.figures``, Plotly in ``cnnatlas.widgets``; neither home imports the other's backend.
- No module imports a private (``_``-prefixed) module or name from another module: what is shared is public.
- Names tell backend and return type: ``*_figure`` returns a matplotlib Figure, ``*_explorer``,
  ``*_animation`` and ``*_diagram`` a Plotly Figure; no public ``plot_*`` function is left.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "cnnatlas"
DRAWING = {"matplotlib": "figures", "plotly": "widgets"}  # backend -> the one subpackage that may import it


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _is_package(name: str) -> bool:
    return MODULES[name].name == "__init__.py"


def _imports(name: str) -> list[tuple[str, tuple[str, ...], int]]:
    """Every import in module ``name`` (also inside functions): (absolute module, imported names, line)."""
    tree = ast.parse(MODULES[name].read_text(), filename=str(MODULES[name]))
    package = name if _is_package(name) else name.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, (), node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            found.append((base, tuple(alias.name for alias in node.names), node.lineno))
    return found


def _internal_targets(module: str, names: tuple[str, ...]) -> list[str]:
    """The cnnatlas modules an import loads: the module, its parent packages, and submodules imported by name."""
    if module != "cnnatlas" and not module.startswith("cnnatlas."):
        return []
    parts = module.split(".")
    targets = [".".join(parts[:i]) for i in range(1, len(parts) + 1)]
    targets += [f"{module}.{n}" for n in names if f"{module}.{n}" in MODULES]
    return [t for t in targets if t in MODULES]


def _external_roots(name: str) -> set[str]:
    return {
        module.split(".")[0]
        for module, _, _ in _imports(name)
        if module and not module.startswith("cnnatlas")
    }


def _closure(name: str) -> dict[str, list[str]]:
    """Every cnnatlas module ``name`` loads, each with the import chain that leads to it (the root excluded:
    importing any submodule runs cnnatlas/__init__.py, which re-exports all; the rule is about what a
    module needs, not about the package's convenience imports)."""
    chains = {name: [name]}
    todo = [name]
    while todo:
        current = todo.pop()
        for module, names, _ in _imports(current):
            for target in _internal_targets(module, names):
                if target != "cnnatlas" and target not in chains:
                    chains[target] = [*chains[current], target]
                    todo.append(target)
    return chains


def _layer(name: str) -> str | None:
    for backend, home in DRAWING.items():
        if name == f"cnnatlas.{home}" or name.startswith(f"cnnatlas.{home}."):
            return backend
    return None


COMPUTING = sorted(n for n in MODULES if n != "cnnatlas" and _layer(n) is None)


def test_the_layers_exist() -> None:
    assert {"cnnatlas.figures", "cnnatlas.widgets"} <= set(MODULES)
    assert {"cnnatlas.arith", "cnnatlas.windows", "cnnatlas.forward", "cnnatlas.display"} <= set(COMPUTING)


@pytest.mark.parametrize("name", COMPUTING)
def test_computing_modules_never_import_a_drawing_library(name: str) -> None:
    for module, chain in _closure(name).items():
        drawn = _external_roots(module) & set(DRAWING)
        assert not drawn, f"{name} imports {sorted(drawn)} through {' -> '.join(chain)}"


@pytest.mark.parametrize("name", sorted(n for n in MODULES if _layer(n)))
def test_each_backend_has_one_home(name: str) -> None:
    own = _layer(name)
    for module in _closure(name):
        other = (_external_roots(module) & set(DRAWING)) - {own}
        assert not other, f"{name} ({own}) reaches {sorted(other)} through {module}"


@pytest.mark.parametrize("name", sorted(MODULES))
def test_no_module_imports_another_modules_private_names(name: str) -> None:
    for module, names, line in _imports(name):
        if not module.startswith("cnnatlas"):
            continue
        private_module = [p for p in module.split(".") if p.startswith("_")]
        private_names = [
            n for n in names if n.startswith("_") and not (n.startswith("__") and n.endswith("__"))
        ]
        where = f"{MODULES[name].relative_to(PACKAGE.parent)}:{line}"
        assert not private_module, f"{where} imports the private module {module}"
        assert not private_names, f"{where} imports private names {private_names} from {module}"


def _public_functions(name: str) -> list[ast.FunctionDef]:
    tree = ast.parse(MODULES[name].read_text())
    return [n for n in tree.body if isinstance(n, ast.FunctionDef) and not n.name.startswith("_")]


@pytest.mark.parametrize("name", sorted(MODULES))
def test_names_tell_backend_and_return_type(name: str) -> None:
    for function in _public_functions(name):
        returns = ast.unparse(function.returns) if function.returns else ""
        assert not function.name.startswith("plot_"), f"{name}.{function.name}: use *_figure or *_explorer"
        if function.name.endswith("_figure"):
            assert _layer(name) == "matplotlib" and returns == "Figure", (
                f"{name}.{function.name} -> {returns}"
            )
        if function.name.endswith(("_explorer", "_animation", "_diagram")):
            assert _layer(name) == "plotly" and returns == "go.Figure", f"{name}.{function.name} -> {returns}"
        if _layer(name) == "matplotlib":
            assert returns in ("Figure", "FuncAnimation"), f"{name}.{function.name} -> {returns}"


def test_the_rule_catches_a_violation(tmp_path: Path) -> None:
    """The checks above would fail on a computing module that draws: the closure sees through modules."""
    assert "cnnatlas.figures.features" in _closure("cnnatlas.figures")
    assert "matplotlib" in _external_roots("cnnatlas.figures.features")
    assert "cnnatlas.checks" in _closure("cnnatlas.trace")
