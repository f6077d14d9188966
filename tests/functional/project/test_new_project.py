"""GIVEN the README's ten-minute path (its first section) WHEN a new user follows it as written in
an empty folder — build the wheel, install it in a fresh virtualenv (no dev extras), `flowctl
init`, validate, run both flows, pytest, synth, `sam validate --lint`, `sam build` — THEN every
step succeeds from that folder alone; cfn-lint finds nothing in the template; and the deploy,
rehearsed on a moto server instead of AWS (`sam deploy --guided` is the one line not run),
creates the stack.

Nothing of this repository is used but the wheel built from it (and the SAM CLI of `make tools`):
the project, its template and its runtime layer come from the installed distribution.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[3]
MARK = "<!-- ten-minute-path:"


def readme_commands() -> list[str]:
    """The command lines of the README's ten-minute block (comments dropped)."""
    text = (ROOT / "README.md").read_text()
    block = text[text.index(MARK):].split("```sh\n", 1)[1].split("```", 1)[0]
    return [line.split("  #")[0].strip() for line in block.splitlines() if line.strip()]


@dataclass
class Walk:
    folder: Path
    output: str
    returncode: int

    @property
    def project(self) -> Path:
        return self.folder / "my-flows"

    def step(self, number: int) -> str:
        """What step ``number`` (1-based) printed."""
        parts = re.split(r"^::step (\d+)$", self.output, flags=re.M)
        found = dict(zip(parts[1::2], parts[2::2], strict=True))
        return found.get(str(number), "")


@pytest.fixture(scope="module")
def walk(sam_cli: Path, moto_endpoint: str, tmp_path_factory: pytest.TempPathFactory) -> Walk:
    from orchestrator.deploy.sam import BUILD_PYTHON, find_python_dir

    python_dir = find_python_dir()
    if python_dir is None:
        pytest.skip(f"sam build needs python{BUILD_PYTHON} (the functions' Lambda runtime): none on PATH or in ~/.pyenv/versions")
    folder = tmp_path_factory.mktemp("newuser")
    tools = folder / "bin"  # python3 = this interpreter's base Python; sam and cfn-lint of `make tools`
    tools.mkdir()
    (tools / "python3").symlink_to(getattr(sys, "_base_executable", sys.executable))
    for name in ("sam", "cfn-lint"):
        (tools / name).symlink_to(sam_cli.parent / name)
    script = ["set -e"]
    for number, command in enumerate(readme_commands(), 1):
        command = command.replace("/path/to/flowctl", str(ROOT))
        if command.startswith("sam deploy"):  # not to AWS: the rehearsal on moto, with its extra
            command = ('pip install "$(ls ../dist/flowctl_sfn-*.whl)[deploy]" && '
                       f"flowctl deploy --endpoint-url {moto_endpoint} --build-dir .aws-sam/build --stack-name my-flows")
        script += [f"echo '::step {number}'", command]
    env = {
        "PATH": os.pathsep.join([str(tools), str(python_dir), "/usr/local/bin", "/usr/bin", "/bin"]),
        "HOME": os.environ.get("HOME", str(folder)),
        "SAM_CLI_TELEMETRY": "0",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        **{k: v for k, v in os.environ.items() if k.startswith(("PIP_", "LANG", "LC_"))},
    }
    done = subprocess.run(["bash", "-c", "\n".join(script)], cwd=folder, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, timeout=1800, check=False)
    return Walk(folder, done.stdout, done.returncode)


def test_every_step_of_the_readme_succeeds_as_written(walk: Walk) -> None:
    assert walk.returncode == 0, walk.output[-6000:]


def test_the_wheel_installs_without_dev_extras_and_gives_flowctl(walk: Walk) -> None:
    venv = walk.folder / ".venv"
    assert (venv / "bin" / "flowctl").is_file()
    listed = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "list", "--format=freeze"],
                            capture_output=True, text=True, check=True).stdout.lower().replace("_", "-")
    assert "flowctl-sfn==" in listed and "aws-lambda-powertools==" in listed
    assert "moto==" not in listed and "ruff==" not in listed  # no dev extras


def test_init_scaffolds_the_project_and_both_flows_run(walk: Walk) -> None:
    project = walk.project
    for path in ("flows/hello.json", "flows/word-stats.json", "functions/greet/app.py", "events/greet.json",
                 "tests/test_flows.py", "samconfig.toml", ".gitignore", ".flowctl/flow.schema.json"):
        assert (project / path).is_file(), path
    assert "flow 'hello' is valid" in walk.step(5)
    assert '"Hello, Ada!"' in walk.step(6) and "SUCCEEDED run hello-" in walk.step(6)
    assert "SUCCEEDED run word-stats-" in walk.step(7) and '"longest": "quick"' in walk.step(7)
    assert re.search(r"\d+ passed", walk.step(8)), walk.step(8)


def test_synth_writes_a_template_that_needs_nothing_from_this_repository(walk: Walk) -> None:
    project = walk.project
    template = yaml.safe_load((project / "template.yaml").read_text())
    for logical, resource in template["Resources"].items():
        for key in ("CodeUri", "ContentUri", "DefinitionUri"):
            if key in resource.get("Properties", {}):
                assert (project / resource["Properties"][key]).exists(), f"{logical}: {key}"
    assert template["Resources"]["ApiFunction"]["Properties"]["Handler"] == "orchestrator.platform.api.lambda_handler"
    layer = project / ".flowctl" / "layer" / "orchestrator"
    assert (layer / "platform" / "api.py").is_file() and (layer / "runtime" / "node.py").is_file()
    assert not (layer / "compiler").exists() and not (layer / "cli").exists()


def test_cfn_lint_and_sam_validate_report_nothing(walk: Walk) -> None:
    assert "is a valid SAM Template" in walk.step(10)
    linted = subprocess.run([str(walk.folder / "bin" / "cfn-lint"), "template.yaml"], cwd=walk.project,
                            capture_output=True, text=True, timeout=600, check=False)
    assert linted.returncode == 0, linted.stdout + linted.stderr


def test_sam_build_builds_the_functions_and_the_layer_from_the_installed_package(walk: Walk) -> None:
    built = walk.project / ".aws-sam" / "build"
    assert "Build Succeeded" in walk.step(10)
    assert (built / "GreetFunction" / "app.py").is_file()
    assert (built / "RuntimeLayer" / "python" / "orchestrator" / "platform" / "api.py").is_file()
    assert (built / "RuntimeLayer" / "python" / "aws_lambda_powertools").is_dir()
    assert list((built / "ApiFunction").glob("*.json"))  # the flows the API serves


def test_the_deploy_rehearsal_creates_the_stack(walk: Walk) -> None:
    rehearsal = walk.step(11)
    assert "stack my-flows" in rehearsal and "CREATE_COMPLETE" in rehearsal, rehearsal[-3000:]
