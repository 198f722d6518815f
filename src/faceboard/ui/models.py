"""List models of the three panes, over plain Python lists of domain objects.

Filtering and sorting of people happen here rather than in a proxy model: one pass in
Python on change, instead of a Python call per row on every re-filter. `data()` does
O(1) work and serves only the roles the delegates read.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import replace

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt

from faceboard.domain import Face, Page, Person, Thumbnail
from faceboard.ui.mime import FACES_MIME, THUMBNAIL_MIME, faces_mime, thumbnail_mime

ObjectRole = Qt.ItemDataRole.UserRole + 1  # the domain object (None for the Unassigned row)
ImageRole = Qt.ItemDataRole.UserRole + 2  # an ImageRef or None
CountRole = Qt.ItemDataRole.UserRole + 3  # a person's face count
PrimaryRole = Qt.ItemDataRole.UserRole + 4  # a thumbnail is its person's primary
SuggestionRole = Qt.ItemDataRole.UserRole + 5  # "probably: Alice, Bob" for a face, or None

SORT_KEYS: dict[str, Callable[[Person], object]] = {
    "Name": lambda p: (p.name.casefold(), p.id),
    "Most faces": lambda p: (-p.face_count, p.name.casefold(), p.id),
    "Fewest faces": lambda p: (p.face_count, p.name.casefold(), p.id),
}

AnyIndex = QModelIndex | QPersistentModelIndex


class PeopleModel(QAbstractListModel):
    """Row 0 is "Unassigned"; then the people that pass the filter, in the chosen order.

    Updates keep rows where they are (a row must not jump away from under a drag);
    order and filter are applied again when the user changes them or on reload.
    """

    UNASSIGNED_NAME = "Unassigned"

    def __init__(self, parent=None):
        super().__init__(parent)
        self._people: dict[str, Person] = {}
        self._rows: list[str] = []
        self._unassigned = 0
        self._filter = ""
        self._sort = "Name"
        self._show_hidden = False

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
        if role == ImageRole:
            return person.primary_image if person else None
        if role == Qt.ItemDataRole.ToolTipRole:
            if person is None:
                return f"{self._unassigned} faces not assigned to anyone. Drop faces here to detach them."
            hidden = " (hidden)" if person.hidden else ""
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

    def person_at(self, row: int) -> Person | None:
        """The person of a row; None for the Unassigned row."""
        return self._people[self._rows[row - 1]] if 0 < row <= len(self._rows) else None

    def person(self, person_id: str) -> Person | None:
        return self._people.get(person_id)

    def people(self) -> list[Person]:
        return list(self._people.values())

    def row_of(self, person_id: str | None) -> int | None:
        if person_id is None:
            return 0
        try:
            return self._rows.index(person_id) + 1
        except ValueError:
            return None

    @property
    def unassigned_count(self) -> int:
        return self._unassigned

    # -- changing -------------------------------------------------------------------

    def set_people(self, people: Iterable[Person], unassigned: int) -> None:
        self.beginResetModel()
        self._people = {p.id: p for p in people}
        self._unassigned = unassigned
        self._rows = self._visible_rows()
        self.endResetModel()

    def set_view(self, *, filter_text: str | None = None, sort: str | None = None, show_hidden: bool | None = None):
        if filter_text is not None:
            self._filter = filter_text.casefold().strip()
        if sort is not None:
            self._sort = sort
        if show_hidden is not None:
            self._show_hidden = show_hidden
        self.layoutAboutToBeChanged.emit()
        old_rows = self._rows
        self._rows = self._visible_rows()
        self._remap_persistent(old_rows)
        self.layoutChanged.emit()

    def update_people(self, people: Iterable[Person]) -> None:
        """Take new states of people; new people are inserted where the order puts them."""
        for person in people:
            self._people[person.id] = person
            row = self.row_of(person.id)
            if row is not None:
                if self._passes(person):
                    self.dataChanged.emit(self.index(row), self.index(row))
                else:
                    self._remove_row(row)
            elif self._passes(person):
                key = SORT_KEYS[self._sort]
                position = next(
                    (i for i, pid in enumerate(self._rows) if key(self._people[pid]) > key(person)), len(self._rows)
                )
                self.beginInsertRows(QModelIndex(), position + 1, position + 1)
                self._rows.insert(position, person.id)
                self.endInsertRows()

    def remove_people(self, person_ids: Iterable[str]) -> None:
        for person_id in person_ids:
            self._people.pop(person_id, None)
            row = self.row_of(person_id)
            if row:
                self._remove_row(row)

    def adjust_counts(self, deltas: dict[str | None, int]) -> None:
        """Optimistic face counts while a reassignment is on its way."""
        for person_id, delta in deltas.items():
            if person_id is None:
                self._unassigned += delta
                self.dataChanged.emit(self.index(0), self.index(0), [CountRole])
            elif person_id in self._people:
                person = self._people[person_id]
                self.update_people([replace(person, face_count=max(0, person.face_count + delta))])

    # -- helpers --------------------------------------------------------------------

    def _passes(self, person: Person) -> bool:
        if person.hidden and not self._show_hidden:
            return False
        return not self._filter or self._filter in person.name.casefold()

    def _visible_rows(self) -> list[str]:
        shown = [p for p in self._people.values() if self._passes(p)]
        shown.sort(key=SORT_KEYS[self._sort])
        return [p.id for p in shown]

    def _remove_row(self, row: int) -> None:
        self.beginRemoveRows(QModelIndex(), row, row)
        del self._rows[row - 1]
        self.endRemoveRows()

    def _remap_persistent(self, old_rows: list[str]) -> None:
        new_rows = {pid: i + 1 for i, pid in enumerate(self._rows)}
        for index in self.persistentIndexList():
            if index.row() == 0:
                continue
            pid = old_rows[index.row() - 1] if index.row() - 1 < len(old_rows) else None
            row = new_rows.get(pid)
            self.changePersistentIndex(index, self.index(row) if row is not None else QModelIndex())


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


class FacesModel(_TileModel):
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
        self._cursor: str | None = None
        self._exhausted = True
        self._fetching = False
        self._generation = 0
        self.on_error: Callable[[Exception], None] = lambda error: None

    @property
    def scope(self) -> str | None:
        return self._scope

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        face = self._items[index.row()]
        if role == ImageRole:
            return face.image
        if role == ObjectRole:
            return face
        if role == SuggestionRole:
            return f"probably: {', '.join(face.suggestions[:2])}" if face.suggestions else None
        if role == Qt.ItemDataRole.ToolTipRole:
            confidence = "" if face.confidence is None else f", detection confidence {face.confidence:.0%}"
            probably = f"\nProbably: {', '.join(face.suggestions)}" if face.suggestions else ""
            return f"Face {face.id} in photo {face.asset_id}{confidence}{probably}"
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"Face {face.id}"
        return None

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
        self._generation += 1
        self.beginResetModel()
        self._scope, self._items, self._rows = scope, [], {}
        self._cursor, self._exhausted, self._fetching = None, False, False
        self.endResetModel()
        self.fetchMore(QModelIndex())

    def canFetchMore(self, parent: AnyIndex = QModelIndex()) -> bool:
        return not parent.isValid() and not self._exhausted and not self._fetching

    def fetchMore(self, parent: AnyIndex = QModelIndex()) -> None:
        if not self.canFetchMore(parent):
            return
        self._fetching = True
        self._spawn(self._fetch(self._generation, self._scope, self._cursor))

    async def _fetch(self, generation: int, scope: str | None, cursor: str | None) -> None:
        try:
            page = await self._load_page(scope, cursor)
        except Exception as error:
            if generation == self._generation:
                self._fetching, self._exhausted = False, True
                self.on_error(error)
            return
        if generation != self._generation:
            return  # the user moved on to another person meanwhile
        self._seen.update((f.id, f) for f in page.items)
        fresh = [f for f in page.items if f.id not in self._rows]
        if fresh:
            self._insert(len(self._items), fresh)
        self._cursor, self._exhausted, self._fetching = page.next_cursor, page.next_cursor is None, False

    @property
    def loading(self) -> bool:
        return self._fetching

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
        if joined and (self._exhausted or not self._items):
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
        if role == ImageRole:
            return thumbnail.image
        if role == ObjectRole:
            return thumbnail
        if role == PrimaryRole:
            return thumbnail.is_primary
        if role == Qt.ItemDataRole.ToolTipRole:
            return "The primary thumbnail" if thumbnail.is_primary else "Press Space or drop on the person to make it primary"
        return None

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
            self.dataChanged.emit(self.index(0), self.index(len(self._items) - 1), [PrimaryRole])
