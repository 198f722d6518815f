"""The faces grid: a `TileView` whose layout is arithmetic.

QListView lays out every item each time rows arrive: for each row it asks the model for
an index, which calls the Python `rowCount`, about 1.5 µs a row, so 30,000 faces cost
45 ms per page of 2,000 and the GUI stalls. With square cells of one size the position of
row r is (r mod columns, r div columns): this view computes that, and lays out, paints,
hit-tests and selects only the rows on screen. It stays a QListView (accessibility, the
selection and drag machinery), with QListView's own layout never run.
"""

from __future__ import annotations

from PySide6.QtCore import QItemSelection, QItemSelectionModel, QModelIndex, QPoint, QRect, QRectF, Qt
from PySide6.QtGui import QPainter, QRegion
from PySide6.QtWidgets import QAbstractItemView, QStyle, QStyleOptionViewItem

from faceboard.ui.views import TileView

_Cursor = QAbstractItemView.CursorAction
_SELECTED = QStyle.StateFlag.State_Selected
_FOCUSED = QStyle.StateFlag.State_HasFocus


class FaceGrid(TileView):
    """Rows flow left to right into as many columns as fit; cells are `gridSize()`."""

    def __init__(self, tiles, parent=None):
        super().__init__(tiles, strip=False, parent=parent)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

    # -- geometry -------------------------------------------------------------------

    def _cell(self) -> int:
        return self.gridSize().width()

    def _columns(self) -> int:
        return max(1, self.viewport().width() // self._cell())

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
        for row in rows:
            line, column = divmod(row, columns)
            state = base
            if row in selected:
                state |= _SELECTED
            if row == current:
                state |= _FOCUSED
            paint_tile(painter, QRectF(column * cell, line * cell - offset, cell, cell), model.tile(row), state,
                       palette, font)
        painter.end()
