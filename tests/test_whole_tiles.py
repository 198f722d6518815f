"""A tile is drawn whole once for what it shows and copied on each repaint: it shows
the view's background in its corners, its selection as it changes, and a repaint of
tiles already drawn draws none again."""

import pytest
from PySide6.QtCore import QItemSelectionModel
from ui_helpers import select_person

from faceboard.ui import tile_cache
from faceboard.ui.panes import tiles


@pytest.fixture(autouse=True)
def no_frame_budget(monkeypatch):
    """Every tile painted again is drawn whole at once (on a busy machine a few a frame
    would be, the rest in the frames after)."""
    monkeypatch.setattr(tiles, "WHOLE_PER_FRAME_S", 1.0)


def shown_tiles(qtbot, window):
    """The grid with the unassigned faces, every tile on screen arrived, rounded, drawn whole."""
    select_person(qtbot, window, None)
    grid, cache, faces = window.faces_view, window.session.tiles, window.session.faces
    rows = grid._visible_rows(grid.viewport().rect())
    side = grid._cell() - 8

    def rounded(row: int) -> bool:
        image = faces.tile(row).image.key
        return any(key[0] == image and any(shape[1] == side for shape in variants)
                   for key, variants in cache._shaped.items())

    qtbot.waitUntil(lambda: all(rounded(row) for row in rows), timeout=15000)
    grid.viewport().repaint()
    grid.viewport().repaint()  # painted a second time as they look: drawn whole (no budget: see the fixture)
    return grid


def test_a_repaint_of_tiles_already_drawn_draws_none_again(qtbot, app_window):
    grid = shown_tiles(qtbot, app_window)
    kept = app_window.session.tiles._whole
    drawn = dict(kept)
    grid.viewport().repaint()
    assert drawn and kept.keys() == drawn.keys()
    assert all(kept[key] is tile for key, tile in drawn.items())


def test_a_tile_shows_the_background_in_its_corners_and_its_selection_as_it_changes(qtbot, app_window):
    grid = shown_tiles(qtbot, app_window)
    viewport = grid.viewport()
    rect = grid.visualRect(app_window.session.faces.index(0)).adjusted(4, 4, -4, -4)
    background = viewport.palette().color(viewport.backgroundRole())
    edge = rect.center().x(), rect.top() + 2  # on the selection ring, inside the image
    before = viewport.grab().toImage()
    assert before.pixelColor(rect.topLeft()) == background  # a rounded corner: the view behind it
    grid.selectionModel().select(app_window.session.faces.index(0), QItemSelectionModel.SelectionFlag.ClearAndSelect)
    viewport.repaint()
    selected = viewport.grab().toImage()
    assert selected.pixelColor(*edge) != before.pixelColor(*edge)
    assert selected.pixelColor(rect.topLeft()) == background
    grid.selectionModel().clearSelection()
    viewport.repaint()
    assert viewport.grab().toImage().pixelColor(*edge) == before.pixelColor(*edge)


def test_tiles_drawn_whole_take_a_share_of_the_tile_cache_budget_and_stay_when_it_is_full(qtbot, loop):
    from PySide6.QtGui import QPixmap

    from faceboard.services.images import ImagePipeline
    from faceboard.ui.tile_cache import WHOLE_SHARE, TileCache

    async def never(_uri):
        raise AssertionError("nothing is read")

    side = 64
    cost = side * side * 4
    cache = TileCache(ImagePipeline(never, None), budget_bytes=10 * cost)
    for at in range(5):
        cache.keep_whole(("look", at), QPixmap(side, side))
    kept = int(10 * WHOLE_SHARE)  # the rest of the budget is the tiles' own
    assert [key[1] for key in cache._whole] == list(range(5 - kept, 5))  # the oldest gone
    assert cache._used == cache._whole_used == kept * cost
    assert cache.whole(("look", 0)) is None and cache.whole(("look", 4)) is not None
    for at in range(10 - kept):  # images fill the rest, as after a long scroll
        cache._pixmaps[("image", at)] = QPixmap(side, side)
        cache._used += cost
    cache._pixmaps[("image", 8)] = QPixmap(side, side)  # one more arrives: over the budget
    cache._used += cost
    cache._evict()
    assert cache._used <= 10 * cost and [key[1] for key in cache._whole] == [3, 4]  # the tiles on screen stay whole
    assert ("image", 0) not in cache._pixmaps and ("image", 1) in cache._pixmaps  # the image least recently painted went


def test_a_view_left_alone_draws_the_tiles_it_shows_whole_a_few_a_frame(qtbot, app_window, monkeypatch):
    """Painted once, a tile is not drawn whole (it may be scrolled past); a view that
    stays on it repaints by itself until every tile it shows is a copy, each frame within
    its budget: the repaint after a drop is then copies."""
    monkeypatch.setattr(tiles, "WHOLE_PER_FRAME_S", 1e-9)  # one tile a frame
    select_person(qtbot, app_window, None)
    grid, cache, faces = app_window.faces_view, app_window.session.tiles, app_window.session.faces
    rows = grid._visible_rows(grid.viewport().rect())
    side = grid._cell() - 8
    images = {faces.tile(row).image.key for row in rows}

    def whole_images() -> set:
        return {key[0] for key, variants in cache._shaped.items() if key[0] in images
                for shape, rounded in variants.items() if shape[1] == side
                and any(look[0] == rounded.cacheKey() for look in cache._whole)}

    qtbot.waitUntil(lambda: whole_images() == images, timeout=20000)
    assert len(images) > 1


def test_a_view_left_alone_stops_repainting_once_its_tiles_are_whole(qtbot, app_window):
    """The repaints that make tiles whole end: a view left alone, its tiles all copies,
    is painted no more (no repaint every STILL_MS for ever)."""
    from PySide6.QtCore import QEvent, QObject

    grid = shown_tiles(qtbot, app_window)
    qtbot.wait(3 * tiles.REPAINT_DELAY_MS + 2 * tile_cache.STILL_MS)

    class Paints(QObject):
        count = 0

        def eventFilter(self, watched, event) -> bool:
            if event.type() == QEvent.Type.Paint:
                Paints.count += 1
            return False

    paints = Paints()
    grid.viewport().installEventFilter(paints)
    qtbot.wait(4 * tile_cache.STILL_MS)
    grid.viewport().removeEventFilter(paints)
    assert Paints.count == 0
