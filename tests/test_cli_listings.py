"""The command line's listings: a person's thumbnails with their ids and which is
primary, and every listing ending quietly when its reader stops reading (`| head`),
through real pipes between real processes."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys

import pytest
from fakes.ncp_mi import FakeMediaIntelligence
from fakes.opencv_fr import FakeOpenCvFr
from fakes.server import serve

from faceboard.app import main


def test_a_persons_thumbnails_are_listed_with_their_ids_and_which_is_primary(library_folder, capsys):
    lib = ["--library", str(library_folder)]
    assert main([*lib, "thumbnails", "1", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [set(t) for t in listed] == [{"id", "person_id", "primary"}] * len(listed) and len(listed) > 1
    assert sum(t["primary"] for t in listed) == 1 and {t["person_id"] for t in listed} == {"1"}
    other = next(t["id"] for t in listed if not t["primary"])
    assert main([*lib, "primary", "1", "--thumbnail", other]) == 0  # the id the listing gave
    capsys.readouterr()
    assert main([*lib, "thumbnails", "1"]) == 0
    rows = [line.split("\t") for line in capsys.readouterr().out.splitlines()]
    assert rows == [[t["id"], "primary" if t["id"] == other else "-"] for t in listed]
    assert main([*lib, "thumbnails", "9999"]) == 3 and "does not exist" in capsys.readouterr().err


def test_media_intelligence_thumbnails_are_listed_by_the_ids_the_service_knows(monkeypatch, capsys):
    fake = FakeMediaIntelligence.seeded()
    alice = next(p for p in fake.persons.values() if p.name == "Alice Archer")
    monkeypatch.setenv("FACEBOARD_NCP_ACCESS_KEY", fake.access_key)
    monkeypatch.setenv("FACEBOARD_NCP_SECRET_KEY", fake.secret_key)
    with serve(fake) as url:
        code = main(["--backend", "ncp-mi", "--base-url", url, "--workspace", fake.workspace, "thumbnails",
                     str(alice.id), "--json"])
    assert code == 0, capsys.readouterr().err
    assert [(t["id"], t["primary"]) for t in json.loads(capsys.readouterr().out)] == [
        (str(t["id"]), t["primary"]) for t in alice.thumbnails]


def faceboard_line(*args: str) -> str:
    return shlex.join([sys.executable, "-m", "faceboard", *args])


@pytest.mark.parametrize("command", [["people", "--json"], ["people"], ["thumbnails", "p1", "--json"],
                                     ["thumbnails", "p1"]])
def test_a_long_listing_read_by_head_ends_without_a_traceback(command):
    """Far more than a pipe holds (64 KB): the listing is still being written when head
    has its line and goes."""
    fake = FakeOpenCvFr.seeded(names=[f"Person {n:04d}" for n in range(1500)])
    fake.persons["p1"].thumbnails = [(f"t{n}", "AAAA") for n in range(20000)]  # listed, never decoded
    with serve(fake) as url:
        cli = faceboard_line("--backend", "opencv-fr", "--base-url", url, "--collection", "staff", *command)
        done = subprocess.run(["bash", "-c", f"{cli} | head -1 >/dev/null; exit ${{PIPESTATUS[0]}}"],
                              capture_output=True, text=True, timeout=120,
                              env={**os.environ, "FACEBOARD_OPENCV_FR_API_KEY": fake.api_key})
    assert (done.returncode, done.stderr) == (141, "")


@pytest.mark.parametrize("command", [["people", "--json"], ["faces", "--unassigned"], ["faces", "--person", "1"],
                                     ["thumbnails", "1", "--json"], ["history"], ["history", "--json"]])
def test_each_listing_ends_quietly_when_its_reader_is_gone(library_folder, command):
    assert main(["--library", str(library_folder), "assign", "4", "--to", "2"]) == 0  # a line for history
    reader, writer = os.pipe()
    os.close(reader)  # as `faceboard … | head -1` is once head has its line
    try:
        done = subprocess.run([sys.executable, "-m", "faceboard", "--library", str(library_folder), *command],
                              stdout=writer, stderr=subprocess.PIPE, text=True, timeout=60)
    finally:
        os.close(writer)
    assert (done.returncode, done.stderr) == (141, "")
