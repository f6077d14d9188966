"""Fixtures for node-function tests: load a function's ``app.py``, the shipped data, the fake API.

Every function lives in ``functions/<name>/app.py`` (a module called ``app``, like on Lambda),
so :func:`load_app` imports each one under its own module name.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

from orchestrator.function_import import import_app

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data"


def _load(path: Path, module_name: str) -> ModuleType:
    if module_name in sys.modules:
        return sys.modules[module_name]
    spec = importlib.util.spec_from_file_location(module_name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


def load_app(name: str) -> ModuleType:
    """The ``app`` module of ``functions/<name>/``, imported as flowctl imports it (its folder and
    ``functions/``, where the ``shared`` package is, on the path)."""
    module_name = f"fn_{name}_app"
    if module_name in sys.modules:
        return sys.modules[module_name]
    return import_app(ROOT / "functions" / name / "app.py", module_name)


@pytest.fixture
def app() -> Callable[[str], ModuleType]:
    """``app("match_exact")`` is the module of that node function."""
    return load_app


@pytest.fixture
def repo_dir(monkeypatch: pytest.MonkeyPatch) -> Path:
    """Relative paths resolve against the repository (for the shipped ``data/``)."""
    monkeypatch.setenv("FLOWCTL_PROJECT_DIR", str(ROOT))
    return ROOT


@pytest.fixture
def fake_api_module() -> ModuleType:
    """``data/api/fake_api.py`` (the local API the api-extract example reads)."""
    return _load(DATA / "api" / "fake_api.py", "flowctl_fake_api")
