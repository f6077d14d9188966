"""Shared fixtures: paths of the project and of the shared conformance corpus."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def project_root() -> Path:
    return ROOT


FAKE_AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
}


@pytest.fixture
def fake_aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fake credentials and region; every AWS call in the test is answered by moto."""
    from moto import mock_aws

    for name, value in FAKE_AWS_ENV.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        yield


@pytest.fixture
def project_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A temporary project folder that relative paths resolve against."""
    monkeypatch.setenv("FLOWCTL_PROJECT_DIR", str(tmp_path))
    return tmp_path


@pytest.fixture
def aws(fake_aws: None) -> Iterator[Any]:
    """Every AWS call answered by moto, with a fresh S3 client."""
    from orchestrator.io import set_s3_client

    set_s3_client(None)
    yield
    set_s3_client(None)


@pytest.fixture
def bucket(aws: Any) -> str:
    """An empty S3 bucket (moto)."""
    import boto3

    boto3.client("s3").create_bucket(Bucket="flowctl-test")
    return "flowctl-test"


# -- the SAM CLI and one `sam build` per session (tests/template/test_sam.py, tests/functional/deploy)


@pytest.fixture(scope="session")
def sam_cli() -> Path:
    """The SAM CLI of ``make tools``, installed on first use (CI starts from a clean clone)."""
    import subprocess

    from orchestrator.deploy.sam import TOOLS_SAM

    done = subprocess.run(["make", "tools"], cwd=ROOT, capture_output=True, text=True, timeout=1800, check=False)
    assert done.returncode == 0, f"make tools failed:\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
    return ROOT / TOOLS_SAM


@pytest.fixture(scope="session")
def sam_build_dir(sam_cli: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``sam build --parallel`` of the committed template.yaml into a temporary folder."""
    from orchestrator.deploy.sam import BUILD_PYTHON, find_python_dir, sam_build

    python_dir = find_python_dir()
    if python_dir is None:
        pytest.skip(f"sam build needs python{BUILD_PYTHON} (the functions' Lambda runtime): none on PATH or in ~/.pyenv/versions")
    build_dir = tmp_path_factory.mktemp("sam") / "build"
    sam_build(ROOT, build_dir, sam=sam_cli, python_dir=python_dir)
    return build_dir


@pytest.fixture(scope="session")
def deploy_build_dir(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A build for the deploy rehearsal: the `sam build` above, or, without python3.12, the sources
    laid out as sam build would (each function and the layer in a folder named after it)."""
    import shutil

    import yaml

    from orchestrator.deploy.sam import find_python_dir

    if find_python_dir() is not None:
        return Path(request.getfixturevalue("sam_build_dir"))
    from orchestrator.deploy.layer import write_layer_source

    write_layer_source(ROOT)
    build_dir = tmp_path_factory.mktemp("unbuilt")
    template = yaml.safe_load((ROOT / "template.yaml").read_text())
    for logical, resource in template["Resources"].items():
        props = resource.get("Properties", {})
        for key in ("CodeUri", "ContentUri"):
            if key in props:
                shutil.copytree(ROOT / props[key], build_dir / logical)
                props[key] = logical
        if "DefinitionUri" in props:
            props["DefinitionUri"] = str(ROOT / props["DefinitionUri"])
    (build_dir / "template.yaml").write_text(yaml.safe_dump(template))
    return build_dir
