"""The faces grid's arithmetic layout: where cells are, what a click, a rubber band and
the keys select, that scrolling to the end asks for the next page, and that rows
arriving cost no per-row work (what made QListView stall at 100,000 faces)."""

from PySide6.QtCore import QItemSelectionModel, QPoint, QRect, Qt

from faceboard.domain import BoundingBox, Face, ImageRef, Page
from faceboard.services.images import ImagePipeline
from faceboard.ui.panes.faces import FaceGrid
from faceboard.services.store import Store
from faceboard.ui.panes.faces import FacesModel
from faceboard.ui.tile_cache import TileCache

CELL = 64 + 8


def faces(start, count):
    return tuple(Face(str(i), None, "a", BoundingBox(0, 0, 1, 1), ImageRef(f"k{i}", f"u{i}"))
                 for i in range(start, start + count))


class CountingFaces(FacesModel):
    """FacesModel counting the Python calls Qt makes into `rowCount`."""

    calls = 0

    def rowCount(self, parent=None):
        CountingFaces.calls += 1
        return super().rowCount() if parent is None else super().rowCount(parent)


def make_grid(qtbot, loop, total=500, page=100):
    async def load(scope, cursor, query):
        start = int(cursor or 0)
        end = min(total, start + page)
        return Page(faces(start, end - start), str(end) if end < total else None)

    async def never(uri):  # tiles are not what is tested here: they stay placeholders
        raise AssertionError(uri)

    async def nothing(*_):
        return Page(())

    store = Store(nothing, load, nothing, nothing, loop.create_task, load_person=nothing)
    model = CountingFaces(store)
    tiles = TileCache(ImagePipeline(never, None))
    tiles.pixmap = lambda ref, pixels, rounding=0.0, waiter=None: None
    grid = FaceGrid(tiles)
    grid.setModel(model)
    grid.set_tile_size(64)
    grid.resize(10 * CELL + grid.verticalScrollBar().sizeHint().width() + 2 * grid.frameWidth(), 5 * CELL)
    grid.show()
    qtbot.waitExposed(grid)
    store.select(None)
    qtbot.waitUntil(lambda: model.rowCount() >= page and not model.loading)
    return grid, model


def test_cells_are_where_the_arithmetic_puts_them(qtbot, loop):
    grid, model = make_grid(qtbot, loop)
    assert grid.viewport().width() // CELL == 10
    assert grid.visualRect(model.index(13)) == QRect(3 * CELL, 1 * CELL, CELL, CELL)
    grid.verticalScrollBar().setValue(CELL + 5)
    assert grid.visualRect(model.index(13)) == QRect(3 * CELL, -5, CELL, CELL)
    assert grid.indexAt(QPoint(3 * CELL + 1, 0)).row() == 13
    assert not grid.indexAt(QPoint(10, -1)).isValid()
    grid.verticalScrollBar().setValue(0)
    for row in (0, 9, 10, 57, 99):
        rect = grid.visualRect(model.index(row))
        assert grid.indexAt(rect.center()).row() == row
    assert not grid.indexAt(QPoint(10 * CELL + 1, 10)).isValid()  # right of the last column


def test_clicks_shift_clicks_rubber_bands_and_keys_select(qtbot, loop):
    grid, model = make_grid(qtbot, loop)
    viewport = grid.viewport()
    qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=grid.visualRect(model.index(2)).center())
    assert grid.currentIndex().row() == 2
    qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ShiftModifier,
                     grid.visualRect(model.index(12)).center())
    assert sorted(i.row() for i in grid.selectedIndexes()) == list(range(2, 13))

    start, end = grid.visualRect(model.index(11)).center(), grid.visualRect(model.index(22)).center()
    grid.setState(grid.State.DragSelectingState)  # as a press on empty space and a move make it
    grid.setSelection(QRect(start, end), QItemSelectionModel.SelectionFlag.ClearAndSelect)
    grid.setState(grid.State.NoState)
    assert sorted(i.row() for i in grid.selectedIndexes()) == [11, 12, 21, 22]  # two columns of two lines

    grid.setFocus()
    grid.setCurrentIndex(model.index(5))
    for key, row in ((Qt.Key.Key_Right, 6), (Qt.Key.Key_Down, 16), (Qt.Key.Key_Left, 15), (Qt.Key.Key_Up, 5),
                     (Qt.Key.Key_End, model.rowCount() - 1), (Qt.Key.Key_Home, 0)):
        qtbot.keyClick(grid, key)
        assert grid.currentIndex().row() == row, key
    qtbot.keyClick(grid, Qt.Key.Key_PageDown)
    assert grid.currentIndex().row() == grid.viewport().height() // CELL * 10  # a screenful of lines of ten
    assert grid.verticalScrollBar().value() > 0  # the current cell was scrolled into view


