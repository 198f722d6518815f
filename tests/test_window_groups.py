"""Who is this, on the real window over a library scanned from the real photos of
tests/data and an altered copy of each photo of one person (so each has a look-alike to
group with): the unknown groups below the people (never two people in one; named by
typing or F2, undone as one change; a face dragged out leaves its group), Edit ▸ Similar
people… (merge confirmed, undone), the best primary offered and taken with its key, and
publishing leaving out a planted wrong face."""

from __future__ import annotations

import random
import shutil
import time
from pathlib import Path

import pytest
from altered_photos import PERSON, altered
from conftest import run, wait_for, window_on
from PIL import Image, ImageOps
from PySide6.QtCore import Qt
from ui_helpers import db, drop_on_person, person_of, select_faces, settle

from faceboard.backends.local import LocalLibrary
from faceboard.services.scanning import Scanner
from faceboard.ui import dialogs
from faceboard.ui.session import REGROUP_QUIET_S
from faceboard.ui.shortcuts import window_keys
from faceboard.recognition.similarity import percent

DATA = Path(__file__).parent / "data"


def scan_real_photos(folder: Path) -> Path:
    """A library of every real photo of tests/data, and of an altered copy ("whitson_iss~1")
    of each photo of one person, scanned (faces found and embedded)."""
    photos = folder / "photos"
    photos.mkdir(parents=True)
    rng = random.Random(15)
    for photo in sorted(DATA.glob("*.jpg")):
        shutil.copyfile(photo, photos / photo.name)
        if photo.stem in PERSON:
            copy, _ = altered(ImageOps.exif_transpose(Image.open(photo)).convert("RGB"), rng)
            copy.save(photos / f"{photo.stem}~1.jpg", quality=90)
    library = LocalLibrary(folder / "library")
    try:
        run(Scanner(library).run([photos]))
    finally:
        library.close_now()
    return folder / "library"


@pytest.fixture(scope="session")
def real_template(tmp_path_factory):
    return scan_real_photos(tmp_path_factory.mktemp("real"))


@pytest.fixture
def real_folder(real_template, tmp_path):
    folder = tmp_path / "library"
    shutil.copytree(real_template, folder)
    return folder


def faces_of(folder: Path) -> dict[str, str]:
    """face id -> the photo's file name, for every face the scan found."""
    rows = db(folder).execute("SELECT f.id, a.path FROM faces f JOIN assets a ON a.id = f.asset_id").fetchall()
    return {str(face_id): Path(path).name for face_id, path in rows}


def who(photo: str, face_id: str) -> str:
    """Whom a face shows: the person of a photo of one person (or of its copy); on a crew
    photo each face is someone of their own (no two of a crew are one person)."""
    return PERSON.get(Path(photo).stem.split("~")[0], f"{photo}#{face_id}")


def the_faces_of(folder: Path, photos: str) -> list[str]:
    """The faces on the original photos whose names begin so (not on their copies)."""
    return sorted((f for f, photo in faces_of(folder).items() if photo.startswith(photos) and "~" not in photo),
                  key=int)


@pytest.fixture
def real_window(qtbot, loop, real_folder):
    """The real window on the scanned library, its likeness loaded and its groups shown."""
    with window_on(qtbot, real_folder, "real photos", (1024, 640)) as window:
        qtbot.waitUntil(lambda: window.session.curation.likeness is not None, timeout=20000)
        qtbot.waitUntil(lambda: bool(window.session.people.groups), timeout=20000)
        yield window


def create(qtbot, window, name: str, face_ids: list[str]) -> str:
    """A person made with these faces through the window (one change), and their id."""
    session = window.session
    session.create_person(name, face_ids)
    settle(qtbot, window)
    qtbot.waitUntil(lambda: any(p.name == name for p in session.store.people.values()))
    session.undo_stack.clear()
    return next(p.id for p in session.store.people.values() if p.name == name)


def group_row(window, face_id: str) -> int:
    people = window.session.people
    return next(r for r in range(people.rowCount()) if (g := people.group_at(r)) and face_id in g.face_ids)


