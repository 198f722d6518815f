"""The local library's SQLite schema and its migrations, keyed by `PRAGMA user_version`.

Append a migration to add a version; never edit one that has shipped.
"""

from __future__ import annotations

import sqlite3

from faceboard.errors import InvalidInput

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
)

SCHEMA_VERSION = len(MIGRATIONS)


def connect(path) -> sqlite3.Connection:
    """Open (creating or migrating) a library database: WAL, fsync at every commit."""
    conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA foreign_keys=ON")
    migrate(conn)
    return conn


def migrate(conn: sqlite3.Connection) -> None:
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise InvalidInput(
            f"This library was written by a newer Faceboard (schema {version}, "
            f"this one knows {SCHEMA_VERSION}). Update Faceboard to open it."
        )
    for number in range(version, SCHEMA_VERSION):
        conn.execute("BEGIN IMMEDIATE")  # one transaction per migration: all or nothing
        for statement in _statements(MIGRATIONS[number]):
            conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {number + 1}")
        conn.execute("COMMIT")


def _statements(script: str) -> list[str]:
    return [s.strip() for s in script.split(";") if s.strip()]
