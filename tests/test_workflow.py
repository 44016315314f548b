"""The Pages workflow: zizmor (the GitHub Actions security linter) finds nothing, and it installs the tested torch."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = ROOT / ".github" / "workflows" / "docs.yml"
ZIZMOR_TIMEOUT_S = 120


def _zizmor() -> str:
    """Return the zizmor executable (the test extra installs it beside this Python), or skip outside CI."""
    beside = Path(sys.executable).with_name("zizmor")
    found = str(beside) if beside.exists() else shutil.which("zizmor")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("zizmor is required in CI: install the test extra (pip install -e '.[test]')")
        pytest.skip("zizmor is not installed (pip install zizmor, or the test extra)")
    return found


def test_zizmor_finds_nothing_in_the_pages_workflow() -> None:
    """Offline audits only (no GitHub token): pinned actions, permissions per job, no persisted credentials,
    no template injection. Pedantic, so that even the low-confidence findings count."""
    done = subprocess.run(
        [_zizmor(), "--offline", "--persona=pedantic", "--format=json", str(WORKFLOW)],
        capture_output=True,
        text=True,
        timeout=ZIZMOR_TIMEOUT_S,
        check=False,
    )
    assert done.stdout.strip(), f"zizmor printed no report (exit {done.returncode}): {done.stderr[-2000:]}"
    findings = json.loads(done.stdout)
    described = [f"{f.get('ident')}: {f.get('desc')}" for f in findings]
    assert findings == [], f"zizmor found {len(findings)} problem(s) in {WORKFLOW.name}: {described}"
    assert done.returncode == 0, done.stderr[-2000:]


def _upper_pin(requirement: str) -> str:
    match = re.search(r"<=\s*([0-9][0-9A-Za-z.]*)", requirement)
    assert match, f"pyproject.toml: expected an upper pin '<=X' in {requirement!r}"
    return match.group(1)


def test_workflow_installs_the_tested_torch_pair() -> None:
    """The CPU index is asked for exactly pyproject.toml's upper pins, so the project's pins never replace them."""
    # the [project] dependencies, one quoted requirement a line (tomllib is Python 3.11+; 3.10 is supported)
    quoted = re.findall(
        r'^\s*"(torch|torchvision)\s*([<>=!~][^"]*)"', (ROOT / "pyproject.toml").read_text(), re.M
    )
    pins = {name: _upper_pin(requirement) for name, requirement in quoted}
    assert set(pins) == {"torch", "torchvision"}, f"pyproject.toml pins: {pins}"
    installs = [
        line for line in WORKFLOW.read_text().splitlines() if "pip install" in line and "torch" in line
    ]
    assert len(installs) == 1, f"expected one pip install of torch in {WORKFLOW.name}, got {installs}"
    words = installs[0].split()
    for name, version in pins.items():
        assert f"{name}=={version}" in words, f"{WORKFLOW.name} must install {name}=={version}: {installs[0]}"
    assert "https://download.pytorch.org/whl/cpu" in words, f"expected the CPU index: {installs[0]}"


def test_every_action_is_pinned_to_a_commit_with_its_version() -> None:
    """zizmor checks the pins; this keeps the version comment beside each hash, for whoever updates them."""
    uses = re.findall(r"uses:\s*(\S+)(.*)", WORKFLOW.read_text())
    assert uses, "no action found"
    for action, rest in uses:
        assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", action), f"not pinned to a full commit: {action}"
        assert re.fullmatch(r"\s*#\s*v\d+(\.\d+)*\s*", rest), (
            f"{action}: expected a '# vX.Y.Z' comment, got {rest!r}"
        )
