"""The command line's "who is this": suggestions on `faces`, `groups`, `name-group`,
`create-person --faces`, `similar-people` and `faces --least-alike`, on a library scanned
from the real photos of tests/data, through the real entry point; and their refusals."""

from __future__ import annotations

import json
import os
import pty
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from fakes.faults import Faults
from fakes.gumnut import FakeGumnut
from fakes.server import serve
from own_photos import DATA
from PIL import Image, ImageEnhance, ImageOps

from faceboard.app import main

# The photos of tests/data but the crew of 13, whose faces of 44-68 px lie as near one
# another as one person's do (0.49-0.58 apart, under dlib's 0.6): no rule could tell them.
# Each other photo is one face, but the crew of three; a file's name says who is on it.
# Two portraits also have an altered copy (mirrored; mirrored and lighter): two photos of one
# person in tests/data lie 0.47 or more apart, too far to be grouped, a copy 0.1 or so.
REAL = sorted(p.name for p in DATA.glob("*.jpg") if p.name != "sts131_crew.jpg")
COPIES = {"whitson_portrait_mirrored.jpg": ("whitson_portrait.jpg", 1.0),
          "wiseman_portrait_lighter.jpg": ("wiseman_portrait.jpg", 1.3)}
PHOTOS = REAL + sorted(COPIES)
SAME = 0.5  # a similarity at or above this says "the same person" (dlib's 0.6)


@pytest.fixture(scope="module")
def scanned(tmp_path_factory) -> Path:
    """A library that imported and scanned the photos (which stay in their folder beside it)."""
    root = tmp_path_factory.mktemp("real")
    (root / "photos").mkdir()
    for name in REAL:
        shutil.copyfile(DATA / name, root / "photos" / name)
    for name, (original, light) in COPIES.items():
        mirrored = ImageOps.mirror(Image.open(DATA / original))
        ImageEnhance.Brightness(mirrored).enhance(light).save(root / "photos" / name, quality=90)
    with pytest.MonkeyPatch.context() as env:  # this fixture outlives the tests' own folders
        for variable in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME"):
            env.setenv(variable, str(root / "xdg" / variable.lower()))
        assert main(["--library", str(root / "library"), "import", str(root / "photos"), "--json"]) == 0
    return root / "library"


@pytest.fixture
def lib(scanned, tmp_path) -> list[str]:
    shutil.copytree(scanned, tmp_path / "library")
    return ["--library", str(tmp_path / "library")]


def said(capsys):
    return json.loads(capsys.readouterr().out)


def faces_by_photo(lib, capsys) -> dict[str, list[str]]:
    """Each photo's faces (the unassigned ones, all of them at first), by the photo's file name."""
    assert main([*lib, "faces", "--unassigned", "--json"]) == 0
    found: dict[str, list[str]] = {}
    for face in said(capsys):
        found.setdefault(os.path.basename(face["photo"]["file"]), []).append(face["id"])
    return found


def who(photo: str, face_id: str) -> str:
    """Who is on a face: the person a portrait or ISS photo names; on a crew photo, each face another."""
    return face_id if "crew" in photo else photo.split("_")[0].split(".")[0]


def create(lib, capsys, name: str, *faces: str) -> str:
    assert main([*lib, "create-person", name, "--faces", *faces, "--json"]) == 0
    return said(capsys)["person"]["id"]


def history(lib, capsys) -> list[dict]:
    assert main([*lib, "history", "--json"]) == 0
    return said(capsys)


def test_the_scan_found_every_face_of_the_photos(lib, capsys):
    faces = faces_by_photo(lib, capsys)
    assert {photo: len(ids) for photo, ids in faces.items()} == {
        photo: 3 if "crew" in photo else 1 for photo in PHOTOS}


def test_a_face_suggests_the_person_another_photo_of_them_was_given_and_no_one_else(lib, capsys):
    faces = faces_by_photo(lib, capsys)
    (whitson,), (wiseman,) = faces.pop("whitson_portrait.jpg"), faces.pop("wiseman_portrait.jpg")
    named = {create(lib, capsys, "Peggy Whitson", whitson): "whitson",
             create(lib, capsys, "Reid Wiseman", wiseman): "wiseman"}

    assert main([*lib, "faces", "--unassigned", "--json"]) == 0
    listed = said(capsys)
    assert len(listed) == sum(len(ids) for ids in faces.values())
    for face in listed:
        photo = os.path.basename(face["photo"]["file"])
        if who(photo, face["id"]) in named.values():  # another photo of Whitson or Wiseman, or a copy
            first = face["suggestions"][0]
            assert named[first["person_id"]] == who(photo, face["id"]) and first["similarity"] >= SAME, face
            assert set(first) == {"person_id", "name", "similarity"}
        else:  # the named two are someone else
            assert [s for s in face["suggestions"] if s["similarity"] >= SAME] == [], face
        similarities = [s["similarity"] for s in face["suggestions"]]
        assert similarities == sorted(similarities, reverse=True)  # best first

    (iss,) = faces["whitson_iss.jpg"]
    assert main([*lib, "faces", "--unassigned"]) == 0
    row = next(r for r in capsys.readouterr().out.splitlines() if r.startswith(f"{iss}\t"))
    assert row.split("\t")[-1].startswith("probably Peggy Whitson · ") and row.endswith(" %")

    assert main([*lib, "faces", "--person", create(lib, capsys, "Whitson at work", iss), "--json"]) == 0
    (hers,) = said(capsys)
    assert "Whitson at work" not in {s["name"] for s in hers["suggestions"]}  # never the face's own person
    assert hers["suggestions"][0]["name"] == "Peggy Whitson"


