import sqlite3

import pytest
from conftest import run

from faceboard.backends.local import LocalLibrary
from faceboard.backends.local.schema import SCHEMA_VERSION
from faceboard.errors import Conflict, InvalidInput, NotFound


def test_new_library_has_current_schema_and_wal(tmp_path):
    lib = LocalLibrary(tmp_path / "new")
    try:
        assert lib.is_empty()
        db = sqlite3.connect(tmp_path / "new" / "library.sqlite3")
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        lib.close_now()


def test_library_from_a_newer_faceboard_is_refused(tmp_path):
    LocalLibrary(tmp_path / "lib").close_now()
    db = sqlite3.connect(tmp_path / "lib" / "library.sqlite3")
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.close()
    with pytest.raises(InvalidInput, match="newer Faceboard"):
        LocalLibrary(tmp_path / "lib")


def test_changes_survive_reopening(library_folder):
    lib = LocalLibrary(library_folder)
    face = run(lib.list_faces(None)).items[0]
    run(lib.assign_faces([(face.id, "3")]))
    run(lib.update_person("3", name="Renamed Person"))
    lib.close_now()
    again = LocalLibrary(library_folder)
    try:
        assert run(again.get_faces([face.id]))[0].person_id == "3"
        assert run(again.get_people(["3"]))[0].name == "Renamed Person"
    finally:
        again.close_now()


def test_exactly_one_primary_is_kept_when_the_primary_is_removed(library):
    person = next(p for p in run(library.list_people()).items if p.primary_thumbnail_id)
    extra = run(library.add_face_thumbnail(person.id, run(library.list_faces(person.id)).items[-1].id))
    assert not extra.is_primary
    run(library.remove_thumbnails(person.id, [person.primary_thumbnail_id]))
    thumbnails = run(library.list_thumbnails(person.id))
    assert sum(t.is_primary for t in thumbnails) == 1
    assert person.primary_thumbnail_id not in {t.id for t in thumbnails}
    run(library.restore_thumbnails(person.id, [person.primary_thumbnail_id]))
    assert sum(t.is_primary for t in run(library.list_thumbnails(person.id))) == 1


def test_refusals_change_nothing(library):
    face = run(library.list_faces("1")).items[0]
    with pytest.raises(NotFound):
        run(library.assign_faces([(face.id, "9999")]))
    with pytest.raises(NotFound):
        run(library.assign_faces([(face.id, "2"), ("99999", "2")]))
    assert run(library.get_faces([face.id]))[0].person_id == "1"
    with pytest.raises(Conflict, match="still has"):
        run(library.delete_person("1"))
    other = run(library.list_thumbnails("3"))
    if other:
        with pytest.raises(Conflict):
            run(library.set_primary_thumbnail("1", other[0].id))
    with pytest.raises(InvalidInput):
        run(library.read_image("../library.sqlite3"))
    with pytest.raises(InvalidInput):
        run(library.create_person("   "))
    with pytest.raises(InvalidInput):
        run(library.add_thumbnail("1", b"not an image"))


def test_faces_are_paged_by_cursor(library):
    first = run(library.list_faces("1", limit=5))
    second = run(library.list_faces("1", cursor=first.next_cursor, limit=5))
    assert len(first.items) == 5 and first.next_cursor
    assert not {f.id for f in first.items} & {f.id for f in second.items}
    everything = run(library.list_faces("1", limit=1000))
    assert everything.next_cursor is None
    assert len(everything.items) == run(library.get_people(["1"]))[0].face_count


def test_a_version_1_library_is_migrated_and_keeps_its_faces(tmp_path):
    from faceboard.backends.local.schema import MIGRATIONS, _statements

    folder = tmp_path / "old"
    (folder / "images" / "assets").mkdir(parents=True)
    db = sqlite3.connect(folder / "library.sqlite3")
    for statement in _statements(MIGRATIONS[0]):
        db.execute(statement)
    db.execute("INSERT INTO persons (id, name) VALUES (1, 'Ada')")
    db.execute("INSERT INTO assets (id, path, width, height) VALUES (1, 'assets/1.jpg', 100, 100)")
    db.execute("INSERT INTO faces (id, asset_id, x, y, w, h, person_id) VALUES (7, 1, 0, 0, 10, 10, 1)")
    db.execute("PRAGMA user_version = 1")
    db.commit()
    db.close()
    lib = LocalLibrary(folder)
    try:
        assert [f.id for f in run(lib.list_faces("1")).items] == ["7"]
        run(lib.delete_faces(["7"]))
        assert run(lib.get_people(["1"]))[0].face_count == 0
        run(lib.restore_faces(["7"]))
        assert run(lib.get_people(["1"]))[0].face_count == 1
    finally:
        lib.close_now()
    assert sqlite3.connect(folder / "library.sqlite3").execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
