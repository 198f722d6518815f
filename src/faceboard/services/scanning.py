"""Finding the faces in a user's photos: import folder trees into a photo library, then
analyse each photo waiting for its scan on worker processes (the embedder holds the GIL,
so threads would gain nothing and stall the window), one core left to the window.

Each photo's result is committed as it comes, one photo a transaction, so a quit or a
`kill -9` loses at most the photos in flight, and the next run goes on with the photos
still waiting: none is scanned twice. Nothing heavy runs on the event loop's thread:
the folders are walked on a thread, files are read and hashed on the library's file
thread, decoded and analysed in the workers. No Qt: the window and the command line
both drive a `Scanner` and show its `ScanProgress`.

Faces that no worker of this build embedded (the demo's drawn faces, faces of an older
build) are learnt the same way, face by face, when asked (`run(learn=True)`: the window
does on opening a library): each embedding is committed as it comes, so learning too
goes on where a quit or a kill left it.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from faceboard import recognition
from faceboard.backends.base import Backend, FaceToLearn, ImportProblem, PendingPhoto, photo_library
from faceboard.errors import FaceboardError, Unavailable
from faceboard.recognition.embedding import current_model

BATCH = 64  # files registered in one transaction
WORKER_NICENESS = 10  # a tenth of a core against a busy window thread: the scan takes what the window leaves
CRASHED = "Faceboard's face finder stopped on this file (its process crashed), so it was skipped."


@dataclass(frozen=True)
class ScanProgress:
    photos_done: int  # scanned by this run (faces found, or failed)
    photos_total: int  # those plus the photos still to scan, and files still to look at
    faces_found: int  # by this run
    seconds_left: float | None  # None until a photo is done
    problems: tuple[ImportProblem, ...] = ()  # files skipped by this run, each once, with the reason
    photos_added: int = 0  # new to the library
    photos_known: int = 0  # found already in it (the same file, or the same photo elsewhere)
    learning: bool = False  # the photos are done: faces of before are being embedded (`seconds_left` is theirs)
    faces_learnt: int = 0  # embedded by this run (or given up on: `faces_not_learnt`)
    faces_to_learn: int = 0
    faces_not_learnt: int = 0  # their photo could not be read: they wait until it is found again

    @property
    def summary(self) -> str:
        """What the status bar and the command line say: 'Finding faces: 1,234 of 10,000
        photos · 2,345 faces · 3 min left', then 'Learning faces: 120 of 437 · 1 min left'."""
        if self.learning:
            parts = [f"Learning faces: {self.faces_learnt:,} of {self.faces_to_learn:,}"]
            done, total = self.faces_learnt, self.faces_to_learn
        else:
            parts = [f"Finding faces: {self.photos_done:,} of {self.photos_total:,} photos",
                     f"{self.faces_found:,} face{'' if self.faces_found == 1 else 's'}"]
            done, total = self.photos_done, self.photos_total
        if self.seconds_left is not None and done < total:
            parts.append(f"{_duration(self.seconds_left)} left")
        if self.problems:
            parts.append(f"{len(self.problems):,} skipped")
        return " · ".join(parts)


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{max(1, round(seconds))} s"
    if seconds < 3600:
        return f"{round(seconds / 60)} min"
    return f"{seconds // 3600:.0f} h {seconds % 3600 / 60:.0f} min"


def worker_count() -> int:
    """One process a core but one, which the window keeps; at least one."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, cores - 1)


def photo_files(paths: Iterable[str | Path]) -> tuple[list[str], list[ImportProblem]]:
    """The files under each path (a folder tree, or a file), in name order, hidden ones
    (`.DS_Store`, `.thumbnails/`) left out; and the paths that cannot be walked."""
    files: list[str] = []
    problems: list[ImportProblem] = []
    for given in paths:
        path = os.path.abspath(given)
        if os.path.isfile(path):
            files.append(path)
        elif os.path.isdir(path):
            def unreadable(error: OSError) -> None:
                problems.append(ImportProblem(error.filename or path, f"{Path(error.filename or path).name} cannot "
                                                                       f"be read: {error.strerror or error}."))

            for folder, subfolders, names in os.walk(path, onerror=unreadable):
                subfolders[:] = sorted(s for s in subfolders if not s.startswith("."))
                files.extend(os.path.join(folder, n) for n in sorted(names) if not n.startswith("."))
        else:
            problems.append(ImportProblem(path, f"{Path(path).name} does not exist." if not os.path.lexists(path)
                                          else f"{Path(path).name} is neither a folder nor a file."))
    return files, problems


def _start_worker() -> None:
    """In each worker process: end with the process that started it, even when that one is
    killed (`kill -9` leaves no one to shut the pool down); run below the window's priority;
    load the models once."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is the parent's to handle
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=lambda: (parent.join(), os._exit(0)), daemon=True).start()
    if hasattr(os, "nice"):
        os.nice(WORKER_NICENESS)
    recognition.warm_up()