def test_groups_hold_one_person_each_and_naming_one_creates_the_person_with_its_faces(lib, capsys):
    faces = faces_by_photo(lib, capsys)
    person_of = {f: who(photo, f) for photo, ids in faces.items() for f in ids}
    assert main([*lib, "groups", "--json"]) == 0
    groups = said(capsys)
    assert all(set(g) == {"id", "face_ids"} for g in groups)
    assert all(len({person_of[f] for f in g["face_ids"]}) == 1 for g in groups)  # never two people in one
    assert all(g["id"] == f"group-{min(g['face_ids'], key=int)}" for g in groups)
    whitson = next(g for g in groups if person_of[g["face_ids"][0]] == "whitson")
    assert set(whitson["face_ids"]) >= {*faces["whitson_portrait.jpg"], *faces["whitson_portrait_mirrored.jpg"]}
    size = len(whitson["face_ids"])

    assert main([*lib, "groups"]) == 0
    out = capsys.readouterr()
    assert f"{whitson['id']}\t{size} faces\t{' '.join(whitson['face_ids'])}" in out.out.splitlines()
    assert f"{len(groups)} group" in out.err

    assert main([*lib, "name-group", whitson["id"], "--as", "  Peggy   Whitson "]) == 0
    sentence = capsys.readouterr().out.strip()
    assert sentence.startswith(f"Named {whitson['id']}: Peggy Whitson (person ")
    assert sentence.endswith(f"with {size} faces.")
    assert main([*lib, "people", "--json"]) == 0
    (peggy,) = [p for p in said(capsys) if p["name"] == "Peggy Whitson"]
    assert peggy["face_count"] == size and peggy["primary_thumbnail_id"]
    assert main([*lib, "faces", "--person", peggy["id"], "--json"]) == 0
    assert sorted(f["id"] for f in said(capsys)) == sorted(whitson["face_ids"])
    (entry,) = history(lib, capsys)  # one change, journaled
    assert entry["change"] == f"Create Peggy Whitson from {size} faces" and entry["state"] == "done"
    assert main([*lib, "groups", "--json"]) == 0
    assert whitson["id"] not in {g["id"] for g in said(capsys)}


def test_a_group_that_is_not_there_or_no_groups_id_is_refused_and_nothing_changes(lib, capsys):
    assert main([*lib, "people", "--json"]) == 0
    before = said(capsys)
    assert main([*lib, "name-group", "group-99999", "--as", "Nobody"]) == 3
    err = capsys.readouterr().err
    assert "There is no group group-99999 now" in err and "`faceboard groups` lists" in err
    for wrong in ("99999", "group-", "group-x1", "Group-1"):
        assert main([*lib, "name-group", wrong, "--as", "Nobody"]) == 2
        assert "is not a group's id" in capsys.readouterr().err
    assert history(lib, capsys) == []
    assert main([*lib, "people", "--json"]) == 0
    assert said(capsys) == before


def test_create_person_refuses_an_unknown_face_before_anything_is_journaled(lib, capsys):
    faces = faces_by_photo(lib, capsys)
    (collins,) = faces["collins.jpg"]
    assert main([*lib, "create-person", "Eileen Collins", "--faces", collins, "99999"]) == 3
    assert "Face 99999 does not exist" in capsys.readouterr().err
    assert history(lib, capsys) == []
    assert main([*lib, "people", "--json"]) == 0
    assert said(capsys) == []
    assert collins in sum(faces_by_photo(lib, capsys).values(), [])  # still unassigned

    person = create(lib, capsys, "Eileen Collins", collins)
    assert main([*lib, "faces", "--person", person, "--json"]) == 0
    assert [f["id"] for f in said(capsys)] == [collins]
    assert [e["change"] for e in history(lib, capsys)] == ["Create Eileen Collins"]


