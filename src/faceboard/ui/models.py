"""List models of the three panes, over plain Python lists of domain objects.

Filtering and sorting of people happen here rather than in a proxy model: one pass in
Python on change, instead of a Python call per row on every re-filter. `data()` does
O(1) work and serves only the roles the delegates read.
"""

from __future__ import annotations

import gc
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import replace
from typing import NamedTuple

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt

from faceboard.domain import Face, ImageRef, Page, PeopleQuery, Person, Thumbnail
from faceboard.ui.mime import FACES_MIME, THUMBNAIL_MIME, faces_mime, thumbnail_mime

ObjectRole = Qt.ItemDataRole.UserRole + 1  # the domain object (None for the Unassigned row)
CountRole = Qt.ItemDataRole.UserRole + 2  # a person's face count; None: the unassigned faces are not counted yet

SORTS = {"Name": "name", "Most faces": "most_faces", "Fewest faces": "fewest_faces"}  # label -> query
_LOCAL_ORDER: dict[str, Callable[[Person], object]] = {  # the backends' orders, for placing a new person
    "name": lambda p: (p.name.casefold(), p.id),
    "most_faces": lambda p: (-p.face_count, p.name.casefold(), p.id),
    "fewest_faces": lambda p: (p.face_count, p.name.casefold(), p.id),
}

AnyIndex = QModelIndex | QPersistentModelIndex


class _Paged:
    """`canFetchMore`/`fetchMore` for a list model read page by page: the model gives
    `_pager`, `_spawn`, `on_error`, `_load_current(cursor)` and `_take(items)`."""

    def canFetchMore(self, parent: AnyIndex = QModelIndex()) -> bool:
        return not parent.isValid() and self._pager.can_fetch

    def fetchMore(self, parent: AnyIndex = QModelIndex()) -> None:
        if self.canFetchMore(parent):
            self._pager.fetching = True
            self._spawn(self._fetch(self._pager.generation))

    @property
    def loading(self) -> bool:
        return self._pager.fetching

    async def _fetch(self, generation: int) -> bool:
        """Fetch the next page; True when it was the last."""
        return await self._pager.fetch(generation, self._load_current(), self._take, self.on_error)


def faces_text(count: int | None, noun: str = "face") -> str:
    return f"{noun}s not counted yet" if count is None else f"{count} {noun}{'s' * (count != 1)}"


class _Pager:
    """The paging state both lazy lists share: where the next page starts, whether one
    is on its way, and a generation that makes answers for an older view count for nothing."""

    def __init__(self):
        self.generation = 0
        self.cursor: str | None = None
        self.exhausted = True
        self.fetching = False

    def restart(self) -> int:
        self.generation += 1
        self.cursor, self.exhausted, self.fetching = None, False, True
        return self.generation

    @property
    def can_fetch(self) -> bool:
        return not self.exhausted and not self.fetching

    async def fetch(self, generation: int, load: Callable[[str | None], Awaitable[Page]],
                    take: Callable[[tuple], None], on_error: Callable[[Exception], None]) -> bool:
        try:
            page = await load(self.cursor)
        except Exception as error:
            if generation == self.generation:
                self.fetching, self.exhausted = False, True
                on_error(error)
            return False
        if generation != self.generation:
            return False  # the user moved on to another view meanwhile
        take(page.items)
        self.cursor, self.exhausted, self.fetching = page.next_cursor, page.next_cursor is None, False
        _keep_out_of_full_collections()
        return self.exhausted


def _keep_out_of_full_collections() -> None:
    """A page's objects live as long as the view shows them. Collect the young
    generations, then freeze what survives: the garbage collector's full passes no longer
    walk 100,000 faces (35-67 ms pauses mid-scroll, measured with benchmarks/scale.py).
    Frozen objects are still freed by reference counting when the view lets them go; the
    domain objects hold no cycles."""
    gc.collect(1)
    gc.freeze()