def select_group(qtbot, window, face_id: str):
    row = group_row(window, face_id)
    window.people_view.setCurrentIndex(window.session.people.index(row))
    group = window.session.people.group_at(row)
    qtbot.waitUntil(lambda: window.session.store.selected_group == group and not window.session.faces.loading)
    return group


def test_unknown_groups_are_listed_below_the_people_and_never_mix_two_people(qtbot, real_window, real_folder):
    window = real_window
    session, people = window.session, window.session.people
    collins = the_faces_of(real_folder, "collins")
    create(qtbot, window, "Eileen Collins", collins)
    qtbot.waitUntil(lambda: all(collins[0] not in g.face_ids for g in people.groups))  # made again, without her
    photos = faces_of(real_folder)
    groups = people.groups
    rows = [r for r in range(people.rowCount()) if people.group_at(r) is not None]
    assert rows and min(rows) > max(people.row_of(p.id) for p in session.store.listed_people())  # below the people
    for group in groups:
        assert len({who(photos[f], f) for f in group.face_ids}) == 1, [photos[f] for f in group.face_ids]
        assert all(person_of(real_folder, f) is None for f in group.face_ids)  # only faces no one has named
    whitson = the_faces_of(real_folder, "whitson")
    copy = next(f for f, photo in photos.items() if photo == photos[whitson[0]].replace(".jpg", "~1.jpg"))
    group = next(g for g in groups if whitson[0] in g.face_ids)
    assert copy in group.face_ids  # a photo of her and its copy: one suggested person
    row = group_row(window, whitson[0])
    assert people.index(row).data() == f"Unknown · {len(group.face_ids)} faces"
    shown = select_group(qtbot, window, whitson[0])
    assert [session.faces.face_at(r).id for r in range(session.faces.rowCount())] == list(shown.face_ids)
    assert window.faces_heading.text() == f"Faces of Unknown ({len(shown.face_ids)})"
    assert not window.thumbnails_pane.isVisible()  # no one yet: no primary, no thumbnails
    assert "Unknown" in window.windowTitle()


def test_a_group_named_by_typing_on_its_row_is_one_change_and_undone(qtbot, real_window, real_folder):
    window = real_window
    session = window.session
    whitson = the_faces_of(real_folder, "whitson")
    group = select_group(qtbot, window, whitson[0])
    window.people_view.setFocus()
    qtbot.keyClick(window.people_view, "M", Qt.KeyboardModifier.ShiftModifier)  # the name's, not Move's (M)
    editor = window.people_view.focusWidget()
    assert editor is not window.people_view and editor.text() == "M"
    qtbot.keyClicks(editor, "s Whitson")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: session.undo_stack.count() == 1)  # the view commits the name once the editor closed
    settle(qtbot, window)
    person = next(p for p in session.store.people.values() if p.name == "Ms Whitson")
    assert [person_of(real_folder, f) for f in group.face_ids] == [person.id] * len(group.face_ids)
    assert session.undo_stack.count() == 1 and session.store.selection == person.id  # one change; shown at once
    qtbot.waitUntil(lambda: all(whitson[0] not in g.face_ids for g in session.people.groups))
    session.undo_stack.undo()
    settle(qtbot, window)
    assert all(person_of(real_folder, f) is None for f in group.face_ids)
    assert not any(p.name == "Ms Whitson" for p in session.store.listed_people())
    qtbot.waitUntil(lambda: any(set(group.face_ids) <= set(g.face_ids) for g in session.people.groups))  # back


def test_a_group_named_with_f2(qtbot, real_window, real_folder, monkeypatch):
    window = real_window
    wiseman = the_faces_of(real_folder, "wiseman")
    group = select_group(qtbot, window, wiseman[0])
    asked = []
    monkeypatch.setattr(dialogs, "ask_name", lambda parent, title, label, text="": asked.append(label) or "Reid Wiseman")
    assert window.actions.rename.isEnabled() and window.actions.rename.text() == "&Name group…"
    window.actions.rename.trigger()
    settle(qtbot, window)
    assert asked == [f"Name of the person in these {len(group.face_ids)} faces:"]
    person = next(p for p in window.session.store.people.values() if p.name == "Reid Wiseman")
    assert {person_of(real_folder, f) for f in group.face_ids} == {person.id}


