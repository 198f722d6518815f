"""The window at scale: a local library with 100,000 faces and 10,000 people (made by
big_library.py), the real window offscreen. Measures how soon the first rows paint
after the first page arrives, then scrolls the faces pane (the unassigned faces, about
30,000) from top to bottom with tiles streaming in, while a 5 ms timer measures how late
the event loop runs (the GUI thread's stalls). Prints JSON, then a readable line.

    .venv/bin/python benchmarks/scale.py [LIBRARY]     (default: a fresh one in /tmp)
"""

import asyncio
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import qasync  # noqa: E402
from PySide6.QtCore import QEvent, QObject, Qt, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from big_library import make  # noqa: E402

from faceboard.backends.local import LocalLibrary  # noqa: E402
from faceboard.services.curator import Curator  # noqa: E402
from faceboard.services.images import ImagePipeline  # noqa: E402
from faceboard.ui.session import Session  # noqa: E402
from faceboard.ui.window import MainWindow  # noqa: E402


class Lateness:
    """A 5 ms timer: how late each tick comes is how long the GUI thread was busy."""

    INTERVAL = 0.005

    def __init__(self):
        self.samples: list[float] = []
        self._timer = QTimer()
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self._tick)

    def start(self) -> None:
        self._last = time.perf_counter()
        self._timer.start(int(self.INTERVAL * 1000))

    def stop(self) -> None:
        self._timer.stop()

    def _tick(self) -> None:
        now = time.perf_counter()
        self.samples.append(max(0.0, now - self._last - self.INTERVAL))
        self._last = now

    def summary(self) -> dict:
        ordered = sorted(self.samples)
        pick = lambda q: round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 1)  # noqa: E731
        return {"ticks": len(ordered), "p50_ms": pick(0.5), "p99_ms": pick(0.99), "max_ms": round(ordered[-1] * 1000, 1)}


class FirstPaint(QObject):
    """The time of the first paint of a widget after `arm()`."""

    def __init__(self, widget):
        super().__init__()
        self.at: float | None = None
        self._armed = False
        widget.installEventFilter(self)

    def arm(self) -> None:
        self.at, self._armed = None, True

    def eventFilter(self, watched, event) -> bool:
        if self._armed and event.type() == QEvent.Type.Paint:
            self.at, self._armed = time.perf_counter(), False
        return False


async def first_paint_after_first_page(model, painted: FirstPaint, start) -> float:
    arrived = []
    model.rowsInserted.connect(lambda *_: arrived.append(time.perf_counter()) or painted.arm() if not arrived else None)
    start()
    while painted.at is None:
        await asyncio.sleep(0.001)
    return round((painted.at - arrived[0]) * 1000, 1)


async def run(folder: Path) -> dict:
    library = LocalLibrary(folder)
    cache = Path(tempfile.mkdtemp())
    session = Session(Curator(library), ImagePipeline(library.read_image, cache))
    window = MainWindow(session, "scale")
    window.resize(1400, 900)
    window.show()
    tiles = []
    session.tiles.tileReady.connect(lambda: tiles.append(1))
    lateness = Lateness()
    lateness.start()
    people_paint = FirstPaint(window.people_view.viewport())
    people_ms = await first_paint_after_first_page(session.people, people_paint, lambda: session.spawn(session.load()))
    while session.people.loading:
        await asyncio.sleep(0.01)
    faces = session.faces
    faces_paint = FirstPaint(window.faces_view.viewport())
    faces_ms = await first_paint_after_first_page(faces, faces_paint, lambda: session.select(None))  # the unassigned faces
    bar = window.faces_view.verticalScrollBar()
    start = time.perf_counter()
    while time.perf_counter() - start < 300:  # about one screen per frame, like dragging the scroll bar
        bar.setValue(bar.value() + window.faces_view.viewport().height())
        await asyncio.sleep(0.016)
        if bar.value() >= bar.maximum():
            if faces.canFetchMore():
                faces.fetchMore()  # what the view does when its scroll bar reaches the end
            elif not faces.loading:
                break
    scrolled = time.perf_counter() - start
    await asyncio.sleep(1.0)  # the last screen's tiles arrive
    lateness.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result = {
        "people_listed": len(session.people.people()),
        "people_first_paint_ms": people_ms, "faces_first_paint_ms": faces_ms,
        "faces_scrolled": faces.rowCount(), "scroll_s": round(scrolled, 1), "tiles_decoded": len(tiles),
        "stall": lateness.summary(), "peak_rss_mb": round(rss),
    }
    await session.settle()
    await session.tiles.aclose()
    window.close()
    await library.close()
    return result


def main() -> None:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp()) / "big"
    if not (folder / "library.sqlite3").exists():
        make(folder)
    app = QApplication(sys.argv[:1])
    app.setQuitOnLastWindowClosed(False)
    result = qasync.run(run(folder))
    print(json.dumps(result))
    stall = result["stall"]
    print(f"{result['faces_scrolled']} faces scrolled in {result['scroll_s']} s with {result['tiles_decoded']} tiles "
          f"decoded; first rows painted {result['people_first_paint_ms']} ms (people) and "
          f"{result['faces_first_paint_ms']} ms (faces) after the first page; GUI stalls p50 {stall['p50_ms']} ms, "
          f"p99 {stall['p99_ms']} ms, max {stall['max_ms']} ms; peak RSS {result['peak_rss_mb']} MB")


if __name__ == "__main__":
    main()
