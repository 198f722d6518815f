"""The window sends through the outbox: the journal says where a change was made and an
undo as an undo, and the status bar says what was undone."""

import pytest
from conftest import wait_for
from ui_helpers import person_of, select_faces, select_person, settle

from faceboard.app import Shell
from faceboard.services.connections import Profile


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
    window.show_change_log()
    log = window.change_log
    qtbot.waitUntil(lambda: log.tree.topLevelItemCount() == 3)
    assert [log.tree.topLevelItem(1).text(c) for c in (2, 3)] == ["window", "Undo: Detach face"]
    log.close()
