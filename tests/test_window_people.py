"""People management on the real window: people dragged onto a person merge into them
(confirmed, showing both), people chosen together (Ctrl/Shift) hidden, merged or deleted
in one undoable change each, and a deleted person's faces unassigned."""

from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtWidgets import QApplication
from ui_helpers import db, drop, drop_on_person, person_of, select_person, settle

from faceboard.ui import dialogs
from faceboard.ui.panes.people import DetailRole, PersonDelegate


def faces_of(folder, person_id):
    return [str(r[0]) for r in db(folder).execute(
        "SELECT id FROM faces WHERE person_id = ? AND deleted = 0 ORDER BY id", (int(person_id),))]


def deleted(folder, person_id):
    return db(folder).execute("SELECT deleted FROM persons WHERE id = ?", (int(person_id),)).fetchone()[0] == 1


def people_mime(window, *person_ids):
    model = window.session.people
    return model.mimeData([model.index(model.row_of(p)) for p in person_ids])


def click_person(qtbot, window, person_id, modifier=Qt.KeyboardModifier.NoModifier):
    view, model = window.people_view, window.session.people
    rect = view.visualRect(model.index(model.row_of(person_id)))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, modifier, rect.center())


def answer_question(qtbot, seen: list, button: str):
    """Once the people question is open (modal): note its rows, then press `button`."""

    def answer():
        question = QApplication.activeModalWidget()
        if not isinstance(question, dialogs.PeopleQuestion):
            QTimer.singleShot(20, answer)  # not open yet: it opens once the drop is over
            return
        assert isinstance(question.people.itemDelegate(), PersonDelegate)  # picture, name, count
        rows = question.people
        seen.extend((rows.item(r).text(), rows.item(r).data(DetailRole)) for r in range(rows.count()))
        if button == "yes":
            question.yes.click()
        else:
            question.reject()

    QTimer.singleShot(0, answer)


def test_a_person_dragged_onto_another_merges_into_them_once_confirmed_showing_both(qtbot, app_window,
                                                                                    library_folder):
    window, store = app_window, app_window.session.store
    source, target = store.people["15"], store.people["16"]
    moved = faces_of(library_folder, "15")
    seen = []
    answer_question(qtbot, seen, "no")
    mime = people_mime(window, "15")
    assert drop_on_person(window, "16", mime)
    qtbot.waitUntil(lambda: bool(seen))
    total = source.face_count + target.face_count
    assert seen == [(source.name, f"{source.face_count} faces · merged into {target.name}"),
                    (target.name, f"{target.face_count} faces · keeps them all: {total} faces")]
    settle(qtbot, window)
    assert faces_of(library_folder, "15") == moved and not deleted(library_folder, "15")  # cancelled: nothing
    answer_question(qtbot, seen, "yes")
    assert drop_on_person(window, "16", mime)
    qtbot.waitUntil(lambda: store.people.get("15") is None)
    settle(qtbot, window)
    assert set(moved) <= set(faces_of(library_folder, "16")) and deleted(library_folder, "15")
    assert window.actions.undo.text() == f"&Undo Merge {source.name} into {target.name}"
    window.session.undo_stack.undo()
    settle(qtbot, window)
    assert faces_of(library_folder, "15") == moved and not deleted(library_folder, "15")