def test_a_face_dragged_out_of_a_group_onto_a_person_leaves_it(qtbot, real_window, real_folder):
    window = real_window
    session = window.session
    collins = create(qtbot, window, "Eileen Collins", the_faces_of(real_folder, "collins"))
    whitson = the_faces_of(real_folder, "whitson")
    select_group(qtbot, window, whitson[0])
    moved = select_faces(window, [0])
    mime = session.faces.mimeData(window.faces_view.selectionModel().selectedIndexes())  # as the view drags them
    assert not drop_on_person(window, group_row_id(window, whitson[-1]), mime)  # a group is no drop target
    assert drop_on_person(window, collins, mime)
    assert session.faces.row_of(moved[0]) is None  # left the group's faces at once
    settle(qtbot, window)
    assert person_of(real_folder, moved[0]) == collins
    qtbot.waitUntil(lambda: all(moved[0] not in g.face_ids for g in session.people.groups))
    qtbot.waitUntil(lambda: session.store.selection is None)  # one face left is no group: the unassigned faces
    assert window.faces_heading.text().startswith("Unassigned faces")


def test_a_burst_of_changes_makes_the_groups_again_once_after_it_pauses(qtbot, real_window, real_folder):
    """An operator deciding a few times a second (Review) does not regroup every unknown
    face at each decision: the groups are made once the changes pause."""
    window = real_window
    session = window.session
    faces = the_faces_of(real_folder, "rubins") + the_faces_of(real_folder, "wiseman")
    person = create(qtbot, window, "Kate Rubins", faces[:1])
    qtbot.wait(int(REGROUP_QUIET_S * 1000) + 200)
    asked, made = [], []
    regroup, groups = session.regroup, session.curation.likeness.groups
    session.regroup = lambda: asked.append(time.monotonic()) or regroup()

    async def making():
        made.append(time.monotonic())
        return await groups()

    session.curation.likeness.groups = making
    for target in (person, None):  # each face given to her, then taken back, a twentieth of a second apart
        for face_id in faces[1:]:
            session.assign([face_id], target)
            qtbot.wait(50)
    settle(qtbot, window)
    qtbot.waitUntil(lambda: bool(made), timeout=5000)
    qtbot.wait(int(REGROUP_QUIET_S * 1000) + 200)
    assert len(asked) >= 2 * len(faces[1:]) - 1 >= 5  # each change's new suggestions asked for the groups again
    # once, after the last (twice at most: a loaded machine may stretch a gap past the pause)
    assert len(made) <= 2 and made[-1] >= asked[-1] + REGROUP_QUIET_S


def group_row_id(window, face_id: str) -> str:
    """The id a drop helper finds the group's row by."""
    return window.session.people.group_at(group_row(window, face_id)).id


def test_similar_people_are_merged_once_confirmed_and_undone(qtbot, real_window, real_folder, monkeypatch):
    window = real_window
    session = window.session
    portrait, iss = the_faces_of(real_folder, "whitson")
    first = create(qtbot, window, "Peggy Whitson", [portrait])
    second = create(qtbot, window, "P. Whitson", [iss])
    create(qtbot, window, "Eileen Collins", the_faces_of(real_folder, "collins"))
    asked = []
    monkeypatch.setattr(dialogs, "confirm_people",
                        lambda parent, title, question, rows, tiles, yes: asked.append([p.name for p, _ in rows]) or True)
    assert window.actions.similar_people.isEnabled()  # offered once the likeness is loaded
    window.actions.similar_people.trigger()
    qtbot.waitUntil(lambda: hasattr(window.actions, "similar_dialog"))  # the pairs are found off the event loop
    dialog = window.actions.similar_dialog
    qtbot.waitUntil(dialog.merge.isEnabled)
    assert {p.id for p in dialog.people} == {first, second}  # the most alike first
    assert "alike" in dialog.heading.text() and "%" in dialog.heading.text()
    assert all(tile.face is not None for side in (dialog.first, dialog.second) for tile in side.tiles[:1])
    dialog.merge.click()
    settle(qtbot, window)
    assert sorted(asked[0]) == ["P. Whitson", "Peggy Whitson"]  # both shown in the confirmation
    assert person_of(real_folder, portrait) == person_of(real_folder, iss)
    assert session.undo_stack.count() == 1 and session.undo_stack.text(0).startswith("Merge")
    session.undo_stack.undo()
    settle(qtbot, window)
    assert {person_of(real_folder, portrait), person_of(real_folder, iss)} == {first, second}
    dialog.close()


