"""The Thumbnails pane: the selected person's primary, large (a drop target), the best
of their faces as a primary when it is not already (with its reasons, taken with one
key), beside a strip of their thumbnails (the primary one marked), read from the store."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QModelIndex, QRectF, Qt, Signal
from PySide6.QtGui import QFont, QPainter, QPalette, QPen
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from faceboard.domain import Capability, Face, Person, PrimaryCandidate, Thumbnail
from faceboard.services.drops import Payload
from faceboard.services.store import THUMBNAILS
from faceboard.ui.mime import THUMBNAIL_MIME, read_payload, thumbnail_mime
from faceboard.ui.panes import heading
from faceboard.ui.panes.tiles import (
    AnyIndex,
    DropJudge,
    ObjectRole,
    StoreModel,
    TileLook,
    TileView,
    accent,
    draw_image,
    legible_on,
    placeholder,
    repaint_as_tiles_arrive,
)
from faceboard.ui.tile_cache import TileCache


class ThumbnailsModel(StoreModel):
    """The selected person's thumbnails, as the store holds them."""

    pane = THUMBNAILS

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.store.selected_thumbnails())

    @property
    def person_id(self) -> str | None:
        """Whose thumbnails are shown, once they have been read."""
        selection = self.store.selection
        return selection if selection is not None and selection in self.store.thumbnails else None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        thumbnail = self.thumbnail_at(index.row())
        if role == ObjectRole:
            return thumbnail
        if role == Qt.ItemDataRole.ToolTipRole:
            return "The primary thumbnail" if thumbnail.is_primary else "Press Space or drop on the person to make it primary"
        return None

    def tile(self, row: int) -> TileLook:
        thumbnail = self.thumbnail_at(row)
        return TileLook(thumbnail.image, thumbnail.is_primary)

    def mimeTypes(self) -> list[str]:
        return [THUMBNAIL_MIME]

    def mimeData(self, indexes):
        rows = sorted(i.row() for i in indexes if i.isValid())
        thumbnail = self.thumbnail_at(rows[0])
        return thumbnail_mime(thumbnail.person_id, thumbnail.id)

    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.LinkAction | Qt.DropAction.CopyAction | Qt.DropAction.MoveAction

    def thumbnail_at(self, row: int) -> Thumbnail:
        return self.store.selected_thumbnails()[row]


class PrimarySlot(QFrame):
    """The selected person's primary thumbnail, large; drop a thumbnail or face on it."""

    dropped = Signal(object)  # payload
    refused = Signal(str)
    SIDE = 132

    def __init__(self, tiles: TileCache, judge: DropJudge, selected: Callable[[], Person | None], parent=None):
        super().__init__(parent)
        self._tiles = tiles
        self._judge = judge
        self._selected = selected  # the store's selected person, read when painting and judging
        self._hover = False
        self.setAcceptDrops(True)
        self.setFixedSize(self.SIDE + 16, self.SIDE + 40)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.setAccessibleName("Primary thumbnail")
        repaint_as_tiles_arrive(tiles, self)

    def show_selection(self) -> None:
        person = self._selected()
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
        person = self._selected()
        ref = person.primary_image if person else None
        draw_image(painter, self._tiles, ref, image, 10, palette)
        if ref is None:
            painter.setPen(legible_on(palette, placeholder(palette)))
            text = "No primary yet:\ndrop a face\nor thumbnail here" if person else "—"
            painter.drawText(image, Qt.AlignmentFlag.AlignCenter, text)
        pen = QPen(accent(palette) if self._hover else palette.color(QPalette.ColorRole.Mid), 3 if self._hover else 1)
        if not self._hover:
            pen.setStyle(Qt.PenStyle.DashLine)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRoundedRect(image.adjusted(-3, -3, 3, 3), 12, 12)
        painter.setPen(palette.color(QPalette.ColorRole.WindowText))  # on the pane's background, not a list's base
        font = QFont(self.font())
        font.setBold(True)
        painter.setFont(font)
        painter.drawText(QRectF(0, self.SIDE + 14, self.width(), 22), Qt.AlignmentFlag.AlignCenter, "Primary")
        painter.end()

    def _judge_event(self, event) -> tuple[Payload | None, str | None]:
        payload = read_payload(event.mimeData())
        if payload is None:
            return None, None
        if self._selected() is None:
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