def test_people_cannot_be_dropped_on_themselves_or_on_unassigned(qtbot, app_window):
    window = app_window
    mime = people_mime(window, "15")
    assert not drop_on_person(window, "15", mime)
    assert window.statusBar().currentMessage() == ""  # every drag of people starts over them: no word for that
    assert not drop_on_person(window, None, mime)
    assert "merge them into that one" in window.statusBar().currentMessage()
    slot = window.primary_slot
    select_person(qtbot, window, "3")
    assert not drop(slot, QPoint(slot.width() // 2, slot.height() // 2), mime)


def test_deleting_a_person_unassigns_their_faces_and_undo_brings_all_back(qtbot, app_window, library_folder):
    window, store = app_window, app_window.session.store
    select_person(qtbot, window, "4")
    theirs = faces_of(library_folder, "4")
    unassigned = store.unassigned
    window.people_view.setFocus()
    seen = []
    answer_question(qtbot, seen, "no")
    qtbot.keyClick(window.people_view, Qt.Key.Key_Delete)
    settle(qtbot, window)
    assert seen and not deleted(library_folder, "4")  # asked first, like the menu's "Delete person…"; no: nothing
    answer_question(qtbot, seen, "yes")
    qtbot.keyClick(window.people_view, Qt.Key.Key_Delete)
    settle(qtbot, window)
    assert deleted(library_folder, "4") and [person_of(library_folder, f) for f in theirs] == [None] * len(theirs)
    shown = store.selected_person  # a neighbour in the list, or the unassigned faces: the list, panes and title agree
    assert store.selection != "4" and store.chosen == (() if shown is None else (shown.id,))
    assert window.windowTitle().startswith(("Unassigned faces" if shown is None else shown.name) + " — ")
    assert window.session.people.person_at(window.people_view.currentIndex().row()) == shown
    assert store.unassigned == unassigned + len(theirs)
    window.session.undo_stack.undo()
    settle(qtbot, window)
    assert not deleted(library_folder, "4") and faces_of(library_folder, "4") == theirs
    assert store.unassigned == unassigned


def test_people_chosen_together_are_hidden_then_deleted_in_one_change_each(qtbot, app_window, library_folder):
    window, store = app_window, app_window.session.store
    select_person(qtbot, window, "5")
    click_person(qtbot, window, "6", Qt.KeyboardModifier.ControlModifier)
    click_person(qtbot, window, "8", Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: set(store.chosen) == {"5", "6", "8"})
    assert window.windowTitle().startswith("3 people chosen — Faceboard")
    assert window.actions.hide.text() == "&Hide 3 people" and not window.actions.rename.isEnabled()
    names = [store.people[p].name for p in store.chosen]
    qtbot.keyClick(window.people_view, Qt.Key.Key_H, Qt.KeyboardModifier.ControlModifier)
    settle(qtbot, window)
    hidden = [db(library_folder).execute("SELECT hidden FROM persons WHERE id = ?", (int(p),)).fetchone()[0]
              for p in ("5", "6", "8")]
    assert hidden == [1, 1, 1] and window.session.undo_stack.count() == 1
    assert window.actions.undo.text() == f"&Undo Hide {names[0]}, {names[1]} and {names[2]}"
    assert not set(store.chosen) & {"5", "6", "8"}  # off the list, so no longer chosen there
    window.session.undo_stack.undo()
    settle(qtbot, window)
    qtbot.waitUntil(lambda: all(window.session.people.row_of(p) is not None for p in ("5", "6", "8")))
    click_person(qtbot, window, "5")
    click_person(qtbot, window, "6", Qt.KeyboardModifier.ShiftModifier)  # every row from 5 to 6
    rows = sorted(window.session.people.row_of(p) for p in ("5", "6"))
    chosen = {window.session.people.person_at(row).id for row in range(rows[0], rows[1] + 1)}
    qtbot.waitUntil(lambda: set(store.chosen) == chosen)
    faces = {p: faces_of(library_folder, p) for p in chosen}
    seen = []
    answer_question(qtbot, seen, "no")
    qtbot.keyClick(window.people_view, Qt.Key.Key_Delete, Qt.KeyboardModifier.ControlModifier)
    settle(qtbot, window)
    assert {name for name, _ in seen} == {store.people[p].name for p in chosen}  # Ctrl+Delete asks too, showing them
    assert not any(deleted(library_folder, p) for p in chosen) and set(store.chosen) == chosen
    answer_question(qtbot, seen, "yes")
    window.activateWindow()  # back from the question: the window's shortcuts are for its active window
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    qtbot.keyClick(window.people_view, Qt.Key.Key_Delete, Qt.KeyboardModifier.ControlModifier)
    settle(qtbot, window)
    assert all(deleted(library_folder, p) for p in chosen)
    assert window.session.undo_stack.count() == 1 and window.actions.undo.text().startswith("&Undo Delete ")
    assert all(person_of(library_folder, f) is None for fs in faces.values() for f in fs)
    window.session.undo_stack.undo()
    settle(qtbot, window)
    assert {p: faces_of(library_folder, p) for p in chosen} == faces


def test_people_chosen_together_merge_into_the_one_picked_among_them(qtbot, app_window, library_folder,
                                                                     monkeypatch):
    window, store = app_window, app_window.session.store
    select_person(qtbot, window, "9")
    click_person(qtbot, window, "10", Qt.KeyboardModifier.ControlModifier)
    click_person(qtbot, window, "11", Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: set(store.chosen) == {"9", "10", "11"})
    offered = []

    def pick(parent, search, title, **options):
        offered.extend(p.id for p in wait(search("")))
        return store.people["10"]

    def wait(awaitable):
        import asyncio

        task = asyncio.ensure_future(awaitable)
        qtbot.waitUntil(task.done)
        return task.result()

    monkeypatch.setattr(dialogs, "choose_person", pick)
    seen = []
    answer_question(qtbot, seen, "yes")
    moved = faces_of(library_folder, "9") + faces_of(library_folder, "11")
    qtbot.keyClick(window.people_view, Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)
    settle(qtbot, window)
    assert sorted(offered) == ["10", "11", "9"]  # only those chosen
    assert [name for name, _ in seen][-1] == store.people["10"].name and len(seen) == 3
    assert set(moved) <= set(faces_of(library_folder, "10"))
    assert deleted(library_folder, "9") and deleted(library_folder, "11") and window.session.undo_stack.count() == 1
