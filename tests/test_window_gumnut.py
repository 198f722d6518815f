"""The window on a Gumnut connection, opened the way the app opens it (a profile, the
key in the keyring), against the fake server in process."""

import re

import httpx
import pytest
from conftest import wait_for
from fakes.gumnut import FakeGumnut
from fakes.server import AsgiApp
from PySide6.QtCore import Qt
from ui_helpers import drop_on_person, select_faces, select_person, settle

from faceboard.app import Shell
from faceboard.services.connections import Profile


def open_gumnut(qtbot, fake, key=None):
    """The app's shell on the fake Gumnut, opened from a profile with its key in the keyring."""
    shell = Shell(transport=httpx.ASGITransport(app=AsgiApp(fake)))
    shell.secrets.set("family", key or fake.api_key)
    wait_for(qtbot, shell.open(Profile("family", "gumnut", "http://gumnut.test", "lib_main")))
    return shell, shell.current[2]


@pytest.fixture
def gumnut_shell(qtbot, loop):
    fake = FakeGumnut.seeded(people=4, faces_per_person=3, unassigned=5)
    fake.rate_limited = False
    shell, window = open_gumnut(qtbot, fake)
    qtbot.waitUntil(lambda: not window.session.faces.loading)
    yield fake, shell, window
    wait_for(qtbot, shell.close_current())  # a dialog goes with its window


def test_faces_dragged_onto_a_person_are_patched_on_gumnut(qtbot, gumnut_shell):
    fake, shell, window = gumnut_shell
    assert "Family photos" in window.windowTitle()
    assert window.session.store.unassigned == 5

    assert window.session.faces.tile(0).caption.startswith("probably: ")
    select_person(qtbot, window, None)
    faces = select_faces(window, [0, 1])
    mime = window.session.faces.mimeData(window.faces_view.selectionModel().selectedIndexes())
    bob = next(p for p in fake.people.values() if p.name == "Bob Baker")
    assert drop_on_person(window, bob.id, mime)
    settle(qtbot, window)
    assert [fake.faces[f].person_id for f in faces] == [bob.id, bob.id]
    assert window.session.store.people.get(bob.id).face_count == 5
    assert window.session.store.unassigned == 3
    window.session.undo_stack.undo()
    settle(qtbot, window)
    assert [fake.faces[f].person_id for f in faces] == [None, None]
    patches = [c for c in fake.calls if c.method == "PATCH" and c.path.startswith("/api/faces/")]
    assert len(patches) == 4


def test_a_face_becomes_the_primary_and_thumbnails_are_not_offered(qtbot, gumnut_shell):
    fake, shell, window = gumnut_shell
    carla = next(p for p in fake.people.values() if p.name == "Carla Cruz")
    select_person(qtbot, window, carla.id)
    face = select_faces(window, [2])[0]
    window.faces_view.setFocus()
    qtbot.keyClick(window.faces_view, Qt.Key.Key_Space)
    settle(qtbot, window)
    assert fake.people[carla.id].thumbnail_face_id == face
    assert not window.thumbnails_pane.add_pictures.isEnabled()  # Gumnut cannot take uploaded thumbnails
    assert window.session.thumbnails.rowCount() == 1


def test_a_server_refusal_is_shown_and_the_panes_show_the_truth(qtbot, gumnut_shell):
    fake, shell, window = gumnut_shell
    select_person(qtbot, window, None)
    faces = select_faces(window, [0])
    fake.fail[("PATCH", f"/api/faces/{faces[0]}")] = (409, {"detail": "Face is being re-clustered"}, 5)
    mime = window.session.faces.mimeData(window.faces_view.selectionModel().selectedIndexes())
    alice = next(p for p in fake.people.values() if p.name == "Alice Archer")
    assert drop_on_person(window, alice.id, mime)
    settle(qtbot, window)
    qtbot.waitUntil(lambda: window.session.faces.row_of(faces[0]) is not None)
    assert "re-clustered" in window.statusBar().currentMessage()
    assert fake.faces[faces[0]].person_id is None


def test_a_wrong_key_opens_the_connections_dialog(qtbot, loop):
    fake = FakeGumnut.seeded()
    shell, _ = open_gumnut(qtbot, fake, key="apikey_wrongWRONG")
    try:
        assert shell.dialog is not None and shell.dialog.isVisible()
        assert "Invalid or expired token" in shell.current[2].statusBar().currentMessage()
        dialog = shell.dialog
        dialog.input("key").setText(fake.api_key)
        dialog.test_connection()
        qtbot.waitUntil(lambda: "Connected to Gumnut" in dialog.status.text())
        dialog.save()
        assert shell.secrets.get("family") == fake.api_key
        assert fake.api_key not in shell.store.path.read_text()
    finally:
        wait_for(qtbot, shell.close_current())


