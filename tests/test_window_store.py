"""The window shows what the store holds: counts in the status bar and the headings that
are right (or say they are not known yet), one selection the list, the panes and the
title agree on, and View ▸ Refresh (F5, or coming back after a while) that reads again
what is on screen, keeping the selection and the scroll position."""

from conftest import wait_for
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from ui_helpers import db, select_faces, select_person, settle

from faceboard.backends.local import LocalLibrary
from faceboard.ui import dialogs


def listed(window) -> int:
    return window.session.people.rowCount() - 1  # without the Unassigned row


def unassigned_in(folder) -> int:
    return db(folder).execute("SELECT COUNT(*) FROM faces WHERE person_id IS NULL AND deleted = 0").fetchone()[0]


def test_the_status_bar_counts_the_people_listed_and_the_unassigned_faces(qtbot, app_window, library_folder):
    window = app_window
    status = window.library_status
    people = listed(window)
    assert people > 20
    assert status.text() == f"{people} people · {unassigned_in(library_folder)} unassigned faces"
    assert window.people_pane.heading.text() == f"People ({people})"
    window.filter.setText("no one has this name")
    qtbot.waitUntil(lambda: not window.session.people.loading and listed(window) == 0)
    assert status.text().startswith("0 people match “no one has this name” · ")
    name = window.session.store.people["11"].name
    window.filter.setText(name)
    qtbot.waitUntil(lambda: not window.session.people.loading and listed(window) == 1)
    assert status.text().startswith(f"1 person matches “{name}” · ")
    window.filter.clear()
    qtbot.waitUntil(lambda: not window.session.people.loading and listed(window) == people)
    assert status.text().startswith(f"{people} people · ")
    assert window.people_view.currentIndex().row() == 0  # still the selection: Unassigned


def add_people(qtbot, folder, how_many):
    library = LocalLibrary(folder)
    for i in range(how_many):
        wait_for(qtbot, library.create_person(f"Extra {i:03d}"))
    wait_for(qtbot, library.close())


