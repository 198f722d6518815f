"""Who is this in the real window, on a library of real photos (tests/data): the likeness
loads after the store, hears every change shown (predicted at once, then answered) and the
faces a scan adds, and `Session.suggestionsChanged` names the faces whose suggestions changed."""

import asyncio
import shutil
from pathlib import Path

import pytest
from conftest import wait_for
from ui_helpers import db, settle

from faceboard.app import Shell
from faceboard.services.connections import Profile
from faceboard.services.drops import FacesPayload
from faceboard.services.operations import RejectSuggestions

DATA = Path(__file__).parent / "data"


@pytest.fixture
def shell(qtbot, loop):
    shell = Shell()
    yield shell
    wait_for(qtbot, shell.close_current())


def face_of(folder: Path, photo: str) -> str:
    (face_id,) = db(folder).execute("SELECT f.id FROM faces f JOIN assets a ON a.id = f.asset_id "
                                    "WHERE a.path LIKE ?", (f"%{photo}",)).fetchone()
    return str(face_id)


def test_a_named_face_makes_the_other_photo_suggest_the_person_at_once(qtbot, shell, tmp_path):
    library = tmp_path / "mine"
    wait_for(qtbot, shell.open(Profile("mine", "local", library=str(library))))
    window = shell.current[2]
    session = window.session
    qtbot.waitUntil(lambda: session.curation.likeness is not None, timeout=15000)
    photos = tmp_path / "Pictures"
    photos.mkdir()
    for name in ("whitson_portrait.jpg", "whitson_iss.jpg", "collins.jpg"):
        shutil.copyfile(DATA / name, photos / name)
    window.importer.start([str(photos)])
    qtbot.waitUntil(lambda: "Finding faces done" in window.statusBar().currentMessage(), timeout=60000)
    settle(qtbot, window)
    likeness = session.curation.likeness
    portrait, iss, collins = (face_of(library, p) for p in ("whitson_portrait.jpg", "whitson_iss.jpg", "collins.jpg"))
    qtbot.waitUntil(lambda: all(f in likeness for f in (portrait, iss, collins)), timeout=15000)  # the scan's faces
    heard: list[set[str]] = []
    session.suggestionsChanged.connect(heard.append)

    session.create_person("Peggy Whitson", [portrait])
    settle(qtbot, window)
    qtbot.waitUntil(lambda: any(iss in ids for ids in heard))
    (whitson,) = [p.id for p in session.store.people.values() if p.name == "Peggy Whitson"]
    iss_face = session.store.faces[iss]
    assert session.curation.suggestions(iss_face)[0].person_id == whitson
    assert session.curation.suggestions(iss_face)[0].similarity > 0.5
    assert likeness.suggest_unassigned()[iss][0].person_id == whitson
    assert not session.curation.suggestions(session.store.faces[collins])  # someone else: no one suggested

    heard.clear()
    session.submit(RejectSuggestions(((iss, whitson),)))
    assert session.curation.suggestions(iss_face) == ()  # predicted: at once, before the library answers
    assert heard == [{iss}]
    settle(qtbot, window)
    assert (int(iss), int(whitson)) in db(library).execute("SELECT face_id, person_id FROM rejections").fetchall()
    session.undo_stack.undo()
    settle(qtbot, window)
    qtbot.waitUntil(lambda: session.curation.suggestions(iss_face)[:1] and
                    session.curation.suggestions(iss_face)[0].person_id == whitson)


def test_a_drop_is_heard_by_the_likeness_as_predicted_before_the_library_answers(qtbot, shell, tmp_path):
    """The store makes the moved faces in the turn after the drop (to keep the drop's own
    turn short); the likeness hears the prediction then too, not the faces where they were."""
    library = tmp_path / "mine"
    wait_for(qtbot, shell.open(Profile("mine", "local", library=str(library))))
    window = shell.current[2]
    session = window.session
    photos = tmp_path / "Pictures"
    photos.mkdir()
    for name in ("whitson_portrait.jpg", "whitson_iss.jpg"):
        shutil.copyfile(DATA / name, photos / name)
    window.importer.start([str(photos)])
    qtbot.waitUntil(lambda: "Finding faces done" in window.statusBar().currentMessage(), timeout=60000)
    settle(qtbot, window)
    qtbot.waitUntil(lambda: session.curation.likeness is not None, timeout=15000)
    likeness = session.curation.likeness
    portrait, iss = (face_of(library, p) for p in ("whitson_portrait.jpg", "whitson_iss.jpg"))
    qtbot.waitUntil(lambda: portrait in likeness and iss in likeness, timeout=15000)
    session.create_person("Peggy Whitson", [portrait])
    settle(qtbot, window)
    qtbot.waitUntil(lambda: iss in likeness.suggest_unassigned())
    (whitson,) = [p for p in session.store.people.values() if p.name == "Peggy Whitson"]
    session.store.select(None)  # the face leaves the faces shown: the store makes it anew a turn later
    qtbot.waitUntil(lambda: iss in session.store.listings["faces"].rows)

    session.drop(FacesPayload((iss,), None), whitson)
    wait_for(qtbot, asyncio.sleep(0))  # one turn: the library has not answered yet
    assert db(library).execute("SELECT person_id FROM faces WHERE id = ?", (int(iss),)).fetchone() == (None,)
    assert iss not in likeness.suggest_unassigned()  # filed, as predicted
    settle(qtbot, window)
    assert iss not in likeness.suggest_unassigned()