class PeopleModel(_Paged, QAbstractListModel):
    """Row 0 is "Unassigned"; then the people the query selects, read page by page as the
    view scrolls (`canFetchMore`/`fetchMore`); the backend filters and sorts.

    Updates keep rows where they are (a row must not jump away from under a drag); the
    order is applied again when the user changes the view, or on reload.
    """

    UNASSIGNED_NAME = "Unassigned"

    def __init__(
        self,
        load_page: Callable[[PeopleQuery, str | None], Awaitable[Page[Person]]],
        spawn: Callable[[Awaitable], object],
        parent=None,
    ):
        super().__init__(parent)
        self._load_page = load_page
        self._spawn = spawn
        self._people: dict[str, Person] = {}  # everyone met so far
        self._rows: list[str] = []
        self._index: dict[str, int] = {}  # person id -> row
        self._unassigned: int | None = 0
        self.noun = "face"  # what a person's count counts: "picture" where a backend keeps no faces
        self._query = PeopleQuery(include_hidden=False)
        self._pager = _Pager()
        self.on_error: Callable[[Exception], None] = lambda error: None

    # -- reading --------------------------------------------------------------------

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows) + 1

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row = index.row()
        person = self._people[self._rows[row - 1]] if row else None
        if role == Qt.ItemDataRole.DisplayRole:
            return person.name if person else self.UNASSIGNED_NAME
        if role == CountRole:
            return person.face_count if person else self._unassigned
        if role == ObjectRole:
            return person
        if role == Qt.ItemDataRole.ToolTipRole:
            if person is None:
                return f"{faces_text(self._unassigned)} not assigned to anyone. Drop faces here to detach them."
            hidden = " (hidden)" if person.hidden else ""
            if self.noun != "face":
                return f"{person.name}{hidden}" + (f": {self.count_text(row)}" if person.face_count else "")
            return f"{person.name}{hidden}: {person.face_count} faces. Drop faces here to assign them."
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsDropEnabled

    def mimeTypes(self) -> list[str]:
        return [FACES_MIME, THUMBNAIL_MIME, "text/uri-list"]

    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction | Qt.DropAction.CopyAction

    def count_text(self, row: int) -> str:
        """"12 faces" under a name; where there are no faces, the pictures, when counted."""
        count = self.data(self.index(row), CountRole)
        return "" if self.noun != "face" and not count else faces_text(count, self.noun)

    def person_at(self, row: int) -> Person | None:
        """The person of a row; None for the Unassigned row."""
        return self._people[self._rows[row - 1]] if 0 < row <= len(self._rows) else None

    def person(self, person_id: str) -> Person | None:
        return self._people.get(person_id)

    def people(self) -> list[Person]:
        """The people listed so far."""
        return [self._people[pid] for pid in self._rows]

    def row_of(self, person_id: str | None) -> int | None:
        return 0 if person_id is None else self._index.get(person_id)

    @property
    def unassigned_count(self) -> int | None:
        return self._unassigned

    def learn_unassigned(self, count: int) -> None:
        """The unassigned faces were read to the end: now their count is known."""
        if self._unassigned != count:
            self._unassigned = count
            self.dataChanged.emit(self.index(0), self.index(0), [CountRole])

    # -- paging ---------------------------------------------------------------------

    async def reload(self, unassigned: int | None) -> None:
        """Start the list again from the backend's first page (and wait for it)."""
        self._unassigned = unassigned
        await self._restart()

    def _restart(self) -> Awaitable[None]:
        """Empty the list at once; return the fetch of the first page."""
        self.beginResetModel()
        generation = self._pager.restart()
        self._rows, self._index = [], {}
        self.endResetModel()
        return self._fetch(generation)

    def set_view(self, *, filter_text: str | None = None, sort: str | None = None, show_hidden: bool | None = None):
        query = self._query
        if filter_text is not None:
            query = replace(query, text=filter_text.strip())
        if sort is not None:
            query = replace(query, sort=sort)
        if show_hidden is not None:
            query = replace(query, include_hidden=show_hidden)
        if query != self._query:
            self._query = query
            self._spawn(self._restart())

    def _load_current(self) -> Callable[[str | None], Awaitable[Page[Person]]]:
        query = self._query
        return lambda cursor: self._load_page(query, cursor)

    def _take(self, people: tuple[Person, ...]) -> None:
        fresh = [p for p in people if p.id not in self._index]
        self._people.update((p.id, p) for p in people)
        if fresh:
            self._insert(len(self._rows), fresh)

    # -- changing -------------------------------------------------------------------

    def update_people(self, people: Iterable[Person]) -> None:
        """Take new states of people; a new one is inserted where the order puts it,
        if that is among the rows read so far."""
        for person in people:
            self._people[person.id] = person
            row = self._index.get(person.id)
            if row is not None:
                if self._passes(person):
                    self.dataChanged.emit(self.index(row), self.index(row))
                else:
                    self._remove(row)
            elif self._passes(person):
                key = _LOCAL_ORDER[self._query.sort]
                position = next(
                    (i for i, pid in enumerate(self._rows) if key(self._people[pid]) > key(person)), None)
                if position is None and self._pager.exhausted:
                    position = len(self._rows)
                if position is not None:
                    self._insert(position, [person])

    def remove_people(self, person_ids: Iterable[str]) -> None:
        for person_id in person_ids:
            row = self._index.get(person_id)
            if row:
                self._remove(row)  # before forgetting them: the view may still ask for the row
            self._people.pop(person_id, None)

    def adjust_counts(self, deltas: dict[str | None, int]) -> None:
        """Optimistic face counts while a reassignment is on its way."""
        for person_id, delta in deltas.items():
            if person_id is None:
                if self._unassigned is not None:
                    self._unassigned += delta
                self.dataChanged.emit(self.index(0), self.index(0), [CountRole])
            elif person_id in self._people:
                person = self._people[person_id]
                self.update_people([replace(person, face_count=max(0, person.face_count + delta))])

    # -- helpers --------------------------------------------------------------------

    def _passes(self, person: Person) -> bool:
        if person.hidden and not self._query.include_hidden:
            return False
        return self._query.text.casefold() in person.name.casefold()

    def _insert(self, position: int, people: list[Person]) -> None:
        self.beginInsertRows(QModelIndex(), position + 1, position + len(people))
        self._rows[position:position] = [p.id for p in people]
        if position + len(people) == len(self._rows):  # appended: the common case, O(page)
            self._index.update((p.id, position + 1 + i) for i, p in enumerate(people))
        else:
            self._index = {pid: i + 1 for i, pid in enumerate(self._rows)}
        self.endInsertRows()

    def _remove(self, row: int) -> None:
        self.beginRemoveRows(QModelIndex(), row, row)
        del self._rows[row - 1]
        self._index = {pid: i + 1 for i, pid in enumerate(self._rows)}
        self.endRemoveRows()


