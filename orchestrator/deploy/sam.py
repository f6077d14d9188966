"""The SAM CLI that ``make tools`` installs (``.tools/sam/``), and ``sam build`` with its Python.

``sam build`` builds Python functions with the interpreter of their runtime (python3.12), which it
looks up on ``PATH``; a pyenv shim is not enough, so :func:`find_python_dir` finds the folder of a
real interpreter and :func:`sam_env` puts it first on ``PATH``.

Example::

    sam = find_sam(root) or raise_missing()
    built = sam_build(root, root / ".aws-sam" / "build", sam=sam, python_dir=find_python_dir())
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path

from orchestrator.deploy.errors import DeployError

__all__ = ["BUILD_PYTHON", "TOOLS_SAM", "find_python_dir", "find_sam", "sam_build", "sam_env"]

TOOLS_SAM = Path(".tools/sam/bin/sam")
"""Where ``make tools`` installs the SAM CLI, relative to the project root."""

BUILD_PYTHON = "3.12"
"""The Python of the Lambda runtime (``python3.12``) that ``sam build`` needs on ``PATH``."""

BUILD_TIMEOUT_SECONDS = 1800


def find_sam(project_root: Path) -> Path | None:
    """The project's SAM CLI (``.tools/sam/bin/sam``), else ``sam`` on ``PATH``, else None."""
    local = project_root / TOOLS_SAM
    if local.exists():
        return local
    found = shutil.which("sam")
    return Path(found) if found else None


def _interpreter_dir(candidate: str, version: str) -> Path | None:
    probe = "import sys; print(sys.executable); print('%d.%d' % sys.version_info[:2])"
    try:
        done = subprocess.run([candidate, "-c", probe], capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    lines = done.stdout.split()
    if done.returncode != 0 or len(lines) != 2 or lines[1] != version:
        return None
    return Path(lines[0]).parent


def find_python_dir(version: str = BUILD_PYTHON, home: Path | None = None) -> Path | None:
    """The folder of a working ``python<version>`` (resolving pyenv shims), or None.

    Tries ``python<version>`` on ``PATH``, then pyenv's ``~/.pyenv/versions/<version>*/bin``.
    """
    candidates = [found] if (found := shutil.which(f"python{version}")) else []
    pyenv = (home or Path.home()) / ".pyenv" / "versions"
    candidates += [str(path) for path in sorted(pyenv.glob(f"{version}*/bin/python{version}"), reverse=True)]
    for candidate in candidates:
        folder = _interpreter_dir(candidate, version)
        if folder is not None:
            return folder
    return None


def sam_env(python_dir: Path | None, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """``base`` (default: this process's environment) with ``python_dir`` first on PATH, telemetry off."""
    env = dict(os.environ if base is None else base)
    if python_dir is not None:
        env["PATH"] = os.pathsep.join([str(python_dir), env.get("PATH", "")])
    env["SAM_CLI_TELEMETRY"] = "0"
    return env


def sam_build(project_root: Path, build_dir: Path, *, sam: Path, python_dir: Path | None) -> Path:
    """Run ``sam build --parallel`` of ``template.yaml`` into ``build_dir`` (after writing the runtime
    layer's source, ``.flowctl/layer/``, from the installed package); return the built template.

    Raises :class:`DeployError` with the end of SAM's output when the build fails.
    """
    if python_dir is None:
        raise DeployError(
            f"sam build needs python{BUILD_PYTHON} (the functions' Lambda runtime) and none was found",
            hint=f"install Python {BUILD_PYTHON} (e.g. `pyenv install {BUILD_PYTHON}`) or pass --build-dir of an existing build",
        )
    from orchestrator.deploy.layer import write_layer_source

    write_layer_source(project_root)
    command = [str(sam), "build", "--template-file", str(project_root / "template.yaml"), "--build-dir", str(build_dir), "--parallel"]
    try:
        done = subprocess.run(
            command, cwd=project_root, env=sam_env(python_dir), capture_output=True, text=True,
            timeout=BUILD_TIMEOUT_SECONDS, check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise DeployError(f"sam build did not run: {exc}") from None
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-20:])
        raise DeployError(f"sam build failed (exit {done.returncode}):\n{tail}")
    return build_dir / "template.yaml"
