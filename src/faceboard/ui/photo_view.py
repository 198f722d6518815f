"""The photo a face came from, in place of the thumbnails and faces: `PhotoPage` (its
heading, controls and the problem that keeps it from showing) around `PhotoView`, a
QGraphicsView whose scene is the photo in its own pixels, with a `FaceBox` on each face.

The picture is decoded off the GUI thread by the image pipeline, at the size the screen
needs (a larger one when zooming in asks for it); the GUI thread only makes the QPixmap.
Changes go through the session like any other (undoable): a box drawn on the photo is
a new face, Delete removes the selected boxes' faces, M or a box dropped on a person
assigns them. The boxes follow the store at once (a prediction), and the photo is read
again when a change's round ends.
"""

from __future__ import annotations

import asyncio

from PySide6.QtCore import QPoint, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import (
    QBrush, QColor, QDrag, QFont, QFontMetricsF, QKeySequence, QPainter, QPainterPath, QPalette, QPen, QPixmap, QShortcut,
)
from PySide6.QtWidgets import (
    QApplication,
    QGraphicsItem,
    QGraphicsPixmapItem,
    QGraphicsRectItem,
    QGraphicsScene,
    QGraphicsView,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from faceboard.domain import BoundingBox, Capability, Face, Photo, count
from faceboard.errors import FaceboardError
from faceboard.ui.mime import faces_mime
from faceboard.ui.panes import heading
from faceboard.ui.panes.tiles import accent
from faceboard.ui.tile_cache import tile_pixmap

DECODE_SIDES = (1024, 2048, 4096, 8192)  # the photo is decoded to the first that covers the screen's need
ZOOM_STEP = 1.25
MAX_ZOOM = 8.0  # screen pixels per photo pixel
MIN_BOX = 12  # screen pixels: a smaller drag is a click, not a face drawn
MIN_NAMED_BOX = 40  # screen pixels: a smaller box's name shows only when it is selected or under the mouse
UNASSIGNED_COLOR = QColor(236, 140, 28)
DRAWN_COLOR = QColor(120, 200, 80)


class FaceLabel(QGraphicsItem):
    """A box's name tag, above it, the same size at any zoom, the whole name: wider than a
    small box, it reaches past it; it is kept on the part of the photo on screen (moved
    left from the right edge, below the top one) by `keep_on`."""

    def __init__(self, parent: QGraphicsItem):
        super().__init__(parent)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.text, self.color = "", accent(QApplication.palette())
        self._font = QFont(QApplication.font())
        self._font.setBold(True)
        self._metrics = QFontMetricsF(self._font)

    def set_text(self, text: str, color: QColor) -> None:
        self.prepareGeometryChange()
        self.text, self.color = text, color
        self.update()

    def boundingRect(self) -> QRectF:
        width = self._metrics.horizontalAdvance(self.text) + 12
        height = self._metrics.height()
        return QRectF(0, -height - 6, width, height + 4)

    def keep_on(self, visible: QRectF, scale: float) -> None:
        """Place the tag at its box's top left corner, moved as little as keeps it inside
        `visible` (the scene's part on screen); `scale`: screen pixels per scene pixel."""
        box = self.parentItem()
        rect = self.boundingRect()
        width, above = rect.width() / scale, -rect.top() / scale
        corner = box.scenePos()
        left = max(visible.left(), min(corner.x(), visible.right() - width))
        top = max(corner.y(), visible.top() + above)  # under the screen's top edge: down, over the box
        self.setPos(left - corner.x(), top - corner.y())

    def paint(self, painter: QPainter, option, widget=None) -> None:
        rect = self.boundingRect()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(self.color)
        painter.drawRoundedRect(rect, 4, 4)
        painter.setPen(QColor(20, 20, 20) if self.color.lightness() > 140 else QColor("white"))
        painter.setFont(self._font)
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, self.text)