def test_similar_people_are_the_pairs_whose_faces_look_alike_most_alike_first(lib, capsys):
    faces = faces_by_photo(lib, capsys)
    ids = {name: create(lib, capsys, name, *faces[photo]) for name, photo in (
        ("Peggy Whitson", "whitson_portrait.jpg"), ("P. Whitson", "whitson_iss.jpg"),
        ("Reid Wiseman", "wiseman_portrait.jpg"), ("Eileen Collins", "collins.jpg"))}
    assert main([*lib, "similar-people", "--json"]) == 0
    pairs = said(capsys)
    first = pairs[0]
    assert {first["first_id"], first["second_id"]} == {ids["Peggy Whitson"], ids["P. Whitson"]}
    assert {first["first_name"], first["second_name"]} == {"Peggy Whitson", "P. Whitson"}
    assert first["similarity"] >= SAME
    assert all(p["similarity"] < SAME for p in pairs[1:])  # no one else is one person filed twice
    assert [p["similarity"] for p in pairs] == sorted((p["similarity"] for p in pairs), reverse=True)

    assert main([*lib, "similar-people"]) == 0
    out = capsys.readouterr()
    assert out.err.startswith(f"{len(pairs)} pair")
    row = out.out.splitlines()[0].split("\t")
    assert row[:2] == [first["first_id"], first["second_id"]] and row[2] == f"{round(first['similarity'] * 100)} %"
    assert row[3] in ("Peggy Whitson · P. Whitson", "P. Whitson · Peggy Whitson")


def test_least_alike_first_puts_a_wrongly_filed_face_on_the_first_row(lib, capsys):
    faces = faces_by_photo(lib, capsys)
    (planted,) = faces["wiseman_portrait.jpg"]  # found last: first only if sorted so
    person = create(lib, capsys, "Peggy Whitson", *faces["whitson_portrait.jpg"], *faces["whitson_iss.jpg"], planted)
    assert main([*lib, "faces", "--person", person, "--json"]) == 0
    assert [f["id"] for f in said(capsys)][-1] == planted
    assert main([*lib, "faces", "--person", person, "--least-alike", "--json"]) == 0
    listed = said(capsys)
    assert listed[0]["id"] == planted and len(listed) == 3

    assert main([*lib, "faces", "--unassigned", "--least-alike"]) == 2
    assert "--least-alike orders a person's faces" in capsys.readouterr().err


def test_grouping_shows_its_progress_on_a_terminal_and_never_in_the_output(lib, capsys):
    unnamed = sum(len(ids) for ids in faces_by_photo(lib, capsys).values())
    terminal, screen = pty.openpty()
    try:
        done = subprocess.run([sys.executable, "-m", "faceboard", *lib, "groups", "--json"], stderr=screen,
                              stdout=subprocess.PIPE, text=True, timeout=120)
        shown = os.read(terminal, 65536).decode()
    finally:
        os.close(terminal)
        os.close(screen)
    assert done.returncode == 0
    assert "\rComparing the faces… 0 s" in shown and f"\rGrouping {unnamed} unnamed faces… 0 s" in shown
    assert isinstance(json.loads(done.stdout), list)  # nothing but the groups

    quiet = subprocess.run([sys.executable, "-m", "faceboard", *lib, "groups"], capture_output=True, text=True,
                           timeout=120)
    assert quiet.returncode == 0 and "…" not in quiet.stderr  # not a terminal: no progress


@pytest.fixture
def gumnut(monkeypatch):
    fake = FakeGumnut.seeded(people=3, faces_per_person=2, unassigned=3)
    fake.rate_limited = False
    monkeypatch.setenv("FACEBOARD_GUMNUT_API_KEY", fake.api_key)
    with serve(fake) as base_url:
        yield fake, ["--backend", "gumnut", "--base-url", base_url, "--library-id", "lib_main"]


def test_on_gumnut_faces_carry_its_candidates_and_the_comparisons_say_it_cannot(gumnut, capsys):
    fake, connection = gumnut
    assert main([*connection, "faces", "--unassigned", "--json"]) == 0
    loose = said(capsys)
    assert loose and all(f["suggestions"] and all(s["similarity"] is None for s in f["suggestions"]) for f in loose)
    assert [s["name"] for s in loose[0]["suggestions"]] == ["Alice Archer", "Bob Baker"]  # as Gumnut orders them
    assert main([*connection, "faces", "--unassigned"]) == 0
    assert capsys.readouterr().out.splitlines()[0].endswith("\tprobably Alice Archer")

    person = next(iter(fake.people))
    for command in (["groups", "--json"], ["similar-people"], ["name-group", f"group-{loose[0]['id']}", "--as", "X"],
                    ["faces", "--person", person, "--least-alike", "--json"]):
        assert main([*connection, *command]) == 3, command
        out = capsys.readouterr()
        assert out.err.startswith("faceboard: Gumnut") and out.err.count("\n") == 1  # one line
        assert out.err.endswith(" cannot compare faces by their look (suggest people, group unknown faces).\n")
        assert out.out == ""
    assert len(fake.people) == 3


def test_offline_create_person_with_faces_keeps_nothing(gumnut, capsys):
    """Its faces are read first: with no answer nothing is journaled, and the message
    does not promise that it waits."""
    fake, connection = gumnut
    loose = next(f.id for f in fake.faces.values() if f.person_id is None)
    fake.faults = Faults(rate=1.0, modes=("drop",))
    assert main([*connection, "create-person", "Zoe", "--faces", loose]) == 5
    err = capsys.readouterr().err
    assert "Nothing was kept: run the command again once it answers." in err and "waits" not in err
    fake.faults.rate = 0.0
    assert main([*connection, "history", "--json"]) == 0
    assert said(capsys) == []
    assert len(fake.people) == 3
