"""Distributed Map's ``ItemReader`` over S3 objects (moto in tests, any endpoint) or local files.

Contract
--------
* ``Resource`` is ``arn:aws:states:::s3:getObject``; ``Arguments`` (JSONata) or ``Parameters``
  (JSONPath) give ``Bucket`` and ``Key``; ``ReaderConfig.InputType`` is ``JSON`` (an array),
  ``JSONL`` (a JSON value per non-empty line) or ``CSV`` (rows as objects of strings; header
  from the first row, or ``CSVHeaders`` with ``CSVHeaderLocation: GIVEN``). ``MaxItems``
  limits the items read.
* A ``Bucket`` left as an unsubstituted ``${Placeholder}`` means the project's own files: the
  ``Key`` is read relative to ``FLOWCTL_PROJECT_DIR`` (a folder or an ``s3://`` prefix) — the
  local stand-in for the bucket ``DefinitionSubstitutions`` names when deployed.
* Errors are ``States.ItemReaderFailed`` with what could not be read or parsed.
"""

from __future__ import annotations

import csv
from typing import Any

from orchestrator.engine.errors import AslDefinitionError, StatesError
from orchestrator.io.items import item_source, parse_items, read_source

__all__ = ["INPUT_TYPES", "check_reader", "read_items"]

INPUT_TYPES = ("JSON", "JSONL", "CSV")
_RESOURCE = "arn:aws:states:::s3:getObject"


def check_reader(spec: Any, where: str) -> dict[str, Any]:
    """The ``ItemReader`` object, checked; raises AslDefinitionError when it is malformed."""
    if not isinstance(spec, dict):
        raise AslDefinitionError("'ItemReader' must be an object", where)
    if spec.get("Resource") != _RESOURCE:
        raise AslDefinitionError(f"ItemReader Resource must be {_RESOURCE}", f"{where}/Resource")
    config = spec.get("ReaderConfig") or {}
    if not isinstance(config, dict) or config.get("InputType", "JSON") not in INPUT_TYPES:
        raise AslDefinitionError(
            f"ItemReader InputType must be one of {', '.join(INPUT_TYPES)}", f"{where}/ReaderConfig"
        )
    return spec


def read_items(arguments: Any, config: dict[str, Any]) -> list[Any]:
    """The items of the object ``arguments`` (``{"Bucket", "Key"}``) names, parsed per ``config``."""
    if not isinstance(arguments, dict) or not isinstance(arguments.get("Key"), str):
        raise StatesError("States.ItemReaderFailed", "ItemReader needs Arguments with Bucket and Key")
    bucket, key = str(arguments.get("Bucket") or ""), arguments["Key"]
    where = f"s3://{bucket}/{key}"
    try:
        where = item_source(bucket, key)
        body = read_source(bucket, key)
    except Exception as exc:  # noqa: BLE001 - any read failure is the state's error
        raise StatesError("States.ItemReaderFailed", f"cannot read {where}: {exc}") from exc
    kind = config.get("InputType", "JSON")
    try:
        return parse_items(body.decode("utf-8-sig"), kind, config)
    except (ValueError, csv.Error) as exc:
        raise StatesError("States.ItemReaderFailed", f"{where} is not valid {kind}: {exc}") from exc
