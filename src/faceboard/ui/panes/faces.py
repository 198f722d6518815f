"""The Faces pane: the selected person's faces (or the unassigned ones), read page by
page from the store as the grid scrolls, in `FaceGrid`, a `TileView` whose layout is
arithmetic.

QListView lays out every item each time rows arrive: for each row it asks the model for
an index, which calls the Python `rowCount`, about 1.5 µs a row, so 30,000 faces cost
45 ms per page of 2,000 and the GUI stalls. With square cells of one size the position of
row r is (r mod columns, r div columns): this view computes that, and lays out, paints,
hit-tests and selects only the rows on screen. It stays a QListView (accessibility, the
selection and drag machinery), with QListView's own layout never run.
"""

from __future__ import annotations

from PySide6.QtCore import QDate, QItemSelection, QItemSelectionModel, QModelIndex, QPoint, QRect, QRectF, Qt
from PySide6.QtGui import QPainter, QRegion
from PySide6.QtWidgets import QAbstractItemView, QComboBox, QDateEdit, QHBoxLayout, QLabel, QSizePolicy, QSlider, QStyle, QStyleOptionViewItem, QVBoxLayout, QWidget

from collections.abc import Callable

from faceboard.domain import DOUBTFUL, SMALL_FACE, Face, Suggestion, count
from faceboard.services.store import FACES, Store
from faceboard.ui import suggesting
from faceboard.ui.mime import FACES_MIME, faces_mime
from faceboard.ui.panes import heading
from faceboard.ui.panes.tiles import AnyIndex, ListingModel, ObjectRole, TileLook, TileView

TILE_SIZES = (64, 320)
FILTERS = {"All faces": "all", f"Doubtful (below {DOUBTFUL:.0%})": "doubtful",  # label -> query
           f"Confident ({DOUBTFUL:.0%} and more)": "confident", f"Small (under {SMALL_FACE} px)": "small",
           "Photo moved or missing": "missing", "Photo taken from… to…": "taken"}
DAY = "yyyy-MM-dd"  # ISO, as the query has them
ORDERS = {"As found": "found", "Most confident": "confidence", "Newest photos": "taken", "Largest": "size",  # label -> query
          "Least alike first": "least_alike"}
_Cursor = QAbstractItemView.CursorAction
_SELECTED = QStyle.StateFlag.State_Selected
_FOCUSED = QStyle.StateFlag.State_HasFocus


class FacesModel(ListingModel):
    """The store's faces listing: the selection's faces, fetched page by page as the
    view scrolls (`canFetchMore`/`fetchMore`)."""

    pane = FACES

    def __init__(self, store: Store, parent=None,
                 suggestions: Callable[[Face], tuple[Suggestion, ...]] = lambda face: face.suggestions):
        """`suggestions`: whom a face may be, likeliest first (the curation's: Faceboard's
        own comparison where there is one, else the backend's guesses)."""
        super().__init__(store, parent)
        self._faces = store.faces
        self._suggestions = suggestions
        # face id -> (the face, its band) as painted; asked anew when the suggestions or the face change
        self._captions: dict[str, tuple[Face, str | None]] = {}

    def forget_suggestions(self, face_ids: set[str]) -> None:
        """These faces' suggestions changed: their bands are made again when next painted."""
        for face_id in self._captions.keys() & face_ids:
            del self._captions[face_id]

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._listing.ids)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        face = self.face_at(index.row())
        if role == ObjectRole:
            return face
        if role == Qt.ItemDataRole.ToolTipRole:
            confidence = "" if face.confidence is None else f", detection confidence {face.confidence:.0%}"
            probably = f"\n{line}" if (line := suggesting.listed(self.suggestions_of(face))) else ""
            problem = f"\n⚠ Its photo: {face.photo_problem}" if face.photo_problem else ""
            return f"Face {face.id} in photo {face.asset_id}{confidence}{probably}{problem}"
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"Face {face.id}"
        return None

    def suggestions_of(self, face: Face) -> tuple[Suggestion, ...]:
        """Whom an unassigned face may be; a person's faces are theirs (no guess shown)."""
        return self._suggestions(face) if face.person_id is None else ()

    def tile(self, row: int) -> TileLook:
        face = self._faces[self._listing.ids[row]]
        known = self._captions.get(face.id)
        if known is not None and known[0] is face:  # asked once per change: a grid paints thousands of tiles a second
            band = known[1]
        else:
            band = suggesting.caption(self.suggestions_of(face))
            self._captions[face.id] = (face, band)
        return TileLook(face.image, False, band, face.confidence, face.photo_problem is not None)

    def mimeTypes(self) -> list[str]:
        return [FACES_MIME]

    def mimeData(self, indexes):
        rows = sorted({i.row() for i in indexes if i.isValid()})
        return faces_mime([self._listing.ids[r] for r in rows], self.store.selection)

    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    def face_at(self, row: int) -> Face:
        return self._faces[self._listing.ids[row]]

    def row_of(self, face_id: str) -> int | None:
        return self._listing.rows.get(face_id)


