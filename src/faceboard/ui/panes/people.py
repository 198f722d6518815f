"""The People pane: "Unassigned" and the people the query selects, read page by page
from the store as the list scrolls, then the unknown groups (faces no one has named that
look like one person: "Unknown · 14 faces"); filter, order and hidden people above it.
Faces, thumbnails and image files can be dropped on a person's row, and people dragged
onto another person to merge them into that one. A group is named with F2 or by typing
its name on its row."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QModelIndex, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QPainter, QPalette, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLineEdit,
    QListView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from faceboard.domain import FaceGroup, Person, count
from faceboard.services.drops import FacesPayload, Payload, PeoplePayload
from faceboard.services.store import PEOPLE, Store
from faceboard.ui.panes import heading, set_steady_text
from faceboard.ui.mime import FACES_MIME, PEOPLE_MIME, THUMBNAIL_MIME, people_mime, read_payload
from faceboard.ui.panes.tiles import (
    AnyIndex,
    DropJudge,
    ListingModel,
    ObjectRole,
    accent,
    draw_image,
    legible_on,
    placeholder,
    repaint_as_tiles_arrive,
)
from faceboard.ui.tile_cache import TileCache

CountRole = Qt.ItemDataRole.UserRole + 2  # a person's face count; None: the unassigned faces are not counted yet
DetailRole = Qt.ItemDataRole.UserRole + 3  # the line under a row's name: "12 faces · hidden"
GlyphRole = Qt.ItemDataRole.UserRole + 4  # drawn in the round of a row that is no person ("?" for Unassigned)
SORTS = {"Name": "name", "Most faces": "most_faces", "Fewest faces": "fewest_faces"}  # label -> query
_SELECTED = QStyle.StateFlag.State_Selected
_HOVERED = QStyle.StateFlag.State_MouseOver
# PySide6's enums are Python objects, and a flag's `|` a Python call: looked up once, not each row
_ANTIALIASED = QPainter.RenderHint.Antialiasing
_NO_PEN = Qt.PenStyle.NoPen
_CENTER = Qt.AlignmentFlag.AlignCenter
_LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
_ELIDE = Qt.TextElideMode.ElideRight
_DISPLAY = Qt.ItemDataRole.DisplayRole
_HIGHLIGHT, _MIDLIGHT, _MID = QPalette.ColorRole.Highlight, QPalette.ColorRole.Midlight, QPalette.ColorRole.Mid
_TEXT, _HIGHLIGHTED_TEXT = QPalette.ColorRole.Text, QPalette.ColorRole.HighlightedText


class PeopleModel(ListingModel):
    """Row 0 is "Unassigned"; then the store's people listing; then the unknown groups,
    largest first. Updates keep rows where they are (a row must not jump away from under
    a drag); the order is applied again when the user changes the view, or on reload."""

    UNASSIGNED_NAME = "Unassigned"
    GROUP_NAME = "Unknown"
    pane = PEOPLE
    offset = 1
    groupNamed = Signal(object, str)  # FaceGroup, the name typed on its row
    regrouped = Signal()  # the group rows were replaced: the list highlights the selection again

    def __init__(self, store: Store, parent=None):
        super().__init__(store, parent)
        self.noun = "face"  # what a person's count counts: "picture" where a backend keeps no faces
        self._unassigned_shown = store.unassigned
        self.groups: tuple[FaceGroup, ...] = ()
        self.regrouping = False  # the group rows are being replaced: the current row moving is no choice of the user's
        store.listen(self._hear_counts)

    def set_groups(self, groups: tuple[FaceGroup, ...]) -> None:
        """Show these unknown groups below the people: rows that stay the same group are
        repainted, the rest replaced."""
        if groups == self.groups:
            return
        first = len(self._listing.ids) + 1
        if [g.id for g in groups] == [g.id for g in self.groups]:
            self.groups = groups
            self.dataChanged.emit(self.index(first), self.index(first + len(groups) - 1))
            return
        self.regrouping = True
        try:
            if self.groups:
                self.beginRemoveRows(QModelIndex(), first, first + len(self.groups) - 1)
                self.groups = ()
                self.endRemoveRows()
            if groups:
                self.beginInsertRows(QModelIndex(), first, first + len(groups) - 1)
                self.groups = groups
                self.endInsertRows()
        finally:
            self.regrouping = False
        self.regrouped.emit()

    def group_at(self, row: int) -> FaceGroup | None:
        """The unknown group of a row; None for the other rows."""
        at = row - len(self._listing.ids) - 1
        return self.groups[at] if 0 <= at < len(self.groups) else None

    def group_text(self, group: FaceGroup) -> str:
        return f"{self.GROUP_NAME} · {count(len(group.face_ids), 'face')}"

    def _hear_counts(self, event) -> None:
        """The Unassigned row shows the store's count: repaint it when that changed."""
        if event.kind == "counts" and self._unassigned_shown != self.store.unassigned:
            self._unassigned_shown = self.store.unassigned
            self.dataChanged.emit(self.index(0), self.index(0), [CountRole])

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._listing.ids) + 1 + len(self.groups)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row = index.row()
        if (group := self.group_at(row)) is not None:
            return self._group_data(group, role)
        person = self.person_at(row)
        if role == Qt.ItemDataRole.DisplayRole:
            return person.name if person else self.UNASSIGNED_NAME
        if role == CountRole:
            return person.face_count if person else self.store.unassigned
        if role == DetailRole:
            return self.count_text(row) + (" · hidden" if person is not None and person.hidden else "")
        if role == ObjectRole:
            return person
        if role == Qt.ItemDataRole.ToolTipRole:
            if person is None:
                return f"{count(self.store.unassigned, 'face')} not assigned to anyone. Drop faces here to detach them."
            hidden = " (hidden)" if person.hidden else ""
            if self.noun != "face":
                return f"{person.name}{hidden}" + (f": {self.count_text(row)}" if person.face_count else "")
            return f"{person.name}{hidden}: {count(person.face_count, 'face')}. Drop faces here to assign them."
        return None

    def _group_data(self, group: FaceGroup, role: int):
        if role == Qt.ItemDataRole.DisplayRole:
            return self.group_text(group)
        if role == Qt.ItemDataRole.EditRole:
            return ""  # typing on the row starts the name afresh
        if role == CountRole:
            return len(group.face_ids)
        if role == DetailRole:
            return "not named yet · F2"
        if role == ObjectRole:
            return group
        if role == Qt.ItemDataRole.ToolTipRole:
            return (f"{count(len(group.face_ids), 'unassigned face')} that look like one person no one has named. "
                    "Select to see them; press F2 or type a name to make them that person.")
        return None

    def setData(self, index: AnyIndex, value, role: int = Qt.ItemDataRole.EditRole) -> bool:
        """A name typed on a group's row names the group (the session creates the person)."""
        group = self.group_at(index.row()) if index.isValid() else None
        name = str(value).strip()
        if group is None or role != Qt.ItemDataRole.EditRole or not name:
            return False
        self.groupNamed.emit(group, name)
        return True

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        if self.group_at(index.row()) is not None:  # no drop on it (it is no one yet), no drag of it
            return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEditable
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsDropEnabled
        return flags | Qt.ItemFlag.ItemIsDragEnabled if index.row() > 0 else flags  # people, not Unassigned

    def mimeTypes(self) -> list[str]:
        return [FACES_MIME, THUMBNAIL_MIME, PEOPLE_MIME, "text/uri-list"]

    def mimeData(self, indexes):
        rows = sorted({i.row() for i in indexes if i.isValid() and self.person_at(i.row()) is not None})
        return people_mime([self.person_at(r).id for r in rows])

    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction | Qt.DropAction.CopyAction

    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.CopyAction  # merging is the drop's to confirm: nothing leaves the list on its own

    def count_text(self, row: int) -> str:
        """"12 faces" under a name; where there are no faces, the pictures, when counted."""
        person = self.person_at(row)
        n = person.face_count if person else self.store.unassigned
        return "" if self.noun != "face" and not n else count(n, self.noun)

    def person_at(self, row: int) -> Person | None:
        """The person of a row; None for the Unassigned row."""
        ids = self._listing.ids
        return self.store.people[ids[row - 1]] if 0 < row <= len(ids) else None

    def row_of(self, person_id: str | None) -> int | None:
        """The row of a person (None: Unassigned's) or of an unknown group, by id."""
        if person_id is None:
            return 0
        row = self._listing.rows.get(person_id)
        if row is not None:
            return row + 1
        at = next((i for i, g in enumerate(self.groups) if g.id == person_id), None)
        return None if at is None else len(self._listing.ids) + 1 + at


