"""What the panes share: `StoreModel`, a list model over one pane of the store, and
`ListingModel`, one over a listing that pages as it scrolls; `TileLook`, what a tile shows; `TileDelegate`, which paints it (images
come from the `TileCache`; a miss paints a placeholder and the tile is requested); and
`TileView`, a grid or strip of tiles that drags what is selected."""

from __future__ import annotations

import functools
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import NamedTuple

from PySide6.QtCore import (
    QAbstractListModel, QEvent, QModelIndex, QPersistentModelIndex, QPoint, QPointF, QRectF, QSize, Qt, QTimer,
)
from PySide6.QtGui import QColor, QDrag, QFont, QFontMetrics, QPainter, QPainterPath, QPalette, QPen, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView, QListView, QStyle, QStyledItemDelegate, QStyleOptionViewItem, QToolTip, QWidget,
)

from faceboard.domain import DOUBTFUL, ImageRef
from faceboard.services.drops import Payload
from faceboard.services.store import Event, Store
from faceboard.ui import suggesting
from faceboard.ui.tile_cache import FrameBudget, TileCache

ObjectRole = Qt.ItemDataRole.UserRole + 1  # the domain object (None for the Unassigned row)
AnyIndex = QModelIndex | QPersistentModelIndex
# (payload, target) -> None when the drop is allowed, else the reason it is not
DropJudge = Callable[[Payload, object], str | None]
REPAINT_DELAY_MS = 40  # tiles arriving by the hundred repaint a view at most 25 times a second
DRAG_TILE = 72  # the side of a tile the pointer carries
DRAG_STACK = 3  # tiles shown in the stack of a drag of several



class TileLook(NamedTuple):
    """What a tile shows. Read by the delegate straight from the model (`tile(row)`),
    not through `data()` roles: a grid paints thousands of tiles a second."""

    image: ImageRef | None
    primary: bool = False
    caption: str | None = None  # "probably Alice · 92 %" (`ui.suggesting`), whom a face may be
    confidence: float | None = None  # the detector's, for a face: a small mark in the corner
    problem: bool = False  # its photo has moved or vanished (the tooltip says which)


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

    def soon(self, waiting: set) -> None:
        if self.parent() in waiting and not self.isActive():
            self.start()


def repaint_as_tiles_arrive(tiles: TileCache, widget) -> None:
    """Repaint `widget` (soon, once for many) when a tile it is waiting for has come."""
    timer = _RepaintTimer(widget)
    timer.setSingleShot(True)
    timer.setInterval(REPAINT_DELAY_MS)
    timer.timeout.connect(widget.update)
    tiles.tileReady.connect(timer.soon)


TILE_RADIUS = 8
PAINTED_ONCE_KEPT = 4096  # looks remembered as painted once (a tile painted again is then kept whole)
WHOLE_PER_FRAME_S = 0.001  # drawing tiles whole takes at most this much of a frame; the rest are drawn as before
MARK_MIN_SIDE = 72  # on smaller tiles the confidence mark would hide the face
_MARK = QColor(0, 0, 0, 150)
_DOUBT = QColor(200, 110, 0, 220)
_WARNING = QColor(176, 112, 0)


def accent(palette: QPalette) -> QColor:
    return palette.color(QPalette.ColorRole.Highlight)


def _luminance(color: QColor) -> float:
    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * linear(color.redF()) + 0.7152 * linear(color.greenF()) + 0.0722 * linear(color.blueF())


