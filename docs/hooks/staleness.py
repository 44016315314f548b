"""Which gallery pages must re-run when the cnnatlas library changed: a static reading of the imports.

mkdocs-gallery re-runs a page when its own script changed (an MD5 per script). A page also shows what the
library computed, so a page must re-run when a library module it uses changed, and only then. This module
reads, with ``ast`` and without importing anything:

- the library's import graph: for each module (``trace.py``, ``figures/flow.py``...) the modules that its
  imports resolve to, following re-exports (``from .figures import flow_figure`` resolves through
  ``figures/__init__.py`` to the module that defines ``flow_figure``) and imports inside functions;
- each page's uses of the library: ``cnnatlas.NAME``, ``cnnatlas.sub.NAME``, ``from cnnatlas(.sub) import
  NAME``, each resolved to the module that defines NAME;

and gives each page the set of library files it depends on (the modules its names resolve to, the
``__init__`` files they were resolved through, and everything those modules import, transitively). A page's
stamp hashes those files' bytes plus a base string (the build profile and the gallery configuration,
which every page depends on); a page re-runs when its stamp changed.

Where the reading cannot tell, it errs towards re-running, and says why: a page that uses the ``cnnatlas``
module other than as ``cnnatlas.NAME`` (``getattr(cnnatlas, name)``, passing the module on) depends on
every library file; so does every page on a library file that does something when imported besides
defining things (a call or an attribute assignment at module level), on a file outside the import graph
that is not Python (data read at run time), and on a module that imports dynamically
(``importlib``/``__import__``).

Examples:
    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> pkg = root / "lib"
    >>> pkg.mkdir()
    >>> _ = (pkg / "__init__.py").write_text("from .a import f\\nfrom .b import g\\n")
    >>> _ = (pkg / "a.py").write_text("from .c import h\\ndef f(): return h()\\n")
    >>> _ = (pkg / "b.py").write_text("def g(): return 2\\n")
    >>> _ = (pkg / "c.py").write_text("def h(): return 1\\n")
    >>> page = root / "plot_1.py"
    >>> _ = page.write_text("import lib\\nlib.f()\\n")
    >>> sorted(Library(pkg).page_files(page)[0])
    ['__init__.py', 'a.py', 'c.py']
"""

from __future__ import annotations

import ast
import hashlib
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

STORE_FILE = (
    ".page-stamps.json"  # in the gallery output folder: {"modules": {file: sha}, "pages": {key: stamp}}
)
DYNAMIC_IMPORTS = ("importlib", "__import__")


@dataclass
class Dependencies:
    """The library files a page depends on, and why it depends on all of them when it does."""

    files: set[str] = field(default_factory=set)  # modules whose names it uses: their imports count too
    reads: set[str] = field(
        default_factory=set
    )  # files read to find those names (package __init__s): only them
    everything: str = ""  # the reason, when the page depends on every library file


@dataclass
class _Module:
    path: str  # relative to the package, posix: "figures/flow.py"
    tree: ast.Module
    defined: set[str]  # top-level names defined here (def, class, assignment)
    reexports: dict[str, tuple[str, str]]  # name -> (module path, name there), from "from .x import name"
    imports: set[str] = field(default_factory=set)  # modules whose names this module uses (resolved)
    reads: set[str] = field(default_factory=set)  # files read to resolve them (package __init__s)
    effect: str = ""  # what it does at import besides defining things, if anything


