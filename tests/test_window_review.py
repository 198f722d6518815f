"""Suggestions on the real window, on a library made from the real photos of tests/data
(scanned: real faces, real embeddings): a tile says whom its face probably is once one
face of that person is named; the M picker offers them first; the Review view's keys
(Y accept, N not them, Shift+Y all at or above), each undone with Ctrl+Z."""

import shutil
import sqlite3

import pytest
from PIL import Image, ImageEnhance, ImageOps
from conftest import run, wait_for, window_on
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from ui_helpers import db, person_of, select_faces, settle

from faceboard.backends.local import LocalLibrary
from faceboard.domain import count
from faceboard.services.scanning import Scanner
from faceboard.ui import dialogs
from faceboard.recognition.similarity import percent
from faceboard.ui import review as review_module
from faceboard.ui.panes.people import DetailRole
from faceboard.ui.shortcuts import window_keys

DATA = __import__("pathlib").Path(__file__).parent / "data"
PHOTOS = ("whitson_portrait.jpg", "whitson_iss.jpg", "rubins_portrait.jpg", "rubins_iss.jpg",
          "wiseman_portrait.jpg", "wiseman_iss.jpg", "collins.jpg", "expedition1_crew.jpg")
PEOPLE = {"whitson": "Peggy Whitson", "rubins": "Kate Rubins", "wiseman": "Reid Wiseman"}


@pytest.fixture(scope="session")
def scanned_template(tmp_path_factory):
    """A library of the real photos, their faces found and embedded by the real Scanner, once."""
    root = tmp_path_factory.mktemp("real")
    photos = root / "photos"
    photos.mkdir()
    for name in PHOTOS:
        shutil.copyfile(DATA / name, photos / name)
    for name, altered in altered_copies().items():  # more photos of Peggy Whitson: a group to accept at once
        altered.save(photos / name, quality=90)

    async def scan():
        library = LocalLibrary(root / "library")
        try:
            await Scanner(library).run([photos])
        finally:
            await library.close()

    run(scan())
    return root / "library"


def altered_copies() -> dict:
    """Peggy Whitson's photos mirrored and darkened: other pictures of her, each a little
    less like her portrait than the last."""
    iss, portrait = (Image.open(DATA / f"whitson_{kind}.jpg") for kind in ("iss", "portrait"))
    return {"whitson_iss_mirrored.jpg": ImageOps.mirror(iss),
            "whitson_portrait_mirrored.jpg": ImageOps.mirror(portrait),
            "whitson_iss_dark.jpg": ImageEnhance.Brightness(iss).enhance(0.6)}


def faces_by_photo(folder) -> dict[str, list[str]]:
    """Each photo's face ids (its file name without .jpg: "whitson_iss")."""
    db = sqlite3.connect(folder / "library.sqlite3")
    try:
        rows = db.execute("SELECT f.id, a.path FROM faces f JOIN assets a ON a.id = f.asset_id ORDER BY f.id")
        found: dict[str, list[str]] = {}
        for face_id, path in rows:
            found.setdefault(path.rsplit("/", 1)[-1].removesuffix(".jpg"), []).append(str(face_id))
        return found
    finally:
        db.close()


@pytest.fixture
def real_window(qtbot, loop, scanned_template, tmp_path):
    """The real window on a copy of the scanned library, its faces compared (Review possible)."""
    folder = tmp_path / "library"
    shutil.copytree(scanned_template, folder)
    with window_on(qtbot, folder, "real photos") as window:
        qtbot.waitUntil(lambda: not window.session.faces.loading and window.session.curation.likeness is not None,
                        timeout=30000)
        window.folder, window.photos = folder, faces_by_photo(folder)
        yield window


def compared(qtbot, window):
    """The change answered, and the likeness done measuring it (the rest of it, off the event loop)."""
    settle(qtbot, window)
    wait_for(qtbot, window.session.settle())


def name_portraits(qtbot, window, who=PEOPLE) -> dict[str, str]:
    """Each person created from their portrait's face (as New person from faces does); their ids."""
    ids = {}
    for key, name in who.items():
        window.session.create_person(name, window.photos[f"{key}_portrait"])
        compared(qtbot, window)
        ids[key] = next(p.id for p in window.session.store.people.values() if p.name == name)
    window.session.store.select(None)
    qtbot.waitUntil(lambda: not window.session.faces.loading)
    return ids


def tile_of(window, face_id: str):
    faces = window.session.faces
    return faces.tile(faces.row_of(face_id))


