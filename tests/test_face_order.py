"""The faces pane's order (detection confidence, photo date, size), sorted by the local
library's query page by page, and chosen from the keyboard on the real window."""

import pytest
from conftest import run
from PySide6.QtCore import Qt
from ui_helpers import select_person

from faceboard.domain import FACE_SORTS, FacesQuery
from faceboard.errors import InvalidInput

KEYS = {"confidence": lambda f: -(f.confidence if f.confidence is not None else -1.0),
        "size": lambda f: -f.box.width * f.box.height, "taken": lambda f: "", "found": lambda f: 0,
        "least_alike": lambda f: 0}  # on Unassigned: as found (a person's: tests/test_least_alike.py)


def every_page(library, scope, sort, limit):
    faces, cursor = [], None
    while True:
        page = run(library.list_faces(scope, cursor, limit, FacesQuery(sort)))
        faces.extend(page.items)
        if (cursor := page.next_cursor) is None:
            return faces


@pytest.mark.parametrize("sort", FACE_SORTS)
def test_pages_of_a_sorted_listing_are_the_whole_listing_in_that_order(library, sort):
    whole = run(library.list_faces(None, None, 10_000)).items
    paged = every_page(library, None, sort, 7)
    assert sorted(f.id for f in paged) == sorted(f.id for f in whole)  # none twice, none left out
    assert paged == sorted(whole, key=lambda f: (KEYS[sort](f), int(f.id)))


def test_the_demo_faces_differ_in_confidence_and_size_so_the_orders_mean_something(library):
    faces = run(library.list_faces("1", None, 1000)).items
    assert len({f.confidence for f in faces}) > 3 and len({f.box.width for f in faces}) > 3
    assert every_page(library, "1", "confidence", 5) != every_page(library, "1", "size", 5) != list(faces)


def test_a_face_moved_away_while_paging_leaves_no_other_out(library):
    first = run(library.list_faces("2", None, 4, FacesQuery("size")))
    run(library.assign_faces([(first.items[0].id, None)]))
    rest = every_page_from(library, "2", first.next_cursor)
    expected = sorted(run(library.list_faces("2", None, 1000)).items, key=lambda f: (KEYS["size"](f), int(f.id)))
    assert list(first.items[1:]) + rest == expected


def every_page_from(library, scope, cursor):
    faces = []
    while cursor is not None:
        page = run(library.list_faces(scope, cursor, 4, FacesQuery("size")))
        faces.extend(page.items)
        cursor = page.next_cursor
    return faces


def test_an_unknown_order_or_cursor_is_refused(library):
    with pytest.raises(InvalidInput):
        run(library.list_faces(None, None, 10, FacesQuery("colour")))
    with pytest.raises(InvalidInput):
        run(library.list_faces(None, "not json", 10, FacesQuery("size")))


def test_the_order_is_chosen_from_the_keyboard_above_the_grid(qtbot, app_window):
    window = app_window
    select_person(qtbot, window, "3")
    order = window.faces_pane.order
    qtbot.keyClick(window, Qt.Key.Key_O, Qt.KeyboardModifier.AltModifier)  # its label's mnemonic
    qtbot.waitUntil(order.hasFocus)
    qtbot.keyClick(order, Qt.Key.Key_Down)
    assert order.currentText() == "Most confident"
    qtbot.waitUntil(lambda: not window.session.faces.loading)
    shown = window.session.store.listed_faces()
    assert len(shown) > 3 and shown == sorted(shown, key=lambda f: (KEYS["confidence"](f), int(f.id)))
    order.setCurrentText("Largest")
    qtbot.waitUntil(lambda: not window.session.faces.loading)
    shown = window.session.store.listed_faces()
    assert shown == sorted(shown, key=lambda f: (KEYS["size"](f), int(f.id)))
    select_person(qtbot, window, None)  # the order holds for whomever is shown
    shown = window.session.store.listed_faces()
    assert shown == sorted(shown, key=lambda f: (KEYS["size"](f), int(f.id)))
