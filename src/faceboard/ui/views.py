"""The panes' views: face and thumbnail grids that start drags, the people list and
the primary slot that accept drops. Drops are judged by a `DropJudge` (the session),
which says why a drop is refused; the views only highlight and report."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QPoint, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QDrag, QFont, QPainter, QPalette, QPen, QPixmap
from PySide6.QtWidgets import QAbstractItemView, QFrame, QListView, QSizePolicy, QToolTip

from faceboard.domain import Person
from faceboard.ui.delegates import PersonDelegate, TileDelegate, accent, draw_image
from faceboard.ui.mime import FacesPayload, Payload, read_payload
from faceboard.ui.models import PeopleModel
from faceboard.ui.tile_cache import TileCache

# (payload, target) -> None when the drop is allowed, else the reason it is not
DropJudge = Callable[[Payload, object], str | None]
REPAINT_DELAY_MS = 40  # tiles arriving by the hundred repaint a view at most 25 times a second


def repaint_as_tiles_arrive(tiles: TileCache, widget) -> None:
    timer = QTimer(widget)
    timer.setSingleShot(True)
    timer.setInterval(REPAINT_DELAY_MS)
    timer.timeout.connect(widget.update)
    tiles.tileReady.connect(lambda: timer.isActive() or timer.start())


class TileView(QListView):
    """A grid (or a strip) of face or thumbnail tiles; drags what is selected."""

    def __init__(self, tiles: TileCache, strip: bool = False, parent=None):
        super().__init__(parent)
        self._tiles = tiles
        self.setItemDelegate(TileDelegate(tiles, self))
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setMovement(QListView.Movement.Static)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setUniformItemSizes(True)
        self.setWrapping(not strip)
        self.setFlow(QListView.Flow.LeftToRight)
        self.setSelectionMode(
            QAbstractItemView.SelectionMode.SingleSelection if strip else QAbstractItemView.SelectionMode.ExtendedSelection
        )
        self.setDragEnabled(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setMouseTracking(True)
        repaint_as_tiles_arrive(tiles, self.viewport())
        self.set_tile_size(112)

    def set_tile_size(self, side: int) -> None:
        self.setIconSize(QSize(side, side))
        self.setGridSize(QSize(side + 8, side + 8))

    def viewportEvent(self, event) -> bool:
        """A broken image's tooltip says what was wrong with it."""
        if event.type() == QEvent.Type.ToolTip:
            index = self.indexAt(event.pos())
            if index.isValid():
                text = index.data(Qt.ItemDataRole.ToolTipRole) or ""
                image = self.model().tile(index.row()).image
                reason = self._tiles.failure(image) if image is not None else None
                QToolTip.showText(event.globalPos(), f"{text}\n⚠ {reason}" if reason else text, self.viewport())
                return True
        return super().viewportEvent(event)

    def startDrag(self, supported_actions: Qt.DropAction) -> None:
        """A plain slot, never a coroutine: QDrag.exec runs a nested event loop."""
        indexes = sorted(self.selectedIndexes(), key=lambda i: i.row())
        if not indexes:
            return
        drag = QDrag(self)
        drag.setMimeData(self.model().mimeData(indexes))
        drag.setPixmap(self._drag_pixmap(indexes))
        drag.setHotSpot(QPoint(36, 36))
        drag.exec(supported_actions, Qt.DropAction.MoveAction)

    def _drag_pixmap(self, indexes) -> QPixmap:
        side = 72
        pixmap = QPixmap(side + 12, side + 12)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        image = self.model().tile(indexes[0].row()).image
        draw_image(painter, self._tiles, image, QRectF(0, 8, side, side), 8, self.palette())
        if len(indexes) > 1:
            badge = QRectF(side - 18, 0, 30, 22)
            painter.setBrush(accent(self.palette()))
            painter.setPen(Qt.PenStyle.NoPen)
            painter.drawRoundedRect(badge, 11, 11)
            painter.setPen(QColor("white"))
            font = QFont(self.font())
            font.setBold(True)
            painter.setFont(font)
            painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, str(len(indexes)))
        painter.end()
        return pixmap


