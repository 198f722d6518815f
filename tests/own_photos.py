"""A user's own photos for the import and scan tests: real photos of people (tests/data,
public domain, see its README), and the demo generator's group photos (drawn faces, which
the real detector finds too: as many distinct photos as a test needs), copied into
folders as a user keeps them, with the true face boxes the demo put in its database."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from PIL import Image

from faceboard.domain import BoundingBox


DATA = Path(__file__).parent / "data"
REAL_FACES = {"collins.jpg": 1, "whitson_portrait.jpg": 1, "expedition1_crew.jpg": 3}  # faces in each


def real_photos(folder: Path) -> list[Path]:
    """The photos of REAL_FACES in `folder`, the crew in a subfolder."""
    copies = []
    for name in REAL_FACES:
        target = folder / ("ISS" if "crew" in name else "") / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(DATA / name, target)
        copies.append(target)
    return copies


def demo_photos(template: Path, count: int) -> list[Path]:
    return sorted((template / "images" / "assets").glob("*.jpg"))[:count]


def true_boxes(template: Path, photo: Path) -> list[BoundingBox]:
    """The boxes the demo drew the faces of `photo` (one of `demo_photos`) in."""
    db = sqlite3.connect(template / "library.sqlite3")
    try:
        rows = db.execute("SELECT f.x, f.y, f.w, f.h FROM faces f JOIN assets a ON a.id = f.asset_id "
                          "WHERE a.path = ?", (f"assets/{photo.name}",)).fetchall()
    finally:
        db.close()
    return [BoundingBox(*row) for row in rows]


def copy_photos(template: Path, folder: Path, count: int) -> list[Path]:
    """`count` photos in `folder`, every other one in a subfolder."""
    copies = []
    for i, photo in enumerate(demo_photos(template, count)):
        target = folder / ("" if i % 2 == 0 else f"trip {i}") / photo.name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(photo, target)
        copies.append(target)
    return copies


def as_png(photo: Path, target: Path) -> Path:
    """The same picture in another format: other bytes, so another photo to the library."""
    Image.open(photo).save(target, "PNG")
    return target


def inside(box: BoundingBox, truth: list[BoundingBox]) -> bool:
    """Whether the centre of `box` lies in one of the true boxes."""
    cx, cy = box.x + box.width / 2, box.y + box.height / 2
    return any(t.x <= cx <= t.x + t.width and t.y <= cy <= t.y + t.height for t in truth)
