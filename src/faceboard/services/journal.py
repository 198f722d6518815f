"""The journal: every change a user makes, written to disk before it is sent.

An entry is written (SQLite, WAL, fsync'd at commit) with the operation as JSON before
the backend sees it, and marked `done` or `failed` when the backend answers. Pictures
an operation carries are kept apart, as BLOBs named by their digest (no base64, and no
megabytes of JSON to build while holding the GIL), and let go once the change is
answered: only a change still pending is ever read back whole. An entry
still `pending` after that means the answer never came: the app was killed, the machine
lost power, or the backend was unreachable (then the change waits, and is sent when the
backend answers again). `Outbox.resume` re-checks such entries against the backend and
applies each exactly once.

A change belongs to its connection's identity (`Profile.key`: backend kind, address,
library), not to a profile's name, and is only ever sent there. The schema has a
version (`PRAGMA user_version`) and migrations, as the local library's, so a newer
build reads an older journal and sends what waits in it.

SQLite runs on one worker thread: a commit's fsync never blocks the GUI thread.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import shutil
import sqlite3
import struct
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from platformdirs import user_data_path

from faceboard import APP, storage
from faceboard.domain import BoundingBox, Publication, count
from faceboard.errors import Damaged, InvalidInput
from faceboard.services.images import digest
from faceboard.services.operations import Operation

PENDING, DONE, FAILED, DISCARDED = "pending", "done", "failed", "discarded"
WHAT, MAKE_IT_WRITABLE = "The change journal", "make the folder writable, then try again"  # for messages
_OPERATIONS = {cls.__name__: cls for cls in Operation.__args__}  # type: ignore[attr-defined]
_TYPES = {**_OPERATIONS, "Publication": Publication, "BoundingBox": BoundingBox}  # what an operation may hold

MIGRATIONS: tuple[str, ...] = (
    # 1: the journal as first shipped (without a version): a file of then has it already
    """
    CREATE TABLE IF NOT EXISTS entries (
        id INTEGER PRIMARY KEY,
        connection TEXT NOT NULL,      -- the profile's name, for the history
        backend TEXT NOT NULL,         -- what it was, for the history ("Gumnut — Family photos")
        summary TEXT NOT NULL,         -- "Move 3 faces to Alice"
        operation TEXT NOT NULL,       -- the operation as JSON (encode/decode below)
        context TEXT NOT NULL DEFAULT '{}',  -- what resuming needs to know of the state before
        state TEXT NOT NULL,           -- pending, done, failed, discarded
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
    """,
    # 2: where a change goes (the connection's identity, `Profile.key`; '' in entries of
    # before, which go by the profile's name) and where it was made (window, command line)
    """
    ALTER TABLE entries ADD COLUMN key TEXT NOT NULL DEFAULT '';
    ALTER TABLE entries ADD COLUMN origin TEXT NOT NULL DEFAULT '';
    CREATE INDEX entries_waiting_for ON entries (key, state);
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)
COLUMNS = "id, connection, key, origin, backend, summary, operation, context, state, outcome, created, finished"


def default_journal() -> Path:
    return user_data_path(APP, APP) / "journal.sqlite3"