def test_not_the_same_goes_on_to_the_next_pair(qtbot, real_window, real_folder, monkeypatch):
    window = real_window
    portrait, iss = the_faces_of(real_folder, "whitson")
    create(qtbot, window, "Peggy Whitson", [portrait])
    create(qtbot, window, "P. Whitson", [iss])
    monkeypatch.setattr(dialogs, "confirm_people", lambda *args: pytest.fail("nothing is merged"))
    window.actions.similar_people.trigger()
    qtbot.waitUntil(lambda: hasattr(window.actions, "similar_dialog"))  # the pairs are found off the event loop
    dialog = window.actions.similar_dialog
    qtbot.waitUntil(dialog.merge.isEnabled)
    pairs = len(dialog.pairs)
    dialog.not_same.click()
    assert dialog._at == 1 and (pairs > 1 or "No more similar people" in dialog.heading.text())
    assert window.session.undo_stack.count() == 0
    dialog.close()


def test_the_best_primary_is_offered_with_its_reasons_and_taken_with_its_key(qtbot, real_window, real_folder):
    window = real_window
    session = window.session
    faces = the_faces_of(real_folder, "wiseman")
    person = create(qtbot, window, "Reid Wiseman", faces)
    best = wait_for(qtbot, session.curation.likeness.best_primary(person, limit=1))[0]
    other = next(f for f in faces if f != best.face_id)
    session.primary_from_face(person, other)  # the worse one is the primary now
    settle(qtbot, window)
    session.undo_stack.clear()
    offer = window.thumbnails_pane.best
    qtbot.waitUntil(lambda: offer.isVisible() and offer.candidate is not None)
    assert offer.candidate.face_id == best.face_id and offer.reasons.text() == ", ".join(best.reasons)
    assert ("Take the best primary", "B") in window_keys(window)  # listed in Help ▸ Keyboard shortcuts
    assert offer.take.text() == "Take it  (B)"
    thumbnails = len(session.store.thumbnails[person])
    had_it = any(t.face_id == best.face_id for t in session.store.thumbnails[person])
    window.faces_view.setFocus()
    qtbot.keyClick(window.faces_view, Qt.Key.Key_B)
    settle(qtbot, window)
    thumbnail = db(real_folder).execute("SELECT face_id FROM thumbnails WHERE person_id = ? AND is_primary = 1",
                                        (int(person),)).fetchone()
    assert str(thumbnail[0]) == best.face_id
    assert session.undo_stack.count() == 1 and session.undo_stack.text(0).startswith("Set primary")
    cut = [t for t in session.store.thumbnails[person] if t.face_id == best.face_id]
    assert len(cut) == 1 and cut[0].is_primary  # a thumbnail of it made the primary: never a second copy of it
    assert len(session.store.thumbnails[person]) == thumbnails + (not had_it)
    qtbot.waitUntil(lambda: not offer.isVisible())  # it is the primary now: nothing better to offer
    session.undo_stack.undo()
    settle(qtbot, window)
    qtbot.waitUntil(offer.isVisible)  # the worse one is back, and the best offered again


