"""Where a flow's neighbours live: ``flows/`` (sub-flows) and ``functions/`` (node functions).

A project is a folder holding ``flows/`` and ``functions/``; this module is the one place that
says which folder is a project's root: :meth:`Project.for_flow` (the project of a flow file) and
:func:`find_project_root` (the project around a folder, as git finds ``.git``). Explicit paths
override the defaults; nothing is read at import time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from orchestrator.constants import DEFAULT_HOME
from orchestrator.flowlang.reads import note_listing, note_probe

__all__ = ["FLOW_SUFFIXES", "PLATFORM_FUNCTIONS", "PROJECT_MARKERS", "Project", "find_project_root"]

FLOW_SUFFIXES = (".json", ".yaml", ".yml")
PLATFORM_FUNCTIONS = ("api", "tracker", "waiter", "event_router")
"""Function names the platform deploys (:mod:`orchestrator.platform`); reserved for it."""
PROJECT_MARKERS = ("flows", DEFAULT_HOME)
"""A folder holding one of these folders is a flowctl project root."""
_FLOW_NAME = re.compile(r"[a-z][a-z0-9-]{0,62}")  # orchestrator.flowlang.model.FLOW_NAME


def find_project_root(start: Path | str) -> Path | None:
    """The first of ``start`` and its parents that holds ``flows/`` or ``.flowctl/`` (as git
    finds ``.git``), or None when there is none.

    Example::

        >>> find_project_root("my-project/flows/sub")   # my-project/ holds flows/
        PosixPath('/home/me/my-project')
    """
    folder = Path(start).resolve()
    for candidate in (folder, *folder.parents):
        if any((candidate / marker).is_dir() for marker in PROJECT_MARKERS):
            return candidate
    return None


@dataclass(frozen=True)
class Project:
    """A flowctl project rooted at ``root``."""

    root: Path

    @classmethod
    def for_flow(cls, flow_path: Path | str) -> Project:
        """The project of a flow file: the parent of its ``flows/`` folder, else its own folder."""
        path = Path(flow_path).resolve()
        parent = path.parent
        return cls(parent.parent if parent.name == "flows" else parent)

    @property
    def flows_dir(self) -> Path:
        return self.root / "flows"

    @property
    def functions_dir(self) -> Path:
        return self.root / "functions"

    def flow_path(self, name: str) -> Path | None:
        """The file of the flow called ``name`` (``flows/<name>.json|yaml|yml``), if any.

        Only flow names are looked up (never paths like ``../x``), so a reference cannot reach
        outside ``flows/``.
        """
        if not _FLOW_NAME.fullmatch(name):
            return None
        for suffix in FLOW_SUFFIXES:
            candidate = self.flows_dir / f"{name}{suffix}"
            note_probe(candidate)
            if candidate.is_file():
                return candidate
        return None

    def flow_paths(self) -> list[Path]:
        """Every flow file of the project, sorted by name."""
        note_probe(self.flows_dir)
        note_listing(self.flows_dir)
        if not self.flows_dir.is_dir():
            return []
        return sorted(p for p in self.flows_dir.iterdir() if p.suffix in FLOW_SUFFIXES and p.is_file())

    def has_function(self, name: str) -> bool:
        """Whether ``functions/<name>/app.py`` exists."""
        app = self.functions_dir / name / "app.py"
        note_probe(app)
        return app.is_file()

    def reserved_function_folders(self) -> list[str]:
        """Folders of ``functions/`` that take a platform function's name (an error)."""
        return [name for name in PLATFORM_FUNCTIONS if self.has_function(name)]

    def function_names(self) -> list[str]:
        """Node function folders (platform functions excluded), sorted."""
        note_probe(self.functions_dir)
        note_listing(self.functions_dir)
        if not self.functions_dir.is_dir():
            return []
        return sorted(
            p.name
            for p in self.functions_dir.iterdir()
            if p.name not in PLATFORM_FUNCTIONS and self.has_function(p.name)
        )
