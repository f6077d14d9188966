"""Every third-party module a node function imports reaches its Lambda: from the runtime layer
(orchestrator/deploy/layer/requirements.txt, and functions/shared/ as ``shared``) or from the
function's own pinned requirements.txt."""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import pytest

from orchestrator.function_import import SHARED_PACKAGE

ROOT = Path(__file__).resolve().parents[2]
FUNCTIONS = sorted(p.parent for p in (ROOT / "functions").glob("*/app.py"))
# import name -> distribution name, where they differ
DISTRIBUTIONS = {"PIL": "pillow", "yaml": "pyyaml", "jsonata": "jsonata-python", "dateutil": "python-dateutil"}
PROVIDED = {"orchestrator", SHARED_PACKAGE, "aws_lambda_powertools", "boto3", "botocore", "pydantic"}


def _pins(path: Path) -> dict[str, str]:
    pins = {}
    for line in path.read_text().splitlines() if path.exists() else []:
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            assert version, f"{path.relative_to(ROOT)}: '{line}' is not pinned (name==version)"
            pins[re.sub(r"[-_.]+", "-", name).lower()] = version
    return pins


def _third_party_imports(app: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(app.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return {n for n in names if n not in sys.stdlib_module_names and n not in PROVIDED}


LAYER = _pins(ROOT / "orchestrator" / "deploy" / "layer" / "requirements.txt")
LOCK = _pins(ROOT / "requirements.lock")


@pytest.mark.parametrize("function", FUNCTIONS, ids=lambda p: p.name)
def test_imports_are_installed_in_the_lambda_and_pinned_like_the_lock(function: Path) -> None:
    own = _pins(function / "requirements.txt")
    for module in _third_party_imports(function / "app.py"):
        dist = re.sub(r"[-_.]+", "-", DISTRIBUTIONS.get(module, module)).lower()
        assert dist in own or dist in LAYER, (
            f"functions/{function.name} imports {module}: add {dist}=={LOCK.get(dist, '?')} "
            f"to functions/{function.name}/requirements.txt"
        )
    for dist, version in own.items():
        assert LOCK.get(dist) == version, f"functions/{function.name}: {dist}=={version}, the lock has {LOCK.get(dist)}"


def test_the_layer_is_pinned_like_the_lock() -> None:
    for dist, version in LAYER.items():
        assert LOCK.get(dist) == version, f"the runtime layer: {dist}=={version}, the lock has {LOCK.get(dist)}"
