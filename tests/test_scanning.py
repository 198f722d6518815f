"""The scan: progress as it goes, cancel, and resume where it stopped, after a cancel or a
real `kill -9` of `faceboard import`, with each photo's faces there once."""

import collections
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import run
from own_photos import copy_photos

from faceboard.backends.local import LocalLibrary
from faceboard.services import scanning
from faceboard.services.scanning import ScanProgress, Scanner


@pytest.fixture
def lib(tmp_path):
    library = LocalLibrary(tmp_path / "library")
    yield library
    library.close_now()


def faces_by_photo(database: Path) -> dict[int, list[tuple]]:
    """Each scanned photo's faces (id and box), read as another process would."""
    if not database.exists():
        return {}
    db = sqlite3.connect(f"{database.as_uri()}?mode=ro", uri=True)  # never makes the file
    try:
        found = collections.defaultdict(list)
        for asset, *face in db.execute("SELECT a.id, f.id, f.x, f.y, f.w, f.h FROM assets a LEFT JOIN faces f "
                                       "ON f.asset_id = a.id WHERE a.scan = 'done' ORDER BY f.id"):
            found[asset].extend([tuple(face)] if face[0] is not None else [])
        return dict(found)
    except sqlite3.OperationalError:  # not made yet, or not yet of this version
        return {}
    finally:
        db.close()


def no_face_twice(by_photo: dict[int, list[tuple]]) -> bool:
    """A photo scanned twice would have each of its boxes twice."""
    return all(len({box[1:] for box in faces}) == len(faces) for faces in by_photo.values())


def test_the_summary_says_photos_faces_and_time_left():
    progress = ScanProgress(1234, 10_000, 2345, 170.0)
    assert progress.summary == "Finding faces: 1,234 of 10,000 photos · 2,345 faces · 3 min left"
    assert ScanProgress(0, 10, 0, None).summary == "Finding faces: 0 of 10 photos · 0 faces"
    learning = ScanProgress(0, 0, 0, 50.0, learning=True, faces_learnt=120, faces_to_learn=437)
    assert learning.summary == "Learning faces: 120 of 437 · 50 s left"


def test_one_core_is_left_to_the_window(monkeypatch):
    monkeypatch.setattr(os, "sched_getaffinity", lambda _: {0, 1, 2, 3}, raising=False)
    assert scanning.worker_count() == 3
    monkeypatch.setattr(os, "sched_getaffinity", lambda _: {0}, raising=False)
    assert scanning.worker_count() == 1


def test_progress_goes_up_and_a_cancelled_scan_goes_on_where_it_stopped(lib, demo_template, tmp_path):
    folder = tmp_path / "Pictures"
    copy_photos(demo_template, folder, 6)
    seen: list[ScanProgress] = []

    def report(progress):
        seen.append(progress)
        if progress.photos_done >= 2:
            scanner.cancel()

    scanner = Scanner(lib, report)
    stopped = run(scanner.run([folder]))

    assert 2 <= stopped.photos_done < 6
    status = run(lib.scan_status())
    assert status.done == stopped.photos_done and status.waiting == 6 - stopped.photos_done
    assert status.faces == stopped.faces_found
    done = [p.photos_done for p in seen]
    assert done == sorted(done) and seen[-1].photos_total == 6
    assert all(p.seconds_left is None for p in seen if p.photos_done == 0)
    assert all(p.seconds_left is not None for p in seen if p.photos_done)

    rest = run(Scanner(lib).run())  # nothing given: what waits is scanned, the rest left alone
    assert rest.photos_done == 6 - stopped.photos_done and rest.photos_total == rest.photos_done
    assert run(lib.scan_status()).waiting == 0
    by_photo = faces_by_photo(lib.path)
    assert len(by_photo) == 6 and no_face_twice(by_photo)


def _workers(pid: int) -> set[int]:
    """The processes `pid` started (Linux)."""
    children = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        children |= {int(c) for c in (task / "children").read_text().split()}
    return children


def _running(pid: int) -> bool:
    try:
        return "\nState:\tZ" not in Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads the process tree in /proc")
