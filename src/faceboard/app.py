"""Entry point: the command line, or the window on a qasync event loop."""

from __future__ import annotations

import asyncio
import contextlib
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from faceboard import APP, __version__, cli
from faceboard.domain import count
from faceboard.errors import FaceboardError


SWITCH_INTERVAL = 0.0002  # seconds a thread keeps Python's lock when another asks for it (Python's default: 0.005)


def share_the_lock() -> None:
    """Threads hand Python's lock over every 0.2 ms, not every 5. The GUI thread takes the
    lock again each time Qt calls into Python (a delegate's paint, a model's data): with a
    thread computing in Python meanwhile (the likeness catching up, the library's thread)
    it waited up to 5 ms each time: the people list painted in 173 ms instead of 5 (at
    0.2 ms, in 15 ms; benchmarks/paint.py)."""
    sys.setswitchinterval(SWITCH_INTERVAL)


def main(argv: list[str] | None = None) -> int:
    args = cli.parser().parse_args(argv)
    if args.self_test:
        from faceboard.self_test import run_self_test

        return run_self_test()
    if args.command or args.demo is not None:
        return cli.run(args)
    return run_window(args)


def run_window(args) -> int:
    import qasync
    from PySide6.QtWidgets import QApplication

    try:
        profile, _ = cli.connection(args, None, window=True)
    except FaceboardError as error:
        print(f"faceboard: {cli.shown(error.message)}", file=sys.stderr)
        return cli.exit_code(error)
    share_the_lock()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setOrganizationName(APP)
    app.setApplicationName(APP)
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("io.github.faceboard.Faceboard")
    # the loop ends when _window returns, after pending changes are written; not before
    app.setQuitOnLastWindowClosed(False)
    try:
        return qasync.run(_window(profile))
    except asyncio.CancelledError:
        return 0


async def _window(profile) -> int:
    from PySide6.QtWidgets import QApplication

    shell = Shell()
    QApplication.instance().lastWindowClosed.connect(shell.closed.set)
    await shell.open(profile)
    await shell.closed.wait()
    await shell.close_current()
    await shell.journal.close()
    return 0