@dataclass(frozen=True)
class Entry:
    id: int
    connection: str  # the profile's name
    key: str  # the connection's identity ('' in an entry of before: it goes by the name)
    origin: str  # where it was made: window, command line, resume
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
            if _lost_in_log(self.path):  # SQLite would drop them without a word
                time.sleep(0.1)  # unless another Faceboard was writing that frame just now: look again
            if lost := _lost_in_log(self.path):
                aside = self.path.with_name(f"{self.path.stem}.damaged-{time.strftime('%Y%m%d-%H%M%S')}.sqlite3-wal")
                try:
                    shutil.copyfile(f"{self.path}-wal", aside)
                    kept = f"a copy is in {aside.name}"
                except OSError:
                    kept = "no copy could be kept: the folder cannot be written"
                self.warning = (f"The change journal's log was damaged: what was written to it after the damage "
                                f"({count(lost, 'write')}) cannot be read and is lost, changes waiting "
                                f"to be sent among it ({kept}). See the change log, and make "
                                "again what is missing.")
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
                self.warning = " ".join(filter(None, (self.warning, (
                    f"The change journal was damaged; it was moved to {aside.name} beside it "
                    "(kept for a look) and a new one was started."))))
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
                _migrate(db)
            db.execute(f"SELECT {COLUMNS} FROM entries LIMIT 1").fetchall()
        except InvalidInput:  # a newer Faceboard's: left as it is
            db.close()
            raise
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
                     context: dict | None = None, *, key: str = "", origin: str = "") -> int:
        """Write the change down (and wait for the disk) before it is sent; its id.
        `key`: the connection's identity (see `Profile.key`); `origin`: where it was made."""
        created = time.time()

        def insert() -> int:  # on the journal's thread: the pictures of an operation run to megabytes
            text, pictures = encode(operation)
            db = self._open()
            with db:
                db.execute("BEGIN IMMEDIATE")
                entry = db.execute("INSERT INTO entries (connection, key, origin, backend, summary, operation, "
                                   "context, state, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                   (connection, key, origin, backend, summary, text, json.dumps(context or {}),
                                    PENDING, created)).lastrowid
                _keep_pictures(db, entry, pictures)
            return entry

        return await self._run(insert)

    async def begin(self, entry_id: int, context: dict) -> None:
        """About to be sent: from now on the change may reach the backend before its answer
        is lost, and `context` says what resuming must know of the state before."""
        await self._run(self._write, "UPDATE entries SET context = ? WHERE id = ?", (json.dumps(context), entry_id))

    async def rest(self, entry_id: int, operation: Operation, outcome: str) -> None:
        """Part of the change was answered: what is left of it waits in the same entry, in
        its place in the order (not behind the changes made since), to be sent as new (a
        face move re-checks where the face is anyway)."""
        def update() -> None:
            text, pictures = encode(operation)
            db = self._open()
            with db:
                db.execute("BEGIN IMMEDIATE")
                db.execute("UPDATE entries SET operation = ?, context = '{\"unsent\": true}', outcome = ? "
                           "WHERE id = ?",
                           (text, outcome, entry_id))
                db.execute("DELETE FROM entry_pictures WHERE entry = ?", (entry_id,))
                _keep_pictures(db, entry_id, pictures)
                _let_go(db)

        await self._run(update)

    async def finish(self, entry_id: int, state: str, outcome: str = "") -> None:
        """Mark the change answered; the pictures no waiting change needs are let go."""
        def update() -> None:
            db = self._open()
            with db:
                db.execute("BEGIN IMMEDIATE")
                db.execute("UPDATE entries SET state = ?, outcome = ?, finished = ? WHERE id = ?",
                           (state, outcome, time.time(), entry_id))
                db.execute("DELETE FROM entry_pictures WHERE entry = ?", (entry_id,))
                _let_go(db)

        await self._run(update)

    async def note(self, entry_id: int, outcome: str) -> None:
        """Say why an entry still waits (shown in the history), leaving it pending."""
        await self._run(self._write, "UPDATE entries SET outcome = ? WHERE id = ?", (outcome, entry_id))

    async def count_pending(self, key: str, name: str = "", backend: str = "") -> int:
        """How many changes wait for the connection `key`; an entry of before (no key)
        belongs to it when its profile's `name` and its `backend` are this one's."""
        return await self._run(lambda: self._open().execute(
            f"SELECT COUNT(*) FROM entries WHERE state = ? AND {_BELONGS}", (PENDING, key, name, backend)
        ).fetchone()[0])

    async def pending(self, key: str, name: str = "", backend: str = "") -> list[Entry]:
        """The changes to the connection `key` that were never answered, oldest first, whole."""
        return await self._run(self._select, f"WHERE state = ? AND {_BELONGS} ORDER BY id",
                               (PENDING, key, name, backend), True)

    async def discard(self, entry_id: int, key: str, name: str = "", backend: str = "") -> Entry | None:
        """Drop a waiting change of this connection on purpose; the entry, or None when no
        such change waits here."""
        def drop() -> Entry | None:
            found = self._select(f"WHERE id = ? AND state = ? AND {_BELONGS}",
                                 (entry_id, PENDING, key, name, backend), False)
            if not found:
                return None
            db = self._open()
            with db:
                db.execute("BEGIN IMMEDIATE")
                db.execute("UPDATE entries SET state = ?, outcome = 'discarded on purpose', finished = ? "
                           "WHERE id = ?", (DISCARDED, time.time(), entry_id))
                db.execute("DELETE FROM entry_pictures WHERE entry = ?", (entry_id,))
                _let_go(db)
            return found[0]

        return await self._run(drop)

    async def entry(self, entry_id: int) -> Entry | None:
        """One change as the journal holds it now, without its operation."""
        found = await self._run(self._select, "WHERE id = ?", (entry_id,), False)
        return found[0] if found else None

    async def history(self, limit: int = 1000) -> list[Entry]:
        """The latest changes to any connection, newest first, without their operations."""
        return await self._run(self._select, "ORDER BY id DESC LIMIT ?", (limit,), False)

    def _select(self, where: str, args: tuple, operations: bool) -> list[Entry]:
        db = self._open()
        rows = db.execute(f"SELECT {COLUMNS} FROM entries {where}", args).fetchall()
        pictures = _Pictures(db)
        entries = []
        for row in rows:
            (entry_id, connection, key, origin, backend, summary, text, context, state, outcome, created,
             finished) = row
            try:
                operation = decode(text, pictures) if operations else None
                context = json.loads(context)
                if not isinstance(context, dict):
                    raise ValueError("its context is not an object")
            except Exception as error:  # noqa: BLE001 - any damage: the entry says why, the others are read
                operation, context, outcome = None, {}, f"cannot be read: {error}"
            entries.append(Entry(entry_id, connection, key, origin, backend, summary, operation, context, state,
                                 outcome, created, finished))
        return entries

    async def close(self) -> None:
        if self._db is not None:
            await self._run(self._db.close)
            self._db = None
        self._worker.shutdown(wait=True)


