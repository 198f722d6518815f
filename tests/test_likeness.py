"""Who is this: `Likeness` on the real photos of tests/data (their dlib embeddings), on an
in-memory backend that compares faces (tests/fakes/comparing.py)."""

from __future__ import annotations

import asyncio
import functools

import numpy as np
import pytest

from altered_photos import altered_faces, real_faces
from faceboard.backends.base import FaceQuality
from faceboard.domain import Person
from faceboard.recognition.similarity import DLIB
from faceboard.services.likeness import MIN_SIMILARITY, Likeness
from faceboard.services.operations import Change
from tests.fakes.comparing import FakeComparing

PEOPLE = {"whitson": "Peggy Whitson", "wiseman": "Reid Wiseman", "rubins": "Kate Rubins", "collins": "Eileen Collins"}
TWICE = ("whitson", "wiseman")  # people with two photos the embedder finds alike (Rubins' second is a profile)


def on_a_loop(test):
    """An async test run to its end on a fresh asyncio loop (no Qt here)."""
    @functools.wraps(test)
    def run(*args, **kwargs):
        return asyncio.run(test(*args, **kwargs))
    return run


@pytest.fixture(scope="session")
def faces():
    return real_faces()


@pytest.fixture(scope="session")
def embeddings(faces) -> dict[str, np.ndarray]:
    """Each face of tests/data's photos: "whitson_iss", "sts131_crew-3", ..."""
    return {face.key: face.vector for face in faces}


@pytest.fixture(scope="session")
def copies(tmp_path_factory):
    """A copy of each photo, altered (cut, mirrored, lit, scaled, turned, blurred, JPEG)."""
    return altered_faces(tmp_path_factory.mktemp("altered"), copies=1)


@pytest.fixture
def backend(embeddings):
    return FakeComparing(embeddings)


def person(person_id: str) -> Person:
    return Person(person_id, PEOPLE[person_id])


def moved(backend: FakeComparing, moves: dict[str, str | None]) -> Change:
    """The change the curator reports for a reassignment."""
    faces = backend.move(moves)
    return Change(persons=tuple(person(p) for p in {p for p in moves.values() if p}), faces=faces)


async def loaded(backend: FakeComparing) -> Likeness:
    return await Likeness.load(backend, PEOPLE)


async def applied(likeness: Likeness, change: Change) -> set[str]:
    """A change applied, and the work it left for off the event loop done: whose suggestions changed."""
    return likeness.apply(change) | await likeness.catch_up()


def first(likeness: Likeness, face_id: str) -> str | None:
    found = likeness.suggestions(face_id)
    return found[0].person_id if found else None


@on_a_loop
async def test_after_one_face_of_a_person_is_named_their_other_faces_suggest_them_first(backend):
    likeness = await loaded(backend)
    assert likeness.suggest_unassigned()["whitson_iss"] == ()  # no one named yet
    changed = set()
    for name in TWICE:
        changed |= await applied(likeness, moved(backend, {f"{name}_portrait": name}))
    for name in TWICE:
        assert first(likeness, f"{name}_iss") == name
        assert likeness.suggest_unassigned()[f"{name}_iss"][0].person_id == name
        assert likeness.suggestions(f"{name}_iss")[0].similarity > 0.5
        assert f"{name}_iss" in changed
    others = [f for f in backend.vectors if f.split("_")[0] not in TWICE]
    assert others and all(first(likeness, f) not in TWICE for f in others)


@on_a_loop
async def test_suggestions_loaded_from_the_backend_are_those_kept_up_to_date(backend):
    """A change applied keeps every unassigned face's suggestions as a fresh load finds them."""
    likeness = await loaded(backend)
    steps = [
        moved(backend, {"whitson_portrait": "whitson", "wiseman_portrait": "wiseman", "collins": "collins"}),
        moved(backend, {"whitson_iss": "whitson", "rubins_portrait": "rubins", "rubins_iss": "rubins"}),
        moved(backend, {"whitson_iss": None, "wiseman_iss": "whitson"}),  # a wrong move, then put right
        moved(backend, {"wiseman_iss": "wiseman"}),
    ]
    backend.deleted.add("sts131_crew-3")
    steps.append(Change(removed_face_ids=("sts131_crew-3",)))
    backend.rejected.add(("whitson_iss", "whitson"))
    steps.append(Change(rejected=(("whitson_iss", "whitson"),)))
    for step in steps:
        await applied(likeness, step)
    assert likeness.suggest_unassigned() == (await loaded(backend)).suggest_unassigned()
    assert likeness.similar_people() == (await loaded(backend)).similar_people()


