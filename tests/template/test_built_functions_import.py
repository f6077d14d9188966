"""Each built function imports in a Lambda-like interpreter: python3.12, isolated from this
machine's packages, with only the function's own build folder and the runtime layer on the path —
what Lambda gives it. Catches a module missing from a requirements.txt or from the layer."""

from __future__ import annotations

import subprocess
from pathlib import Path

import yaml

from orchestrator.deploy.sam import BUILD_PYTHON, find_python_dir

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import importlib, sys
module_name, _, name = sys.argv[1].rpartition(".")
module = importlib.import_module(module_name)
assert callable(getattr(module, name)), sys.argv[1] + " is not callable"
"""


def _functions() -> dict[str, str]:
    """Logical id → Handler (``app.lambda_handler``, or a platform handler in the layer)."""
    template = yaml.safe_load((ROOT / "template.yaml").read_text())
    return {
        k: v["Properties"]["Handler"]
        for k, v in sorted(template["Resources"].items())
        if v["Type"] == "AWS::Serverless::Function"
    }


def test_every_built_function_imports_with_only_its_package_and_the_layer(sam_build_dir: Path) -> None:
    python_dir = find_python_dir()
    assert python_dir is not None  # sam_build_dir skips without it
    python = str(Path(python_dir) / f"python{BUILD_PYTHON}")
    layer = sam_build_dir / "RuntimeLayer" / "python"
    env = {
        "PYTHONPATH": f"{sam_build_dir}/{{fn}}:{layer}",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_LAMBDA_FUNCTION_NAME": "probe",
        "POWERTOOLS_TRACE_DISABLED": "1",
        "MPLCONFIGDIR": "/tmp",
    }
    failures = []
    for fn, handler in _functions().items():
        run_env = dict(env, PYTHONPATH=env["PYTHONPATH"].format(fn=fn))
        # -s: no user site; -E is not used because PYTHONPATH is how Lambda adds /opt/python
        done = subprocess.run(
            [python, "-s", "-c", "import sys; sys.path = [p for p in sys.path if 'site-packages' not in p]\n" + PROBE, handler],
            cwd=sam_build_dir / fn, env=run_env, capture_output=True, text=True, timeout=120, check=False,
        )
        if done.returncode != 0:
            failures.append(f"{fn}: {done.stderr.strip().splitlines()[-1] if done.stderr.strip() else done.returncode}")
    assert not failures, "functions that would not import in Lambda:\n" + "\n".join(failures)


def test_the_built_layer_ships_bytecode_of_the_runtime_checked_by_hash(sam_build_dir: Path) -> None:
    """Lambda's file system is read-only: a module without bytecode in the layer is compiled on
    every cold start. Each source has python3.12 bytecode whose header says "hash-based, unchecked"
    (flags 0b01: valid whatever times the zip gave the sources)."""
    layer = sam_build_dir / "RuntimeLayer" / "python"
    tag = f"cpython-{BUILD_PYTHON.replace('.', '')}"
    sources = [p for p in layer.rglob("*.py") if p.parts[-2] != "__pycache__"]
    assert any(p.parts[len(layer.parts)] == "orchestrator" for p in sources)
    missing, checked = [], []
    for source in sources:
        compiled = source.parent / "__pycache__" / f"{source.stem}.{tag}.pyc"
        if not compiled.exists():
            missing.append(str(source.relative_to(layer)))
        elif int.from_bytes(compiled.read_bytes()[4:8], "little") != 0b01:
            checked.append(str(compiled.relative_to(layer)))
    assert not missing, f"{len(missing)} modules without {tag} bytecode, e.g. {missing[:5]}"
    assert not checked, f"bytecode checked against the sources' times: {checked[:5]}"
