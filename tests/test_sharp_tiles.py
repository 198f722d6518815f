"""At the largest tile size a tile is decoded to the pixels it is shown with (and twice
that on a 2x screen), smoothly scaled up when the face is small: never stretched by the
painter."""

from PySide6.QtCore import QRectF
from PySide6.QtGui import QImage, QPainter
from ui_helpers import select_person

from faceboard.ui.panes.faces import TILE_SIZES
from faceboard.ui.panes.tiles import draw_image


def test_the_largest_tiles_are_decoded_to_the_size_they_are_shown(qtbot, app_window):
    window = app_window
    select_person(qtbot, window, None)
    window.faces_pane.zoom.setValue(TILE_SIZES[1])
    grid, tiles = window.faces_view, window.session.tiles
    image = window.session.faces.tile(0).image
    shown = grid.visualRect(window.session.faces.index(0)).width() - 8
    assert shown >= TILE_SIZES[1] * 0.8
    qtbot.waitUntil(lambda: tiles.cached(image) is not None and tiles.cached(image).width() >= shown, timeout=10000)


def test_on_a_2x_screen_a_tile_is_decoded_at_twice_its_size(qtbot, app_window):
    window = app_window
    tiles = window.session.tiles
    image = window.session.faces.tile(1).image
    side = 400  # the largest tile, a little more where it grows to fill the width
    canvas = QImage(2 * side, 2 * side, QImage.Format.Format_ARGB32)
    canvas.setDevicePixelRatio(2.0)

    def paint() -> bool:
        painter = QPainter(canvas)
        draw_image(painter, tiles, image, QRectF(0, 0, side, side), 8, window.palette())
        painter.end()
        found = tiles.cached(image)
        return found is not None and found.width() >= 2 * side

    qtbot.waitUntil(paint, timeout=10000)