@on_a_loop
async def test_a_rejected_person_is_never_suggested(backend):
    backend.person["whitson_portrait"] = "whitson"
    likeness = await loaded(backend)
    assert first(likeness, "whitson_iss") == "whitson"
    assert await applied(likeness, Change(rejected=(("whitson_iss", "whitson"),))) == {"whitson_iss"}
    assert all(s.person_id != "whitson" for s in likeness.suggestions("whitson_iss", limit=10))
    assert likeness.suggest_unassigned()["whitson_iss"] == ()
    await applied(likeness, moved(backend, {"whitson_iss": None, "collins": "whitson"}))  # Whitson changes: not her
    assert all(s.person_id != "whitson" for s in likeness.suggestions("whitson_iss", limit=10))
    backend.rejected.add(("whitson_iss", "whitson"))
    assert all(s.person_id != "whitson" for s in (await loaded(backend)).suggestions("whitson_iss", limit=10))
    assert await applied(likeness, Change(unrejected=(("whitson_iss", "whitson"),))) == {"whitson_iss"}
    assert first(likeness, "whitson_iss") == "whitson"


@on_a_loop
async def test_no_face_is_suggested_its_own_person_and_no_one_is_below_the_least_similarity(backend):
    for name in TWICE:
        backend.person[f"{name}_portrait"] = backend.person[f"{name}_iss"] = name
    likeness = await loaded(backend)
    for face_id, owner in backend.person.items():
        found = likeness.suggestions(face_id, limit=20)
        assert all(s.person_id != owner and s.similarity >= MIN_SIMILARITY for s in found)
    assert likeness.suggestions("no such face") == ()


@on_a_loop
async def test_deleted_faces_and_people_are_no_longer_suggested(backend):
    likeness = await loaded(backend)
    await applied(likeness, moved(backend, {"whitson_portrait": "whitson", "wiseman_portrait": "wiseman"}))
    deleted = await applied(likeness, Change(removed_face_ids=("whitson_portrait",)))
    assert deleted >= {"whitson_portrait", "whitson_iss"}
    assert first(likeness, "whitson_iss") is None and likeness.vector("whitson_portrait") is None
    await applied(likeness, Change(removed_person_ids=("wiseman",)))  # a backend letting the faces go with them
    assert first(likeness, "wiseman_iss") is None
    assert "wiseman_portrait" in likeness.suggest_unassigned()  # unassigned now


@on_a_loop
async def test_a_merge_moves_the_faces_and_the_merged_person_goes(backend):
    likeness = await loaded(backend)
    await applied(likeness, moved(backend, {"whitson_portrait": "whitson", "whitson_iss": "collins"}))
    assert likeness.similar_people()[0].first_id in {"whitson", "collins"}
    merge = moved(backend, {"whitson_iss": "whitson"})
    await applied(likeness, Change(persons=merge.persons, faces=merge.faces, removed_person_ids=("collins",)))
    assert likeness.typicality("whitson").keys() == {"whitson_portrait", "whitson_iss"}
    assert likeness.typicality("collins") == {} and likeness.similar_people() == ()


@on_a_loop
async def test_a_renamed_person_is_suggested_by_their_new_name(backend):
    backend.person["whitson_portrait"] = "whitson"
    likeness = await loaded(backend)
    assert await applied(likeness, Change(persons=(Person("whitson", "Peggy A. Whitson"),))) == {"whitson_iss"}
    assert likeness.suggest_unassigned()["whitson_iss"][0].name == "Peggy A. Whitson"