class FaceBox(QGraphicsRectItem):
    """One face on the photo: its box and its person's name ("Unassigned" marked apart)."""

    def __init__(self, face: Face):
        box = face.box
        super().__init__(0, 0, box.width, box.height)
        self.setPos(box.x, box.y)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable)
        self.setAcceptHoverEvents(True)
        self.face = face
        self._margin = 0.0  # room for the pens drawn around the box, in the photo's pixels
        self._scale = 1.0  # screen pixels per photo pixel
        self._hovered = False
        self.label = FaceLabel(self)
        self.setZValue(1)

    def itemChange(self, change, value):
        if change == QGraphicsItem.GraphicsItemChange.ItemSelectedHasChanged:
            self._fit_label()
        return super().itemChange(change, value)

    def _fit_label(self) -> None:
        """Names of small boxes side by side would cover each other and the faces: such a
        box names its person only when selected or hovered (and in its tooltip)."""
        on_screen = self.rect().width() * self._scale
        self.label.setVisible(self.isSelected() or self._hovered or on_screen >= MIN_NAMED_BOX)
        self.setZValue(3 if self._hovered else 2 if self.isSelected() else 1)  # its whole name above its neighbours

    def hoverEnterEvent(self, event) -> None:
        self._hovered = True
        self._fit_label()
        super().hoverEnterEvent(event)

    def hoverLeaveEvent(self, event) -> None:
        self._hovered = False
        self._fit_label()
        super().hoverLeaveEvent(event)

    def fit_pens(self, scale: float) -> None:
        """Keep room for the box's pens (screen pixels wide) at `scale`: Qt paints an item
        only inside its bounding rectangle."""
        self.prepareGeometryChange()
        self._scale = scale
        self._margin = 5 / max(scale, 1e-6)
        self._fit_label()

    def boundingRect(self) -> QRectF:
        m = self._margin
        return self.rect().adjusted(-m, -m, m, m)

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        path.addRect(self.rect())
        return path

    def show_person(self, face: Face, name: str | None) -> None:
        """The face as the store has it now, and its person's name (None: unassigned)."""
        self.face = face
        color = UNASSIGNED_COLOR if face.person_id is None else accent(QApplication.palette())
        text = "Unassigned" if face.person_id is None else name or "…"
        self.label.set_text(text, color)
        sure = "" if face.confidence is None else f", detection confidence {face.confidence:.0%}"
        self.setToolTip(f"Face {face.id}: {text}{sure}. Drag it onto a person to assign it; "
                        "Delete removes a false detection.")
        self.update()

    def paint(self, painter: QPainter, option, widget=None) -> None:
        color = self.label.color
        selected = self.isSelected()
        if selected:  # a light halo: the selected box stands out on dark and light photos alike
            halo = QPen(QColor(255, 255, 255, 220), 7)
            halo.setCosmetic(True)
            painter.setPen(halo)
            painter.setBrush(QBrush(QColor(255, 255, 255, 40)))
            painter.drawRect(self.rect())
        pen = QPen(color, 3 if selected else 2)
        pen.setCosmetic(True)  # the same width at any zoom
        if self.face.person_id is None:
            pen.setStyle(Qt.PenStyle.DashLine)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(self.rect())