class FaceGrid(TileView):
    """Rows flow left to right into as many columns as fit; cells are square, about
    `gridSize()`, sized to fill the width."""

    def __init__(self, tiles, parent=None):
        super().__init__(tiles, strip=False, parent=parent)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

    # -- geometry -------------------------------------------------------------------

    def _width(self) -> int:
        """The width tiles share: the viewport's, as if the scroll bar were there, so
        that showing or hiding the bar cannot change the columns (and the bar again)."""
        bar = self.verticalScrollBar()
        return max(1, self.viewport().width() - (0 if bar.isVisible() else bar.sizeHint().width()))

    def _columns(self) -> int:
        """As many columns as tiles of the chosen size fit, rounded to the nearest: the
        tiles then grow or shrink a little to fill the width, leaving no gap."""
        return max(1, round(self._width() / self.gridSize().width()))

    def _cell(self) -> int:
        return max(16, self._width() // self._columns())

    def _count(self) -> int:
        model = self.model()
        return model.rowCount(self.rootIndex()) if model is not None else 0

    def _visible_rows(self, area: QRect) -> range:
        """The rows whose cells meet `area` (viewport coordinates), in order."""
        cell, columns = self._cell(), self._columns()
        top = max(0, (area.top() + self.verticalOffset()) // cell)
        bottom = (area.bottom() + self.verticalOffset()) // cell
        return range(top * columns, min(self._count(), (bottom + 1) * columns))

    def rectForIndex(self, index: QModelIndex) -> QRect:
        if not index.isValid():
            return QRect()
        cell, columns = self._cell(), self._columns()
        row = index.row()
        return QRect((row % columns) * cell, (row // columns) * cell, cell, cell)

    def visualRect(self, index: QModelIndex) -> QRect:
        return self.rectForIndex(index).translated(0, -self.verticalOffset())

    def indexAt(self, point: QPoint) -> QModelIndex:
        cell = self._cell()
        column, line = point.x() // cell, (point.y() + self.verticalOffset()) // cell
        row = line * self._columns() + column
        if point.x() < 0 or point.y() < 0 or column >= self._columns() or row >= self._count():
            return QModelIndex()
        return self.model().index(row, 0, self.rootIndex())

    def horizontalOffset(self) -> int:
        return 0

    def verticalOffset(self) -> int:
        return self.verticalScrollBar().value()

    # -- layout ---------------------------------------------------------------------

    def doItemsLayout(self) -> None:
        QAbstractItemView.doItemsLayout(self)  # scroll bars and a repaint; no per-row work

    def updateGeometries(self) -> None:
        lines = -(-self._count() // self._columns())
        bar = self.verticalScrollBar()
        bar.setSingleStep(max(1, self._cell() // 4))
        bar.setPageStep(self.viewport().height())
        bar.setRange(0, max(0, lines * self._cell() - self.viewport().height()))
        QAbstractItemView.updateGeometries(self)

    def rowsInserted(self, parent: QModelIndex, start: int, end: int) -> None:
        QAbstractItemView.rowsInserted(self, parent, start, end)
        self.scheduleDelayedItemsLayout()

    def resizeEvent(self, event) -> None:
        QAbstractItemView.resizeEvent(self, event)
        self.updateGeometries()
        self.viewport().update()

    def scrollContentsBy(self, _dx: int, dy: int) -> None:
        self.viewport().scroll(0, dy)  # only the rows scrolled into view are painted

    def verticalScrollbarAction(self, action: int) -> None:
        QAbstractItemView.verticalScrollbarAction(self, action)

    def scrollTo(self, index: QModelIndex, hint=QAbstractItemView.ScrollHint.EnsureVisible) -> None:
        if not index.isValid():
            return
        rect, height = self.rectForIndex(index), self.viewport().height()
        bar = self.verticalScrollBar()
        if hint == QAbstractItemView.ScrollHint.PositionAtTop:
            bar.setValue(rect.top())
        elif hint == QAbstractItemView.ScrollHint.PositionAtBottom:
            bar.setValue(rect.bottom() + 1 - height)
        elif hint == QAbstractItemView.ScrollHint.PositionAtCenter:
            bar.setValue(rect.center().y() - height // 2)
        elif rect.top() < bar.value():
            bar.setValue(rect.top())
        elif rect.bottom() + 1 > bar.value() + height:
            bar.setValue(rect.bottom() + 1 - height)

    # -- keyboard and selection -----------------------------------------------------

    def moveCursor(self, action: QAbstractItemView.CursorAction, _modifiers) -> QModelIndex:
        count = self._count()
        if count == 0:
            return QModelIndex()
        current = self.currentIndex()
        row = current.row() if current.isValid() else 0
        columns = self._columns()
        page = max(1, self.viewport().height() // self._cell()) * columns
        step = {
            _Cursor.MoveLeft: -1, _Cursor.MovePrevious: -1, _Cursor.MoveRight: 1, _Cursor.MoveNext: 1,
            _Cursor.MoveUp: -columns, _Cursor.MoveDown: columns, _Cursor.MovePageUp: -page, _Cursor.MovePageDown: page,
        }.get(action)
        if action == _Cursor.MoveHome:
            row = 0
        elif action == _Cursor.MoveEnd:
            row = count - 1
        elif step is not None and current.isValid():
            row += step
        return self.model().index(max(0, min(count - 1, row)), 0, self.rootIndex())

    def setSelection(self, rect: QRect, command: QItemSelectionModel.SelectionFlag) -> None:
        """A rubber band selects the cells it covers; a click or Shift+click selects, in
        reading order, from the cell at the rectangle's first corner to the one at its second."""
        if self.state() != QAbstractItemView.State.DragSelectingState:
            ends = [self.indexAt(rect.topLeft()).row(), self.indexAt(rect.bottomRight()).row()]
            if -1 in ends:
                return
            model, root = self.model(), self.rootIndex()
            selection = QItemSelection(model.index(min(ends), 0, root), model.index(max(ends), 0, root))
            self.selectionModel().select(selection, command)
            return
        rect = rect.normalized()
        cell, columns, count = self._cell(), self._columns(), self._count()
        first_column = max(0, rect.left() // cell)
        last_column = min(columns - 1, rect.right() // cell)
        first_line = max(0, (rect.top() + self.verticalOffset()) // cell)
        last_line = (rect.bottom() + self.verticalOffset()) // cell
        selection = QItemSelection()
        model, root = self.model(), self.rootIndex()
        for line in range(first_line, last_line + 1):
            start, end = line * columns + first_column, min(count - 1, line * columns + last_column)
            if start <= end:
                selection.select(model.index(start, 0, root), model.index(end, 0, root))
        self.selectionModel().select(selection, command)

    def visualRegionForSelection(self, selection: QItemSelection) -> QRegion:
        region = QRegion()
        on_screen = self._visible_rows(self.viewport().rect())
        model, root = self.model(), self.rootIndex()
        for selected in selection:
            for row in range(max(selected.top(), on_screen.start), min(selected.bottom() + 1, on_screen.stop)):
                region += self.visualRect(model.index(row, 0, root))
        return region

    # -- painting -------------------------------------------------------------------

    def repaint_faces(self, face_ids: set[str]) -> None:
        """Repaint the tiles on screen of these faces (the rest paint as they scroll in)."""
        model = self.model()
        for row in self._visible_rows(self.viewport().rect()):
            if model.face_at(row).id in face_ids:
                self.viewport().update(self.visualRect(model.index(row, 0, self.rootIndex())))

    def paintEvent(self, event) -> None:
        """Paint the cells in the damaged area: positions by arithmetic, what each shows
        from the model's `tile(row)`, selection from the selection's ranges."""
        model = self.model()
        rows = self._visible_rows(event.rect())
        if model is None or not rows:
            return
        cell, columns, offset = self._cell(), self._columns(), self.verticalOffset()
        selected = set()
        for picked in self.selectionModel().selection():
            selected.update(range(max(picked.top(), rows.start), min(picked.bottom() + 1, rows.stop)))
        current = self.currentIndex().row() if self.hasFocus() else -1
        option = QStyleOptionViewItem()
        self.initViewItemOption(option)
        base, palette, font = option.state, option.palette, option.font
        paint_tile = self.itemDelegate().paint_tile
        painter = QPainter(self.viewport())
        surface = self.itemDelegate().surface(painter, palette, font)
        for row in rows:
            line, column = divmod(row, columns)
            state = base
            if row in selected:
                state |= _SELECTED
            if row == current:
                state |= _FOCUSED
            paint_tile(painter, QRectF(column * cell, line * cell - offset, cell, cell), model.tile(row), state,
                       palette, font, surface)
        painter.end()


class FacesPane(QWidget):
    """The heading with the count, the tile size, and the grid."""

    def __init__(self, model: FacesModel, tiles, parent=None):
        super().__init__(parent)
        self.model = model
        self.heading = heading("Faces")
        self.view = FaceGrid(tiles)
        self.view.setModel(model)
        self.view.setAccessibleName("Faces")
        self.zoom = QSlider(Qt.Orientation.Horizontal)
        self.zoom.setRange(*TILE_SIZES)
        self.zoom.setFixedWidth(84)
        self.zoom.setToolTip("Tile size (Ctrl+= and Ctrl+-)")
        self.order = QComboBox()
        self.order.addItems(list(ORDERS))
        self.order.setToolTip("Order of the faces: as detected, the detector's surest first, the newest photos "
                              "first, or the largest faces first (Alt+O)")
        self.order.setAccessibleName("Order of the faces")
        order_label = QLabel("&Order")
        order_label.setBuddy(self.order)
        self.filter = QComboBox()
        self.filter.addItems(list(FILTERS))
        self.filter.setToolTip(f"Which faces to show: all, the doubtful detections (below {DOUBTFUL:.0%}, perhaps no "
                               f"face), the confident ones, the small ones (under {SMALL_FACE} px on the photo), those "
                               "whose photo has moved or gone, or those of photos taken between two days (Alt+W)")
        self.filter.setAccessibleName("Which faces to show")
        for box in (self.order, self.filter):  # on a row of their own: whole, however long the name above
            box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        filter_label = QLabel("Sho&w")
        filter_label.setBuddy(self.filter)
        self.taken_from, self.taken_to = QDateEdit(), QDateEdit()
        for edit, what in ((self.taken_from, "First day"), (self.taken_to, "Last day")):
            edit.setDisplayFormat(DAY)
            edit.setCalendarPopup(True)
            edit.setAccessibleName(f"{what} the photos were taken")
            edit.setToolTip(f"{what} the photos were taken (both days included; undated photos are left out)")
        taken_label = QLabel("&Taken")
        taken_label.setBuddy(self.taken_from)
        self.dates = QWidget()  # shown while the filter is "Photo taken from… to…"
        dates = QHBoxLayout(self.dates)
        dates.setContentsMargins(0, 0, 0, 0)
        for widget in (taken_label, self.taken_from, QLabel("to"), self.taken_to):
            dates.addWidget(widget)
        dates.addStretch(1)
        self.dates.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 8, 8)
        # the heading and the size on one row, the order and the filter on the next: at 1024 px and less a
        # name, its count and four controls on one row left each of them cramped or cut
        top = QHBoxLayout()
        # a long name gives way (elided, whole in the tooltip), the count at its end stays
        self.heading.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.heading.setMinimumWidth(self.heading.fontMetrics().horizontalAdvance("Faces of Zo… (0,000)"))
        top.addWidget(self.heading, 1)
        top.addSpacing(8)
        top.addWidget(QLabel("Size"))
        top.addWidget(self.zoom)
        controls = QHBoxLayout()
        for widget in (order_label, self.order):
            controls.addWidget(widget)
        controls.addSpacing(12)
        for widget in (filter_label, self.filter):
            controls.addWidget(widget)
        controls.addStretch(1)
        layout.addLayout(top)
        layout.addLayout(controls)
        layout.addWidget(self.dates)
        layout.addWidget(self.view, 1)
        self.zoom.valueChanged.connect(self.view.set_tile_size)
        self.order.currentTextChanged.connect(lambda label: model.store.set_face_sort(ORDERS[label]))
        self.filter.currentTextChanged.connect(self._filter_chosen)
        self.taken_from.dateChanged.connect(self._dates_chosen)
        self.taken_to.dateChanged.connect(self._dates_chosen)

    def _filter_chosen(self, label: str) -> None:
        show = FILTERS[label]
        if show == "taken" and not self.dates.isVisible():
            self._suggest_dates()
        self.dates.setVisible(show == "taken")
        self._apply_filter()

    def _suggest_dates(self) -> None:
        """At first, the days of the photos of the faces listed (this year when none is dated)."""
        days = sorted(f.taken[:10] for f in self.model.store.listed_faces() if f.taken)
        first, last = (days[0], days[-1]) if days else (f"{QDate.currentDate().year()}-01-01", QDate.currentDate().toString(DAY))
        for edit, day in ((self.taken_from, first), (self.taken_to, last)):
            edit.blockSignals(True)
            edit.setDate(QDate.fromString(day, DAY))
            edit.blockSignals(False)

    def _dates_chosen(self, _date) -> None:
        """A first day after the last one moves the other along: the range is never empty by mistake."""
        sender, other = (self.taken_from, self.taken_to) if self.sender() is self.taken_from else (self.taken_to, self.taken_from)
        if self.taken_from.date() > self.taken_to.date():
            other.blockSignals(True)
            other.setDate(sender.date())
            other.blockSignals(False)
        self._apply_filter()

    def _apply_filter(self) -> None:
        show = FILTERS[self.filter.currentText()]
        if show == "taken":
            self.model.store.set_face_filter(show, self.taken_from.date().toString(DAY), self.taken_to.date().toString(DAY))
        else:
            self.model.store.set_face_filter(show)

    def refresh_count(self) -> None:
        store = self.model.store
        person = store.selected_person
        n = store.face_count(store.selection)
        shown = "" if n is None else f" ({n})"
        if store.face_query.show != "all":  # "(12 of 43 faces)": what the filter lets through so far
            listed, whole = store.faces_listed()
            more = "" if whole else "+"
            shown = f" ({count(listed, 'face', more=not whole)} shown)" if n is None else f" ({listed:,}{more} of {count(n, 'face')})"
        whose = "Unassigned faces" if store.selected_group is None else "Faces of Unknown"
        self.heading.setText(whose + shown if person is None else f"Faces of {person.name}{shown}")

    def show_suggestions(self, face_ids: set[str]) -> None:
        """These faces' suggestions changed: repaint those of them on screen, only them
        (a change to one person's faces can touch the suggestions of thousands of faces)."""
        self.model.forget_suggestions(face_ids)
        self.view.repaint_faces(face_ids)

    def selected_ids(self) -> list[str]:
        rows = sorted(i.row() for i in self.view.selectionModel().selectedIndexes())
        return [self.model.face_at(r).id for r in rows]

    def reselect(self, face_ids: list[str]) -> None:
        """Select these faces again where they still are (after the list was read again)."""
        model, chosen = self.model, QItemSelection()
        for row in filter(lambda row: row is not None, map(model.row_of, face_ids)):
            chosen.select(model.index(row), model.index(row))
        self.view.selectionModel().select(chosen, QItemSelectionModel.SelectionFlag.ClearAndSelect)

    def select_after_removal(self) -> None:
        """Put the cursor on the face after the selection, so the operator keeps going."""
        rows = sorted(i.row() for i in self.view.selectionModel().selectedIndexes())
        model = self.model
        after = next((r for r in range(rows[-1] + 1, model.rowCount()) if r not in rows), None) if rows else None
        if after is None:
            return
        face = model.face_at(after)

        def reselect() -> None:
            model.rowsRemoved.disconnect(reselect)
            row = model.row_of(face.id)
            if row is not None:
                self.view.setCurrentIndex(model.index(row))

        model.rowsRemoved.connect(reselect)