def test_the_move_picker_lists_the_suggested_people_first(qtbot, gumnut_shell):
    from faceboard.ui.dialogs import PersonPicker

    fake, shell, window = gumnut_shell
    select_person(qtbot, window, None)
    face = window.session.faces.face_at(0)
    picker = PersonPicker(window, window.session.search_people, "Move", False, face.suggestions)
    qtbot.waitUntil(lambda: picker.chosen() is not None)
    assert picker.chosen().name == face.suggestions[0].name
    picker.close()


def test_a_bulk_move_shows_progress_and_can_be_cancelled(qtbot, loop):
    fake = FakeGumnut.seeded(people=2, faces_per_person=1, unassigned=120)
    fake.rate_limited = False
    shell, window = open_gumnut(qtbot, fake)
    try:
        qtbot.waitUntil(lambda: not window.session.faces.loading)
        while window.session.faces.canFetchMore():
            window.session.faces.fetchMore()
            qtbot.waitUntil(lambda: not window.session.faces.loading)
        faces = select_faces(window, list(range(window.session.faces.rowCount())))
        assert len(faces) == 120
        seen = []

        def cancel_at_40(done, total):
            seen.append((done, window.progress_bar.isVisible()))
            if done == 40:
                window.cancel_button.click()

        window.session.progress.connect(cancel_at_40)
        target = next(iter(fake.people.values()))
        window.session.assign(faces, target.id)
        settle(qtbot, window)
        moved = [f for f in faces if fake.faces[f].person_id == target.id]
        assert 40 <= len(moved) < 120 and any(visible for _, visible in seen)
        assert not window.progress_bar.isVisible()
        assert "cancelled before it was sent" in window.statusBar().currentMessage()
        qtbot.waitUntil(lambda: window.session.faces.rowCount() == 120 - len(moved))  # what the server holds
        window.session.undo_stack.undo()  # what was done can be undone
        settle(qtbot, window)
        assert all(fake.faces[f].person_id is None for f in faces)
    finally:
        wait_for(qtbot, shell.close_current())


def test_switching_from_the_local_library_to_gumnut_in_the_dialog(qtbot, loop, library_folder):
    fake = FakeGumnut.seeded()
    shell = Shell(transport=httpx.ASGITransport(app=AsgiApp(fake)))
    wait_for(qtbot, shell.open(Profile("mine", "local", library=str(library_folder))))
    local_window = shell.current[2]
    assert local_window.session.people.rowCount() > 20
    try:
        local_window.connectionsRequested.emit()
        dialog = shell.dialog
        dialog._new()
        dialog.name.setText("family")
        dialog.kind.setCurrentIndex(dialog.kind.findData("gumnut"))
        dialog.input("base_url").setText("http://gumnut.test")
        dialog.input("library").setText("lib_main")
        dialog.input("key").setText(fake.api_key)
        dialog.open_button.click()
        qtbot.waitUntil(lambda: shell.current[2] is not local_window and shell.current[1].people.rowCount() > 1)
        assert "Gumnut" in shell.current[2].windowTitle()
        assert shell.store.get("family").base_url == "http://gumnut.test"
        assert shell.secrets.get("family") == fake.api_key and fake.api_key not in shell.store.path.read_text()
    finally:
        wait_for(qtbot, shell.close_current())


def test_the_key_is_in_no_log_record_and_no_file_the_app_writes(qtbot, loop, caplog, tmp_path):
    import logging

    caplog.set_level(logging.DEBUG)
    fake = FakeGumnut.seeded()
    fake.api_key = "apikey_NeverWriteMe0042"
    shell = Shell(transport=httpx.ASGITransport(app=AsgiApp(fake)))
    shell.store.save(Profile("family", "gumnut", "http://gumnut.test", "lib_main"))
    shell.secrets.set("family", fake.api_key)
    wait_for(qtbot, shell.open(shell.store.get("family")))
    window = shell.current[2]
    qtbot.waitUntil(lambda: window.session.tiles._used > 0, timeout=10000)  # crops fetched and cached
    select_person(qtbot, window, None)
    window.session.assign([window.session.faces.face_at(0).id], next(iter(fake.people)))
    settle(qtbot, window)
    window.close()  # writes the window settings
    wait_for(qtbot, shell.close_current())
    assert caplog.records
    for record in caplog.records:
        assert fake.api_key not in record.getMessage() and "cdnSIGNATURE" not in record.getMessage()
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert any(p.suffix == ".png" for p in written) and any(p.name == "profiles.json" for p in written)
    assert any(p.name.startswith("journal.sqlite3") for p in written)  # the change was journaled
    tiles = [p for p in written if p.suffix == ".png"]
    assert all(re.fullmatch(r"[0-9a-f]{40}\.png", p.name) for p in tiles)  # names from hashes, not from URLs
    for path in written:
        data = path.read_bytes()
        assert fake.api_key.encode() not in data, path
        assert b"cdnSIGNATURE" not in data, path


