"""The first start makes the demo library while a window shows how far it got; the
main window follows with the library open."""

import asyncio

from PySide6.QtWidgets import QApplication, QProgressDialog

from faceboard.app import Shell
from faceboard.services import connections
from faceboard.services.connections import Profile


def test_the_first_start_shows_its_progress_at_once_then_the_window(qtbot, loop, tmp_path, monkeypatch):
    shell = Shell()
    folder = tmp_path / "first" / "library"
    monkeypatch.setattr(connections, "default_library", lambda: folder)  # only the default library gets the demo
    opening = asyncio.ensure_future(shell.open(Profile("first", "local", library=str(folder))))
    seen = []

    def progress_shown() -> bool:
        shown = [w for w in QApplication.topLevelWidgets() if isinstance(w, QProgressDialog) and w.isVisible()]
        if shown and shell.current is None:
            seen.append((shown[0].value(), shown[0].labelText()))
        return bool(seen) and seen[-1][0] > 0

    qtbot.waitUntil(progress_shown, timeout=20000)  # before any main window, while photos are made
    assert "of 100 photos" in seen[-1][1]
    qtbot.waitUntil(opening.done, timeout=60000)
    opening.result()
    window = shell.current[2]
    qtbot.waitUntil(lambda: window.session.people.rowCount() > 20)
    assert not any(isinstance(w, QProgressDialog) and w.isVisible() for w in QApplication.topLevelWidgets())
    assert (folder / "library.sqlite3").exists()
    closing = asyncio.ensure_future(shell.close_current())
    qtbot.waitUntil(closing.done, timeout=15000)
