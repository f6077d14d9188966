"""Generate the KYC sample: ``users.json`` and synthetic ID photos in ``images/``.

Run from the project root (deterministic: same seed, same pictures)::

    python data/kyc/generate.py

A "face" is a skin-tone ellipse with two dark eyes, a mouth and hair, on a plain background,
above the shoulders. Each person has their own geometry, skin tone, hair and background; a
person's submitted photo and reference photo differ the way two photos do (a few pixels of
shift, brightness, focus). Image paths in ``users.json`` are relative to that file.

Expected outcome with the flow's default threshold (0.8), in ``expected.json``:

=====  =======================================  ========
user   photo                                    outcome
=====  =======================================  ========
u001   same person as the reference (PNG)       verified
u002   same person as the reference (JPEG)      verified
u003   an ID card without any face              review
u004   someone else than the reference          review
u005   the photo file is missing                review
u006   the photo file is corrupt                review
u007   same person as the reference (PNG)       verified
u008   two people in the photo                  review
=====  =======================================  ========
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, replace
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter

SEED = 5
SIZE = (160, 200)
HERE = Path(__file__).resolve().parent
IMAGES = HERE / "images"


@dataclass(frozen=True)
class Person:
    skin: tuple[int, int, int]
    hair: tuple[int, int, int]
    background: tuple[int, int, int]
    shirt: tuple[int, int, int]
    cx: int
    cy: int
    rx: int
    ry: int
    eye_gap: int
    eye_y: int


PEOPLE = {
    "ana": Person((224, 172, 140), (45, 30, 25), (232, 236, 240), (30, 50, 110), 80, 88, 34, 44, 26, -10),
    "ben": Person((141, 85, 36), (20, 20, 20), (205, 225, 245), (40, 90, 60), 80, 92, 38, 46, 30, -8),
    "dara": Person((198, 134, 96), (60, 40, 30), (225, 225, 205), (90, 30, 60), 80, 86, 32, 42, 24, -12),
    "dara_ref": Person((232, 190, 160), (130, 130, 130), (170, 190, 170), (60, 60, 60), 70, 104, 40, 40, 36, -4),
    "gus": Person((250, 210, 180), (70, 50, 40), (215, 215, 230), (110, 20, 20), 80, 90, 36, 48, 28, -10),
    "hana": Person((230, 180, 150), (25, 25, 35), (235, 230, 220), (50, 70, 90), 44, 80, 22, 28, 16, -7),
    "hana_friend": Person((170, 110, 70), (40, 25, 20), (235, 230, 220), (80, 80, 30), 118, 86, 22, 28, 16, -7),
}


def draw_person(draw: ImageDraw.ImageDraw, p: Person) -> None:
    draw.pieslice([p.cx - p.rx * 2, p.cy + p.ry - 6, p.cx + p.rx * 2, p.cy + p.ry * 3], 180, 360, fill=p.shirt)
    draw.ellipse([p.cx - p.rx - 3, p.cy - p.ry - 6, p.cx + p.rx + 3, p.cy], fill=p.hair)
    draw.ellipse([p.cx - p.rx, p.cy - p.ry, p.cx + p.rx, p.cy + p.ry], fill=p.skin)
    r = max(3, p.rx // 7)
    for side in (-1, 1):
        ex, ey = p.cx + side * p.eye_gap // 2, p.cy + p.eye_y
        draw.ellipse([ex - r, ey - r, ex + r, ey + r], fill=(35, 25, 25))
    my = p.cy + p.ry // 2
    draw.line([p.cx - p.rx // 3, my, p.cx + p.rx // 3, my], fill=(90, 30, 40), width=3)


def photo(people: list[Person], rng: random.Random, jitter: bool) -> Image.Image:
    """A picture of ``people``; with ``jitter`` a slightly different take of the same scene."""
    if jitter:
        dx, dy = rng.randint(-3, 3), rng.randint(-3, 3)
        people = [replace(p, cx=p.cx + dx, cy=p.cy + dy) for p in people]
    image = Image.new("RGB", SIZE, people[0].background)
    draw = ImageDraw.Draw(image)
    for p in people:
        draw_person(draw, p)
    if not jitter:
        return image.filter(ImageFilter.GaussianBlur(0.8))
    image = image.filter(ImageFilter.GaussianBlur(rng.uniform(1.0, 1.6)))
    gain = rng.uniform(0.94, 1.06)
    return image.point(lambda c: min(255, int(c * gain)))


def id_card(rng: random.Random) -> Image.Image:
    """A picture of a document: no skin anywhere."""
    image = Image.new("RGB", SIZE, (90, 120, 170))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle([10, 30, 150, 170], 8, fill=(236, 238, 242))
    for i in range(7):
        width = rng.randint(60, 120)
        draw.rectangle([20, 45 + i * 17, 20 + width, 51 + i * 17], fill=(120, 125, 135))
    return image


def generate() -> None:
    rng = random.Random(SEED)
    IMAGES.mkdir(exist_ok=True)
    for old in IMAGES.iterdir():
        old.unlink()

    def save(image: Image.Image, name: str) -> str:
        image.save(IMAGES / name, **({"quality": 92} if name.endswith(".jpg") else {"optimize": True}))
        return f"images/{name}"

    people = PEOPLE
    users = [
        {"id": "u001", "name": "Ana Souza",
         "image": save(photo([people["ana"]], rng, True), "u001.png"),
         "reference": save(photo([people["ana"]], rng, False), "u001-reference.png")},
        {"id": "u002", "name": "Ben Okafor",
         "image": save(photo([people["ben"]], rng, True), "u002.jpg"),
         "reference": save(photo([people["ben"]], rng, False), "u002-reference.png")},
        {"id": "u003", "name": "Chen Wei",
         "image": save(id_card(rng), "u003.png"),
         "reference": save(photo([people["ana"]], rng, False).rotate(180), "u003-reference.png")},
        {"id": "u004", "name": "Dara Nguyen",
         "image": save(photo([people["dara"]], rng, True), "u004.png"),
         "reference": save(photo([people["dara_ref"]], rng, False), "u004-reference.png")},
        {"id": "u005", "name": "Eli Cohen",
         "image": "images/u005.png",
         "reference": save(photo([people["gus"]], rng, False).transpose(Image.Transpose.FLIP_TOP_BOTTOM), "u005-reference.png")},
        {"id": "u006", "name": "Fatima Khan",
         "image": "images/u006.png",
         "reference": save(photo([people["dara"]], rng, False), "u006-reference.png")},
        {"id": "u007", "name": "Gus Berg",
         "image": save(photo([people["gus"]], rng, True), "u007.png"),
         "reference": save(photo([people["gus"]], rng, False), "u007-reference.png")},
        {"id": "u008", "name": "Hana Sato",
         "image": save(photo([people["hana"], people["hana_friend"]], rng, True), "u008.png"),
         "reference": save(photo([replace(people["hana"], cx=80, cy=88, rx=34, ry=44, eye_gap=26, eye_y=-10)], rng, False), "u008-reference.png")},
    ]
    valid = (IMAGES / "u001.png").read_bytes()
    (IMAGES / "u006.png").write_bytes(valid[: len(valid) // 3])      # a truncated upload
    (HERE / "users.json").write_text(json.dumps(users, indent=2) + "\n")
    expected = {"verified": ["u001", "u002", "u007"], "review": ["u003", "u004", "u005", "u006", "u008"]}
    (HERE / "expected.json").write_text(json.dumps(expected, indent=2) + "\n")
    print(json.dumps(expected))


if __name__ == "__main__":
    generate()
