"""Shared fixtures: headless Qt, a qasync loop that fails the test on stray errors,
isolated settings, and fresh copies of one generated demo library."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

from faceboard.backends.local import LocalLibrary, demo  # noqa: E402
from faceboard.backends.registry import BACKENDS  # noqa: E402


class MemoryKeyring:
    """An in-memory keyring backend: tests never touch (or prompt for) the OS keyring."""

    def __new__(cls):
        import keyring.backend
        import keyring.errors

        class Backend(keyring.backend.KeyringBackend):
            priority = 1

            def __init__(self):
                super().__init__()
                self.passwords = {}

            def get_password(self, service, username):
                return self.passwords.get((service, username))

            def set_password(self, service, username, password):
                self.passwords[(service, username)] = password

            def delete_password(self, service, username):
                if self.passwords.pop((service, username), None) is None:
                    raise keyring.errors.PasswordDeleteError("no such password")

        return Backend()


@pytest.fixture(autouse=True)
def isolated_user_folders(tmp_path, monkeypatch):
    """Settings, profiles, caches and secrets of a test stay in its own folders."""
    import keyring

    for variable in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME"):
        monkeypatch.setenv(variable, str(tmp_path / "xdg" / variable.lower()))
    for variable in {field.variable for kind in BACKENDS.values() for field in kind.fields if field.variable}:
        monkeypatch.delenv(variable, raising=False)
    previous = keyring.get_keyring()
    memory = MemoryKeyring()
    keyring.set_keyring(memory)
    yield memory
    keyring.set_keyring(previous)


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


@contextlib.contextmanager
def window_on(qtbot, folder, title: str, size: tuple[int, int] | None = None, load: bool = True):
    """The real window on the local library in `folder`, shown and loaded (`load` False:
    the test connects and loads it, as the app does); closed after."""
    from faceboard.services.curator import Curator
    from faceboard.services.images import ImagePipeline
    from faceboard.ui.session import Session
    from faceboard.ui.window import MainWindow

    library = LocalLibrary(folder)
    session = Session(Curator(library), ImagePipeline(library.read_image, None, workers=2))
    window = MainWindow(session, title)
    if size is not None:
        window.resize(*size)
    window.show()
    try:
        if load:
            wait_for(qtbot, session.load())
        yield window
    finally:
        wait_for(qtbot, session.settle())
        wait_for(qtbot, session.tiles.aclose())
        window.close()
        window.deleteLater()
        library.close_now()


@pytest.fixture
def app_window(qtbot, loop, library_folder):
    """The real window on a fresh demo library, loaded, with the Unassigned row selected."""
    with window_on(qtbot, library_folder, "test library") as window:
        qtbot.waitUntil(lambda: not window.session.faces.loading)
        yield window
