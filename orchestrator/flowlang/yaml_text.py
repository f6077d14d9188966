"""YAML flow files: PyYAML's safe loader, refusing duplicate keys, errors with line and column.

Imported only when a flow is YAML (most are JSON), so ``flowctl run`` of a JSON flow does not
load PyYAML.
"""

from __future__ import annotations

from typing import Any

import yaml

from orchestrator.errors import Problem
from orchestrator.flowlang.errors import FlowLoadError
from orchestrator.limits import MAX_JSON_DEPTH

__all__ = ["parse_yaml"]


class _StrictYamlLoader(yaml.SafeLoader):
    """YAML's safe loader, refusing duplicate keys (PyYAML keeps the last one silently)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)  # type: ignore[no-untyped-call]
            try:
                duplicate = key in seen
                seen.add(key)
            except TypeError:
                continue  # unhashable keys are reported by the base class
            if duplicate:
                raise yaml.constructor.ConstructorError(
                    "while constructing a mapping", node.start_mark, f"found duplicate key {key!r}", key_node.start_mark
                )
        return super().construct_mapping(node, deep=deep)


def parse_yaml(text: str, source: str) -> Any:
    """The data of a YAML flow file; a :class:`FlowLoadError` with the line and column otherwise."""
    try:
        return yaml.load(text, Loader=_StrictYamlLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise FlowLoadError(where=source, problems=[Problem(where, f"invalid YAML: {exc.problem}", "fix the YAML syntax")]) from None
    except yaml.YAMLError as exc:
        raise FlowLoadError(where=source, problems=[Problem("", f"invalid YAML: {exc}")]) from None
    except RecursionError:
        raise FlowLoadError(where=source, problems=[Problem("", f"nested too deeply (the limit is {MAX_JSON_DEPTH} levels)")]) from None
    except ValueError as exc:  # e.g. an integer past Python's digit limit
        raise FlowLoadError(where=source, problems=[Problem("", f"invalid YAML value: {exc}")]) from None
