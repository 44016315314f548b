"""Every way to run cnnatlas: docs, serve, tests, lint, bench.

docs, serve, tests and bench share one virtual environment, ``.nox/cnnatlas``: torch (several GB) is
installed once, and reinstalled only when pyproject.toml changes. It is made with pip, not uv, because
pip sees this machine's local torch wheels and uv does not.
"""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path

import nox

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT / "docs" / "hooks"))
import tooling  # noqa: E402 - settings shared with the tests and benchmarks (docs/hooks/tooling.py)

nox.options.sessions = ["lint", "tests"]
nox.options.reuse_existing_virtualenvs = True

SHARED_ENV = ROOT / ".nox" / "cnnatlas"
EXTRAS = "docs,test"
PYPROJECT = nox.project.load_toml(ROOT / "pyproject.toml")


def _bin(name: str) -> str:
    """Return the path of ``name`` inside the shared venv (nox would look it up on the outer PATH)."""
    return str(SHARED_ENV / "bin" / name)


def _shared_env(session: nox.Session) -> dict[str, str]:
    """Create (once) the shared venv with cnnatlas[docs,test] installed; return the env to run in it."""
    python = SHARED_ENV / "bin" / "python"
    stamp = SHARED_ENV / ".installed-from"
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + EXTRAS.encode()).hexdigest()
    if not python.exists():
        session.run(sys.executable, "-m", "venv", str(SHARED_ENV), external=True)
    if not stamp.exists() or stamp.read_text() != wanted:
        session.run(str(python), "-m", "pip", "install", "--upgrade", "pip", external=True)
        session.run(str(python), "-m", "pip", "install", "-e", f".[{EXTRAS}]", external=True)
        stamp.write_text(wanted)
    return {
        **tooling.tool_env(),  # the data mirror beside the checkout when present, quiet MkDocs
        "VIRTUAL_ENV": str(SHARED_ENV),
        "PATH": f"{SHARED_ENV / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
    }


@nox.session(venv_backend="none")
def docs(session: nox.Session) -> None:
    """Build the whole site (full profile: every model fully trained) into site/."""
    env = _shared_env(session)
    env.setdefault("CNNATLAS_PROFILE", os.environ.get("CNNATLAS_PROFILE", "full"))
    session.run(_bin("mkdocs"), "build", "--strict", *session.posargs, env=env, external=True)


@nox.session(venv_backend="none")
def serve(session: nox.Session) -> None:
    """Serve the site with live reload on http://127.0.0.1:8000/."""
    env = _shared_env(session)
    env["CNNATLAS_SITE_URL"] = os.environ.get("CNNATLAS_SITE_URL", "http://127.0.0.1:8000/")
    session.run(_bin("mkdocs"), "serve", "--dev-addr", "127.0.0.1:8000", *session.posargs, env=env, external=True)


@nox.session(venv_backend="none")
def tests(session: nox.Session) -> None:
    """Every test: unit tests and docstring examples, then a quick-profile site build checked in Chromium."""
    env = _shared_env(session)
    session.run(_bin("python"), "-m", "pytest", *(session.posargs or ["-ra"]), env=env, external=True)


@nox.session(venv_backend="none")
def unit(session: nox.Session) -> None:
    """The fast path: unit tests and docstring examples, without the site build and the API fuzz."""
    env = _shared_env(session)
    session.run(_bin("python"), "-m", "pytest", "-m", "not site and not fuzz", *(session.posargs or ["-ra"]), env=env, external=True)


@nox.session(venv_backend="none")
def bench(session: nox.Session) -> None:
    """Print the benchmark tables: tracing, training, page weights (``-- --site``: full build timings too;
    ``-- --first-figure``: bytes and time to each page's first figure, today's build against the baseline)."""
    env = _shared_env(session)
    session.run(_bin("python"), "bench/bench_trace.py", env=env, external=True)
    session.run(_bin("python"), "bench/bench_training.py", env=env, external=True)
    site_mode = [] if "--site" in session.posargs else ["--weights-only"]
    session.run(_bin("python"), "bench/bench_site.py", *site_mode, env=env, external=True)
    if "--first-figure" in session.posargs:
        session.run(_bin("python"), "bench/bench_first_figure.py", env=env, external=True)


@nox.session
def lint(session: nox.Session) -> None:
    """Run ruff (the version pinned by pyproject's ``lint`` extra) on the library, gallery, tests and tooling."""
    session.install(*PYPROJECT["project"]["optional-dependencies"]["lint"])
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", "cnnatlas", "tests")
