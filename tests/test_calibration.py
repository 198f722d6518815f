"""A library's similarity rule, measured on the faces its operator named
(`recognition.similarity.calibrated`, kept by `Likeness.calibration`): dlib puts every
drawn face of the demo within its 0.6 of every other, so by dlib's rule every figure
read 99 %; measured on the demo's named faces, the figures tell its people apart."""

from __future__ import annotations

import json
import sqlite3
import statistics

import numpy as np
import pytest
from conftest import run

from faceboard.backends.local import LocalLibrary, demo
from faceboard.domain import Person, Publication
from faceboard.recognition.similarity import DLIB, LEAST_SAMPLES, calibrated, shown
from faceboard.services import likeness as likeness_module
from faceboard.services.likeness import Likeness
from faceboard.services.publishing import LOOKS_LIKE, Gathered, check_faces
from faceboard.services.scanning import Scanner
from tests.fakes.comparing import FakeComparing


@pytest.fixture(scope="module")
def drawn(tmp_path_factory):
    """A small demo library's faces (8 people, 24 photos), embedded as the window's
    background learning does: their embeddings, whom the demo filed them to, who they are."""
    folder = tmp_path_factory.mktemp("drawn") / "library"
    demo.generate(folder, people=8, photos=24)
    library = LocalLibrary(folder)
    try:
        run(Scanner(library).run(scan=False, learn=True))
        vectors = run(library.face_vectors())
        truth = json.loads(sqlite3.connect(library.path).execute(
            "SELECT value FROM meta WHERE key = 'demo_truth'").fetchone()[0])["faces"]
    finally:
        library.close_now()
    embeddings = dict(zip(vectors.face_ids, vectors.vectors))
    filed = dict(zip(vectors.face_ids, vectors.person_ids))
    return embeddings, filed, {face: str(person) for face, person in truth.items()}


def backend_of(drawn) -> FakeComparing:
    embeddings, filed, _ = drawn
    backend = FakeComparing(embeddings)
    backend.person.update(filed)
    return backend


def people_of(drawn) -> dict[str, str]:
    return {p: f"Person {p}" for p in set(drawn[1].values()) if p is not None}


def by_dlibs_rule(monkeypatch) -> None:
    """Likenesses loaded from now on read every figure by dlib's rule, as before calibration."""
    monkeypatch.setattr(likeness_module, "calibrated", lambda vectors, owners: DLIB)


def first_suggestions(likeness: Likeness, truth: dict[str, str]) -> dict[str, list[int]]:
    """The unassigned faces' first suggestions, right and wrong: the whole percents shown."""
    read = {"right": [], "wrong": []}
    for face_id, found in likeness.suggest_unassigned().items():
        if found:
            read["right" if found[0].person_id == truth[face_id] else "wrong"].append(shown(found[0].similarity))
    return read


def test_the_demo_is_read_by_a_rule_measured_on_its_named_faces(drawn):
    likeness = run(Likeness.load(backend_of(drawn), people_of(drawn)))
    assert likeness.calibration.faces == sum(p is not None for p in drawn[1].values())
    assert likeness.calibration.middle < 0.45  # the drawn faces lie nearer together than photos: not dlib's 0.6


def test_two_different_people_of_the_demo_no_longer_both_read_99(drawn, monkeypatch):
    likeness = run(Likeness.load(backend_of(drawn), people_of(drawn)))
    pairs = likeness.similar_people()
    assert all(shown(pair.similarity) < 99 for pair in pairs)
    by_dlibs_rule(monkeypatch)
    before = run(Likeness.load(backend_of(drawn), people_of(drawn))).similar_people()
    assert sum(shown(pair.similarity) >= 99 for pair in before) >= 5  # how it was


def test_the_demo_first_suggestions_are_right_as_often_and_their_figure_says_how_sure(drawn, monkeypatch):
    truth = drawn[2]
    read = first_suggestions(run(Likeness.load(backend_of(drawn), people_of(drawn))), truth)
    by_dlibs_rule(monkeypatch)
    before = first_suggestions(run(Likeness.load(backend_of(drawn), people_of(drawn))), truth)
    assert len(read["right"]) >= len(before["right"]) > 0
    assert set(before["right"] + before["wrong"]) == {99}  # every figure read 99 %: it told nothing
    assert statistics.median(read["right"]) >= 80 and min(read["right"]) < 99


def test_the_second_suggestion_of_a_drawn_face_reads_less_than_the_first(drawn):
    """Each unassigned face rightly suggested: its person and the next nearest no longer read alike."""
    truth = drawn[2]
    likeness = run(Likeness.load(backend_of(drawn), people_of(drawn)))
    gaps = [shown(found[0].similarity) - (shown(found[1].similarity) if len(found) > 1 else 0)
            for face_id, found in likeness.suggest_unassigned().items()
            if found and found[0].person_id == truth[face_id]]
    assert gaps and statistics.median(gaps) >= 10  # by dlib's rule both read 99 %: 0


def test_faces_embedded_after_loading_measure_the_rule_again(drawn):
    """The demo's first start: the window loads the likeness before the background
    learning has embedded the faces; once they come, its figures are a fresh load's."""
    backend = backend_of(drawn)
    embeddings = dict(backend.vectors)
    backend.vectors.clear()
    likeness = run(Likeness.load(backend, people_of(drawn)))
    assert likeness.calibration == DLIB
    backend.vectors.update(embeddings)
    changed = run(likeness.add_faces())
    fresh = run(Likeness.load(backend, people_of(drawn)))
    assert likeness.calibration == fresh.calibration != DLIB
    assert likeness.suggest_unassigned() == fresh.suggest_unassigned()
    assert {f for f, found in fresh.suggest_unassigned().items() if found} <= changed


def test_publishing_flags_a_drawn_face_of_someone_else_filed_to_the_person(drawn, monkeypatch):
    """The publishing check reads the library's rule too: by dlib's, every drawn face
    looked like the person it is published as."""
    backend = backend_of(drawn)
    _, filed, truth = drawn
    person = "1"
    theirs = [f for f, p in sorted(filed.items()) if p == person and truth[f] == person][:4]
    stranger = next(f for f, p in sorted(filed.items()) if p is not None and truth[f] != person)
    backend.person.update({f: None for f, p in filed.items() if p == person})
    backend.person.update({f: person for f in (*theirs, stranger)})
    gathered = Gathered(Person(person, "Person 1"), Publication("Person 1", person, None), (),
                        {f"picture {f}": (f"face {f}", 150, 150) for f in (*theirs, stranger)},
                        face_of={f"picture {f}": f for f in (*theirs, stranger)})

    def flagged() -> set[str]:
        checked = check_faces(gathered, run(Likeness.load(backend, people_of(drawn)))).likeness
        return {gathered.face_of[picture] for picture, alike in checked.items() if alike < LOOKS_LIKE}

    assert flagged() == {stranger}
    by_dlibs_rule(monkeypatch)
    assert flagged() == set()  # how it was


def test_with_too_few_named_faces_the_rule_is_dlibs(drawn):
    embeddings, _, truth = drawn
    faces = sorted(embeddings)[:LEAST_SAMPLES // 2]
    assert calibrated(np.array([embeddings[f] for f in faces]), np.array([int(truth[f]) for f in faces])) == DLIB
    assert calibrated(np.zeros((0, 128)), np.zeros(0, np.int64)) == DLIB
