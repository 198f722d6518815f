"""The command line's "who is this": suggestions on `faces`, `create-person --faces` and
`similar-people`, on a library scanned from the real photos of tests/data, through the
real entry point; and their refusals."""

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

from faceboard.app import main

# The photos of tests/data but the crew of 13, whose faces of 44-68 px lie as near one
# another as one person's do (0.49-0.58 apart, under dlib's 0.6): no rule could tell them.
# Each other photo is one face, but the crew of three; a file's name says who is on it.
PHOTOS = sorted(p.name for p in DATA.glob("*.jpg") if p.name != "sts131_crew.jpg")
SAME = 0.5  # a similarity at or above this says "the same person" (dlib's 0.6)


@pytest.fixture(scope="module")
def scanned(tmp_path_factory) -> Path:
    """A library that imported and scanned the photos (which stay in their folder beside it)."""
    root = tmp_path_factory.mktemp("real")
    for name in PHOTOS:
        (root / "photos").mkdir(exist_ok=True)
        shutil.copyfile(DATA / name, root / "photos" / name)
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
    named = {create(lib, capsys, "Peggy Whitson", whitson): "whitson", create(lib, capsys, "Reid Wiseman", wiseman): "wiseman"}

    assert main([*lib, "faces", "--unassigned", "--json"]) == 0
    listed = said(capsys)
    assert len(listed) == sum(len(ids) for ids in faces.values())
    for face in listed:
        photo = os.path.basename(face["photo"]["file"])
        alike = [s for s in face["suggestions"] if s["similarity"] >= SAME]
        if photo in ("whitson_iss.jpg", "wiseman_iss.jpg"):
            first = face["suggestions"][0]
            assert named[first["person_id"]] == who(photo, face["id"]) and first["similarity"] >= SAME, face
            assert set(first) == {"person_id", "name", "similarity"}
        else:
            assert alike == [], face  # the named two are someone else
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
    row = capsys.readouterr().out.splitlines()[0].split("\t")
    assert row[:2] == [first["first_id"], first["second_id"]] and row[2] == f"{round(first['similarity'] * 100)} %"
    assert row[3] in ("Peggy Whitson · P. Whitson", "P. Whitson · Peggy Whitson")


def test_comparing_shows_its_progress_on_a_terminal_and_never_in_the_output(lib):
    terminal, screen = pty.openpty()
    try:
        done = subprocess.run([sys.executable, "-m", "faceboard", *lib, "similar-people", "--json"], stderr=screen,
                              stdout=subprocess.PIPE, text=True, timeout=120)
        shown = os.read(terminal, 65536).decode()
    finally:
        os.close(terminal)
        os.close(screen)
    assert done.returncode == 0
    assert "\rComparing the faces… 0 s" in shown
    assert json.loads(done.stdout) == []  # nothing but the pairs (none: no one is named yet)

    quiet = subprocess.run([sys.executable, "-m", "faceboard", *lib, "similar-people"], capture_output=True,
                           text=True, timeout=120)
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

    for command in (["similar-people"], ["similar-people", "--json"]):
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
