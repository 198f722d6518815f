"""The Review view (View ▸ Review, Ctrl+R): the unassigned faces grouped by the person
Faceboard suggests for them, the most certain groups first, to clear with a few keys.
The groups are listed on the left (each person's primary thumbnail, name and how many
faces wait); the group chosen is on the right, its faces the likeliest first, each with
its similarity. Y or Enter accepts the selected face (it moves to that person), N says
it is not them (remembered: it moves to its next suggestion, or leaves), Shift+Y accepts
every face of the group as alike as the selected one or more. Each decision is one
change on the undo stack; the next face is selected at once, from the queue's
prediction, before the backend answers. What is in `ReviewQueue`; here is its look."""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import QAbstractListModel, QItemSelectionModel, QModelIndex, QPoint, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QFont, QKeySequence, QPainter, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView, QHBoxLayout, QLabel, QListView, QPushButton, QSizePolicy, QSplitter, QVBoxLayout, QWidget,
)

from faceboard.domain import Face, Person, count
from faceboard.errors import FaceboardError
from faceboard.recognition.similarity import percent
from faceboard.ui import suggesting
from faceboard.ui.panes import heading
from faceboard.ui.panes.faces import FaceGrid
from faceboard.ui.panes.people import DetailRole, PersonDelegate
from faceboard.ui.panes.tiles import AnyIndex, ObjectRole, TileLook, draw_image, legible_on, placeholder
from faceboard.ui.panes.tiles import repaint_as_tiles_arrive
from faceboard.ui.review_queue import ReviewQueue
from faceboard.ui.session import Session

PEOPLE_AT_ONCE = 500  # group people read from the backend in one call
MANY_AT_ONCE = 500  # faces whose suggestions changed, from which the likeness's whole table is cheaper to read


class GroupsModel(QAbstractListModel):
    """The queue's groups, one row a person: as the People list draws them."""

    def __init__(self, shown: Mapping[str, Person], parent=None):
        super().__init__(parent)
        self.queue = ReviewQueue({})
        self._shown = shown  # the people as the store shows them now (their counts move as faces are accepted)
        self.people: dict[str, Person] = {}  # the groups' other people as the backend has them, once read

    def show(self, queue: ReviewQueue) -> None:
        self.beginResetModel()
        self.queue = queue
        queue.listen(self._hear)
        self.endResetModel()

    def _hear(self, kind: str, row: int, _person_id: str) -> None:
        match kind:
            case "inserting":
                self.beginInsertRows(QModelIndex(), row, row)
            case "inserted":
                self.endInsertRows()
            case "changed":
                self.dataChanged.emit(self.index(row), self.index(row))

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.queue.order)

    def person_id_at(self, row: int) -> str:
        return self.queue.order[row]

    def person(self, person_id: str) -> Person:
        """The person as the store shows them, or as read, or as the suggestion names them
        meanwhile (their initials drawn)."""
        return self._shown.get(person_id) or self.people.get(person_id) or \
            Person(person_id, self.queue.names.get(person_id, ""))

    def knows(self, person_id: str) -> bool:
        """Whether the person is read (their face count is true), not only named by a suggestion."""
        return person_id in self._shown or person_id in self.people

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        person_id = self.queue.order[index.row()]
        faces = self.queue.groups[person_id]
        if role == Qt.ItemDataRole.DisplayRole:
            return self.person(person_id).name
        if role == ObjectRole:
            return self.person(person_id)
        if role == DetailRole:
            return f"{count(len(faces), 'face')} · {percent(self.queue.similarity(faces[0]))}" if faces \
                else "✓ done"
        if role == Qt.ItemDataRole.ToolTipRole:
            name = self.person(person_id).name
            return (f"{name}: {count(len(faces), 'face')} suggested, {alike(self.queue, faces)}" if faces
                    else f"{name}: every face suggested has been decided")
        return None


def alike(queue: ReviewQueue, faces: list[str]) -> str:
    """"61 % to 96 % alike": how like their person a group's faces are."""
    least, most = (percent(queue.similarity(faces[i])) for i in (-1, 0))
    return f"{most} alike" if least == most else f"{least} to {most} alike"


