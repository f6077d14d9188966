"""GIVEN the committed template.yaml WHEN the SAM CLI of `make tools` lints and builds it THEN it is
clean, and every function and the runtime layer build (offline but for the layer's pinned wheels)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from orchestrator.deploy.sam import sam_env

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_PATH = ROOT / "template.yaml"

pytestmark = pytest.mark.slow


def test_sam_validate_lint_reports_nothing(sam_cli: Path) -> None:
    done = subprocess.run(
        [str(sam_cli), "validate", "--lint", "--template-file", str(TEMPLATE_PATH)],
        cwd=ROOT, env=sam_env(None), capture_output=True, text=True, timeout=600, check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip() == f"{TEMPLATE_PATH} is a valid SAM Template", done.stdout


def test_sam_build_builds_every_function_and_the_layer(sam_build_dir: Path) -> None:
    built = yaml.safe_load((sam_build_dir / "template.yaml").read_text())
    source = yaml.safe_load(TEMPLATE_PATH.read_text())
    assert set(built["Resources"]) == set(source["Resources"])
    functions = {k: r for k, r in built["Resources"].items() if r["Type"] == "AWS::Serverless::Function"}
    assert functions
    for logical, resource in functions.items():
        handler = resource["Properties"]["Handler"]
        if handler.startswith("orchestrator.platform."):  # runs from the layer; its code is flows/
            assert list((sam_build_dir / resource["Properties"]["CodeUri"]).glob("*.json")), logical
        else:
            assert (sam_build_dir / resource["Properties"]["CodeUri"] / "app.py").is_file(), logical
    layer = sam_build_dir / built["Resources"]["RuntimeLayer"]["Properties"]["ContentUri"] / "python"
    assert (layer / "orchestrator" / "runtime" / "node.py").is_file()
    assert (layer / "orchestrator" / "platform" / "api.py").is_file()
    assert (layer / "aws_lambda_powertools").is_dir()
    # compiled wheels are Lambda's: CPython 3.12 on x86_64 Linux
    assert list((layer / "pydantic_core").glob("*.cpython-312-x86_64-linux-gnu.so"))
