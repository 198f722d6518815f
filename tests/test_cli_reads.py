"""`add-thumbnail` on Media Intelligence and OpenCV FR reads the person once before the
change and once after, counted on the fakes' requests."""

from __future__ import annotations

import pytest
from fakes.ncp_mi import FakeMediaIntelligence
from fakes.opencv_fr import FakeOpenCvFr
from fakes.server import serve
from PIL import Image

from faceboard.app import main


def reads_around(calls, read, change) -> tuple[int, int]:
    """How many `read` requests came before the first `change` request, and after it."""
    at = next(n for n, c in enumerate(calls) if change(c))
    return sum(map(read, calls[:at])), sum(map(read, calls[at + 1:]))


@pytest.fixture
def picture(tmp_path):
    path = tmp_path / "portrait.jpg"
    Image.new("RGB", (320, 400), (90, 90, 200)).save(path)
    return path


def test_media_intelligence_reads_the_person_once_before_and_once_after(monkeypatch, picture, capsys):
    fake = FakeMediaIntelligence.seeded()
    alice = next(p for p in fake.persons.values() if p.name == "Alice Archer")
    monkeypatch.setenv("FACEBOARD_NCP_ACCESS_KEY", fake.access_key)
    monkeypatch.setenv("FACEBOARD_NCP_SECRET_KEY", fake.secret_key)
    with serve(fake) as url:
        code = main(["--backend", "ncp-mi", "--base-url", url, "--workspace", fake.workspace,
                     "add-thumbnail", str(alice.id), str(picture)])
    assert code == 0, capsys.readouterr().err
    person = f"/api/v1/workspaces/{fake.workspace}/persons/{alice.id}"
    assert reads_around(fake.calls, lambda c: (c.method, c.path) == ("GET", person),
                        lambda c: (c.method, c.path) == ("POST", f"{person}/person-thumbnail")) == (1, 1)
    assert len(alice.thumbnails) == 3 and "Added 1 thumbnail" in capsys.readouterr().out


@pytest.mark.parametrize("edition", ["server", "cloud"])
def test_opencv_fr_reads_the_person_once_before_and_once_after(edition, monkeypatch, picture, capsys):
    fake = FakeOpenCvFr.seeded(edition=edition)
    monkeypatch.setenv("FACEBOARD_OPENCV_FR_API_KEY", fake.api_key)
    with serve(fake) as url:
        code = main(["--backend", "opencv-fr", "--base-url", url, "--collection", "staff", "--edition", edition,
                     "add-thumbnail", "p1", str(picture)])
    assert code == 0, capsys.readouterr().err
    change = ("PUT", "/persons") if edition == "server" else ("POST", "/person/images")
    assert reads_around(fake.calls, lambda c: (c.method, c.path) == ("GET", "/person/p1"),
                        lambda c: (c.method, c.path) == change) == (1, 1)
    assert len(fake.persons["p1"].thumbnails) == 2 and "Added 1 thumbnail" in capsys.readouterr().out