class GroupDelegate(PersonDelegate):
    """A group's row, as a People row; as narrow as the pane (the name elided), never wider."""

    def sizeHint(self, option, index) -> QSize:
        return QSize(120, self.ROW_HEIGHT)


class GroupList(QListView):
    """The groups, one row a person, all rows one height."""

    def dataChanged(self, top_left: QModelIndex, bottom_right: QModelIndex, roles=()) -> None:
        """Repaint the rows that changed and are on screen, only them: QListView's own lays
        every row out again, asking the model for each (32 ms for 8,000 groups, at each
        decision), and QAbstractItemView's repaints the whole list for any range of rows
        (the people read for the groups far below, a few hundred at a time). The rows on
        screen are told as QAbstractItemView tells them (a screen reader hears of them)."""
        if top_left != bottom_right:
            viewport = self.viewport()
            first, last = self.indexAt(QPoint(0, 0)), self.indexAt(QPoint(0, viewport.height() - 1))
            top = max(top_left.row(), first.row() if first.isValid() else 0)
            bottom = min(bottom_right.row(), last.row() if last.isValid() else self.model().rowCount() - 1)
            if top > bottom:
                return
            top_left, bottom_right = self.model().index(top, 0), self.model().index(bottom, 0)
        QAbstractItemView.dataChanged(self, top_left, bottom_right, roles)


class GroupFacesModel(QAbstractListModel):
    """The faces of one group, the likeliest first, for the `FaceGrid` (its `tile(row)`)."""

    def __init__(self, faces: dict[str, Face], parent=None):
        super().__init__(parent)
        self._faces = faces  # the store's, by id: a face not read yet paints a placeholder
        self.queue = ReviewQueue({})
        self.person_id: str | None = None

    def show(self, queue: ReviewQueue, person_id: str | None) -> None:
        self.beginResetModel()
        self.queue, self.person_id = queue, person_id
        self.endResetModel()

    @property
    def ids(self) -> list[str]:
        return self.queue.groups.get(self.person_id, []) if self.person_id is not None else []

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.ids)

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable if index.isValid() else Qt.ItemFlag.NoItemFlags

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        face_id = self.ids[index.row()]
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"Face {face_id}\n{suggesting.listed(self.queue.suggestions(face_id))}"
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"Face {face_id}, {percent(self.queue.similarity(face_id))} alike"
        return None

    def tile(self, row: int) -> TileLook:
        face_id = self.ids[row]
        face = self._faces.get(face_id)
        # the similarity only: the detector's confidence beside it would be a second figure to misread
        return TileLook(None if face is None else face.image, False, percent(self.queue.similarity(face_id)),
                        None, face is not None and face.photo_problem is not None)


class Avatar(QWidget):
    """A person's primary thumbnail in a round, as the People list draws it; initials without one."""

    SIDE = 56

    def __init__(self, tiles, parent=None):
        super().__init__(parent)
        self._tiles = tiles
        self.person: Person | None = None
        self.setFixedSize(self.SIDE, self.SIDE)
        repaint_as_tiles_arrive(tiles, self)

    def show_person(self, person: Person | None) -> None:
        self.person = person
        self.update()

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = QRectF(0, 0, self.SIDE, self.SIDE)
        person, palette = self.person, self.palette()
        if person is not None and person.primary_image is not None:
            draw_image(painter, self._tiles, person.primary_image, rect, self.SIDE / 2, palette)
        elif person is not None:
            fill = placeholder(palette)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(fill)
            painter.drawEllipse(rect)
            painter.setPen(legible_on(palette, fill))
            font = QFont(self.font())
            font.setBold(True)
            font.setPointSizeF(font.pointSizeF() * 1.3)
            painter.setFont(font)
            painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, "".join(p[0] for p in person.name.split()[:2]).upper())
        painter.end()