def test_a_tile_says_whom_it_probably_is_once_one_face_of_them_is_named(qtbot, real_window):
    window = real_window
    iss, collins = window.photos["whitson_iss"][0], window.photos["collins"][0]
    assert tile_of(window, iss).caption is None  # no one named yet: nothing to suggest
    name_portraits(qtbot, window, {"whitson": "Peggy Whitson"})
    qtbot.waitUntil(lambda: (tile_of(window, iss).caption or "").startswith("probably Peggy Whitson · "))
    percent = int(tile_of(window, iss).caption.rsplit("· ", 1)[1].removesuffix(" %"))
    assert 50 <= percent <= 99
    assert tile_of(window, collins).caption is None  # another woman: not "probably Peggy Whitson"
    tip = window.session.faces.data(window.session.faces.index(window.session.faces.row_of(iss)),
                                    Qt.ItemDataRole.ToolTipRole)
    assert f"Probably: Peggy Whitson {percent} %" in tip


def test_the_move_picker_offers_the_suggested_person_first_with_their_similarity(qtbot, real_window, monkeypatch):
    window = real_window
    name_portraits(qtbot, window)
    seen = {}

    def answer(parent, search, title, allow_unassigned=True, suggested=(), exclude=None, tiles=None, can_create=False):
        picker = dialogs.PersonPicker(parent, search, title, allow_unassigned, suggested, exclude, tiles, can_create)
        qtbot.waitUntil(lambda: picker.chosen() is not None)
        item = picker._list.currentItem()
        seen["first"], seen["detail"] = item.text(), item.data(dialogs.DetailRole)
        return picker.chosen()

    monkeypatch.setattr(dialogs, "choose_person", answer)
    wiseman = window.photos["wiseman_iss"][0]
    select_faces(window, [window.session.faces.row_of(wiseman)])
    window.actions.move.trigger()
    assert seen["first"] == "Reid Wiseman"  # opened on him, the best suggestion
    assert seen["detail"].endswith(" % alike · 1 face")
    settle(qtbot, window)
    assert person_of(window.folder, wiseman) == next(p.id for p in window.session.store.people.values()
                                                      if p.name == "Reid Wiseman")


def open_review(qtbot, window):
    qtbot.keyClick(window.faces_view, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.reviewing)
    return window.review_page


def key(qtbot, window, which, modifier=Qt.KeyboardModifier.NoModifier):
    qtbot.keyClick(window.review_page.grid, which, modifier)


def filed_under(folder, person_id: str) -> int:
    return db(folder).execute("SELECT COUNT(*) FROM faces WHERE person_id = ? AND deleted = 0",
                              (int(person_id),)).fetchone()[0]


