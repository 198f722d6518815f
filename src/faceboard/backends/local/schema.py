"""The local library's SQLite schema and its migrations, keyed by `PRAGMA user_version`.

Append a migration to add a version; never edit one that has shipped.
"""

from __future__ import annotations

import functools
import sqlite3
from pathlib import Path
from typing import NoReturn

from faceboard import storage
from faceboard.errors import Damaged, FaceboardError, InvalidInput, ReadOnly

WHAT = "The library"  # how messages name the file

MIGRATIONS: tuple[str, ...] = (
    # 1: persons, assets, faces and thumbnails. Deleting is soft (`deleted`, `removed`)
    # so that undo restores the very same ids.
    """
    CREATE TABLE persons (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        hidden INTEGER NOT NULL DEFAULT 0,
        deleted INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE assets (
        id INTEGER PRIMARY KEY,
        path TEXT NOT NULL UNIQUE,
        width INTEGER NOT NULL,
        height INTEGER NOT NULL
    );
    CREATE TABLE faces (
        id INTEGER PRIMARY KEY,
        asset_id INTEGER NOT NULL REFERENCES assets(id),
        x INTEGER NOT NULL, y INTEGER NOT NULL, w INTEGER NOT NULL, h INTEGER NOT NULL,
        person_id INTEGER REFERENCES persons(id),
        confidence REAL
    );
    CREATE INDEX faces_by_person ON faces(person_id, id);
    CREATE TABLE thumbnails (
        id INTEGER PRIMARY KEY,
        person_id INTEGER NOT NULL REFERENCES persons(id),
        path TEXT NOT NULL,
        is_primary INTEGER NOT NULL DEFAULT 0,
        removed INTEGER NOT NULL DEFAULT 0,
        face_id INTEGER REFERENCES faces(id),
        CHECK (NOT (is_primary AND removed))
    );
    CREATE UNIQUE INDEX one_primary_per_person ON thumbnails(person_id) WHERE is_primary = 1;
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    """,
    # 2: deleting a face is soft too, so that undo brings the detection back
    """
    ALTER TABLE faces ADD COLUMN deleted INTEGER NOT NULL DEFAULT 0;
    DROP INDEX faces_by_person;
    CREATE INDEX faces_by_person ON faces(person_id, deleted, id);
    """,
    # 3: a user's own photos. An imported photo stays where it is: `path` is absolute
    # (relative ones are in the library's images folder), with its size, mtime and
    # content hash (sha256: one photo found under two paths is one asset). `scan` is
    # where finding its faces stands (a photo is scanned once; `scan_problem` says why
    # one failed), with the models that found them; `taken` its date. Each face keeps
    # its embedding per model, so a later model can embed it again; `drawn` marks a
    # face the user drew. `import_problems` lists the files that were not imported.
    """
    ALTER TABLE assets ADD COLUMN size INTEGER;
    ALTER TABLE assets ADD COLUMN mtime_ns INTEGER;
    ALTER TABLE assets ADD COLUMN hash TEXT;
    ALTER TABLE assets ADD COLUMN scan TEXT NOT NULL DEFAULT 'done' CHECK (scan IN ('waiting', 'done', 'failed'));
    ALTER TABLE assets ADD COLUMN scan_problem TEXT;
    ALTER TABLE assets ADD COLUMN detector TEXT;
    ALTER TABLE assets ADD COLUMN embedder TEXT;
    ALTER TABLE assets ADD COLUMN taken TEXT;
    CREATE UNIQUE INDEX assets_by_hash ON assets(hash) WHERE hash IS NOT NULL;
    CREATE INDEX assets_waiting ON assets(id) WHERE scan = 'waiting';
    ALTER TABLE faces ADD COLUMN drawn INTEGER NOT NULL DEFAULT 0;
    CREATE INDEX faces_by_asset ON faces(asset_id);
    CREATE TABLE embeddings (
        face_id INTEGER NOT NULL REFERENCES faces(id),
        model TEXT NOT NULL,
        vector BLOB NOT NULL,
        PRIMARY KEY (face_id, model)
    );
    CREATE TABLE import_problems (
        path TEXT PRIMARY KEY,
        reason TEXT NOT NULL,
        size INTEGER,
        mtime_ns INTEGER
    );
    """,
    # 4: comparing faces. `rejections` are the people the operator said a face is not
    # (never suggested for it again). A face's quality as a primary thumbnail is measured
    # when it is embedded (NULL: not measured, as for a face of an older build).
    # `embedding_problems` are the faces that could not be embedded by a model (their
    # photo moved, damaged): not tried again by that model until the photo is found again.
    """
    CREATE TABLE rejections (
        face_id INTEGER NOT NULL REFERENCES faces(id),
        person_id INTEGER NOT NULL REFERENCES persons(id),
        PRIMARY KEY (face_id, person_id)
    ) WITHOUT ROWID;
    ALTER TABLE faces ADD COLUMN sharpness REAL;
    ALTER TABLE faces ADD COLUMN frontal REAL;
    ALTER TABLE faces ADD COLUMN brightness REAL;
    CREATE TABLE embedding_problems (
        face_id INTEGER NOT NULL REFERENCES faces(id),
        model TEXT NOT NULL,
        reason TEXT NOT NULL,
        PRIMARY KEY (face_id, model)
    ) WITHOUT ROWID;
    """,
)

