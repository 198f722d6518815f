"""Every operation and its inverse, against the real local library."""

import pytest
from conftest import run

from faceboard.backends.local import LocalLibrary
from faceboard.domain import Capability
from faceboard.errors import Conflict, NotFound, Unsupported
from faceboard.services.curator import Curator
from faceboard.services.operations import (
    AddFace,
    AddThumbnails,
    AssignFaces,
    CreatePerson,
    DeleteFaces,
    DeletePerson,
    MergePeople,
    RejectSuggestions,
    RemoveThumbnails,
    RestoreFaces,
    RestoreSuggestions,
    SetPrimary,
    SetPrimaryFromFace,
    UpdatePerson,
    describe,
)


def snapshot(curator):
    """Everything a user can see: people, faces per person, thumbnails and primaries."""

    async def read():
        people = await curator.all_people()
        faces = {}
        for scope in [None, *[p.id for p in people]]:
            faces[scope] = sorted(f.id for f in (await curator.faces_page(scope, limit=10_000)).items)
        thumbnails = {p.id: await curator.thumbnails(p.id) for p in people}
        return people, faces, thumbnails

    return run(read())


def round_trip(curator, operation):
    """Apply, undo, redo, undo again: the library must end exactly as it started, and
    the redo must land exactly where the first application did."""
    before = snapshot(curator)
    change = run(curator.apply(operation))
    after = snapshot(curator)
    assert after != before
    back = run(curator.apply(change.inverse))
    assert snapshot(curator) == before
    again = run(curator.apply(back.inverse))
    assert snapshot(curator) == after
    run(curator.apply(again.inverse))
    assert snapshot(curator) == before
    return change


@pytest.fixture
def curator(library):
    return Curator(library)


def test_reassign_many_faces_and_back(curator):
    faces = run(curator.faces_page("1")).items[:3] + run(curator.faces_page("2")).items[:2]
    change = round_trip(curator, AssignFaces(tuple((f.id, "4") for f in faces)))
    assert {p.id for p in change.persons} == {"1", "2", "4"}
    assert all(f.person_id == "4" for f in change.faces)


def test_detach_and_back(curator):
    faces = run(curator.faces_page("5")).items[:2]
    before = run(curator.unassigned_count())
    change = round_trip(curator, AssignFaces(tuple((f.id, None) for f in faces)))
    assert change.unassigned_delta == 2
    assert run(curator.unassigned_count()) == before


def test_set_primary_and_back(curator):
    person = next(p for p in run(curator.all_people()) if len(run(curator.thumbnails(p.id))) > 1)
    other = next(t for t in run(curator.thumbnails(person.id)) if not t.is_primary)
    change = round_trip(curator, SetPrimary(person.id, other.id))
    assert change.persons[0].primary_thumbnail_id == other.id


def test_primary_from_a_face_and_back(curator):
    face = run(curator.faces_page("3")).items[-1]
    change = round_trip(curator, SetPrimaryFromFace("3", face.id))
    (person,) = change.persons
    primary = next(t for _, ts in change.thumbnails for t in ts if t.is_primary)
    assert person.primary_thumbnail_id == primary.id


def test_primary_from_someone_elses_face_is_refused(curator):
    face = run(curator.faces_page("4")).items[0]
    before = snapshot(curator)
    with pytest.raises(Conflict):
        run(curator.apply(SetPrimaryFromFace("3", face.id)))
    assert snapshot(curator) == before


def test_add_thumbnails_and_back(curator, tmp_path):
    from PIL import Image

    from faceboard.imaging import prepare_upload

    path = tmp_path / "portrait.png"
    Image.new("RGB", (300, 400), (200, 40, 40)).save(path)
    round_trip(curator, AddThumbnails("6", (prepare_upload(path),), make_primary=True))


def test_remove_thumbnail_and_back(curator):
    person = next(p for p in run(curator.all_people()) if p.primary_thumbnail_id)
    round_trip(curator, RemoveThumbnails(person.id, (person.primary_thumbnail_id,)))


def test_create_person_from_faces_and_back_keeps_the_same_id(curator):
    faces = run(curator.faces_page(None)).items[:4]
    round_trip(curator, CreatePerson("Newcomer", tuple(f.id for f in faces)))
    created = run(curator.apply(CreatePerson("Second", tuple(f.id for f in faces))))
    undone = run(curator.apply(created.inverse))
    assert created.created_person_id not in {p.id for p in run(curator.all_people())}
    run(curator.apply(undone.inverse))  # redo restores the very same person, faces and primary
    person = run(curator.person(created.created_person_id))
    assert person.name == "Second" and person.face_count == 4 and person.primary_thumbnail_id


def test_rename_and_hide_and_back(curator):
    round_trip(curator, UpdatePerson("7", name="Someone Else"))
    round_trip(curator, UpdatePerson("7", hidden=True))


def test_unknown_ids_are_refused_and_change_nothing(curator):
    before = snapshot(curator)
    face = run(curator.faces_page("1")).items[0]
    for operation in (AssignFaces(((face.id, "424242"),)), SetPrimary("1", "999999"), UpdatePerson("999", name="x")):
        with pytest.raises(NotFound):
            run(curator.apply(operation))
    assert snapshot(curator) == before


class ReadOnlyLibrary(LocalLibrary):
    """A local library that declares it can only list: like a backend without writes."""

    capabilities = frozenset({Capability.LIST_FACES})


