"""The faces pane's filter (doubtful or confident detections, small faces), applied in the
local library's query so its pages still hold, and chosen from the keyboard on the real window."""

import pytest
from conftest import run
from PySide6.QtCore import Qt
from ui_helpers import select_person

from faceboard.domain import FACE_FILTERS, FACE_SORTS, FacesQuery
from faceboard.errors import InvalidInput

SHOWS = {"all": lambda f: True,
         "doubtful": lambda f: f.confidence is not None and f.confidence < 0.6,
         "confident": lambda f: f.confidence is not None and f.confidence >= 0.6,
         "small": lambda f: f.box.width < 80 or f.box.height < 80}


def every_page(library, scope, query, limit):
    faces, cursor = [], None
    while True:
        page = run(library.list_faces(scope, cursor, limit, query))
        faces.extend(page.items)
        if (cursor := page.next_cursor) is None:
            return faces


@pytest.mark.parametrize("show", FACE_FILTERS)
@pytest.mark.parametrize("sort", FACE_SORTS)
def test_pages_of_a_filtered_listing_are_the_whole_listing_filtered(library, sort, show):
    whole = every_page(library, None, FacesQuery(sort), 10_000)
    assert every_page(library, None, FacesQuery(sort, show), 3) == [f for f in whole if SHOWS[show](f)]


def test_the_demo_faces_fall_on_both_sides_of_each_filter(library):
    faces = run(library.list_faces(None, None, 10_000)).items
    for show in ("doubtful", "confident", "small"):
        assert 0 < sum(map(SHOWS[show], faces)) < len(faces), show


def test_an_unknown_filter_is_refused(library):
    with pytest.raises(InvalidInput):
        run(library.list_faces(None, None, 10, FacesQuery(show="blurred")))


def test_the_filter_is_chosen_from_the_keyboard_kept_for_the_next_person_and_counted(qtbot, app_window):
    window = app_window
    select_person(qtbot, window, "3")
    store, shown = window.session.store, window.faces_pane.filter
    everyone = store.listed_faces()
    qtbot.keyClick(window, Qt.Key.Key_W, Qt.KeyboardModifier.AltModifier)  # its label's mnemonic
    qtbot.waitUntil(shown.hasFocus)
    qtbot.keyClick(shown, Qt.Key.Key_Down)
    assert shown.currentText() == "Doubtful (below 60%)"
    qtbot.waitUntil(lambda: not window.session.faces.loading and store.faces_listed()[1])
    doubtful = [f for f in everyone if SHOWS["doubtful"](f)]
    assert store.listed_faces() == doubtful and 0 < len(doubtful) < len(everyone)
    name = store.selected_person.name
    assert window.faces_heading.text() == f"Faces of {name} ({len(doubtful)} of {len(everyone)} faces)"
    select_person(qtbot, window, "1")  # the filter holds for whomever is shown
    qtbot.waitUntil(lambda: store.faces_listed()[1])
    assert shown.currentText() == "Doubtful (below 60%)"
    assert store.listed_faces() and all(SHOWS["doubtful"](f) for f in store.listed_faces())
    shown.setCurrentText("All faces")
    qtbot.waitUntil(lambda: not window.session.faces.loading and store.faces_listed()[1])
    assert window.faces_heading.text() == f"Faces of {store.selected_person.name} ({len(store.listed_faces())})"
