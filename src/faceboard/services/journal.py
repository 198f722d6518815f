"""The journal: every change a user makes, written to disk before it is sent.

An entry is written (SQLite, WAL, fsync'd at commit) with the operation as JSON before
the backend sees it, and marked `done` or `failed` when the backend answers. Pictures
an operation carries are kept apart, as BLOBs named by their digest (no base64, and no
megabytes of JSON to build while holding the GIL), and let go once the change is
answered: only a change still pending is ever read back whole. An entry
still `pending` after that means the answer never came: the app was killed, the machine
lost power, or the backend was unreachable (then the change waits, and is sent when the
backend answers again). `Curator.resume` re-checks such entries against the backend and
applies each exactly once.

SQLite runs on one worker thread: a commit's fsync never blocks the GUI thread.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import sqlite3
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from platformdirs import user_data_path

from faceboard import APP, storage
from faceboard.domain import Publication
from faceboard.errors import Damaged
from faceboard.services.images import digest
from faceboard.services.operations import Operation

PENDING, DONE, FAILED = "pending", "done", "failed"
WHAT, MAKE_IT_WRITABLE = "The change journal", "make the folder writable, then try again"  # for messages
_OPERATIONS = {cls.__name__: cls for cls in Operation.__args__}  # type: ignore[attr-defined]
_TYPES = {**_OPERATIONS, "Publication": Publication}  # what an operation may hold

SCHEMA = """
CREATE TABLE IF NOT EXISTS entries (
    id INTEGER PRIMARY KEY,
    connection TEXT NOT NULL,      -- the profile's name: where the change goes
    backend TEXT NOT NULL,         -- what it was, for the history ("Gumnut — Family photos")
    summary TEXT NOT NULL,         -- "Move 3 faces to Alice"
    operation TEXT NOT NULL,       -- the operation as JSON (encode/decode below)
    context TEXT NOT NULL DEFAULT '{}',  -- what resuming needs to know of the state before
    state TEXT NOT NULL,           -- pending, done, failed
    outcome TEXT NOT NULL DEFAULT '',
    created REAL NOT NULL,
    finished REAL
);
CREATE INDEX IF NOT EXISTS entries_waiting ON entries (connection, state);
CREATE TABLE IF NOT EXISTS pictures (
    digest TEXT PRIMARY KEY,       -- sha1 of the bytes, as the operation's JSON names them
    data BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS entry_pictures (  -- the pictures a change still waiting may need
    entry INTEGER NOT NULL,
    digest TEXT NOT NULL,
    PRIMARY KEY (entry, digest)
);
"""


def default_journal() -> Path:
    return user_data_path(APP, APP) / "journal.sqlite3"


@dataclass(frozen=True)
class Entry:
    id: int
    connection: str
    backend: str
    summary: str
    operation: Operation | None  # None in the history (not read); else written by a newer Faceboard, or damaged
    context: dict
    state: str
    outcome: str
    created: float
    finished: float | None


# -- operations as JSON --------------------------------------------------------------


def encode(operation: Operation) -> tuple[str, dict[str, bytes]]:
    """The operation as JSON, and the bytes it holds, which the JSON names by digest."""
    pictures: dict[str, bytes] = {}

    def plain(value):
        if dataclasses.is_dataclass(value):
            fields = {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
            return {"op": type(value).__name__, **fields}
        if isinstance(value, bytes):
            name = digest(value)
            pictures[name] = value
            return {"bytes": name}
        if isinstance(value, (tuple, list)):
            return [plain(v) for v in value]
        return value

    return json.dumps(plain(operation), separators=(",", ":")), pictures


def decode(text: str, pictures: Mapping[str, bytes]) -> Operation:
    def typed(value):
        if isinstance(value, dict):
            if "bytes" in value:
                return pictures[value["bytes"]]
            cls = _TYPES.get(value.get("op"))
            if cls is None:
                raise ValueError(f"unknown operation {value.get('op')!r}")
            return cls(**{k: typed(v) for k, v in value.items() if k != "op"})
        if isinstance(value, list):
            return tuple(typed(v) for v in value)
        return value

    operation = typed(json.loads(text))
    if type(operation).__name__ not in _OPERATIONS:
        raise ValueError("not an operation")
    return operation


# -- the journal ---------------------------------------------------------------------


class _Pictures(Mapping):
    """The journal's pictures by digest, read as an operation is decoded."""

    def __init__(self, db: sqlite3.Connection):
        self._db = db

    def __getitem__(self, name: str) -> bytes:
        row = self._db.execute("SELECT data FROM pictures WHERE digest = ?", (name,)).fetchone()
        if row is None:
            raise KeyError(f"picture {name} is missing")
        return row[0]

    def __iter__(self):
        return (row[0] for row in self._db.execute("SELECT digest FROM pictures"))

    def __len__(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM pictures").fetchone()[0]


class Journal:
    def __init__(self, path: Path | None = None):
        self.path = path or default_journal()
        self.warning: str | None = None  # set when a damaged journal file was moved aside
        self._worker = ThreadPoolExecutor(1, thread_name_prefix="journal")
        self._db: sqlite3.Connection | None = None

    def _open(self) -> sqlite3.Connection:
        if self._db is None:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                raise storage.unusable(error, self.path, WHAT, MAKE_IT_WRITABLE) from None
            try:
                self._db = self._connect()
            except Damaged:  # not a database, or damaged: keep it for a look, start afresh
                if not self.path.is_file():
                    raise  # a folder in its place is not ours to move
                aside = self.path.with_name(f"{self.path.stem}.damaged-{time.strftime('%Y%m%d-%H%M%S')}.sqlite3")
                try:
                    for suffix in ("", "-wal", "-shm"):
                        damaged = Path(f"{self.path}{suffix}")
                        if damaged.exists():
                            damaged.replace(f"{aside}{suffix}")
                except OSError as moving:
                    raise storage.unusable(moving, self.path, WHAT, MAKE_IT_WRITABLE) from None
                self.warning = (f"The change journal was damaged; it was moved to {aside.name} beside it "
                                "(kept for a look) and a new one was started.")
                self._db = self._connect()
        return self._db

    def _connect(self) -> sqlite3.Connection:
        """The journal's connection; `Damaged` when the file is not a whole journal, the other
        `StorageError`s when it is locked or the disk is full. In a folder that cannot be
        written it is opened to read (the history; a change is then refused, saying why)."""
        read_only = not storage.writable(self.path)
        db = storage.connect(self.path, WHAT, read_only)
        try:
            if not read_only:
                db.execute("PRAGMA journal_mode=WAL")
                db.execute("PRAGMA synchronous=FULL")  # a commit is on the disk when it returns
                db.executescript(SCHEMA)
            db.execute("SELECT id, connection, backend, summary, operation, context, state, outcome, created, "
                       "finished FROM entries LIMIT 1").fetchall()
        except sqlite3.Error as error:
            db.close()
            raise storage.unusable(error, self.path, WHAT, MAKE_IT_WRITABLE) from None
        return db

    async def open(self) -> str | None:
        """Open the file now (off the GUI thread); the warning if it had to be replaced."""
        await self._run(self._open)
        return self.warning

    async def _run(self, fn, *args):
        try:
            return await asyncio.get_running_loop().run_in_executor(self._worker, fn, *args)
        except sqlite3.Error as error:  # locked by another Faceboard, disk full, damaged since it was opened
            raise storage.unusable(error, self.path, WHAT, MAKE_IT_WRITABLE) from None

    def _write(self, sql: str, args: tuple) -> int:
        db = self._open()
        with db:
            db.execute("BEGIN IMMEDIATE")
            return db.execute(sql, args).lastrowid

    async def record(self, connection: str, backend: str, summary: str, operation: Operation,
                     context: dict | None = None) -> int:
        """Write the change down (and wait for the disk) before it is sent; its id."""
        created = time.time()

        def insert() -> int:  # on the journal's thread: the pictures of an operation run to megabytes
            text, pictures = encode(operation)
            db = self._open()
            with db:
                db.execute("BEGIN IMMEDIATE")
                entry = db.execute("INSERT INTO entries (connection, backend, summary, operation, context, state, "
                                   "created) VALUES (?, ?, ?, ?, ?, ?, ?)",
                                   (connection, backend, summary, text, json.dumps(context or {}), PENDING,
                                    created)).lastrowid
                db.executemany("INSERT OR IGNORE INTO pictures (digest, data) VALUES (?, ?)", pictures.items())
                db.executemany("INSERT INTO entry_pictures (entry, digest) VALUES (?, ?)",
                               [(entry, name) for name in pictures])
            return entry

        return await self._run(insert)

    async def finish(self, entry_id: int, state: str, outcome: str = "") -> None:
        """Mark the change answered; the pictures no waiting change needs are let go."""
        def update() -> None:
            db = self._open()
            with db:
                db.execute("BEGIN IMMEDIATE")
                db.execute("UPDATE entries SET state = ?, outcome = ?, finished = ? WHERE id = ?",
                           (state, outcome, time.time(), entry_id))
                db.execute("DELETE FROM entry_pictures WHERE entry = ?", (entry_id,))
                db.execute("DELETE FROM pictures WHERE digest NOT IN (SELECT digest FROM entry_pictures)")

        await self._run(update)

    async def note(self, entry_id: int, outcome: str) -> None:
        """Say why an entry still waits (shown in the history), leaving it pending."""
        await self._run(self._write, "UPDATE entries SET outcome = ? WHERE id = ?", (outcome, entry_id))

    async def count_pending(self, connection: str) -> int:
        return await self._run(lambda: self._open().execute(
            "SELECT COUNT(*) FROM entries WHERE connection = ? AND state = ?", (connection, PENDING)).fetchone()[0])

    async def pending(self, connection: str) -> list[Entry]:
        """The changes to `connection` that were never answered, oldest first, whole."""
        return await self._run(self._select, "WHERE connection = ? AND state = ? ORDER BY id", (connection, PENDING),
                               True)

    async def history(self, limit: int = 1000) -> list[Entry]:
        """The latest changes to any connection, newest first, without their operations."""
        return await self._run(self._select, "ORDER BY id DESC LIMIT ?", (limit,), False)

    def _select(self, where: str, args: tuple, operations: bool) -> list[Entry]:
        db = self._open()
        rows = db.execute(
            "SELECT id, connection, backend, summary, operation, context, state, outcome, created, finished "
            f"FROM entries {where}", args).fetchall()
        pictures = _Pictures(db)
        entries = []
        for row in rows:
            outcome = row[7]
            try:
                operation = decode(row[4], pictures) if operations else None
                context = json.loads(row[5])
            except (ValueError, TypeError, KeyError) as error:
                operation, context, outcome = None, {}, f"cannot be read: {error}"
            entries.append(Entry(*row[:4], operation, context, row[6], outcome, *row[8:]))
        return entries

    async def close(self) -> None:
        if self._db is not None:
            await self._run(self._db.close)
            self._db = None
        self._worker.shutdown(wait=True)