def test_a_missing_capability_is_refused_not_faked(library_folder):
    library = ReadOnlyLibrary(library_folder)
    try:
        curator = Curator(library)
        face = run(curator.faces_page("1")).items[0]
        with pytest.raises(Unsupported, match="cannot reassign faces"):
            run(curator.apply(AssignFaces(((face.id, "2"),))))
        assert run(library.get_faces([face.id]))[0].person_id == "1"
    finally:
        library.close_now()


def test_descriptions_name_people():
    names = {"1": "Ada"}
    assert describe(AssignFaces((("5", "1"), ("6", "1"))), names) == "Move 2 faces to Ada"
    assert describe(AssignFaces((("5", None),)), names) == "Detach face"
    assert describe(UpdatePerson("1", hidden=True), names) == "Hide Ada"


def test_merge_people_and_back(curator):
    change = round_trip(curator, MergePeople("1", ("2", "3")))
    assert set(change.removed_person_ids) == {"2", "3"}
    (target,) = [p for p in change.persons if p.id == "1"]
    assert target.face_count >= 15


def test_delete_faces_and_back(curator):
    faces = run(curator.faces_page("4")).items[:2]
    change = round_trip(curator, DeleteFaces(tuple(f.id for f in faces)))
    assert change.removed_face_ids == tuple(f.id for f in faces)


def test_delete_a_person_with_faces_unassigns_them_and_back(curator):
    faces = {f.id for f in run(curator.faces_page("4")).items}
    change = round_trip(curator, DeletePerson("4"))
    assert change.removed_person_ids == ("4",) and change.unassigned_delta == len(faces) > 0
    assert {f.id for f in change.faces} == faces and all(f.person_id is None for f in change.faces)


def test_a_face_drawn_on_its_photo_and_back_keeps_its_id_and_is_not_drawn_twice_on_resuming(curator):
    from faceboard.domain import BoundingBox
    from faceboard.services.journal import decode, encode

    photo, _ = run(curator.photo("2"))
    drawn = AddFace("2", BoundingBox(20, 20, 80, 90))
    assert decode(*encode(drawn)) == drawn  # the journal keeps it as it was made
    change = round_trip(curator, drawn)
    (face,) = change.faces
    assert (face.asset_id, face.box, face.person_id) == ("2", drawn.box, None) and change.unassigned_delta == 1
    assert change.inverse == DeleteFaces((face.id,)) and describe(drawn, {}) == "Add a face"
    run(curator.apply(RestoreFaces((face.id,))))  # drawn, then Faceboard stopped before the answer
    again = run(curator.reapply(drawn, {}))
    assert again.faces[0].id == face.id
    assert len(run(curator.photo("2"))[0].faces) == len(photo.faces) + 1


def test_rejecting_suggestions_and_back_forgets_only_what_it_rejected(curator):
    from faceboard.services.journal import decode, encode

    loose = [f.id for f in run(curator.faces_page(None)).items[:3]]
    earlier, *pairs = [(loose[0], "1"), (loose[1], "1"), (loose[2], "1"), (loose[1], "2")]
    run(curator.apply(RejectSuggestions((earlier,))))
    rejections = lambda: run(curator.backend.rejections())  # noqa: E731

    reject = RejectSuggestions((earlier, *pairs, pairs[0]))  # a pair twice is one
    assert decode(*encode(reject)) == reject  # the journal keeps it as it was made
    change = run(curator.apply(reject))
    assert change.rejected == (earlier, *pairs) and change.unrejected == ()
    assert rejections() == {earlier, *pairs}
    assert change.inverse == RestoreSuggestions(tuple(pairs))  # the rejection made before stays when undone
    assert decode(*encode(change.inverse)) == change.inverse

    back = run(curator.apply(change.inverse))
    assert back.unrejected == tuple(pairs) and back.rejected == ()
    assert rejections() == {earlier}
    assert back.inverse == RejectSuggestions(tuple(pairs))
    again = run(curator.apply(back.inverse))
    assert rejections() == {earlier, *pairs}
    run(curator.apply(again.inverse))
    assert rejections() == {earlier}

    forget = run(curator.apply(RestoreSuggestions((earlier, pairs[0]))))  # one of them not rejected now
    assert rejections() == frozenset() and forget.inverse == RejectSuggestions((earlier,))
    assert run(curator.reapply(reject, {})).rejected == reject.pairs[:-1]  # resumed: rejected once
    assert rejections() == {earlier, *pairs}


def test_a_rejection_of_an_unknown_face_is_refused_and_changes_nothing(curator):
    loose = run(curator.faces_page(None)).items[0].id
    with pytest.raises(NotFound):
        run(curator.apply(RejectSuggestions(((loose, "1"), ("99999", "1")))))
    assert run(curator.backend.rejections()) == frozenset()


def test_a_rejection_is_refused_where_faces_cannot_be_filed(library_folder):
    library = ReadOnlyLibrary(library_folder)
    try:
        with pytest.raises(Unsupported, match="cannot compare faces"):
            run(Curator(library).apply(RejectSuggestions((("4", "1"),))))
    finally:
        library.close_now()


def test_rejections_are_described_by_whom_the_faces_are_not():
    names = {"1": "Ada", "2": "Bo"}
    assert describe(RejectSuggestions((("5", "1"),)), names) == "Not Ada"
    assert describe(RejectSuggestions((("5", "1"), ("6", "1"))), names) == "Not Ada: 2 faces"
    assert describe(RejectSuggestions((("5", "1"), ("6", "2"))), names) == "Not 2 people: 2 faces"
    assert describe(RestoreSuggestions((("5", "1"), ("6", "1"))), names) == "Suggest again: 2 faces"