def contrast(one: QColor, other: QColor) -> float:
    """The WCAG contrast ratio of two colours: 1 (the same) to 21 (black on white)."""
    lighter, darker = sorted((_luminance(one), _luminance(other)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def legible_on(palette: QPalette, background: QColor) -> QColor:
    """The palette's text or base colour, whichever reads better on `background` (a
    mark drawn on a fill of the palette's: light on dark in a dark palette, and back)."""
    return QColor.fromRgba(_legible(palette.color(_TEXT).rgba(), palette.color(_BASE).rgba(), background.rgba()))


@functools.lru_cache(maxsize=64)  # asked for each row painted; a palette has a few fills
def _legible(text: int, base: int, background: int) -> int:
    behind = QColor.fromRgba(background)
    return max((text, base), key=lambda color: contrast(QColor.fromRgba(color), behind))


# PySide6's enums are Python objects: look them up once, not in every paint
_MID, _BASE, _TEXT = QPalette.ColorRole.Mid, QPalette.ColorRole.Base, QPalette.ColorRole.Text
_TIP_BASE, _TIP_TEXT = QPalette.ColorRole.ToolTipBase, QPalette.ColorRole.ToolTipText  # a pair made to contrast
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
    ratio = device.devicePixelRatioF() if device else 1.0
    waiter = device if isinstance(device, QWidget) else None  # a widget repaints when the tile comes; an image does not
    pixels = max(rect.width(), rect.height()) * ratio
    pixmap = tiles.pixmap(ref, pixels, radius / max(rect.width(), 1.0), waiter) if ref is not None else None
    _paint_image(painter, pixmap, ref, tiles, rect, radius, palette)


def _exact(pixmap: QPixmap | None, rect: QRectF, ratio: float) -> bool:
    """Whether `pixmap` is the rounded tile made for `rect`, to be copied 1:1."""
    return pixmap is not None and rect.width() == rect.height() and pixmap.width() == round(rect.width() * ratio)


def _paint_image(painter: QPainter, pixmap: QPixmap | None, ref, tiles: TileCache, rect: QRectF, radius: float,
                 palette: QPalette) -> None:
    if pixmap is not None:
        device = painter.device()
        ratio = device.devicePixelRatioF() if device else 1.0
        if _exact(pixmap, rect, ratio):  # made to this size: copied 1:1
            if pixmap.devicePixelRatio() != ratio:
                pixmap.setDevicePixelRatio(ratio)
            painter.drawPixmap(rect.topLeft(), pixmap)
        else:  # a stand-in for a frame, while its rounded copy waits its turn: fast, not smooth
            painter.drawPixmap(rect, pixmap, QRectF(pixmap.rect()))
        return
    fill = placeholder(palette)
    painter.setPen(_NO_PEN)
    painter.setBrush(fill)
    painter.drawRoundedRect(rect, radius, radius)
    if ref is not None and tiles.failure(ref):
        painter.setPen(legible_on(palette, fill))
        painter.drawText(rect, _CENTER, "⚠\nno image")


def placeholder(palette: QPalette) -> QColor:
    """What an image not here (yet) shows: a box between the base and the mid tone."""
    return _mean(palette.color(_BASE).rgb(), palette.color(_MID).rgb())


@functools.lru_cache(maxsize=16)  # asked for each tile painted
def _mean(one: int, other: int) -> QColor:
    return QColor.fromRgb(((one & 0xFEFEFE) >> 1) + ((other & 0xFEFEFE) >> 1))  # each channel's


class Surface(NamedTuple):
    """Where one paint draws its tiles: the pixel ratio, the widget told when a missing
    tile comes (None: an image, which does not repaint), its background (what a tile
    drawn whole is drawn on), and all of it as part of a tile's look."""

    ratio: float
    widget: QWidget | None
    behind: QColor | None
    key: tuple


class TileDelegate(QStyledItemDelegate):
    """A face or thumbnail tile: the image, a primary badge, a selection ring.

    A tile painted again as it looks is kept drawn whole (its image, band, marks and
    selection): repainting it is one copy. Part by part, a repaint of the faces grid with
    its suggestions took 7.8 ms of the GUI thread, with every tile selected 11.6 ms (4.3
    and 2.9 ms whole; benchmarks/paint.py), and each Qt call waited for Python's lock
    while another thread worked."""

    def __init__(self, tiles: TileCache, parent=None):
        super().__init__(parent)
        self._tiles = tiles
        self._marks: dict[tuple, QPixmap] = {}  # (percent, font size, pixel ratio) -> the mark, made once
        self._painted_once: OrderedDict[tuple, bool] = OrderedDict()  # looks painted once, not yet kept whole
        self._drawing = FrameBudget()  # time spent drawing tiles whole in this frame

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:
        side = option.decorationSize.width() + 8
        return QSize(side, side)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        look = index.model().tile(index.row())
        self.paint_tile(painter, QRectF(option.rect), look, option.state, option.palette, option.font,
                        self.surface(painter, option.palette, option.font))

    @staticmethod
    def surface(painter: QPainter, palette: QPalette, font: QFont) -> Surface:
        """What every tile of one paint shares: asked once per paint, not per tile (the
        faces grid's 36 tiles asked it 36 times: a third of its repaint)."""
        device = painter.device()
        ratio = device.devicePixelRatioF() if device else 1.0
        widget = device if isinstance(device, QWidget) else None
        behind = widget.palette().color(widget.backgroundRole()) if widget is not None else None
        return Surface(ratio, widget, behind, (ratio, palette.cacheKey(), font.key(), behind.rgba() if behind else 0))

    def paint_tile(self, painter: QPainter, cell: QRectF, look: TileLook, state: QStyle.StateFlag,
                   palette: QPalette, font: QFont, surface: Surface) -> None:
        """One tile in `cell`; the faces grid calls this directly for the cells it shows,
        with one `surface` for all of them."""
        rect = cell.adjusted(4, 4, -4, -4)
        ratio = surface.ratio
        image = None if look.image is None else self._tiles.pixmap(
            look.image, rect.width() * ratio, TILE_RADIUS / max(rect.width(), 1.0), surface.widget)
        selected = bool(state & _SELECTED)
        whole = None
        if surface.widget is not None and (image is None or _exact(image, rect, ratio)):
            whole = self._drawn_whole(image, rect, look, selected, palette, font, surface)
        if whole is not None:
            painter.drawPixmap(rect.topLeft(), whole)
        else:  # painted once so far, a stand-in for a frame or two, or a picture of the tile: part by part
            painter.save()
            self._draw(painter, image, rect, look, selected, palette, font)
            painter.restore()
        if state & _FOCUSED:
            painter.save()
            painter.setRenderHint(_ANTIALIASED)
            painter.setPen(QPen(palette.color(QPalette.ColorRole.Text), 1, Qt.PenStyle.DotLine))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(rect.adjusted(-2, -2, 2, 2), TILE_RADIUS + 2, TILE_RADIUS + 2)
            painter.restore()

    def _drawn_whole(self, image: QPixmap | None, rect: QRectF, look: TileLook, selected: bool,
                     palette: QPalette, font: QFont, surface: Surface) -> QPixmap | None:
        """The tile drawn whole (a placeholder for an image not here yet: one for many
        tiles that look alike) on the view's background: opaque, so painting it is a
        plain copy (an image with transparent corners is blended pixel by pixel). Made
        the second time a look is painted, and a few a frame: a tile scrolled past once
        is not worth the making, and making every tile at once made scrolling and the
        repaint after a drop dearer. Those left for later are drawn in the frames after,
        so that a view left alone is soon all copies (a drop then repaints it cheaply)."""
        failed = look.image is not None and image is None and self._tiles.failure(look.image) is not None
        key = (image.cacheKey() if image is not None else failed, rect.width(), look.caption,
               None if look.confidence is None else round(look.confidence * 100), look.primary, look.problem,
               selected, surface.key)
        whole = self._tiles.whole(key)
        if whole is not None:
            return whole
        again = self._painted_once.pop(key, None) is not None
        if not again or not self._drawing.allows(WHOLE_PER_FRAME_S):
            self._painted_once[key] = True
            if len(self._painted_once) > PAINTED_ONCE_KEPT:
                self._painted_once.popitem(last=False)
            if again:  # shown a while, and this frame has drawn its share: the next one draws it
                self._tiles.repaint_later(surface.widget)
            else:  # drawn whole if the view stays on it
                self._tiles.repaint_when_still(surface.widget)
            return None
        started = time.perf_counter()
        ratio = surface.ratio
        side = round(rect.width() * ratio)
        whole = QPixmap(side, side)
        whole.setDevicePixelRatio(ratio)
        whole.fill(surface.behind)
        drawing = QPainter(whole)
        self._draw(drawing, image, QRectF(0, 0, rect.width(), rect.height()), look, selected, palette, font)
        drawing.end()
        self._drawing.spend(time.perf_counter() - started)
        self._tiles.keep_whole(key, whole)
        return whole

    def _draw(self, painter: QPainter, image: QPixmap | None, rect: QRectF, look: TileLook, selected: bool,
              palette: QPalette, font: QFont) -> None:
        """Everything a tile shows but the focus ring, part by part."""
        painter.setRenderHint(_ANTIALIASED)
        _paint_image(painter, image, look.image, self._tiles, rect, TILE_RADIUS, palette)
        if look.primary:
            badge = QRectF(rect.left() + 6, rect.top() + 6, 64, 20)
            painter.setPen(QPen(palette.color(_TIP_TEXT), 1))
            painter.setBrush(palette.color(_TIP_BASE))
            painter.drawRoundedRect(badge, 10, 10)
            small = QFont(font)
            small.setBold(True)
            small.setPointSizeF(max(7.0, small.pointSizeF() * 0.8))
            painter.setFont(small)
            painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, "★ Primary")
        if look.caption:  # the backend's guess, for an operator deciding where a face belongs
            band = QRectF(rect.left(), rect.bottom() - 20, rect.width(), 20)
            path = QPainterPath()
            path.addRoundedRect(band, 6, 6)
            band_color = QColor(palette.color(_TIP_BASE))
            band_color.setAlpha(215)
            painter.fillPath(path, band_color)
            painter.setPen(palette.color(_TIP_TEXT))
            small = QFont(font)
            small.setPointSizeF(max(7.0, small.pointSizeF() * 0.85))
            painter.setFont(small)
            painter.drawText(band, Qt.AlignmentFlag.AlignCenter,
                             suggesting.fitted(look.caption, painter.fontMetrics(), int(band.width()) - 8))
        if look.confidence is not None and rect.width() >= MARK_MIN_SIDE:
            self._paint_confidence(painter, rect, look.confidence, font)
        if look.problem:
            self._paint_problem(painter, rect)
        if selected:
            color = accent(palette)
            overlay = QColor(color)
            overlay.setAlpha(60)
            path = QPainterPath()
            path.addRoundedRect(rect, TILE_RADIUS, TILE_RADIUS)
            painter.fillPath(path, overlay)
            painter.setPen(QPen(color, 3))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(rect.adjusted(1.5, 1.5, -1.5, -1.5), TILE_RADIUS, TILE_RADIUS)

    def _paint_confidence(self, painter: QPainter, rect: QRectF, confidence: float, font: QFont) -> None:
        """The detection confidence in the top-right corner, amber when doubtful: one
        drawPixmap of a mark made once per percentage (text drawn afresh in each tile
        tripled the cost of painting one, measured)."""
        device = painter.device()
        ratio = device.devicePixelRatioF() if device else 1.0
        key = (round(confidence * 100), font.pointSizeF(), ratio)
        mark = self._marks.get(key)
        if mark is None:
            mark = self._marks[key] = _confidence_mark(key[0], font, ratio)
        painter.drawPixmap(QPointF(rect.right() - mark.width() / ratio - 4, rect.top() + 4), mark)

    @staticmethod
    def _paint_problem(painter: QPainter, rect: QRectF) -> None:
        """A warning in the top-left corner: the photo has moved or vanished."""
        badge = QRectF(rect.left() + 4, rect.top() + 4, 20, 20)
        painter.setPen(_NO_PEN)
        painter.setBrush(_WARNING)
        painter.drawEllipse(badge)
        painter.setPen(QColor("white"))
        painter.drawText(badge, _CENTER, "!")


def _confidence_mark(percent: int, font: QFont, ratio: float) -> QPixmap:
    small = QFont(font)
    small.setPointSizeF(max(6.5, small.pointSizeF() * 0.75))
    metrics = QFontMetrics(small)
    text = f"{percent}%"
    size = QSize(metrics.horizontalAdvance(text) + 8, metrics.height() + 2)
    mark = QPixmap(size * ratio)
    mark.setDevicePixelRatio(ratio)
    mark.fill(Qt.GlobalColor.transparent)
    painter = QPainter(mark)
    painter.setRenderHint(_ANTIALIASED)
    painter.setPen(_NO_PEN)
    painter.setBrush(_DOUBT if percent < DOUBTFUL * 100 else _MARK)
    painter.drawRoundedRect(QRectF(0, 0, size.width(), size.height()), 4, 4)
    painter.setPen(QColor("white"))
    painter.setFont(small)
    painter.drawText(QRectF(0, 0, size.width(), size.height()), _CENTER, text)
    painter.end()
    return mark


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
        pixmap = self.drag_pixmap(indexes)
        drag.setPixmap(pixmap)
        drag.setHotSpot(QPoint(DRAG_TILE // 2, pixmap.deviceIndependentSize().toSize().height() - DRAG_TILE // 2))
        drag.exec(supported_actions, Qt.DropAction.MoveAction)

    def drag_pixmap(self, indexes) -> QPixmap:
        """What the pointer carries: the first tiles dragged, stacked (up to three), and
        a badge with how many faces go when there is more than one."""
        model, palette = self.model(), self.palette()
        images = [model.tile(index.row()).image for index in indexes[:DRAG_STACK]]
        step, badge_room = 7, 14 if len(indexes) > 1 else 0
        spread = step * (len(images) - 1)
        width, height = DRAG_TILE + spread + badge_room, DRAG_TILE + spread + badge_room
        ratio = self.devicePixelRatioF()
        pixmap = QPixmap(round(width * ratio), round(height * ratio))
        pixmap.setDevicePixelRatio(ratio)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(_ANTIALIASED)
        painter.setRenderHint(_SMOOTH)
        for layer in reversed(range(len(images))):  # the first tile on top, the others behind it, up and right
            rect = QRectF(layer * step, badge_room + spread - layer * step, DRAG_TILE, DRAG_TILE)
            self._draw_drag_tile(painter, images[layer], rect, palette)
        if len(indexes) > 1:
            text = str(len(indexes))
            font = QFont(self.font())
            font.setBold(True)
            painter.setFont(font)
            badge_width = max(26.0, painter.fontMetrics().horizontalAdvance(text) + 14.0)
            badge = QRectF(width - badge_width, 0, badge_width, 24)
            painter.setBrush(accent(palette))
            painter.setPen(QPen(palette.color(QPalette.ColorRole.Base), 2))
            painter.drawRoundedRect(badge, 12, 12)
            painter.setPen(palette.color(QPalette.ColorRole.HighlightedText))
            painter.drawText(badge, _CENTER, text)
        painter.end()
        return pixmap

    def _draw_drag_tile(self, painter: QPainter, image, rect: QRectF, palette: QPalette) -> None:
        found = self._tiles.cached(image) if image is not None else None
        path = QPainterPath()
        path.addRoundedRect(rect, TILE_RADIUS, TILE_RADIUS)
        if found is None:
            painter.fillPath(path, palette.color(_MID))
        else:
            painter.save()
            painter.setClipPath(path)
            side = min(found.width(), found.height())
            source = QRectF((found.width() - side) / 2, (found.height() - side) / 2, side, side)
            painter.drawPixmap(rect, found, source)
            painter.restore()
        painter.setPen(QPen(palette.color(QPalette.ColorRole.Base), 2))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(path)
