"""The compile cache of ``flowctl run``: a flow compiled once runs again without the compiler.

Like Python's ``.pyc``, an entry is the compiled form of one flow file plus what it was made
from, checked on every use; a run of a flow whose entry still holds loads the ASL and what the
run needs (the flow's name, version, timeout, typed parameters and nodes, the state → node map)
and never imports pydantic, the flow models or the compiler.

Contract
--------
* An entry lives in ``<project>/.flowctl/cache/`` (``$FLOWCTL_HOME/cache/`` when that is set),
  one JSON file per flow file (by its real path).
* It holds when everything the compile read is unchanged — the flow file, its sub-flows, the
  folders and files probed, the node functions whose contracts were read (every ``.py`` of
  their folders and of ``functions/shared/``, and the project modules they imported; see
  :mod:`orchestrator.flowlang.reads`) — and :func:`stamp` is the same: flowctl's version and
  its compiler and flow-language code, the Python version and the installed packages.
  Anything else (another format, an unreadable or corrupt file, any doubt) is a miss: the
  caller compiles in full and the entry is written again.
* Entries are written whole or not at all (a temporary file renamed over the old one), so
  concurrent runs only ever read complete entries; a compile whose inputs changed while it ran
  is not written.
* ``flowctl run --no-cache`` or ``FLOWCTL_NO_COMPILE_CACHE=1`` bypasses it (neither read nor
  written).
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import zlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from orchestrator.compiler.build import StateNode
from orchestrator.constants import DEFAULT_HOME, FLOWCTL_HOME
from orchestrator.flowlang.reads import Reads, recording

if TYPE_CHECKING:
    from collections.abc import Mapping

    from orchestrator.compiler import CompiledFlow
    from orchestrator.flowlang.project import Project

__all__ = ["CachedCompile", "CachedFlow", "cache_dir", "compile_and_cache", "load_cached", "stamp"]

FORMAT = 2
"""Version of the entry's shape: an entry of another format is a miss."""
CACHE_DIRNAME = "cache"
_CODE_PACKAGES = ("compiler", "flowlang", "runtime")
"""Packages of ``orchestrator`` whose code decides what a compile gives (with its top-level modules)."""


class CachedParam:
    """A flow parameter as :func:`orchestrator.flowlang.params.resolve_params` reads it.

    (The classes of a cached flow are plain classes: a dataclass costs a cached run more to
    define than it saves.)"""

    __slots__ = ("default", "defaulted", "description", "enum", "format", "required", "type")

    def __init__(self, type: str, default: Any, required: bool | None, description: str, enum: list[Any] | None,
                 format: str | None, defaulted: bool) -> None:
        self.type = type
        self.default = default
        self.required = required
        self.description = description
        self.enum = enum
        self.format = format
        self.defaulted = defaulted

    def has_default(self) -> bool:
        return self.defaulted

    def is_required(self) -> bool:
        return self.required if self.required is not None else not self.defaulted


class CachedBody:
    __slots__ = ("uses",)

    def __init__(self, uses: str | None) -> None:
        self.uses = uses


class CachedForeach:
    __slots__ = ("do",)

    def __init__(self, do: CachedBody) -> None:
        self.do = do


class CachedNode:
    """What a run (without ``--break-at`` or ``--mocks``) reads of a node."""

    __slots__ = ("foreach", "uses")

    def __init__(self, uses: str | None, foreach: CachedForeach | None) -> None:
        self.uses = uses
        self.foreach = foreach


class CachedFlow:
    """What a run reads of a flow (the parts of :class:`orchestrator.flowlang.model.Flow` it uses)."""

    __slots__ = ("name", "nodes", "params", "timeout", "version")

    def __init__(self, name: str, version: int, timeout: int | None, params: dict[str, CachedParam],
                 nodes: dict[str, CachedNode]) -> None:
        self.name = name
        self.version = version
        self.timeout = timeout
        self.params = params
        self.nodes = nodes


class CachedCompile:
    """A compiled flow from the cache: what :class:`orchestrator.local.runner.LocalRunner` runs."""

    __slots__ = ("definition", "flow", "state_nodes", "type")

    def __init__(self, flow: CachedFlow, definition: dict[str, Any], type: str, state_nodes: dict[str, StateNode]) -> None:
        self.flow = flow
        self.definition = definition
        self.type = type
        self.state_nodes = state_nodes


def cache_dir(project_root: Path, env: Mapping[str, str]) -> Path:
    """Where the project's entries live (``$FLOWCTL_HOME/cache`` when it is set)."""
    home = env.get(FLOWCTL_HOME)
    return (Path(home) if home else project_root / DEFAULT_HOME) / CACHE_DIRNAME


def _code_files(folder: str, recurse: bool) -> list[tuple[str, int, int]]:
    found = []
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                if recurse and entry.name != "__pycache__":
                    found.extend(_code_files(entry.path, True))
            elif entry.name.endswith((".py", ".json")):
                info = entry.stat()
                found.append((entry.path, info.st_size, info.st_mtime_ns))
    return found


