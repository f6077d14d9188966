"""GIVEN a `sam build` output WHEN packaged THEN code goes to the uploader as zips and definitions inline."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest

from orchestrator.deploy.errors import DeployError
from orchestrator.deploy.package import package_template, zip_folder


@pytest.fixture
def build(tmp_path: Path) -> Path:
    (tmp_path / "HelloFunction").mkdir()
    (tmp_path / "HelloFunction" / "app.py").write_text("def lambda_handler(event, context):\n    return event\n")
    (tmp_path / "Layer" / "python" / "pkg").mkdir(parents=True)
    (tmp_path / "Layer" / "python" / "pkg" / "__init__.py").write_text("")
    (tmp_path / "machines").mkdir()
    (tmp_path / "machines" / "hello.asl.json").write_text(json.dumps({"StartAt": "A", "States": {"A": {"Type": "Succeed"}}}))
    return tmp_path


def test_zips_are_byte_for_byte_the_same_for_the_same_files(build: Path) -> None:
    first = zip_folder(build / "Layer")
    assert first == zip_folder(build / "Layer")
    assert zipfile.ZipFile(io.BytesIO(first)).namelist() == ["python/pkg/__init__.py"]


def test_code_is_uploaded_and_definitions_are_inlined(build: Path) -> None:
    uploads: dict[str, bytes] = {}

    def upload(key: str, data: bytes) -> str:
        uploads[key] = data
        return f"s3://bucket/{key}"

    template = {"Resources": {
        "HelloFunction": {"Type": "AWS::Serverless::Function", "Properties": {"CodeUri": "HelloFunction"}},
        "Layer": {"Type": "AWS::Serverless::LayerVersion", "Properties": {"ContentUri": "Layer"}},
        "Machine": {"Type": "AWS::Serverless::StateMachine", "Properties": {"DefinitionUri": "machines/hello.asl.json"}},
    }}
    packaged = package_template(template, build, upload, prefix="stack/")
    code_uri = packaged["Resources"]["HelloFunction"]["Properties"]["CodeUri"]
    assert code_uri.startswith("s3://bucket/stack/HelloFunction-") and code_uri.endswith(".zip")
    assert zipfile.ZipFile(io.BytesIO(uploads[code_uri.removeprefix("s3://bucket/")])).namelist() == ["app.py"]
    assert packaged["Resources"]["Layer"]["Properties"]["ContentUri"].startswith("s3://bucket/stack/Layer-")
    assert packaged["Resources"]["Machine"]["Properties"] == {"Definition": {"StartAt": "A", "States": {"A": {"Type": "Succeed"}}}}
    assert template["Resources"]["HelloFunction"]["Properties"]["CodeUri"] == "HelloFunction", "the input is not changed"


def test_a_missing_build_folder_is_a_deploy_error(build: Path) -> None:
    template = {"Resources": {"Gone": {"Type": "AWS::Serverless::Function", "Properties": {"CodeUri": "Gone"}}}}
    with pytest.raises(DeployError, match="Gone: CodeUri 'Gone' is no folder"):
        package_template(template, build, lambda key, data: key)
