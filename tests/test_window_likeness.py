"""Who is this in the real window, on a library of real photos (tests/data): the likeness
loads after the store, hears every change shown (predicted at once, then answered) and the
faces a scan adds, and `Session.suggestionsChanged` names the faces whose suggestions changed."""

import shutil
from pathlib import Path

import pytest
from conftest import wait_for
from ui_helpers import db, settle

from faceboard.app import Shell
from faceboard.services.connections import Profile
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
