"""Generated files are committed; this fails when one is stale. Regenerate with `make generate`."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestrator.generate import expected_files

ROOT = Path(__file__).resolve().parents[2]
FILES = expected_files(ROOT)


@pytest.mark.parametrize("path", sorted(FILES), ids=lambda p: str(p.relative_to(ROOT)))
def test_generated_file_is_current(path: Path) -> None:
    assert path.exists(), f"{path.relative_to(ROOT)} is missing: run `make generate`"
    assert path.read_text() == FILES[path](), f"{path.relative_to(ROOT)} is stale: run `make generate`"


def test_every_compiled_machine_belongs_to_a_flow() -> None:
    flows = {p.stem for p in (ROOT / "flows").iterdir()}
    machines = {p.name.removesuffix(".asl.json") for p in (ROOT / "statemachines").glob("*.asl.json")}
    assert machines <= flows, f"statemachines without a flow: {sorted(machines - flows)}"


def test_every_example_flow_is_generated() -> None:
    assert {p.stem for p in (ROOT / "flows").glob("*.json")} <= {p.name.removesuffix(".asl.json") for p in FILES if p.name.endswith(".asl.json")}
