"""The window sends through the outbox: the journal says where a change was made and an
undo as an undo, and the status bar says what was undone."""

import subprocess
import sys

import pytest
from conftest import wait_for
from fakes.gumnut import FakeGumnut
from test_window_gumnut import open_gumnut
from ui_helpers import db, person_of, select_faces, select_person, settle

from faceboard.app import Shell
from faceboard.services.connections import UNSAVED, Profile


@pytest.fixture
def local_shell(qtbot, loop, library_folder):
    """The app's shell on a local library, journaled as the app does it."""
    shell = Shell()
    wait_for(qtbot, shell.open(Profile("family", "local", library=str(library_folder))))
    window = shell.current[2]
    qtbot.waitUntil(lambda: not window.session.faces.loading)
    yield shell, window
    wait_for(qtbot, shell.close_current())


def test_an_undo_is_journaled_as_an_undo_and_the_status_bar_says_undone(qtbot, local_shell, library_folder):
    shell, window = local_shell
    select_person(qtbot, window, "3")
    (face,) = select_faces(window, [0])
    window.session.assign([face], None)
    settle(qtbot, window)
    assert window.statusBar().currentMessage() == "Detach face: done."
    window.session.undo_stack.undo()
    settle(qtbot, window)
    assert person_of(library_folder, face) == "3"
    assert window.statusBar().currentMessage() == "Undone: Detach face."
    window.session.undo_stack.redo()
    settle(qtbot, window)
    assert window.statusBar().currentMessage() == "Redone: Detach face."
    entries = wait_for(qtbot, shell.journal.history())
    assert [(e.summary, e.origin, e.state) for e in entries] == [
        ("Redo: Detach face", "window", "done"), ("Undo: Detach face", "window", "done"),
        ("Detach face", "window", "done")]
    window.actions.show_change_log()
    log = window.actions.change_log_window
    qtbot.waitUntil(lambda: log.tree.topLevelItemCount() == 3)
    assert [log.tree.topLevelItem(1).text(c) for c in (2, 3)] == ["window", "Undo: Detach face"]
    log.close()


def test_the_change_log_names_a_connection_given_by_flags_by_its_backend_not_command_line(qtbot, loop,
                                                                                           library_folder):
    shell = Shell()
    wait_for(qtbot, shell.open(Profile(UNSAVED, "local", library=str(library_folder))))  # `--library` alone
    try:
        window = shell.current[2]
        qtbot.waitUntil(lambda: not window.session.faces.loading)
        (face,) = select_faces(window, [0])
        window.session.assign([face], "2")
        settle(qtbot, window)
        window.actions.show_change_log()
        log = window.actions.change_log_window
        qtbot.waitUntil(lambda: log.tree.topLevelItemCount() == 1)
        row = log.tree.topLevelItem(0)
        assert [row.text(c) for c in (1, 2)] == [shell.current[0].display_name, "window"]
        log.close()
    finally:
        wait_for(qtbot, shell.close_current())


def test_a_face_moved_elsewhere_meanwhile_is_not_moved_and_the_panes_show_where_it_is(
        qtbot, local_shell, library_folder):
    """The command line moves a face while the window shows it unassigned; dragging it to
    someone else then leaves it where the command line put it, and says so."""
    shell, window = local_shell
    select_person(qtbot, window, None)
    (face,) = select_faces(window, [0])
    zoe, amara = window.session.store.people.get("2"), window.session.store.people.get("3")
    elsewhere = subprocess.run([sys.executable, "-m", "faceboard", "--library", str(library_folder), "assign", face,
                                "--to", zoe.id], capture_output=True, text=True, timeout=60)
    assert elsewhere.returncode == 0, elsewhere.stderr
    window.session.assign([face], amara.id)
    settle(qtbot, window)
    assert person_of(library_folder, face) == zoe.id
    assert f"Face {face} was moved to {zoe.name} elsewhere; not moved." in window.statusBar().currentMessage()
    assert window.session.faces.row_of(face) is None  # not unassigned: the panes show the backend's truth
    select_person(qtbot, window, zoe.id)
    qtbot.waitUntil(lambda: window.session.faces.row_of(face) is not None)


def test_a_person_renamed_elsewhere_is_not_renamed_again(qtbot, local_shell, library_folder):
    shell, window = local_shell
    person = window.session.store.people.get("2")
    db(library_folder).execute("UPDATE persons SET name = 'Zoe Zimmer' WHERE id = 2").connection.commit()
    window.session.rename("2", "Zoe Z.")
    settle(qtbot, window)
    assert f"{person.name} was renamed to Zoe Zimmer elsewhere; not renamed." in window.statusBar().currentMessage()
    assert window.session.store.people.get("2").name == "Zoe Zimmer"


def test_on_gumnut_a_face_moved_elsewhere_is_not_patched(qtbot, loop):
    fake = FakeGumnut.seeded(people=3, faces_per_person=1, unassigned=3)
    fake.rate_limited = False
    shell, window = open_gumnut(qtbot, fake)
    try:
        qtbot.waitUntil(lambda: not window.session.faces.loading)
        select_person(qtbot, window, None)
        (face,) = select_faces(window, [0])
        carla, bob = (next(p for p in fake.people.values() if p.name == n) for n in ("Carla Cruz", "Bob Baker"))
        fake.faces[face].person_id = carla.id  # someone else, in Gumnut's own app
        window.session.assign([face], bob.id)
        settle(qtbot, window)
        assert fake.faces[face].person_id == carla.id
        assert not [c for c in fake.calls if c.method == "PATCH"]
        assert f"Face {face} was moved to Carla Cruz elsewhere; not moved." in window.statusBar().currentMessage()
    finally:
        wait_for(qtbot, shell.close_current())
