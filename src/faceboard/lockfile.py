"""`LockFile`: one process at a time, across processes. Two Faceboards sending to one
connection (a window and a command line) take turns on such a file beside the journal.

The operating system's own lock on an open file (flock on Linux and macOS, a byte-range
lock on Windows): it is let go when its holder exits, killed with -9 included, so a
crash never leaves a stale lock behind. Written here rather than taken from `filelock`,
whose 4.x series adds 400 KB to the bundle, past its 150 MB target, for the one call
Faceboard needs.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


class LockFile:
    def __init__(self, path: Path):
        self.path = path
        self._fd: int | None = None
        self._held = False

    def try_acquire(self) -> bool:
        """Take the lock if no other process holds it; never waits. OSError when the
        file cannot be made (a folder that cannot be written)."""
        if self._fd is None:  # opened once, however many tries it takes
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            if sys.platform == "win32":
                import msvcrt

                msvcrt.locking(self._fd, msvcrt.LK_NBLCK, 1)
            else:
                import fcntl

                fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:  # held by another process
            return False
        self._held = True
        return True

    def release(self) -> None:
        """Let the lock go (if held) and close the file."""
        if self._fd is None:
            return
        if self._held and sys.platform == "win32":
            import msvcrt

            os.lseek(self._fd, 0, os.SEEK_SET)
            msvcrt.locking(self._fd, msvcrt.LK_UNLCK, 1)
        os.close(self._fd)  # on POSIX closing lets the flock go
        self._fd, self._held = None, False
