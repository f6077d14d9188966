"""What the builder writes: flows (``flows/<name>.json``) and code nodes (``functions/<name>/app.py``).

Both write only inside the project's ``flows/`` and ``functions/`` folders, under names that
match the flow language's patterns (so no path can escape). :func:`check_document` is the live
validation: the JSON Schema, the semantic checks and the typed edges, the same as
``flowctl validate``.
"""

from __future__ import annotations

import json
import keyword
import re
from pathlib import Path
from typing import Any

from orchestrator.compiler.validate import check_flow
from orchestrator.errors import FlowctlError, Problem
from orchestrator.flowlang.errors import FlowValidationError
from orchestrator.flowlang.loader import parse_flow
from orchestrator.flowlang.model import FLOW_NAME, FUNCTION_NAME
from orchestrator.flowlang.project import PLATFORM_FUNCTIONS, Project

__all__ = ["BuilderError", "check_document", "create_function", "format_flow", "save_flow"]

FIELD_TYPES = {"string": "str", "number": "float", "integer": "int", "boolean": "bool", "object": "dict[str, Any]", "array": "list[Any]"}
_FIELD_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
_LINE_KEYS = ("params", "nodes")


class BuilderError(FlowctlError):
    """The builder refuses to write: a bad name, an existing file, an invalid flow."""


def check_document(doc: Any, project: Project) -> list[Problem]:
    """Every problem of a flow document (empty: it is valid)."""
    if not isinstance(doc, dict):
        return [Problem("/", "a flow is a JSON object")]
    try:
        flow = parse_flow(doc, "builder")
    except FlowValidationError as exc:
        return exc.problems
    return check_flow(flow, project)


def format_flow(doc: dict[str, Any]) -> str:
    """A flow as the examples are written: one line per param and per node, 2-space indent."""
    def compact(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False)

    lines = ["{"]
    items = list(doc.items())
    for i, (key, value) in enumerate(items):
        end = "," if i < len(items) - 1 else ""
        if key in _LINE_KEYS and isinstance(value, dict) and value:
            lines.append(f"  {compact(key)}: {{")
            entries = list(value.items())
            for j, (name, item) in enumerate(entries):
                lines.append(f"    {compact(name)}: {compact(item)}{',' if j < len(entries) - 1 else ''}")
            lines.append(f"  }}{end}")
        else:
            lines.append(f"  {compact(key)}: {compact(value)}{end}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def save_flow(doc: Any, project: Project, *, overwrite: bool = True) -> Path:
    """Validate ``doc`` and write it as ``flows/<name>.json``; BuilderError with every problem."""
    name = doc.get("name") if isinstance(doc, dict) else None
    if not isinstance(name, str) or not re.fullmatch(FLOW_NAME, name):
        raise BuilderError("invalid flow name", [Problem("/name", f"{name!r} is not a flow name", "lowercase letters, digits and '-', starting with a letter")])
    problems = check_document(doc, project)
    if problems:
        raise BuilderError(f"flow '{name}' has {len(problems)} problem(s)", problems)
    path = project.flows_dir / f"{name}.json"
    if path.exists() and not overwrite:
        raise BuilderError(f"flows/{name}.json exists", [Problem("/name", f"flows/{name}.json exists", "choose another name")])
    ordered = {"$schema": "../orchestrator/flowlang/flow.schema.json"} if (project.root / "orchestrator" / "flowlang" / "flow.schema.json").is_file() else {}
    ordered.update({k: v for k, v in doc.items() if k != "$schema"})
    project.flows_dir.mkdir(parents=True, exist_ok=True)
    path.write_text(format_flow(ordered))
    return path


def _fields_code(fields: Any, where: str) -> list[str]:
    if not isinstance(fields, list):
        raise BuilderError(f"{where} must be a list", [Problem(f"/{where}", "a list of {name, type} is expected")])
    lines: list[str] = []
    seen: set[str] = set()
    for i, spec in enumerate(fields):
        name = spec.get("name") if isinstance(spec, dict) else None
        kind = spec.get("type", "string") if isinstance(spec, dict) else None
        if not isinstance(name, str) or not _FIELD_NAME.fullmatch(name) or keyword.iskeyword(name) or name in seen:
            raise BuilderError(f"invalid field name {name!r}", [Problem(f"/{where}/{i}/name", f"{name!r} is not a field name", "lowercase letters, digits and '_', unique, not a Python keyword")])
        if kind not in FIELD_TYPES:
            raise BuilderError(f"invalid field type {kind!r}", [Problem(f"/{where}/{i}/type", f"{kind!r} is not a type", f"one of: {', '.join(FIELD_TYPES)}")])
        seen.add(name)
        description = str(spec.get("description") or "")
        lines.append(f"    {name}: {FIELD_TYPES[kind]} = Field(description={description!r})")
    return lines or ["    pass"]


def _indent_body(body: str) -> str:
    text = body.replace("\t", "    ").strip("\n") or "return {}"
    return "\n".join(("    " + line) if line.strip() else "" for line in text.splitlines())


TEMPLATE = '''"""{description}

Created with the flowctl builder. Input and output are declared by the models below
(``flowctl functions show {name}``).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from orchestrator.runtime import node


class Input(BaseModel):
    """What {name} takes."""

{input_fields}


class Output(BaseModel):
    """What {name} gives."""

{output_fields}


def handle(inputs: dict[str, Any], ctx: Any = None) -> dict[str, Any]:
{body}


lambda_handler = node(handle, input=Input, output=Output)
'''


def create_function(spec: Any, project: Project) -> Path:
    """Write ``functions/<name>/app.py`` from the template: ``spec`` = ``{name, description,
    input: [{name, type, description}], output: [...], body}``. Never overwrites."""
    if not isinstance(spec, dict):
        raise BuilderError("a function is a JSON object", [Problem("/", "a JSON object is expected")])
    name = spec.get("name")
    if not isinstance(name, str) or not re.fullmatch(FUNCTION_NAME, name) or keyword.iskeyword(name):
        raise BuilderError("invalid function name", [Problem("/name", f"{name!r} is not a function name", "lowercase letters, digits and '_', starting with a letter")])
    if name in PLATFORM_FUNCTIONS:
        raise BuilderError(f"'{name}' is reserved", [Problem("/name", f"'{name}' is a platform function", "choose another name")])
    folder = project.functions_dir / name
    if folder.exists():
        raise BuilderError(f"functions/{name} exists", [Problem("/name", f"functions/{name}/ exists", "choose another name")])
    description = " ".join(str(spec.get("description") or f"The {name} node.").split()).replace('"""', "'''")
    body = str(spec.get("body") or "return {}")
    source = TEMPLATE.format(
        name=name,
        description=description,
        input_fields="\n".join(_fields_code(spec.get("input", []), "input")),
        output_fields="\n".join(_fields_code(spec.get("output", []), "output")),
        body=_indent_body(body),
    )
    try:
        compile(source, f"functions/{name}/app.py", "exec")
    except SyntaxError as exc:
        line = (exc.lineno or 0) - source[: source.find("def handle")].count("\n") - 1
        raise BuilderError("the body is not valid Python", [Problem("/body", f"line {max(line, 1)}: {exc.msg}", "fix the Python body")]) from None
    folder.mkdir(parents=True)
    (folder / "app.py").write_text(source)
    return folder / "app.py"
