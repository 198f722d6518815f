"""What the panes share: `StoreModel`, a list model over one pane of the store, and
`ListingModel`, one over a listing that pages as it scrolls; `TileLook`, what a tile shows; `TileDelegate`, which paints it (images
come from the `TileCache`; a miss paints a placeholder and the tile is requested); and
`TileView`, a grid or strip of tiles that drags what is selected."""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from PySide6.QtCore import QAbstractListModel, QEvent, QModelIndex, QPersistentModelIndex, QPoint, QRectF, QSize, Qt, QTimer
from PySide6.QtGui import QColor, QDrag, QFont, QPainter, QPainterPath, QPalette, QPen, QPixmap
from PySide6.QtWidgets import QAbstractItemView, QListView, QStyle, QStyledItemDelegate, QStyleOptionViewItem, QToolTip

from faceboard.domain import ImageRef
from faceboard.services.drops import Payload
from faceboard.services.store import Event, Store
from faceboard.ui.tile_cache import TileCache

ObjectRole = Qt.ItemDataRole.UserRole + 1  # the domain object (None for the Unassigned row)
AnyIndex = QModelIndex | QPersistentModelIndex
# (payload, target) -> None when the drop is allowed, else the reason it is not
DropJudge = Callable[[Payload, object], str | None]
REPAINT_DELAY_MS = 40  # tiles arriving by the hundred repaint a view at most 25 times a second



class TileLook(NamedTuple):
    """What a tile shows. Read by the delegate straight from the model (`tile(row)`),
    not through `data()` roles: a grid paints thousands of tiles a second."""

    image: ImageRef | None
    primary: bool = False
    caption: str | None = None  # "probably: Alice, Bob", the backend's guess for a face


class StoreModel(QAbstractListModel):
    """A list model over one pane of the store: it holds no rows of its own, and turns
    the store's events for `pane` into Qt's (rows shifted by `offset`)."""

    pane = ""
    offset = 0

    def __init__(self, store: Store, parent=None):
        super().__init__(parent)
        self.store = store
        store.listen(self._hear)

    def _hear(self, event: Event) -> None:
        if event.pane != self.pane:
            return
        first, last = event.first + self.offset, event.last + self.offset
        match event.kind:
            case "resetting":
                self.beginResetModel()
            case "reset":
                self.endResetModel()
            case "inserting":
                self.beginInsertRows(QModelIndex(), first, last)
            case "inserted":
                self.endInsertRows()
            case "removing":
                self.beginRemoveRows(QModelIndex(), first, last)
            case "removed":
                self.endRemoveRows()
            case "changed":
                self.dataChanged.emit(self.index(first), self.index(last))

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsDragEnabled


class ListingModel(StoreModel):
    """A model over one of the store's listings (people, faces): it reads the next page
    as its view scrolls to the end."""

    def __init__(self, store: Store, parent=None):
        super().__init__(store, parent)
        self._listing = store.listings[self.pane]

    def canFetchMore(self, parent: AnyIndex = QModelIndex()) -> bool:
        return not parent.isValid() and self._listing.can_fetch

    def fetchMore(self, parent: AnyIndex = QModelIndex()) -> None:
        if not parent.isValid():
            self.store.fetch_more(self.pane)

    @property
    def loading(self) -> bool:
        return self._listing.fetching


class _RepaintTimer(QTimer):
    """Repaints its widget once per burst of arriving tiles; a slot of its own, so the
    connection ends with the widget (a closed dialog's list, say)."""

    def soon(self) -> None:
        if not self.isActive():
            self.start()


def repaint_as_tiles_arrive(tiles: TileCache, widget) -> None:
    timer = _RepaintTimer(widget)
    timer.setSingleShot(True)
    timer.setInterval(REPAINT_DELAY_MS)
    timer.timeout.connect(widget.update)
    tiles.tileReady.connect(timer.soon)


ACCENT = QColor(52, 132, 228)
PRIMARY = QColor(236, 168, 28)
TILE_RADIUS = 8


def accent(palette: QPalette) -> QColor:
    return palette.color(QPalette.ColorRole.Highlight) if palette else ACCENT