class PeopleView(QListView):
    """The people list; faces, thumbnails and image files can be dropped on a row, and
    people chosen together (Ctrl/Shift) dragged onto another one."""

    dropped = Signal(object, object)  # payload, Person or None (the Unassigned row)
    refused = Signal(str)
    deleteRequested = Signal()  # Delete pressed here: the people chosen, not the faces selected

    def event(self, event) -> bool:
        if event.type() == QEvent.Type.ShortcutOverride and event.key() == Qt.Key.Key_Delete and not event.modifiers():
            event.accept()  # the key is this list's, not the window's Detach
            return True
        if event.type() == QEvent.Type.ShortcutOverride and self._names_group(event):
            event.accept()  # a letter typed on a group's row starts its name, not the window's M or O
            return True
        return super().event(event)

    def _names_group(self, event) -> bool:
        """Whether a key typed now starts naming the group of the current row."""
        text = event.text()
        plain = not event.modifiers() & ~Qt.KeyboardModifier.ShiftModifier
        return (plain and text.isprintable() and text.strip() != "" and self.state() != self.State.EditingState
                and self.model().group_at(self.currentIndex().row()) is not None)

    def keyPressEvent(self, event) -> None:
        if event.key() == Qt.Key.Key_Delete and not event.modifiers():
            self.deleteRequested.emit()
            return
        super().keyPressEvent(event)

    def __init__(self, model: PeopleModel, tiles: TileCache, judge: DropJudge, parent=None):
        super().__init__(parent)
        self.setModel(model)
        self._judge = judge
        self._delegate = PersonDelegate(tiles, self, faces=lambda: model.store.faces)
        self.setItemDelegate(self._delegate)
        self.setUniformItemSizes(True)
        self.setAcceptDrops(True)
        self.viewport().setAcceptDrops(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        self.setDefaultDropAction(Qt.DropAction.CopyAction)
        self.setDropIndicatorShown(False)
        self.setEditTriggers(QAbstractItemView.EditTrigger.EditKeyPressed | QAbstractItemView.EditTrigger.AnyKeyPressed)
        self.setMouseTracking(True)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        repaint_as_tiles_arrive(tiles, self.viewport())

    def dataChanged(self, top_left: QModelIndex, bottom_right: QModelIndex, roles=()) -> None:
        """Repaint the row that changed, and only it. QListView's own lays out the list
        again and so repaints every row shown (11-17 ms for the two counts a drop
        changes); its rows here are all one height, so there is nothing to lay out."""
        QAbstractItemView.dataChanged(self, top_left, bottom_right, roles)

    def _target(self, event) -> tuple[Payload | None, int | None, str | None]:
        payload = read_payload(event.mimeData())
        if payload is None:
            return None, None, None
        index = self.indexAt(event.position().toPoint())
        if not index.isValid():
            return payload, None, None
        if self.model().group_at(index.row()) is not None:
            return payload, index.row(), "Name this group first (F2, or type a name on its row)."
        person: Person | None = self.model().person_at(index.row())
        return payload, index.row(), self._judge(payload, person)

    def _set_drop_row(self, row: int | None) -> None:
        if self._delegate.drop_row != row:
            self._delegate.drop_row = row
            self.viewport().update()

    def dragEnterEvent(self, event) -> None:
        if read_payload(event.mimeData()) is None:
            event.ignore()
            return
        event.acceptProposedAction()

    def _accept(self, event) -> tuple[Payload, int] | None:
        """Accept the drag or drop over a row if it is allowed there, else refuse it."""
        payload, row, reason = self._target(event)
        if payload is None or row is None or reason:
            self._set_drop_row(None)
            event.ignore()
            if reason and not self._over_themselves(payload, row):  # every drag of people starts there
                self.refused.emit(reason)
            return None
        event.setDropAction(Qt.DropAction.MoveAction if _is_move(payload) else Qt.DropAction.CopyAction)
        event.accept()
        return payload, row

    def _over_themselves(self, payload: Payload, row: int) -> bool:
        person = self.model().person_at(row)
        return isinstance(payload, PeoplePayload) and person is not None and person.id in payload.person_ids

    def dragMoveEvent(self, event) -> None:
        super().dragMoveEvent(event)  # keeps auto-scrolling near the edges
        if accepted := self._accept(event):
            self._set_drop_row(accepted[1])

    def dragLeaveEvent(self, event) -> None:
        self._set_drop_row(None)
        super().dragLeaveEvent(event)

    def dropEvent(self, event) -> None:
        self._set_drop_row(None)
        if accepted := self._accept(event):
            payload, row = accepted
            self.dropped.emit(payload, self.model().person_at(row))


def _is_move(payload: Payload) -> bool:
    return isinstance(payload, FacesPayload)


class PersonDelegate(QStyledItemDelegate):
    """A people row: round primary thumbnail, name, face count; highlighted as a drop target."""

    ROW_HEIGHT = 58
    AVATAR = 44

    def __init__(self, tiles: TileCache, parent=None, faces=dict):
        """`faces()`: the store's faces by id (a group's row shows one of them)."""
        super().__init__(parent)
        self._tiles = tiles
        self._faces = faces
        self.drop_row: int | None = None

    def updateEditorGeometry(self, editor, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        """A group's name is typed where names are shown, beside its picture."""
        left = option.rect.left() + 10 + self.AVATAR + 10
        height = editor.sizeHint().height()
        editor.setGeometry(left, option.rect.center().y() - height // 2, option.rect.right() - left - 8, height)

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:
        return QSize(220, self.ROW_HEIGHT)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        painter.save()
        painter.setRenderHint(_ANTIALIASED)
        palette = option.palette
        rect = QRectF(option.rect).adjusted(4, 2, -4, -2)
        selected = bool(option.state & _SELECTED)
        if index.row() == self.drop_row:
            fill = QColor(accent(palette))
            fill.setAlpha(70)
            painter.setBrush(fill)
            painter.setPen(QPen(accent(palette), 2))
            painter.drawRoundedRect(rect, 8, 8)
        elif selected:
            painter.setBrush(palette.color(_HIGHLIGHT))
            painter.setPen(_NO_PEN)
            painter.drawRoundedRect(rect, 8, 8)
        elif option.state & _HOVERED:
            painter.setBrush(palette.color(_MIDLIGHT))
            painter.setPen(_NO_PEN)
            painter.drawRoundedRect(rect, 8, 8)
        person = index.data(ObjectRole)
        group = person if isinstance(person, FaceGroup) else None
        avatar = QRectF(rect.left() + 6, rect.center().y() - self.AVATAR / 2, self.AVATAR, self.AVATAR)
        if group is not None:  # the likeliest of its faces, in a dashed ring: no one yet
            face = self._faces().get(group.face_ids[0])
            draw_image(painter, self._tiles, face.image if face else None, avatar, self.AVATAR / 2, palette)
            pen = QPen(palette.color(_MID), 1.5)
            pen.setStyle(Qt.PenStyle.DashLine)
            painter.setPen(pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawEllipse(avatar.adjusted(-1, -1, 1, 1))
            person = None
        elif person is None:
            fill = palette.color(_MID)
            painter.setBrush(fill)
            painter.setPen(_NO_PEN)
            painter.drawEllipse(avatar)
            painter.setPen(legible_on(palette, fill))
            font = QFont(option.font)
            font.setPointSizeF(font.pointSizeF() * 1.6)
            font.setBold(True)
            painter.setFont(font)
            painter.drawText(avatar, _CENTER, index.data(GlyphRole) or "?")
        elif person.primary_image is None:  # no primary yet: initials, so the row still has a face
            fill = placeholder(palette)
            painter.setBrush(fill)
            painter.setPen(_NO_PEN)
            painter.drawEllipse(avatar)
            painter.setPen(legible_on(palette, fill))
            font = QFont(option.font)
            font.setBold(True)
            painter.setFont(font)
            initials = "".join(part[0] for part in person.name.split()[:2]).upper()
            painter.drawText(avatar, _CENTER, initials)
        else:
            draw_image(painter, self._tiles, person.primary_image, avatar, self.AVATAR / 2, palette)
        text_color = palette.color(_HIGHLIGHTED_TEXT if selected and index.row() != self.drop_row else _TEXT)
        if group is not None:  # its name is to come
            text_color.setAlpha(200)
        text_left = avatar.right() + 10
        name_rect = QRectF(text_left, rect.top() + 8, rect.right() - text_left - 4, rect.height() / 2 - 6)
        count_rect = QRectF(text_left, rect.center().y() + 1, name_rect.width(), rect.height() / 2 - 8)
        font = QFont(option.font)
        font.setBold(True)
        if person is not None and person.hidden:
            font.setItalic(True)
            text_color.setAlpha(140)
        painter.setFont(font)
        painter.setPen(text_color)
        name = index.data(_DISPLAY)
        elided = painter.fontMetrics().elidedText(name, _ELIDE, int(name_rect.width()))
        painter.drawText(name_rect, _LEFT, elided)
        detail = index.data(DetailRole) or ""
        font.setBold(False)
        painter.setFont(font)
        text_color.setAlpha(min(text_color.alpha(), 170))
        painter.setPen(text_color)
        painter.drawText(count_rect, _LEFT, detail)
        painter.restore()


class PeoplePane(QWidget):
    """The heading with the count listed, the filter, the order, and the list."""

    def __init__(self, model: PeopleModel, tiles: TileCache, judge: DropJudge, parent=None):
        super().__init__(parent)
        self.model = model
        self.heading = heading("People")
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Filter people  (Ctrl+F)")
        self.filter.setClearButtonEnabled(True)
        self.sort = QComboBox()
        self.sort.addItems(list(SORTS))
        self.sort.setToolTip("Order of the people list")
        self.show_hidden = QCheckBox("Hidden")
        self.show_hidden.setToolTip("Also list hidden people")
        self.view = PeopleView(model, tiles, judge)
        self.view.setAccessibleName("People")
        self.view.setMinimumWidth(240)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 4, 8)
        layout.addWidget(self.heading)
        layout.addWidget(self.filter)
        options = QHBoxLayout()
        options.addWidget(self.sort, 1)
        options.addWidget(self.show_hidden)
        layout.addLayout(options)
        layout.addWidget(self.view, 1)
        store = model.store
        self.filter.textChanged.connect(lambda text: store.set_query(text=text))
        self.filter.returnPressed.connect(self._focus_first_person)
        self.sort.currentTextChanged.connect(lambda label: store.set_query(sort=SORTS[label]))
        self.show_hidden.toggled.connect(lambda on: store.set_query(include_hidden=on))

    def listed_text(self) -> str:
        """"24 people", "200+ people" while the list goes on; "1 person matches “an”";
        "people not counted yet" before the first page."""
        listed, complete = self.model.store.people_count()
        text = count(None if not (listed or complete) else listed, "person", more=not complete)
        wanted = self.model.store.query.text
        if not wanted or not (listed or complete):
            return text
        return f"{text} {'match' if listed != 1 or not complete else 'matches'} “{wanted}”"

    def refresh_count(self) -> None:
        listed, complete = self.model.store.people_count()
        text = f"People ({listed}{'+' * (not complete)})" if listed or complete else "People"
        set_steady_text(self.heading, text, " (10,000+)")

    def follow(self, person_id: str | None) -> None:
        """Highlight the row of the store's selection (none if it is not listed)."""
        row = self.model.row_of(person_id)
        if row is None:
            if self.view.currentIndex().isValid():
                self.view.selectionModel().clear()
        elif self.view.currentIndex().row() != row:
            self.view.setCurrentIndex(self.model.index(row))

    def _focus_first_person(self) -> None:
        self.view.setFocus()
        if self.model.rowCount() > 1:
            self.view.setCurrentIndex(self.model.index(1))
