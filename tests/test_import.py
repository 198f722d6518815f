"""Importing a user's own photos into the local library: found by content, kept where they
are (or copied when asked), each once however often or wherever it is found, a moved photo
said on its faces and found again, broken files listed once and skipped; and a library
from before photos could be imported still opens and imports."""

import collections
import os
import shutil
import sqlite3

import pytest
from bad_inputs import _png_sized, picture
from conftest import run
from own_photos import REAL_FACES, as_png, copy_photos, demo_photos, inside, real_photos, true_boxes

from faceboard import recognition
from faceboard.backends.local import LocalLibrary
from faceboard.backends.local.library import MOVED
from faceboard.backends.local.schema import MIGRATIONS, SCHEMA_VERSION
from faceboard.domain import BoundingBox, Capability
from faceboard.errors import InvalidInput, NotFound
from faceboard.services.scanning import Scanner


@pytest.fixture
def lib(tmp_path):
    library = LocalLibrary(tmp_path / "library")
    yield library
    library.close_now()


def rows(library, sql, *args):
    db = sqlite3.connect(library.path)
    try:
        return db.execute(sql, args).fetchall()
    finally:
        db.close()


def test_a_folder_of_photos_is_imported_in_place_and_its_faces_found(lib, demo_template, tmp_path):
    folder = tmp_path / "Pictures"
    photos = real_photos(folder)
    drawn = as_png(demo_photos(demo_template, 1)[0], folder / "drawn.png")
    (folder / ".DS_Store").write_bytes(b"\0\0\0\1Bud1")  # hidden: not a photo of the user's, not listed
    assert {Capability.IMPORT_PHOTOS, Capability.SHOW_PHOTOS, Capability.DRAW_FACES} <= lib.capabilities

    progress = run(Scanner(lib).run([folder]))

    assert (progress.photos_added, progress.photos_done, progress.problems) == (4, 4, ())
    status = run(lib.scan_status())
    assert (status.waiting, status.done, status.failed) == (0, 4, 0)
    faces = run(lib.list_faces(None)).items
    assert len(faces) == status.faces == progress.faces_found
    assert all(f.person_id is None and 0 < f.confidence <= 1 and f.photo_problem is None for f in faces)
    found = collections.Counter(f.image.uri for f in faces)  # where they are: nothing copied
    assert {str(p): found[str(p)] for p in photos} == {str(p): REAL_FACES[p.name] for p in photos}
    assert found[str(drawn)] and not any((lib.folder / "images" / "assets").iterdir())
    truth = true_boxes(demo_template, demo_photos(demo_template, 1)[0])
    assert all(inside(f.box, truth) for f in faces if f.image.uri == str(drawn))  # in the photo's pixels
    embeddings = rows(lib, "SELECT face_id, model, length(vector) FROM embeddings")
    assert len(embeddings) == len(faces)
    assert {m for _, m, _ in embeddings} == set(rows(lib, "SELECT DISTINCT embedder FROM assets")[0])
    assert {size for _, _, size in embeddings} == {4 * recognition.EMBEDDING_SIZE}
    assert all(f.taken for f in faces)  # EXIF's date, else the file's


def test_the_same_photo_twice_or_under_another_path_is_added_once(lib, demo_template, tmp_path):
    folder = tmp_path / "Pictures"
    photos = copy_photos(demo_template, folder, 2)
    elsewhere = tmp_path / "Backup" / "copy of first.jpg"
    elsewhere.parent.mkdir()
    shutil.copyfile(photos[0], elsewhere)

    first = run(lib.import_files([str(p) for p in photos] + [str(photos[0])]))
    assert (first.added, first.known) == (2, 1)
    again = run(lib.import_files([str(p) for p in photos] + [str(elsewhere)]))
    assert (again.added, again.known, again.problems) == (0, 3, ())
    assert rows(lib, "SELECT path FROM assets ORDER BY id") == [(str(p),) for p in photos]
    assert run(lib.scan_status()).waiting == 2