# PySide6's enums are Python objects: look them up once, not in every paint
_MID = QPalette.ColorRole.Mid
_PLACEHOLDER = QPalette.ColorRole.PlaceholderText
_CENTER = Qt.AlignmentFlag.AlignCenter
_NO_PEN = Qt.PenStyle.NoPen
_SMOOTH = QPainter.RenderHint.SmoothPixmapTransform
_ANTIALIASED = QPainter.RenderHint.Antialiasing
_SELECTED = QStyle.StateFlag.State_Selected
_FOCUSED = QStyle.StateFlag.State_HasFocus
_HOVERED = QStyle.StateFlag.State_MouseOver


def draw_image(painter: QPainter, tiles: TileCache, ref, rect: QRectF, radius: float, palette: QPalette) -> None:
    """The image of `ref` filling `rect` with rounded corners; a placeholder meanwhile."""
    device = painter.device()
    pixels = max(rect.width(), rect.height()) * (device.devicePixelRatioF() if device else 1.0)
    pixmap = tiles.pixmap(ref, pixels, radius / max(rect.width(), 1.0)) if ref is not None else None
    if pixmap is not None:
        painter.setRenderHint(_SMOOTH)
        painter.drawPixmap(rect, pixmap, QRectF(pixmap.rect()))
        return
    painter.setPen(_NO_PEN)
    painter.setBrush(palette.color(_MID).lighter(130))
    painter.drawRoundedRect(rect, radius, radius)
    if ref is not None and tiles.failure(ref):
        painter.setPen(palette.color(_PLACEHOLDER))
        painter.drawText(rect, _CENTER, "⚠\nno image")


class TileDelegate(QStyledItemDelegate):
    """A face or thumbnail tile: the image, a primary badge, a selection ring."""

    def __init__(self, tiles: TileCache, parent=None):
        super().__init__(parent)
        self._tiles = tiles

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:
        side = option.decorationSize.width() + 8
        return QSize(side, side)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        look = index.model().tile(index.row())
        self.paint_tile(painter, QRectF(option.rect), look, option.state, option.palette, option.font)

    def paint_tile(self, painter: QPainter, cell: QRectF, look: TileLook, state: QStyle.StateFlag,
                   palette: QPalette, font: QFont) -> None:
        """One tile in `cell`; the faces grid calls this directly for the cells it shows."""
        painter.save()
        painter.setRenderHint(_ANTIALIASED)
        rect = cell.adjusted(4, 4, -4, -4)
        draw_image(painter, self._tiles, look.image, rect, TILE_RADIUS, palette)
        if look.primary:
            badge = QRectF(rect.left() + 6, rect.top() + 6, 64, 20)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(PRIMARY)
            painter.drawRoundedRect(badge, 10, 10)
            painter.setPen(QColor(40, 28, 0))
            small = QFont(font)
            small.setBold(True)
            small.setPointSizeF(max(7.0, small.pointSizeF() * 0.8))
            painter.setFont(small)
            painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, "★ Primary")
        if look.caption:  # the backend's guess, for an operator deciding where a face belongs
            band = QRectF(rect.left(), rect.bottom() - 20, rect.width(), 20)
            path = QPainterPath()
            path.addRoundedRect(band, 6, 6)
            painter.fillPath(path, QColor(0, 0, 0, 150))
            painter.setPen(QColor("white"))
            small = QFont(font)
            small.setPointSizeF(max(7.0, small.pointSizeF() * 0.85))
            painter.setFont(small)
            text = painter.fontMetrics().elidedText(look.caption, Qt.TextElideMode.ElideRight, int(band.width()) - 8)
            painter.drawText(band, Qt.AlignmentFlag.AlignCenter, text)
        if state & _SELECTED:
            color = accent(palette)
            overlay = QColor(color)
            overlay.setAlpha(60)
            path = QPainterPath()
            path.addRoundedRect(rect, TILE_RADIUS, TILE_RADIUS)
            painter.fillPath(path, overlay)
            painter.setPen(QPen(color, 3))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(rect.adjusted(1.5, 1.5, -1.5, -1.5), TILE_RADIUS, TILE_RADIUS)
        if state & _FOCUSED:
            painter.setPen(QPen(palette.color(QPalette.ColorRole.Text), 1, Qt.PenStyle.DotLine))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(rect.adjusted(-2, -2, 2, 2), TILE_RADIUS + 2, TILE_RADIUS + 2)
        painter.restore()


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
