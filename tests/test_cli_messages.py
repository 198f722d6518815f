"""What the command line says when a service refuses: what went wrong and what to do
next, against the fakes (which refuse as the real services do, in their words)."""

from __future__ import annotations

import pytest
from fakes.ncp_mi import FakeMediaIntelligence
from fakes.server import serve
from fakes.superoffice import FakeSuperOffice
from PIL import Image

from faceboard.app import main

AUTH, REFUSED = 4, 3


@pytest.mark.parametrize("auth, says", [
    ("bearer", ["did not accept the access token", "expired", "FACEBOARD_SUPEROFFICE_TOKEN"]),
    ("basic", ["did not accept the user name and password", "FACEBOARD_SUPEROFFICE_PASSWORD"]),
])
def test_a_superoffice_credential_refused_says_which_and_what_to_do(auth, says, monkeypatch, capsys):
    fake = FakeSuperOffice.seeded(auth=auth)
    if auth == "bearer":  # the command line signs in with what the environment gives
        monkeypatch.setenv("FACEBOARD_SUPEROFFICE_TOKEN", "exp1red-7hq2zz")
    else:
        monkeypatch.setenv("FACEBOARD_SUPEROFFICE_USER", fake.user)
        monkeypatch.setenv("FACEBOARD_SUPEROFFICE_PASSWORD", "wr0ng-9f3k2q")
    with serve(fake) as url:
        code = main(["--backend", "superoffice", "--base-url", f"{url}/{fake.tenant}/api/v1", "people"])
    err = capsys.readouterr().err
    assert code == AUTH and err.count("\n") == 1
    assert all(words in err for words in says), err
    assert "exp1red-7hq2zz" not in err and "wr0ng-9f3k2q" not in err


@pytest.fixture
def media(monkeypatch):
    fake = FakeMediaIntelligence.seeded()
    monkeypatch.setenv("FACEBOARD_NCP_ACCESS_KEY", fake.access_key)
    monkeypatch.setenv("FACEBOARD_NCP_SECRET_KEY", fake.secret_key)
    with serve(fake) as url:
        yield fake, ["--backend", "ncp-mi", "--base-url", url, "--workspace", fake.workspace]


def test_an_unknown_media_intelligence_thumbnail_names_the_persons_own(media, capsys):
    fake, connection = media
    alice = next(p for p in fake.persons.values() if p.name == "Alice Archer")
    assert main([*connection, "primary", str(alice.id), "--thumbnail", "424242"]) == REFUSED
    err = capsys.readouterr().err
    assert "Invalid Request" not in err and f"person {alice.id} has no thumbnail 424242" in err
    assert all(str(t["id"]) in err for t in alice.thumbnails)
    assert [t["primary"] for t in alice.thumbnails] == [True, False]  # nothing changed


def test_a_picture_too_small_for_media_intelligence_is_named_by_its_file(media, tmp_path, capsys):
    fake, connection = media
    alice = next(p for p in fake.persons.values() if p.name == "Alice Archer")
    small = tmp_path / "passport-scan.jpg"
    Image.new("RGB", (200, 240), (90, 90, 200)).save(small)
    assert main([*connection, "add-thumbnail", str(alice.id), str(small)]) == REFUSED
    err = capsys.readouterr().err
    assert "passport-scan.jpg: The picture is 200×240 pixels" in err and "choose a larger one" in err
    assert len(alice.thumbnails) == 2
