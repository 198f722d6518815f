"""A generated demo library: group photos drawn with Pillow, with real curation work in it.

Everything follows from one seed, so the same seed gives the same library. Each person
has a look of their own (skin, hair, eyes, glasses, beard, clothes); photos show three
to six of them. Some faces are left unassigned, and some are deliberately assigned to
the wrong person; the truth is kept in `meta` under "demo_truth" for tests and scoring.
"""

from __future__ import annotations

import json
import os
import random
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter

from faceboard.backends.local.library import IMAGES_DIR, LocalLibrary
from faceboard.domain import Progress

DEFAULT_SEED = 20261123
PHOTO_SIZE = (1024, 683)
# the drawn edges softened as a camera would: a 3×3 binomial kernel looks as GaussianBlur(0.6)
# did and takes 2.4 times less (the blur was 70 % of a first start's 4-7 s)
SOFTEN = ImageFilter.Kernel((3, 3), (1, 2, 1, 2, 4, 2, 1, 2, 1), 16)

NAMES = (
    "Amara Okafor", "Bjorn Lindqvist", "Chen Wei", "Dalia Haddad", "Emeka Obi", "Fatima Zahra",
    "Gabriel Souza", "Hana Suzuki", "Ivan Petrov", "Jasmine Patel", "Kofi Mensah", "Lucia Romero",
    "Mateo Silva", "Nadia Rahman", "Oskar Nowak", "Priya Nair", "Quentin Dubois", "Rosa Alvarez",
    "Sven Olsen", "Tamar Cohen", "Umar Farouk", "Valentina Rossi", "Wanjiru Kamau", "Yusuf Demir",
)
SKINS = ((255, 224, 196), (241, 194, 160), (224, 172, 128), (198, 134, 94), (160, 102, 66), (112, 72, 46))
HAIRS = ((20, 16, 14), (70, 44, 26), (140, 90, 46), (222, 188, 120), (160, 56, 30), (180, 180, 184), (60, 60, 70))
EYES = ((62, 40, 22), (40, 90, 140), (60, 120, 70), (110, 80, 40))
SHIRTS = ((196, 58, 58), (52, 101, 164), (78, 154, 6), (245, 194, 17), (117, 80, 123), (40, 40, 48),
          (233, 120, 40), (0, 140, 140), (220, 220, 226), (140, 30, 90))
STYLES = ("short", "long", "bald", "curly", "bun", "side")


@dataclass(frozen=True)
class Look:
    skin: tuple[int, int, int]
    hair: tuple[int, int, int]
    eyes: tuple[int, int, int]
    shirt: tuple[int, int, int]
    style: str
    width_ratio: float
    glasses: bool
    beard: bool


def _looks(rng: random.Random, count: int) -> list[Look]:
    looks, seen = [], set()
    while len(looks) < count:
        look = Look(
            skin=rng.choice(SKINS), hair=rng.choice(HAIRS), eyes=rng.choice(EYES), shirt=rng.choice(SHIRTS),
            style=rng.choice(STYLES), width_ratio=rng.uniform(0.68, 0.86),
            glasses=rng.random() < 0.3, beard=rng.random() < 0.25,
        )
        signature = (look.skin, look.hair, look.style, look.shirt)
        if signature not in seen:  # keep people tell-apart-able at a glance
            seen.add(signature)
            looks.append(look)
    return looks


def _shade(color, factor):
    return tuple(max(0, min(255, int(c * factor))) for c in color)


