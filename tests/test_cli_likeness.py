"""The command line's "who is this", on a library scanned from the real photos of
tests/data, through the real entry point; and its refusals: `create-person --faces`."""

from __future__ import annotations

import json
import os
import shutil
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


@pytest.fixture
def gumnut(monkeypatch):
    fake = FakeGumnut.seeded(people=3, faces_per_person=2, unassigned=3)
    fake.rate_limited = False
    monkeypatch.setenv("FACEBOARD_GUMNUT_API_KEY", fake.api_key)
    with serve(fake) as base_url:
        yield fake, ["--backend", "gumnut", "--base-url", base_url, "--library-id", "lib_main"]


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
