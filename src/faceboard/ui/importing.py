"""The window side of importing photos: `Importer` runs a `services.scanning.Scanner`
for the window (the folders chosen or dropped, and on opening what an earlier run left
waiting), says how far it got in the status bar, shows the faces it finds in the panes
as they come, and lists the files it skipped once, in a dialog, when it ends.

The scan itself runs on worker processes (see `scanning`): here only its reports arrive,
on the event loop, and the faces found join the panes at most every REFRESH_EVERY_S
(the store reads the last page again, not all: 30,000 unassigned faces read again
every two seconds would stall the window).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from faceboard.domain import Capability, count
from faceboard.errors import FaceboardError

if TYPE_CHECKING:  # imported when a scan starts: the models' libraries cost the window's start 20 MB and a second
    from faceboard.services.scanning import ScanProgress, Scanner

REFRESH_EVERY_S = 2.0  # new faces reach the panes this often while the scan finds them
LEARN_AFTER_S = 5.0  # after opening, the faces to learn wait this long: the workers' start would slow the first paints


class Importer(QObject):
    progress = Signal(object)  # a ScanProgress: the status bar shows its summary
    finished = Signal(object)  # the last ScanProgress (or None when the scan could not start)
    skipped = Signal(object)  # the files a run skipped, with the reasons (said once, at its end)

    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.session = session
        self.clock = time.monotonic
        self.scanner: Scanner | None = None
        self._queued: list[str] = []  # folders given while a scan runs: imported after it
        self._cancelled = False
        self._pausing = False  # the learning stops for photos given meanwhile (and goes on after them)
        self._learn_after = False  # faces wait to be learnt once the run under way ends
        self._stopped = asyncio.Event()  # Cancel, or the window closing: no learning starts after it
        self._faces_shown = 0
        self._refreshed_at = 0.0

    @property
    def running(self) -> bool:
        return self.scanner is not None

    def why_not(self) -> str | None:
        return self.session.curator.why_not(Capability.IMPORT_PHOTOS)

    def start(self, paths: list[str]) -> None:
        """Import `paths` (folders or files), then find the faces of every photo waiting."""
        if why := self.why_not():
            self.session.problem.emit(why)
            return
        if self.running:
            self._queued.extend(str(p) for p in paths)
            if not self._pause_learning():
                self.session.message.emit(f"{_names(paths)} will be imported when the photos before are scanned.")
            return
        self.session.spawn(self._run([str(p) for p in paths]))

    async def resume(self) -> None:
        """On opening: finish the scan an earlier run left (quit or killed), if any, and
        learn the faces this build has not embedded (the demo's drawn faces, faces of an
        older build), so that every face can be compared."""
        if self.why_not() is None and not self.running:
            try:
                status = await self.session.curator.scan_status()
            except FaceboardError as error:
                self.session.problem.emit(f"The scan cannot go on: {error.message}")
                return
            if status.to_learn and not status.waiting:  # the window's first seconds are its own (tiles, pages)
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(self._stopped.wait(), LEARN_AFTER_S)
                if self._stopped.is_set():
                    return
            if not (status.waiting or status.to_learn):
                return
            if self.running:
                self._learn_after = True
            else:
                await self._run([], learn=True)

    def _pause_learning(self) -> bool:
        """Photos given while faces of before are being learnt come first: the learning
        stops, and goes on after them. Whether it was paused."""
        if self.scanner is None or not self.scanner.progress.learning or not self._queued:
            return False
        self._pausing = self._learn_after = True
        self.scanner.cancel()
        return True

    def cancel(self) -> None:
        """Stop the scan soon; the photos not scanned wait for the next one (or the next
        start), and so do the faces not learnt."""
        self._queued.clear()
        self._learn_after = False
        self._stopped.set()
        if self.scanner is not None:
            self._cancelled = True
            self.scanner.cancel()

    async def _run(self, paths: list[str], learn: bool = False) -> None:
        from faceboard.services.scanning import Scanner

        self.scanner = Scanner(self.session.curator.backend, self._heard)
        self._faces_shown, self._refreshed_at, self._cancelled = 0, self.clock(), False
        result = None
        try:
            result = await self.scanner.run(paths, learn=learn)
            if result.faces_found or result.faces_learnt:
                await self._show_found()
        except FaceboardError as error:
            self.session.problem.emit(f"Importing failed: {error.message}")
        finally:
            self.scanner = None  # running until the panes show what it found
        paused, self._pausing = self._pausing, False
        if result is not None and not paused:
            self.session.message.emit(_ended(result, self._cancelled))
            if result.problems:
                self.skipped.emit(result.problems)
        self.finished.emit(result)
        if self._queued or self._learn_after:
            queued, self._queued, learn, self._learn_after = self._queued, [], self._learn_after, False
            self.session.spawn(self._run(queued, learn=learn))

    def _heard(self, progress: ScanProgress) -> None:
        if self._pausing:
            return
        if self._pause_learning():  # photos were given while the ones before were scanned
            return
        self.progress.emit(progress)
        now = self.clock()
        if (found := progress.faces_found + progress.faces_learnt) > self._faces_shown and \
                now - self._refreshed_at >= REFRESH_EVERY_S:  # learnt ones: for the suggestions
            self._faces_shown, self._refreshed_at = found, now
            self.session.spawn(self._show_found())

    async def _show_found(self) -> None:
        """The faces found so far join the end of the Unassigned faces shown (the rows
        there and the selection stay); the counts follow."""
        try:
            await self.session.curation.faces_found()
        except FaceboardError as error:
            self.session.problem.emit(f"Reading the faces found failed: {error.message}")


def _names(paths: list[str]) -> str:
    shown = ", ".join(Path(p).name or str(p) for p in paths[:3])
    return shown + (f" and {len(paths) - 3} more" if len(paths) > 3 else "")


def _ended(result: ScanProgress, cancelled: bool) -> str:
    if result.learning:
        learnt = result.faces_learnt - result.faces_not_learnt
        if cancelled:
            return (f"Learning faces stopped: {learnt:,} of {result.faces_to_learn:,}; the rest are learnt at the "
                    "next start.")
        unread = (f"; {count(result.faces_not_learnt, 'face')} not, their photos cannot be read now"
                  if result.faces_not_learnt else "")
        return f"Learning faces done: {count(learnt, 'face')} learnt{unread}."
    faces, photos = count(result.faces_found, "face"), count(result.photos_done, "photo")
    if cancelled:
        return f"Finding faces stopped: {faces} in {photos}; the rest wait for the next scan."
    if not result.photos_done and not result.problems:  # not "done: 0 faces in 0 photos"
        if result.photos_known:
            return f"No new photos: {count(result.photos_known, 'photo')} already in the library."
        return "No photos found there (Faceboard imports JPEG, PNG, HEIC, TIFF and WebP)."
    skipped = f"; {count(len(result.problems), 'file')} skipped" if result.problems else ""
    return f"Finding faces done: {faces} in {photos}{skipped}."
