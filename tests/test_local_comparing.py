"""The local library as a backend that compares faces: its faces' embeddings of this
build's model, the operator's rejections ("not this person"), the faces' quality, and
the folder a kept index goes in."""

import sqlite3

import numpy as np
import pytest
from conftest import run

from faceboard.backends.base import FaceComparing, FaceQuality, face_comparing
from faceboard.domain import Capability
from faceboard.errors import NotFound
from faceboard.recognition.embedding import current_model


def embed(library, vectors: dict[int, np.ndarray], model: str | None = None) -> None:
    """Store embeddings for faces of the library, as a scan would."""
    db = sqlite3.connect(library.path)
    with db:
        db.executemany("INSERT INTO embeddings (face_id, model, vector) VALUES (?, ?, ?)",
                       [(f, model or current_model(), v.astype("<f4").tobytes()) for f, v in vectors.items()])
    db.close()


def some_vectors(count: int, seed: int = 1) -> list[np.ndarray]:
    return list(np.random.default_rng(seed).normal(0, 0.1, (count, 128)).astype(np.float32))


def test_the_local_library_compares_faces_and_keeps_its_index_in_its_folder(library):
    assert Capability.COMPARE_FACES in library.capabilities
    assert isinstance(library, FaceComparing) and face_comparing(library) is library
    assert library.index_folder == library.folder


def test_face_vectors_are_this_models_embeddings_of_the_faces_not_deleted(library):
    faces = sorted(run(library.list_faces("1")).items[:3] + run(library.list_faces(None)).items[:2],
                   key=lambda f: int(f.id))
    vectors = some_vectors(5)
    embed(library, {int(f.id): v for f, v in zip(faces, vectors)})
    other = run(library.list_faces("2")).items[0]
    embed(library, {int(other.id): some_vectors(1, seed=2)[0]}, model="an older model")  # not this build's
    run(library.delete_faces([faces[1].id]))

    every = run(library.face_vectors())
    kept = [0, 2, 3, 4]  # the deleted face is left out
    assert every.model == current_model()
    assert every.face_ids == tuple(faces[i].id for i in kept)  # in id order
    assert every.person_ids == tuple(faces[i].person_id for i in kept)
    assert None in every.person_ids and "1" in every.person_ids
    assert every.vectors.dtype == np.float32 and every.vectors.shape == (4, 128)
    assert np.array_equal(every.vectors, np.stack([vectors[i] for i in kept]))

    named = run(library.face_vectors([faces[4].id, other.id, faces[0].id, "99999"]))
    assert named.face_ids == (faces[0].id, faces[4].id)  # in id order; no embedding, or no face: left out
    assert np.array_equal(named.vectors, np.stack([vectors[0], vectors[4]]))
    assert run(library.face_vectors([])).vectors.shape == (0, 128)


def test_face_vectors_newer_than_an_answer_are_only_those_embedded_since(library):
    faces = run(library.list_faces(None)).items[:4]
    vectors = some_vectors(4)
    embed(library, {int(f.id): v for f, v in zip(faces[:2], vectors[:2])})
    first = run(library.face_vectors())
    assert len(first.face_ids) == 2 and first.through is not None
    assert run(library.face_vectors(newer_than=first.through)).face_ids == ()
    embed(library, {int(f.id): v for f, v in zip(faces[2:], vectors[2:])})  # a scan's next batch
    since = run(library.face_vectors(newer_than=first.through))
    assert since.face_ids == tuple(f.id for f in sorted(faces[2:], key=lambda f: int(f.id)))
    assert since.through > first.through
    assert run(library.face_vectors(newer_than=since.through)).through == since.through  # nothing new


def test_rejections_are_remembered_until_restored(library):
    loose = [f.id for f in run(library.list_faces(None)).items[:3]]
    pairs = [(loose[0], "1"), (loose[1], "1"), (loose[0], "2")]
    assert run(library.rejections()) == frozenset()
    run(library.reject_suggestions(pairs))
    run(library.reject_suggestions(pairs[:1]))  # remembered already: stays, once
    assert run(library.rejections()) == frozenset(pairs)
    run(library.restore_suggestions([pairs[1], (loose[2], "3")]))  # one never rejected: nothing to forget
    assert run(library.rejections()) == frozenset({pairs[0], pairs[2]})


def test_a_rejection_of_a_face_or_person_that_does_not_exist_changes_nothing(library):
    loose = run(library.list_faces(None)).items[0].id
    for pairs in ([(loose, "1"), ("99999", "1")], [(loose, "1"), (loose, "99999")], [(loose, "someone")]):
        with pytest.raises(NotFound):
            run(library.reject_suggestions(pairs))
    assert run(library.rejections()) == frozenset()


def test_face_qualities_are_read_as_measured_and_none_where_not(library):
    measured, older = run(library.list_faces("1")).items[:2]
    db = sqlite3.connect(library.path)
    with db:
        db.execute("UPDATE faces SET sharpness = 812.5, frontal = 0.9, brightness = 0.45 WHERE id = ?",
                   (int(measured.id),))
    db.close()
    qualities = run(library.face_qualities([measured.id, older.id, "99999"]))
    assert qualities == {
        measured.id: FaceQuality(min(measured.box.width, measured.box.height), 812.5, 0.9, 0.45),
        older.id: FaceQuality(min(older.box.width, older.box.height), None, None, None),
    }
