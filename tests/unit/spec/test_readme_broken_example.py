"""The README tour's `flowctl validate docs/examples/broken.json` prints what the README shows."""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

from orchestrator.cli.app import app

ROOT = Path(__file__).resolve().parents[3]


def test_the_readme_shows_what_validate_prints_for_the_broken_example(monkeypatch) -> None:
    monkeypatch.chdir(ROOT)
    readme = (ROOT / "README.md").read_text()
    block = re.search(r"\$ flowctl validate docs/examples/broken\.json\n(.*?)```", readme, re.S)
    assert block, "the README tour no longer shows the broken example"
    shown = [line.strip() for line in block.group(1).splitlines() if line.strip()]
    result = CliRunner().invoke(app, ["validate", "docs/examples/broken.json"])
    printed = [line.strip() for line in result.output.splitlines() if line.strip()]
    assert result.exit_code == 1
    assert printed == shown
