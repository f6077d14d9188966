"""``flowctl init``: a new project with the design card's layout, ready to run, test and deploy.

The files are those of ``project/`` beside this module (shipped in the wheel): ``flows/`` (a hello
flow and a fan-out/fan-in flow), ``functions/<name>/app.py`` (``@node`` handlers), ``events/``
(one sample event per function), ``tests/`` (pytest with :mod:`orchestrator.testing`),
``samconfig.toml``, ``.gitignore`` and a README; plus ``.flowctl/flow.schema.json``, which the
flows' ``$schema`` names. ``__PROJECT__`` in a file becomes the project's folder name.

Contract: :func:`init_project` writes nothing when any of those files exists, unless ``force``
(then it overwrites them and leaves every other file alone); it returns the paths it wrote.
"""

from __future__ import annotations

import re
from pathlib import Path

from orchestrator.errors import Problem
from orchestrator.scaffold.errors import ScaffoldError

__all__ = ["SCHEMA_FILE", "ScaffoldError", "init_project", "scaffold_files"]

TEMPLATE_DIR = Path(__file__).resolve().with_name("project")
SCHEMA_FILE = Path(".flowctl") / "flow.schema.json"
"""Where a project keeps the flow JSON Schema its flows' ``$schema`` names."""

_RENAMED = {"gitignore": ".gitignore"}
_SKIPPED = {"__pycache__", ".pytest_cache"}


def _stack_name(folder: str) -> str:
    """A CloudFormation stack name from a folder name: letters, digits and hyphens."""
    name = re.sub(r"[^A-Za-z0-9-]+", "-", folder).strip("-")
    return name if name and name[0].isalpha() else f"flowctl-{name or 'app'}"


def scaffold_files(project_name: str) -> dict[Path, str]:
    """Relative path → text of every file ``flowctl init`` writes."""
    from orchestrator.flowlang.schema import schema_text

    files: dict[Path, str] = {}
    for path in sorted(TEMPLATE_DIR.rglob("*")):
        relative = path.relative_to(TEMPLATE_DIR)
        if not path.is_file() or _SKIPPED & set(relative.parts) or path.suffix == ".pyc":
            continue
        target = relative.with_name(_RENAMED.get(relative.name, relative.name))
        files[target] = path.read_text().replace("__PROJECT__", _stack_name(project_name))
    files[SCHEMA_FILE] = schema_text()
    return files


def init_project(target: Path, *, force: bool = False) -> list[Path]:
    """Scaffold a project in ``target`` (created if missing); return the files written."""
    root = target.resolve()
    if root.exists() and not root.is_dir():
        raise ScaffoldError(f"{target} is a file, not a folder")
    files = scaffold_files(root.name)
    existing = [relative for relative in files if (root / relative).exists()]
    if existing and not force:
        raise ScaffoldError(
            f"{target}: {len(existing)} of the project's files exist already; nothing was written",
            problems=[Problem(str(relative), "exists", f"`flowctl init {target} --force` overwrites it") for relative in existing],
        )
    written = []
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        written.append(path)
    return written
