"""The limits flowctl enforces on what users give it (documented in docs/limits.md).

Each limit keeps a hostile or broken input from turning into a crash, a hang or a 5xx: past a
limit, flowctl answers with its own error naming where and what. AWS's own quotas (256 KiB
payloads, 80-character state names, ...) live where they apply; these are flowctl's.
"""

from __future__ import annotations

__all__ = [
    "JSONATA_MAX_DEPTH",
    "JSONATA_TIMEOUT_SECONDS",
    "MAX_DEFINITION_DEPTH",
    "MAX_FLOW_FILE_BYTES",
    "MAX_FLOW_NAME_LENGTH",
    "MAX_INT_DIGITS",
    "MAX_JSON_DEPTH",
    "REGEX_TIMEOUT_SECONDS",
]

MAX_JSON_DEPTH = 200
"""Deepest nesting of objects and arrays in any JSON/YAML input (flows, definitions, inputs, bodies)."""

MAX_DEFINITION_DEPTH = 400
"""Deepest nesting of an ASL definition: compiled flows nest user values under states and branches."""

MAX_INT_DIGITS = 4300
"""Longest integer (in decimal digits) in any JSON input: Python's own int/str conversion limit."""

MAX_FLOW_FILE_BYTES = 4 * 1024 * 1024
"""Largest flow file read (a compiled definition must fit Step Functions' 1 MB anyway)."""

MAX_FLOW_NAME_LENGTH = 64
"""Longest flow name (also the longest sub-flow reference): it becomes file and resource names."""

JSONATA_TIMEOUT_SECONDS = 5.0
"""Longest one JSONata evaluation may run before it fails with States.QueryEvaluationError."""

JSONATA_MAX_DEPTH = 300
"""Deepest JSONata evaluation (nested function calls) before States.QueryEvaluationError."""

REGEX_TIMEOUT_SECONDS = 1.0
"""Longest one regular-expression match inside JSONata may run (catastrophic backtracking)."""