@pytest.mark.parametrize("many", [review_module.MANY_AT_ONCE, 0])  # 0: each change read from the whole table
def test_review_y_accepts_the_face_selects_the_next_and_ctrl_z_puts_it_back(qtbot, real_window, monkeypatch, many):
    window = real_window
    monkeypatch.setattr(review_module, "MANY_AT_ONCE", many)
    ids = name_portraits(qtbot, window)
    review = open_review(qtbot, window)
    queue = review.queue
    assert review.status.text().startswith(f"{queue.waiting} faces wait for review, in ")
    first = review.person_id
    best = [queue.similarity(queue.groups[p][0]) for p in queue.order]
    assert best == sorted(best, reverse=True)  # the most certain group first
    face = review.selected_id()
    assert face == queue.groups[first][0] and first in ids.values()
    mine = {v: k for k, v in ids.items()}[first]
    photo = next(name for name, faces in window.photos.items() if face in faces)
    assert photo.startswith(mine) and photo != f"{mine}_portrait"  # another photo of the person named
    waiting = queue.waiting
    filed = filed_under(window.folder, first)
    assert review.detail.text().endswith(f"{count(filed, 'face')} filed already")
    key(qtbot, window, Qt.Key.Key_Y)
    assert queue.waiting == waiting - 1 and face not in queue.groups.get(first, [])  # at once
    assert review.selected_id() is not None and review.selected_id() != face  # the next one, at once
    settle(qtbot, window)
    assert person_of(window.folder, face) == first
    assert window.session.undo_stack.count() == len(PEOPLE) + 1  # one change
    assert filed_under(window.folder, first) == filed + 1
    review.group_list.setCurrentIndex(review.groups.index(queue.order.index(first)))
    assert review.detail.text().endswith(f"{count(filed + 1, 'face')} filed already")  # as the library has them
    qtbot.keyClick(review.grid, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    settle(qtbot, window)
    assert person_of(window.folder, face) is None
    qtbot.waitUntil(lambda: face in queue.groups.get(first, []))  # back in its group
    qtbot.waitUntil(lambda: review.detail.text().endswith(f"{count(filed, 'face')} filed already"))
    assert window.reviewing


def test_review_n_rejects_for_good_and_ctrl_z_restores_the_suggestion(qtbot, real_window):
    window = real_window
    ids = name_portraits(qtbot, window)
    review = open_review(qtbot, window)
    queue = review.queue
    face, wiseman = window.photos["wiseman_iss"][0], ids["wiseman"]
    assert queue.person_of(face) == wiseman
    review.group_list.setCurrentIndex(review.groups.index(queue.order.index(wiseman)))
    assert review.person_id == wiseman and review.selected_id() == face  # his group, its face selected
    key(qtbot, window, Qt.Key.Key_N)
    assert queue.person_of(face) is None and queue.groups[wiseman] == []  # at once: no one else is like him
    assert "done" in review.groups.data(review.groups.index(queue.order.index(wiseman)), DetailRole)
    assert review.person_id != wiseman and review.selected_id() is not None  # the next group's face
    settle(qtbot, window)
    stored = window.session.store.faces[face]
    assert wiseman not in {s.person_id for s in window.session.curation.suggestions(stored)}  # never again
    assert queue.person_of(face) is None and person_of(window.folder, face) is None  # still unassigned
    assert window.session.undo_stack.undoText() == "Not Reid Wiseman"
    qtbot.keyClick(review.grid, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    settle(qtbot, window)
    qtbot.waitUntil(lambda: queue.person_of(face) == wiseman)  # back in his group
    assert window.session.curation.suggestions(stored)[0].person_id == wiseman


def test_review_n_moves_a_face_to_its_next_suggestion(qtbot, real_window):
    window = real_window
    whitson = name_portraits(qtbot, window, {"whitson": "Peggy Whitson"})["whitson"]
    window.session.create_person("Peggy's double", window.photos["whitson_iss_mirrored"])
    compared(qtbot, window)
    double = next(p.id for p in window.session.store.people.values() if p.name == "Peggy's double")
    review = open_review(qtbot, window)
    queue = review.queue
    face = window.photos["whitson_iss_dark"][0]
    first, second = (s.person_id for s in queue.suggestions(face)[:2])
    assert {first, second} == {whitson, double}
    review.group_list.setCurrentIndex(review.groups.index(queue.order.index(first)))
    review.grid.setCurrentIndex(review.faces.index(queue.groups[first].index(face)))
    key(qtbot, window, Qt.Key.Key_N)
    assert queue.person_of(face) == second  # at once, in the other group
    settle(qtbot, window)
    assert queue.person_of(face) == second  # as the likeness has it: rejected once, not twice
    assert [s.person_id for s in window.session.curation.suggestions(window.session.store.faces[face])] == [second]


def test_review_shift_y_accepts_every_face_at_or_above_the_selected_one_as_one_change(qtbot, real_window):
    window = real_window
    ids = name_portraits(qtbot, window, {"whitson": "Peggy Whitson"})  # every face suggests her
    review = open_review(qtbot, window)
    queue = review.queue
    group = list(queue.groups[ids["whitson"]])
    assert len(group) >= 3
    review.grid.setCurrentIndex(review.faces.index(1))  # the second likeliest
    shown = percent(queue.similarity(group[1]))
    taken = 1 + next(i for i in range(len(group) - 1, 0, -1)  # every face that reads as much, or more
                     if percent(queue.similarity(group[i])) == shown)
    assert taken < len(group)  # some are left
    assert review.accept_all_button.text() == f"Accept all ≥ {shown} ({taken})"
    done = window.session.undo_stack.count()
    key(qtbot, window, Qt.Key.Key_Y, Qt.KeyboardModifier.ShiftModifier)
    assert queue.groups.get(ids["whitson"], [])[:1] != group[:1] and group[0] not in queue.groups.get(ids["whitson"], [])
    settle(qtbot, window)
    assert [person_of(window.folder, f) for f in group[:taken]] == [ids["whitson"]] * taken
    assert all(person_of(window.folder, f) is None for f in group[taken:])  # less alike: left
    assert window.session.undo_stack.count() == done + 1  # one change
    window.session.undo_stack.undo()
    settle(qtbot, window)
    assert all(person_of(window.folder, f) is None for f in group)
    qtbot.waitUntil(lambda: all(f in queue.groups.get(ids["whitson"], []) for f in group[:taken]))


def test_review_a_face_picked_with_the_mouse_is_the_one_the_buttons_and_y_take(qtbot, real_window):
    """A click makes the face current before it selects it: the buttons follow the
    selection too, or they went grey and Y did nothing (found under X)."""
    window = real_window
    ids = name_portraits(qtbot, window, {"whitson": "Peggy Whitson"})
    review = open_review(qtbot, window)
    queue = review.queue
    group = list(queue.groups[ids["whitson"]])
    assert len(group) >= 3
    qtbot.mouseClick(review.grid.viewport(), Qt.MouseButton.LeftButton,
                     pos=review.grid.visualRect(review.faces.index(2)).center())
    assert review.selected_id() == group[2]
    assert review.accept_button.isEnabled() and review.accept_all_button.text().startswith("Accept all ≥ ")
    key(qtbot, window, Qt.Key.Key_Y)
    assert group[2] not in queue.groups.get(ids["whitson"], [])
    settle(qtbot, window)
    assert person_of(window.folder, group[2]) == ids["whitson"]


def test_review_opened_again_shows_the_group_as_it_is_now(qtbot, real_window):
    """Faces of the group shown moved while Review was closed: opened again on the same
    group, it shows its faces as they are now, not as the last queue had them."""
    window = real_window
    ids = name_portraits(qtbot, window, {"whitson": "Peggy Whitson"})
    review = open_review(qtbot, window)
    first = review.person_id
    assert first == ids["whitson"]
    taken = review.queue.groups[first][0]
    key(qtbot, window, Qt.Key.Key_Escape)
    assert not window.reviewing
    window.session.assign([taken], first)
    compared(qtbot, window)
    review = open_review(qtbot, window)
    assert review.person_id == first and review.faces.queue is review.queue
    assert taken not in review.faces.ids and review.selected_id() != taken


def test_review_is_in_the_view_menu_its_keys_listed_and_escape_leaves(qtbot, real_window):
    window = real_window
    name_portraits(qtbot, window)
    keys = dict(window_keys(window))
    assert keys["Review"] == "Ctrl+R" and keys["Not them"] == "N" and keys["Accept all at or above"] == "Shift+Y"
    assert keys["Accept suggestion"].startswith("Y") and keys["Leave Review"] == "Esc"
    assert "Ctrl+R" not in window.actions.refresh.shortcuts()
    every = [k.toString() for a in window.findChildren(type(window.actions.review)) for k in a.shortcuts()]
    assert every.count("Ctrl+R") == 1 and every.count("Y") == 1 and every.count("N") == 1
    review = open_review(qtbot, window)
    assert window.actions.move.isEnabled() and not window.actions.rename.isEnabled()
    side = review.grid.gridSize().width()
    qtbot.keyClick(review.grid, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)  # the faces' tile size
    assert review.grid.gridSize().width() == side + 24 == window.faces_view.gridSize().width()
    qtbot.keyClick(window.review_page.grid, Qt.Key.Key_Escape)
    assert not window.reviewing and not window.actions.accept_face.isEnabled()
    open_review(qtbot, window)
    qtbot.keyClick(window.review_page.grid, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)  # again: leaves
    assert not window.reviewing
    assert QApplication.focusWidget() is not window.review_page.grid


def test_the_group_list_repaints_for_changed_rows_only_when_they_are_on_screen(qtbot):
    """The people of the groups far below are read a few hundred at a time while the
    operator decides: their rows changing must not repaint the whole list each time."""
    from PySide6.QtCore import QEvent, QObject, QStringListModel

    class Paints(QObject):
        count = 0

        def eventFilter(self, watched, event):
            self.count += event.type() == QEvent.Type.Paint
            return False

    model = QStringListModel([f"group {n}" for n in range(2000)])
    groups = review_module.GroupList()
    groups.setUniformItemSizes(True)
    groups.setModel(model)
    groups.resize(240, 300)
    qtbot.addWidget(groups)
    groups.show()
    qtbot.waitExposed(groups)
    paints = Paints()
    groups.viewport().installEventFilter(paints)
    qtbot.wait(50)

    def painted_after(first: int, last: int) -> bool:
        paints.count = 0
        model.dataChanged.emit(model.index(first), model.index(last))
        qtbot.wait(50)
        return paints.count > 0

    assert not painted_after(500, 1999)  # all below the screen
    assert painted_after(0, 1999)  # the first rows among them
    groups.scrollToBottom()
    qtbot.wait(50)
    assert not painted_after(0, 1500) and painted_after(1990, 1990)
