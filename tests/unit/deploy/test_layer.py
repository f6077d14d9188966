"""GIVEN the runtime layer's source written from the installed package WHEN Lambdas import from it
THEN it holds only what they import (no compiler, engine, CLI, deploy code or test helpers), and
every platform handler and a node function import and answer from it alone."""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

from orchestrator.deploy.layer import LAYER_DIR, LAYER_PACKAGES, write_layer_source
from orchestrator.function_import import SHARED_PACKAGE

ROOT = Path(__file__).resolve().parents[3]
SITE = sorted({sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]})
PROBE = """
import importlib, json, sys
sys.path[:0] = [sys.argv[1], sys.argv[2]]
sys.path += sys.argv[3:]  # third-party packages; no site: this checkout's editable install stays out
import orchestrator
assert orchestrator.__file__.startswith(sys.argv[2]), orchestrator.__file__
for name in ("api", "tracker", "waiter", "event_router"):
    assert callable(importlib.import_module(f"orchestrator.platform.{name}").lambda_handler)
import app
print(json.dumps(app.lambda_handler({"name": "Ada"}, None)))
for absent in ("compiler", "engine", "cli", "deploy", "local", "render", "testing", "scaffold"):
    try:
        importlib.import_module(f"orchestrator.{absent}")
    except ModuleNotFoundError:
        continue
    raise SystemExit(f"orchestrator.{absent} is in the layer")
"""


def _probe(script: str, function: str, layer: Path) -> str:
    """The output of ``script`` run by a bare interpreter (no site) with the folder of
    ``functions/<function>``, the layer and the third-party packages as its arguments."""
    done = subprocess.run(
        [sys.executable, "-B", "-S", "-c", script, str(ROOT / "functions" / function), str(layer), *SITE],
        capture_output=True, text=True, timeout=120, check=False, cwd=layer.parent,
        env={"PATH": "/usr/bin:/bin", "AWS_DEFAULT_REGION": "us-east-1", "POWERTOOLS_TRACE_DISABLED": "1"},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def test_the_layer_holds_only_what_lambdas_import(tmp_path: Path) -> None:
    layer = write_layer_source(tmp_path)
    assert layer == tmp_path / LAYER_DIR
    assert {p.name for p in layer.iterdir()} == {"Makefile", "requirements.txt", "orchestrator"}
    package = layer / "orchestrator"
    assert {p.name for p in package.iterdir() if p.is_dir()} == set(LAYER_PACKAGES)
    assert (package / "platform" / "openapi.json").is_file()
    # top-level modules: the always-shipped ones, and those the sub-packages import (found by scanning)
    modules = {p.name for p in package.iterdir() if p.is_file()}
    assert {"__init__.py", "constants.py", "errors.py", "py.typed"} <= modules
    assert "generate.py" not in modules and "testing.py" not in modules
    assert not list(package.rglob("__pycache__"))


def test_rewriting_the_layer_drops_what_is_no_longer_shipped(tmp_path: Path) -> None:
    layer = write_layer_source(tmp_path)
    (layer / "orchestrator" / "stale.py").write_text("")
    assert not (write_layer_source(tmp_path) / "orchestrator" / "stale.py").exists()


def test_platform_handlers_and_a_node_function_run_from_the_layer_alone(tmp_path: Path) -> None:
    layer = write_layer_source(tmp_path)
    assert '{"message": "Hello, Ada!"}' in _probe(PROBE, "hello", layer)


SHARED_PROBE = """
import sys
sys.path[:0] = [sys.argv[1], sys.argv[2]]
sys.path += sys.argv[3:]
import app, shared
assert shared.__file__.startswith(sys.argv[2]), shared.__file__
assert callable(app.lambda_handler)
print("imported", app.STATUS)
"""


def test_the_projects_shared_package_goes_into_the_layer_and_its_functions_import_from_it(tmp_path: Path) -> None:
    # GIVEN a project whose functions share code in functions/shared/ (as the examples do)
    shutil.copytree(ROOT / "functions" / "shared", tmp_path / "functions" / "shared")
    # WHEN the layer's source is written
    layer = write_layer_source(tmp_path)
    # THEN the package sits next to orchestrator (the layer's python/ folder once built) ...
    assert {p.name for p in layer.iterdir()} == {"Makefile", "requirements.txt", "orchestrator", SHARED_PACKAGE}
    assert (layer / SHARED_PACKAGE / "kyc.py").is_file() and not list(layer.rglob("__pycache__"))
    # ... and a function that imports it loads with only its own folder and the layer
    assert "imported verified" in _probe(SHARED_PROBE, "mark_verified", layer)
