"""`LocalLibrary`: the embedded backend, a SQLite database and an image folder.

All database and file work runs on one worker thread, so the event loop (the GUI
thread, under qasync) never waits on the disk. Deletions are soft, so undo restores
the same ids that later undo steps refer to.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import multiprocessing
import os
import sqlite3
import stat
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

import numpy as np

from faceboard import imaging, storage
from faceboard.backends.base import (
    AssignResult,
    FaceQuality,
    FaceToLearn,
    FaceVectors,
    ImportProblem,
    ImportReport,
    PendingPhoto,
    ScanStatus,
    require,
)
from faceboard.backends.local import photos, schema
from faceboard.domain import (
    DOUBTFUL,
    SMALL_FACE,
    BoundingBox,
    Capability,
    Face,
    FacesQuery,
    ImageRef,
    Page,
    PeopleQuery,
    Person,
    Photo,
    Progress,
    Thumbnail,
)
from faceboard.errors import Conflict, InvalidInput, NotFound, ReadOnly, Unsupported
from faceboard.recognition.analysis import EMBEDDING_SIZE
from faceboard.recognition.embedding import current_model
from faceboard.recognition.similarity import least_alike_first

T = TypeVar("T")

DATABASE_NAME = "library.sqlite3"
MAX_ID = 2**63 - 1  # SQLite's largest integer: no row of the library has a larger id
IMAGES_DIR = "images"

_PERSON_COLUMNS = """
    p.id, p.name, p.hidden,
    (SELECT t.id FROM thumbnails t WHERE t.person_id = p.id AND t.is_primary = 1),
    (SELECT t.path FROM thumbnails t WHERE t.person_id = p.id AND t.is_primary = 1),
    (SELECT COUNT(*) FROM faces f WHERE f.person_id = p.id AND f.deleted = 0) AS face_count
