"""A tile that arrives repaints the views that painted its placeholder, not every view:
the faces' tiles streaming in (a drop of 1,000 faces, a scroll) leave the people list
alone, whose rows cost the most to paint."""

from PySide6.QtCore import QEvent, QObject
from ui_helpers import select_person


class Paints(QObject):
    def __init__(self, widget):
        super().__init__()
        self.count = 0
        widget.installEventFilter(self)

    def eventFilter(self, watched, event) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.count += 1
        return False


def test_the_faces_tiles_arriving_repaint_the_grid_but_not_the_people_list(qtbot, app_window):
    window = app_window
    select_person(qtbot, window, None)
    qtbot.wait(500)  # the first tiles have come and been painted
    people, grid = Paints(window.people_view.viewport()), Paints(window.faces_view.viewport())
    tiles, faces = window.session.tiles, window.session.faces
    window.faces_pane.zoom.setValue(window.faces_pane.zoom.value() + 90)  # tiles of a new size: all missing
    image = faces.tile(0).image
    shown = window.faces_view._cell() - 8
    qtbot.waitUntil(lambda: tiles.cached(image) is not None and tiles.cached(image).width() >= shown, timeout=10000)
    painted_then = grid.count
    qtbot.waitUntil(lambda: grid.count > painted_then, timeout=5000)  # the grid repainted for its tiles
    qtbot.wait(300)
    assert people.count == 0


def test_tiles_rounded_a_few_a_frame_all_come_round(qtbot, app_window, monkeypatch):
    """However slow the rounding, a frame makes one at least and the view repaints for
    the rest: after a zoom every tile on screen is drawn rounded, at its new size."""
    from faceboard.ui import tile_cache

    monkeypatch.setattr(tile_cache, "SHAPING_PER_FRAME_S", 0.0)  # one a frame
    window = app_window
    select_person(qtbot, window, None)
    grid, tiles, faces = window.faces_view, window.session.tiles, window.session.faces
    qtbot.wait(500)
    window.faces_pane.zoom.setValue(window.faces_pane.zoom.value() - 30)
    shown = grid._visible_rows(grid.viewport().rect())
    side = grid._cell() - 8

    def rounded() -> int:
        return sum(any(shape[1] == side for key, variants in tiles._shaped.items() if key[0] == faces.tile(row).image.key
                       for shape in variants) for row in shown)

    qtbot.waitUntil(lambda: rounded() == len(shown), timeout=15000)


class PaintedArea(QObject):
    """The area of a widget painted since it was made."""

    def __init__(self, widget):
        super().__init__()
        from PySide6.QtGui import QRegion

        self.region = QRegion()
        widget.installEventFilter(self)

    def eventFilter(self, watched, event) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.region += event.region()
        return False


def test_a_move_repaints_the_two_people_rows_whose_counts_changed_not_every_row(qtbot, app_window):
    """QListView lays the list out again on any row's change and repaints every row shown;
    the people rows are all one height, so only the rows that changed are painted."""
    from PySide6.QtGui import QRegion

    window = app_window
    session, view = window.session, window.people_view
    select_person(qtbot, window, None)
    qtbot.wait(500)  # the avatars have come and been painted
    target = session.store.listed_people()[2]
    rows = [session.people.index(0), session.people.index(session.people.row_of(target.id))]
    allowed = QRegion()
    for index in rows:
        allowed += view.visualRect(index)
    painted = PaintedArea(view.viewport())
    session.assign([session.store.listed_faces()[0].id], target.id)
    qtbot.waitUntil(lambda: not session.busy, timeout=10000)
    qtbot.wait(200)
    assert not painted.region.isEmpty()  # the counts were repainted
    assert painted.region.subtracted(allowed).isEmpty()  # and nothing else
