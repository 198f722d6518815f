"""The photo view on the real window and the demo library: opened by double-click and by
O, every face's box with its name; a box drawn becomes a face, Delete removes one, both
undone; a box dropped on a person or moved with M is assigned; Escape goes back."""

from pathlib import Path

from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent, QWheelEvent
from PySide6.QtWidgets import QApplication
from ui_helpers import db, drop_on_person, person_of, select_faces, select_person, settle

from faceboard.ui import dialogs
from faceboard.ui.mime import faces_mime


def opened(qtbot, window):
    page = window.photo_page
    qtbot.waitUntil(lambda: page.photo is not None and page.view.picture.pixmap().width() > 0, timeout=10000)
    return page


def faces_on(folder, asset_id: str) -> dict[str, str | None]:
    rows = db(folder).execute("SELECT id, person_id FROM faces WHERE asset_id = ? AND deleted = 0",
                              (int(asset_id),)).fetchall()
    return {str(f): None if p is None else str(p) for f, p in rows}


def mouse(widget, kind, pos: QPoint, button=Qt.MouseButton.LeftButton):
    buttons = Qt.MouseButton.NoButton if kind == QEvent.Type.MouseButtonRelease else button
    event = QMouseEvent(kind, QPointF(pos), QPointF(widget.mapToGlobal(pos)), button, buttons,
                        Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, event)


def double_click(widget, pos: QPoint):
    """What a hand sends: press, release, double-click, release (QTest's lacks the first press)."""
    for kind in (QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonRelease, QEvent.Type.MouseButtonDblClick,
                 QEvent.Type.MouseButtonRelease):
        mouse(widget, kind, pos)


def drag(widget, start: QPoint, end: QPoint):
    """Press, move in steps and release, as a hand would."""
    mouse(widget, QEvent.Type.MouseButtonPress, start)
    for step in range(1, 6):
        mouse(widget, QEvent.Type.MouseMove, start + (end - start) * step / 5, Qt.MouseButton.NoButton)
    mouse(widget, QEvent.Type.MouseButtonRelease, end)


def test_double_click_opens_the_photo_with_every_face_and_escape_goes_back(qtbot, app_window, library_folder):
    window = app_window
    select_person(qtbot, window, "3")
    face = window.session.faces.face_at(0)
    view = window.faces_view
    double_click(view.viewport(), view.visualRect(window.session.faces.index(0)).center())
    page = opened(qtbot, window)
    assert window.showing_photo and page.photo.asset_id == face.asset_id
    on_photo = faces_on(library_folder, face.asset_id)
    assert set(page.view.boxes) == set(on_photo) and len(on_photo) >= 3
    names = {pid: name for pid, name in db(library_folder).execute("SELECT id, name FROM persons")}
    for face_id, person_id in on_photo.items():
        shown = page.view.boxes[face_id].label.text
        assert shown == ("Unassigned" if person_id is None else names[int(person_id)])
    assert page.view.selected_ids() == [face.id]
    order = sorted(on_photo, key=lambda f: page.view.boxes[f].face.box.x)
    qtbot.keyClick(page.view, Qt.Key.Key_Tab)  # from box to box, left to right
    assert page.view.selected_ids() == [order[(order.index(face.id) + 1) % len(order)]]
    qtbot.keyClick(page.view, Qt.Key.Key_Backtab)
    assert page.view.selected_ids() == [face.id] and page.view.hasFocus()
    fitted = page.view.picture.sceneBoundingRect()
    assert (fitted.width(), fitted.height()) == (page.photo.width, page.photo.height)
    assert page.view.mapFromScene(fitted).boundingRect().width() <= page.view.viewport().width() + 1  # fitted
    qtbot.keyClick(page.view, Qt.Key.Key_Escape)
    assert not window.showing_photo and window.faces_view.hasFocus()
    window.open_photo(face)
    select_person(qtbot, window, "4")  # another person chosen: their faces, not this photo
    assert not window.showing_photo


