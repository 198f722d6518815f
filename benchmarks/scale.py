"""The window at scale: a backend with 100,000 faces and 10,000 people (made by
big_library.py), the real window offscreen. Measures how soon the first rows paint after
the first page arrives; then scrolls the faces pane (the unassigned faces, about 30,000)
from top to bottom with tiles streaming in; then, after a pause that lets the rate limit
refill, moves 1,000 of those faces onto a person the way a drop does. A 5 ms timer
measures how late the event loop runs (the GUI thread's stalls) in each phase.

The local library's faces have embeddings (big_library.embed), so Faceboard compares
them: the suggestions load in the background while the grid scrolls, and the drop makes
them update (the person's suggestions are measured again against every unassigned face,
the tiles on screen repainted). Then View ▸ Review opens: how soon its first rows are
painted after it is asked for, and the stalls while an operator accepts 40 faces one by
one (Y, about 6 a second) and then a group at once (Shift+Y), each decision making the
suggestions update. `--plain` leaves the embeddings out: the run as before suggestions.

On `--gumnut`, the backend is the fake Gumnut server (tests/fakes) in a process of its
own on a loopback socket, with its documented rate limit (400 tokens, 100 a second): the
bulk phase reports the achieved rate of PATCHes against that limit, and how many
requests the server refused with 429. Prints JSON, then a readable line.

With `--scanning`, the local library also imports 12 MP photos (made by scan.py) the
whole time, as the window does: its Scanner on the same event loop, its worker processes
on the other cores, each photo's faces committed to the library the panes read.

    .venv/bin/python benchmarks/scale.py [LIBRARY]     (default: a fresh one in /tmp)
    .venv/bin/python benchmarks/scale.py --plain [LIBRARY]
    .venv/bin/python benchmarks/scale.py --gumnut
    .venv/bin/python benchmarks/scale.py --scanning [LIBRARY]
"""

import asyncio
import json
import multiprocessing
import os
import resource
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import qasync  # noqa: E402
from PySide6.QtCore import QEvent, QObject, Qt, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from big_library import embed, make, make_gumnut  # noqa: E402
from scan import make_photos  # noqa: E402

from faceboard.app import share_the_lock  # noqa: E402
from faceboard.backends.gumnut import GumnutBackend  # noqa: E402
from faceboard.backends.local import LocalLibrary  # noqa: E402
from faceboard.domain import Capability  # noqa: E402
from faceboard.services.curator import Curator  # noqa: E402
from faceboard.services.images import ImagePipeline  # noqa: E402
from faceboard.services.scanning import Scanner  # noqa: E402
from faceboard.ui.mime import FacesPayload  # noqa: E402
from faceboard.ui.session import Session  # noqa: E402
from faceboard.ui.window import MainWindow  # noqa: E402

BULK = 1000
DECISIONS = 40  # faces accepted one by one in Review
GUMNUT_RATE = 100  # tokens a second; a PATCH costs one


def serve_gumnut(conn) -> None:
    """In a child process: the fake Gumnut at scale, counting its answers by status."""
    from fakes.server import serve

    fake = make_gumnut()
    answered: Counter = Counter()
    handle = fake.handle

    def counting(method, path, *rest):
        status, headers, body = handle(method, path, *rest)
        answered[f"{method} {status}"] += 1
        return status, headers, body

    fake.handle = counting
    with serve(fake) as url:
        conn.send((url, fake.api_key))
        while conn.recv() != "stop":
            conn.send(dict(answered))


class Lateness:
    """A 5 ms timer: how late each tick comes is how long the GUI thread was busy. On a
    shared machine that also counts the time others took the core: the GUI thread's own
    CPU time between ticks (`cpu`) says what it did itself."""

    INTERVAL = 0.005

    def __init__(self):
        self.samples: list[float] = []
        self.cpu: list[float] = []
        self._timer = QTimer()
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self._tick)

    def start(self) -> None:
        self._last, self._last_cpu = time.perf_counter(), time.thread_time()
        self._timer.start(int(self.INTERVAL * 1000))

    def stop(self) -> None:
        self._timer.stop()

    def _tick(self) -> None:
        now, cpu = time.perf_counter(), time.thread_time()
        self.samples.append(max(0.0, now - self._last - self.INTERVAL))
        self.cpu.append(cpu - self._last_cpu)
        self._last, self._last_cpu = now, cpu

    def summary(self) -> dict:
        ordered, cpu = sorted(self.samples), sorted(self.cpu)
        pick = lambda values, q: round(values[min(len(values) - 1, int(q * len(values)))] * 1000, 1)  # noqa: E731
        return {"ticks": len(ordered), "p50_ms": pick(ordered, 0.5), "p99_ms": pick(ordered, 0.99),
                "max_ms": round(ordered[-1] * 1000, 1), "cpu_p99_ms": pick(cpu, 0.99), "cpu_max_ms": round(cpu[-1] * 1000, 1)}


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


