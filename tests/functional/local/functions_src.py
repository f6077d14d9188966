"""Node functions of the local-run tests' throw-away projects, as source text: ``flaky`` fails
on its first attempt, ``broken`` always fails; and :func:`write_project`, which writes such a project."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

FUNCTIONS = {
    "flaky": '''from orchestrator.runtime import node


def handle(inputs, ctx):
    if ctx.attempt == 0:
        raise RuntimeError("flaky upstream")
    return {"ok": True}


lambda_handler = node(handle)
''',
    "broken": '''from orchestrator.runtime import node


def handle(inputs):
    raise ValueError("always broken")


lambda_handler = node(handle)
''',
}


def write_project(root: Path, flows: dict[str, Any], functions: dict[str, str]) -> Path:
    """Write a throw-away project at ``root``: ``flows/<name>.json`` and ``functions/<name>/app.py``."""
    (root / "flows").mkdir(parents=True)
    for name, flow in flows.items():
        (root / "flows" / f"{name}.json").write_text(json.dumps(flow))
    for name, source in functions.items():
        (root / "functions" / name).mkdir(parents=True)
        (root / "functions" / name / "app.py").write_text(source)
    return root
