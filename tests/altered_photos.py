"""The faces of tests/data's real photos, and of copies made of them with Pillow (cut,
mirrored, darker or lighter, smaller, turned a little, blurred, squeezed into a poor
JPEG): each face's embedding and who it is. For tests/test_likeness.py and
benchmarks/likeness_quality.py. A copy's faces are told apart by where the change moved
the original's boxes, never by their embeddings (which are what is being measured)."""

from __future__ import annotations

import io
import math
import random
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageEnhance, ImageFilter, ImageOps

from faceboard.recognition.analysis import analyse_photo, vector

DATA = Path(__file__).parent / "data"
PERSON = {  # photo -> who is on it; the crews' faces are each someone else
    "whitson_portrait": "whitson", "whitson_iss": "whitson", "wiseman_portrait": "wiseman", "wiseman_iss": "wiseman",
    "rubins_portrait": "rubins", "rubins_iss": "rubins", "collins": "collins", "photographer": "photographer",
}


@dataclass(frozen=True)
class SeenFace:
    key: str  # "whitson_iss", "sts131_crew-3", "whitson_iss~2" (its second copy)
    person: str  # who it is: the photo's person, or the crew photo's face ("sts131_crew-3")
    centre: tuple[float, float]
    vector: np.ndarray


def photo_faces(path: Path, key: str | None = None) -> list[SeenFace]:
    """The faces the scan finds on a photo, left to right (a crew's people by that order)."""
    key = key or path.stem
    faces = sorted(analyse_photo(str(path)).faces, key=lambda f: (f.box.x, f.box.y))
    found = []
    for at, face in enumerate(faces):
        box = face.box
        name = key if len(faces) == 1 else f"{key}-{at}"
        found.append(SeenFace(name, PERSON.get(path.stem, f"{path.stem}-{at}"),
                              (box.x + box.width / 2, box.y + box.height / 2), vector(face.embedding).copy()))
    return found


def real_faces() -> list[SeenFace]:
    return [face for path in sorted(DATA.glob("*.jpg")) for face in photo_faces(path)]


def altered(image: Image.Image, rng: random.Random):
    """A copy of `image` with two or three changes, and the map of a point of the original
    to where it is in the copy."""
    steps = []
    width, height = image.size
    for change in rng.sample(["cut", "mirror", "light", "scale", "turn", "blur", "jpeg"], 3):
        w, h = image.size
        if change == "cut":
            left, top = rng.uniform(0, 0.12) * w, rng.uniform(0, 0.12) * h
            right, bottom = w - rng.uniform(0, 0.12) * w, h - rng.uniform(0, 0.12) * h
            image = image.crop((round(left), round(top), round(right), round(bottom)))
            steps.append(lambda p, x=round(left), y=round(top): (p[0] - x, p[1] - y))
        elif change == "mirror":
            image = ImageOps.mirror(image)
            steps.append(lambda p, w=w: (w - p[0], p[1]))
        elif change == "light":
            image = ImageEnhance.Brightness(image).enhance(rng.choice([0.6, 0.75, 1.3, 1.45]))
            image = ImageEnhance.Contrast(image).enhance(rng.uniform(0.8, 1.2))
        elif change == "scale":
            factor = rng.uniform(0.6, 0.85)
            image = image.resize((round(w * factor), round(h * factor)), Image.Resampling.LANCZOS)
            steps.append(lambda p, f=factor: (p[0] * f, p[1] * f))
        elif change == "turn":
            degrees = rng.uniform(-8, 8)
            image = image.rotate(degrees, resample=Image.Resampling.BICUBIC)
            turn = math.radians(degrees)
            steps.append(lambda p, t=turn, c=(w / 2, h / 2): (
                c[0] + (p[0] - c[0]) * math.cos(t) + (p[1] - c[1]) * math.sin(t),
                c[1] - (p[0] - c[0]) * math.sin(t) + (p[1] - c[1]) * math.cos(t)))
        elif change == "blur":
            image = image.filter(ImageFilter.GaussianBlur(rng.uniform(0.6, 1.2)))
        else:
            data = io.BytesIO()
            image.save(data, "JPEG", quality=rng.choice([30, 45]))
            image = Image.open(io.BytesIO(data.getvalue())).convert("RGB")

    def where(point):
        for step in steps:
            point = step(point)
        return point

    return image, where


def altered_faces(folder: Path, copies: int, photos: list[str] | None = None, seed: int = 15) -> list[SeenFace]:
    """`copies` altered copies of each photo (all of tests/data by default), saved in
    `folder` and scanned: each face found is the original face whose moved centre lies in
    it; a face found where no original one was is left out."""
    rng = random.Random(seed)
    found = []
    for path in sorted(DATA.glob("*.jpg")):
        if photos is not None and path.stem not in photos:
            continue
        originals = photo_faces(path)
        source = ImageOps.exif_transpose(Image.open(path)).convert("RGB")
        for copy in range(1, copies + 1):
            image, where = altered(source, rng)
            target = folder / f"{path.stem}~{copy}.jpg"
            image.save(target, quality=90)
            for face in photo_faces(target, f"{path.stem}~{copy}"):
                moved = [(math.dist(where(o.centre), face.centre), o) for o in originals]
                distance, original = min(moved, key=lambda m: m[0])
                if distance < 20 * max(1.0, image.width / 1000):
                    found.append(SeenFace(face.key, original.person, face.centre, face.vector))
    return found
