"""GIVEN events/<function>.json, the payload that node function received in a local run of an
example flow (written by `flowctl events sample`) WHEN it is fed to the function's handler, as
`sam local invoke <Fn>Function -e events/<function>.json` would THEN the handler succeeds."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

import pytest

from orchestrator.testing import invoke

ROOT = Path(__file__).resolve().parents[3]
FUNCTIONS = sorted(p.parent.name for p in (ROOT / "functions").glob("*/app.py"))


@pytest.fixture(scope="module")
def fake_api_module() -> ModuleType:
    """``data/api/fake_api.py``: the local API the api-extract example (http_fetch) reads."""
    spec = importlib.util.spec_from_file_location("flowctl_events_fake_api", ROOT / "data" / "api" / "fake_api.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """The repository's functions and data in a temporary project, so what the functions write
    (out/...) lands there."""
    for folder in ("functions", "data", "flows"):
        (tmp_path / folder).symlink_to(ROOT / folder)
    return tmp_path


def test_every_function_has_an_event_named_after_it() -> None:
    missing = [f for f in FUNCTIONS if not (ROOT / "events" / f"{f}.json").is_file()]
    assert not missing, f"add events/<function>.json (flowctl events sample RUN --node NODE -o ...): {missing}"


@pytest.mark.parametrize("function", FUNCTIONS)
def test_the_function_handles_its_event(function: str, project: Path, fake_api_module) -> None:
    event = json.loads((ROOT / "events" / f"{function}.json").read_text())
    assert set(event) == {"input", "params", "context"}
    with fake_api_module.serving() as api:  # the local API of the api-extract example
        text = json.dumps(event).replace("http://127.0.0.1:8765", api.base_url)
        result = invoke(function, json.loads(text), project=project)
    assert result is not None
