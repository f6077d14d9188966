"""Helpers to write a throwaway project with flows/ and functions/."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest


@pytest.fixture
def project(tmp_path: Path):
    """A function that writes a flow (dict or raw text) into a temp project and returns its path."""
    (tmp_path / "flows").mkdir()
    for name in ("step", "other"):
        (tmp_path / "functions" / name).mkdir(parents=True)
        (tmp_path / "functions" / name / "app.py").write_text("def lambda_handler(e, c):\n    return e\n")

    def write(flow: dict[str, Any] | str, name: str = "demo", suffix: str = ".json") -> Path:
        path = tmp_path / "flows" / f"{name}{suffix}"
        path.write_text(flow if isinstance(flow, str) else json.dumps(flow, indent=2))
        return path

    return write
