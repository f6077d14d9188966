"""The README's `flowctl validate docs/examples/...` blocks print what validate prints: the broken
example of the tour, and the typed-edges example of "Typed inputs and outputs"."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from orchestrator.cli.app import app

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize("example", ["broken", "typed-edges"])
def test_the_readme_shows_what_validate_prints_for_the_example(example: str, monkeypatch) -> None:
    monkeypatch.chdir(ROOT)
    readme = (ROOT / "README.md").read_text()
    block = re.search(rf"\$ flowctl validate docs/examples/{re.escape(example)}\.json\n(.*?)```", readme, re.S)
    assert block, f"the README no longer shows the {example} example"
    shown = [line.strip() for line in block.group(1).splitlines() if line.strip()]
    result = CliRunner().invoke(app, ["validate", f"docs/examples/{example}.json"])
    printed = [line.strip() for line in result.output.splitlines() if line.strip()]
    assert result.exit_code == 1
    assert printed == shown
