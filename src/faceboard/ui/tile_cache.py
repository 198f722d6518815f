"""Pixmaps for the delegates: a byte-bounded LRU in front of the image pipeline.

A delegate asks for a pixmap while painting; on a miss it gets None (and paints a
placeholder) and the tile is requested. When it arrives, `tileReady` tells the views to
repaint. QImage is made from the pipeline's bytes and QPixmap on the GUI thread only.
"""

from __future__ import annotations

import asyncio
import bisect
import time
from collections import OrderedDict

from PySide6.QtCore import QObject, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QImage, QPainter, QPainterPath, QPixmap

from faceboard.domain import ImageRef
from faceboard.errors import FaceboardError, RateLimited, Unreachable
from faceboard.services.images import ImagePipeline

SIZE_BUCKETS = (48, 64, 96, 128, 160, 192, 256, 320, 384, 512, 640, 768, 1024)  # up to the largest tile on a 2x screen
FRAME_S = 0.016
STILL_MS = 250  # a view that has painted no new tile for this long has stopped on what it shows
SHAPING_PER_FRAME_S = 0.0015  # rounding tiles takes at most this much of a frame
WHOLE_SHARE = 0.25  # of the budget, for tiles drawn whole (the faces grid's, Review's, a strip's)
VARIANTS = 3  # rounded sizes kept of one tile: the people list's, the grid's, one more while zooming
DEFAULT_BUDGET = 128 * 1024 * 1024  # a 128 px tile and its rounded variant: 128 KB; 1,000 tiles, ten screens


def bucket(pixels: float) -> int:
    """Round a wanted size up to a bucket, so zooming reuses what is cached."""
    return SIZE_BUCKETS[min(bisect.bisect_left(SIZE_BUCKETS, pixels), len(SIZE_BUCKETS) - 1)]


class FrameBudget:
    """Time spent on work a paint may leave to the frames after (rounding a tile, drawing
    one whole) in the current frame of FRAME_S: zooming, or a drop that brings 50 new
    faces on screen, would do it all in one paint."""

    def __init__(self):
        self._started, self._spent = 0.0, 0.0

    def allows(self, limit: float) -> bool:
        """Whether this frame may do more, having spent under `limit` (once at least, however slow)."""
        now = time.perf_counter()
        if now - self._started > FRAME_S:
            self._started, self._spent = now, 0.0
        return self._spent < limit or not self._spent

    def spend(self, seconds: float) -> None:
        self._spent += max(1e-9, seconds)


