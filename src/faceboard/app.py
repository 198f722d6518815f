"""Entry point: the command line, or the window on a qasync event loop."""

from __future__ import annotations

import asyncio
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from faceboard import __version__, cli


def main(argv: list[str] | None = None) -> int:
    args = cli.parser().parse_args(argv)
    if args.command or args.demo is not None:
        return cli.run(args)
    return run_window(args.library or cli.default_library())


def run_window(folder: Path) -> int:
    import qasync
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setOrganizationName(cli.APP)
    app.setApplicationName(cli.APP)
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("faceboard")
    try:
        return qasync.run(_window(folder))
    except asyncio.CancelledError:
        return 0


async def _window(folder: Path) -> int:
    from PySide6.QtWidgets import QApplication, QMessageBox

    from faceboard.backends.local import LocalLibrary, demo
    from faceboard.errors import FaceboardError
    from faceboard.services.curator import Curator
    from faceboard.services.images import ImagePipeline
    from faceboard.ui.session import Session
    from faceboard.ui.window import MainWindow

    app = QApplication.instance()
    try:
        if not (folder / "library.sqlite3").exists():
            print(f"Creating the demo library in {folder} …", file=sys.stderr)
            with ThreadPoolExecutor(1) as worker:  # the window stays responsive meanwhile
                await asyncio.get_running_loop().run_in_executor(worker, demo.generate, folder)
        library = LocalLibrary(folder)
    except (FaceboardError, OSError) as error:
        QMessageBox.critical(None, "Faceboard", f"Cannot open the library in {folder}:\n{error}")
        return 1
    pipeline = ImagePipeline(library.read_image, cli.tile_cache_dir(folder))
    session = Session(Curator(library), pipeline)
    window = MainWindow(session, str(folder))
    closed = asyncio.Event()
    app.lastWindowClosed.connect(closed.set)
    window.show()
    await session.load()
    await closed.wait()
    await session.settle()  # changes on their way are finished before the library closes
    await session.tiles.aclose()
    await library.close()
    return 0