def test_a_moved_photo_says_so_on_its_faces_and_is_found_where_it_went(lib, demo_template, tmp_path):
    folder = tmp_path / "Pictures"
    (photo,) = copy_photos(demo_template, folder, 1)
    run(Scanner(lib).run([folder]))
    faces = run(lib.list_faces(None)).items
    assert faces and not any(f.photo_problem for f in faces)

    moved = tmp_path / "Sorted" / "2026" / photo.name
    moved.parent.mkdir(parents=True)
    photo.rename(moved)
    listed = run(lib.list_faces(None)).items
    assert all(MOVED in f.photo_problem and str(photo) in f.photo_problem for f in listed)
    assert MOVED in run(lib.get_faces([faces[0].id]))[0].photo_problem
    assert MOVED in run(lib.photo(faces[0].asset_id)).problem
    with pytest.raises(NotFound, match=MOVED):
        run(lib.read_image(faces[0].image.uri))
    db = sqlite3.connect(lib.path)
    with db:  # a face of an older build, to be learnt while its photo is away
        db.execute("DELETE FROM embeddings WHERE face_id = ?", (int(faces[0].id),))
    db.close()
    assert run(Scanner(lib).run(learn=True)).faces_not_learnt == 1
    assert run(lib.scan_status()).to_learn == 0  # not tried again while the photo is away

    report = run(lib.import_files([str(moved)]))  # found again: the same photo, its faces kept, not scanned again
    assert (report.added, report.known) == (0, 1)
    found = run(lib.list_faces(None)).items
    assert [f.id for f in found] == [f.id for f in faces]
    assert all(f.image.uri == str(moved) and f.photo_problem is None for f in found)
    assert run(lib.scan_status()).waiting == 0
    assert run(lib.read_image(str(moved))) == moved.read_bytes()
    assert run(lib.scan_status()).to_learn == 1  # its photo can be read again
    learnt = run(Scanner(lib).run(learn=True))
    assert (learnt.faces_learnt, learnt.faces_not_learnt) == (1, 0)
    assert faces[0].id in run(lib.face_vectors()).face_ids


