"""Compare a user's ID photo with their reference photo.

Input::

    {"image": <verify_image output: {"image", "reference", "valid", ...}>, "threshold": 0.8}

Output::

    {"similarity": 0.97, "match": true, "threshold": 0.8, "reason": null}

How: both pictures become :data:`THUMB`-pixel grayscale thumbnails (lightly blurred, so a
few pixels of shift do not matter), each normalised to zero mean and unit variance; the
similarity is their correlation, clipped to 0-1. ``match`` is ``similarity >= threshold``.
An invalid photo or a missing/unreadable reference gives ``similarity: 0`` and ``match: false``
with a reason instead of an error. Raises ``MatchInputError`` for a threshold outside 0-1.
"""

from __future__ import annotations

import io
import math
from typing import Any

from PIL import Image, ImageFilter, ImageOps, UnidentifiedImageError
from pydantic import Field

from orchestrator.io import StorageError, read_bytes
from orchestrator.runtime import ContractModel, node

THUMB = (24, 30)
DEFAULT_THRESHOLD = 0.8


class MatchInputError(Exception):
    """The threshold is not between 0 and 1."""


def signature(image: Image.Image) -> list[float]:
    """The normalised grayscale thumbnail of ``image`` (zero mean, unit variance)."""
    thumb = ImageOps.fit(ImageOps.grayscale(image), THUMB, Image.Resampling.LANCZOS).filter(ImageFilter.GaussianBlur(1))
    values = list(thumb.tobytes())
    mean = sum(values) / len(values)
    spread = math.sqrt(sum((v - mean) ** 2 for v in values) / len(values)) or 1.0
    return [(v - mean) / spread for v in values]


def similarity(a: Image.Image, b: Image.Image) -> float:
    """Correlation of the two signatures, clipped to 0-1."""
    sa, sb = signature(a), signature(b)
    return max(0.0, min(1.0, sum(x * y for x, y in zip(sa, sb, strict=True)) / len(sa)))


def _open(uri: str) -> Image.Image:
    with Image.open(io.BytesIO(read_bytes(uri))) as image:
        image.load()
        return image.copy()


def handle(inputs: dict[str, Any], ctx: Any = None) -> dict[str, Any]:
    threshold = inputs.get("threshold")
    threshold = DEFAULT_THRESHOLD if threshold is None else float(threshold)
    if not 0 <= threshold <= 1:
        raise MatchInputError(f"threshold must be between 0 and 1, got {threshold}")
    verified = inputs.get("image") or {}
    result = {"similarity": 0.0, "match": False, "threshold": threshold, "reason": None}
    if not verified.get("valid"):
        return {**result, "reason": f"image invalid: {verified.get('reason') or 'not verified'}"}
    if not verified.get("reference"):
        return {**result, "reason": "no reference image on file"}
    try:
        photo = _open(verified["image"])
    except (StorageError, UnidentifiedImageError, OSError) as exc:
        return {**result, "reason": f"image cannot be read ({exc})"}
    try:
        reference = _open(verified["reference"])
    except (StorageError, UnidentifiedImageError, OSError) as exc:
        return {**result, "reason": f"reference image cannot be read ({exc})"}
    score = round(similarity(photo, reference), 3)
    return {**result, "similarity": score, "match": score >= threshold}


class Input(ContractModel):
    """verify_image's output and the similarity threshold."""

    image: dict[str, Any] = Field(default_factory=dict, description="verify_image's output.")
    threshold: float = Field(0.8, ge=0, le=1, description="Minimum similarity, 0-1.")


class Output(ContractModel):
    """How similar the photo is to the reference."""

    similarity: float
    match: bool
    threshold: float
    reason: str | None


lambda_handler = node(handle, input=Input, output=Output)
