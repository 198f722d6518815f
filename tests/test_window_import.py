"""Importing photos from the real window, with the real Scanner: File → New library…,
File → Import photos… and a folder dropped on the window; progress in the status bar,
Cancel, the new faces shown as they are found (the selection kept), the files skipped
listed once; faces without an embedding (the demo's) learnt in the background."""

from pathlib import Path

import pytest
from conftest import wait_for
from own_photos import copy_photos
from PySide6.QtCore import QMimeData, QPoint, QUrl
from ui_helpers import db, drop, select_faces, select_person, settle

from faceboard import cli
from faceboard.app import Shell
from faceboard.services.connections import Profile, default_library
from faceboard.ui import dialogs

DATA = Path(__file__).parent / "data"


def scanned(qtbot, window, timeout=60000):
    qtbot.waitUntil(lambda: not window.importer.running, timeout=timeout)
    settle(qtbot, window)


@pytest.fixture
def shell(qtbot, loop, tmp_path):
    shell = Shell()
    yield shell
    wait_for(qtbot, shell.close_current())


def test_a_new_library_then_photos_imported_through_the_menu(qtbot, shell, demo_template, tmp_path, monkeypatch):
    wait_for(qtbot, shell.open(Profile("mine", "local", library=str(tmp_path / "first"))))
    first = shell.current[2]
    busy = tmp_path / "Documents"
    busy.mkdir()
    (busy / "letter.txt").write_text("Dear …")
    monkeypatch.setattr(dialogs, "ask_folder", lambda *args: str(busy))
    first.actions.new_library.trigger()
    qtbot.waitUntil(lambda: "not empty" in first.statusBar().currentMessage())
    assert shell.current[2] is first and not (busy / "library.sqlite3").exists()  # nothing made there
    empty = tmp_path / "Family library"
    empty.mkdir()
    monkeypatch.setattr(dialogs, "ask_folder", lambda *args: str(empty))
    first.actions.new_library.trigger()
    qtbot.waitUntil(lambda: shell.opening.done(), timeout=30000)
    window = shell.current[2]
    assert window is not first
    assert (empty / "library.sqlite3").exists() and window.session.store.people == {}  # no demo in it
    assert window.session.store.unassigned == 0
    photos = tmp_path / "Pictures"
    copy_photos(demo_template, photos, 3)
    (photos / "notes.jpg").write_text("not a photo at all")
    monkeypatch.setattr(dialogs, "ask_folder", lambda *args: str(photos))
    texts = []
    window.importer.progress.connect(lambda progress: texts.append(window.scan_status.text()))
    assert window.actions.import_photos.shortcut().toString() == "Ctrl+Shift+I"
    window.actions.import_photos.trigger()
    qtbot.waitUntil(lambda: window.scan_status.isVisible() and window.scan_cancel.isVisible())
    scanned(qtbot, window)
    assert not window.scan_status.isVisible()
    assert any(t.startswith("Finding faces: ") and " of 3 photos" in t for t in texts)
    faces = window.session.faces
    qtbot.waitUntil(lambda: faces.rowCount() >= 6)  # in Unassigned, which is shown
    assert window.session.store.unassigned == faces.rowCount()
    assert all(faces.face_at(r).confidence for r in range(faces.rowCount()))
    dialog = window.skipped_dialog  # the broken file, listed once
    assert dialog is not None and dialog.isVisible() and dialog.detailedText().count("notes.jpg") == 1
    assert "Finding faces done" in window.statusBar().currentMessage()
    assert window.statusBar().currentMessage().endswith("; 1 file skipped.")  # not "1 files"
    window.actions.import_photos.trigger()  # the same folder again
    qtbot.waitUntil(lambda: window.statusBar().currentMessage().startswith("No new photos"), timeout=30000)
    assert window.statusBar().currentMessage() == "No new photos: 3 photos already in the library."


def test_a_folder_dropped_on_the_window_is_imported_and_the_selection_kept(qtbot, app_window, demo_template, tmp_path):
    window = app_window
    (chosen,) = select_faces(window, [1])
    before = window.session.faces.rowCount()
    photos = tmp_path / "Dropped"
    copy_photos(demo_template, photos, 2)  # the demo's own photos again: known, not added twice
    (photos / "new").mkdir()
    from PIL import Image
    picture = Image.open(sorted((demo_template / "images" / "assets").glob("*.jpg"))[5]).transpose(Image.FLIP_LEFT_RIGHT)
    picture.save(photos / "new" / "mirrored.jpg")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(photos))])
    assert drop(window, QPoint(600, 400), mime)
    qtbot.waitUntil(lambda: window.importer.running or window.session.faces.rowCount() > before, timeout=5000)
    scanned(qtbot, window)
    qtbot.waitUntil(lambda: window.session.faces.rowCount() > before)
    assert window.faces_pane.selected_ids() == [chosen]  # what was chosen stays chosen
    assert window.skipped_dialog is None  # nothing skipped: nothing to list


def test_a_file_dropped_on_the_window_is_not_imported(qtbot, app_window, tmp_path):
    window = app_window
    file = tmp_path / "one.jpg"
    file.write_bytes(b"\xff\xd8\xff")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(file))])
    assert not drop(window, QPoint(600, 400), mime)  # pictures become thumbnails, dropped on a person
    assert not window.importer.running