class TileCache(QObject):
    tileReady = Signal(object)  # the set of widgets that painted a placeholder for the tile that came

    def __init__(self, pipeline: ImagePipeline, budget_bytes: int = DEFAULT_BUDGET, parent=None):
        super().__init__(parent)
        self.pipeline = pipeline
        self._budget = budget_bytes
        self._used = 0
        self._pixmaps: OrderedDict[tuple[str, int], QPixmap] = OrderedDict()
        self._pending: dict[tuple[str, int], asyncio.Future] = {}
        self._failed: dict[str, str] = {}  # image key -> why it cannot be shown, at any size
        self._waiting: dict[tuple[str, int], set] = {}  # tile -> the widgets that painted its placeholder
        self._shaped: dict[tuple[str, int], dict[float, QPixmap]] = {}  # rounded variants of a pixmap
        self._whole: OrderedDict[tuple, QPixmap] = OrderedDict()  # tiles drawn whole, by what they show
        self._whole_used = 0
        self._closed = False
        self._rounding = FrameBudget()
        self._later = _Repaints(self, round(FRAME_S * 1000), restarted=False)  # see `repaint_later`
        self._still = _Repaints(self, STILL_MS, restarted=True)  # see `repaint_when_still`

    def pixmap(self, ref: ImageRef, pixels: float, rounding: float = 0.0, waiter=None) -> QPixmap | None:
        """The image as a square, its corners rounded by `rounding` (a fraction of the side;
        0.5 is a circle), ready to draw without clipping; None until it has arrived. A
        rounded one is `pixels` wide exactly, scaled once: drawn 1:1 it is a plain copy,
        where a painter scaling it smoothly took 0.4 ms a tile on every repaint. `waiter`,
        the widget painting, is told (`tileReady`) when the missing tile comes: only it
        repaints, not every view (the people list repainted for each batch of faces)."""
        key = (ref.key, bucket(pixels))
        found = self._pixmaps.get(key)
        if found is None:
            if waiter is not None and ref.key not in self._failed:
                self._waiting.setdefault(key, set()).add(waiter)
            if key not in self._pending and ref.key not in self._failed and not self._closed:
                future = self._pending[key] = self.pipeline.request(ref, key[1])
                future.add_done_callback(lambda done: self._arrived(key, done))
            return None
        self._pixmaps.move_to_end(key)
        if not rounding:
            return found
        variants = self._shaped.setdefault(key, {})
        shape = (rounding, max(1, round(pixels)))
        shaped = variants.get(shape)
        if shaped is None:  # made once, so painting a tile is one drawPixmap
            if not self._rounding.allows(SHAPING_PER_FRAME_S):  # enough for this frame: the square stands in
                self.repaint_later(waiter)
                return found
            started = time.perf_counter()
            shaped = variants[shape] = _rounded_square(found, *shape)
            self._rounding.spend(time.perf_counter() - started)
            self._used += _cost(shaped)
            if len(variants) > VARIANTS:  # zooming leaves sizes no longer shown
                self._used -= _cost(variants.pop(next(iter(variants))))
            self._evict()
        return shaped

    def repaint_later(self, waiter) -> None:
        """Repaint `waiter` in a frame or so (`tileReady`): it drew a stand-in for work
        this frame had no time left for."""
        self._later.ask(waiter)

    def repaint_when_still(self, widget) -> None:
        """Repaint `widget` once nothing has been painted for the first time for STILL_MS:
        the tiles a view stops on are then drawn whole (a tile painted once is not: it may
        be scrolled past), and the repaint after a drop is copies."""
        self._still.ask(widget)

    def cached(self, ref: ImageRef) -> QPixmap | None:
        """The largest pixmap of `ref` already here, whatever its size; asks for nothing
        (a drag's picture is made at once, from the tiles on screen)."""
        sizes = [size for size in reversed(SIZE_BUCKETS) if (ref.key, size) in self._pixmaps]
        return self._pixmaps[(ref.key, sizes[0])] if sizes else None

    async def aclose(self) -> None:
        """Cancel every request under way and let the pipeline stop, before the loop ends."""
        self._closed = True  # a window painting while it closes asks for nothing more
        self._later.stop()
        self._still.stop()
        for future in list(self._pending.values()):
            future.cancel()
        await self.pipeline.aclose()

    def failure(self, ref: ImageRef) -> str | None:
        """Why the image cannot be shown (for its placeholder and tooltip); None if it can."""
        return self._failed.get(ref.key)

    def drop_pending(self) -> None:
        """Forget requests not yet started: the tiles they were for scrolled or switched away."""
        self.pipeline.drop_pending()

    def _arrived(self, key: tuple[str, int], done: asyncio.Future) -> None:
        self._pending.pop(key, None)
        waiting = self._waiting.pop(key, set())
        if done.cancelled() or self._closed:
            return
        if (error := done.exception()) is not None:
            if not isinstance(error, FaceboardError):
                raise error
            if isinstance(error, (Unreachable, RateLimited)):
                return  # not the picture's fault: asked again when the tile is next painted, back online
            self._failed[key[0]] = error.message
            self.tileReady.emit(waiting)  # repaint: the placeholder now says the image is broken
            return
        pixmap = tile_pixmap(done.result())
        self._pixmaps[key] = pixmap
        self._used += _cost(pixmap)
        self._evict()
        self.tileReady.emit(waiting)

    def whole(self, key: tuple) -> QPixmap | None:
        """A tile a delegate drew whole for what it shows (`key`: all of that), if kept."""
        found = self._whole.get(key)
        if found is not None:
            self._whole.move_to_end(key)
        return found

    def keep_whole(self, key: tuple, pixmap: QPixmap) -> None:
        """Keep a tile drawn whole, within the same budget: at most WHOLE_SHARE of it, the
        rest the images'."""
        self._whole[key] = pixmap
        self._whole_used += _cost(pixmap)
        self._used += _cost(pixmap)
        self._evict()

    def _evict(self) -> None:
        """Tiles drawn whole beyond their share go, the oldest first; then images least
        recently painted, while over the budget. (Whole tiles went first whenever the cache
        was full, as it is after a long scroll: each one made was gone at once, and every
        tile on screen was drawn part by part again at each repaint.)"""
        while self._whole and self._whole_used > self._budget * WHOLE_SHARE:
            self._drop_oldest_whole()
        while self._used > self._budget and len(self._pixmaps) > 1:
            key, pixmap = self._pixmaps.popitem(last=False)
            self._used -= _cost(pixmap) + sum(map(_cost, self._shaped.pop(key, {}).values()))
        while self._whole and self._used > self._budget:
            self._drop_oldest_whole()

    def _drop_oldest_whole(self) -> None:
        _, gone = self._whole.popitem(last=False)
        self._whole_used -= _cost(gone)
        self._used -= _cost(gone)


class _Repaints(QTimer):
    """Widgets to repaint (`tileReady`) when this single-shot timer fires; `restarted`:
    each ask starts it again (fires once the asking stops), else the first ask counts."""

    def __init__(self, cache: TileCache, interval_ms: int, restarted: bool):
        super().__init__(cache)
        self._cache, self._restarted = cache, restarted
        self._widgets: set = set()
        self.setSingleShot(True)
        self.setInterval(interval_ms)
        self.timeout.connect(self._fire)

    def ask(self, widget) -> None:
        if widget is None:
            return
        self._widgets.add(widget)
        if self._restarted or not self.isActive():
            self.start()

    def _fire(self) -> None:
        widgets, self._widgets = self._widgets, set()
        if not self._cache._closed:  # the window closing is gone, and its views with it
            self._cache.tileReady.emit(widgets)


def _cost(pixmap: QPixmap) -> int:
    return pixmap.width() * pixmap.height() * 4


def _rounded_square(pixmap: QPixmap, rounding: float, side: int) -> QPixmap:
    """The centre square of `pixmap`, scaled smoothly to `side`, with transparent rounded corners."""
    square = min(pixmap.width(), pixmap.height())
    shaped = QPixmap(side, side)
    shaped.fill(Qt.GlobalColor.transparent)
    painter = QPainter(shaped)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    path = QPainterPath()
    path.addRoundedRect(QRectF(0, 0, side, side), side * rounding, side * rounding)
    painter.setClipPath(path)
    source = QRectF((pixmap.width() - square) / 2, (pixmap.height() - square) / 2, square, square)
    painter.drawPixmap(QRectF(0, 0, side, side), pixmap, source)
    painter.end()
    return shaped


def tile_pixmap(tile) -> QPixmap:
    """A decoded tile (`imaging.Tile`: RGB bytes) as a pixmap. The image is copied off
    the tile's bytes first: a pixmap may share an image's buffer, and the tile goes."""
    image = QImage(tile.rgb, tile.width, tile.height, 3 * tile.width, QImage.Format.Format_RGB888).copy()
    return QPixmap.fromImage(image)