def _ready() -> bool:
    """Answers once a worker has started and loaded its models."""
    return True


class Scanner:
    """Imports folders into a photo library and finds the faces of every photo waiting,
    including those an earlier run left. `on_progress` is called on the event loop after
    each batch of files and each photo."""

    def __init__(self, library: Backend, on_progress: Callable[[ScanProgress], None] | None = None,
                 workers: int | None = None, copy: bool = False):
        self.library = photo_library(library)
        self.workers = workers or worker_count()
        self.copy = copy
        self._on_progress = on_progress
        self._cancelled = False
        self._wake = asyncio.Event()
        self._done = self._faces = self._total = self._added = self._known = 0
        self._learning = False
        self._learnt = self._to_learn = self._not_learnt = 0
        self._problems: list[ImportProblem] = []
        self._started = time.monotonic()
        self._pool: ProcessPoolExecutor | None = None

    def cancel(self) -> None:
        """Stop soon: photos in flight are dropped (they stay waiting for the next run)."""
        self._cancelled = True
        self._wake.set()

    @property
    def progress(self) -> ScanProgress:
        done, total = (self._learnt, self._to_learn) if self._learning else (self._done, self._total)
        left = (time.monotonic() - self._started) / done * (total - done) if done else None
        return ScanProgress(self._done, self._total, self._faces, left, tuple(self._problems), self._added,
                            self._known, self._learning, self._learnt, self._to_learn, self._not_learnt)

    def _report(self) -> None:
        if self._on_progress is not None:
            self._on_progress(self.progress)

    async def run(self, paths: Sequence[str | Path] = (), scan: bool = True, learn: bool = False) -> ScanProgress:
        """Import `paths` (folders or files) and, unless `scan` is False, find the faces of
        every photo waiting; then, with `learn`, embed the faces this build has not (see
        `_learn`). Returns when nothing waits, or when cancelled."""
        self._started = time.monotonic()
        self._total = (await self.library.scan_status()).waiting if scan else 0
        files, problems = await asyncio.to_thread(photo_files, paths)
        self._problems.extend(problems)
        self._total += len(files)
        if self._total or not learn:  # else the first report is the learning's
            self._report()
        registering = asyncio.create_task(self._register(files, counted=scan))
        try:
            if scan:
                await self._scan(registering)
            await registering
        finally:
            registering.cancel()
        if learn:
            await self._learn()
        return self.progress

    async def _register(self, files: list[str], counted: bool) -> None:
        try:
            for start in range(0, len(files), BATCH):
                if self._cancelled:
                    return
                batch = files[start:start + BATCH]
                report = await self.library.import_files(batch, copy=self.copy)
                self._total -= len(batch) - (report.added if counted else 0)  # known ones and problems need no scan
                self._problems.extend(report.problems)
                self._added += report.added
                self._known += report.known
                self._wake.set()
                self._report()
        finally:
            self._wake.set()  # the scan, waiting for more photos, sees that no more come

    async def _scan(self, registering: asyncio.Task) -> None:
        await self._work(_Photos(self), registering)

    async def _learn(self) -> None:
        """Embed the faces no worker of this build has embedded (found by an older build,
        drawn by the demo): what comparing faces needs of every face."""
        self._to_learn = (await self.library.scan_status()).to_learn
        if not self._to_learn or self._cancelled:
            return
        self._learning, self._started = True, time.monotonic()
        self._report()
        await self._work(_Faces(self))

    async def _work(self, jobs: _Jobs, registering: asyncio.Task | None = None) -> None:
        """Run every job waiting on the workers, two queued a worker, each recorded as it
        ends; with `registering`, also those it adds until it is done. A worker that
        crashes loses the jobs in flight: they are run again one at a time, so the one that
        crashed it, alone, is recorded as failed."""
        flying: dict[asyncio.Future, object] = {}
        suspects: deque = deque()  # in flight when a worker crashed: tried again one at a time
        alone: set[str] = set()  # the one suspect in flight
        last: str | None = None
        try:
            while not self._cancelled:
                self._wake.clear()  # before looking for jobs: a batch registered from now on wakes the wait
                if suspects:
                    if not flying:
                        job = suspects.popleft()
                        alone.add(jobs.key(job))
                        flying[await self._submit(jobs, job)] = job
                elif len(flying) < 2 * self.workers:  # one queued behind each busy worker
                    for job in await jobs.waiting(2 * self.workers - len(flying), last):
                        last = jobs.key(job)
                        flying[await self._submit(jobs, job)] = job
                if not flying:
                    if registering is None or registering.done():
                        return
                    await self._wake.wait()
                    continue
                waker = asyncio.ensure_future(self._wake.wait())
                finished, _ = await asyncio.wait([*flying, waker], return_when=asyncio.FIRST_COMPLETED)
                waker.cancel()
                broken = False
                for future in finished:
                    job = flying.pop(future, None)
                    if job is None or self._cancelled:
                        continue
                    try:
                        result = future.result()
                    except BrokenProcessPool:
                        broken = True
                        if jobs.key(job) in alone:
                            await jobs.failed(job, CRASHED)
                        else:
                            suspects.append(job)
                        continue
                    except FaceboardError as error:
                        await jobs.failed(job, error.message)
                        continue
                    except Exception as error:  # noqa: BLE001 - a photo the models choke on is skipped, said
                        await jobs.failed(job, f"{Path(job.path).name} could not be analysed: {error!r}.")
                        continue
                    finally:
                        alone.discard(jobs.key(job))
                    await jobs.done(job, result)
                    self._report()
                if broken:  # every job in flight is lost with the pool: which one crashed it is found alone
                    suspects.extend(flying.values())
                    flying.clear()
                    self._stop_workers()
        finally:
            self._stop_workers()

    async def _submit(self, jobs: _Jobs, job) -> asyncio.Future:
        """The job on a worker; the workers start with the first job (none start when
        nothing waits)."""
        if self._pool is None:
            self._pool = await self._start_workers()
        return asyncio.wrap_future(jobs.submit(self._pool, job))

    async def _start_workers(self) -> ProcessPoolExecutor:
        """A pool of workers, started: one that cannot start (the models missing, say) stops
        the scan, leaving the photos waiting, rather than failing each photo in turn."""
        pool = ProcessPoolExecutor(self.workers, multiprocessing.get_context("spawn"), initializer=_start_worker)
        try:
            await asyncio.wrap_future(pool.submit(_ready))
        except BrokenProcessPool:
            pool.shutdown(wait=False, cancel_futures=True)
            raise Unavailable("The face finder cannot start its worker processes: the photos wait for their "
                              "scan (`faceboard scan` goes on with it).") from None
        return pool

    def _stop_workers(self) -> None:
        """Photos still in the workers are dropped: they stay waiting in the library."""
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None