SCHEMA_VERSION = len(MIGRATIONS)


def connect(path: Path, read_only: bool = False) -> sqlite3.Connection:
    """Open (creating or migrating) a library database: WAL, fsync at every commit.
    Read-only, it is neither migrated nor changed. A file that is not a library of this
    version, whole, is refused with a message (`Damaged`) before anything is written."""
    conn = storage.connect(path, WHAT, read_only)
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version == 0 and _tables(conn):
            raise Damaged(f"{WHAT} {path} is not a Faceboard library (it holds other tables): open the folder of "
                          "a Faceboard library, or move the file away. Nothing was changed.")
        if not read_only:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute("PRAGMA foreign_keys=ON")
            migrate(conn)
        elif version > SCHEMA_VERSION:
            _refuse_newer(version)
        elif version < SCHEMA_VERSION:
            raise ReadOnly(f"{WHAT} {path} was written by an earlier Faceboard and cannot be brought up to date: "
                           "the folder is read-only; copy it to a folder you can write to open it.")
        _check_tables(conn, path)
    except sqlite3.Error as error:
        conn.close()
        raise storage.unusable(error, path, WHAT) from None
    except FaceboardError:
        conn.close()
        raise
    return conn


def _tables(conn: sqlite3.Connection) -> dict[str, set[str]]:
    names = [row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    return {name: {row[0] for row in conn.execute("SELECT name FROM pragma_table_info(?)", (name,))}
            for name in names}


@functools.cache
def _expected_tables() -> dict[str, set[str]]:
    """The tables and columns the migrations make: what a library of this version holds."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    migrate(conn)
    tables = _tables(conn)
    conn.close()
    return tables


def _check_tables(conn: sqlite3.Connection, path: Path) -> None:
    found = _tables(conn)
    for table, columns in _expected_tables().items():
        missing = sorted(columns - found.get(table, set()))
        if missing:
            what = f"table {table} is missing" if table not in found else f"table {table} lacks {', '.join(missing)}"
            raise Damaged(f"{WHAT} {path} is damaged ({what}). Restore it from a backup, or move it away to "
                          "start a new one. Nothing was changed.")


def migrate(conn: sqlite3.Connection) -> None:
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        _refuse_newer(version)
    for number in range(version, SCHEMA_VERSION):
        conn.execute("BEGIN IMMEDIATE")  # one transaction per migration: all or nothing
        for statement in _statements(MIGRATIONS[number]):
            conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {number + 1}")
        conn.execute("COMMIT")


def _refuse_newer(version: int) -> NoReturn:
    raise InvalidInput(
        f"This library was written by a newer Faceboard (schema {version}, "
        f"this one knows {SCHEMA_VERSION}). Update Faceboard to open it."
    )


def _statements(script: str) -> list[str]:
    return [s.strip() for s in script.split(";") if s.strip()]
