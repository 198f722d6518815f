"""The commands that change people: each as the window does it, journaled, with --json."""

import json
import sqlite3

from faceboard.app import main


def lib(folder):
    return ["--library", str(folder)]


def said(capsys):
    return json.loads(capsys.readouterr().out)


def people(folder, capsys):
    assert main([*lib(folder), "people", "--json"]) == 0
    return {p["id"]: p for p in said(capsys)}


def test_create_person_with_faces_makes_the_first_their_primary(library_folder, capsys):
    assert main([*lib(library_folder), "faces", "--unassigned", "--json"]) == 0
    faces = [f["id"] for f in said(capsys)[:2]]
    assert main([*lib(library_folder), "create-person", "  Zoe   Nova ", "--faces", *faces, "--json"]) == 0
    answer = said(capsys)
    person = answer["person"]
    assert person["name"] == "Zoe Nova" and person["face_count"] == 2 and person["primary_thumbnail_id"]
    assert sorted(answer["moved_face_ids"]) == sorted(faces)
    assert people(library_folder, capsys)[person["id"]]["face_count"] == 2
    assert main([*lib(library_folder), "create-person", "Nobody Yet"]) == 0
    assert capsys.readouterr().out.startswith("Created Nobody Yet (person ")


def test_rename_and_hide_say_the_person_as_they_are_now(library_folder, capsys):
    assert main([*lib(library_folder), "rename", "3", "Three  New", "--json"]) == 0
    assert said(capsys)["person"]["name"] == "Three New"
    assert main([*lib(library_folder), "hide", "3", "--json"]) == 0
    assert said(capsys)["person"]["hidden"] is True
    assert people(library_folder, capsys)["3"]["hidden"] is True
    assert main([*lib(library_folder), "hide", "3", "--show"]) == 0
    assert capsys.readouterr().out.strip() == "Three New is shown again."
    assert people(library_folder, capsys)["3"]["hidden"] is False


def test_delete_person_unassigns_their_faces(library_folder, capsys):
    before = people(library_folder, capsys)["4"]["face_count"]
    assert main([*lib(library_folder), "delete-person", "4", "--json"]) == 0
    answer = said(capsys)
    assert answer["person"] is None and answer["removed_person_ids"] == ["4"]
    assert answer["unassigned_faces"] == before == len(answer["moved_face_ids"])
    assert "4" not in people(library_folder, capsys)
    db = sqlite3.connect(library_folder / "library.sqlite3")
    assert db.execute("SELECT COUNT(*) FROM faces WHERE person_id = 4 AND deleted = 0").fetchone()[0] == 0
    assert main([*lib(library_folder), "delete-person", "4"]) == 3
    assert "does not exist" in capsys.readouterr().err


def test_merge_moves_every_face_to_the_first_person(library_folder, capsys):
    before = people(library_folder, capsys)
    assert main([*lib(library_folder), "merge", "5", "6", "7"]) == 0
    total = sum(before[p]["face_count"] for p in ("5", "6", "7"))
    assert capsys.readouterr().out.strip() == f"Merged 2 people into {before['5']['name']}: {total} faces now."
    after = people(library_folder, capsys)
    assert after["5"]["face_count"] == total and "6" not in after and "7" not in after
    assert main([*lib(library_folder), "merge", "5", "5", "--json"]) == 2  # a usage error: see the test below
    assert "cannot be merged into themselves" in capsys.readouterr().err


def test_people_commands_are_journaled_and_refuse_bad_ids(library_folder, capsys):
    assert main([*lib(library_folder), "rename", "abc", "X"]) == 2
    assert "not an id of the local library" in capsys.readouterr().err
    assert main([*lib(library_folder), "merge", "5", "x6"]) == 2
    capsys.readouterr()
    assert main([*lib(library_folder), "rename", "3", "Tri"]) == 0
    capsys.readouterr()
    assert main([*lib(library_folder), "history", "--json"]) == 0
    entry = said(capsys)[0]
    assert entry["change"] == "Rename person 3 to Tri" and entry["state"] == "done"


def test_a_person_merged_into_themselves_is_a_usage_error_and_nothing_is_journaled(library_folder, capsys):
    assert main([*lib(library_folder), "merge", "5", "6", "5"]) == 2
    assert "cannot be merged into themselves" in capsys.readouterr().err
    assert main([*lib(library_folder), "history", "--json"]) == 0
    assert said(capsys) == []  # it was journaled, then failed, before