def _draw_person(draw: ImageDraw.ImageDraw, look: Look, cx: int, cy: int, h: int, rng: random.Random, bottom: int):
    """Draw one person with the head centred at (cx, cy), head height h; return the face box."""
    w = int(h * look.width_ratio)
    # body and neck
    draw.rounded_rectangle((cx - int(1.15 * w), cy + int(0.62 * h), cx + int(1.15 * w), bottom + 40),
                           radius=int(0.45 * w), fill=look.shirt)
    draw.rectangle((cx - w // 5, cy + int(0.3 * h), cx + w // 5, cy + int(0.72 * h)), fill=_shade(look.skin, 0.9))
    if look.style == "long":
        draw.rounded_rectangle((cx - int(0.62 * w), cy - int(0.55 * h), cx + int(0.62 * w), cy + int(0.75 * h)),
                               radius=int(0.5 * w), fill=look.hair)
    # ears and head
    for side in (-1, 1):
        ex = cx + side * int(0.5 * w)
        draw.ellipse((ex - w // 10, cy - h // 10, ex + w // 10, cy + h // 10), fill=_shade(look.skin, 0.92))
    draw.ellipse((cx - w // 2, cy - h // 2, cx + w // 2, cy + h // 2), fill=look.skin)
    # hair on top
    top = (cx - int(0.54 * w), cy - int(0.58 * h), cx + int(0.54 * w), cy + int(0.1 * h))
    if look.style in ("short", "long", "bun", "side"):
        draw.chord(top, 180, 360, fill=look.hair)
    if look.style == "side":
        draw.polygon([(cx - int(0.5 * w), cy - int(0.2 * h)), (cx + int(0.3 * w), cy - int(0.5 * h)),
                      (cx - int(0.1 * w), cy - int(0.12 * h))], fill=look.hair)
    if look.style == "bun":
        draw.ellipse((cx - w // 5, cy - int(0.82 * h), cx + w // 5, cy - int(0.45 * h)), fill=look.hair)
    if look.style == "curly":
        for i in range(9):
            ax = cx - int(0.45 * w) + i * int(0.9 * w) // 8
            ay = cy - int(0.42 * h) + int(abs(i - 4) * 0.035 * h)
            r = int(0.13 * w)
            draw.ellipse((ax - r, ay - r, ax + r, ay + r), fill=look.hair)
    # eyes, brows, nose, mouth
    eye_y = cy - int(0.04 * h)
    for side in (-1, 1):
        ex = cx + side * int(0.2 * w)
        rx, ry = int(0.09 * w), int(0.055 * h)
        draw.ellipse((ex - rx, eye_y - ry, ex + rx, eye_y + ry), fill=(250, 250, 250))
        ir = int(0.05 * w)
        gaze = int(rng.uniform(-0.3, 0.3) * ir)
        draw.ellipse((ex - ir + gaze, eye_y - ir, ex + ir + gaze, eye_y + ir), fill=look.eyes)
        draw.ellipse((ex - ir // 2 + gaze, eye_y - ir // 2, ex + ir // 2 + gaze, eye_y + ir // 2), fill=(10, 10, 10))
        brow_y = eye_y - int(0.11 * h) + int(rng.uniform(-0.02, 0.02) * h)
        draw.line((ex - rx, brow_y + side * 0, ex + rx, brow_y - 2), fill=_shade(look.hair, 0.8), width=max(2, h // 40))
        if look.glasses:
            gr = int(0.13 * w)
            draw.ellipse((ex - gr, eye_y - gr, ex + gr, eye_y + gr), outline=(30, 30, 30), width=max(2, h // 50))
    if look.glasses:
        draw.line((cx - int(0.07 * w), eye_y, cx + int(0.07 * w), eye_y), fill=(30, 30, 30), width=max(2, h // 50))
    nose = _shade(look.skin, 0.8)
    draw.line((cx, eye_y + int(0.05 * h), cx - int(0.04 * w), cy + int(0.15 * h), cx + int(0.03 * w), cy + int(0.16 * h)),
              fill=nose, width=max(2, h // 45))
    if look.beard:
        draw.chord((cx - int(0.48 * w), cy - int(0.1 * h), cx + int(0.48 * w), cy + int(0.5 * h)), 15, 165, fill=look.hair)
    smile = rng.uniform(0.08, 0.16)
    mouth = (cx - int(0.18 * w), cy + int(0.16 * h), cx + int(0.18 * w), cy + int((0.2 + smile) * h))
    draw.chord(mouth, 0, 180, fill=(150, 40, 50) if not look.beard else (120, 30, 40))
    side = int(0.62 * h)
    return (cx - side // 2, cy - int(0.6 * h), side, int(1.18 * h))


def _background(rng: random.Random) -> Image.Image:
    width, height = PHOTO_SIZE
    top, low = (rng.randint(120, 220), rng.randint(140, 220), rng.randint(160, 240)), (rng.randint(40, 120),) * 3
    horizon = int(height * rng.uniform(0.6, 0.75))
    column = bytearray()  # one pixel a line, stretched across: a line drawn per row cost 70,000 calls a library
    for y in range(height):
        t = y / height
        column += bytes(int(a + (b - a) * t) for a, b in zip(top, low, strict=True)) if y < horizon \
            else bytes(_shade(low, 0.7))
    image = Image.frombytes("RGB", (1, height), bytes(column)).resize(PHOTO_SIZE, Image.Resampling.NEAREST)
    draw = ImageDraw.Draw(image)
    for _ in range(rng.randint(2, 6)):  # furniture, trees, windows: something to look past
        x, y = rng.randint(0, width), rng.randint(0, horizon)
        draw.rectangle((x, y, x + rng.randint(40, 200), y + rng.randint(40, 200)),
                       fill=tuple(rng.randint(60, 200) for _ in range(3)))
    return image


def generate(folder: Path | str, seed: int = DEFAULT_SEED, people: int = 24, photos: int = 100,
             progress: Progress | None = None) -> dict:
    """Create a demo library in `folder` (which must hold no library yet); return a
    summary. `progress` hears of each photo made (a first start shows them)."""
    rng = random.Random(seed)
    library = LocalLibrary(folder)
    finisher = ThreadPoolExecutor(max(1, (os.cpu_count() or 2) - 1), thread_name_prefix="demo-photo")
    try:
        if not library.is_empty():
            raise FileExistsError(f"{folder} already holds a library.")
        looks = _looks(rng, people)
        persons = [(i + 1, NAMES[i % len(NAMES)]) for i in range(people)]
        assets, faces, truth = [], [], {}
        face_id = 0
        # everyone appears at least a dozen times: shuffle through the cast in rounds
        cast: list[int] = []
        finishing: list[Future] = []
        for index in range(photos):
            group = rng.randint(3, 6)
            members: list[int] = []
            while len(members) < group:
                if not cast:
                    cast = list(range(people))
                    rng.shuffle(cast)
                candidate = cast.pop()
                if candidate not in members:
                    members.append(candidate)
            photo = _background(rng)
            draw = ImageDraw.Draw(photo)
            slot = PHOTO_SIZE[0] // group
            for position, member in enumerate(members):
                h = rng.randint(95, 165)
                cx = slot * position + slot // 2 + rng.randint(-slot // 8, slot // 8)
                cy = int(PHOTO_SIZE[1] * rng.uniform(0.32, 0.46))
                x, y, w, bh = _draw_person(draw, looks[member], cx, cy, h, rng, PHOTO_SIZE[1])
                face_id += 1
                x, y = max(0, x), max(0, y)
                truth[face_id] = member + 1
                roll = rng.random()
                if roll < 0.1:
                    assigned = None  # unassigned: waiting for an operator
                elif roll < 0.16:
                    assigned = rng.choice([p for p in range(1, people + 1) if p != member + 1])  # wrong person
                else:
                    assigned = member + 1
                faces.append((face_id, index + 1, x, y, w, min(bh, PHOTO_SIZE[1] - y), assigned,
                              round(rng.uniform(0.55, 0.99), 3)))
            path = f"assets/{index + 1:06d}.jpg"
            finishing.append(finisher.submit(_finish, photo, Path(folder) / IMAGES_DIR / path))
            assets.append((index + 1, path, *PHOTO_SIZE))
            if progress is not None:
                progress.report(sum(f.done() for f in finishing), photos)
        for done, finished in enumerate(finishing, 1):
            finished.result()  # a full disk says so here
            if progress is not None:
                progress.report(max(done, sum(f.done() for f in finishing)), photos)
        thumbnails = _thumbnails(rng, people, faces, truth)
        library.insert_demo(persons, assets, faces, thumbnails)
        library._db.execute(  # noqa: SLF001 - the generator owns this fresh library
            "INSERT INTO meta (key, value) VALUES ('demo_truth', ?)",
            (json.dumps({"seed": seed, "faces": truth}),),
        )
    finally:
        finisher.shutdown(cancel_futures=True)
        library.close_now()
    return {
        "people": people,
        "photos": photos,
        "faces": len(faces),
        "unassigned": sum(1 for f in faces if f[6] is None),
        "wrong": sum(1 for f in faces if f[6] is not None and f[6] != truth[f[0]]),
    }


def _finish(photo: Image.Image, path: Path) -> None:
    """Soften and save a drawn photo: on a thread of its own while the next is drawn
    (Pillow lets go of the GIL here; drawing holds it)."""
    photo.filter(SOFTEN).save(path, "JPEG", quality=85)


def _thumbnails(rng, people, faces, truth):
    """(person, face, primary) rows: most people get one to three, a few none yet."""
    by_person: dict[int, list[int]] = {}
    wrong: dict[int, list[int]] = {}
    for face in faces:
        fid, person = face[0], face[6]
        if person is None:
            continue
        (by_person if truth[fid] == person else wrong).setdefault(person, []).append(fid)
    rows = []
    without = set(rng.sample(range(1, people + 1), 4))
    for person in range(1, people + 1):
        if person in without:
            continue
        chosen = rng.sample(by_person[person], min(len(by_person[person]), rng.randint(1, 3)))
        if person in (2, 7) and wrong.get(person):  # a badly chosen primary, for a reviewer to fix
            chosen.insert(0, wrong[person][0])
        rows.extend((person, fid, i == 0) for i, fid in enumerate(chosen))
    return rows
