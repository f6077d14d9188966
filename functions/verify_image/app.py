"""Check a user's ID photo: it exists, decodes as PNG or JPEG, and has sane dimensions.

Input::

    {"user": {"id": "u001", "name": "Ana Souza", "image": "<path>", "reference": "<path>"}}

Output (every later KYC step reads it)::

    {"user_id": "u001", "image": "<resolved path>", "reference": "<resolved path or null>",
     "format": "PNG", "width": 160, "height": 200, "valid": true, "reason": null}

A bad photo is a finding, not an error: ``valid`` is false and ``reason`` says why (missing
file, not an image, truncated or corrupt, unsupported format, too small or too large).
Raises ``UserInputError`` only when the user has no id or no image path.
"""

from __future__ import annotations

import io
from typing import Any

from PIL import Image, UnidentifiedImageError
from pydantic import Field

from orchestrator.io import ObjectNotFoundError, StorageError, read_bytes, resolve
from orchestrator.runtime import ContractModel, node

FORMATS = ("PNG", "JPEG")
MIN_SIDE, MAX_SIDE = 64, 4096


class UserInputError(Exception):
    """The user record lacks an id or an image path."""


def inspect_image(data: bytes) -> tuple[str | None, int | None, int | None, str | None]:
    """``(format, width, height, reason)`` of image bytes; ``reason`` is None when acceptable."""
    try:
        with Image.open(io.BytesIO(data)) as probe:
            fmt, (width, height) = probe.format, probe.size
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            image.load()
    except UnidentifiedImageError:
        return None, None, None, "not an image"
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        return None, None, None, f"corrupt or truncated image ({exc})"
    if fmt not in FORMATS:
        return fmt, width, height, f"unsupported format {fmt} (expected PNG or JPEG)"
    if min(width, height) < MIN_SIDE or max(width, height) > MAX_SIDE:
        return fmt, width, height, f"{width}x{height} pixels is outside {MIN_SIDE}-{MAX_SIDE}"
    return fmt, width, height, None


def handle(inputs: dict[str, Any], ctx: Any = None) -> dict[str, Any]:
    user = inputs.get("user") or {}
    if not user.get("id") or not user.get("image"):
        raise UserInputError("the user needs an 'id' and an 'image' path")
    reference = resolve(user["reference"]) if user.get("reference") else None
    result: dict[str, Any] = {
        "user_id": str(user["id"]), "image": resolve(user["image"]), "reference": reference,
        "format": None, "width": None, "height": None, "valid": False, "reason": None,
    }
    try:
        data = read_bytes(user["image"])
    except ObjectNotFoundError:
        return {**result, "reason": "image file not found"}
    except StorageError as exc:
        return {**result, "reason": f"image cannot be read ({exc})"}
    fmt, width, height, reason = inspect_image(data)
    return {**result, "format": fmt, "width": width, "height": height, "valid": reason is None, "reason": reason}


class Input(ContractModel):
    """The user whose photo to check."""

    user: dict[str, Any] = Field(description="{id, name, image, reference}.")


class Output(ContractModel):
    """The photo's format and size, and whether it is usable."""

    user_id: str
    image: str
    reference: str | None
    format: str | None
    width: int | None
    height: int | None
    valid: bool
    reason: str | None


lambda_handler = node(handle, input=Input, output=Output)