class PhotoView(QGraphicsView):
    """The photo fitted to the view; the wheel (or Ctrl++ / Ctrl+-) zooms, a middle-button
    drag (or Space and drag) pans, a drag on the photo draws a box, a drag from a box
    carries its face to a person."""

    drawn = Signal(object)  # a BoundingBox in the photo's pixels
    zoomed = Signal()
    needsSharper = Signal(float)  # photo pixels needed along its longer side

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setScene(QGraphicsScene(self))
        self.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.SmoothPixmapTransform)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setBackgroundBrush(QColor(38, 38, 42))
        self.setFrameShape(QGraphicsView.Shape.NoFrame)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAccessibleName("Photo")
        self.picture = QGraphicsPixmapItem()
        self.picture.setTransformationMode(Qt.TransformationMode.SmoothTransformation)
        self.scene().addItem(self.picture)
        self.boxes: dict[str, FaceBox] = {}
        self.fitted = True
        self._size = (0, 0)
        self._press: QPoint | None = None
        self._pressed_box: FaceBox | None = None
        self._drawing: QGraphicsRectItem | None = None
        self._pan_from: QPoint | None = None
        self._space = False

    # -- what it shows --------------------------------------------------------------

    def set_photo(self, width: int, height: int) -> None:
        """A new photo of `width` × `height`: no picture yet, no boxes, fitted."""
        for box in self.boxes.values():
            self.scene().removeItem(box)
        self.boxes.clear()
        self.picture.setPixmap(QPixmap())
        self._size = (width, height)
        self.scene().setSceneRect(0, 0, width, height)
        self.fit()

    def set_picture(self, pixmap: QPixmap) -> None:
        """The decoded photo (any size): scaled to cover the photo's pixels."""
        self.picture.setPixmap(pixmap)
        if pixmap.width():
            self.picture.setScale(self._size[0] / pixmap.width())

    def set_faces(self, faces: list[Face]) -> None:
        """The boxes, one per face; a box whose face is still there keeps its selection."""
        wanted = {face.id: face for face in faces}
        for face_id in [f for f in self.boxes if f not in wanted]:
            self.scene().removeItem(self.boxes.pop(face_id))
        for face in faces:
            box = self.boxes.get(face.id)
            if box is None or box.face.box != face.box:
                selected = box is not None and box.isSelected()
                if box is not None:
                    self.scene().removeItem(box)
                box = self.boxes[face.id] = FaceBox(face)
                box.fit_pens(self.scale_now())
                self.scene().addItem(box)
                box.setSelected(selected)
        self.keep_labels()

    def selected_ids(self) -> list[str]:
        return [box.face.id for box in self.boxes.values() if box.isSelected()]

    def select(self, face_ids: list[str]) -> None:
        self.scene().clearSelection()
        for face_id in face_ids:
            if (box := self.boxes.get(face_id)) is not None:
                box.setSelected(True)

    def drawBackground(self, painter: QPainter, rect: QRectF) -> None:
        """Until the picture comes (or when it cannot), the photo's frame: its boxes sit on it."""
        super().drawBackground(painter, rect)
        if self._size[0] and self.picture.pixmap().isNull():
            pen = QPen(QColor(110, 110, 118), 1)
            pen.setCosmetic(True)
            painter.setPen(pen)
            painter.setBrush(QColor(58, 58, 64))
            painter.drawRect(self.scene().sceneRect())

    # -- zoom and pan ---------------------------------------------------------------

    def scale_now(self) -> float:
        """Screen pixels per photo pixel."""
        return self.transform().m11()

    def _fit_scale(self) -> float:
        """The scale at which the whole photo fills the view (no scroll bars then)."""
        area = self.maximumViewportSize()
        return min(area.width() / self._size[0], area.height() / self._size[1])

    def fit(self) -> None:
        self.fitted = True
        if self._size[0] and self.viewport().width() > 1:
            scale = self._fit_scale()
            self.resetTransform()
            self.scale(scale, scale)
            self.centerOn(self.scene().sceneRect().center())
        self._zoomed()

    def zoom(self, steps: float, anchor: QPoint | None = None) -> None:
        """Zoom by ZOOM_STEP per step, around the mouse (`anchor`, viewport pixels) or the
        centre; never smaller than the photo fitted."""
        if not self._size[0]:
            return
        fit_scale = self._fit_scale()
        wanted = min(MAX_ZOOM, self.scale_now() * ZOOM_STEP ** steps)
        if wanted <= fit_scale * 1.001:
            self.fit()
            return
        if anchor is None:
            self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        factor = wanted / self.scale_now()
        self.scale(factor, factor)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.fitted = False
        self._zoomed()

    def _zoomed(self) -> None:
        for box in self.boxes.values():
            box.fit_pens(self.scale_now())
        self.keep_labels()
        self.zoomed.emit()
        ratio = self.devicePixelRatioF()
        self.needsSharper.emit(max(self._size) * self.scale_now() * ratio)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self.fitted:
            self.fit()
        self.keep_labels()

    def scrollContentsBy(self, dx: int, dy: int) -> None:
        super().scrollContentsBy(dx, dy)
        self.keep_labels()

    def keep_labels(self) -> None:
        """Every name tag on the part of the photo on screen, whole."""
        visible = self.mapToScene(self.viewport().rect()).boundingRect()
        for box in self.boxes.values():
            box.label.keep_on(visible, self.scale_now())

    def wheelEvent(self, event) -> None:
        steps = event.angleDelta().y() / 120
        if steps:
            self.zoom(steps, event.position().toPoint())
        event.accept()

    # -- the mouse: select, drag a box away, draw a new one, pan -----------------------

    def _box_at(self, pos: QPoint) -> FaceBox | None:
        for item in self.items(pos):
            while item is not None and not isinstance(item, FaceBox):
                item = item.parentItem()
            if item is not None:
                return item
        return None

    def _panning(self, event) -> bool:
        return event.button() == Qt.MouseButton.MiddleButton or (
            event.button() == Qt.MouseButton.LeftButton and self._space)

    def mousePressEvent(self, event) -> None:
        self.setFocus()
        pos = event.position().toPoint()
        if self._panning(event):
            self._pan_from = pos
            self.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)
            return
        if event.button() != Qt.MouseButton.LeftButton:
            return super().mousePressEvent(event)
        self._press, self._pressed_box = pos, self._box_at(pos)
        if self._pressed_box is None:
            if not event.modifiers() & Qt.KeyboardModifier.ControlModifier:
                self.scene().clearSelection()
            return
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self._pressed_box.setSelected(not self._pressed_box.isSelected())
        elif not self._pressed_box.isSelected():
            self.select([self._pressed_box.face.id])

    def mouseMoveEvent(self, event) -> None:
        pos = event.position().toPoint()
        if self._pan_from is not None:
            delta, self._pan_from = pos - self._pan_from, pos
            self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() - delta.x())
            self.verticalScrollBar().setValue(self.verticalScrollBar().value() - delta.y())
            return
        if self._press is None or (pos - self._press).manhattanLength() < QApplication.startDragDistance():
            return super().mouseMoveEvent(event)
        if self._pressed_box is not None:
            self._press, box = None, self._pressed_box
            self._drag(box)
            return
        if self._drawing is None:
            self._drawing = QGraphicsRectItem()
            pen = QPen(DRAWN_COLOR, 2, Qt.PenStyle.DashLine)
            pen.setCosmetic(True)
            self._drawing.setPen(pen)
            self._drawing.setZValue(2)
            self.scene().addItem(self._drawing)
        self._drawing.setRect(self._drawn_rect(pos))

    def mouseReleaseEvent(self, event) -> None:
        if self._pan_from is not None:
            self._pan_from = None
            self.viewport().unsetCursor()
            return
        drawing, self._drawing, self._press, self._pressed_box = self._drawing, None, None, None
        if drawing is None:
            return super().mouseReleaseEvent(event)
        rect = drawing.rect()
        self.scene().removeItem(drawing)
        if min(rect.width(), rect.height()) * self.scale_now() >= MIN_BOX:
            self.drawn.emit(BoundingBox(round(rect.x()), round(rect.y()), round(rect.width()), round(rect.height())))

    def _drawn_rect(self, pos: QPoint) -> QRectF:
        """From the press to `pos`, in photo pixels, kept on the photo."""
        rect = QRectF(self.mapToScene(self._press), self.mapToScene(pos)).normalized()
        return rect.intersected(self.scene().sceneRect())

    def _drag(self, box: FaceBox) -> None:
        """Carry the selected boxes' faces, as a face tile does (a plain call from a mouse
        event, never a coroutine: QDrag.exec runs a nested event loop)."""
        ids = self.selected_ids() or [box.face.id]
        drag = QDrag(self)
        drag.setMimeData(faces_mime(ids, box.face.person_id))
        if not (picture := self._crop(box)).isNull():
            drag.setPixmap(picture)
            drag.setHotSpot(QPoint(picture.width() // 2, picture.height() // 2))
        drag.exec(Qt.DropAction.MoveAction, Qt.DropAction.MoveAction)

    def _crop(self, box: FaceBox) -> QPixmap:
        """The face as the photo shows it, 72 px: what the hand carries."""
        pixmap = self.picture.pixmap()
        if pixmap.isNull():
            return pixmap
        ratio = pixmap.width() / self._size[0]
        r = box.face.box
        cut = pixmap.copy(round(r.x * ratio), round(r.y * ratio), max(1, round(r.width * ratio)),
                          max(1, round(r.height * ratio)))
        return cut.scaled(72, 72, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation)

    def focusNextPrevChild(self, forward: bool) -> bool:
        """Tab and Shift+Tab go from box to box, left to right (Escape leaves the photo)."""
        boxes = sorted(self.boxes.values(), key=lambda b: (b.face.box.x, b.face.box.y))
        if not boxes:
            return super().focusNextPrevChild(forward)
        chosen = [i for i, box in enumerate(boxes) if box.isSelected()]
        at = (chosen[-1] + 1 if forward else chosen[0] - 1) if chosen else (0 if forward else -1)
        box = boxes[at % len(boxes)]
        self.select([box.face.id])
        self.ensureVisible(box)
        return True

    def keyPressEvent(self, event) -> None:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space = True
            self.viewport().setCursor(Qt.CursorShape.OpenHandCursor)
            return
        super().keyPressEvent(event)

    def keyReleaseEvent(self, event) -> None:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space = False
            self.viewport().unsetCursor()
            return
        super().keyReleaseEvent(event)


class PhotoPage(QWidget):
    """The photo view with its heading, zoom buttons and the way back; the session reads
    the photo and sends the changes made on it."""

    closed = Signal()  # Escape or the Back button: the faces grid again
    boxesSelected = Signal()  # the boxes selected changed (the actions offered follow)

    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.session = session
        self.photo: Photo | None = None
        self.asset_id: str | None = None  # the photo opened (read, or being read)
        self.names: dict[str, str] = {}
        self._decoded = 0  # the longer side of the picture shown, in pixels
        self._wanted = 0  # the longer side asked of the pipeline, on its way
        self._request: asyncio.Future | None = None
        self.heading = heading("Photo")
        self.hint = QLabel("Drag: add a face · Delete: remove a box · M or a drop on a person: assign")
        self.hint.setToolTip("Drag on the photo around a face it missed to add it; select a box and press Delete "
                             "to remove a false detection; press M, or drag a box onto a person, to assign it. "
                             "Tab goes from box to box. The wheel zooms, the middle button (or Space and drag) pans.")
        self.hint.setForegroundRole(QPalette.ColorRole.PlaceholderText)  # a hint, not content: greyed, yet readable
        self.hint.setWordWrap(True)  # two lines in a narrow window, rather than a window that cannot be narrow
        # a long heading ("Photo 12 · 13 faces, 2 unassigned") is cut, not widening the window's least width
        self.heading.setSizePolicy(QSizePolicy.Policy.Ignored, self.heading.sizePolicy().verticalPolicy())
        self.back = self._button("← Faces", "Back to the faces (Escape)")
        self.zoom_out = self._button("−", "Zoom out (Ctrl+-, the wheel)")
        self.fit_button = self._button("Fit", "Fit the photo to the window (Ctrl+0)")
        self.zoom_in = self._button("+", "Zoom in (Ctrl++, the wheel)")
        self.zoom_label = QLabel()
        self.zoom_label.setMinimumWidth(44)
        self.problem = QLabel()  # why the photo cannot be shown: it moved, it is gone, it is damaged
        self.problem.setWordWrap(True)
        self.problem.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.problem.setStyleSheet(".QLabel { color: #b07000; font-weight: bold; padding: 24px }")
        self.problem.hide()
        self.view = PhotoView()
        header = QHBoxLayout()
        header.addWidget(self.back)
        header.addWidget(self.heading, 1)
        for widget in (self.zoom_out, self.zoom_label, self.zoom_in, self.fit_button):
            header.addWidget(widget)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 8, 8)
        layout.addLayout(header)
        layout.addWidget(self.hint)
        layout.addWidget(self.problem)
        layout.addWidget(self.view, 1)
        self.back.clicked.connect(self.closed.emit)
        self.zoom_in.clicked.connect(lambda: self.view.zoom(1))
        self.zoom_out.clicked.connect(lambda: self.view.zoom(-1))
        self.fit_button.clicked.connect(self.view.fit)
        self.view.zoomed.connect(self._show_zoom)
        self.view.needsSharper.connect(self._sharpen)
        self.view.drawn.connect(self._drawn)
        back = QShortcut(QKeySequence("Escape"), self)
        back.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        back.activated.connect(self.closed.emit)
        self._relabel = QTimer(self)
        self._relabel.setSingleShot(True)
        self._relabel.timeout.connect(self._show_people)
        # a timer between the scene and the window: the scene also says so while it is destroyed
        selected = QTimer(self)
        selected.setSingleShot(True)
        selected.timeout.connect(self.boxesSelected.emit)
        self.view.scene().selectionChanged.connect(selected.start)
        session.sent.connect(self._reread)

    @staticmethod
    def _button(text: str, tip: str) -> QToolButton:
        button = QToolButton()
        button.setText(text)
        button.setToolTip(tip)
        button.setAutoRaise(True)
        return button

    # -- opening --------------------------------------------------------------------

    def open(self, face: Face) -> None:
        """Show the photo `face` came from, fitted, that face's box selected."""
        if self.asset_id is None:
            self.session.store.listen(self._hear)
        self.photo, self.names, self.asset_id = None, {}, face.asset_id
        self._decoded = self._wanted = 0
        self._cancel_request()
        self.heading.setText(f"Photo {face.asset_id}")
        self._show_problem(face.photo_problem)
        self.view.set_photo(0, 0)
        self.view.setFocus()
        self.session.spawn(self._read(face.asset_id, [face.id]))

    def close_photo(self) -> None:
        if self.asset_id is not None:
            self.session.store.unlisten(self._hear)
        self._cancel_request()
        self.photo = self.asset_id = None
        self.view.set_photo(0, 0)

    def _hear(self, _event) -> None:
        self._relabel.start(0)  # once for the many events of one change

    def _reread(self) -> None:
        """A change's round ended: the photo as the backend has it now (faces drawn or deleted)."""
        if self.photo is not None and self.isVisible():
            self.session.spawn(self._read(self.photo.asset_id, self.view.selected_ids()))

    async def _read(self, asset_id: str, selected: list[str]) -> None:
        try:
            photo, names = await self.session.photo(asset_id)
        except FaceboardError as error:
            if asset_id == self.asset_id:
                self._show_problem(f"This photo cannot be shown: {error.message}")
            return
        if asset_id != self.asset_id:
            return  # closed, or another photo opened meanwhile
        first = self.photo is None
        self.photo, self.names = photo, names
        if first:
            self.view.set_photo(photo.width, photo.height)
        self.view.set_faces(list(photo.faces))
        if first:
            self.view.select(selected)
        self._show_people()
        self._show_problem(photo.problem)
        if not photo.problem:
            self._sharpen(max(photo.width, photo.height) * self.view.scale_now() * self.view.devicePixelRatioF())

    def _show_problem(self, problem: str | None) -> None:
        self.problem.setText(problem or "")
        self.problem.setVisible(bool(problem))

    def _show_people(self) -> None:
        """Each box with its person's name, as the store has the face now (a move shows at
        once; the backend's answer follows)."""
        if self.photo is None:
            return
        store = self.session.store
        unassigned = 0
        for box in self.view.boxes.values():
            face = store.faces.get(box.face.id, box.face)
            person = store.people.get(face.person_id) if face.person_id else None
            box.show_person(face, person.name if person else self.names.get(face.person_id or ""))
            unassigned += face.person_id is None
        self.view.keep_labels()  # a longer name may reach the screen's edge now
        faces = len(self.view.boxes)
        counted = count(faces, "face") + (f", {unassigned:,} unassigned" if unassigned else "")
        self.heading.setText(f"Photo {self.photo.asset_id} · {counted}")

    def _show_zoom(self) -> None:
        self.zoom_label.setText(f"{self.view.scale_now():.0%}")

    # -- the picture, decoded off the GUI thread -------------------------------------

    def _sharpen(self, needed: float) -> None:
        """Ask for the picture at the first decode size that covers `needed` pixels, if
        the one shown (or on its way) is smaller and the photo has more."""
        photo = self.photo
        if photo is None or photo.problem:
            return
        longest = max(photo.width, photo.height)
        side = next((s for s in DECODE_SIDES if s >= needed), DECODE_SIDES[-1])
        side = min(side, longest) if longest else side
        if side <= max(self._decoded, self._wanted):
            return
        self._cancel_request()
        self._wanted = side
        request = self._request = self.session.tiles.pipeline.request(photo.image, side, cached=False)
        request.add_done_callback(lambda done: self._arrived(done, photo.asset_id, side))

    def _arrived(self, done: asyncio.Future, asset_id: str, side: int) -> None:
        if done is self._request:
            self._request, self._wanted = None, 0
        if done.cancelled() or self.photo is None or self.photo.asset_id != asset_id:
            return
        if (error := done.exception()) is not None:
            if not isinstance(error, FaceboardError):
                raise error
            self._show_problem(f"This photo cannot be shown: {error.message}")
            return
        self._decoded = side
        self.view.set_picture(tile_pixmap(done.result()))

    def _cancel_request(self) -> None:
        if self._request is not None:
            self._request.cancel()
            self._request, self._wanted = None, 0

    # -- changes --------------------------------------------------------------------

    def _drawn(self, box: BoundingBox) -> None:
        if self.photo is None:
            return
        if why := self.session.curator.why_not(Capability.DRAW_FACES):
            self.session.problem.emit(why)
            return
        self.session.add_face(self.photo.asset_id, box)

    def selected_ids(self) -> list[str]:
        return self.view.selected_ids()
