"""The move picker (M) on the real window: where it opens, a new person from what was
typed (one change, undone as one), and rows with each person's picture and face count."""

from PySide6.QtCore import QRect, Qt, QTimer
from PySide6.QtWidgets import QApplication
from ui_helpers import db, person_of, select_faces, select_person, settle

from faceboard.ui.dialogs import UNASSIGNED, PersonPicker
from faceboard.ui.panes.people import DetailRole, PersonDelegate


def answer_picker(qtbot, typed: str, seen: list):
    """Once the picker is open (modal, in its own event loop): type `typed`, wait for the
    list to follow, note what it offers, press Enter."""

    def answer():
        picker = QApplication.activeModalWidget()
        assert isinstance(picker, PersonPicker)
        qtbot.keyClicks(picker._filter, typed)
        qtbot.waitUntil(lambda: picker._list.count() and typed in picker._list.item(picker._list.count() - 1).text())
        seen.extend(picker._list.item(row).text() for row in range(picker._list.count()))
        seen.append(picker._list.currentItem().text())
        qtbot.keyClick(picker._filter, Qt.Key.Key_Return)

    QTimer.singleShot(0, answer)


def test_the_picker_opens_on_the_first_person_never_on_unassigned(qtbot, app_window):
    window = app_window
    select_person(qtbot, window, "3")  # Unassigned is offered here
    picker = PersonPicker(window, window.session.search_people, "Move", True, exclude="3")
    qtbot.waitUntil(lambda: picker.chosen() is not None)
    first = picker.chosen()
    assert first is not UNASSIGNED and first.name == min(
        (p.name for p in window.session.store.listed_people() if p.id != "3"), key=str.casefold)
    last = picker._list.item(picker._list.count() - 1)
    assert last.text() == "Unassigned"  # still there, last
    picker._filter.setText("unas")  # asked for by name: chosen
    qtbot.waitUntil(lambda: picker.chosen() is UNASSIGNED)
    picker.close()


def test_m_and_a_new_name_creates_the_person_with_the_faces_in_one_undoable_change(qtbot, app_window,
                                                                                     library_folder):
    window = app_window
    select_person(qtbot, window, None)
    faces = select_faces(window, [0, 1])
    seen = []
    answer_picker(qtbot, "Zoe Nova", seen)
    window.faces_view.setFocus()
    qtbot.keyClick(window.faces_view, Qt.Key.Key_M)
    settle(qtbot, window)
    assert seen[-1] == seen[-2] == "New person “Zoe Nova”"  # offered, and what Enter took
    (zoe,) = db(library_folder).execute("SELECT id FROM persons WHERE name = 'Zoe Nova' AND deleted = 0").fetchall()
    assert [person_of(library_folder, f) for f in faces] == [str(zoe[0])] * 2
    assert window.session.undo_stack.count() == 1
    assert window.actions.undo.text() == "&Undo Create Zoe Nova from 2 faces"
    window.session.undo_stack.undo()
    settle(qtbot, window)
    assert [person_of(library_folder, f) for f in faces] == [None, None]
    assert db(library_folder).execute("SELECT deleted FROM persons WHERE id = ?", zoe).fetchone()[0] == 1


def test_enter_on_a_name_no_one_has_says_so_where_people_cannot_be_created(qtbot, app_window):
    window = app_window
    picker = PersonPicker(window, window.session.search_people, "Merge", False)
    picker.show()
    picker._filter.setText("Nobody Atall")
    qtbot.waitUntil(lambda: picker._list.count() == 0 and picker._generation and picker._task.done())
    qtbot.keyClick(picker._filter, Qt.Key.Key_Return)
    assert picker.isVisible() and picker._note.text() == "No one is called “Nobody Atall”."
    picker.close()


def test_picker_rows_show_the_primary_thumbnail_and_the_face_count(qtbot, app_window):
    window = app_window
    store = window.session.store
    picker = PersonPicker(window, window.session.search_people, "Move", True, tiles=window.session.tiles)
    picker.show()
    qtbot.waitUntil(lambda: picker.chosen() is not None)
    item = picker._list.currentItem()
    person = store.people[picker.chosen().id]
    assert item.text() == person.name and item.data(DetailRole) == f"{person.face_count} faces"
    assert isinstance(picker._list.itemDelegate(), PersonDelegate)
    rect = picker._list.visualItemRect(item)
    assert rect.height() == PersonDelegate.ROW_HEIGHT
    avatar = QRect(rect.left() + 16, rect.center().y() - 12, 24, 24)  # inside the round picture at the row's left
    tiles = window.session.tiles

    def photo_drawn() -> bool:
        image = picker._list.viewport().grab(avatar).toImage()
        return len({image.pixel(x, y) for x in range(image.width()) for y in range(image.height())}) > 50

    qtbot.waitUntil(lambda: tiles.pixmap(person.primary_image, 44) is not None and photo_drawn())
    picker.close()
