"""`faceboard import`, `faceboard scan` and a new library from the command line and the
window's start: a folder named with --library that holds nothing gets an empty library,
never the demo."""

import json
import os
import pty
import subprocess
import sys

from conftest import wait_for
from own_photos import copy_photos

from faceboard.app import main


def test_library_in_an_empty_or_new_folder_is_empty_without_the_demo(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    for folder in (tmp_path / "empty", tmp_path / "not there yet" / "library"):
        assert main(["--library", str(folder), "people", "--json"]) == 0
        assert json.loads(capsys.readouterr().out) == []
        assert (folder / "library.sqlite3").is_file()
        assert not any((folder / "images" / "assets").iterdir())
        assert main(["--library", str(folder), "faces", "--unassigned", "--json"]) == 0
        assert json.loads(capsys.readouterr().out) == []


def test_the_window_opens_a_new_folder_on_an_empty_library(qtbot, loop, tmp_path):
    from faceboard.app import Shell
    from faceboard.services.connections import Profile

    shell = Shell()
    wait_for(qtbot, shell.open(Profile("mine", "local", library=str(tmp_path / "new"))))
    try:
        backend, session, window = shell.current
        assert backend.is_empty() and not any((tmp_path / "new" / "images" / "assets").iterdir())
    finally:
        wait_for(qtbot, shell.close_current())
        wait_for(qtbot, shell.journal.close())


def test_import_finds_the_faces_and_lists_each_file_skipped(demo_template, tmp_path, capsys):
    folder = tmp_path / "Pictures"
    photos = copy_photos(demo_template, folder, 2)
    (folder / "notes.jpg").write_text("Remember to buy milk.\n")
    lib = ["--library", str(tmp_path / "library")]

    assert main([*lib, "import", str(folder), "--json"]) == 3  # a file was skipped
    said = json.loads(capsys.readouterr().out)
    assert (said["added"], said["known"], said["scanned"], said["waiting"]) == (2, 0, 2, 0)
    assert said["faces"] > 0
    assert [(os.path.basename(p["path"]), "text file" in p["reason"]) for p in said["problems"]] == [
        ("notes.jpg", True)]

    assert main([*lib, "faces", "--unassigned", "--json"]) == 0
    faces = json.loads(capsys.readouterr().out)
    assert len(faces) == said["faces"]
    assert all(0 < f["confidence"] <= 1 and f["photo"]["problem"] is None and f["photo"]["taken"] for f in faces)
    assert {f["photo"]["file"] for f in faces} == {str(p) for p in photos}

    assert main([*lib, "import", str(folder)]) == 0  # nothing new, and notes.jpg said once already
    out = capsys.readouterr()
    assert "Added 0 photos (2 already in the library)." in out.out and out.err == ""

    photos[0].unlink()
    assert main([*lib, "faces", "--unassigned", "--json"]) == 0
    gone = [f for f in json.loads(capsys.readouterr().out) if f["photo"]["file"] == str(photos[0])]
    assert gone and all("moved or deleted" in f["photo"]["problem"] for f in gone)


def test_import_without_waiting_leaves_the_scan_to_faceboard_scan(demo_template, tmp_path, capsys):
    folder = tmp_path / "Pictures"
    copy_photos(demo_template, folder, 2)
    lib = ["--library", str(tmp_path / "library")]
    assert main([*lib, "import", str(folder), "--no-wait"]) == 0
    out = capsys.readouterr().out
    assert "Added 2 photos." in out and "2 photos wait" in out
    assert main([*lib, "scan", "--status", "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert (status["waiting"], status["done"], status["faces"]) == (2, 0, 0)

    assert main([*lib, "scan", "--json"]) == 0
    scanned = json.loads(capsys.readouterr().out)
    assert (scanned["scanned"], scanned["waiting"]) == (2, 0) and scanned["faces"] > 0
    assert main([*lib, "scan", "--status"]) == 0
    assert f"2 photos scanned, 0 waiting, 0 failed; {scanned['faces']} faces found." in capsys.readouterr().out


def test_import_shows_its_progress_on_a_terminal(demo_template, tmp_path):
    folder = tmp_path / "Pictures"
    copy_photos(demo_template, folder, 2)
    terminal, screen = pty.openpty()
    try:
        done = subprocess.run([sys.executable, "-m", "faceboard", "--library", str(tmp_path / "library"), "import",
                               str(folder)], stderr=screen, stdout=subprocess.PIPE, text=True, timeout=300)
        shown = os.read(terminal, 65536).decode()
    finally:
        os.close(terminal)
        os.close(screen)
    assert done.returncode == 0
    assert "\rFinding faces: 0 of 2 photos · 0 faces" in shown
    assert "Finding faces: 2 of 2 photos" in shown
    assert "Finding faces" not in done.stdout  # progress is for the terminal, the summary for the output


def test_a_backend_without_photos_of_its_own_cannot_import(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("FACEBOARD_GUMNUT_API_KEY", "key-of-the-test")
    gumnut = ["--backend", "gumnut", "--base-url", "http://127.0.0.1:9"]
    assert main([*gumnut, "import", str(tmp_path)]) == 3
    assert "cannot import photos" in capsys.readouterr().err