class ReviewPage(QWidget):
    """The Review view: the groups, the chosen group's heading with its buttons, its faces,
    and a status line that says how many faces wait."""

    closed = Signal()  # Escape: back to the people and their faces
    choiceChanged = Signal()  # another face selected, or none: what the actions offer follows

    def __init__(self, session: Session, parent=None):
        super().__init__(parent)
        self.session = session
        self.queue = ReviewQueue({})
        self._chosen: str | None = None  # the face the actions last heard was selected
        self._deciding = False  # a decision is changing the queue: it shows the outcome itself, once
        self.groups = GroupsModel(session.store.people, self)
        self.group_list = GroupList()
        self.group_list.setModel(self.groups)
        self.group_list.setItemDelegate(GroupDelegate(session.tiles, self.group_list))
        self.group_list.setUniformItemSizes(True)
        # laid out a few hundred rows at a time: the first are painted before 8,000 groups are laid out
        self.group_list.setLayoutMode(QListView.LayoutMode.Batched)
        self.group_list.setBatchSize(256)
        self.group_list.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.group_list.setAccessibleName("Suggested people")
        self.group_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)  # names are elided
        repaint_as_tiles_arrive(session.tiles, self.group_list.viewport())
        self.faces = GroupFacesModel(session.store.faces, self)
        self.grid = FaceGrid(session.tiles)
        self.grid.setModel(self.faces)
        self.grid.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.grid.setDragEnabled(False)
        self.grid.setAccessibleName("Faces to review")
        self.avatar = Avatar(session.tiles)
        self.name = heading("")
        self.name.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.detail = QLabel()
        self.accept_button = QPushButton("Accept")
        self.accept_button.setToolTip("This face is this person: move it to them (Y or Enter)")
        self.reject_button = QPushButton("Not them")
        self.reject_button.setToolTip("This face is not this person: never suggest them for it again (N)")
        self.accept_all_button = QPushButton("Accept all")
        self.accept_all_button.setToolTip("Move every face of this group as alike as the selected one, or more, "
                                          "to this person: one change (Shift+Y)")
        self.status = QLabel()
        self.status.setAccessibleName("Faces waiting for review")
        self._layout()
        self.group_list.selectionModel().currentChanged.connect(lambda index, _: self._group_chosen(index.row()))
        chosen = self.grid.selectionModel()  # a click makes a face current before it selects it: both are heard
        chosen.currentChanged.connect(lambda *_: self._show_choice())
        chosen.selectionChanged.connect(lambda *_: self._show_choice())
        self.accept_button.clicked.connect(self.accept)
        self.reject_button.clicked.connect(self.reject)
        self.accept_all_button.clicked.connect(self.accept_all)
        leave = QShortcut(QKeySequence("Escape"), self)
        leave.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        leave.setWhatsThis("Leave Review")
        leave.activated.connect(self.closed.emit)

    def _layout(self) -> None:
        words = QVBoxLayout()
        words.setSpacing(2)
        words.addWidget(self.name)
        words.addWidget(self.detail)
        top = QHBoxLayout()
        top.addWidget(self.avatar)
        top.addSpacing(6)
        top.addLayout(words, 1)
        buttons = QHBoxLayout()
        for button in (self.accept_button, self.reject_button, self.accept_all_button):
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the keys stay the grid's: arrows move, Y accepts
            buttons.addWidget(button)
        buttons.addStretch(1)
        right = QWidget()
        column = QVBoxLayout(right)
        column.setContentsMargins(4, 4, 8, 4)
        column.addLayout(top)
        column.addLayout(buttons)
        column.addWidget(self.grid, 1)
        left = QWidget()
        left.setMinimumWidth(200)
        side = QVBoxLayout(left)
        side.setContentsMargins(8, 4, 4, 4)
        side.addWidget(heading("Review"))
        side.addWidget(self.group_list, 1)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(right)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 3)
        split.setSizes([280, 900])
        split.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 4)
        layout.addWidget(split, 1)
        self.status.setContentsMargins(8, 0, 8, 0)
        self.status.setWordWrap(True)
        layout.addWidget(self.status)

    # -- opening --------------------------------------------------------------------

    def open(self) -> None:
        """The queue as the likeness has it now; the most certain group shown, its first face selected."""
        likeness = self.session.curation.likeness
        self.queue = ReviewQueue(likeness.suggest_unassigned() if likeness is not None else {})
        self.queue.listen(self._hear)
        known = self.session.store.people  # the groups' people as the store shows them; the rest are read
        self.groups.people = {}
        self.groups.show(self.queue)
        self._show_group(0)
        self._show_status()
        self.grid.setFocus()
        self.session.spawn(self._read_people([p for p in self.queue.order if p not in known]))

    async def _read_people(self, wanted: list[str]) -> None:
        """The groups' people the store has not read (primary thumbnail, name), a few hundred at
        a time, the first groups first."""
        for start in range(0, len(wanted), PEOPLE_AT_ONCE):
            try:
                people = await self.session.curator.people(wanted[start:start + PEOPLE_AT_ONCE])
            except FaceboardError:
                return  # the names the suggestions carry stay; the status bar hears of the backend elsewhere
            self.groups.people.update((p.id, p) for p in people)
            if self.groups.rowCount():
                self.groups.dataChanged.emit(self.groups.index(0), self.groups.index(self.groups.rowCount() - 1))
            self._show_heading()

    async def _read_faces(self, face_ids: list[str]) -> None:
        """The pictures of a group's faces the store has not read (they are known from then on,
        so a decision on them is shown at once)."""
        missing = [f for f in face_ids if f not in self.session.store.faces]
        if not missing:
            return
        try:
            faces = await self.session.curator.faces(missing)
        except FaceboardError:
            return  # one was deleted meanwhile: the likeness says so soon, and it leaves
        self.session.store.meet(faces)
        self.grid.viewport().update()

    # -- what is shown ----------------------------------------------------------------

    @property
    def person_id(self) -> str | None:
        return self.faces.person_id

    def _show_group(self, row: int) -> None:
        """Show the group of `row` (the last one, past the end), its likeliest face selected."""
        order = self.queue.order
        person_id = order[min(row, len(order) - 1)] if order and row >= 0 else None
        if person_id != self.faces.person_id or self.faces.queue is not self.queue:  # Review opened again: a new queue
            self.faces.show(self.queue, person_id)
        if person_id is not None:
            index = self.groups.index(self.queue.row_of(person_id))
            if self.group_list.currentIndex() != index:
                self.group_list.selectionModel().setCurrentIndex(index, QItemSelectionModel.SelectionFlag.ClearAndSelect)
            if index.row():  # the first is on screen already (and needs no layout of every row to find it)
                self.group_list.scrollTo(index)
            self.session.spawn(self._read_faces(self.faces.ids[:400]))
        self._select_face(0)
        self._show_heading()

    def _group_chosen(self, row: int) -> None:
        """A group chosen in the list (a click, a key); not the one shown already (`_show_group`
        choosing its row: it goes on to show it once)."""
        order = self.queue.order
        if not (0 <= row < len(order) and order[row] == self.faces.person_id and self.faces.queue is self.queue):
            self._show_group(row)

    def _select_face(self, row: int) -> None:
        rows = self.faces.rowCount()
        if not rows:
            self.grid.selectionModel().clear()
            self._show_choice()
            return
        index = self.faces.index(max(0, min(row, rows - 1)))
        self.grid.selectionModel().setCurrentIndex(index, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        self.grid.scrollTo(index)

    def _show_heading(self) -> None:
        person_id = self.person_id
        if person_id is None:
            self.avatar.show_person(None)
            self.name.setText("Nothing to review")
            self.detail.setText("Every unassigned face with a suggestion has been decided.")
        else:
            person = self.groups.person(person_id)
            faces = self.queue.groups[person_id]
            self.avatar.show_person(person)
            self.name.setText(f"Probably {person.name} ({count(len(faces), 'face')})" if faces
                              else f"{person.name}: done")
            filed = f"{count(person.face_count, 'face')} filed already" if self.groups.knows(person_id) else ""
            self.detail.setText(" · ".join(filter(None, (alike(self.queue, faces) if faces else "", filed))))
        self._show_choice()

    def _show_choice(self) -> None:
        """The buttons follow the face selected: Accept all says from which similarity on."""
        face_id = self.selected_id()
        for button in (self.accept_button, self.reject_button, self.accept_all_button):
            button.setEnabled(face_id is not None)
        self.accept_all_button.setText(
            f"Accept all ≥ {percent(self.queue.similarity(face_id))} "
            f"({len(self.queue.at_or_above(face_id))})" if face_id is not None else "Accept all")
        if face_id != self._chosen:  # a decision shows the choice three times (0.4 ms for the actions each)
            self._chosen = face_id
            self.choiceChanged.emit()

    def _show_status(self) -> None:
        groups = self.queue.groups_waiting()
        self.status.setText(f"{count(self.queue.waiting, 'face')} wait for review, in {count(groups, 'group')}. "
                            "Y or Enter: accept · N: not them · Shift+Y: accept all at or above · "
                            "Ctrl+Z: undo · Esc: leave" if groups else
                            "No face waits for review. Esc: back to the people.")

    def _hear(self, kind: str, row: int, person_id: str) -> None:
        if kind == "changed" and person_id == self.person_id:
            current = self.selected_id()
            self.faces.show(self.queue, person_id)  # its faces moved: a reset of a grid laid out by arithmetic
            if self._deciding:
                return  # the decision selects the face that follows, and shows the heading, once
            ids = self.faces.ids
            self._select_face(ids.index(current) if current in ids else 0)  # a face back in a group done: chosen
            self._show_heading()

    # -- deciding -------------------------------------------------------------------

    def selected_id(self) -> str | None:
        index = self.grid.currentIndex()
        ids = self.faces.ids
        return ids[index.row()] if index.isValid() and index.row() < len(ids) and \
            self.grid.selectionModel().isSelected(index) else None

    def selected_ids(self) -> list[str]:
        face_id = self.selected_id()
        return [] if face_id is None else [face_id]

    def accept(self) -> None:
        if (face_id := self.selected_id()) is not None:
            self._decide([face_id], self.person_id, accepted=True)

    def accept_all(self) -> None:
        if (face_id := self.selected_id()) is not None:
            self._decide(self.queue.at_or_above(face_id), self.person_id, accepted=True)

    def reject(self) -> None:
        if (face_id := self.selected_id()) is not None:
            self._decide([face_id], self.person_id, accepted=False)

    def taken(self, face_ids: list[str]) -> None:
        """Faces moved from here another way (M, a new person): they leave the queue, the next one selected."""
        self._decide(face_ids, None, accepted=None)

    def _decide(self, face_ids: list[str], person_id: str | None, accepted: bool | None) -> None:
        """One change for the session (undoable, journaled); the queue shows it at once and the
        face that took the first one's place is selected (the next group's first when this one is done)."""
        group_row = self.queue.row_of(self.person_id) or 0
        face_row = min(self.faces.ids.index(f) for f in face_ids if f in self.faces.ids) \
            if any(f in self.faces.ids for f in face_ids) else 0
        self._deciding = True
        try:
            if accepted is False:  # the queue's prediction first: the likeness's word, heard as it is sent, corrects it
                for face_id in face_ids:
                    self.queue.reject(face_id)
                self.session.reject_suggestions([(face_id, person_id) for face_id in face_ids])
            else:
                self.queue.take(face_ids)
                if accepted:
                    self.session.assign(face_ids, person_id)
        finally:
            self._deciding = False
        if self.queue.groups.get(self.person_id) or (following := self.queue.next_waiting(group_row + 1)) is None:
            self._select_face(face_row)
            self._show_heading()
        else:  # this group is done: the next
            self._show_group(following)
        self._show_status()

    def suggestions_changed(self, face_ids: set[str]) -> None:
        """The likeness's word on these faces: the queue takes it (an undone decision comes back)."""
        likeness = self.session.curation.likeness
        if likeness is None or not self.isVisible():
            return
        store, queued = self.session.store.faces, self.queue.suggestions
        # a face the store has seen is unassigned as it shows it (its prediction too); a face in the queue
        # was unassigned and the store would know if it moved; only of others the likeness must say it.
        # Many faces (the likeness loaded again) are read from its table of them all, at once
        strangers = face_ids if len(face_ids) > MANY_AT_ONCE else {
            f for f in face_ids if f not in store and not queued(f)}
        unassigned = likeness.suggest_unassigned() if strangers else {}
        self.queue.refile({face_id: () if (face := store.get(face_id)) is not None and face.person_id is not None
                           else unassigned.get(face_id, ()) if face_id in strangers
                           else likeness.suggestions(face_id) for face_id in face_ids})
        if self.person_id is None and self.queue.order:  # the first suggestions came while it was open
            self._show_group(0)
        self._show_status()
