"""Painting of face and thumbnail tiles and of people rows. Images come from the
`TileCache`; a miss paints a placeholder and the tile is requested."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPainterPath, QPalette, QPen
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from faceboard.ui.models import ObjectRole, TileLook
from faceboard.ui.tile_cache import TileCache

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


class PersonDelegate(QStyledItemDelegate):
    """A people row: round primary thumbnail, name, face count; highlighted as a drop target."""

    ROW_HEIGHT = 58
    AVATAR = 44

    def __init__(self, tiles: TileCache, parent=None):
        super().__init__(parent)
        self._tiles = tiles
        self.drop_row: int | None = None

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:
        return QSize(220, self.ROW_HEIGHT)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
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
            painter.setBrush(palette.color(QPalette.ColorRole.Highlight))
            painter.setPen(Qt.PenStyle.NoPen)
            painter.drawRoundedRect(rect, 8, 8)
        elif option.state & _HOVERED:
            painter.setBrush(palette.color(QPalette.ColorRole.Midlight))
            painter.setPen(Qt.PenStyle.NoPen)
            painter.drawRoundedRect(rect, 8, 8)
        person = index.data(ObjectRole)
        avatar = QRectF(rect.left() + 6, rect.center().y() - self.AVATAR / 2, self.AVATAR, self.AVATAR)
        if person is None:
            painter.setBrush(palette.color(QPalette.ColorRole.Mid))
            painter.setPen(Qt.PenStyle.NoPen)
            painter.drawEllipse(avatar)
            painter.setPen(palette.color(QPalette.ColorRole.Base))
            font = QFont(option.font)
            font.setPointSizeF(font.pointSizeF() * 1.6)
            font.setBold(True)
            painter.setFont(font)
            painter.drawText(avatar, Qt.AlignmentFlag.AlignCenter, "?")
        elif person.primary_image is None:  # no primary yet: initials, so the row still has a face
            painter.setBrush(palette.color(QPalette.ColorRole.Mid).lighter(120))
            painter.setPen(Qt.PenStyle.NoPen)
            painter.drawEllipse(avatar)
            painter.setPen(palette.color(QPalette.ColorRole.Text))
            font = QFont(option.font)
            font.setBold(True)
            painter.setFont(font)
            initials = "".join(part[0] for part in person.name.split()[:2]).upper()
            painter.drawText(avatar, Qt.AlignmentFlag.AlignCenter, initials)
        else:
            draw_image(painter, self._tiles, person.primary_image, avatar, self.AVATAR / 2, palette)
        text_color = palette.color(
            QPalette.ColorRole.HighlightedText if selected and index.row() != self.drop_row else QPalette.ColorRole.Text
        )
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
        name = index.data(Qt.ItemDataRole.DisplayRole)
        elided = painter.fontMetrics().elidedText(name, Qt.TextElideMode.ElideRight, int(name_rect.width()))
        painter.drawText(name_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, elided)
        detail = index.model().count_text(index.row()) + (" · hidden" if person is not None and person.hidden else "")
        font.setBold(False)
        painter.setFont(font)
        text_color.setAlpha(min(text_color.alpha(), 170))
        painter.setPen(text_color)
        painter.drawText(count_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, detail)
        painter.restore()