@on_a_loop
async def test_typicality_puts_a_planted_wrong_face_first(backend):
    for face_id in ("whitson_portrait", "whitson_iss", "collins"):
        backend.person[face_id] = "whitson"
    likeness = await loaded(backend)
    typical = likeness.typicality("whitson")
    assert min(typical, key=typical.get) == "collins"
    assert typical["collins"] < 0.5


@on_a_loop
async def test_a_picture_is_as_alike_to_a_person_as_to_their_faces(backend, embeddings):
    backend.person["wiseman_portrait"] = "wiseman"
    likeness = await loaded(backend)
    alike = likeness.likeness_to("wiseman", embeddings["wiseman_iss"])
    assert alike == pytest.approx(likeness.suggestions("wiseman_iss")[0].similarity, abs=1e-4) and alike > 0.5
    assert likeness.likeness_to("wiseman", embeddings["collins"]) < MIN_SIMILARITY
    assert likeness.likeness_to("whitson", embeddings["collins"]) is None  # no faces
    assert np.array_equal(likeness.vector("collins"), embeddings["collins"])


@on_a_loop
async def test_faces_a_scan_adds_are_suggested_and_improve_the_person(backend, embeddings):
    backend.person["whitson_portrait"] = "whitson"
    late = {"whitson_iss": backend.vectors.pop("whitson_iss")}
    likeness = await loaded(backend)
    assert likeness.suggestions("whitson_iss") == ()
    backend.vectors.update(late)
    backend.person["whitson_iss"] = None
    assert await likeness.add_faces(["whitson_iss"]) == {"whitson_iss"}
    assert first(likeness, "whitson_iss") == "whitson"
    assert await likeness.add_faces() == set()  # nothing new
    read = backend.vectors_read
    backend.vectors["whitson_portrait~new"] = backend.vectors["whitson_portrait"] + 0.001
    backend.person["whitson_portrait~new"] = None
    assert await likeness.add_faces() == {"whitson_portrait~new"}
    assert backend.vectors_read == read + 1  # only the face embedded since, not every face again


@on_a_loop
async def test_a_face_without_an_embedding_is_asked_for_once_and_comes_once_embedded(backend):
    backend.person["whitson_portrait"] = "whitson"
    late = {"whitson_iss": backend.vectors.pop("whitson_iss")}
    likeness = await loaded(backend)
    change = moved(backend, {"whitson_iss": "whitson"})
    assert likeness.unknown_faces(change) == ["whitson_iss"]
    assert await likeness.add_faces(likeness.unknown_faces(change)) == set()  # the backend has none for it
    assert likeness.unknown_faces(moved(backend, {"whitson_iss": None})) == []  # not read again at each move
    backend.vectors.update(late)
    assert await likeness.add_faces() == {"whitson_iss"}  # embedded since: read with every face new to it
    assert "whitson_iss" in likeness and first(likeness, "whitson_iss") == "whitson"


def group_names(groups, truth) -> list[set[str]]:
    return [{truth[f] for f in group.face_ids} for group in groups]


@on_a_loop
async def test_groups_never_mix_two_people_of_the_test_photos(faces, copies, tmp_path):
    seen = faces + copies
    truth = {face.key: face.person for face in seen}
    backend = FakeComparing({face.key: face.vector for face in seen}, index_folder=tmp_path)
    likeness = await loaded(backend)
    groups = await likeness.groups()
    assert len(groups) >= 10 and all(len(g.face_ids) >= 2 for g in groups)
    assert all(len(people) == 1 for people in group_names(groups, truth))
    assert [len(g.face_ids) for g in groups] == sorted((len(g.face_ids) for g in groups), reverse=True)
    assert all(g.id == "group-" + min(g.face_ids) for g in groups)
    hers = next(g for g in groups if "whitson_portrait" in g.face_ids)
    assert "whitson_portrait~1" in hers.face_ids  # a copy of her portrait

    await applied(likeness, moved(backend, {"whitson_portrait": "whitson"}))  # named: her faces are no longer unknown
    assert not any(truth[f] == "whitson" for g in await likeness.groups() for f in g.face_ids)