class Library:
    """The import graph of the package in ``package_dir`` (its name is the folder's name)."""

    def __init__(self, package_dir: Path) -> None:
        self.root = Path(package_dir)
        self.name = self.root.name
        self.modules: dict[str, _Module] = {}
        for path in sorted(self.root.rglob("*.py")):
            rel = path.relative_to(self.root).as_posix()
            self.modules[rel] = self._read(rel, path)
        self.data_files = sorted(
            p.relative_to(self.root).as_posix() for p in self.root.rglob("*")
            if p.is_file() and p.suffix not in (".py", ".pyc") and "__pycache__" not in p.parts
        )  # fmt: skip
        for module in self.modules.values():
            module.imports, module.reads = self._module_imports(module)
        self._closure: dict[str, set[str]] = {}

    # -- reading one module -------------------------------------------------------------------------
    def _read(self, rel: str, path: Path) -> _Module:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        defined: set[str] = set()
        reexports: dict[str, tuple[str, str]] = {}
        effect = ""
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                defined.add(node.name)
            elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    for leaf in ast.walk(target):
                        if isinstance(leaf, ast.Name):
                            defined.add(leaf.id)
                    if not isinstance(target, (ast.Name, ast.Tuple, ast.List)) and not effect:
                        effect = f"line {node.lineno} assigns {ast.unparse(target)} when imported"
            elif isinstance(node, ast.ImportFrom):
                base = self._resolve_from(rel, node)
                for alias in node.names:
                    if base is not None and alias.name != "*":
                        reexports[alias.asname or alias.name] = (base, alias.name)
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    defined.add((alias.asname or alias.name).split(".")[0])
            elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
                pass  # a docstring
            elif isinstance(node, (ast.If, ast.Try, ast.With, ast.For, ast.While, ast.Expr)) and not effect:
                if not _is_type_checking(node):
                    effect = (
                        f"line {node.lineno} runs {ast.unparse(node).splitlines()[0][:60]!r} when imported"
                    )
        if not effect:
            for node in ast.walk(tree):
                called = node.func if isinstance(node, ast.Call) else None
                name = called.id if isinstance(called, ast.Name) else getattr(called, "attr", "")
                if name in ("import_module", "__import__"):
                    effect = f"line {node.lineno} imports dynamically"
                    break
        return _Module(rel, tree, defined, reexports, effect=effect)

    def _package_of(self, rel: str) -> list[str]:
        parts = rel.split("/")[:-1]
        return parts  # "figures/flow.py" -> ["figures"]; "__init__.py" -> []

    def _module_path(self, parts: list[str]) -> str | None:
        """The file of the module at ``parts`` below the package root: ``x.py`` or ``x/__init__.py``."""
        if not parts:
            return "__init__.py"
        candidates = ("/".join(parts) + ".py", "/".join([*parts, "__init__.py"]))
        return next((c for c in candidates if c in self.modules or (self.root / c).exists()), None)

    def _resolve_from(self, rel: str, node: ast.ImportFrom) -> str | None:
        """The library module named by ``from X import ...`` in module ``rel``, or None outside the library."""
        if node.level:
            package = self._package_of(rel)
            if node.level > 1:
                package = package[: len(package) - (node.level - 1)]
            parts = [*package, *(node.module.split(".") if node.module else [])]
        else:
            dotted = (node.module or "").split(".")
            if dotted[0] != self.name:
                return None
            parts = dotted[1:]
        return self._module_path(parts)

    def _module_imports(self, module: _Module) -> tuple[set[str], set[str]]:
        found: set[str] = set()
        reads: set[str] = set()
        for node in ast.walk(module.tree):  # imports inside functions count too
            if isinstance(node, ast.ImportFrom):
                base = self._resolve_from(module.path, node)
                if base is None:
                    continue
                for alias in node.names:
                    if alias.name == "*":
                        found.add(base)
                        continue
                    defined_in, read, _ = self.resolve_name(base, alias.name)
                    reads |= read
                    found.add(defined_in if defined_in is not None else base)  # unknown: its whole module
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    dotted = alias.name.split(".")
                    if dotted[0] == self.name:
                        reads |= self._package_chain(dotted[1:])
                        found.add(self._module_path(dotted[1:]) or "__init__.py")
        found.discard(module.path)
        return found, reads

    def _package_chain(self, parts: list[str]) -> set[str]:
        """Every file that ``import pkg.a.b`` runs: each package ``__init__`` on the way and the module."""
        files = set()
        for depth in range(len(parts) + 1):
            path = self._module_path(parts[:depth])
            if path is not None:
                files.add(path)
        return files

    # -- resolving names ----------------------------------------------------------------------------
    def resolve_name(
        self, module_path: str, name: str, _seen: frozenset = frozenset()
    ) -> tuple[str | None, set[str], bool]:
        """Return (the file that defines ``name`` as seen from ``module_path``, the files read, whether a module).

        A name that is a submodule resolves to that submodule's file (and True). An unknown name resolves
        to None, with the module itself as what was read.
        """
        if (module_path, name) in _seen:
            return None, {module_path}, False
        module = self.modules.get(module_path)
        if module is None:
            return None, set(), False
        if name in module.reexports:
            base, there = module.reexports[name]
            if base.endswith("__init__.py"):  # "from . import sub": the submodule itself
                sub = self._module_path([*self._package_of(base), there])
                if sub is not None:
                    return sub, {module_path, sub}, True
            found, read, is_module = self.resolve_name(base, there, _seen | {(module_path, name)})
            return found, read | {module_path}, is_module
        if name in module.defined:
            return module_path, {module_path}, False
        if module_path.endswith("__init__.py"):
            sub = self._module_path([*self._package_of(module_path), name])
            if sub is not None:
                return sub, {module_path, sub}, True
        return None, {module_path}, False

    def closure(self, files: Iterable[str]) -> set[str]:
        """``files`` and every library file they import, transitively."""
        result: set[str] = set()
        stack = list(files)
        while stack:
            path = stack.pop()
            if path in result or path not in self.modules:
                continue
            result.add(path)
            if not path.endswith("__init__.py"):  # a package's imports are re-exports, resolved where used
                stack.extend(self.modules[path].imports - result)
        return result | {
            read for path in result if not path.endswith("__init__.py") for read in self.modules[path].reads
        }

    def effects(self) -> dict[str, str]:
        """Library files that do something when imported (so every page depends on them), with what."""
        return {path: m.effect for path, m in self.modules.items() if m.effect}

    # -- pages --------------------------------------------------------------------------------------
    def page_dependencies(self, script: Path) -> Dependencies:
        """The library files ``script`` depends on (see the module docstring)."""
        tree = ast.parse(Path(script).read_text(encoding="utf-8"), filename=str(script))
        deps = Dependencies()
        aliases: dict[
            str, list[str]
        ] = {}  # local name -> module parts below the package ([] for the package)
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    dotted = alias.name.split(".")
                    if dotted[0] == self.name:
                        deps.reads |= self._package_chain(dotted[1:])
                        if alias.asname:
                            aliases[alias.asname] = dotted[1:]
                        else:
                            aliases[self.name] = []
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                base = self._resolve_from("__init__.py", node)
                if base is None:
                    continue
                deps.reads |= self._package_chain((node.module or "").split(".")[1:])
                for alias in node.names:
                    if alias.name == "*":
                        deps.everything = (
                            deps.everything or f"line {node.lineno}: from {node.module} import *"
                        )
                        continue
                    found, read, is_module = self.resolve_name(base, alias.name)
                    deps.reads |= read
                    deps.files |= {found} if found else {base}
                    if found and is_module:
                        aliases[alias.asname or alias.name] = _parts(found)
        used: set[int] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and id(node) not in used:
                chain = _attribute_chain(node)
                if chain is None or chain[0] not in aliases:
                    continue
                for inner in ast.walk(node):
                    used.add(id(inner))
                self._resolve_chain(aliases[chain[0]], chain[1:], deps)
        for node in ast.walk(tree):
            if isinstance(node, ast.Name) and node.id in aliases and id(node) not in used:
                if isinstance(node.ctx, ast.Load) and not deps.everything:
                    deps.everything = (
                        f"line {node.lineno} uses the module {node.id!r} itself, not one of its names"
                    )
        return deps

    def _resolve_chain(self, parts: list[str], names: list[str], deps: Dependencies) -> None:
        module_path = self._module_path(parts)
        for name in names:
            if module_path is None:
                return
            found, read, is_module = self.resolve_name(module_path, name)
            deps.reads |= read
            if found is None:
                deps.files.add(module_path)  # not found statically: the whole module
                return
            deps.files.add(found)
            if not is_module:
                return  # a function, class or value: its attributes are not modules
            module_path = found

    def page_files(self, script: Path) -> tuple[set[str], str]:
        """(every library file ``script`` depends on, transitively; why it is all of them, or "")."""
        deps = self.page_dependencies(script)
        if deps.everything:
            return set(self.modules) | set(self.data_files), deps.everything
        return self.closure(deps.files) | deps.reads | set(self.effects()) | set(self.data_files), ""

    def file_hashes(self) -> dict[str, str]:
        """sha256 of every library file (Python and data), by its path below the package.

        A package ``__init__.py`` is hashed without its imports and its ``__all__``: what a page gets
        through them is the file each name resolves to, which is in the page's stamp by name; so adding an
        export to the package re-runs no page, and changing ``__version__`` re-runs every page.
        """
        hashes = {}
        for rel in sorted([*self.modules, *self.data_files]):
            data = (self.root / rel).read_bytes()
            if rel.endswith("__init__.py") and rel in self.modules:
                kept = [
                    node for node in self.modules[rel].tree.body
                    if not isinstance(node, (ast.Import, ast.ImportFrom)) and not _assigns_all(node)
                ]  # fmt: skip
                data = ast.dump(ast.Module(body=kept, type_ignores=[])).encode()
            hashes[rel] = hashlib.sha256(data).hexdigest()
        return hashes