def stamp() -> list[Any]:
    """What besides the project decides a compile: flowctl's version and code, Python, and the
    installed packages (a site-packages folder changes when a package is added or upgraded).
    Kept whole in the entry (as JSON data) and compared whole: no hash to collide."""
    import site

    import orchestrator

    package = os.path.dirname(os.path.abspath(orchestrator.__file__))
    code = _code_files(package, False)
    for name in _CODE_PACKAGES:
        code.extend(_code_files(os.path.join(package, name), True))
    folders = []
    for folder in [*site.getsitepackages(), site.getusersitepackages()]:
        with contextlib.suppress(OSError):
            folders.append((folder, os.stat(folder).st_mtime_ns))
    return [FORMAT, orchestrator.__version__, sys.version, sys.prefix, [list(c) for c in sorted(code)],
            [list(f) for f in folders]]


def _entry_path(folder: Path, flow_path: Path | str) -> Path:
    """``<flow file stem>-<crc32 of its real path>.json`` (the entry names its path: two flows whose
    names collide share a file, and each one's run is a miss for the other)."""
    real = os.path.realpath(flow_path)
    return folder / f"{Path(real).stem[:60]}-{zlib.crc32(real.encode()):08x}.json"


def _flow_data(flow: Any) -> dict[str, Any]:
    params = {
        name: {"type": p.type, "default": p.default, "required": p.required, "description": p.description,
               "enum": p.enum, "format": p.format, "defaulted": p.has_default()}
        for name, p in flow.params.items()
    }
    nodes = {
        node_id: {"uses": node.uses,
                  **({"foreach_uses": node.foreach.do.uses} if node.foreach is not None else {})}
        for node_id, node in flow.nodes.items()
    }
    return {"name": flow.name, "version": flow.version, "timeout": flow.timeout, "params": params, "nodes": nodes}


def _cached_flow(data: dict[str, Any]) -> CachedFlow:
    nodes = {
        node_id: CachedNode(node["uses"], CachedForeach(CachedBody(node["foreach_uses"])) if "foreach_uses" in node else None)
        for node_id, node in data["nodes"].items()
    }
    params = {name: CachedParam(**spec) for name, spec in data["params"].items()}
    return CachedFlow(data["name"], data["version"], data["timeout"], params, nodes)


def load_cached(flow_path: Path | str, folder: Path) -> CachedCompile | None:
    """The cached compile of ``flow_path`` when its entry holds (see the module docstring), else None."""
    try:
        path = _entry_path(folder, flow_path)
        with open(path, "rb") as handle:
            entry = json.loads(handle.read())
        reads = Reads.from_data(entry["reads"])
        if (entry["format"] != FORMAT or entry["flow_path"] != os.path.realpath(flow_path)
                or entry["stamp"] != stamp() or not reads.unchanged()):
            return None
        compiled = entry["compiled"]
        state_nodes = {state: StateNode(node, role) for state, (node, role) in compiled["state_nodes"].items()}
        if not isinstance(compiled["definition"], dict) or not isinstance(compiled["type"], str):
            return None
        found = CachedCompile(_cached_flow(compiled["flow"]), compiled["definition"], compiled["type"], state_nodes)
    except Exception:  # missing, unreadable or corrupt: a miss (the full compile rewrites it)
        return None
    if reads.refreshed:  # files checked by their content are settled now: keep their times
        with contextlib.suppress(OSError, TypeError, ValueError):
            _write(path, {**entry, "reads": reads.as_data()})
    return found


def _write(path: Path, entry: dict[str, Any]) -> None:
    import tempfile

    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(entry, out, ensure_ascii=False)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def compile_and_cache(flow_path: Path | str, project: Project, folder: Path) -> CompiledFlow:
    """Compile ``flow_path`` in full (its errors are raised as :func:`compile_flow_file` raises
    them) and write its entry; a cache that cannot be written is skipped."""
    from orchestrator.compiler import compile_flow_file

    with recording() as reads:
        compiled = compile_flow_file(flow_path)
    try:
        reads.add_modules(project.functions_dir)
        if not reads.seal():
            return compiled
        state_nodes = {state: [where.node, where.role] for state, where in compiled.state_nodes.items()}
        entry = {
            "format": FORMAT,
            "flow_path": os.path.realpath(flow_path),
            "stamp": stamp(),
            "reads": reads.as_data(),
            "compiled": {"definition": compiled.definition, "type": compiled.type, "state_nodes": state_nodes,
                         "flow": _flow_data(compiled.flow)},
        }
        _write(_entry_path(folder, flow_path), entry)
    except (OSError, TypeError, ValueError):  # a read-only project, a value JSON cannot hold: no entry
        pass
    return compiled