@on_a_loop
async def test_the_kept_index_is_read_again_not_built_on_a_second_load(faces, tmp_path):
    backend = FakeComparing({face.key: face.vector for face in faces}, index_folder=tmp_path)
    first_load = await loaded(backend)
    groups = await first_load.groups()
    assert first_load.index.added == len(faces) and not first_load.index.opened
    again = await loaded(backend)
    assert await again.groups() == groups
    assert again.index.opened and again.index.added == 0  # read from the folder
    backend.vectors["whitson_iss~again"] = backend.vectors["whitson_iss"] + 0.001
    assert await again.add_faces(["whitson_iss~again"]) == {"whitson_iss~again"}
    await again.groups()
    assert again.index.added == 1  # only the new face joins it
    third = await loaded(backend)
    await third.groups()
    assert third.index.opened and third.index.added == 0  # kept with the face added


@on_a_loop
async def test_groups_without_a_folder_are_made_in_memory(faces):
    backend = FakeComparing({face.key: face.vector for face in faces})
    likeness = await loaded(backend)
    await likeness.groups()
    assert likeness.index.added == len(faces) and not likeness.index.opened


@on_a_loop
async def test_the_best_primary_is_large_sharp_frontal_well_lit_and_typical(backend):
    for face_id in ("whitson_portrait", "whitson_iss", "collins"):
        backend.person[face_id] = "whitson"
    backend.qualities = {
        "whitson_portrait": FaceQuality(412, 900.0, 0.95, 0.5),
        "whitson_iss": FaceQuality(120, 300.0, 0.6, 0.2),
        "collins": FaceQuality(500, 950.0, 0.95, 0.5),  # a fine picture of someone else: not typical
    }
    likeness = await loaded(backend)
    best = await likeness.best_primary("whitson")
    assert [c.face_id for c in best][0] == "whitson_portrait"
    assert best[0].reasons == ("frontal", "well lit", "typical", "412\u00a0px")
    assert best[0].score > best[1].score
    backend.qualities["whitson_portrait"] = FaceQuality(412, None, None, None)  # found by an older build
    older = {c.face_id: c for c in await likeness.best_primary("whitson")}["whitson_portrait"]
    assert older.reasons == ("typical", "412\u00a0px")  # what is known of it
    assert await likeness.best_primary("nobody") == ()


@on_a_loop
async def test_a_change_is_applied_at_once_and_the_farther_faces_catch_up_off_the_event_loop(backend):
    likeness = await loaded(backend)
    assert likeness.apply(moved(backend, {"whitson_portrait": "whitson"})) == {"whitson_portrait"}
    assert likeness.behind  # whitson_iss kept no Whitson: it is measured by catch_up
    assert first(likeness, "whitson_iss") == "whitson"  # asked meanwhile: measured on asking
    assert likeness.suggest_unassigned()["whitson_iss"] == ()
    assert await likeness.catch_up() == {"whitson_iss"}
    assert not likeness.behind and likeness.suggest_unassigned()["whitson_iss"][0].person_id == "whitson"
    assert likeness.apply(moved(backend, {"whitson_portrait": "whitson"})) == set()  # answered as predicted


@on_a_loop
async def test_on_photos_the_rule_measured_on_the_named_faces_is_dlibs(faces, copies):
    """The calibration (tests/test_calibration.py has the demo's) finds dlib's own 0.6 on
    real photos, every face named; with the few named above, it is dlib's rule itself."""
    seen = faces + copies
    backend = FakeComparing({face.key: face.vector for face in seen})
    backend.person.update({face.key: face.person for face in seen})
    likeness = await Likeness.load(backend, {face.person: face.person for face in seen})
    assert likeness.calibration.faces == len(seen)
    assert likeness.calibration.middle == pytest.approx(0.6, abs=0.05)
    few = FakeComparing({face.key: face.vector for face in faces})
    few.person.update({f"{name}_portrait": name for name in ("whitson", "wiseman", "rubins")})
    assert (await loaded(few)).calibration == DLIB  # one face each: nothing to measure the same person on