async def review(window, session) -> dict:
    """Open Review once the suggestions are made: the time to its first rows painted (the
    groups and the first group's faces); then accept faces one by one, then a group, with
    the GUI thread's stalls meanwhile and how many faces' suggestions changed."""
    while session.curation.likeness is None:
        await asyncio.sleep(0.05)
    page = window.review_page
    painted = [FirstPaint(page.grid.viewport()), FirstPaint(page.group_list.viewport())]
    for paint in painted:
        paint.arm()
    start, cpu = time.perf_counter(), time.thread_time()
    window.open_review()
    while any(paint.at is None for paint in painted):
        await asyncio.sleep(0.001)
    open_ms = round((max(paint.at for paint in painted) - start) * 1000, 1)
    open_cpu_ms = round((time.thread_time() - cpu) * 1000, 1)  # the GUI thread's own share of it
    waiting, groups = page.queue.waiting, len(page.queue.order)
    changed = []
    session.suggestionsChanged.connect(lambda face_ids: changed.append(len(face_ids)))
    lateness = Lateness()
    lateness.start()
    start = time.perf_counter()
    for _ in range(DECISIONS):
        page.accept()
        await asyncio.sleep(0.15)
    largest = max(range(len(page.queue.order)), key=lambda row: len(page.queue.groups[page.queue.order[row]]))
    page.group_list.setCurrentIndex(page.groups.index(largest))  # its middle face: Shift+Y takes half the group
    page.grid.setCurrentIndex(page.faces.index(page.faces.rowCount() // 2))
    taken = len(page.queue.at_or_above(page.selected_id()))
    page.accept_all()
    await session.settle()
    seconds = time.perf_counter() - start
    lateness.stop()
    window.close_review()
    return {"first_rows_painted_ms": open_ms, "first_rows_cpu_ms": open_cpu_ms, "faces_waiting": waiting, "groups": groups,
            "accepted_one_by_one": DECISIONS, "accepted_at_once": taken, "seconds": round(seconds, 1),
            "suggestions_changed": sum(changed), "stall": lateness.summary()}


async def run(backend, server=None, photos: Path | None = None) -> dict:
    scanner = Scanner(backend) if photos else None
    scanning = asyncio.ensure_future(scanner.run([photos])) if scanner else None
    cache = Path(tempfile.mkdtemp())
    session = Session(Curator(backend), ImagePipeline(backend.read_image, cache))
    window = MainWindow(session, "scale")
    window.resize(1400, 900)
    window.show()
    tiles = []
    session.tiles.tileReady.connect(lambda _waiting: tiles.append(1))
    bulk_changed = []
    lateness = Lateness()
    lateness.start()
    people_paint = FirstPaint(window.people_view.viewport())
    people_ms = await first_paint_after_first_page(session.people, people_paint, lambda: session.spawn(session.load()))
    while session.people.loading:
        await asyncio.sleep(0.01)
    faces = session.faces
    faces_paint = FirstPaint(window.faces_view.viewport())
    faces_ms = await first_paint_after_first_page(faces, faces_paint, lambda: session.store.select(None))  # the unassigned faces
    bar = window.faces_view.verticalScrollBar()
    start = time.perf_counter()
    while time.perf_counter() - start < 600:  # about one screen per frame, like dragging the scroll bar
        bar.setValue(bar.value() + window.faces_view.viewport().height())
        await asyncio.sleep(0.016)
        if bar.value() >= bar.maximum():
            if faces.canFetchMore():
                faces.fetchMore()  # what the view does when its scroll bar reaches the end
            elif not faces.loading:
                break
    scrolled, listed = time.perf_counter() - start, faces.rowCount()
    await asyncio.sleep(4.0)  # the last screen's tiles arrive; the rate limit refills
    lateness.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    before = server() if server else {}
    moved = tuple(f.id for f in session.store.listed_faces()[:BULK])  # what the drag carries, made before it
    target = session.store.listed_people()[0]
    bulk_lateness = Lateness()
    bulk_lateness.start()
    suggestions_loaded = session.curation.likeness is not None
    session.suggestionsChanged.connect(lambda face_ids: bulk_changed.append(len(face_ids)))
    start = time.perf_counter()
    session.drop(FacesPayload(moved, None), target)  # what a drop of the selection does
    await session.settle()
    bulk_s = time.perf_counter() - start
    bulk_lateness.stop()
    reviewed = await review(window, session) if session.curator.can(Capability.COMPARE_FACES) and \
        session.curation.likeness is not None and session.curation.likeness.suggest_unassigned() else None
    after = server() if server else {}
    result = {
        "backend": backend.display_name,
        "people_listed": len(session.store.listed_people()),
        "people_first_paint_ms": people_ms, "faces_first_paint_ms": faces_ms,
        "faces_scrolled": listed, "scroll_s": round(scrolled, 1), "tiles_decoded": len(tiles),
        "stall": lateness.summary(), "peak_rss_mb": round(rss),
        "bulk": {"faces": len(moved), "seconds": round(bulk_s, 2), "per_second": round(len(moved) / bulk_s),
                 "stall": bulk_lateness.summary(), "suggestions_loaded": suggestions_loaded,
                 "suggestions_changed": sum(bulk_changed)},
    }
    if reviewed is not None:
        result["review"] = reviewed
    if server:
        patches = after.get("PATCH 200", 0) - before.get("PATCH 200", 0)
        result["bulk"].update({
            "patches": patches, "allowed_per_second": GUMNUT_RATE,
            "refused_429": sum(n for k, n in after.items() if k.endswith(" 429")),
        })
    if scanner is not None:
        scanner.cancel()
        done = await scanning
        result["scan"] = {"photos_done": done.photos_done, "photos": done.photos_total, "faces": done.faces_found}
    await session.tiles.aclose()
    window.close()
    await backend.close()
    return result


def main() -> None:
    args = sys.argv[1:]
    share_the_lock()  # as the window's process does
    app = QApplication(sys.argv[:1])
    app.setQuitOnLastWindowClosed(False)
    if "--gumnut" in args:
        conn, child_end = multiprocessing.Pipe()
        child = multiprocessing.get_context("spawn").Process(target=serve_gumnut, args=(child_end,), daemon=True)
        child.start()
        url, api_key = conn.recv()

        def server() -> dict:
            conn.send("stats")
            return conn.recv()

        result = qasync.run(run(GumnutBackend(api_key, url, "lib_main"), server))
        conn.send("stop")
        child.join(10)
    else:
        given = [a for a in args if not a.startswith("--")]
        folder = Path(given[0]) if given else Path(tempfile.mkdtemp()) / "big"
        if not (folder / "library.sqlite3").exists():
            make(folder)
            if "--plain" not in args:
                embed(folder)
        photos = None
        if "--scanning" in args:
            photos = Path(tempfile.mkdtemp()) / "photos"
            photos.mkdir()
            maker = multiprocessing.get_context("spawn").Process(target=make_photos, args=(photos, 40))
            maker.start()  # in a process of its own: its arrays stay out of this one's peak RSS
            maker.join()
        result = qasync.run(run(LocalLibrary(folder), photos=photos))
    print(json.dumps(result))
    stall, bulk = result["stall"], result["bulk"]
    line = (f"{result['backend']}: {result['faces_scrolled']} faces scrolled in {result['scroll_s']} s with "
            f"{result['tiles_decoded']} tiles decoded; first rows painted {result['people_first_paint_ms']} ms (people) "
            f"and {result['faces_first_paint_ms']} ms (faces) after the first page; GUI stalls p50 {stall['p50_ms']} ms, "
            f"p99 {stall['p99_ms']} ms, max {stall['max_ms']} ms; peak RSS {result['peak_rss_mb']} MB. "
            f"{bulk['faces']} faces moved in {bulk['seconds']} s ({bulk['per_second']}/s")
    if "patches" in bulk:
        line += f" against {bulk['allowed_per_second']}/s allowed after a burst of 400; {bulk['refused_429']} refused with 429"
    stall = bulk["stall"]
    line += (f"), GUI stalls meanwhile p50 {stall['p50_ms']} ms, p99 {stall['p99_ms']} ms, max {stall['max_ms']} ms "
             f"(the GUI thread's own CPU time between ticks: p99 {stall['cpu_p99_ms']} ms)")
    if bulk["suggestions_changed"]:
        line += f"; the drop changed {bulk['suggestions_changed']:,} faces' suggestions"
    if "review" in result:
        review = result["review"]
        stall = review["stall"]
        line += (f". Review: first rows painted {review['first_rows_painted_ms']} ms after it was asked for "
                 f"(the GUI thread's own CPU time {review['first_rows_cpu_ms']} ms; {review['faces_waiting']:,} faces "
                 f"in {review['groups']:,} groups); {review['accepted_one_by_one']} "
                 f"faces accepted one by one, then {review['accepted_at_once']} at once, in {review['seconds']} s, "
                 f"{review['suggestions_changed']:,} faces' suggestions changing: GUI stalls p50 {stall['p50_ms']} ms, "
                 f"p99 {stall['p99_ms']} ms, max {stall['max_ms']} ms (own CPU p99 {stall['cpu_p99_ms']} ms)")
    if "scan" in result:
        scan = result["scan"]
        line += f"; meanwhile the scan did {scan['photos_done']} of {scan['photos']} photos of 12 MP ({scan['faces']} faces)"
    print(line)


if __name__ == "__main__":
    main()
