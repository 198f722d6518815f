"""Make a backend with 100,000 faces and 10,000 people, for the scale benchmarks: a local
library (`make`), or the fake Gumnut server of the tests (`make_gumnut`). 30 % of the
faces are unassigned, the rest spread over the people.

In the local library the faces are cut from a demo library's photos (so tiles show real
drawn faces); the fake Gumnut serves a small crop per face from its CDN path.

    .venv/bin/python benchmarks/big_library.py PATH [FACES] [PEOPLE]

`embed` gives a local library's faces embeddings (drawn, not found), for the suggestions.
"""

import random
import sqlite3
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from fakes.gumnut import FakeGumnut  # noqa: E402

from faceboard.backends.local import demo  # noqa: E402
from faceboard.recognition.analysis import EMBEDDING_SIZE  # noqa: E402
from faceboard.recognition.embedding import current_model  # noqa: E402


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


def embed(folder: Path, seed: int = 7) -> None:
    """Give every face of a library made by `make` an embedding of this build's model, as a
    scan would, drawn so that the comparison has something to find: each person's faces lie
    near a point of their own (about 95 % alike), 60 % of the unassigned faces near some
    person's, more or less (40-99 %), the other unassigned faces near no one."""
    db = sqlite3.connect(folder / "library.sqlite3")
    faces = db.execute("SELECT id, person_id FROM faces ORDER BY id").fetchall()
    people = [row[0] for row in db.execute("SELECT id FROM persons ORDER BY id")]
    rng = np.random.default_rng(seed)
    middles = dict(zip(people, rng.normal(0, 0.09, (len(people), EMBEDDING_SIZE))))
    rows = []
    for face_id, person_id in faces:
        if person_id is None and rng.random() < 0.4:
            middle, spread = rng.normal(0, 0.09, EMBEDDING_SIZE), 0.02  # someone no one has named
        elif person_id is None:
            middle, spread = middles[people[rng.integers(len(people))]], rng.uniform(0.015, 0.055)
        else:
            middle, spread = middles[person_id], 0.02
        vector = (middle + rng.normal(0, spread, EMBEDDING_SIZE)).astype("<f4")
        rows.append((face_id, current_model(), vector.tobytes()))
    with db:
        db.executemany("INSERT OR REPLACE INTO embeddings (face_id, model, vector) VALUES (?, ?, ?)", rows)
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
