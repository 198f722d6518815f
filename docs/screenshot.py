"""Open the window offscreen on a fresh demo library and save a screenshot.

    QT_QPA_PLATFORM=offscreen .venv/bin/python docs/screenshot.py docs/screenshot.png
"""

import asyncio
import sys
import tempfile
from pathlib import Path

import qasync
from PySide6.QtWidgets import QApplication

from faceboard.backends.local import LocalLibrary, demo
from faceboard.services.curator import Curator
from faceboard.services.images import ImagePipeline
from faceboard.ui.session import Session
from faceboard.ui.window import MainWindow


async def shoot(target: Path) -> None:
    folder = Path(tempfile.mkdtemp()) / "library"
    await asyncio.get_running_loop().run_in_executor(None, demo.generate, folder)
    library = LocalLibrary(folder)
    pipeline = ImagePipeline(library.read_image, None)
    session = Session(Curator(library), pipeline)
    window = MainWindow(session, "Demo library")
    window.resize(1400, 860)
    window.show()
    await session.load()
    await asyncio.sleep(0.5)
    unassigned = session.store.listed_faces()[:3]
    session.assign([f.id for f in unassigned[:2]], "5")  # some history to show
    session.assign([unassigned[2].id], "9")
    await session.settle()
    row = session.people.row_of("5")
    window.people_view.setCurrentIndex(session.people.index(row))
    await asyncio.sleep(1.5)
    model = session.faces
    window.faces_view.selectionModel().select(model.index(2), window.faces_view.selectionModel().SelectionFlag.Select)
    window.faces_view.selectionModel().select(model.index(3), window.faces_view.selectionModel().SelectionFlag.Select)
    await asyncio.sleep(1.0)
    window.grab().save(str(target))
    await session.settle()
    await session.tiles.aclose()
    await library.close()


if __name__ == "__main__":
    app = QApplication(sys.argv[:1])
    qasync.run(shoot(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshot.png")))
