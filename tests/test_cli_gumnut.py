"""The command line end to end against the fake Gumnut on a real loopback socket."""

import json

import pytest
from fakes.gumnut import FakeGumnut
from fakes.server import serve

from faceboard.app import main
from faceboard.services.connections import Profile, ProfileStore, SecretStore


@pytest.fixture
def server():
    fake = FakeGumnut.seeded(people=4, faces_per_person=3, unassigned=5)
    with serve(fake) as base_url:
        yield fake, base_url


def gumnut(base_url):
    return ["--backend", "gumnut", "--base-url", base_url, "--library-id", "lib_main"]


def test_people_faces_assign_and_primary(server, monkeypatch, capsys):
    fake, base_url = server
    monkeypatch.setenv("FACEBOARD_GUMNUT_API_KEY", fake.api_key)
    assert main([*gumnut(base_url), "people", "--json"]) == 0
    people = json.loads(capsys.readouterr().out)
    assert [set(p) for p in people][0] == {"id", "name", "face_count", "primary_thumbnail_id", "hidden"}
    assert {p["name"] for p in people} >= {"Alice Archer", "Bob Baker"}
    assert main([*gumnut(base_url), "faces", "--unassigned", "--json"]) == 0
    loose = json.loads(capsys.readouterr().out)
    assert len(loose) == 5 and loose[0]["box"].keys() == {"x", "y", "w", "h"}
    alice = next(p for p in people if p["name"] == "Alice Archer")
    assert main([*gumnut(base_url), "assign", loose[0]["id"], loose[1]["id"], "--to", alice["id"]]) == 0
    assert fake.faces[loose[0]["id"]].person_id == alice["id"]
    assert main([*gumnut(base_url), "primary", alice["id"], "--face", loose[0]["id"]]) == 0
    assert fake.people[alice["id"]].thumbnail_face_id == loose[0]["id"]
    assert main([*gumnut(base_url), "assign", loose[0]["id"], "--unassigned"]) == 0
    assert fake.faces[loose[0]["id"]].person_id is None
    assert fake.api_key not in capsys.readouterr().err


def test_exit_codes_say_what_went_wrong(server, monkeypatch, capsys):
    fake, base_url = server
    monkeypatch.setenv("FACEBOARD_GUMNUT_API_KEY", "apikey_wrongKEY")
    assert main([*gumnut(base_url), "people"]) == 4
    assert "Invalid or expired token" in capsys.readouterr().err
    monkeypatch.setenv("FACEBOARD_GUMNUT_API_KEY", fake.api_key)
    assert main([*gumnut(base_url), "assign", "face_nope", "--to", "person_nope"]) == 3
    assert "does not exist" in capsys.readouterr().err
    monkeypatch.delenv("FACEBOARD_GUMNUT_API_KEY")
    assert main([*gumnut(base_url), "people"]) == 4
    assert "FACEBOARD_GUMNUT_API_KEY" in capsys.readouterr().err
    with pytest.raises(SystemExit) as usage:
        main(["assign", "face_1"])
    assert usage.value.code == 2


def test_an_unreachable_server_exits_5(monkeypatch, capsys):
    import socket

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("FACEBOARD_GUMNUT_API_KEY", "apikey_any")
    assert main([*gumnut(f"http://127.0.0.1:{port}"), "people"]) == 5
    assert "Cannot reach" in capsys.readouterr().err


def test_a_profile_with_its_key_in_the_keyring(server, capsys):
    fake, base_url = server
    ProfileStore().save(Profile("family", "gumnut", base_url, "lib_main"))
    SecretStore().set("family", fake.api_key)
    assert main(["--profile", "family", "people"]) == 0
    assert "Alice Archer" in capsys.readouterr().out
    assert main(["--profile", "nobody", "people"]) == 3
