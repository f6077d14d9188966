"""GIVEN a project's functions/ with a shared package WHEN a function's app.py is imported the way
flowctl imports it THEN it reaches its own modules and ``shared``, and sys.path is left as it was."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from orchestrator.function_import import SHARED_PACKAGE, import_app


def _project(tmp_path: Path, body: str) -> Path:
    functions = tmp_path / "functions"
    (functions / SHARED_PACKAGE).mkdir(parents=True)
    (functions / SHARED_PACKAGE / "__init__.py").write_text("")
    (functions / SHARED_PACKAGE / "greeting_probe.py").write_text("WORD = 'Hello'\n")
    (functions / "greet").mkdir()
    (functions / "greet" / "helpers_probe.py").write_text("PUNCT = '!'\n")
    app = functions / "greet" / "app.py"
    app.write_text(body)
    return app


def test_an_app_imports_its_own_modules_and_the_shared_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(sys.modules, SHARED_PACKAGE, raising=False)
    app = _project(tmp_path, "from helpers_probe import PUNCT\nfrom shared.greeting_probe import WORD\n"
                             "def lambda_handler(event, context):\n    return WORD + PUNCT\n")
    path_before = list(sys.path)
    module = import_app(app, "fn_probe_greet")
    try:
        assert module.lambda_handler({}, None) == "Hello!"
        assert sys.modules["fn_probe_greet"] is module
        assert sys.path == path_before
    finally:
        for name in ("fn_probe_greet", "helpers_probe", "shared.greeting_probe", SHARED_PACKAGE):
            sys.modules.pop(name, None)


def test_an_app_that_fails_to_import_leaves_nothing_behind(tmp_path: Path) -> None:
    app = _project(tmp_path, "raise RuntimeError('broken at import')\n")
    path_before = list(sys.path)
    with pytest.raises(RuntimeError, match="broken at import"):
        import_app(app, "fn_probe_broken")
    assert "fn_probe_broken" not in sys.modules
    assert sys.path == path_before
