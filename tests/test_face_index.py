"""The kept face index: each face's nearest faces looked up once, kept beside the index,
and met by the faces added after them."""

from __future__ import annotations

import numpy as np

from faceboard.services.face_index import KeptIndex

MODEL = "test-model"
NEAREST = 5


def cloud(count: int, seed: int = 3) -> tuple[list[str], np.ndarray]:
    rng = np.random.default_rng(seed)
    return [f"f{at}" for at in range(count)], rng.normal(size=(count, 16)).astype(np.float32)


def exact(vectors: np.ndarray, at: int) -> list[int]:
    """The true nearest positions of one face, itself first."""
    return np.argsort(((vectors - vectors[at]) ** 2).sum(axis=1), kind="stable")[:NEAREST].tolist()


def test_each_face_is_looked_up_once_and_its_nearest_are_kept_beside_the_index(tmp_path):
    ids, vectors = cloud(300)
    index = KeptIndex(tmp_path, MODEL, 16, NEAREST)
    index.update(ids, vectors)
    positions, d2 = index.nearest(ids[:50], vectors[:50])
    assert index.looked_up == 50
    assert [row.tolist() for row in positions[:10]] == [exact(vectors, at) for at in range(10)]
    assert np.all(np.diff(d2, axis=1) >= 0)  # nearest first
    again, _ = index.nearest(ids[:60], vectors[:60])
    assert index.looked_up == 60  # only the ten new to it
    assert (again[:50] == positions).all()

    reopened = KeptIndex(tmp_path, MODEL, 16, NEAREST)
    read, _ = reopened.nearest(ids[:60], vectors[:60])
    assert reopened.opened and reopened.looked_up == 0 and (read == again).all()


def test_a_face_added_later_joins_the_kept_nearest_of_the_faces_it_is_near(tmp_path):
    ids, vectors = cloud(300)
    index = KeptIndex(tmp_path, MODEL, 16, NEAREST)
    index.update(ids, vectors)
    index.nearest(ids, vectors)
    twin = vectors[7:8] + 0.001  # nearer face 7 than anyone
    index.update(["twin"], twin)
    positions, _ = index.nearest(["f7"], vectors[7:8])
    assert positions[0][:2].tolist() in ([7, 300], [300, 7])  # face 7 and its twin, then the rest
    assert 300 in KeptIndex(tmp_path, MODEL, 16, NEAREST).nearest(["f7"], vectors[7:8])[0][0]  # kept so


def test_kept_nearest_that_do_not_match_the_index_are_looked_up_again(tmp_path):
    ids, vectors = cloud(100)
    kept = tmp_path / f"faces-{MODEL}.near.npz"
    index = KeptIndex(tmp_path, MODEL, 16, NEAREST)
    index.update(ids[:80], vectors[:80])
    index.nearest(ids[:80], vectors[:80])
    older = kept.read_bytes()  # for 80 faces
    index.update(ids, vectors)
    kept.write_bytes(older)  # a crash between the index's write and theirs
    reopened = KeptIndex(tmp_path, MODEL, 16, NEAREST)
    assert reopened.nearest(["f1"], vectors[1:2])[0][0].tolist() == exact(vectors, 1)
    assert reopened.looked_up == 1  # looked up again, not read
    kept.write_bytes(b"not a zip")
    reopened = KeptIndex(tmp_path, MODEL, 16, NEAREST)
    assert reopened.nearest(["f2"], vectors[2:3])[0][0].tolist() == exact(vectors, 2)
    assert reopened.looked_up == 1