def test_an_import_killed_halfway_resumes_and_scans_each_photo_once(demo_template, tmp_path):
    folder = tmp_path / "Pictures"
    copy_photos(demo_template, folder, 12)
    library = tmp_path / "library"
    faceboard = [sys.executable, "-m", "faceboard", "--library", str(library)]
    importing = subprocess.Popen([*faceboard, "import", str(folder)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while len(faces_by_photo(library / "library.sqlite3")) < 3 and importing.poll() is None:
        assert time.monotonic() < deadline, "the scan did not get going"
        time.sleep(0.05)
    workers = _workers(importing.pid)
    importing.send_signal(signal.SIGKILL)
    importing.wait(10)
    assert importing.returncode == -signal.SIGKILL, "the scan finished before it could be killed"
    before = faces_by_photo(library / "library.sqlite3")
    assert 3 <= len(before) < 12
    assert workers, "the scan ran in no worker process"
    while any(_running(pid) for pid in workers):  # they end with the process that started them
        assert time.monotonic() < deadline + 30, "worker processes outlived the killed faceboard"
        time.sleep(0.05)

    again = subprocess.run([*faceboard, "scan", "--json"], capture_output=True, text=True, timeout=300)

    assert again.returncode == 0, again.stderr
    said = json.loads(again.stdout)
    assert said["scanned"] == 12 - len(before) and said["waiting"] == 0  # the photos in flight, and the rest
    after = faces_by_photo(library / "library.sqlite3")
    assert len(after) == 12 and no_face_twice(after)
    assert {photo: after[photo] for photo in before} == before  # those done before the kill: untouched
    print(f"\n[kill] killed after {len(before)} of 12 photos were scanned; the next run scanned the other "
          f"{said['scanned']}, each photo's faces there once")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads the process tree in /proc")
def test_a_worker_that_dies_is_replaced_and_its_photos_scanned_again(lib, demo_template, tmp_path):
    folder = tmp_path / "Pictures"
    copy_photos(demo_template, folder, 4)
    killed = []

    def report(progress):
        if progress.photos_done == 1 and not killed:  # a worker dies as a crash would end it
            workers = [pid for pid in _workers(os.getpid())
                       if "spawn_main" in Path(f"/proc/{pid}/cmdline").read_text() and _running(pid)]
            for pid in workers:
                os.kill(pid, signal.SIGKILL)
            killed.extend(workers)

    progress = run(Scanner(lib, report).run([folder]))

    assert killed
    assert (progress.photos_done, progress.problems) == (4, ())
    status = run(lib.scan_status())
    assert (status.done, status.failed, status.waiting) == (4, 0, 0)
    assert no_face_twice(faces_by_photo(lib.path))


def test_no_worker_starts_when_no_photo_waits(lib, monkeypatch):
    def no_workers(*args, **kwargs):
        raise AssertionError("worker processes started with nothing to scan")

    monkeypatch.setattr(scanning, "ProcessPoolExecutor", no_workers)
    done = run(Scanner(lib).run())  # what the window does on opening a library
    assert (done.photos_done, done.photos_total) == (0, 0)


@pytest.fixture
def small_demo(tmp_path):
    """A demo library of four photos: its faces drawn, none embedded."""
    from faceboard.backends.local import demo

    folder = tmp_path / "demo"
    demo.generate(folder, people=6, photos=4)
    return folder


def embeddings(database: Path) -> list[tuple]:
    db = sqlite3.connect(f"{database.as_uri()}?mode=ro", uri=True)
    try:
        return db.execute("SELECT face_id, model FROM embeddings ORDER BY face_id").fetchall()
    except sqlite3.OperationalError:  # locked by the writer this instant
        return []
    finally:
        db.close()


def test_faces_without_an_embedding_are_learnt_and_a_cancelled_learning_goes_on(small_demo):
    from faceboard.recognition.embedding import current_model

    library = LocalLibrary(small_demo)
    try:
        faces = run(library.scan_status()).to_learn
        assert run(library.face_vectors()).face_ids == () and faces > 12  # drawn, none embedded
        seen: list[ScanProgress] = []

        def report(progress):
            seen.append(progress)
            if progress.faces_learnt >= 3:
                scanner.cancel()

        scanner = Scanner(library, report)
        stopped = run(scanner.run(learn=True))
        assert stopped.learning and 3 <= stopped.faces_learnt < faces and stopped.faces_to_learn == faces
        assert run(library.scan_status()).to_learn == faces - stopped.faces_learnt
        assert seen[0].summary == f"Learning faces: 0 of {faces}"
        assert [p.faces_learnt for p in seen] == sorted(p.faces_learnt for p in seen)

        rest = run(Scanner(library).run(learn=True))
        assert rest.faces_learnt == rest.faces_to_learn == faces - stopped.faces_learnt and rest.faces_not_learnt == 0
        assert run(library.scan_status()).to_learn == 0
        learnt = embeddings(library.path)
        assert len(learnt) == faces and {model for _, model in learnt} == {current_model()}  # each face once
        vectors = run(library.face_vectors())
        assert len(vectors.face_ids) == faces and np.isfinite(vectors.vectors).all()
        qualities = run(library.face_qualities(vectors.face_ids)).values()
        assert all(q.sharpness > 0 and 0 <= q.frontal <= 1 and 0 < q.brightness < 1 for q in qualities)
        assert run(Scanner(library).run(learn=True)).faces_to_learn == 0  # nothing left: no worker starts
    finally:
        library.close_now()


def test_a_face_embedded_by_an_older_model_is_learnt_again(small_demo):
    from faceboard.recognition.embedding import current_model

    library = LocalLibrary(small_demo)
    try:
        faces = run(library.scan_status()).to_learn
        db = sqlite3.connect(library.path)
        with db:
            db.execute("INSERT INTO embeddings (face_id, model, vector) VALUES (1, 'an older model', zeroblob(512))")
            db.execute("INSERT INTO embeddings (face_id, model, vector) SELECT 2, ?, vector FROM embeddings "
                       "WHERE face_id = 1", (current_model(),))  # this build's already
        db.close()
        assert run(library.scan_status()).to_learn == faces - 1
        assert [f.face_id for f in run(library.faces_to_learn(2))] == ["1", "3"]
    finally:
        library.close_now()


def test_a_face_whose_photo_cannot_be_read_is_not_learnt_and_said(small_demo):
    library = LocalLibrary(small_demo)
    try:
        faces = run(library.scan_status()).to_learn
        first = run(library.faces_to_learn(1))[0]
        on_it = [f for f in run(library.photo(run(library.get_faces([first.face_id]))[0].asset_id)).faces]
        Path(first.path).unlink()
        done = run(Scanner(library).run(learn=True))
        assert done.faces_learnt == faces and done.faces_not_learnt == len(on_it) > 0
        assert run(library.scan_status()).to_learn == 0  # not tried again and again
        assert len(embeddings(library.path)) == faces - len(on_it)
    finally:
        library.close_now()


LEARN = """
import asyncio, sys
from faceboard.backends.local import LocalLibrary
from faceboard.services.scanning import Scanner
library = LocalLibrary(sys.argv[1])
asyncio.run(Scanner(library).run(learn=True))
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads the process tree in /proc")
def test_learning_killed_halfway_goes_on_where_it_stopped(small_demo):
    library = LocalLibrary(small_demo)
    faces = run(library.scan_status()).to_learn
    library.close_now()
    learning = subprocess.Popen([sys.executable, "-c", LEARN, str(small_demo)], stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while len(embeddings(small_demo / "library.sqlite3")) < 3 and learning.poll() is None:
        assert time.monotonic() < deadline, "the learning did not get going"
        time.sleep(0.05)
    workers = _workers(learning.pid)
    learning.send_signal(signal.SIGKILL)
    learning.wait(10)
    assert learning.returncode == -signal.SIGKILL, "the learning finished before it could be killed"
    before = embeddings(small_demo / "library.sqlite3")
    assert 3 <= len(before) < faces and workers
    while any(_running(pid) for pid in workers):  # they end with the process that started them
        assert time.monotonic() < deadline + 30, "worker processes outlived the killed learning"
        time.sleep(0.05)

    library = LocalLibrary(small_demo)
    try:
        rest = run(Scanner(library).run(learn=True))
        assert rest.faces_to_learn == faces - len(before) == rest.faces_learnt
        assert len(embeddings(library.path)) == faces  # each once
    finally:
        library.close_now()
