"""The window as a user drives it: keys, menus, undo and redo, refusals, reopening."""

from conftest import wait_for
from PySide6.QtCore import Qt
from ui_helpers import db, drop_on_person, person_of, primary_of, select_faces, select_person, settle

from faceboard.ui import dialogs


def key(qtbot, widget, key_, modifier=Qt.KeyboardModifier.NoModifier):
    widget.setFocus()
    qtbot.keyClick(widget, key_, modifier)


def test_undo_and_redo_send_the_inverse_to_the_library(qtbot, app_window, library_folder):
    window = app_window
    select_person(qtbot, window, None)
    faces = select_faces(window, [0, 1])
    mime = window.session.faces.mimeData(window.faces_view.selectionModel().selectedIndexes())
    assert drop_on_person(window, "3", mime)
    settle(qtbot, window)
    assert window.actions.undo.text() == "&Undo Move 2 faces to " + window.session.store.people.get("3").name
    key(qtbot, window.faces_view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert window.session.faces.row_of(faces[0]) is not None  # back at once
    settle(qtbot, window)
    assert [person_of(library_folder, f) for f in faces] == [None, None]
    key(qtbot, window.faces_view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    settle(qtbot, window)
    assert [person_of(library_folder, f) for f in faces] == ["3", "3"]
    window.session.undo_stack.undo()
    window.session.undo_stack.redo()
    window.session.undo_stack.undo()  # quick succession: sent in order
    settle(qtbot, window)
    assert [person_of(library_folder, f) for f in faces] == [None, None]


def test_delete_detaches_and_space_sets_the_primary(qtbot, app_window, library_folder):
    window = app_window
    select_person(qtbot, window, "10")
    faces = select_faces(window, [0])
    key(qtbot, window.faces_view, Qt.Key.Key_Delete)
    settle(qtbot, window)
    assert person_of(library_folder, faces[0]) is None
    face = select_faces(window, [1])[0]
    key(qtbot, window.faces_view, Qt.Key.Key_Space)
    settle(qtbot, window)
    primary = primary_of(library_folder, "10")
    assert str(db(library_folder).execute("SELECT face_id FROM thumbnails WHERE id = ?", (primary,)).fetchone()[0]) == face
    # Space on a thumbnail makes that thumbnail the primary
    thumbnails = window.session.thumbnails
    qtbot.waitUntil(lambda: thumbnails.rowCount() >= 2)
    row = next(r for r in range(thumbnails.rowCount()) if not thumbnails.thumbnail_at(r).is_primary)
    window.thumbnails_view.setCurrentIndex(thumbnails.index(row))
    key(qtbot, window.thumbnails_view, Qt.Key.Key_Space)
    settle(qtbot, window)
    assert primary_of(library_folder, "10") == thumbnails.thumbnail_at(row).id


def test_rename_hide_filter_and_move_by_keyboard(qtbot, app_window, library_folder, monkeypatch):
    window = app_window
    select_person(qtbot, window, "11")
    monkeypatch.setattr(dialogs, "ask_name", lambda *args: "Renamed Eleven")
    key(qtbot, window.people_view, Qt.Key.Key_F2)
    settle(qtbot, window)
    assert db(library_folder).execute("SELECT name FROM persons WHERE id = 11").fetchone()[0] == "Renamed Eleven"
    key(qtbot, window.people_view, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert window.filter.hasFocus()
    qtbot.keyClicks(window.filter, "eleven")
    qtbot.waitUntil(lambda: window.session.people.rowCount() == 2)  # Unassigned and the match, from the backend
    window.filter.clear()
    qtbot.waitUntil(lambda: window.session.people.rowCount() > 20 and not window.session.people.loading)
    faces = select_faces(window, [0, 1])
    target = window.session.store.people.get("12")
    monkeypatch.setattr(dialogs, "choose_person", lambda *args, **kwargs: target)
    key(qtbot, window.faces_view, Qt.Key.Key_M)
    settle(qtbot, window)
    assert [person_of(library_folder, f) for f in faces] == ["12", "12"]
    key(qtbot, window.people_view, Qt.Key.Key_H, Qt.KeyboardModifier.ControlModifier)
    settle(qtbot, window)
    assert db(library_folder).execute("SELECT hidden FROM persons WHERE id = 11").fetchone()[0] == 1
    assert window.session.people.row_of("11") is None  # hidden people leave the list


def test_new_person_from_selected_faces(qtbot, app_window, library_folder, monkeypatch):
    window = app_window
    select_person(qtbot, window, None)
    faces = select_faces(window, [0, 1, 2])
    monkeypatch.setattr(dialogs, "ask_name", lambda *args: "Brand New")
    key(qtbot, window.faces_view, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    settle(qtbot, window)
    (person_id,) = db(library_folder).execute("SELECT id FROM persons WHERE name = 'Brand New'").fetchone()
    assert [person_of(library_folder, f) for f in faces] == [str(person_id)] * 3
    assert primary_of(library_folder, str(person_id)) is not None
    assert window.session.store.selection == str(person_id)  # the new person is shown, and highlighted
    assert window.people_view.currentIndex().row() == window.session.people.row_of(str(person_id))
    window.session.undo_stack.undo()
    settle(qtbot, window)
    assert [person_of(library_folder, f) for f in faces] == [None] * 3
    assert window.session.store.people.get(str(person_id)) is None


def test_a_refused_change_is_rolled_back_with_the_reason(qtbot, app_window, library_folder):
    window = app_window
    select_person(qtbot, window, None)
    faces = select_faces(window, [0])
    mime = window.session.faces.mimeData(window.faces_view.selectionModel().selectedIndexes())
    # someone else deletes person 13 behind the window's back
    other = db(library_folder)
    other.execute("UPDATE faces SET person_id = NULL WHERE person_id = 13")
    other.execute("UPDATE persons SET deleted = 1 WHERE id = 13")
    other.commit()
    assert drop_on_person(window, "13", mime)
    settle(qtbot, window)
    assert "failed" in window.statusBar().currentMessage() and "does not exist" in window.statusBar().currentMessage()
    assert person_of(library_folder, faces[0]) is None
    qtbot.waitUntil(lambda: window.session.faces.row_of(faces[0]) is not None)  # shown again
    assert window.session.people.row_of("13") is None  # the panes show what the library holds
    assert window.session.undo_stack.count() == 0


def test_changes_are_kept_when_the_library_is_reopened(qtbot, loop, library_folder):
    from faceboard.backends.local import LocalLibrary
    from faceboard.services.curator import Curator
    from faceboard.services.images import ImagePipeline
    from faceboard.ui.session import Session
    from faceboard.ui.window import MainWindow

    def open_window():
        library = LocalLibrary(library_folder)
        session = Session(Curator(library), ImagePipeline(library.read_image, None, workers=1))
        window = MainWindow(session, "reopen")
        window.show()
        wait_for(qtbot, session.load())
        qtbot.waitUntil(lambda: not session.faces.loading)
        return window, library

    def close_window(window, library):
        wait_for(qtbot, window.session.settle())
        wait_for(qtbot, window.session.tiles.aclose())
        window.close()
        window.deleteLater()
        library.close_now()

    window, library = open_window()
    faces = select_faces(window, [0, 1])
    window.session.assign(faces, "14")
    window.session.rename("14", "Kept Name")
    close_window(window, library)  # closing waits for the changes on their way

    window, library = open_window()
    try:
        assert window.session.store.people.get("14").name == "Kept Name"
        select_person(qtbot, window, "14")
        assert all(window.session.faces.row_of(f) is not None for f in faces)
    finally:
        close_window(window, library)


def test_screenshot_of_the_window_is_not_blank(qtbot, app_window, tmp_path):
    window = app_window
    window.resize(1280, 800)  # a laptop's size; the first one fits the offscreen screen, 800×800
    select_person(qtbot, window, "5")
    qtbot.waitUntil(lambda: window.session.tiles._used > 0, timeout=10000)
    qtbot.wait(300)
    image = window.grab().toImage()
    assert image.width() >= 1000 and image.height() >= 600
    colours = {image.pixelColor(x, y).name() for x in range(0, image.width(), 17) for y in range(0, image.height(), 17)}
    assert len(colours) > 50  # faces, text and chrome, not a flat fill
    assert image.save(str(tmp_path / "window.png"))


def test_about_shows_the_version(qtbot, app_window, monkeypatch):
    from faceboard import __version__

    shown = []
    monkeypatch.setattr("faceboard.ui.actions.QMessageBox.about", lambda parent, title, text: shown.append(text))
    app_window.actions.about()
    assert __version__ in shown[0]


def test_merge_and_delete_faces_from_the_keyboard_and_undo(qtbot, app_window, library_folder, monkeypatch):
    window = app_window
    select_person(qtbot, window, "15")
    target = window.session.store.people.get("16")
    monkeypatch.setattr(dialogs, "choose_person", lambda *args, **kwargs: target)
    asked = []
    monkeypatch.setattr(dialogs, "confirm_people", lambda parent, title, question, *shown: asked.append(question) or True)
    faces_of_15 = [f.id for f in window.session.store.listed_faces()]
    key(qtbot, window.people_view, Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)
    settle(qtbot, window)
    assert "You can undo it" in asked[0]
    assert [person_of(library_folder, f) for f in faces_of_15] == ["16"] * len(faces_of_15)
    assert db(library_folder).execute("SELECT deleted FROM persons WHERE id = 15").fetchone()[0] == 1
    window.session.undo_stack.undo()
    settle(qtbot, window)
    assert [person_of(library_folder, f) for f in faces_of_15] == ["15"] * len(faces_of_15)
    select_person(qtbot, window, "15")
    doomed = select_faces(window, [0])
    key(qtbot, window.faces_view, Qt.Key.Key_Delete, Qt.KeyboardModifier.ShiftModifier)
    settle(qtbot, window)
    assert window.session.faces.row_of(doomed[0]) is None
    assert db(library_folder).execute("SELECT deleted FROM faces WHERE id = ?", (int(doomed[0]),)).fetchone()[0] == 1
    window.session.undo_stack.undo()
    settle(qtbot, window)
    qtbot.waitUntil(lambda: window.session.faces.row_of(doomed[0]) is not None)


def test_typing_in_the_move_picker_chooses_a_person_not_unassigned(qtbot, app_window):
    from faceboard.ui.dialogs import UNASSIGNED, PersonPicker

    picker = PersonPicker(app_window, app_window.session.search_people, "Move", True)
    qtbot.waitUntil(lambda: picker.chosen() is not None)
    assert picker.chosen() is not UNASSIGNED  # nothing typed: the first person, never Unassigned
    picker._filter.setText("na")  # "na" is inside "unassigned", and in Nadia, Hana, …
    qtbot.waitUntil(lambda: picker.chosen() is not UNASSIGNED and "na" in picker.chosen().name.casefold())
    picker._filter.setText("unas")
    qtbot.waitUntil(lambda: picker.chosen() is UNASSIGNED)
    picker.close()