def test_zoom_by_keys_and_wheel_then_fit(qtbot, app_window):
    window = app_window
    select_faces(window, [0])
    window.faces_view.setFocus()
    qtbot.keyClick(window.faces_view, Qt.Key.Key_O)
    page = opened(qtbot, window)
    fit = page.view.scale_now()
    qtbot.keyClick(page.view, Qt.Key.Key_Plus, Qt.KeyboardModifier.ControlModifier)
    assert page.view.scale_now() > fit * 1.2 and not page.view.fitted
    assert window.faces_pane.zoom.value() == 128  # the tiles kept their size
    page.view.zoom(-1)
    assert abs(page.view.scale_now() - fit) < 1e-6 and page.view.fitted
    wheel = QWheelEvent(QPointF(40, 40), QPointF(page.view.viewport().mapToGlobal(QPoint(40, 40))), QPoint(0, 0),
                        QPoint(0, 240), Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier,
                        Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(page.view.viewport(), wheel)
    assert page.view.scale_now() > fit * 1.5 and page.view.horizontalScrollBar().maximum() > 0  # room to pan
    bar = page.view.horizontalScrollBar()
    bar.setValue(bar.maximum() // 2)
    start = bar.value()
    viewport = page.view.viewport()
    mouse(viewport, QEvent.Type.MouseButtonPress, QPoint(200, 200), Qt.MouseButton.MiddleButton)
    mouse(viewport, QEvent.Type.MouseMove, QPoint(150, 200), Qt.MouseButton.MiddleButton)
    mouse(viewport, QEvent.Type.MouseButtonRelease, QPoint(150, 200), Qt.MouseButton.MiddleButton)
    assert bar.value() == start + 50 and window.session.undo_stack.count() == 0  # panned, nothing drawn
    qtbot.keyPress(page.view, Qt.Key.Key_Space)  # Space and a left drag pans too (Space is no primary here)
    drag(viewport, QPoint(150, 200), QPoint(190, 200))
    qtbot.keyRelease(page.view, Qt.Key.Key_Space)
    assert bar.value() == start + 10 and window.session.undo_stack.count() == 0
    qtbot.keyClick(page.view, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    assert page.view.fitted


def test_draw_a_box_then_delete_a_face_and_undo_both(qtbot, app_window, library_folder):
    window = app_window
    select_person(qtbot, window, None)
    (face_id,) = select_faces(window, [0])
    window.faces_view.setFocus()
    qtbot.keyClick(window.faces_view, Qt.Key.Key_O)
    page = opened(qtbot, window)
    asset = page.photo.asset_id
    before = faces_on(library_folder, asset)
    view = page.view
    # a box in an empty corner of the photo, drawn with the mouse
    corner = view.mapFromScene(QPointF(20, 20))
    drag(view.viewport(), corner, corner + QPoint(60, 70))
    settle(qtbot, window)
    qtbot.waitUntil(lambda: len(view.boxes) == len(before) + 1, timeout=20000)
    (drawn,) = set(faces_on(library_folder, asset)) - set(before)
    assert db(library_folder).execute("SELECT drawn, person_id FROM faces WHERE id = ?", (int(drawn),)).fetchone() == (1, None)
    assert db(library_folder).execute("SELECT COUNT(*) FROM embeddings WHERE face_id = ?", (int(drawn),)).fetchone()[0] == 1
    assert window.session.faces.row_of(drawn) is not None  # in the Unassigned grid beneath, too
    assert view.boxes[drawn].label.text == "Unassigned"
    # a false detection: selected, then Delete
    view.select([face_id])
    qtbot.wait(10)
    qtbot.keyClick(view, Qt.Key.Key_Delete)
    settle(qtbot, window)
    qtbot.waitUntil(lambda: face_id not in view.boxes)
    assert face_id not in faces_on(library_folder, asset) and window.showing_photo
    window.session.undo_stack.undo()
    settle(qtbot, window)
    qtbot.waitUntil(lambda: face_id in view.boxes)
    window.session.undo_stack.undo()
    settle(qtbot, window)
    qtbot.waitUntil(lambda: drawn not in view.boxes)
    assert faces_on(library_folder, asset) == before
    window.session.undo_stack.redo()  # the same face drawn back, not drawn again
    settle(qtbot, window)
    assert drawn in faces_on(library_folder, asset)


def test_a_tiny_drag_draws_nothing(qtbot, app_window, library_folder):
    window = app_window
    select_faces(window, [0])
    window.open_photo()
    page = opened(qtbot, window)
    corner = page.view.mapFromScene(QPointF(20, 20))
    drag(page.view.viewport(), corner, corner + QPoint(6, 8))
    settle(qtbot, window)
    assert window.session.undo_stack.count() == 0


def test_a_box_dropped_on_a_person_or_moved_with_m_is_assigned(qtbot, app_window, library_folder, monkeypatch):
    window = app_window
    select_person(qtbot, window, "3")
    window.open_photo(window.session.faces.face_at(0))
    page = opened(qtbot, window)
    others = [f for f, p in faces_on(library_folder, page.photo.asset_id).items() if p != "5"]
    mime = faces_mime([others[0]], person_of(library_folder, others[0]))
    assert drop_on_person(window, "5", mime)
    settle(qtbot, window)
    assert person_of(library_folder, others[0]) == "5"
    qtbot.waitUntil(lambda: page.view.boxes[others[0]].label.text.startswith(window.session.store.people["5"].name))
    target = window.session.store.people.get("7")
    monkeypatch.setattr(dialogs, "choose_person", lambda *args, **kwargs: target)
    page.view.select([others[1]])
    qtbot.wait(10)
    qtbot.keyClick(page.view, Qt.Key.Key_M)
    settle(qtbot, window)
    assert person_of(library_folder, others[1]) == "7" and window.showing_photo


def test_a_photo_that_moved_says_so_instead(qtbot, app_window, library_folder):
    window = app_window
    select_faces(window, [0])
    face = window.session.faces.face_at(0)
    path = db(library_folder).execute("SELECT path FROM assets WHERE id = ?", (int(face.asset_id),)).fetchone()[0]
    file = Path(path) if Path(path).is_absolute() else library_folder / "images" / path
    file.rename(file.with_suffix(".gone"))
    window.open_photo()
    qtbot.waitUntil(lambda: window.photo_page.problem.isVisible())
    assert "cannot be shown" in window.photo_page.problem.text() or "moved" in window.photo_page.problem.text()
    assert window.photo_page.view.picture.pixmap().isNull()


def test_small_boxes_name_their_person_only_when_selected_or_zoomed_in(qtbot, app_window):
    """At 800×600 the names of a group's small boxes covered each other and the faces."""
    window = app_window
    window.resize(800, 600)
    select_faces(window, [0])
    window.faces_view.setFocus()
    qtbot.keyClick(window.faces_view, Qt.Key.Key_O)
    page = opened(qtbot, window)
    page.view.zoom(-1)  # fitted to the small window
    qtbot.waitUntil(lambda: page.view.fitted)
    boxes = page.view.boxes.values()
    small = [b for b in boxes if b.rect().width() * page.view.scale_now() < 40 and not b.isSelected()]
    assert small  # the photo has faces drawn smaller than 40 px at this size
    assert not any(b.label.isVisible() for b in small)
    assert all(b.label.isVisible() for b in boxes if b.isSelected())
    page.view.select([small[0].face.id])
    assert small[0].label.isVisible()
    page.view.zoom(4)
    assert all(b.label.isVisible() for b in small)  # zoomed in, every box is named again
