"""Drag and drop on the real views: the mime data a drag carries, dropped on the target."""

from pathlib import Path

from PIL import Image
from PySide6.QtCore import QMimeData, QUrl
from PySide6.QtGui import QDrag
from ui_helpers import db, drop, drop_on_person, person_of, primary_of, select_faces, select_person, settle


def test_faces_dragged_onto_a_person_are_reassigned(qtbot, app_window, library_folder):
    window = app_window
    select_person(qtbot, window, None)
    faces = select_faces(window, [0, 2, 3])
    mime = window.session.faces.mimeData(window.faces_view.selectionModel().selectedIndexes())
    before = window.session.store.people.get("4").face_count
    assert drop_on_person(window, "4", mime)
    # shown at once, before the backend answered
    assert all(window.session.faces.row_of(f) is None for f in faces)
    assert window.session.store.people.get("4").face_count == before + 3
    settle(qtbot, window)
    assert [person_of(library_folder, f) for f in faces] == ["4"] * 3
    assert window.session.store.people.get("4").face_count == before + 3


def test_faces_dropped_on_unassigned_are_detached(qtbot, app_window, library_folder):
    window = app_window
    select_person(qtbot, window, "2")
    faces = select_faces(window, [1])
    mime = window.session.faces.mimeData(window.faces_view.selectionModel().selectedIndexes())
    assert drop_on_person(window, None, mime)
    settle(qtbot, window)
    assert person_of(library_folder, faces[0]) is None
    assert "Detach face: done" in window.statusBar().currentMessage()


def test_a_real_drag_from_the_faces_view(qtbot, app_window, library_folder, monkeypatch):
    """startDrag builds the QDrag; its exec (a nested loop for a human) delivers the drop."""
    window = app_window
    select_person(qtbot, window, None)
    faces = select_faces(window, [0, 1])

    def exec_(drag, *args):
        drop_on_person(window, "6", drag.mimeData())
        return args[-1]

    monkeypatch.setattr(QDrag, "exec", exec_)
    window.faces_view.startDrag(window.session.faces.supportedDragActions())
    settle(qtbot, window)
    assert [person_of(library_folder, f) for f in faces] == ["6", "6"]


def test_thumbnail_dropped_on_its_person_becomes_primary(qtbot, app_window, library_folder):
    window = app_window
    person = next(p for p in window.session.store.listed_people() if p.primary_thumbnail_id)
    select_person(qtbot, window, person.id)
    thumbnails = window.session.thumbnails
    if thumbnails.rowCount() < 2:
        window.session.primary_from_face(person.id, window.session.faces.face_at(0).id)
        settle(qtbot, window)
        window.session.undo_stack.clear()
    row = next(r for r in range(thumbnails.rowCount()) if not thumbnails.thumbnail_at(r).is_primary)
    target = thumbnails.thumbnail_at(row)
    mime = thumbnails.mimeData([thumbnails.index(row)])
    assert drop_on_person(window, person.id, mime)
    assert window.session.store.people.get(person.id).primary_thumbnail_id == target.id  # at once
    settle(qtbot, window)
    assert primary_of(library_folder, person.id) == target.id


def test_thumbnail_dropped_on_another_person_is_refused_with_the_reason(qtbot, app_window, library_folder):
    window = app_window
    person = next(p for p in window.session.store.listed_people() if p.primary_thumbnail_id)
    select_person(qtbot, window, person.id)
    mime = window.session.thumbnails.mimeData([window.session.thumbnails.index(0)])
    other = next(p for p in window.session.store.listed_people() if p.id != person.id)
    before = primary_of(library_folder, other.id)
    assert not drop_on_person(window, other.id, mime)
    assert f"belongs to {person.name}" in window.statusBar().currentMessage()
    settle(qtbot, window)
    assert primary_of(library_folder, other.id) == before
    assert window.session.undo_stack.count() == 0


def test_the_primary_dropped_on_its_person_again_is_refused_saying_so(qtbot, app_window, library_folder):
    window = app_window
    person = next(p for p in window.session.store.listed_people() if p.primary_thumbnail_id)
    select_person(qtbot, window, person.id)
    thumbnails = window.session.thumbnails
    row = next(r for r in range(thumbnails.rowCount()) if thumbnails.thumbnail_at(r).is_primary)
    mime = thumbnails.mimeData([thumbnails.index(row)])
    assert not drop_on_person(window, person.id, mime)
    assert f"already {person.name}'s primary" in window.statusBar().currentMessage()
    assert window.session.undo_stack.count() == 0


def test_a_face_dropped_on_the_primary_slot_becomes_primary(qtbot, app_window, library_folder):
    window = app_window
    select_person(qtbot, window, "8")
    select_faces(window, [2])
    mime = window.session.faces.mimeData(window.faces_view.selectionModel().selectedIndexes())
    before = primary_of(library_folder, "8")
    assert drop(window.primary_slot, window.primary_slot.rect().center(), mime)
    settle(qtbot, window)
    after = primary_of(library_folder, "8")
    assert after is not None and after != before
    face_of_primary = db(library_folder).execute("SELECT face_id FROM thumbnails WHERE id = ?", (int(after),)).fetchone()[0]
    assert str(face_of_primary) == window.session.faces.face_at(2).id


def test_someone_elses_face_on_the_primary_slot_is_refused(qtbot, app_window, library_folder):
    window = app_window
    select_person(qtbot, window, None)
    select_faces(window, [0])
    mime = window.session.faces.mimeData(window.faces_view.selectionModel().selectedIndexes())
    row = window.session.people.row_of("8")
    window.people_view.setCurrentIndex(window.session.people.index(row))
    qtbot.waitUntil(lambda: window.session.store.selection == "8")
    assert not drop(window.primary_slot, window.primary_slot.rect().center(), mime)
    assert "own faces" in window.statusBar().currentMessage()


def test_image_files_dropped_on_a_person_become_thumbnails(qtbot, app_window, library_folder, tmp_path):
    window = app_window
    good = tmp_path / "holiday.jpg"
    Image.new("RGB", (640, 480), (250, 200, 10)).save(good)
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n truncated")
    count = lambda: db(library_folder).execute("SELECT COUNT(*) FROM thumbnails WHERE person_id = 9 AND removed = 0").fetchone()[0]
    before = count()
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(good)), QUrl.fromLocalFile(str(broken))])
    assert drop_on_person(window, "9", mime)
    qtbot.waitUntil(lambda: "broken.png" in window.statusBar().currentMessage())
    settle(qtbot, window)
    assert count() == before + 1
    only_bad = QMimeData()
    only_bad.setUrls([QUrl.fromLocalFile(str(broken))])
    assert drop_on_person(window, "9", only_bad)
    qtbot.waitUntil(lambda: "Not added" in window.statusBar().currentMessage())
    settle(qtbot, window)
    assert count() == before + 1
    assert Path(good).exists()
