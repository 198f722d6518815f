"""The SQLite files Faceboard keeps (the local library, the change journal): opening one,
for reading only where it cannot be written, and saying in one line why one cannot be
used and what to do, instead of an sqlite3 traceback.

Read-only is told by `os.access`, which also sees a read-only mount (where even root
cannot write); a WAL file there opens `immutable` when SQLite cannot make its `-shm`.
"""

from __future__ import annotations

import errno
import os
import shutil
import sqlite3
from pathlib import Path

from faceboard.errors import Damaged, DiskFull, InUse, ReadOnly, StorageError

BUSY_TIMEOUT = 5.0  # seconds to wait for another Faceboard's write before saying it holds the file
ROOM = 1 << 20  # bytes: less free space than this, and a disk I/O error means the disk is full
COPY_IT = "open it read-only, or copy it to a folder you can write"


def writable(path: Path) -> bool:
    """Whether `path` can be written: the file if it exists, and the folder it is in (WAL
    writes its `-wal` and `-shm` files beside it)."""
    return os.access(path.parent, os.W_OK) and (not path.exists() or os.access(path, os.W_OK))


def connect(path: Path, what: str, read_only: bool = False) -> sqlite3.Connection:
    """A connection to `path` for one worker thread, autocommit (transactions are
    explicit). `what` names the file in messages: "The library", "The change journal"."""
    if path.is_dir():
        raise Damaged(f"{what} {path} is a folder, not a file: move it away, then try again. Nothing was changed.")
    if path.is_file() and path.stat().st_size == 0:  # SQLite would take it for a new, empty one
        raise Damaged(f"{what} {path} is empty (0 bytes): it was cut short. Restore it from a backup, "
                      "or move it away to start a new one. Nothing was changed.")
    try:
        if not read_only:
            return sqlite3.connect(path, timeout=BUSY_TIMEOUT, isolation_level=None, check_same_thread=False)
        uri = f"{path.resolve().as_uri()}?mode=ro"
        db = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT, isolation_level=None, check_same_thread=False)
        try:
            db.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchall()
        except sqlite3.OperationalError:  # a WAL file without its -shm, in a folder where none can be made
            db.close()
            wal = Path(f"{path}-wal")
            if wal.exists() and wal.stat().st_size > 0:  # `immutable` would not read it: an older state, unsaid
                raise ReadOnly(f"{what} {path} holds changes not yet merged into it (in {wal.name}), which a "
                               "read-only folder cannot merge: copy the folder to one you can write to open it. "
                               "Nothing was changed.")
            db = sqlite3.connect(f"{uri}&immutable=1", uri=True, isolation_level=None, check_same_thread=False)
            db.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchall()
        return db
    except sqlite3.Error as error:
        raise unusable(error, path, what) from None


def unusable(error: sqlite3.Error | OSError, path: Path, what: str, read_only_hint: str = COPY_IT) -> StorageError:
    """The error to raise for `error`, met while using `path`; `read_only_hint` says what
    to do when it cannot be written."""
    if _is_full(error, path):
        return DiskFull(f"The disk holding {_lower(what)} {path} is full: free some space, then try again. "
                        "Nothing was changed.")
    if _is_read_only(error, path):
        return ReadOnly(f"{what} {path} cannot be written: the folder is read-only; {read_only_hint}. "
                        "Nothing was changed.")
    if isinstance(error, OSError):
        return StorageError(f"{what} {path} cannot be used: {error.strerror or error}. Nothing was changed.")
    if _code(error) in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
        return InUse(f"{what} {path} is in use: another Faceboard is changing it. Close that one (or wait for it "
                     "to finish), then try again. Nothing was changed.")
    if _code(error) == sqlite3.SQLITE_IOERR:
        return StorageError(f"{what} {path} cannot be read or written ({error}): check the disk, then try "
                            "again. Nothing was changed.")
    reason = str(error)
    if reason.startswith("Could not decode to UTF-8"):  # Python's words, not SQLite's: no code
        reason = f"a row holds text that is not UTF-8: {reason}"
    return Damaged(f"{what} {path} is damaged ({reason}). Restore it from a backup, or move it away to start "
                   "a new one. Nothing was changed.")


def _code(error: sqlite3.Error) -> int:
    return (getattr(error, "sqlite_errorcode", None) or 0) & 0xFF  # the primary code of an extended one


def _is_full(error: sqlite3.Error | OSError, path: Path) -> bool:
    if isinstance(error, OSError):
        return error.errno in (errno.ENOSPC, errno.EDQUOT)
    # a disk I/O error on a disk without room: no space for the -shm (SQLITE_IOERR_SHMSIZE)
    return _code(error) == sqlite3.SQLITE_FULL or (_code(error) == sqlite3.SQLITE_IOERR and _no_room(path))


def _is_read_only(error: sqlite3.Error | OSError, path: Path) -> bool:
    if isinstance(error, OSError):
        return error.errno in (errno.EROFS, errno.EACCES, errno.EPERM)
    return _code(error) == sqlite3.SQLITE_READONLY or (_code(error) == sqlite3.SQLITE_CANTOPEN and not writable(path))


def _no_room(path: Path) -> bool:
    try:
        return shutil.disk_usage(path.parent).free < ROOM
    except OSError:
        return False


def _lower(what: str) -> str:
    return what[0].lower() + what[1:]
