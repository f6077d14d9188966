"""The flows a deployment knows: flow files shipped in a directory, loaded on demand and cached.

Contract: :meth:`FlowCatalog.get` returns the validated :class:`~orchestrator.flowlang.model.Flow`
or raises :class:`FlowNotFoundError`; a shipped file that does not load is a deployment error
(:class:`ConfigurationError`), never the caller's.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from orchestrator.flowlang.errors import FlowValidationError
from orchestrator.flowlang.loader import load_flow
from orchestrator.flowlang.model import FLOW_NAME, Flow
from orchestrator.flowlang.project import FLOW_SUFFIXES
from orchestrator.service.config import ConfigurationError
from orchestrator.service.errors import FlowNotFoundError

__all__ = ["FlowCatalog", "describe_flow"]

_FLOW_NAME = re.compile(FLOW_NAME)


class FlowCatalog:
    """Flow files of ``directory`` (``<name>.json|yaml|yml``), by flow name."""

    def __init__(self, directory: Path | str | None) -> None:
        self.directory = Path(directory) if directory else None
        self._cache: dict[str, Flow] = {}

    def forget(self, name: str) -> None:
        """Read flow ``name`` again on its next use (its file changed)."""
        self._cache.pop(name, None)

    def names(self) -> list[str]:
        if self.directory is None or not self.directory.is_dir():
            return []
        return sorted(
            {p.stem for p in self.directory.iterdir() if p.suffix in FLOW_SUFFIXES and p.is_file()}
        )

    def get(self, name: str) -> Flow:
        if name in self._cache:
            return self._cache[name]
        path = self._path(name)
        if path is None:
            raise FlowNotFoundError(name, self.names())
        try:
            flow = load_flow(path)
        except FlowValidationError as exc:
            raise ConfigurationError(
                f"shipped flow {path.name} is invalid: {exc.headline}",
                problems=exc.problems,
            ) from exc
        self._cache[name] = flow
        return flow

    def _path(self, name: str) -> Path | None:
        if self.directory is None or not _FLOW_NAME.fullmatch(name):
            return None
        for suffix in FLOW_SUFFIXES:
            candidate = self.directory / f"{name}{suffix}"
            if candidate.is_file():
                return candidate
        return None


def describe_flow(
    flow: Flow, state_machine_arn: str | None, *, detailed: bool = False
) -> dict[str, Any]:
    """The public description of a flow (its parameters, and with ``detailed`` its nodes)."""
    info: dict[str, Any] = {
        "name": flow.name,
        "version": flow.version,
        "description": flow.description,
        "params": {
            name: {
                "type": p.type,
                "required": p.is_required(),
                **({"default": p.default} if "default" in p.model_fields_set else {}),
                **({"description": p.description} if p.description else {}),
                **({"enum": p.enum} if p.enum is not None else {}),
                **({"format": p.format} if p.format else {}),
            }
            for name, p in flow.params.items()
        },
        "deployed": state_machine_arn is not None,
        "state_machine_arn": state_machine_arn,
    }
    if detailed:
        info["nodes"] = {
            node_id: {"kind": node.kind, "after": list(node.after), "description": node.description}
            for node_id, node in flow.nodes.items()
        }
        info["schedules"] = [s.model_dump(exclude_none=True) for s in flow.schedules]
        info["triggers"] = [t.model_dump(exclude_none=True) for t in flow.triggers]
    return info
