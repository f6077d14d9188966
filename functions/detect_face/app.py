"""Count the faces in a verified ID photo (a deterministic skin-and-eyes detector).

Input: ``verify_image``'s output (``{"image", "valid", ...}``).

Output::

    {"faces": 1, "confidence": 0.93,
     "boxes": [{"x": 46, "y": 44, "width": 68, "height": 88, "confidence": 0.93}],
     "reason": null}                 # or why nothing was looked at ("image invalid: ...")

How: the photo is scaled to at most :data:`ANALYSIS_SIDE` pixels; skin pixels are found with
the classic RGB rule (Kovac et al.) and cleaned by a 3x3 opening; each 4-connected skin region at least
:data:`MIN_AREA` of the picture, roughly oval (height/width and fill ratio) and holding two
dark spots side by side in its upper half (eyes) is a face. ``confidence`` (0-1) is the best
face's: how oval the region is and how level its eyes are. An invalid image gives
``faces: 0`` with a reason instead of an error, so the KYC decision can report it.
"""

from __future__ import annotations

import io
from collections import deque
from typing import Any

from PIL import Image, ImageFilter
from pydantic import Field

from orchestrator.io import StorageError, read_bytes
from orchestrator.runtime import ContractModel, node

ANALYSIS_SIDE = 128
MIN_AREA = 0.02
ASPECT = (0.9, 2.2)
FILL = (0.5, 0.95)
DARK = 80


def is_skin(r: int, g: int, b: int) -> bool:
    """Kovac's daylight skin rule."""
    return r > 95 and g > 40 and b > 20 and max(r, g, b) - min(r, g, b) > 15 and abs(r - g) > 15 and r > g and r > b


def skin_mask(image: Image.Image) -> list[list[bool]]:
    """Skin pixels of an RGB image, after a 3x3 opening (drops thin rims such as blurred edges)."""
    skin = bytes(255 if is_skin(r, g, b) else 0 for r, g, b in zip(*[iter(image.tobytes())] * 3, strict=True))
    opened = Image.frombytes("L", image.size, skin).filter(ImageFilter.MinFilter(3)).filter(ImageFilter.MaxFilter(3))
    data, width = opened.tobytes(), image.width
    return [[data[y * width + x] > 0 for x in range(width)] for y in range(image.height)]


def _regions(mask: list[list[bool]]) -> list[list[tuple[int, int]]]:
    """4-connected regions of True cells, as lists of (x, y)."""
    height, width = len(mask), len(mask[0]) if mask else 0
    seen = [[False] * width for _ in range(height)]
    regions = []
    for y0 in range(height):
        for x0 in range(width):
            if not mask[y0][x0] or seen[y0][x0]:
                continue
            seen[y0][x0] = True
            queue, cells = deque([(x0, y0)]), []
            while queue:
                x, y = queue.popleft()
                cells.append((x, y))
                for nx, ny in ((x + 1, y), (x - 1, y), (x, y + 1), (x, y - 1)):
                    if 0 <= nx < width and 0 <= ny < height and mask[ny][nx] and not seen[ny][nx]:
                        seen[ny][nx] = True
                        queue.append((nx, ny))
            regions.append(cells)
    return regions


def _eyes(pixels: Any, box: tuple[int, int, int, int]) -> list[tuple[float, float]]:
    """Centres of dark spots in the upper half of ``box`` (left, top, right, bottom)."""
    left, top, right, bottom = box
    upper = top + (bottom - top) // 2
    mask = [[sum(pixels[x, y]) / 3 < DARK for x in range(left, right + 1)] for y in range(top, upper + 1)]
    spots = []
    for cells in _regions(mask):
        if 2 <= len(cells) <= (right - left + 1) * (bottom - top + 1) // 20:
            spots.append((left + sum(c[0] for c in cells) / len(cells), top + sum(c[1] for c in cells) / len(cells)))
    return spots


def detect(image: Image.Image) -> list[dict[str, Any]]:
    """The faces in ``image``: boxes in the original pixel scale, with a confidence."""
    rgb = image.convert("RGB")
    scale = min(1.0, ANALYSIS_SIDE / max(rgb.size))
    small = rgb.resize((max(1, round(rgb.width * scale)), max(1, round(rgb.height * scale))), Image.Resampling.BILINEAR)
    pixels = small.load()
    width, height = small.size
    mask = skin_mask(small)
    faces = []
    for cells in _regions(mask):
        if len(cells) < MIN_AREA * width * height:
            continue
        xs, ys = [c[0] for c in cells], [c[1] for c in cells]
        box = (min(xs), min(ys), max(xs), max(ys))
        w, h = box[2] - box[0] + 1, box[3] - box[1] + 1
        fill = len(cells) / (w * h)
        if not (ASPECT[0] <= h / w <= ASPECT[1] and FILL[0] <= fill <= FILL[1]):
            continue
        eyes = sorted(_eyes(pixels, box))
        pair = next(((a, b) for i, a in enumerate(eyes) for b in eyes[i + 1 :] if abs(a[1] - b[1]) <= 0.1 * h and b[0] - a[0] >= 0.2 * w), None)
        if pair is None:
            continue
        ovality = 1 - min(1.0, abs(fill - 0.785) / 0.3)
        level = 1 - min(1.0, abs(pair[0][1] - pair[1][1]) / (0.1 * h))
        confidence = round(0.5 + 0.25 * ovality + 0.25 * level, 3)
        faces.append({
            "x": round(box[0] / scale), "y": round(box[1] / scale),
            "width": round(w / scale), "height": round(h / scale), "confidence": confidence,
        })
    return sorted(faces, key=lambda f: (f["x"], f["y"]))


def handle(inputs: dict[str, Any], ctx: Any = None) -> dict[str, Any]:
    if not inputs.get("valid"):
        return {"faces": 0, "confidence": 0.0, "boxes": [], "reason": f"image invalid: {inputs.get('reason') or 'not verified'}"}
    try:
        with Image.open(io.BytesIO(read_bytes(inputs["image"]))) as image:
            faces = detect(image)
    except StorageError as exc:
        return {"faces": 0, "confidence": 0.0, "boxes": [], "reason": f"image cannot be read ({exc})"}
    return {
        "faces": len(faces),
        "confidence": max((f["confidence"] for f in faces), default=0.0),
        "boxes": faces,
        "reason": None,
    }


class Input(ContractModel):
    """verify_image's output."""

    image: str | None = Field(None, description="Resolved path of the photo.")
    valid: bool = Field(False, description="Whether the photo passed verify_image.")
    reason: str | None = Field(None, description="Why it is invalid.")


class Box(ContractModel):
    """Where a face is, in pixels of the original photo."""

    x: int
    y: int
    width: int
    height: int
    confidence: float


class Output(ContractModel):
    """The faces found."""

    faces: int
    confidence: float
    boxes: list[Box]
    reason: str | None


lambda_handler = node(handle, input=Input, output=Output)
