"""`faceboard --self-test`: prove that an installed build works on this machine.

Opens the real window on a small temporary demo library (offscreen unless a display is
there), moves one face onto a person through the same path a drop takes, undoes it,
checks the library after each step, finds the face in a photo it carries in a worker
process as the scan does (models, spawn and all), finds it again in the face index the
groups are made with, and exits 0. Prints how long the start
took.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

SELF_TEST_PHOTO = "self_test_face.jpg"  # Eileen Collins, NASA, public domain (tests/data/collins.jpg, smaller)

# When the launcher says when it started the process (FACEBOARD_LAUNCHED_AT, epoch
# seconds), the start time includes loading the bundle; otherwise it counts from here.
START = float(os.environ.get("FACEBOARD_LAUNCHED_AT") or time.time())


def run_self_test() -> int:
    if not os.environ.get("QT_QPA_PLATFORM") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    import qasync
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setQuitOnLastWindowClosed(False)
    with tempfile.TemporaryDirectory(prefix="faceboard-self-test-") as folder:
        try:
            return qasync.run(_self_test(app, Path(folder) / "library"))
        except Exception as error:  # the point is to say what broke, then fail
            print(f"self-test FAILED: {type(error).__name__}: {error}", file=sys.stderr)
            return 1


async def _self_test(app, folder: Path) -> int:
    from faceboard.backends.local import LocalLibrary, demo
    from faceboard.services.curator import Curator
    from faceboard.services.images import ImagePipeline
    from faceboard.services.drops import FacesPayload
    from faceboard.ui.session import Session
    from faceboard.ui.window import MainWindow

    demo.generate(folder, people=6, photos=8)
    library = LocalLibrary(folder)
    session = Session(Curator(library), ImagePipeline(library.read_image, None, workers=2))
    window = MainWindow(session, "self-test")
    window.show()
    await session.load()
    while session.faces.loading or not session.faces.rowCount():
        await asyncio.sleep(0.01)
    started = time.time() - START
    face = session.faces.face_at(0)
    target = session.store.listed_people()[0]
    try:
        session.drop(FacesPayload((face.id,), None), target)
        await session.settle()
        assert (await library.get_faces([face.id]))[0].person_id == target.id, "the reassignment did not reach the library"
        session.undo_stack.undo()
        await session.settle()
        assert (await library.get_faces([face.id]))[0].person_id is None, "the undo did not reach the library"
        platform = app.platformName()
        found = await _find_a_face()
    finally:
        await session.tiles.aclose()
        window.close()
        await library.close()
    print(f"self-test passed on the {platform} platform: window up in {started:.2f} s, "
          f"one reassign and one undo written to the library, {found}")
    return 0


async def _find_a_face() -> str:
    """The face in the photo the self-test carries, found and embedded in a spawned worker
    process, as the scan finds faces (a frozen build must start itself as that worker)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from importlib.resources import as_file, files

    from faceboard.recognition import EMBEDDING_SIZE, analyse_photo, vector

    started = time.time()
    with as_file(files("faceboard") / SELF_TEST_PHOTO) as path, \
            ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as workers:
        analysis = await asyncio.get_running_loop().run_in_executor(workers, analyse_photo, str(path))
    assert len(analysis.faces) == 1, f"{len(analysis.faces)} faces found in the photo of one"
    embedding = vector(analysis.faces[0].embedding).copy()  # writable, as voyager takes it
    assert len(embedding) == EMBEDDING_SIZE, "the face's embedding is not whole"
    assert _found_in_index(embedding, analysis.embedder), "the face index does not find the face it holds"
    return (f"its face found, embedded in a worker process and found again in the face index in "
            f"{time.time() - started:.2f} s ({analysis.detector})")


def _found_in_index(embedding, model: str) -> bool:
    """Whether the nearest-neighbour index the groups are made with (voyager, a compiled
    module) finds the one face put in it. The index lives only in here: nanobind warns of
    an instance still alive when the interpreter ends."""
    from faceboard.services.face_index import KeptIndex

    index = KeptIndex(None, model, len(embedding), 1)
    index.update(["self-test"], embedding[None, :])
    positions, _ = index.nearest(["self-test"], embedding[None, :])
    return index.ids[positions[0][0]] == "self-test"