def test_broken_files_are_listed_once_with_the_reason_and_the_rest_imported(lib, demo_template, tmp_path):
    folder = tmp_path / "Pictures"
    copy_photos(demo_template, folder, 1)
    good = demo_photos(demo_template, 1)[0].read_bytes()
    (folder / "cut short.jpg").write_bytes(good[: len(good) // 2])
    (folder / "notes.jpg").write_text("Remember to buy milk.\n")
    (folder / "bomb.png").write_bytes(_png_sized(20000, 20000))
    (folder / "empty.jpg").write_bytes(b"")
    (folder / "animation.gif").write_bytes(picture("GIF"))

    progress = run(Scanner(lib).run([folder]))

    said = {os.path.basename(p.path): p.reason for p in progress.problems}
    assert set(said) == {"cut short.jpg", "notes.jpg", "bomb.png", "empty.jpg", "animation.gif"}
    assert "truncated" in said["cut short.jpg"]
    assert "text file" in said["notes.jpg"] and "not a photo" in said["notes.jpg"]
    assert "too large" in said["bomb.png"]
    assert "empty" in said["empty.jpg"]
    assert "GIF" in said["animation.gif"]
    assert len(progress.problems) == 5  # each once
    status = run(lib.scan_status())
    assert (status.done, status.failed) == (1, 1) and status.faces > 0
    assert {os.path.basename(p.path) for p in run(lib.import_problems())} == set(said)

    assert run(Scanner(lib).run([folder])).problems == ()  # listed once: not again on the next import
    (folder / "notes.jpg").write_bytes(good[:-1] + b"\xd9")  # replaced by a photo: imported, no longer a problem
    assert run(lib.import_files([str(folder / "notes.jpg")])).problems == ()
    assert "notes.jpg" not in {os.path.basename(p.path) for p in run(lib.import_problems())}


def test_copying_puts_the_photo_in_the_library_and_leaves_the_original(lib, demo_template, tmp_path):
    (photo,) = copy_photos(demo_template, tmp_path / "card", 1)
    report = run(lib.import_files([str(photo)], copy=True))
    assert report.added == 1
    ((path,),) = rows(lib, "SELECT path FROM assets")
    assert not os.path.isabs(path)
    assert (lib.folder / "images" / path).read_bytes() == photo.read_bytes()
    photo.unlink()  # the card is taken out: the library has its own copy
    (pending,) = run(lib.pending_photos(10))
    assert os.path.isfile(pending.path)
    assert run(lib.read_image(path)) == (lib.folder / "images" / path).read_bytes()


def test_only_imported_photos_are_read_by_their_absolute_path(lib, tmp_path):
    other = tmp_path / "secret.jpg"
    other.write_bytes(picture("JPEG"))
    with pytest.raises(InvalidInput, match="outside the library"):
        run(lib.read_image(str(other)))


def test_the_photo_with_its_faces_and_a_face_drawn_on_it(lib, demo_template, tmp_path):
    (photo,) = copy_photos(demo_template, tmp_path / "Pictures", 1)
    run(Scanner(lib).run([photo]))
    detected = run(lib.list_faces(None)).items
    shown = run(lib.photo(detected[0].asset_id))
    assert (shown.width, shown.height, shown.problem) == (1024, 683, None)
    assert [f.id for f in shown.faces] == [f.id for f in detected]
    assert run(lib.read_image(shown.image.uri)) == photo.read_bytes()

    missed = min(true_boxes(demo_template, demo_photos(demo_template, 1)[0]), key=lambda b: b.x)
    drawn = run(lib.add_face(shown.asset_id, missed))
    assert (drawn.person_id, drawn.confidence, drawn.box) == (None, None, missed)  # no detector measured it
    assert drawn.id in {f.id for f in run(lib.photo(shown.asset_id)).faces}
    ((drawn_flag, model, size),) = rows(lib, "SELECT f.drawn, e.model, length(e.vector) FROM faces f "
                                             "JOIN embeddings e ON e.face_id = f.id WHERE f.id = ?", int(drawn.id))
    assert drawn_flag == 1 and model.startswith("dlib") and size == 4 * recognition.EMBEDDING_SIZE
    with pytest.raises(InvalidInput):
        run(lib.add_face(shown.asset_id, BoundingBox(5000, 5000, 50, 50)))

    run(lib.delete_faces([detected[0].id]))  # a false detection, deleted and undone
    assert detected[0].id not in {f.id for f in run(lib.photo(shown.asset_id)).faces}
    run(lib.restore_faces([detected[0].id]))
    assert detected[0].id in {f.id for f in run(lib.photo(shown.asset_id)).faces}


def _library_of_version_2(folder):
    """A library as the Faceboard before photos wrote it: migrations 1 and 2, with a person,
    a photo in its images folder, two faces and a thumbnail."""
    folder.mkdir()
    (folder / "images" / "assets").mkdir(parents=True)
    (folder / "images" / "thumbnails").mkdir()
    (folder / "images" / "assets" / "000001.jpg").write_bytes(picture("JPEG", size=(640, 480)))
    (folder / "images" / "thumbnails" / "t1.jpg").write_bytes(picture("JPEG"))
    db = sqlite3.connect(folder / "library.sqlite3", isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    for script in MIGRATIONS[:2]:
        for statement in (s.strip() for s in script.split(";") if s.strip()):
            db.execute(statement)
    db.execute("PRAGMA user_version = 2")
    db.execute("INSERT INTO persons (id, name) VALUES (1, 'Ada')")
    db.execute("INSERT INTO assets (id, path, width, height) VALUES (1, 'assets/000001.jpg', 640, 480)")
    db.execute("INSERT INTO faces (id, asset_id, x, y, w, h, person_id, confidence) VALUES "
               "(1, 1, 10, 10, 100, 100, 1, 0.9), (2, 1, 300, 50, 120, 120, NULL, 0.8)")
    db.execute("INSERT INTO thumbnails (person_id, path, is_primary, face_id) VALUES (1, 'thumbnails/t1.jpg', 1, 1)")
    db.close()


def test_a_library_of_version_2_migrates_and_keeps_working(tmp_path, demo_template):
    folder = tmp_path / "old"
    _library_of_version_2(folder)
    library = LocalLibrary(folder)
    try:
        assert rows(library, "PRAGMA user_version") == [(SCHEMA_VERSION,)]
        (ada,) = run(library.list_people()).items
        assert (ada.name, ada.face_count, ada.primary_thumbnail_id) == ("Ada", 1, "1")
        loose = run(library.list_faces(None)).items
        assert [(f.id, f.confidence, f.photo_problem) for f in loose] == [("2", 0.8, None)]
        run(library.assign_faces([("2", "1")]))
        assert len(run(library.photo("1")).faces) == 2
        assert run(library.scan_status()).waiting == 0  # its photos are not scanned again
        (photo,) = copy_photos(demo_template, tmp_path / "Pictures", 1)
        assert run(library.import_files([str(photo)])).added == 1
        assert run(library.scan_status()).waiting == 1
    finally:
        library.close_now()


def test_the_library_folder_itself_is_not_imported(lib, demo_template, tmp_path):
    copy_photos(demo_template, lib.folder / "images" / "assets", 1)  # as a copied photo would lie there
    report = run(Scanner(lib).run([tmp_path], scan=False))  # a folder tree holding the library
    assert (report.photos_added, report.problems) == (0, ())
    assert rows(lib, "SELECT COUNT(*) FROM assets") == [(0,)]