def _parts(module_file: str) -> list[str]:
    """``"figures/flow.py"`` -> ``["figures", "flow"]``; ``"figures/__init__.py"`` -> ``["figures"]``."""
    stem = module_file.removesuffix(".py").removesuffix("__init__").rstrip("/")
    return stem.split("/") if stem else []


def _assigns_all(node: ast.AST) -> bool:
    targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
    return any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets)


def _attribute_chain(node: ast.Attribute) -> list[str] | None:
    names = []
    while isinstance(node, ast.Attribute):
        names.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    return [node.id, *reversed(names)]


def _is_type_checking(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


@dataclass
class Plan:
    """What a build must re-run: pages (script keys) and, for the log, why."""

    stamps: dict[str, str]  # script key -> stamp for this build
    stale: dict[str, str]  # script key -> why it re-runs
    hashes: dict[str, str]  # library file -> sha256 now
    raw: str = ""  # raw_fingerprint() of the library now

    def summary(self) -> str:
        """One line per reason: ``re-running 2 pages because cnnatlas/trace.py changed: a, b``."""
        by_reason: dict[str, list[str]] = {}
        for key, why in sorted(self.stale.items()):
            by_reason.setdefault(why, []).append(key)
        return "\n".join(
            f"re-running {len(keys)} page{'s' * (len(keys) != 1)} because {why}: {', '.join(keys)}"
            for why, keys in by_reason.items()
        )


def plan(library: Library, scripts: dict[str, Path], base: str, store: Path) -> Plan:
    """Compare each page's stamp with the one stored in ``store`` by the last build (absent: re-run).

    ``scripts`` maps each page's key (its path below the examples folder) to its file; ``base`` is what
    every page depends on besides the library (the profile, the gallery configuration).
    """
    old = json.loads(store.read_text(encoding="utf-8")) if store.exists() else {}
    old_pages, old_hashes, old_base = old.get("pages", {}), old.get("modules", {}), old.get("base")
    hashes = library.file_hashes()
    changed = sorted(rel for rel in set(hashes) | set(old_hashes) if hashes.get(rel) != old_hashes.get(rel))
    stamps, stale = {}, {}
    for key, script in scripts.items():
        files, everything = library.page_files(script)
        digest = hashlib.sha256(base.encode())
        for rel in sorted(files):
            digest.update(rel.encode() + b"\0" + hashes.get(rel, "").encode())
        stamps[key] = digest.hexdigest()
        if old_pages.get(key) == stamps[key]:
            continue
        if key not in old_pages:
            stale[key] = "no earlier build recorded them"
        elif old_base != base:
            stale[key] = "the build profile or the gallery configuration changed"
        else:
            mine = [f"{library.name}/{rel}" for rel in changed if rel in files]
            stale[key] = (f"{', '.join(mine[:3])}{' and more' if len(mine) > 3 else ''} changed"
                          + (f" (the page depends on every library file: {everything})" if everything else ""))  # fmt: skip
    return Plan(stamps, stale, hashes)


def save(store: Path, result: Plan, base: str, keep: dict[str, str] | None = None) -> None:
    """Write the stamps of this build (plus ``keep``: pages this build did not run, with their old stamps)."""
    pages = {**(keep or {}), **result.stamps}
    store.write_text(json.dumps({"base": base, "modules": result.hashes, "pages": pages, "raw": result.raw},
                                indent=1, sort_keys=True),
                     encoding="utf-8")  # fmt: skip


def raw_fingerprint(package_dir: Path) -> str:
    """sha256 over every file of the package, path and bytes: equal means nothing to re-read."""
    digest = hashlib.sha256()
    root = Path(package_dir)
    for path in sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def stored_pages(store: Path) -> dict[str, str]:
    """The page stamps the last build stored."""
    return json.loads(store.read_text(encoding="utf-8")).get("pages", {}) if store.exists() else {}


LOG = logging.getLogger("mkdocs.hooks.staleness")


def prepare(package_dir: Path, examples_dir: Path, out_dir: Path, scripts: Iterable[Path], base: str) -> Plan:
    """Before mkdocs-gallery runs: plan, make each stale page re-run (its ``.md5`` removed), log why.

    mkdocs-gallery re-runs a script whose ``<out_dir>/<section>/<script>.md5`` is missing; the others keep
    its own rule (a script that changed re-runs).
    """
    keys = {Path(s).relative_to(examples_dir).as_posix(): Path(s) for s in scripts}
    store = Path(out_dir) / STORE_FILE
    old = json.loads(store.read_text(encoding="utf-8")) if store.exists() else {}
    raw = raw_fingerprint(package_dir)
    if old.get("raw") == raw and old.get("base") == base and set(keys) <= set(old.get("pages", {})):
        # not one library byte changed since the last build: no page is stale, and no file needs reading
        LOG.info(f"no library file changed ({len(keys)} pages checked)")
        return Plan({k: old["pages"][k] for k in keys}, {}, old.get("modules", {}), raw)
    result = plan(Library(package_dir), keys, base, store)
    result.raw = raw
    for key in result.stale:
        (Path(out_dir) / f"{key}.md5").unlink(missing_ok=True)
    if result.stale:
        LOG.info(result.summary())
    else:
        LOG.info(f"no page depends on a library file that changed ({len(keys)} checked)")
    return result


def finish(out_dir: Path, result: Plan, base: str) -> None:
    """After the examples ran: store this build's stamps (pages this build did not run keep theirs)."""
    store = Path(out_dir) / STORE_FILE
    old = stored_pages(store)
    save(store, result, base, keep={k: v for k, v in old.items() if k not in result.stamps})