class FaceTile(QWidget):
    """One face, drawn from the tile cache (a placeholder until its tile comes)."""

    def __init__(self, tiles: TileCache, side: int, parent=None):
        super().__init__(parent)
        self._tiles = tiles
        self.face: Face | None = None
        self.setFixedSize(side, side)
        repaint_as_tiles_arrive(tiles, self)

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        draw_image(painter, self._tiles, self.face.image if self.face else None, QRectF(self.rect()), 8, self.palette())
        painter.end()


class BestPrimary(QFrame):
    """The best of the person's faces as their primary (`Likeness.best_primary`), offered
    while it is not the primary: its tile, why it is the best, and the key that takes it."""

    SIDE = 72
    WIDTH = 128

    def __init__(self, tiles: TileCache, parent=None):
        super().__init__(parent)
        self.candidate: PrimaryCandidate | None = None
        self.face: Face | None = None
        self.title = QLabel("Better primary")
        font = QFont(self.title.font())
        font.setBold(True)
        self.title.setFont(font)
        self.tile = FaceTile(tiles, self.SIDE)
        self.reasons = QLabel()
        self.reasons.setWordWrap(True)
        self.reasons.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self.take = QPushButton("Take it")  # the action's key is added to it
        self.setFixedWidth(self.WIDTH)
        self.setAccessibleName("Best primary")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 6, 2, 2)
        layout.setSpacing(4)
        layout.addWidget(self.title, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(self.tile, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(self.reasons, 1)
        layout.addWidget(self.take)
        self.hide()

    def offer(self, candidate: PrimaryCandidate | None, face: Face | None) -> None:
        """Show this candidate (None: nothing better to offer)."""
        self.candidate = candidate if face is not None else None
        self.face = face
        self.tile.face = face
        if self.candidate is not None:
            self.reasons.setText(", ".join(candidate.reasons))
            self.setToolTip(f"The best of this person's faces as their primary: {', '.join(candidate.reasons)}.")
            self.tile.update()
        self.setVisible(self.candidate is not None)


class ThumbnailsPane(QWidget):
    """The person's name, "Add pictures…", the primary slot and the strip. Where the
    backend keeps no faces the strip wraps and fills the pane: the pictures are all."""

    def __init__(self, model: ThumbnailsModel, tiles: TileCache, judge: DropJudge, faces: bool, parent=None):
        super().__init__(parent)
        self.model = model
        self.heading = heading("")
        self.heading.setMinimumWidth(1)  # a long name is cut, not a reason to squeeze the History pane
        self.primary_slot = PrimarySlot(tiles, judge, lambda: model.store.selected_person)
        self.best = BestPrimary(tiles)
        self.view = TileView(tiles, strip=True)
        self.view.setModel(model)
        self.view.setAccessibleName("Thumbnails")
        self.view.set_tile_size(112)
        self.view.setFixedHeight(self.primary_slot.height())
        self.add_pictures = QPushButton("Add pictures…")
        self.add_pictures.setToolTip("Add pictures from disk as thumbnails of this person (or drop files on them)")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 8, 8, 4)
        header = QHBoxLayout()
        header.addWidget(self.heading, 1)
        header.addWidget(self.add_pictures)
        layout.addLayout(header)
        strip = QHBoxLayout()
        strip.addWidget(self.primary_slot)
        strip.addWidget(self.best)
        strip.addWidget(self.view, 1)
        layout.addLayout(strip)
        if not faces:
            self.view.setWrapping(True)
            self.view.setMaximumHeight(16777215)
            layout.setStretch(1, 1)
            strip.setAlignment(self.primary_slot, Qt.AlignmentFlag.AlignTop)

    def show_selection(self, curator) -> None:
        """The store's selected person: their name, and what their primary slot says."""
        person = self.model.store.selected_person
        self.primary_slot.show_selection()
        backend = curator.backend.display_name
        if person is not None and curator.can(Capability.ONE_IMAGE):
            self.primary_slot.setToolTip(f"{backend} keeps one image per person; it is shown here. Adding a "
                                         "picture replaces it (undo puts the old one back).")
        elif person is not None and not curator.can(Capability.SET_PRIMARY):
            self.primary_slot.setToolTip(f"{backend} has no primary thumbnail: Faceboard shows the first one.")
        self.setVisible(person is not None)  # the unassigned faces have no primary nor thumbnails: room for them
        if person is not None:
            self.heading.setText(person.name + (" · hidden" if person.hidden else ""))