class PeopleView(QListView):
    """The people list; faces, thumbnails and image files can be dropped on a row."""

    dropped = Signal(object, object)  # payload, Person or None (the Unassigned row)
    refused = Signal(str)

    def __init__(self, model: PeopleModel, tiles: TileCache, judge: DropJudge, parent=None):
        super().__init__(parent)
        self.setModel(model)
        self._judge = judge
        self._delegate = PersonDelegate(tiles, self)
        self.setItemDelegate(self._delegate)
        self.setUniformItemSizes(True)
        self.setAcceptDrops(True)
        self.viewport().setAcceptDrops(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DropOnly)
        self.setDropIndicatorShown(False)
        self.setMouseTracking(True)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        repaint_as_tiles_arrive(tiles, self.viewport())

    def _target(self, event) -> tuple[Payload | None, int | None, str | None]:
        payload = read_payload(event.mimeData())
        if payload is None:
            return None, None, None
        index = self.indexAt(event.position().toPoint())
        if not index.isValid():
            return payload, None, None
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
            if reason:
                self.refused.emit(reason)
            return None
        event.setDropAction(Qt.DropAction.MoveAction if _is_move(payload) else Qt.DropAction.CopyAction)
        event.accept()
        return payload, row

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


class PrimarySlot(QFrame):
    """The selected person's primary thumbnail, large; drop a thumbnail or face on it."""

    dropped = Signal(object)  # payload
    refused = Signal(str)
    SIDE = 132

    def __init__(self, tiles: TileCache, judge: DropJudge, parent=None):
        super().__init__(parent)
        self._tiles = tiles
        self._judge = judge
        self._person: Person | None = None
        self._hover = False
        self.setAcceptDrops(True)
        self.setFixedSize(self.SIDE + 16, self.SIDE + 40)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.setAccessibleName("Primary thumbnail")
        repaint_as_tiles_arrive(tiles, self)

    def set_person(self, person: Person | None) -> None:
        self._person = person
        self.setToolTip(
            "Drop one of this person's thumbnails or faces here to make it the primary."
            if person else "Select a person to see their primary thumbnail."
        )
        self.update()

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        image = QRectF(8, 8, self.SIDE, self.SIDE)
        ref = self._person.primary_image if self._person else None
        draw_image(painter, self._tiles, ref, image, 10, palette)
        if ref is None:
            painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
            text = "No primary yet:\ndrop a face\nor thumbnail here" if self._person else "—"
            painter.drawText(image, Qt.AlignmentFlag.AlignCenter, text)
        pen = QPen(accent(palette) if self._hover else palette.color(QPalette.ColorRole.Mid), 3 if self._hover else 1)
        if not self._hover:
            pen.setStyle(Qt.PenStyle.DashLine)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRoundedRect(image.adjusted(-3, -3, 3, 3), 12, 12)
        painter.setPen(palette.color(QPalette.ColorRole.Text))
        font = QFont(self.font())
        font.setBold(True)
        painter.setFont(font)
        painter.drawText(QRectF(0, self.SIDE + 14, self.width(), 22), Qt.AlignmentFlag.AlignCenter, "Primary")
        painter.end()

    def _judge_event(self, event) -> tuple[Payload | None, str | None]:
        payload = read_payload(event.mimeData())
        if payload is None:
            return None, None
        if self._person is None:
            return payload, "Select a person first."
        return payload, self._judge(payload, self)

    def _accept(self, event) -> Payload | None:
        """Accept the drag or drop if it is allowed here, else refuse it with the reason."""
        payload, reason = self._judge_event(event)
        if payload is None or reason:
            event.ignore()
            if reason:
                self.refused.emit(reason)
            return None
        event.acceptProposedAction()
        return payload

    def _set_hover(self, hover: bool) -> None:
        self._hover = hover
        self.update()

    def dragEnterEvent(self, event) -> None:
        self._set_hover(self._accept(event) is not None)

    def dragLeaveEvent(self, event) -> None:
        self._set_hover(False)

    def dropEvent(self, event) -> None:
        self._set_hover(False)
        payload = self._accept(event)
        if payload is not None:
            self.dropped.emit(payload)