def test_scrolling_to_the_end_fetches_the_next_page(qtbot, loop):
    grid, model = make_grid(qtbot, loop, total=500, page=100)
    assert model.rowCount() == 100
    bar = grid.verticalScrollBar()
    assert bar.maximum() == 10 * CELL - grid.viewport().height()  # ten lines of ten
    bar.setValue(bar.maximum())
    qtbot.waitUntil(lambda: model.rowCount() == 200 and not model.loading)
    qtbot.waitUntil(lambda: bar.maximum() == 20 * CELL - grid.viewport().height())


def test_a_page_arriving_costs_no_per_row_calls(qtbot, loop):
    grid, model = make_grid(qtbot, loop, total=20_000, page=5_000)
    while model.rowCount() < 15_000:
        model.fetchMore()
        qtbot.waitUntil(lambda: not model.loading)
    CountingFaces.calls = 0
    model.fetchMore()
    qtbot.waitUntil(lambda: model.rowCount() == 20_000 and not model.loading)
    qtbot.wait(50)  # the delayed layout and a repaint
    assert CountingFaces.calls < 200  # QListView asked rowCount once per row: 20,000 times


def paint(look, side=128):
    from PySide6.QtCore import QRectF
    from PySide6.QtGui import QColor, QImage, QPainter
    from PySide6.QtWidgets import QStyle, QWidget

    from faceboard.ui.panes.tiles import TileDelegate

    class NoTiles:
        def pixmap(self, *args):
            return None

        def failure(self, ref):
            return None

    image = QImage(side + 8, side + 8, QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    widget = QWidget()
    delegate = TileDelegate(NoTiles())
    delegate.paint_tile(painter, QRectF(0, 0, side + 8, side + 8), look, QStyle.StateFlag.State_None,
                        widget.palette(), widget.font(), delegate.surface(painter, widget.palette(), widget.font()))
    painter.end()
    return image


def colours(image, left, top, width, height):
    return {image.pixelColor(x, y).name() for x in range(left, left + width) for y in range(top, top + height)}


def test_a_face_tile_marks_its_detection_confidence_and_a_photo_gone(qtbot):
    from faceboard.ui.panes.tiles import TileLook

    doubtful = colours(paint(TileLook(None, confidence=0.3)), 100, 10, 28, 10)
    sure = colours(paint(TileLook(None, confidence=0.97)), 100, 10, 28, 10)
    plain = colours(paint(TileLook(None)), 100, 10, 28, 10)
    def amber(found):
        return any(int(c[1:3], 16) > 180 and int(c[5:7], 16) < 90 and int(c[3:5], 16) < 170 for c in found)

    assert amber(doubtful) and not amber(sure) and sure != plain  # amber when doubtful, dark else
    assert colours(paint(TileLook(None, problem=True)), 10, 10, 14, 14) != colours(paint(TileLook(None)), 10, 10, 14, 14)
    assert colours(paint(TileLook(None, confidence=0.3), side=56), 30, 8, 28, 10) == \
        colours(paint(TileLook(None), side=56), 30, 8, 28, 10)  # too small a tile for the mark


def test_a_face_tile_says_its_confidence_and_its_photo_problem(qtbot, loop):
    async def load(scope, cursor, query):
        return Page((Face("1", None, "a", BoundingBox(0, 0, 1, 1), ImageRef("k", "u"), confidence=0.42,
                          photo_problem="moved or deleted since it was imported"),))

    async def nothing(*_):
        return Page(())

    store = Store(nothing, load, nothing, nothing, loop.create_task, load_person=nothing)
    model = FacesModel(store)
    store.select(None)
    qtbot.waitUntil(lambda: model.rowCount() == 1)
    look = model.tile(0)
    assert (look.confidence, look.problem) == (0.42, True)
    tip = model.data(model.index(0), Qt.ItemDataRole.ToolTipRole)
    assert "confidence 42%" in tip and "moved or deleted since it was imported" in tip
