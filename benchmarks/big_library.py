"""Make a backend with 100,000 faces and 10,000 people, for the scale benchmarks: a local
library (`make`), or the fake Gumnut server of the tests (`make_gumnut`). 30 % of the
faces are unassigned, the rest spread over the people.

In the local library the faces are cut from a demo library's photos (so tiles show real
drawn faces); the fake Gumnut serves a small crop per face from its CDN path.

    .venv/bin/python benchmarks/big_library.py PATH [FACES] [PEOPLE]
"""

import random
import sqlite3
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from fakes.gumnut import FakeGumnut  # noqa: E402

from faceboard.backends.local import demo  # noqa: E402


def make(folder: Path, faces: int = 100_000, people: int = 10_000, seed: int = 7) -> None:
    demo.generate(folder, people=24, photos=120)
    db = sqlite3.connect(folder / "library.sqlite3")
    boxes = db.execute("SELECT asset_id, x, y, w, h FROM faces").fetchall()
    first_person = db.execute("SELECT MAX(id) FROM persons").fetchone()[0] + 1
    rng = random.Random(seed)
    with db:
        db.executemany("INSERT INTO persons (id, name) VALUES (?, ?)",
                       [(first_person + i, f"{rng.choice(demo.NAMES).split()[0]} {i:05d}") for i in range(people)])
        rows = []
        for _ in range(faces - len(boxes)):
            asset, x, y, w, h = rng.choice(boxes)
            person = None if rng.random() < 0.3 else first_person + rng.randrange(people)
            rows.append((asset, x, y, w, h, person, round(rng.uniform(0.5, 1.0), 3)))
        db.executemany("INSERT INTO faces (asset_id, x, y, w, h, person_id, confidence) VALUES (?, ?, ?, ?, ?, ?, ?)",
                       rows)
    db.close()


def make_gumnut(faces: int = 100_000, people: int = 10_000, seed: int = 7) -> FakeGumnut:
    fake = FakeGumnut()
    rng = random.Random(seed)
    everyone = [fake.add_person(f"{rng.choice(demo.NAMES).split()[0]} {i:05d}") for i in range(people)]
    for _ in range(faces):
        person = None if rng.random() < 0.3 else rng.choice(everyone)
        face = fake.add_face(person.id if person else None)
        if person is not None and person.thumbnail_face_id is None:
            person.thumbnail_face_id = face.id
    return fake


if __name__ == "__main__":
    target = Path(sys.argv[1])
    start = time.perf_counter()
    make(target, *(int(a) for a in sys.argv[2:4]))
    db = sqlite3.connect(target / "library.sqlite3")
    faces, people = (db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in ("faces", "persons"))
    print(f"{target}: {faces} faces, {people} people in {time.perf_counter() - start:.1f} s")