def test_publishing_leaves_out_a_planted_wrong_face_unless_kept(qtbot, loop, real_folder):
    """Peggy Whitson's two photos and, filed with them by mistake, Reid Wiseman's portrait:
    published to OpenCV FR, the wrong face is flagged with its similarity and not sent."""
    import httpx
    from fakes.opencv_fr import FakeOpenCvFr
    from fakes.server import AsgiApp

    from faceboard.app import Shell
    from faceboard.services.connections import Profile
    from faceboard.services.curator import Curator
    from faceboard.services.images import digest
    from faceboard.services.operations import CreatePerson

    whitson, wrong = the_faces_of(real_folder, "whitson"), the_faces_of(real_folder, "wiseman_portrait")[0]

    async def file_them():
        library = LocalLibrary(real_folder)
        try:
            return (await Curator(library).apply(CreatePerson("Peggy Whitson", (*whitson, wrong)))).created_person_id
        finally:
            await library.close()

    person_id = wait_for(qtbot, file_them())
    fake = FakeOpenCvFr.seeded(edition="cloud")
    shell = Shell(transport=httpx.ASGITransport(app=AsgiApp(fake)))
    shell.store.save(Profile("fr", "opencv-fr", "http://fr.test", "staff", edition="cloud"))
    shell.secrets.set("fr", fake.api_key)
    wait_for(qtbot, shell.open(Profile("mine", "local", library=str(real_folder))))
    window = shell.current[2]
    try:
        qtbot.waitUntil(lambda: window.session.curation.likeness is not None, timeout=20000)
        window.people_view.setCurrentIndex(window.session.people.index(window.session.people.row_of(person_id)))
        qtbot.waitUntil(lambda: window.session.store.selection == person_id)
        window.actions.publish.trigger()
        dialog = shell.dialog
        qtbot.waitUntil(dialog.publish_button.isEnabled, timeout=15000)
        (flag,) = dialog._plan.flagged
        assert dialog._gathered.face_of[flag.digest] == wrong and flag.similarity < 0.5 and not flag.kept
        item = next(dialog.steps.item(i) for i in range(dialog.steps.count()) if dialog.steps.item(i).data(
            Qt.ItemDataRole.UserRole + 1) == flag.digest)
        assert f"({percent(flag.similarity)} alike)" in item.text() and "left out unless you keep it" in item.text()
        assert item.checkState() == Qt.CheckState.Unchecked and not item.icon().isNull()  # the picture, small
        sent = dialog._plan.publication
        assert flag.digest not in {digest(i) for i in sent.faces} and len(sent.faces) == len(whitson)
        item.setCheckState(Qt.CheckState.Checked)  # kept: planned again with it
        qtbot.waitUntil(lambda: dialog._plan is not None and dialog._plan.flagged
                        and dialog._plan.flagged[0].kept and dialog.publish_button.isEnabled(), timeout=15000)
        assert flag.digest in {digest(i) for i in dialog._plan.publication.faces}
        item = next(dialog.steps.item(i) for i in range(dialog.steps.count()) if dialog.steps.item(i).data(
            Qt.ItemDataRole.UserRole + 1) == flag.digest)
        item.setCheckState(Qt.CheckState.Unchecked)  # left out again, and published so
        qtbot.waitUntil(lambda: dialog._plan is not None and not dialog._plan.flagged[0].kept
                        and dialog.publish_button.isEnabled(), timeout=15000)
        planned = {digest(i) for i in dialog._plan.publication.faces}
        dialog.publish_button.click()
        qtbot.waitUntil(lambda: "Published" in dialog.summary.text(), timeout=15000)
        (published,) = [p for p in fake.persons.values() if p.name == "Peggy Whitson"]
        import base64
        assert {digest(base64.b64decode(data)) for _, data in published.thumbnails} == planned  # exactly what is kept
        dialog.close()
    finally:
        wait_for(qtbot, shell.close_current())


def test_the_group_shown_stays_highlighted_when_the_groups_are_made_again(qtbot, real_window, real_folder):
    window = real_window
    session = window.session
    collins = create(qtbot, window, "Eileen Collins", the_faces_of(real_folder, "collins"))
    wiseman = the_faces_of(real_folder, "wiseman")
    group = select_group(qtbot, window, wiseman[0])
    gone = next(g for g in session.people.groups if g != group)
    session.assign(gone.face_ids, collins)  # another group goes: the rows of the groups are made again
    settle(qtbot, window)
    qtbot.waitUntil(lambda: all(g.id != gone.id for g in session.people.groups))
    assert session.store.selected_group is not None and wiseman[0] in session.store.selected_group.face_ids
    assert window.people_view.currentIndex().row() == group_row(window, wiseman[0])


def test_similar_people_is_offered_once_the_faces_are_compared(real_window):
    assert real_window.actions.similar_people.isEnabled()
