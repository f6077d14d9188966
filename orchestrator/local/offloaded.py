"""Say why an expression "returned nothing" when it read into an offloaded node output.

A node output over the offload threshold (~200 KiB) travels as ``{"$ref": uri}``: a node that
receives it whole gets the value back (``@node`` resolves it), but an expression that reads into
it (``$fetch.rows``) reads the reference and gets nothing. :func:`explain_offloaded_read` turns
Step Functions' "returned nothing (undefined)" into an error naming the node, the size and the fix.

Example::

    >>> outputs = {"fetch": {"$ref": "s3://bucket/runs/r/fetch/0/0/0/output.json"}}
    >>> cause = ("An error occurred while executing the state 'use' (entered at the event id #9). The JSONata "
    ...          "expression '$fetch.rows' specified for the field 'Arguments/Payload/input/rows' returned "
    ...          "nothing (undefined).")
    >>> print(explain_offloaded_read(cause, outputs))  # doctest: +ELLIPSIS
    An error occurred ... returned nothing (undefined). Node 'fetch' returned an output, over the offload ...
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from orchestrator.constants import DEFAULT_OFFLOAD_THRESHOLD_BYTES

__all__ = ["explain_offloaded_read", "offloaded_size"]

_UNDEFINED = re.compile(r"The JSONata expression '(?P<expr>.*)' specified for the field '[^']*' returned nothing")
_READ_INTO = r"\${name}\s*(?:\.|\[)"


def _is_ref(value: Any) -> bool:
    return isinstance(value, dict) and len(value) == 1 and isinstance(value.get("$ref"), str)


def offloaded_size(ref: dict[str, str]) -> int | None:
    """Bytes of a locally offloaded payload (``file://``); None when unknown (S3)."""
    uri = urlparse(ref["$ref"])
    if uri.scheme != "file":
        return None
    try:
        return Path(unquote(uri.path)).stat().st_size
    except OSError:
        return None


def explain_offloaded_read(cause: str | None, outputs: dict[str, Any]) -> str | None:
    """``cause`` with the explanation appended, or None when it is not such a read.

    ``outputs`` maps node ids to their recorded outputs; a node ``fetch-rows`` is ``$fetch_rows``."""
    found = _UNDEFINED.search(cause or "")
    if found is None:
        return None
    expression = found.group("expr")
    for node, output in outputs.items():
        var = node.replace("-", "_")
        if not _is_ref(output) or not re.search(_READ_INTO.format(name=re.escape(var)), expression):
            continue
        size = offloaded_size(output)
        over = f"{size:,} bytes" if size is not None else "an output"
        return (
            f"{cause} Node '{node}' returned {over}, over the offload threshold "
            f"({DEFAULT_OFFLOAD_THRESHOLD_BYTES:,} bytes), so its output is a payload reference "
            f"({{\"$ref\": \"{output['$ref']}\"}}) and '{expression}' reads into the reference, not the value. "
            f"Fix: pass ${var} whole to a node (its @node input resolves the reference) and read the field "
            f"there, or make '{node}' return less (e.g. store the bulk and return its location); "
            f"`flowctl runs show RUN --node {node} --resolve` shows the value."
        )
    return None