def test_cancel_stops_the_scan_and_the_rest_waits_for_the_next_start(qtbot, shell, demo_template, tmp_path):
    library = tmp_path / "mine"
    wait_for(qtbot, shell.open(Profile("mine", "local", library=str(library))))
    window = shell.current[2]
    photos = tmp_path / "Pictures"
    copy_photos(demo_template, photos, 8)
    window.importer.start([str(photos)])
    qtbot.waitUntil(lambda: window.scan_cancel.isVisible(), timeout=20000)
    window.scan_cancel.click()
    scanned(qtbot, window)
    assert "stopped" in window.statusBar().currentMessage()
    status = wait_for(qtbot, window.session.curator.backend.scan_status())
    assert status.waiting > 0
    wait_for(qtbot, shell.close_current())
    wait_for(qtbot, shell.open(Profile("mine", "local", library=str(library))))  # opening again goes on
    window = shell.current[2]
    qtbot.waitUntil(lambda: window.importer.running, timeout=10000)
    scanned(qtbot, window, timeout=120000)
    status = wait_for(qtbot, window.session.curator.backend.scan_status())
    assert (status.waiting, status.done) == (0, 8)


def test_the_next_start_opens_the_library_made_with_new_library(qtbot, shell, tmp_path, monkeypatch):
    """A library made with File → New library… was gone at the next start (the demo
    showed instead, the scan it had left never resumed)."""
    wait_for(qtbot, shell.open(Profile("mine", "local", library=str(tmp_path / "first"))))
    first = shell.current[2]
    empty = tmp_path / "Family library"
    empty.mkdir()
    monkeypatch.setattr(dialogs, "ask_folder", lambda *args: str(empty))
    first.actions.new_library.trigger()
    qtbot.waitUntil(lambda: shell.opening.done(), timeout=30000)  # opened, remembered and loaded
    shell.opening.result()
    assert shell.current[2] is not first
    no_arguments = cli.parser().parse_args([])
    assert cli.connection(no_arguments, None, window=True)[0].library == str(empty)
    assert cli.connection(no_arguments, None)[0].library == str(default_library())  # commands keep theirs
    given = cli.parser().parse_args(["--library", str(tmp_path / "first")])
    assert cli.connection(given, None, window=True)[0].library == str(tmp_path / "first")
    wait_for(qtbot, shell.close_current())
    (empty / "library.sqlite3").unlink()  # gone since: the default library again
    assert cli.connection(no_arguments, None, window=True)[0].library == str(default_library())


@pytest.fixture
def small_demo(tmp_path):
    """A demo library of four photos: its faces drawn, none embedded (as an older build left them)."""
    from faceboard.backends.local import demo

    folder = tmp_path / "small demo"
    demo.generate(folder, people=6, photos=4)
    return folder


def learning(window) -> bool:
    return window.scan_status.isVisible() and window.scan_status.text().startswith("Learning faces: ")


def test_on_opening_the_faces_without_an_embedding_are_learnt_in_the_background(qtbot, shell, small_demo):
    wait_for(qtbot, shell.open(Profile("mine", "local", library=str(small_demo))))
    window = shell.current[2]
    library = window.session.curator.backend
    faces = wait_for(qtbot, library.scan_status()).to_learn
    qtbot.waitUntil(lambda: learning(window), timeout=20000)
    assert f" of {faces}" in window.scan_status.text() and window.scan_cancel.isVisible()
    select_person(qtbot, window, "2")  # the window goes on answering meanwhile
    assert window.session.faces.rowCount() > 0
    scanned(qtbot, window, timeout=120000)
    assert not window.scan_status.isVisible()
    assert window.statusBar().currentMessage() == f"Learning faces done: {faces} faces learnt."
    status = wait_for(qtbot, library.scan_status())
    assert status.to_learn == 0 and len(wait_for(qtbot, library.face_vectors()).face_ids) == faces


def test_photos_given_while_faces_are_learnt_are_scanned_first_then_the_learning_goes_on(qtbot, shell, small_demo,
                                                                                         tmp_path):
    wait_for(qtbot, shell.open(Profile("mine", "local", library=str(small_demo))))
    window = shell.current[2]
    library = window.session.curator.backend
    qtbot.waitUntil(lambda: learning(window), timeout=20000)
    photos = tmp_path / "Pictures"
    photos.mkdir()
    (photos / "collins.jpg").write_bytes((DATA / "collins.jpg").read_bytes())
    texts = []
    window.importer.progress.connect(lambda progress: texts.append(window.scan_status.text()))
    window.importer.start([str(photos)])
    qtbot.waitUntil(lambda: any(t.startswith("Finding faces: ") for t in texts), timeout=20000)
    qtbot.waitUntil(lambda: wait_for(qtbot, library.scan_status()).done == 5, timeout=60000)  # its 4 and collins
    qtbot.waitUntil(lambda: learning(window), timeout=20000)  # then it goes on
    scanned(qtbot, window, timeout=120000)
    assert window.statusBar().currentMessage().startswith("Learning faces done: ")
    assert wait_for(qtbot, library.scan_status()).to_learn == 0
    first_finding = next(i for i, t in enumerate(texts) if t.startswith("Finding faces: "))
    assert all(t.startswith("Finding faces: ") for t in texts[first_finding:first_finding + 2])


def test_the_first_start_learns_the_demo_librarys_faces_without_being_asked(qtbot, shell):
    wait_for(qtbot, shell.open(Profile("first start", "local")), timeout=120000)  # the demo is made
    window = shell.current[2]
    library = window.session.curator.backend
    assert library.folder == default_library()
    faces = wait_for(qtbot, library.scan_status()).to_learn
    assert faces == db(library.folder).execute("SELECT COUNT(*) FROM faces").fetchone()[0] > 300  # every one
    qtbot.waitUntil(lambda: learning(window), timeout=30000)
    assert window.scan_status.text().startswith("Learning faces: ") and f" of {faces}" in window.scan_status.text()
