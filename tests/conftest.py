"""Shared fixtures: headless Qt, a qasync loop that fails the test on stray errors,
isolated settings, and fresh copies of one generated demo library."""

from __future__ import annotations

import asyncio
import os
import shutil
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

from faceboard.backends.local import LocalLibrary, demo  # noqa: E402


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory):
    folder = tmp_path_factory.mktemp("template") / "library"
    demo.generate(folder)
    return folder


@pytest.fixture
def library_folder(demo_template, tmp_path):
    folder = tmp_path / "library"
    shutil.copytree(demo_template, folder)
    return folder


@pytest.fixture
def library(library_folder):
    lib = LocalLibrary(library_folder)
    yield lib
    lib.close_now()


def run(coro):
    """Run a coroutine to completion on a fresh asyncio loop (service tests, no Qt)."""
    return asyncio.run(coro)


@pytest.fixture
def loop(qapp, monkeypatch, tmp_path):
    """qasync's loop attached to the Qt loop pytest-qt spins, so qtbot.wait* also runs
    asyncio tasks. Exceptions that reach the loop or sys.excepthook fail the test."""
    import qasync
    from PySide6.QtCore import QSettings

    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "settings"))
    qapp.setOrganizationName("FaceboardTests")
    qapp.setApplicationName("FaceboardTests")
    errors: list = []
    monkeypatch.setattr(sys, "excepthook", lambda *info: errors.append(info))
    event_loop = qasync.QEventLoop(qapp, already_running=True)
    event_loop.set_exception_handler(lambda _loop, context: errors.append(context))
    asyncio.set_event_loop(event_loop)
    yield event_loop
    # detach the loop from the Qt loop again (qasync leaves that to its user), then close it
    asyncio.events._set_running_loop(None)
    event_loop._after_run_forever()
    event_loop._QEventLoop__is_running = False
    event_loop.close()
    asyncio.set_event_loop(None)
    if errors:
        pytest.fail(f"errors reached the event loop: {errors!r}")


def wait_for(qtbot, awaitable, timeout: int = 15000):
    """Run `awaitable` on the qasync loop while Qt spins; return its result."""
    task = asyncio.ensure_future(awaitable)
    qtbot.waitUntil(task.done, timeout=timeout)
    return task.result()


@pytest.fixture
def app_window(qtbot, loop, library_folder):
    """The real window on a fresh demo library, loaded, with the Unassigned row selected."""
    from faceboard.services.curator import Curator
    from faceboard.services.images import ImagePipeline
    from faceboard.ui.session import Session
    from faceboard.ui.window import MainWindow

    library = LocalLibrary(library_folder)
    pipeline = ImagePipeline(library.read_image, None, workers=2)
    session = Session(Curator(library), pipeline)
    window = MainWindow(session, "test library")
    window.show()
    wait_for(qtbot, session.load())
    qtbot.waitUntil(lambda: not session.faces.loading)
    yield window
    wait_for(qtbot, session.settle())
    wait_for(qtbot, session.tiles.aclose())
    window.close()
    window.deleteLater()
    library.close_now()