class _Jobs(Protocol):
    """One kind of work for the workers: photos to scan, faces to learn."""

    def key(self, job) -> str: ...

    async def waiting(self, limit: int, after: str | None) -> list: ...

    def submit(self, pool: ProcessPoolExecutor, job) -> Future: ...

    async def done(self, job, result) -> None: ...

    async def failed(self, job, reason: str) -> None: ...


class _Photos:
    """Photos waiting for their faces to be found; one that cannot be read is skipped, said."""

    def __init__(self, scanner: Scanner):
        self.scanner, self.library = scanner, scanner.library

    def key(self, photo: PendingPhoto) -> str:
        return photo.asset_id

    async def waiting(self, limit: int, after: str | None) -> list[PendingPhoto]:
        return await self.library.pending_photos(limit, after=after)

    def submit(self, pool: ProcessPoolExecutor, photo: PendingPhoto) -> Future:
        return pool.submit(recognition.analyse_photo, photo.path)

    async def done(self, photo: PendingPhoto, analysis) -> None:
        self.scanner._faces += await self.library.record_scan(photo.asset_id, analysis)
        self.scanner._done += 1

    async def failed(self, photo: PendingPhoto, reason: str) -> None:
        await self.library.record_scan_failure(photo.asset_id, reason)
        self.scanner._problems.append(ImportProblem(photo.path, reason))
        self.scanner._done += 1
        self.scanner._report()


class _Faces:
    """Faces to embed with this build's model; one whose photo cannot be read now (moved,
    damaged) waits until the photo is found again."""

    def __init__(self, scanner: Scanner):
        self.scanner, self.library = scanner, scanner.library
        self.model = current_model()

    def key(self, face: FaceToLearn) -> str:
        return face.face_id

    async def waiting(self, limit: int, after: str | None) -> list[FaceToLearn]:
        return await self.library.faces_to_learn(limit, after=after)

    def submit(self, pool: ProcessPoolExecutor, face: FaceToLearn) -> Future:
        return pool.submit(recognition.embed_box, face.path, face.box)

    async def done(self, face: FaceToLearn, found) -> None:
        await self.library.record_learnt(face.face_id, self.model, found)
        self.scanner._learnt += 1

    async def failed(self, face: FaceToLearn, reason: str) -> None:
        await self.library.record_learning_failure(face.face_id, self.model, reason)
        self.scanner._learnt += 1
        self.scanner._not_learnt += 1
        self.scanner._report()