"""
_PEOPLE_ORDER = {
    "name": "p.name COLLATE NOCASE, p.id",
    "most_faces": "face_count DESC, p.name COLLATE NOCASE, p.id",
    "fewest_faces": "face_count ASC, p.name COLLATE NOCASE, p.id",
}
_FACE_COLUMNS = "f.id, f.person_id, f.asset_id, f.x, f.y, f.w, f.h, f.confidence, a.path, a.taken"
# a face order's sort key (descending, then by id): read in pages after the last row's (key, id)
# a faces filter's condition and its parameters (the same marks as FacesQuery.shows); "missing" asks
# the file system, through photo_missing(path), registered on the connection for that query
_FACE_FILTERS = {"all": ("1 = ?", lambda q: (1,)), "doubtful": ("f.confidence < ?", lambda q: (DOUBTFUL,)),
                 "confident": ("f.confidence >= ?", lambda q: (DOUBTFUL,)),
                 "small": ("MIN(f.w, f.h) < ?", lambda q: (SMALL_FACE,)),
                 "missing": ("photo_missing(a.path) = ?", lambda q: (1,)),
                 "taken": ("substr(a.taken, 1, 10) BETWEEN ? AND ?",
                           lambda q: (q.taken_from or "", q.taken_to or "9999-12-31"))}
_FACE_KEYS = {"confidence": "COALESCE(f.confidence, -1.0)", "size": "f.w * f.h", "taken": "COALESCE(a.taken, '')"}
# a face (f, of its photo a) that this build's model has still to embed: the model's name twice as parameters
_TO_LEARN = ("f.deleted = 0 AND a.scan = 'done' "
             "AND NOT EXISTS (SELECT 1 FROM embeddings e WHERE e.face_id = f.id AND e.model = ?) "
             "AND NOT EXISTS (SELECT 1 FROM embedding_problems p WHERE p.face_id = f.id AND p.model = ?)")
MOVED = "been moved or deleted since it was imported"  # a photo's file, not where the library last saw it


READ_ONLY_CAPABILITIES = frozenset({Capability.LIST_FACES, Capability.SORT_FACES, Capability.FILTER_FACES,
                                    Capability.SHOW_PHOTOS, Capability.COMPARE_FACES})  # what browsing needs: no change


class LocalLibrary:
    """A library folder: `library.sqlite3` and `images/` (assets and thumbnails)."""

    # merging is done by the curator from reassignment and soft deletion, so it stays undoable
    capabilities = frozenset(Capability) - {Capability.FACES_ARE_THUMBNAILS, Capability.MERGE_PEOPLE, Capability.ONE_IMAGE,
                                            Capability.RECEIVE_PUBLISHED, Capability.FIND_IN_MEDIA}

    def __init__(self, folder: Path | str):
        self.folder = Path(folder)
        self.path = self.folder / DATABASE_NAME
        # a folder that cannot be written (a read-only mount, a colleague's share) is browsed, not refused;
        # why nothing can be changed, None when it can: what `connect()` says
        self._read_only_reason = (f"The folder {self.folder} cannot be written, so the library in it is read-only: "
                                  "copy it to a folder you can write to make changes."
                                  if self.folder.is_dir() and not storage.writable(self.path) else None)
        if self._read_only_reason and not self.path.exists():  # nothing to browse, and none can be made
            raise ReadOnly(f"The folder {self.folder} cannot be written and holds no library: choose a folder you "
                           "can write to start one. Nothing was changed.")
        self.display_name = f"Local library ({self.folder}{', read-only' if self._read_only_reason else ''})"
        if self._read_only_reason:
            self.capabilities = self.capabilities & READ_ONLY_CAPABILITIES
            self._db = schema.connect(self.path, read_only=True)
        else:
            self._make_folders(self.folder)
            self._db = schema.connect(self.path)  # refuses a damaged file or another program's database
            try:
                self._make_folders(self.folder / IMAGES_DIR / "assets", self.folder / IMAGES_DIR / "thumbnails")
            except BaseException:
                self._db.close()
                raise
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="local-library")
        # a user's photo files are read and hashed here, so the panes' reads never wait behind them
        self._files = ThreadPoolExecutor(max_workers=1, thread_name_prefix="local-library-files")
        self._embedder: ProcessPoolExecutor | None = None  # for a drawn face: made on the first one

    # -- plumbing -----------------------------------------------------------------

    @staticmethod
    def _make_folders(*folders: Path) -> None:
        try:
            for folder in folders:
                folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise storage.unusable(error, folder, "The library folder", "choose a folder you can write") from None

    async def _run(self, fn: Callable[..., T], *args) -> T:
        """Run `fn` on the worker; SQLite's errors (locked, disk full, damaged rows) become
        one message naming the file."""
        try:
            return await asyncio.get_running_loop().run_in_executor(self._worker, fn, *args)
        except sqlite3.Error as error:
            raise storage.unusable(error, self.path, schema.WHAT) from None

    def _transaction(self, fn: Callable[..., T], *args) -> T:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            result = fn(*args)
            self._db.execute("COMMIT")
        except BaseException:
            if self._db.in_transaction:  # SQLite rolls back by itself on a full disk
                self._db.execute("ROLLBACK")
            raise
        return result

    async def _write(self, fn: Callable[..., T], *args) -> T:
        return await self._run(self._transaction, fn, *args)

    async def connect(self) -> str:
        return self._read_only_reason or f"Opened the local library in {self.folder}."

    def image_path(self, uri: str) -> Path:
        path = (self.folder / IMAGES_DIR / uri).resolve()
        if not path.is_relative_to((self.folder / IMAGES_DIR).resolve()):
            raise InvalidInput(f"Image {uri!r} is outside the library.")
        return path

    def is_empty(self) -> bool:
        """Whether the library holds no person yet; call before any async use."""
        return self._db.execute("SELECT NOT EXISTS (SELECT 1 FROM persons)").fetchone()[0] == 1

    async def close(self) -> None:
        await self._run(self._db.close)
        self._shut_down()

    def close_now(self) -> None:
        """Close from synchronous code (the command line, a test)."""
        self._shut_down()
        self._db.close()

    def _shut_down(self) -> None:
        self._worker.shutdown(wait=True)
        self._files.shutdown(wait=True)
        if self._embedder is not None:
            self._embedder.shutdown(wait=True, cancel_futures=True)

    # -- reading ------------------------------------------------------------------

    @staticmethod
    def _person(row) -> Person:
        pid, name, hidden, thumb_id, thumb_path, count = row
        image = ImageRef(f"local:thumb:{thumb_id}", thumb_path) if thumb_id is not None else None
        return Person(
            id=str(pid),
            name=name,
            hidden=bool(hidden),
            primary_thumbnail_id=None if thumb_id is None else str(thumb_id),
            face_count=count,
            primary_image=image,
        )

    def _faces_of(self, rows) -> list[Face]:
        """Faces from rows of _FACE_COLUMNS, each saying whether its photo's file is
        still there (one stat per photo, on this worker thread)."""
        problems: dict[str, str | None] = {}
        faces = []
        for fid, pid, aid, x, y, w, h, confidence, path, taken in rows:
            if path not in problems:
                problems[path] = self._photo_problem(path)
            box = BoundingBox(x, y, w, h)
            faces.append(Face(
                id=str(fid),
                person_id=None if pid is None else str(pid),
                asset_id=str(aid),
                box=box,
                image=ImageRef(f"local:face:{fid}", path, box),
                confidence=confidence,
                photo_problem=problems[path],
                taken=taken,
            ))
        return faces

    def _photo_file(self, path: str) -> Path:
        """The file of a photo the library holds: where it was imported from, or in the images folder."""
        return Path(path) if os.path.isabs(path) else self.image_path(path)

    def _photo_problem(self, path: str) -> str | None:
        """Why a photo cannot be read now; None when it can. Only imported photos, which
        stay where the user keeps them, are looked at: the images folder is the library's."""
        if not os.path.isabs(path):
            return None
        try:
            info = os.stat(path)
        except FileNotFoundError:
            return f"The photo {path} has {MOVED}."
        except OSError as error:
            return f"The photo {path} cannot be read: {error.strerror or error}."
        return None if stat.S_ISREG(info.st_mode) else f"The photo {path} is no longer a file."

    @staticmethod
    def _thumbnail(row) -> Thumbnail:
        tid, pid, path, primary, face_id = row
        return Thumbnail(str(tid), str(pid), ImageRef(f"local:thumb:{tid}", path), bool(primary),
                         None if face_id is None else str(face_id))

    def _people_sync(self, ids: Sequence[str]) -> list[Person]:
        marks = ",".join("?" * len(ids))
        rows = self._db.execute(
            f"SELECT {_PERSON_COLUMNS} FROM persons p WHERE p.deleted = 0 AND p.id IN ({marks})",
            [_int_id(i) for i in ids],
        ).fetchall()
        return [self._person(r) for r in rows]

    def _person_sync(self, person_id: str) -> Person:
        found = self._people_sync([person_id])
        if not found:
            raise NotFound(f"Person {person_id} does not exist.")
        return found[0]

    def _faces_sync(self, ids: Sequence[str]) -> list[Face]:
        marks = ",".join("?" * len(ids))
        rows = self._db.execute(
            f"SELECT {_FACE_COLUMNS} FROM faces f JOIN assets a ON a.id = f.asset_id "
            f"WHERE f.deleted = 0 AND f.id IN ({marks})",
            [_int_id(i) for i in ids],
        ).fetchall()
        found = {f.id: f for f in self._faces_of(rows)}
        missing = [i for i in ids if i not in found]
        if missing:
            raise NotFound(f"Face {missing[0]} does not exist.")
        return [found[i] for i in ids]

    def _thumbnails_sync(self, person_id: str) -> list[Thumbnail]:
        rows = self._db.execute(
            "SELECT id, person_id, path, is_primary, face_id FROM thumbnails "
            "WHERE person_id = ? AND removed = 0 ORDER BY id",
            (_int_id(person_id),),
        ).fetchall()
        return [self._thumbnail(r) for r in rows]

    async def list_people(
        self, cursor: str | None = None, limit: int = 1000, query: PeopleQuery = PeopleQuery()
    ) -> Page[Person]:
        offset = int(cursor or 0)
        where, args = ["p.deleted = 0"], []
        if not query.include_hidden:
            where.append("p.hidden = 0")
        if query.text:
            escaped = query.text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            where.append("p.name LIKE ? ESCAPE '\\'")
            args.append(f"%{escaped}%")
        order = _PEOPLE_ORDER.get(query.sort)
        if order is None:
            raise InvalidInput(f"Unknown order {query.sort!r}.")

        def read():
            rows = self._db.execute(
                f"SELECT {_PERSON_COLUMNS} FROM persons p WHERE {' AND '.join(where)} "
                f"ORDER BY {order} LIMIT ? OFFSET ?",
                (*args, limit + 1, offset),
            ).fetchall()
            more = len(rows) > limit
            items = tuple(self._person(r) for r in rows[:limit])
            return Page(items, str(offset + limit) if more else None)

        return await self._run(read)

    async def get_people(self, person_ids: Sequence[str]) -> list[Person]:
        return await self._run(self._people_sync, list(person_ids))

    async def count_unassigned(self) -> int:
        return await self._run(
            lambda: self._db.execute("SELECT COUNT(*) FROM faces WHERE person_id IS NULL AND deleted = 0").fetchone()[0]
        )

    async def list_faces(
        self, person_id: str | None, cursor: str | None = None, limit: int = 500, query: FacesQuery = FacesQuery()
    ) -> Page[Face]:
        """In the query's order, by pages that start after the last row's sort key and id
        (not an offset: faces moved away meanwhile make no row skipped); least alike first
        by position in the order computed afresh for each page (see `_least_alike`)."""
        if query.sort == "least_alike" and person_id is not None:
            return await self._least_alike(person_id, cursor, limit, query)
        if query.sort in ("found", "least_alike"):  # Unassigned: no one's faces to be unlike, listed as found
            key, where, args = None, "f.id > ?", [int(cursor or 0)]
        elif query.sort in _FACE_KEYS:
            key = _FACE_KEYS[query.sort]
            where, args = "1", []
            if cursor:
                try:
                    last_key, last_id = json.loads(cursor)
                except (ValueError, TypeError):
                    raise InvalidInput(f"Not a cursor of this listing: {cursor!r}.") from None
                where, args = f"({key} < ? OR ({key} = ? AND f.id > ?))", [last_key, last_key, last_id]
        else:
            raise InvalidInput(f"Unknown order {query.sort!r}.")
        shown, marks = self._face_filter(query)
        order = "f.id" if key is None else f"{key} DESC, f.id"

        def read():
            if person_id is not None:
                self._person_sync(person_id)
            self._prepare_filter(query)
            rows = self._db.execute(
                f"SELECT {_FACE_COLUMNS}{'' if key is None else ', ' + key} FROM faces f "
                f"JOIN assets a ON a.id = f.asset_id WHERE f.person_id IS ? AND f.deleted = 0 AND {shown} AND {where} "
                f"ORDER BY {order} LIMIT ?",
                (None if person_id is None else _int_id(person_id), *marks, *args, limit + 1),
            ).fetchall()
            items = tuple(self._faces_of(rows[:limit] if key is None else [r[:-1] for r in rows[:limit]]))
            if len(rows) <= limit:
                return Page(items, None)
            last = rows[limit - 1]
            return Page(items, items[-1].id if key is None else json.dumps([last[-1], last[0]]))

        return await self._run(read)

    @staticmethod
    def _face_filter(query: FacesQuery) -> tuple[str, tuple]:
        """The SQL condition of the query's filter, and its parameters."""
        if query.show not in _FACE_FILTERS:
            raise InvalidInput(f"Unknown filter {query.show!r}.")
        shown, marks = _FACE_FILTERS[query.show]
        return shown, tuple(marks(query))

    def _prepare_filter(self, query: FacesQuery) -> None:
        """On the library's thread, before the query: "missing" looks at each photo's file,
        once per page read."""
        if query.show == "missing":
            problems: dict[str, bool] = {}
            self._db.create_function("photo_missing", 1, lambda path: problems.setdefault(
                path, self._photo_problem(path) is not None))

    async def _least_alike(self, person_id: str, cursor: str | None, limit: int, query: FacesQuery) -> Page[Face]:
        """The person's faces, the one least like the rest of them first (by this build's
        embeddings), those without one last, in id order. `cursor` is the position in that
        order: it is computed from all their embeddings again for each page (a person's
        thousands of faces take milliseconds)."""
        try:
            start = int(cursor or 0)
        except ValueError:
            raise InvalidInput(f"Not a cursor of this listing: {cursor!r}.") from None
        shown, marks = self._face_filter(query)

        def read():
            self._person_sync(person_id)
            self._prepare_filter(query)
            rows = self._db.execute(  # each face with whether the filter shows it, and its embedding
                f"SELECT {_FACE_COLUMNS}, {shown}, e.vector FROM faces f JOIN assets a ON a.id = f.asset_id "
                "LEFT JOIN embeddings e ON e.face_id = f.id AND e.model = ? "
                "WHERE f.person_id = ? AND f.deleted = 0 ORDER BY f.id",
                (*marks, current_model(), _int_id(person_id))).fetchall()
            embedded = [r for r in rows if r[-1] is not None]  # unlike the rest of all their faces, shown or not
            vectors = np.frombuffer(b"".join(r[-1] for r in embedded), dtype="<f4").reshape(-1, EMBEDDING_SIZE)
            order = [embedded[i] for i in least_alike_first(vectors)] + [r for r in rows if r[-1] is None]
            ordered = [r for r in order if r[-2]]  # those the filter shows
            page = ordered[start:start + limit]
            more = start + limit < len(ordered)
            return Page(tuple(self._faces_of([r[:-2] for r in page])), str(start + limit) if more else None)

        return await self._run(read)

    async def get_faces(self, face_ids: Sequence[str]) -> list[Face]:
        return await self._run(self._faces_sync, list(face_ids))

    async def list_thumbnails(self, person_id: str) -> list[Thumbnail]:
        def read():
            self._person_sync(person_id)
            return self._thumbnails_sync(person_id)

        return await self._run(read)

    def _read_picture(self, uri: str) -> bytes:
        """A photo or thumbnail of the library: as large as a photo may be (the pixel limit
        guards its decoding), not a user's upload. An absolute uri is read only when it is
        a photo the library imported: no other file of the machine is ever read."""
        if os.path.isabs(uri):
            if self._db.execute("SELECT 1 FROM assets WHERE path = ?", (uri,)).fetchone() is None:
                raise InvalidInput(f"Image {uri!r} is outside the library.")
            if (problem := self._photo_problem(uri)) is not None:
                raise NotFound(problem)
            return imaging.read_file(Path(uri), imaging.MAX_PHOTO_BYTES)
        path = self.image_path(uri)
        if not path.exists():
            raise NotFound(f"Image {uri} is missing from the library folder.")
        return imaging.read_file(path, imaging.MAX_PHOTO_BYTES)

    async def read_image(self, uri: str) -> bytes:
        return await self._run(self._read_picture, uri)

    # -- changing -----------------------------------------------------------------

    async def assign_faces(
        self, moves: Sequence[tuple[str, str | None]], progress: Progress | None = None
    ) -> AssignResult:
        """All or nothing, in one transaction: too quick to need cancelling."""
        require(self, Capability.REASSIGN_FACES)

        def write():
            for person_id in {p for _, p in moves if p is not None}:
                self._person_sync(person_id)
            self._faces_sync([f for f, _ in moves])
            self._db.executemany(
                "UPDATE faces SET person_id = ? WHERE id = ?",
                [(None if p is None else _int_id(p), _int_id(f)) for f, p in moves],
            )
            return AssignResult(tuple(self._faces_sync([f for f, _ in moves])))

        result = await self._write(write)
        if progress is not None:
            progress.report(len(moves), len(moves))
        return result

    def _set_primary_sync(self, person_id: str, thumbnail_id: str) -> None:
        row = self._db.execute(
            "SELECT person_id, removed FROM thumbnails WHERE id = ?", (_int_id(thumbnail_id),)
        ).fetchone()
        if row is None or row[1]:
            raise NotFound(f"Thumbnail {thumbnail_id} does not exist.")
        if str(row[0]) != person_id:
            raise Conflict(f"Thumbnail {thumbnail_id} belongs to another person.")
        self._db.execute("UPDATE thumbnails SET is_primary = 0 WHERE person_id = ?", (_int_id(person_id),))
        self._db.execute("UPDATE thumbnails SET is_primary = 1 WHERE id = ?", (_int_id(thumbnail_id),))

    def _ensure_one_primary(self, person_id: str) -> None:
        """Keep the invariant: exactly one primary when the person has any thumbnail."""
        pid = _int_id(person_id)
        has_primary = self._db.execute(
            "SELECT 1 FROM thumbnails WHERE person_id = ? AND is_primary = 1", (pid,)
        ).fetchone()
        if not has_primary:
            self._db.execute(
                "UPDATE thumbnails SET is_primary = 1 WHERE id = "
                "(SELECT MIN(id) FROM thumbnails WHERE person_id = ? AND removed = 0)",
                (pid,),
            )

    async def set_primary_thumbnail(self, person_id: str, thumbnail_id: str) -> Person:
        def write():
            self._person_sync(person_id)
            self._set_primary_sync(person_id, thumbnail_id)
            return self._person_sync(person_id)

        return await self._write(write)

    def _insert_thumbnail(self, person_id: str, data: bytes, primary: bool, face_id: str | None) -> Thumbnail:
        path = f"thumbnails/{hashlib.sha256(data).hexdigest()[:32]}.{_extension(data)}"
        target = self.image_path(path)
        fresh = not target.exists()  # content-addressed: identical images share one file
        if fresh:
            target.write_bytes(data)
        try:
            cursor = self._db.execute(
                "INSERT INTO thumbnails (person_id, path, face_id) VALUES (?, ?, ?)",
                (_int_id(person_id), path, None if face_id is None else _int_id(face_id)),
            )
            thumbnail_id = str(cursor.lastrowid)
            if primary:
                self._set_primary_sync(person_id, thumbnail_id)
            self._ensure_one_primary(person_id)
        except BaseException:
            if fresh:
                target.unlink(missing_ok=True)
            raise
        return next(t for t in self._thumbnails_sync(person_id) if t.id == thumbnail_id)

    def _crop_face(self, face: Face) -> bytes:
        """A JPEG of the face, cut the one way the image pipeline shows it (upright, one margin)."""
        return imaging.to_jpeg(self._read_picture(face.image.uri), face.box, what=f"Photo {face.asset_id}")

    async def add_thumbnail(self, person_id: str, image: bytes, primary: bool = False) -> Thumbnail:
        _check_image_bytes(image)

        def write():
            self._person_sync(person_id)
            return self._insert_thumbnail(person_id, image, primary, None)

        return await self._write(write)

    async def add_face_thumbnail(self, person_id: str, face_id: str, primary: bool = False) -> Thumbnail:
        def write():
            self._person_sync(person_id)
            (face,) = self._faces_sync([face_id])
            if face.person_id != person_id:
                raise Conflict("A thumbnail can only come from one of the person's own faces.")
            data = self._crop_face(face)
            return self._insert_thumbnail(person_id, data, primary, face_id)

        return await self._write(write)

    def _check_thumbnails(self, person_id: str, ids: Sequence[str], removed: bool) -> None:
        for tid in ids:
            row = self._db.execute(
                "SELECT person_id, removed FROM thumbnails WHERE id = ?", (_int_id(tid),)
            ).fetchone()
            if row is None or str(row[0]) != person_id or bool(row[1]) != removed:
                raise NotFound(f"Thumbnail {tid} of person {person_id} does not exist.")

    async def remove_thumbnails(self, person_id: str, thumbnail_ids: Sequence[str]) -> None:
        def write():
            self._check_thumbnails(person_id, thumbnail_ids, removed=False)
            self._db.executemany(
                "UPDATE thumbnails SET removed = 1, is_primary = 0 WHERE id = ?",
                [(_int_id(t),) for t in thumbnail_ids],
            )
            self._ensure_one_primary(person_id)

        await self._write(write)

    async def restore_thumbnails(self, person_id: str, thumbnail_ids: Sequence[str]) -> None:
        def write():
            self._check_thumbnails(person_id, thumbnail_ids, removed=True)
            self._db.executemany(
                "UPDATE thumbnails SET removed = 0 WHERE id = ?", [(_int_id(t),) for t in thumbnail_ids]
            )
            self._ensure_one_primary(person_id)

        await self._write(write)

    async def create_person(self, name: str) -> Person:
        name = _clean_name(name)

        def write():
            cursor = self._db.execute("INSERT INTO persons (name) VALUES (?)", (name,))
            return self._person_sync(str(cursor.lastrowid))

        return await self._write(write)

    async def update_person(
        self, person_id: str, *, name: str | None = None, hidden: bool | None = None
    ) -> Person:
        def write():
            self._person_sync(person_id)
            if name is not None:
                self._db.execute("UPDATE persons SET name = ? WHERE id = ?", (_clean_name(name), _int_id(person_id)))
            if hidden is not None:
                self._db.execute("UPDATE persons SET hidden = ? WHERE id = ?", (int(hidden), _int_id(person_id)))
            return self._person_sync(person_id)

        return await self._write(write)

    async def delete_person(self, person_id: str) -> None:
        def write():
            person = self._person_sync(person_id)
            if person.face_count:
                raise Conflict(f"{person.name} still has {person.face_count} faces; move them first.")
            self._db.execute("UPDATE persons SET deleted = 1 WHERE id = ?", (_int_id(person_id),))

        await self._write(write)

    async def restore_person(self, person_id: str) -> Person:
        def write():
            cursor = self._db.execute(
                "UPDATE persons SET deleted = 0 WHERE id = ? AND deleted = 1", (_int_id(person_id),)
            )
            if cursor.rowcount != 1:
                raise NotFound(f"No deleted person {person_id} to restore.")
            return self._person_sync(person_id)

        return await self._write(write)

    async def merge_people(self, target_id: str, source_ids: Sequence[str]) -> Person:
        raise Unsupported("The local library has no merge of its own; the curator merges undoably.")

    async def delete_faces(self, face_ids: Sequence[str]) -> None:
        def write():
            self._faces_sync(list(face_ids))
            self._db.executemany("UPDATE faces SET deleted = 1 WHERE id = ?", [(_int_id(f),) for f in face_ids])

        await self._write(write)

    async def restore_faces(self, face_ids: Sequence[str]) -> None:
        def write():
            cursor = self._db.executemany(
                "UPDATE faces SET deleted = 0 WHERE id = ? AND deleted = 1", [(_int_id(f),) for f in face_ids])
            if cursor.rowcount != len(face_ids):
                raise NotFound("Some of those faces were not deleted, or do not exist.")

        await self._write(write)

    # -- the user's own photos ----------------------------------------------------------

    async def photo(self, asset_id: str) -> Photo:
        """The photo a face came from, with every face on it (deleted ones left out)."""

        def read():
            row = self._db.execute("SELECT path, width, height FROM assets WHERE id = ?",
                                   (_int_id(asset_id),)).fetchone()
            if row is None:
                raise NotFound(f"Photo {asset_id} does not exist.")
            path, width, height = row
            rows = self._db.execute(
                f"SELECT {_FACE_COLUMNS} FROM faces f JOIN assets a ON a.id = f.asset_id "
                "WHERE f.asset_id = ? AND f.deleted = 0 ORDER BY f.id", (_int_id(asset_id),)).fetchall()
            return Photo(asset_id, ImageRef(f"local:photo:{asset_id}", path), width, height,
                         tuple(self._faces_of(rows)), self._photo_problem(path))

        return await self._run(read)

    async def add_face(self, asset_id: str, box: BoundingBox) -> Face:
        """A face the detector missed, drawn by the user: embedded like the others (in a
        process of its own: the embedder holds the GIL), unassigned, confidence 1."""
        photo = await self.photo(asset_id)
        if photo.problem is not None:
            raise NotFound(photo.problem)
        imaging.face_area(box, photo.width, photo.height, f"Photo {asset_id}")  # refuses a box off the photo
        path = str(self._photo_file(photo.image.uri))
        if self._embedder is None:
            self._embedder = ProcessPoolExecutor(1, multiprocessing.get_context("spawn"))
        found, model = await asyncio.wrap_future(self._embedder.submit(_embed_drawn, path, box))

        def write():
            face_id = self._insert_face(_int_id(asset_id), found, drawn=True)
            self._keep_embedding(face_id, model, found)
            return self._faces_sync([str(face_id)])[0]

        return await self._write(write)

    def _insert_face(self, asset_id: int, found, drawn: bool = False) -> int:
        """A drawn face keeps no confidence: no detector measured it (a tile's "100 %" would say one did)."""
        box = found.box
        return self._db.execute(
            "INSERT INTO faces (asset_id, x, y, w, h, person_id, confidence, drawn) VALUES (?, ?, ?, ?, ?, NULL, ?, ?)",
            (asset_id, box.x, box.y, box.width, box.height, None if drawn else found.confidence, int(drawn))).lastrowid

    def _keep_embedding(self, face_id: int, model: str, found) -> None:
        """A face's embedding by `model` (a `recognition.FoundFace`'s), and its quality measured then."""
        self._db.execute("INSERT OR REPLACE INTO embeddings (face_id, model, vector) VALUES (?, ?, ?)",
                         (face_id, model, found.embedding))
        quality = found.quality
        self._db.execute("UPDATE faces SET sharpness = ?, frontal = ?, brightness = ? WHERE id = ?",
                         (quality.sharpness, quality.frontal, quality.brightness, face_id))

    async def import_files(self, paths: Sequence[str], copy: bool = False) -> ImportReport:
        """Register photo files (found by content: JPEG, PNG, HEIC, TIFF, WebP), waiting for
        their scan. A file unchanged since it was last seen (size, mtime) is not read
        again; one with the content of a photo the library has is that photo (found again
        where it was moved to, or a copy: not added twice). Photos stay where they are
        unless `copy`. Files that are no photo are skipped, each listed once."""
        def look() -> list:  # on the files' thread: resolving a path reads the disk
            own = self.folder.resolve()
            return [photos.state(os.path.abspath(p)) for p in paths
                    if not Path(p).resolve().is_relative_to(own)]  # not the library's own files

        states = await self._on_files(look)
        files = [s for s in states if isinstance(s, photos.FileState)]
        seen = await self._run(self._unchanged, files)
        fresh = [f for f in files if f not in seen]
        found = await self._on_files(lambda: [photos.examine(f) for f in fresh])
        if copy:
            new = await self._run(self._new_hashes, [f.hash for f in found if isinstance(f, photos.FoundPhoto)])
            images = self.folder / IMAGES_DIR
            found = await self._on_files(lambda: [
                _copied(f, photos.copy_into(f, images)) if isinstance(f, photos.FoundPhoto) and f.hash in new else f
                for f in found])
        good = [f for f in found if isinstance(f, photos.FoundPhoto)]
        problems = [s for s in (*states, *found) if isinstance(s, ImportProblem)]
        added, new_problems = await self._write(self._register, good, problems)
        known = sum(table == "assets" for table in seen.values()) + len(good) - added
        return ImportReport(added, known, tuple(new_problems))

    async def _on_files(self, fn: Callable[[], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._files, fn)

    def _unchanged(self, files: Sequence[photos.FileState]) -> dict[photos.FileState, str]:
        """The files the library saw as they are now, each with where: "assets" (a photo
        it has) or "import_problems" (a file it skipped)."""
        seen = {}
        for file in files:
            for table in ("assets", "import_problems"):
                if self._db.execute(f"SELECT 1 FROM {table} WHERE path = ? AND size = ? AND mtime_ns = ?",
                                    (file.path, file.size, file.mtime_ns)).fetchone():
                    seen[file] = table
        return seen

    def _new_hashes(self, hashes: Sequence[str]) -> set[str]:
        return {h for h in hashes if self._db.execute("SELECT 1 FROM assets WHERE hash = ?", (h,)).fetchone() is None}

    def _register(self, found: Sequence[photos.FoundPhoto],
                  problems: Sequence[ImportProblem]) -> tuple[int, list[ImportProblem]]:
        added = 0
        for photo in found:
            file = photo.state
            self._db.execute("DELETE FROM import_problems WHERE path = ?", (file.path,))  # it reads now
            same = self._db.execute("SELECT id, path FROM assets WHERE hash = ?", (photo.hash,)).fetchone()
            if same is not None:
                if same[1] != file.path and self._photo_problem(same[1]) is not None:  # moved here
                    self._db.execute("UPDATE assets SET path = ?, size = ?, mtime_ns = ? WHERE id = ?",
                                     (file.path, file.size, file.mtime_ns, same[0]))
                    self._db.execute("DELETE FROM embedding_problems WHERE face_id IN "
                                     "(SELECT id FROM faces WHERE asset_id = ?)", (same[0],))  # it can be read now
                continue  # else the same photo twice: kept once, where it was first found
            cursor = self._db.execute(
                "UPDATE assets SET hash = ?, size = ?, mtime_ns = ?, width = ?, height = ? WHERE path = ?",
                (photo.hash, file.size, file.mtime_ns, photo.width, photo.height, file.path))
            if cursor.rowcount:  # the file at that path was changed (edited): it keeps its faces
                continue
            self._db.execute(
                "INSERT INTO assets (path, width, height, size, mtime_ns, hash, scan, taken) "
                "VALUES (?, ?, ?, ?, ?, ?, 'waiting', ?)",
                (file.path, photo.width, photo.height, file.size, file.mtime_ns, photo.hash, photo.taken))
            added += 1
        new = []
        for problem in problems:
            file = photos.state(problem.path)
            size, mtime = (file.size, file.mtime_ns) if isinstance(file, photos.FileState) else (None, None)
            before = self._db.execute("SELECT reason FROM import_problems WHERE path = ?", (problem.path,)).fetchone()
            if before is None or before[0] != problem.reason:
                new.append(problem)
            self._db.execute("INSERT OR REPLACE INTO import_problems (path, reason, size, mtime_ns) VALUES (?, ?, ?, ?)",
                             (problem.path, problem.reason, size, mtime))
        return added, new

    async def pending_photos(self, limit: int, after: str | None = None) -> list[PendingPhoto]:
        rows = await self._run(lambda: self._db.execute(
            "SELECT id, path FROM assets WHERE scan = 'waiting' AND id > ? ORDER BY id LIMIT ?",
            (int(after or 0), limit)).fetchall())
        return [PendingPhoto(str(aid), str(self._photo_file(path))) for aid, path in rows]

    async def record_scan(self, asset_id: str, analysis) -> int:
        """One photo's faces in one transaction: unassigned, with their confidence and
        embedding. A photo scanned already (by another Faceboard, or before a restart) is
        left as it is, so each photo's faces are there once."""

        def write():
            row = self._db.execute("SELECT scan FROM assets WHERE id = ?", (_int_id(asset_id),)).fetchone()
            if row is None or row[0] != "waiting":
                return 0
            for found in analysis.faces:
                self._keep_embedding(self._insert_face(_int_id(asset_id), found), analysis.embedder, found)
            self._db.execute(
                "UPDATE assets SET scan = 'done', scan_problem = NULL, detector = ?, embedder = ?, width = ?, "
                "height = ?, taken = COALESCE(?, taken) WHERE id = ?",
                (analysis.detector, analysis.embedder, analysis.width, analysis.height, analysis.taken,
                 _int_id(asset_id)))
            return len(analysis.faces)

        return await self._write(write)

    async def record_scan_failure(self, asset_id: str, reason: str) -> None:
        await self._write(lambda: self._db.execute(
            "UPDATE assets SET scan = 'failed', scan_problem = ? WHERE id = ? AND scan = 'waiting'",
            (reason, _int_id(asset_id))))

    async def scan_status(self) -> ScanStatus:
        def read():
            counts = dict(self._db.execute("SELECT scan, COUNT(*) FROM assets GROUP BY scan").fetchall())
            faces = self._db.execute("SELECT COUNT(*) FROM faces f JOIN assets a ON a.id = f.asset_id "
                                     "WHERE f.deleted = 0 AND f.drawn = 0 AND a.detector IS NOT NULL").fetchone()[0]
            to_learn = self._db.execute(f"SELECT COUNT(*) FROM faces f JOIN assets a ON a.id = f.asset_id "
                                        f"WHERE {_TO_LEARN}", (current_model(), current_model())).fetchone()[0]
            return ScanStatus(counts.get("waiting", 0), counts.get("done", 0), counts.get("failed", 0), faces,
                              to_learn)

        return await self._run(read)

    async def faces_to_learn(self, limit: int, after: str | None = None) -> list[FaceToLearn]:
        rows = await self._run(lambda: self._db.execute(
            f"SELECT f.id, a.path, f.x, f.y, f.w, f.h FROM faces f JOIN assets a ON a.id = f.asset_id "
            f"WHERE {_TO_LEARN} AND f.id > ? ORDER BY f.id LIMIT ?",
            (current_model(), current_model(), int(after or 0), limit)).fetchall())
        return [FaceToLearn(str(fid), str(self._photo_file(path)), BoundingBox(x, y, w, h))
                for fid, path, x, y, w, h in rows]

    async def record_learnt(self, face_id: str, model: str, found) -> None:
        await self._write(self._keep_embedding, _int_id(face_id), model, found)

    async def record_learning_failure(self, face_id: str, model: str, reason: str) -> None:
        await self._write(lambda: self._db.execute(
            "INSERT OR REPLACE INTO embedding_problems (face_id, model, reason) VALUES (?, ?, ?)",
            (_int_id(face_id), model, reason)))

    async def import_problems(self) -> list[ImportProblem]:
        rows = await self._run(lambda: self._db.execute(
            "SELECT path, reason FROM import_problems UNION ALL "
            "SELECT path, scan_problem FROM assets WHERE scan = 'failed' ORDER BY 1").fetchall())
        return [ImportProblem(path, reason) for path, reason in rows]

    # -- comparing faces (FaceComparing) ---------------------------------------------

    @property
    def index_folder(self) -> Path | None:
        """The library's folder, where a kept nearest-neighbour index is saved; None when
        the folder cannot be written."""
        return None if self._read_only_reason else self.folder

    async def face_vectors(self, face_ids: Sequence[str] | None = None,
                           newer_than: int | None = None) -> FaceVectors:
        """The embeddings of this build's model, of the named faces (unknown ones left out)
        or of every face not deleted, in id order; `newer_than` an embedding's rowid (an
        embedding made again is a new row)."""
        model = current_model()
        ids = None if face_ids is None else [_int_id(f) for f in face_ids]

        def read() -> FaceVectors:  # all of it on the library's thread: 100,000 rows took 290 ms on the GUI's
            sql = ("SELECT f.id, f.person_id, e.vector, e.rowid FROM embeddings e CROSS JOIN faces f "  # the newest
                   "ON f.id = e.face_id WHERE e.model = ? AND f.deleted = 0 AND e.rowid > ?")  # first: a rowid range
            since = -1 if newer_than is None else newer_than
            if ids is None:
                rows = self._db.execute(f"{sql} ORDER BY f.id", (model, since)).fetchall()
            else:
                rows = sorted(self._rows_by_id(f"{sql} AND f.id IN ({{marks}})", ids, model, since))
            vectors = np.frombuffer(b"".join(r[2] for r in rows), dtype="<f4").reshape(len(rows), EMBEDDING_SIZE)
            return FaceVectors(model, tuple(str(r[0]) for r in rows),
                               tuple(None if r[1] is None else str(r[1]) for r in rows), vectors.astype(np.float32),
                               max((r[3] for r in rows), default=newer_than))

        return await self._run(read)

    async def rejections(self) -> frozenset[tuple[str, str]]:
        rows = await self._run(lambda: self._db.execute("SELECT face_id, person_id FROM rejections").fetchall())
        return frozenset((str(f), str(p)) for f, p in rows)

    async def reject_suggestions(self, pairs: Sequence[tuple[str, str]]) -> None:
        """Remember that each face is not that person (a pair remembered already stays)."""
        self._refuse_if_read_only()

        def write():
            self._faces_sync(list(dict.fromkeys(f for f, _ in pairs)))
            for person_id in {p for _, p in pairs}:
                self._person_sync(person_id)
            self._db.executemany("INSERT OR IGNORE INTO rejections (face_id, person_id) VALUES (?, ?)",
                                 [(_int_id(f), _int_id(p)) for f, p in pairs])

        await self._write(write)

    async def restore_suggestions(self, pairs: Sequence[tuple[str, str]]) -> None:
        """Forget those rejections (one not remembered is no error: it is forgotten already)."""
        self._refuse_if_read_only()
        await self._write(lambda: self._db.executemany(
            "DELETE FROM rejections WHERE face_id = ? AND person_id = ?", [(_int_id(f), _int_id(p)) for f, p in pairs]))

    async def face_qualities(self, face_ids: Sequence[str]) -> dict[str, FaceQuality]:
        """The named faces' quality as measured when they were embedded (unknown faces left out)."""
        ids = [_int_id(f) for f in face_ids]

        def read():
            return {str(row[0]): FaceQuality(*row[1:]) for row in self._rows_by_id(
                "SELECT id, MIN(w, h), sharpness, frontal, brightness FROM faces WHERE deleted = 0 AND id IN ({marks})",
                ids)}

        return await self._run(read)

    def _rows_by_id(self, sql: str, ids: Sequence[int], *args) -> list:
        """The rows of `sql` for the ids in its `{marks}`, asked 500 at a time (SQLite's
        limit on parameters)."""
        rows = []
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            rows.extend(self._db.execute(sql.format(marks=",".join("?" * len(chunk))), (*args, *chunk)).fetchall())
        return rows

    def _refuse_if_read_only(self) -> None:
        if self._read_only_reason:
            raise ReadOnly(self._read_only_reason)

    # -- used by the demo generator -------------------------------------------------

    def insert_demo(self, persons, assets, faces, thumbnails) -> None:
        """Bulk-load generated content in one transaction (see `demo.py`)."""

        def load():
            self._db.executemany("INSERT INTO persons (id, name) VALUES (?, ?)", persons)
            self._db.executemany("INSERT INTO assets (id, path, width, height) VALUES (?, ?, ?, ?)", assets)
            self._db.executemany(
                "INSERT INTO faces (id, asset_id, x, y, w, h, person_id, confidence) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                faces,
            )
            for person_id, face_id, primary in thumbnails:
                (face,) = self._faces_sync([str(face_id)])
                data = self._crop_face(face)
                self._insert_thumbnail(str(person_id), data, primary, str(face_id))

        self._transaction(load)


def new_library(folder: Path | str) -> bool:
    """Make an empty library in `folder`, made when missing (File → New library…,
    `--library EMPTY_FOLDER`); whether one was made. A folder holding a library is left as
    it is; one holding other files is refused, so no library is strewn among a user's files."""
    folder = Path(folder)
    if (folder / DATABASE_NAME).exists():
        return False
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise InvalidInput(f"{folder} is not an empty folder and holds no Faceboard library: choose an empty "
                           "folder (or a new one) for a new library. Nothing was changed.")
    LocalLibrary(folder).close_now()
    return True


def is_id(value: str) -> bool:
    """Whether `value` can name a row of a library: a whole number SQLite can hold."""
    try:
        return -MAX_ID - 1 <= int(value) <= MAX_ID
    except (TypeError, ValueError):
        return False


def _int_id(value: str) -> int:
    if not is_id(value):
        raise NotFound(f"{value!r} is not an id of this library.")
    return int(value)


def _clean_name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise InvalidInput("A person needs a name.")
    if len(name) > 200:
        raise InvalidInput("A name can be at most 200 characters long.")
    return name


def _embed_drawn(path: str, box: BoundingBox):
    """In the embedding process: the drawn face, and the name of the model that embedded it."""
    from faceboard import recognition
    from faceboard.recognition.embedding import embedder

    return recognition.embed_box(path, box), embedder().name


def _copied(found: photos.FoundPhoto, relative: str) -> photos.FoundPhoto:
    """The photo as the library keeps its copy: the path in the images folder."""
    return photos.FoundPhoto(photos.FileState(relative, found.state.size, found.state.mtime_ns), found.hash,
                             found.kind, found.width, found.height)


def _extension(data: bytes) -> str:
    return "png" if imaging.sniff(data) == "PNG" else "jpg"


def _check_image_bytes(data: bytes) -> None:
    kind = imaging.sniff(data)
    if kind not in ("JPEG", "PNG"):
        raise InvalidInput(f"The library stores JPEG or PNG thumbnails, not {kind or 'these bytes'}.")
    imaging.open_picture(data, "The thumbnail")
