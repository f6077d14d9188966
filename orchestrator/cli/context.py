"""What the commands share about where they run: the project (found as git finds ``.git``),
its local run store, and ``JSON or @file`` arguments.

Runs are recorded in the embedded store (``.flowctl/runs.sqlite3`` in the project, or
``$FLOWCTL_HOME``), so ``runs``, ``events publish`` and ``redrive`` work from another terminal.
``run FLOW`` uses the flow's project; the other commands find the project as git finds ``.git``:
the first of the current folder and its parents that holds ``flows/`` or ``.flowctl/``
(``$FLOWCTL_HOME`` overrides). Outside a project they fail rather than create a store.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from orchestrator.errors import FlowctlError, StrictJsonError

__all__ = ["local_store", "parse_json_arg", "project_root"]


def parse_json_arg(value: str | None, what: str) -> Any:
    """``JSON`` or ``@file`` → data; a clear error naming ``what`` otherwise."""
    from orchestrator import strict_json

    if value is None:
        return None
    text = value
    if value.startswith("@"):
        path = Path(value[1:])
        try:
            text = path.read_text()
        except OSError as exc:
            raise FlowctlError(f"{what}: cannot read {path}: {exc.strerror}") from None
    try:
        return strict_json.loads(text)
    except StrictJsonError as exc:
        raise FlowctlError(f"{what}: {exc.headline}", hint=exc.hint) from None


def local_store(project_root: Path) -> Any:
    """The run store of the project at ``project_root`` (``$FLOWCTL_HOME`` overrides)."""
    from orchestrator.constants import FLOWCTL_HOME
    from orchestrator.store.local import LocalRunStore

    home = Path(os.environ.get(FLOWCTL_HOME) or project_root / ".flowctl")
    home.mkdir(parents=True, exist_ok=True)
    return LocalRunStore(home / "runs.sqlite3")


def project_root(command: str) -> Path:
    """The project of the current folder (see the module docstring); outside a project, the
    current folder when ``$FLOWCTL_HOME`` names the store, else a FlowctlError for ``command``."""
    from orchestrator.constants import FLOWCTL_HOME
    from orchestrator.flowlang.project import find_project_root

    root = find_project_root(Path.cwd())
    if root is not None:
        return root
    if os.environ.get(FLOWCTL_HOME):
        return Path.cwd()
    raise FlowctlError(
        f"{command}: no flowctl project here: neither {Path.cwd()} nor a folder above it holds flows/ "
        f"or .flowctl/; run it inside the project (where `flowctl run` stored the run) or set {FLOWCTL_HOME}",
    )
