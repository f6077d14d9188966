"""List the users to verify from a JSON file (local path or ``s3://``).

Input::

    {"path": "data/kyc/users.json"}

The file holds a list (or ``{"users": [...]}``) of ``{"id", "name", "image", "reference"}``;
relative ``image`` and ``reference`` paths are relative to the users file.

Output::

    {"users": [{"id": "u001", "name": "Ana Souza",
                "image": "/abs/data/kyc/images/u001.png",
                "reference": "/abs/data/kyc/images/u001-reference.png"}, ...],
     "count": 8}

Image paths come out resolved (absolute, or ``s3://``), so each user can be verified anywhere.
Raises ``UsersFileError`` when the file is missing or not such JSON, or a user has no ``id`` or
``image``, or an id appears twice.
"""

from __future__ import annotations

import json
import re
from typing import Any

from pydantic import Field

from orchestrator.io import join_uri, resolve
from orchestrator.runtime import ContractModel, node
from orchestrator.runtime.inputs import read_text_or_raise, require_input

_ABSOLUTE = re.compile(r"^(/|[A-Za-z][A-Za-z0-9+.-]*://)")


class UsersFileError(Exception):
    """The users file is missing or malformed."""


def _folder(uri: str) -> str:
    return uri.rsplit("/", 1)[0] if "/" in uri else "."


def _locate(value: Any, folder: str) -> str | None:
    if not value:
        return None
    text = str(value)
    return text if _ABSOLUTE.match(text) else join_uri(folder, text)


def handle(inputs: dict[str, Any], ctx: Any = None) -> dict[str, Any]:
    path = require_input(inputs, "path", UsersFileError, "the JSON file of users")
    text = read_text_or_raise(path, UsersFileError, "cannot read users")
    where = resolve(path)  # it was just read, so it resolves
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise UsersFileError(f"{path} is not valid JSON: {exc}") from exc
    entries = document.get("users") if isinstance(document, dict) else document
    if not isinstance(entries, list):
        raise UsersFileError(f"{path} must hold a list of users (or {{\"users\": [...]}})")
    users: list[dict[str, Any]] = []
    seen: set[str] = set()
    folder = _folder(where)
    for n, entry in enumerate(entries):
        if not isinstance(entry, dict) or not entry.get("id") or not entry.get("image"):
            raise UsersFileError(f"{path}: user #{n} needs an 'id' and an 'image'")
        user_id = str(entry["id"])
        if user_id in seen:
            raise UsersFileError(f"{path}: user id {user_id!r} appears twice")
        seen.add(user_id)
        users.append({**entry, "id": user_id, "image": _locate(entry["image"], folder), "reference": _locate(entry.get("reference"), folder)})
    return {"users": users, "count": len(users)}


class Input(ContractModel):
    """The users file."""

    path: str = Field(description="JSON file: a list of {id, name, image, reference} (local or s3://).")


class User(ContractModel):
    """A user to verify, with resolved image paths."""

    id: str
    name: str | None = None
    image: str
    reference: str | None = None


class Output(ContractModel):
    """The users."""

    users: list[User]
    count: int


lambda_handler = node(handle, input=Input, output=Output)
