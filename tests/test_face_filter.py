"""The faces pane's filter (doubtful or confident detections, small faces, photos moved or
missing, photos taken between two days), applied in the local library's query so its pages
still hold, and chosen from the keyboard on the real window."""

import pytest
from conftest import run
from PySide6.QtCore import QDate, Qt
from ui_helpers import db, select_person

from faceboard.domain import FACE_FILTERS, FACE_SORTS, FacesQuery
from faceboard.errors import InvalidInput

SHOWS = {"all": lambda f: True,
         "doubtful": lambda f: f.confidence is not None and f.confidence < 0.6,
         "confident": lambda f: f.confidence is not None and f.confidence >= 0.6,
         "small": lambda f: f.box.width < 80 or f.box.height < 80,
         "missing": lambda f: f.photo_problem is not None,
         "taken": lambda f: f.taken is not None}


@pytest.fixture
def library_folder(library_folder, tmp_path):
    """The demo library with a fifth of its photos moved away (where they were imported
    from, a folder gone) and the others dated over three years (every fourth undated)."""
    with db(library_folder) as connection:
        for (asset,) in connection.execute("SELECT id FROM assets").fetchall():
            taken = None if asset % 4 == 0 else f"{2020 + asset % 3}-0{1 + asset % 9}-1{asset % 10}T10:00:00"
            connection.execute("UPDATE assets SET taken = ? WHERE id = ?", (taken, asset))
            if asset % 5 == 0:
                connection.execute("UPDATE assets SET path = ? WHERE id = ?", (str(tmp_path / "gone" / f"{asset}.jpg"), asset))
    return library_folder


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
    for show in ("doubtful", "confident", "small", "missing", "taken"):
        assert 0 < sum(map(SHOWS[show], faces)) < len(faces), show


@pytest.mark.parametrize("sort", FACE_SORTS)
def test_photos_taken_between_two_days_both_included_are_paged_in_the_query(library, sort):
    whole = every_page(library, None, FacesQuery(sort), 10_000)
    days = sorted({f.taken[:10] for f in whole if f.taken})
    first, last = days[1], days[-2]
    shown = [f for f in whole if f.taken and first <= f.taken[:10] <= last]
    assert every_page(library, None, FacesQuery(sort, "taken", first, last), 3) == shown
    assert 0 < len(shown) < len(whole) and {first, last} <= {f.taken[:10] for f in shown}  # both days included
    year = every_page(library, None, FacesQuery(sort, "taken", "2022-01-01", "2022-12-31"), 5)
    assert year == [f for f in whole if (f.taken or "").startswith("2022-")] and year


def test_a_photo_put_back_is_no_longer_missing(library, library_folder, tmp_path):
    missing = every_page(library, None, FacesQuery(show="missing"), 4)
    photo = next(f for f in missing).image.uri
    (tmp_path / "gone").mkdir()
    (tmp_path / "gone" / photo.rsplit("/", 1)[-1]).write_bytes((library_folder / "images" / "assets" / "000001.jpg").read_bytes())
    after = every_page(library, None, FacesQuery(show="missing"), 4)
    assert after == [f for f in missing if f.image.uri != photo] and len(after) < len(missing)


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


def test_moved_photos_and_photos_taken_between_two_days_are_chosen_on_the_window_and_counted(qtbot, app_window):
    window = app_window
    select_person(qtbot, window, "3")
    store, shown, pane = window.session.store, window.faces_pane.filter, window.faces_pane
    everyone = store.listed_faces()
    name = store.selected_person.name

    def listed():
        qtbot.waitUntil(lambda: not window.session.faces.loading and store.faces_listed()[1])
        return store.listed_faces()

    assert not pane.dates.isVisible()
    shown.setCurrentText("Photo taken from… to…")
    assert pane.dates.isVisible()  # the days, on a row of their own
    dated = sorted(f.taken[:10] for f in everyone if f.taken)
    assert (pane.taken_from.date().toString("yyyy-MM-dd"), pane.taken_to.date().toString("yyyy-MM-dd")) == \
        (dated[0], dated[-1])  # at first, from the first day of the faces listed to the last
    assert listed() == [f for f in everyone if f.taken] and len(dated) < len(everyone)
    middle = dated[len(dated) // 2]
    pane.taken_to.setDate(QDate.fromString(middle, "yyyy-MM-dd"))
    early = [f for f in everyone if f.taken and f.taken[:10] <= middle]
    assert listed() == early and window.faces_heading.text() == f"Faces of {name} ({len(early)} of {len(everyone)} faces)"
    pane.taken_from.setDate(QDate.fromString("2030-01-01", "yyyy-MM-dd"))  # after the last day: it moves along
    assert pane.taken_to.date() == pane.taken_from.date()
    assert listed() == []
    shown.setCurrentText("Photo moved or missing")
    moved = [f for f in everyone if f.photo_problem]
    assert listed() == moved and 0 < len(moved) < len(everyone) and not pane.dates.isVisible()
    assert window.faces_heading.text() == f"Faces of {name} ({len(moved)} of {len(everyone)} faces)"
    shown.setCurrentText("All faces")
    assert listed() == everyone