def test_a_long_list_says_more_may_come_and_a_new_person_is_highlighted(qtbot, app_window, library_folder,
                                                                        monkeypatch):
    window = app_window
    add_people(qtbot, library_folder, 230)  # the first page is 200 of about 250
    window.actions.refresh.trigger()
    qtbot.waitUntil(lambda: listed(window) == 200 and not window.session.people.loading)
    assert window.library_status.text().startswith("200+ people · ")
    assert window.people_pane.heading.text() == "People (200+)"
    select_person(qtbot, window, None)
    select_faces(window, [0, 1])
    monkeypatch.setattr(dialogs, "ask_name", lambda *args: "Zz Newcomer")  # after every row read so far
    window.faces_view.setFocus()
    qtbot.keyClick(window.faces_view, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    settle(qtbot, window)
    store = window.session.store
    person = store.selected_person
    assert person is not None and person.name == "Zz Newcomer"
    row = window.people_view.currentIndex().row()
    assert window.session.people.person_at(row) == person  # the list highlights whom the panes show
    assert window.windowTitle().startswith("Zz Newcomer — Faceboard")
    assert window.faces_heading.text() == "Faces of Zz Newcomer (2)"


def test_f5_shows_a_change_made_elsewhere_keeping_the_selection_and_the_scroll(qtbot, app_window, library_folder):
    window = app_window
    select_person(qtbot, window, None)
    window.resize(700, 500)
    qtbot.waitUntil(lambda: window.faces_view.verticalScrollBar().maximum() > 0)
    chosen = select_faces(window, [5, 6])
    bar = window.faces_view.verticalScrollBar()
    bar.setValue(bar.maximum() // 2)
    position = bar.value()
    first = window.session.faces.face_at(0).id
    db_ = db(library_folder)
    db_.execute("UPDATE faces SET person_id = 5 WHERE id = ?", (int(first),))  # the command line, meanwhile
    db_.commit()
    assert window.session.faces.row_of(first) is not None
    window.faces_view.setFocus()
    qtbot.keyClick(window.faces_view, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: window.session.faces.row_of(first) is None)
    settle(qtbot, window)
    assert window.session.store.selection is None and window.people_view.currentIndex().row() == 0
    assert window.library_status.text().endswith(f"{unassigned_in(library_folder)} unassigned faces")
    assert bar.value() == position
    assert window.faces_pane.selected_ids() == chosen  # the faces chosen stay chosen


def test_coming_back_after_a_while_refreshes_and_not_after_a_moment(qtbot, app_window, library_folder):
    window = app_window
    select_person(qtbot, window, "7")
    now = [1000.0]
    window.clock = lambda: now[0]
    db_ = db(library_folder)
    name = window.session.store.people["7"].name

    def leave_and_return(seconds, new_name):
        db_.execute("UPDATE persons SET name = ? WHERE id = 7", (new_name,))
        db_.commit()
        QApplication.instance().applicationStateChanged.emit(Qt.ApplicationState.ApplicationInactive)
        now[0] += seconds
        QApplication.instance().applicationStateChanged.emit(Qt.ApplicationState.ApplicationActive)

    leave_and_return(5, "Renamed Meanwhile")
    qtbot.wait(300)
    assert window.session.store.people["7"].name == name  # a moment away: nothing read again
    leave_and_return(window.REFRESH_AFTER_S + 1, "Renamed Later")
    qtbot.waitUntil(lambda: window.session.store.people["7"].name == "Renamed Later")
    settle(qtbot, window)
    assert window.session.store.selection == "7"
    assert window.windowTitle().startswith("Renamed Later — Faceboard")
    assert window.thumbnails_pane.heading.text() == "Renamed Later"


def test_f5_after_the_selected_person_was_merged_elsewhere_shows_unassigned_and_says_so(qtbot, app_window,
                                                                                       library_folder):
    window = app_window
    select_person(qtbot, window, "7")
    name = window.session.store.people["7"].name
    db_ = db(library_folder)
    db_.execute("UPDATE faces SET person_id = 2 WHERE person_id = 7")  # merged into person 2 from the command line
    db_.execute("UPDATE persons SET deleted = 1 WHERE id = 7")
    db_.commit()
    qtbot.keyClick(window.people_view, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: window.session.store.selection is None)
    settle(qtbot, window)
    qtbot.waitUntil(lambda: not window.session.faces.loading)
    assert window.statusBar().currentMessage() == f"{name} was deleted or merged elsewhere."
    assert window.session.people.row_of("7") is None and window.people_view.currentIndex().row() == 0
    assert window.windowTitle().startswith("Unassigned faces — Faceboard")
    assert window.faces_heading.text() == f"Unassigned faces ({unassigned_in(library_folder)})"
    assert window.library_status.text().startswith(f"{listed(window)} people · ")
    assert window.session.faces.rowCount() == unassigned_in(library_folder)


def test_f5_shows_the_new_name_of_a_person_renamed_elsewhere_though_the_filter_hides_them(qtbot, app_window,
                                                                                         library_folder):
    window = app_window
    select_person(qtbot, window, "7")
    name = window.session.store.people["7"].name
    window.filter.setText(name)
    qtbot.waitUntil(lambda: not window.session.people.loading and listed(window) == 1)
    db_ = db(library_folder)
    db_.execute("UPDATE persons SET name = 'Yvonne Elsewhere' WHERE id = 7")
    db_.commit()
    window.actions.refresh.trigger()
    qtbot.waitUntil(lambda: window.windowTitle().startswith("Yvonne Elsewhere — Faceboard"))
    settle(qtbot, window)
    assert window.session.store.selection == "7"
    assert window.thumbnails_pane.heading.text() == "Yvonne Elsewhere"
    assert window.faces_heading.text().startswith("Faces of Yvonne Elsewhere (")


def test_the_window_fits_the_screen_it_opens_on(qtbot, app_window):
    window = app_window
    available = window.screen().availableGeometry()  # the offscreen screen: 800×800, smaller than the first size
    assert window.FIRST_SIZE.height() > available.height()
    assert window.frameGeometry().height() <= available.height()
    assert window.frameGeometry().width() <= available.width()
    bar = window.statusBar()
    assert bar.isVisible() and bar.mapTo(window, bar.rect().bottomLeft()).y() < window.height()