class TileLook(NamedTuple):
    """What a tile shows. Read by the delegate straight from the model (`tile(row)`),
    not through `data()` roles: a grid paints thousands of tiles a second."""

    image: ImageRef | None
    primary: bool = False
    caption: str | None = None  # "probably: Alice, Bob", the backend's guess for a face


class _TileModel(QAbstractListModel):
    """A list of draggable tiles (faces or thumbnails) held in `_items`."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self._items: list = []

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._items)

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsDragEnabled


class FacesModel(_Paged, _TileModel):
    """The faces of one person (or the unassigned faces), fetched page by page as the
    view scrolls (`canFetchMore`/`fetchMore`)."""

    def __init__(
        self,
        load_page: Callable[[str | None, str | None], Awaitable[Page[Face]]],
        spawn: Callable[[Awaitable], object],
        parent=None,
    ):
        super().__init__(parent)
        self._load_page = load_page
        self._spawn = spawn
        self._rows: dict[str, int] = {}
        self._seen: dict[str, Face] = {}  # every face met so far, for predicting moves back
        self._scope: str | None = None
        self._pager = _Pager()
        self.on_error: Callable[[Exception], None] = lambda error: None
        self.on_complete: Callable[[str | None, int], None] = lambda scope, count: None  # read to the end

    @property
    def scope(self) -> str | None:
        return self._scope

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        face = self._items[index.row()]
        if role == ObjectRole:
            return face
        if role == Qt.ItemDataRole.ToolTipRole:
            confidence = "" if face.confidence is None else f", detection confidence {face.confidence:.0%}"
            probably = f"\nProbably: {', '.join(face.suggestions)}" if face.suggestions else ""
            return f"Face {face.id} in photo {face.asset_id}{confidence}{probably}"
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"Face {face.id}"
        return None

    def tile(self, row: int) -> TileLook:
        face = self._items[row]
        return TileLook(face.image, False, f"probably: {', '.join(face.suggestions[:2])}" if face.suggestions else None)

    def mimeTypes(self) -> list[str]:
        return [FACES_MIME]

    def mimeData(self, indexes):
        rows = sorted({i.row() for i in indexes if i.isValid()})
        return faces_mime([self._items[r].id for r in rows], self._scope)

    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    def face_at(self, row: int) -> Face:
        return self._items[row]

    def row_of(self, face_id: str) -> int | None:
        return self._rows.get(face_id)

    def faces(self) -> list[Face]:
        return list(self._items)

    def seen(self, face_id: str) -> Face | None:
        return self._seen.get(face_id)

    # -- paging ---------------------------------------------------------------------

    def show(self, scope: str | None) -> None:
        """Show another person's faces (None: the unassigned ones), starting empty."""
        self.beginResetModel()
        generation = self._pager.restart()
        self._scope, self._items, self._rows = scope, [], {}
        self.endResetModel()
        self._spawn(self._fetch(generation))

    def _load_current(self) -> Callable[[str | None], Awaitable[Page[Face]]]:
        scope = self._scope
        return lambda cursor: self._load_page(scope, cursor)

    async def _fetch(self, generation: int) -> bool:
        complete = await super()._fetch(generation)
        if complete:
            self.on_complete(self._scope, len(self._items))
        return complete

    def _take(self, faces: tuple[Face, ...]) -> None:
        self._seen.update((f.id, f) for f in faces)
        fresh = [f for f in faces if f.id not in self._rows]
        if fresh:
            self._insert(len(self._items), fresh)

    # -- changing -------------------------------------------------------------------

    def apply(self, faces: Iterable[Face]) -> None:
        """Take faces' new states: faces that left this scope go, faces that joined come."""
        gone, joined = [], []
        for face in faces:
            self._seen[face.id] = face
            row = self._rows.get(face.id)
            if face.person_id == self._scope:
                if row is None:
                    joined.append(face)
                else:
                    self._items[row] = face
            elif row is not None:
                gone.append(row)
        for first, last in _runs(sorted(gone, reverse=True)):
            self.beginRemoveRows(QModelIndex(), first, last)
            del self._items[first : last + 1]
            self._rows = {f.id: i for i, f in enumerate(self._items)}
            self.endRemoveRows()
        if joined and (self._pager.exhausted or not self._items):
            self._insert(len(self._items), joined)
        elif joined:  # the rest of the list is still on the server: keep its order, put them first
            self._insert(0, joined)

    def remove(self, face_ids) -> None:
        """Faces that no longer exist (deleted) leave the list."""
        rows = sorted((self._rows[f] for f in face_ids if f in self._rows), reverse=True)
        for first, last in _runs(rows):
            self.beginRemoveRows(QModelIndex(), first, last)
            del self._items[first : last + 1]
            self._rows = {f.id: i for i, f in enumerate(self._items)}
            self.endRemoveRows()

    def _insert(self, position: int, faces: list[Face]) -> None:
        self.beginInsertRows(QModelIndex(), position, position + len(faces) - 1)
        self._items[position:position] = faces
        if position + len(faces) == len(self._items):  # appended a page: O(page), not O(all)
            self._rows.update((f.id, position + i) for i, f in enumerate(faces))
        else:
            self._rows = {f.id: i for i, f in enumerate(self._items)}
        self.endInsertRows()


