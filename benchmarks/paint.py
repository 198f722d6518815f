"""How long the window's panes take to paint while another thread computes in Python,
at Python's default switch interval (5 ms) and at the one the window's process sets
(`faceboard.app.SWITCH_INTERVAL`). Each time Qt calls into Python (a delegate's paint, a
model's data) the GUI thread must take Python's lock again, and a busy thread keeps it
up to the switch interval: the likeness catching up, the library's thread, a decoder's
Python. The real window offscreen, on a library of 20,000 faces and 2,000 people (made by
big_library.py), the unassigned faces shown, their tiles decoded first.

    .venv/bin/python benchmarks/paint.py
"""

import asyncio
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import qasync  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from big_library import embed, make  # noqa: E402

from faceboard.app import SWITCH_INTERVAL  # noqa: E402
from faceboard.backends.local import LocalLibrary  # noqa: E402
from faceboard.services.curator import Curator  # noqa: E402
from faceboard.services.images import ImagePipeline  # noqa: E402
from faceboard.ui.session import Session  # noqa: E402
from faceboard.ui.window import MainWindow  # noqa: E402

PAINTS = 31


def paint_ms(widget) -> float:
    """The mean wall time of one synchronous paint of `widget`."""
    widget.repaint()
    start = time.perf_counter()
    for _ in range(PAINTS):
        widget.repaint()
    return round((time.perf_counter() - start) / PAINTS * 1000, 1)


def paint_cpu_ms(widget) -> float:
    """The median of the GUI thread's CPU time a synchronous paint of `widget` takes."""
    widget.repaint()
    times = []
    for _ in range(PAINTS):
        started = time.thread_time()
        widget.repaint()
        times.append(time.thread_time() - started)
    return round(sorted(times)[PAINTS // 2] * 1000, 2)


class Spinning:
    """A thread running Python bytecode the whole time, as a busy worker thread does."""

    def __enter__(self):
        self._stop = False
        self._thread = threading.Thread(target=self._spin)
        self._thread.start()
        return self

    def _spin(self) -> None:
        count = 0
        while not self._stop:
            count += 1

    def __exit__(self, *exc):
        self._stop = True
        self._thread.join()


async def measure(backend) -> dict:
    session = Session(Curator(backend), ImagePipeline(backend.read_image, Path(tempfile.mkdtemp())))
    window = MainWindow(session, "paint")
    window.resize(1400, 900)
    window.show()
    await session.load()
    while session.people.loading:
        await asyncio.sleep(0.01)
    session.store.select(None)
    while session.faces.loading:
        await asyncio.sleep(0.01)
    while session.curation.likeness is None:  # the suggestions, shown on the tiles
        await asyncio.sleep(0.1)
    window.faces_view.viewport().repaint()  # asks for the tiles on screen
    await asyncio.sleep(3.0)
    panes = {"faces grid": window.faces_view.viewport(), "people list": window.people_view.viewport()}
    cpu = {"faces grid with suggestions": paint_cpu_ms(panes["faces grid"])}
    window.faces_view.selectAll()
    cpu["faces grid, every tile selected"] = paint_cpu_ms(panes["faces grid"])
    window.faces_view.clearSelection()
    cpu["people list"] = paint_cpu_ms(panes["people list"])
    figures = {name: {"alone": paint_ms(widget)} for name, widget in panes.items()}
    for label, interval in (("busy thread, 5 ms", 0.005), (f"busy thread, {SWITCH_INTERVAL * 1000:g} ms", SWITCH_INTERVAL)):
        sys.setswitchinterval(interval)
        with Spinning():
            for name, widget in panes.items():
                figures[name][label] = paint_ms(widget)
    window.close()
    await session.tiles.aclose()
    await backend.close()
    return cpu, figures


def main() -> None:
    folder = Path(tempfile.mkdtemp()) / "library"
    make(folder, faces=20_000, people=2_000)
    embed(folder)
    app = QApplication(sys.argv[:1])
    app.setQuitOnLastWindowClosed(False)
    cpu, figures = qasync.run(measure(LocalLibrary(folder)))
    print("one repaint, the GUI thread's CPU: " + ", ".join(f"{name} {ms} ms" for name, ms in cpu.items()))
    for name, by in figures.items():
        print(f"{name}: " + ", ".join(f"{label} {ms} ms" for label, ms in by.items()))


if __name__ == "__main__":
    main()