# an entry of before goes by the profile's name and the backend it named ("command line"
# was every command-line connection's name; "Local library (/path)" says which library)
_BELONGS = "(key = ? OR (key = '' AND connection = ? AND backend = ?))"


def _lost_in_log(path: Path) -> int:
    """How many transactions the journal's write-ahead log holds that SQLite will not
    read because a frame before them is damaged (it stops at the first bad checksum, and
    what follows is gone without a word). 0 when the log is whole, or absent.
    The format: https://www.sqlite.org/fileformat.html#the_write_ahead_log"""
    try:
        log = Path(f"{path}-wal").read_bytes()
    except OSError:
        return 0
    if len(log) < 32 or int.from_bytes(log[:4], "big") not in (0x377F0682, 0x377F0683):
        return 0
    order = ">" if log[3] & 1 else "<"  # the checksums' byte order
    page = int.from_bytes(log[8:12], "big")
    size = 24 + page
    frames = range(32, len(log) - size + 1, size)
    sums = _checksum(log[:24], (0, 0), order)
    whole = sums == struct.unpack(">2I", log[24:32])
    salts = log[16:24] if whole else log[40:48]  # a damaged header: the first frame says which log this is
    lost = 0
    for at in frames:
        if log[at + 8:at + 16] != salts:  # a frame of an older log, overwritten in part: the end
            break
        if whole:
            sums = _checksum(log[at + 24:at + size], _checksum(log[at:at + 8], sums, order), order)
            whole = sums == struct.unpack(">2I", log[at + 16:at + 24])
        if not whole and int.from_bytes(log[at + 4:at + 8], "big"):  # a commit SQLite will not see
            lost += 1
    return lost


def _checksum(data: bytes, sums: tuple[int, int], order: str) -> tuple[int, int]:
    s0, s1 = sums
    words = struct.unpack(f"{order}{len(data) // 4}I", data)
    for x0, x1 in zip(words[::2], words[1::2]):
        s0 = (s0 + x0 + s1) & 0xFFFFFFFF
        s1 = (s1 + x1 + s0) & 0xFFFFFFFF
    return s0, s1


def _migrate(db: sqlite3.Connection) -> None:
    """Bring the file to this build's schema, one transaction per migration (another
    Faceboard opening it at the same time waits, then finds it done)."""
    while True:
        db.execute("BEGIN IMMEDIATE")
        try:
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise InvalidInput(f"The change journal was written by a newer Faceboard (schema {version}, this "
                                   f"one knows {SCHEMA_VERSION}). Update Faceboard to send what waits in it.")
            if version < SCHEMA_VERSION:
                for statement in MIGRATIONS[version].split(";"):
                    if statement.strip():
                        db.execute(statement)
                db.execute(f"PRAGMA user_version = {version + 1}")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
        if version + 1 >= SCHEMA_VERSION:
            return


def _keep_pictures(db: sqlite3.Connection, entry: int, pictures: dict[str, bytes]) -> None:
    db.executemany("INSERT OR IGNORE INTO pictures (digest, data) VALUES (?, ?)", pictures.items())
    db.executemany("INSERT INTO entry_pictures (entry, digest) VALUES (?, ?)", [(entry, name) for name in pictures])


def _let_go(db: sqlite3.Connection) -> None:
    """Forget the pictures no waiting change needs any more."""
    db.execute("DELETE FROM pictures WHERE digest NOT IN (SELECT digest FROM entry_pictures)")