def _runs(rows_descending: list[int]) -> list[tuple[int, int]]:
    """Group descending row numbers into (first, last) runs, for one removal per run."""
    runs: list[tuple[int, int]] = []
    for row in rows_descending:
        if runs and runs[-1][0] == row + 1:
            runs[-1] = (row, runs[-1][1])
        else:
            runs.append((row, row))
    return runs


class ThumbnailsModel(_TileModel):
    """The selected person's thumbnails; the primary one is marked."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self._person_id: str | None = None

    @property
    def person_id(self) -> str | None:
        return self._person_id

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        thumbnail = self._items[index.row()]
        if role == ObjectRole:
            return thumbnail
        if role == Qt.ItemDataRole.ToolTipRole:
            return "The primary thumbnail" if thumbnail.is_primary else "Press Space or drop on the person to make it primary"
        return None

    def tile(self, row: int) -> TileLook:
        thumbnail = self._items[row]
        return TileLook(thumbnail.image, thumbnail.is_primary)

    def mimeTypes(self) -> list[str]:
        return [THUMBNAIL_MIME]

    def mimeData(self, indexes):
        rows = sorted(i.row() for i in indexes if i.isValid())
        thumbnail = self._items[rows[0]]
        return thumbnail_mime(thumbnail.person_id, thumbnail.id)

    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.LinkAction | Qt.DropAction.CopyAction | Qt.DropAction.MoveAction

    def thumbnail_at(self, row: int) -> Thumbnail:
        return self._items[row]

    def thumbnails(self) -> list[Thumbnail]:
        return list(self._items)

    def set_thumbnails(self, person_id: str | None, thumbnails: Iterable[Thumbnail]) -> None:
        self.beginResetModel()
        self._person_id = person_id
        self._items = list(thumbnails)
        self.endResetModel()

    def mark_primary(self, thumbnail_id: str) -> None:
        self._items = [replace(t, is_primary=t.id == thumbnail_id) for t in self._items]
        if self._items:
            self.dataChanged.emit(self.index(0), self.index(len(self._items) - 1))