class Shell:
    """Holds the open connection (backend, session, window) and switches to another."""

    def __init__(self, **backend_options):
        from faceboard.services.connections import ProfileStore, SecretStore
        from faceboard.services.journal import Journal

        self.store = ProfileStore()
        self.secrets = SecretStore()
        self.journal = Journal()
        self.closed = asyncio.Event()
        self.current = None
        self.dialog = None
        self.making_demo = None  # the first start's progress, while the demo library is made
        self._options = backend_options
        self.opening: asyncio.Future | None = None  # a new library being opened (File → New library…)

    async def open(self, profile) -> None:
        from faceboard.services.connections import (
            UNSAVED, default_library, new_library, open_backend, read_secrets, remember_library)
        from faceboard.services.curator import Curator
        from faceboard.services.images import ImagePipeline
        from faceboard.services.outbox import Outbox
        from faceboard.ui.session import Session
        from faceboard.ui.window import MainWindow

        try:
            journal_warning = await self.journal.open()  # damaged, locked, read-only: said, not raised
            if profile.kind == "local":
                folder = Path(profile.library) if profile.library else default_library()
                if not (folder / "library.sqlite3").exists():  # the default one, on first run, gets the demo
                    if folder.absolute() == default_library().absolute():
                        await self._make_demo(folder)
                    else:  # a folder named for a library of its own starts empty
                        await asyncio.to_thread(new_library, folder)
                backend = open_backend(profile)
            else:
                secrets = await asyncio.to_thread(read_secrets, profile, self.secrets)  # the keyring may block
                backend = open_backend(profile, secrets, **self._options)
        except (FaceboardError, OSError) as error:
            self._refused(profile, getattr(error, "message", str(error)))
            return
        cache = cli.tile_cache_dir(f"{profile.kind}|{profile.base_url}|{profile.library}")
        curator = Curator(backend)
        session = Session(curator, ImagePipeline(backend.read_image, cache),
                          outbox=Outbox(curator, self.journal, profile.key, profile.name))
        window = MainWindow(session, profile.name if profile.name != UNSAVED else backend.display_name)
        window.connectionsRequested.connect(self.show_connections)
        window.publishRequested.connect(self.show_publish)
        window.findInMediaRequested.connect(self.show_media_search)
        window.newLibraryRequested.connect(self.new_library)
        window.show()
        previous, self.current = self.current, (backend, session, window)
        if previous is not None:
            await self._close(previous)
        try:
            window.show_message(await curator.connect())
        except FaceboardError as error:
            window.show_problem(f"Cannot connect: {error.message}")
            self.show_connections(profile, error.message)
            return
        window.name_connection(backend.display_name)
        if profile.kind == "local":
            with contextlib.suppress(OSError):  # not remembered on a read-only disk: no reason to stop
                await asyncio.to_thread(remember_library, folder)
        await session.load()
        if self.current is None or self.current[1] is not session:
            return  # closed while it loaded (a quit, another library opened): its backend is shut
        if not curator.read_only:  # else what waits keeps waiting, not marked failed
            session.keep_sending()  # changes an earlier run left waiting, re-checked and sent once
            session.spawn(window.importer.resume())  # photos an earlier run left unscanned
        warnings = [w for w in (journal_warning, self.secrets.warning) if w]
        if warnings:
            window.show_problem(" ".join(warnings))

    async def _make_demo(self, folder: Path) -> None:
        """The first start: the demo library is made on a thread while a window shows
        how far it got (a few seconds; before, nothing was on screen meanwhile)."""
        from PySide6.QtWidgets import QProgressDialog

        from faceboard.backends.local import demo
        from faceboard.domain import Progress

        print(f"Creating the demo library in {folder} …", file=sys.stderr)
        loop = asyncio.get_running_loop()
        self.making_demo = shown = QProgressDialog("Creating a demo library to try Faceboard with…", "", 0, 100)
        shown.setWindowTitle("Faceboard")
        shown.setCancelButton(None)  # half a library would be no library
        shown.setMinimumDuration(0)
        shown.setMinimumWidth(380)
        shown.setValue(0)
        shown.show()

        def show(done: int, total: int) -> None:
            if self.making_demo is shown:
                shown.setMaximum(total)
                shown.setValue(done)
                shown.setLabelText(f"Creating a demo library to try Faceboard with…\n{done} of {count(total, 'photo')}")

        def report(done: int, total: int) -> None:  # on the demo's thread: the dialog is the GUI thread's
            loop.call_soon_threadsafe(show, done, total)

        try:
            with ThreadPoolExecutor(1) as worker:  # the loop stays responsive meanwhile
                await loop.run_in_executor(worker, lambda: demo.generate(folder, progress=Progress(report)))
        finally:
            shown.close()
            shown.deleteLater()
            self.making_demo = None

    def _refused(self, profile, message: str) -> None:
        if self.current is not None:
            self.current[2].show_problem(f"Cannot open: {message}")
        print(f"faceboard: {cli.shown(message)}", file=sys.stderr)
        self.show_connections(profile, message)

    def new_library(self, folder: str) -> None:
        """Open a new, empty local library in `folder` (one there already is opened);
        `opening` is its task, until it has opened."""
        self.opening = asyncio.ensure_future(self._new_library(Path(folder)))

    async def _new_library(self, folder: Path) -> None:
        from faceboard.services.connections import UNSAVED, Profile

        try:
            refused = not (folder / "library.sqlite3").exists() and any(folder.iterdir())
        except OSError as error:
            refused = f"{folder} cannot be read: {error.strerror or error}."
        if refused:  # opening makes the library, empty (no demo): in a folder of its own
            if self.current is not None:
                why = refused if isinstance(refused, str) else (
                    f"{folder} is not empty: choose an empty folder for a new library (photos stay where "
                    "they are; import them into it).")
                self.current[2].show_problem(f"{why} Nothing was changed.")
            return
        await self.open(Profile(UNSAVED, "local", library=str(folder)))

    def show_connections(self, profile=None, message: str | None = None) -> None:
        """The Connections dialog, on `profile` when given (one that failed to open)."""
        from faceboard.ui.connections import ConnectionsDialog

        parent = self.current[2] if self.current is not None else None
        self.dialog = ConnectionsDialog(self.store, self.secrets, parent, **self._options)
        self.dialog.openRequested.connect(lambda profile: asyncio.ensure_future(self.open(profile)))
        if profile is not None:
            self.dialog.edit(profile)
        if message:
            self.dialog.status.setText(message)
        self.dialog.show()

    def show_publish(self, person) -> None:
        """The Publish dialog for a person of the open connection."""
        from faceboard.ui.publish_dialog import PublishDialog

        _, session, window = self.current
        self.dialog = PublishDialog(session.curator, session.outbox.name, person, self.store, self.secrets,
                                    self.journal, window, likeness=session.curation.likeness, **self._options)
        self.dialog.show()

    def show_media_search(self, face) -> None:
        """Look for a face of the open connection in a Media Intelligence workspace."""
        from faceboard.ui.media_search import MediaSearchDialog

        _, session, window = self.current
        self.dialog = MediaSearchDialog(session.curator, face, self.store, self.secrets, window, **self._options)
        self.dialog.show()

    async def close_current(self) -> None:
        if self.current is not None:
            await self._close(self.current)
            self.current = None

    @staticmethod
    async def _close(current) -> None:
        backend, session, window = current
        window.importer.cancel()  # the photos not scanned wait for the next start
        session.stop_sending()  # what still waits stays in the journal, for the next start
        await session.settle()  # changes on their way are finished before the backend closes
        await session.tiles.aclose()
        await backend.close()
        window.close()
        window.deleteLater()
