"""Helpers for driving the real window: drops delivered as Qt events, library reads."""

from __future__ import annotations

import sqlite3

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QApplication


def drop(widget, pos: QPoint, mime, action=Qt.DropAction.MoveAction) -> bool:
    """Deliver enter, move and drop events at `pos` of `widget`; True if the drop was accepted.

    The caller keeps `mime` referenced for the events' lifetime (PySide6 does not)."""
    buttons, modifiers = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    actions = Qt.DropAction.MoveAction | Qt.DropAction.CopyAction
    QApplication.sendEvent(widget, QDragEnterEvent(pos, actions, mime, buttons, modifiers))
    move = QDragMoveEvent(pos, actions, mime, buttons, modifiers)
    QApplication.sendEvent(widget, move)
    event = QDropEvent(QPointF(pos), actions, mime, buttons, modifiers)
    QApplication.sendEvent(widget, event)
    return event.isAccepted()


def drop_on_person(window, person_id: str | None, mime) -> bool:
    view = window.people_view
    row = window.session.people.row_of(person_id)
    rect = view.visualRect(window.session.people.index(row))
    return drop(view.viewport(), rect.center(), mime)


def select_faces(window, rows: list[int]):
    from PySide6.QtCore import QItemSelectionModel

    view = window.faces_view
    selection = view.selectionModel()
    selection.clearSelection()
    for row in rows:
        selection.select(window.session.faces.index(row), QItemSelectionModel.SelectionFlag.Select)
    selection.setCurrentIndex(window.session.faces.index(rows[0]), QItemSelectionModel.SelectionFlag.NoUpdate)
    return [window.session.faces.face_at(r).id for r in rows]


def select_person(qtbot, window, person_id: str | None):
    row = window.session.people.row_of(person_id)
    window.people_view.setCurrentIndex(window.session.people.index(row))
    qtbot.waitUntil(lambda: window.session.store.selection == person_id and not window.session.faces.loading)
    if person_id is not None:
        qtbot.waitUntil(lambda: window.session.thumbnails.person_id == person_id)
        qtbot.wait(50)


def settle(qtbot, window):
    qtbot.waitUntil(lambda: not window.session.busy, timeout=15000)


def db(folder):
    return sqlite3.connect(folder / "library.sqlite3")


def person_of(folder, face_id: str):
    row = db(folder).execute("SELECT person_id FROM faces WHERE id = ?", (int(face_id),)).fetchone()
    return None if row[0] is None else str(row[0])


def primary_of(folder, person_id: str):
    row = db(folder).execute(
        "SELECT id FROM thumbnails WHERE person_id = ? AND is_primary = 1", (int(person_id),)
    ).fetchone()
    return None if row is None else str(row[0])