@on_a_loop
async def test_while_behind_a_face_is_suggested_as_a_full_measure_would_from_its_kept_people_and_those_changed():
    """Between a change and `catch_up`, a face's suggestions come from its kept people and
    the people changed since, measured again (not from all 10,000 people at each tile and
    each Review decision): the same as measuring it against everyone, every time, also
    where a kept person went farther and someone not kept came nearer."""
    rng = np.random.default_rng(7)
    names = {f"p{i}": f"Person {i}" for i in range(15)}
    centres = rng.normal(size=(15, 128))
    centres = 0.28 * centres / np.linalg.norm(centres, axis=1, keepdims=True)  # people 0.35-0.45 apart
    vectors, owners = {}, {}
    for i, centre in enumerate(centres):
        for k in range(3):
            vectors[f"p{i}_{k}"] = (centre + rng.normal(scale=0.015, size=128)).astype(np.float32)
            owners[f"p{i}_{k}"] = f"p{i}"
    for k in range(60):  # unassigned faces between two people, or amid them all: many near enough to keep
        one, other = rng.choice(15, 2, replace=False)
        amid = centres.mean(axis=0) if k % 2 else 0.4 * centres[other]
        vectors[f"u{k}"] = (0.6 * centres[one] * (k % 2 == 0) + amid + 0.2 * centres[one] * (k % 2)
                            + rng.normal(scale=0.02, size=128)).astype(np.float32)
    backend = FakeComparing(vectors)
    backend.person.update(owners)
    likeness = await Likeness.load(backend, names)
    likeness._calibrate(DLIB)  # by dlib's rule everyone here is near enough to keep: the kept lists are full
    likeness._measure(np.flatnonzero(likeness._unassigned_mask()))
    unassigned = [f for f in vectors if f.startswith("u")]
    assert sum(likeness._top_p[likeness._row[f], -1] >= 0 for f in unassigned) >= 20  # kept lists that are full
    full = []
    original = likeness._ranked
    likeness._ranked = lambda rows, limit, *rest, **kw: full.append(len(rows)) or original(rows, limit, *rest, **kw)

    def everyone(face_id: str):
        people, d2 = original(np.array([likeness._row[face_id]]), 3)
        return likeness._suggestions_of(people[0], d2[0], 3)

    def same(face_id: str) -> bool:  # the people, and the figures but for float32 sums in another order
        found, truth = likeness.suggestions(face_id), everyone(face_id)
        return [s.person_id for s in found] == [s.person_id for s in truth] and \
            all(abs(a.similarity - b.similarity) < 1e-3 for a, b in zip(found, truth))

    named = [f for f in vectors if not f.startswith("u")]
    for step in range(12):
        moves = {str(f): f"p{rng.integers(15)}" for f in rng.choice(named, 2, replace=False)}
        change = Change(persons=tuple(Person(p, names[p]) for p in set(moves.values())), faces=backend.move(moves))
        likeness.apply(change)
        assert likeness.behind
        full.clear()
        for face_id in unassigned:
            assert same(face_id), (step, face_id, likeness.suggestions(face_id), everyone(face_id))
        assert sum(full) < len(unassigned)  # some from their kept people (the rest wait to be measured in full)
        if step % 3 == 2:
            await likeness.catch_up()
            assert not likeness.behind
            assert all(same(f) for f in unassigned)
    await likeness.catch_up()
    emptied = {f: "p14" for f in named if owners[f] in {f"p{i}" for i in range(7)}}  # most kept people go
    likeness.apply(Change(persons=(Person("p14", names["p14"]),), faces=backend.move(emptied)))
    full.clear()
    assert all(same(f) for f in unassigned) and full  # some kept too few to say: measured against everyone
    catching = asyncio.ensure_future(likeness.catch_up())
    while not likeness._catching_people:  # the people changed are being caught up, on a thread
        await asyncio.sleep(0)
    assert all(same(f) for f in unassigned)
    await catching
    assert all(same(f) for f in unassigned)