def test_a_large_library_shows_at_once_and_counts_its_unassigned_faces_when_read(qtbot, loop):
    """Counting Gumnut's unassigned faces means reading every face (no filter): the window
    does not wait for that; it says the count is not known, and learns it from the list."""
    fake = FakeGumnut.seeded(people=3, faces_per_person=2, unassigned=1150)
    fake.rate_limited = False
    shell, window = open_gumnut(qtbot, fake)
    faces = window.session.faces
    qtbot.waitUntil(lambda: window.session.people.rowCount() == 4 and not faces.loading)
    walked = [c for c in fake.calls if c.path == "/api/faces" and "person_id" not in c.query]
    assert len(walked) == 5 + 1  # the count gave up after five pages of six; the list asked for its first page once
    assert window.session.store.unassigned is None
    assert "not counted yet" in window.library_status.text()
    assert window.session.people.index(0).data(Qt.ItemDataRole.ToolTipRole).startswith("faces not counted yet")
    select_person(qtbot, window, None)
    while faces.canFetchMore() or faces.loading:  # as the grid asks when scrolled to its end
        faces.fetchMore()
        qtbot.wait(10)
    assert faces.rowCount() == 1150
    qtbot.waitUntil(lambda: window.session.store.unassigned == 1150)
    assert "1,150 unassigned faces" in window.library_status.text()
    assert window.faces_heading.text() == "Unassigned faces (1150)"
    wait_for(qtbot, shell.close_current())


def test_people_pages_that_go_in_a_circle_end_the_list_with_a_message(qtbot, loop):
    """The server starts serving its first page again after the last, saying more follow:
    the list stops at the first cursor it has seen before, instead of loading repeats
    for as long as the user scrolls."""
    fake = FakeGumnut.seeded(people=250, faces_per_person=0, unassigned=3)
    fake.rate_limited = False
    shell, window = open_gumnut(qtbot, fake)
    try:
        people = window.session.people
        qtbot.waitUntil(lambda: not people.loading and people.rowCount() == 201)  # a page, and Unassigned
        fake.paging = "circle"  # it goes wrong while the user scrolls
        fake.calls.clear()
        for _ in range(5):
            if not people.canFetchMore():
                break
            people.fetchMore()
            qtbot.waitUntil(lambda: not people.loading)
        assert not people.canFetchMore()
        assert sum(c.path == "/api/people" for c in fake.calls) == 2  # the last 50, then the first page again
        assert people.rowCount() == 251
        assert "pages go in a circle" in window.statusBar().currentMessage()
        assert window.people_pane.listed_text() == "250+ people"  # all the server gave, maybe not all it has
    finally:
        wait_for(qtbot, shell.close_current())


def test_deleting_a_person_gumnut_cannot_restore_is_asked_first_naming_them_and_their_faces(qtbot, gumnut_shell,
                                                                                           monkeypatch):
    from faceboard.ui import dialogs

    fake, shell, window = gumnut_shell
    bob = next(p for p in fake.people.values() if p.name == "Bob Baker")
    select_person(qtbot, window, bob.id)
    asked, answers = [], [False, True]
    monkeypatch.setattr(dialogs, "confirm_people", lambda parent, title, question, rows, tiles, yes:
                        asked.append((question, [(p.name, fate) for p, fate in rows], yes)) or answers.pop(0))
    window.people_view.setFocus()
    qtbot.keyClick(window.people_view, Qt.Key.Key_Delete)
    assert asked[0][0].startswith("Delete Bob Baker on ") and "Their 3 faces become unassigned" in asked[0][0]
    assert asked[0][1:] == ([("Bob Baker", "deleted")], "Delete") and bob.id in fake.people  # cancelled
    qtbot.keyClick(window.people_view, Qt.Key.Key_Delete)
    settle(qtbot, window)
    assert bob.id not in fake.people and window.session.store.unassigned == 5 + 3


def test_gumnut_lists_faces_in_its_own_order_so_the_order_control_says_why_not(qtbot, gumnut_shell):
    fake, shell, window = gumnut_shell
    order = window.faces_pane.order
    assert not order.isEnabled() and "sort faces" in order.toolTip()


def test_gumnut_lists_all_faces_so_the_filter_control_says_why_not(qtbot, gumnut_shell):
    fake, shell, window = gumnut_shell
    shown = window.faces_pane.filter
    assert not shown.isEnabled() and "filter faces" in shown.toolTip()
