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


def test_a_drag_of_several_faces_carries_a_stack_of_their_tiles_and_the_count(qtbot, app_window):
    from PySide6.QtGui import QColor, QPalette

    from faceboard.ui.panes.tiles import DRAG_TILE

    window = app_window
    select_person(qtbot, window, None)
    select_faces(window, [0, 1, 2, 3])
    faces, tiles = window.session.faces, window.session.tiles
    images = [faces.tile(row).image for row in range(3)]
    qtbot.waitUntil(lambda: all(tiles.cached(image) is not None for image in images))
    indexes = sorted(window.faces_view.selectedIndexes(), key=lambda i: i.row())
    picture = window.faces_view.drag_pixmap(indexes).toImage()
    ratio = picture.devicePixelRatio()
    width, height = picture.width() / ratio, picture.height() / ratio
    assert width > DRAG_TILE + 10 and height > DRAG_TILE + 10  # more than one tile: a stack

    def at(x, y):
        return picture.pixelColor(round(x * ratio), round(y * ratio))

    def like(color, expected):
        return max(abs(color.red() - expected.red()), abs(color.green() - expected.green()),
                   abs(color.blue() - expected.blue())) <= 40

    first = tiles.cached(images[0]).toImage()
    front = at(DRAG_TILE / 2, height - DRAG_TILE / 2)  # the first face's tile, in front at the bottom left
    assert like(front, first.pixelColor(first.width() // 2, first.height() // 2))
    assert not like(front, window.faces_view.palette().color(QPalette.ColorRole.Mid))  # a picture, not a grey box
    back = at(width - 14 - 12, height - DRAG_TILE + 4 - 14)  # only the tiles behind reach up there, at the right
    assert back.alpha() == 255
    badge = window.faces_view.palette().color(QPalette.ColorRole.Highlight)
    assert any(like(at(width - dx, 12), badge) and at(width - dx, 12).alpha() == 255 for dx in range(3, 12))
    assert at(1, 1) == QColor(0, 0, 0, 0)  # the corner left of the badge stays see-through
