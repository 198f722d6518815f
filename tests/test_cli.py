import json
from pathlib import Path

from PIL import Image

from faceboard.app import main


def test_version(capsys):
    import pytest

    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.startswith("faceboard ")


def test_people_faces_assign_primary(library_folder, capsys):
    lib = ["--library", str(library_folder)]
    assert main([*lib, "people", "--json"]) == 0
    people = json.loads(capsys.readouterr().out)
    assert len(people) >= 20
    assert main([*lib, "faces", "--unassigned", "--json"]) == 0
    unassigned = json.loads(capsys.readouterr().out)
    face = unassigned[0]["id"]
    assert main([*lib, "assign", face, "--to", people[0]["id"]]) == 0
    capsys.readouterr()
    assert main([*lib, "faces", "--person", people[0]["id"], "--json"]) == 0
    mine = json.loads(capsys.readouterr().out)
    assert face in {f["id"] for f in mine}
    assert set(mine[0]) == {"id", "person_id", "asset_id", "box", "confidence", "photo", "suggestions"}
    assert set(mine[0]["box"]) == {"x", "y", "w", "h"} and set(mine[0]["photo"]) == {"file", "taken", "problem"}
    assert mine[0]["confidence"] is not None and Path(mine[0]["photo"]["file"]).is_file()
    assert set(people[0]) == {"id", "name", "face_count", "primary_thumbnail_id", "hidden"}
    assert main([*lib, "primary", people[0]["id"], "--face", face]) == 0
    assert "Primary of" in capsys.readouterr().out
    assert main([*lib, "assign", face, "--to", "99999"]) == 3
    assert "does not exist" in capsys.readouterr().err


def test_add_thumbnail_refuses_bad_files_by_name(library_folder, tmp_path, capsys):
    good = tmp_path / "me.png"
    Image.new("RGB", (240, 320), (90, 90, 200)).save(good)
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    lib = ["--library", str(library_folder)]
    assert main([*lib, "add-thumbnail", "1", str(broken)]) == 3
    assert "broken.jpg" in capsys.readouterr().err
    assert main([*lib, "people", "--json"]) == 0
    before = {p["id"]: p for p in json.loads(capsys.readouterr().out)}
    assert main([*lib, "add-thumbnail", "1", str(good), str(broken)]) == 3
    out = capsys.readouterr()
    assert "Added 1 thumbnail" in out.out and "broken.jpg" in out.err
    assert main([*lib, "people", "--json"]) == 0
    after = {p["id"]: p for p in json.loads(capsys.readouterr().out)}
    assert after["1"]["primary_thumbnail_id"] == before["1"]["primary_thumbnail_id"] or before["1"]["primary_thumbnail_id"] is None


def test_a_folder_of_other_files_is_no_library_and_is_left_alone(tmp_path, capsys):
    (tmp_path / "Documents").mkdir()
    (tmp_path / "Documents" / "letter.txt").write_text("Dear Ada")
    assert main(["--library", str(tmp_path / "Documents"), "people"]) == 3
    assert "not an empty folder and holds no Faceboard library" in capsys.readouterr().err
    assert [p.name for p in (tmp_path / "Documents").iterdir()] == ["letter.txt"]


def test_the_default_library_is_not_made_by_a_listing(capsys):
    assert main(["people"]) == 3  # the window's first run makes it, with the demo
    assert "no library" in capsys.readouterr().err


def test_add_thumbnail_takes_a_folder_of_pictures(library_folder, tmp_path, capsys):
    folder = tmp_path / "portraits"
    folder.mkdir()
    for i in range(3):
        Image.new("RGB", (200, 260), (40 * i, 90, 200)).save(folder / f"p{i}.jpg")
    (folder / "notes.txt").write_text("not a picture")
    assert main(["--library", str(library_folder), "add-thumbnail", "2", str(folder)]) == 0
    assert "Added 3 thumbnails to" in capsys.readouterr().out


def test_history_lists_the_journal_without_a_library(tmp_path, capsys):
    from faceboard.app import main

    assert main(["--library", str(tmp_path / "none"), "history", "--json"]) == 0
    assert capsys.readouterr().out.strip() == "[]"
