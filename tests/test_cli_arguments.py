"""Hostile arguments end in a usage message and exit 2, never a traceback; what a server
names is printed with its control characters escaped, so it cannot forge a row."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from fakes.gumnut import FakeGumnut
from fakes.server import serve

from faceboard.app import main

USAGE = 2
TOO_LARGE = "99999999999999999999999"  # more than SQLite's 64 bits


def faceboard(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "faceboard", *args], capture_output=True, text=True, timeout=60,
                          env={**os.environ, **(env or {})})


@pytest.mark.parametrize("command", [
    ["assign", TOO_LARGE, "--to", "2"],
    ["assign", "4", "--to", TOO_LARGE],
    ["faces", "--person", TOO_LARGE],
    ["primary", "1", "--thumbnail", TOO_LARGE],
    ["add-thumbnail", TOO_LARGE, "picture.jpg"],
])
def test_an_id_too_large_for_the_library_is_a_usage_error(library_folder, capsys, command):
    assert main(["--library", str(library_folder), *command]) == USAGE
    err = capsys.readouterr().err
    assert f"{TOO_LARGE} is not an id of the local library" in err and "--help" in err


def test_a_history_limit_too_large_is_a_usage_error(capsys):
    for limit in (TOO_LARGE, "0", "many"):
        with pytest.raises(SystemExit) as usage:
            main(["history", "--limit", limit])
        assert usage.value.code == USAGE
        assert "whole number from 1 to" in capsys.readouterr().err


@pytest.mark.parametrize("url", ["http://[::1", "http://host:99999", "ftp://host", "http://", "http://ho st"])
def test_an_address_that_is_not_one_is_a_usage_error(url, capsys):
    with pytest.raises(SystemExit) as usage:
        main(["--backend", "gumnut", "--base-url", url, "--library-id", "lib", "people"])
    assert usage.value.code == USAGE
    assert "argument --base-url" in capsys.readouterr().err


def test_a_demo_where_no_folder_can_be_made_is_a_usage_error(tmp_path):
    a_file = tmp_path / "a file"
    a_file.write_text("in the way")
    done = faceboard("--demo", str(a_file / "demo"))
    assert done.returncode == USAGE, done.stderr
    assert "cannot make that folder" in done.stderr and "Traceback" not in done.stderr


def test_the_command_line_prints_a_hostile_name_on_one_line(monkeypatch):
    fake = FakeGumnut.seeded(people=2, faces_per_person=1, unassigned=0)
    forged = "Eve\nperson_999\tMallory\t99 faces\x1b[2J\u202e"
    next(iter(fake.people.values())).name = forged
    with serve(fake) as base_url:
        done = faceboard("--backend", "gumnut", "--base-url", base_url, "--library-id", "lib_main", "people",
                         env={"FACEBOARD_GUMNUT_API_KEY": fake.api_key, "XDG_DATA_HOME": os.environ["XDG_DATA_HOME"]})
    assert done.returncode == 0, done.stderr
    rows = done.stdout.splitlines()
    assert len(rows) == 2 and all(row.count("\t") == 2 for row in rows)
    assert "\x1b" not in done.stdout and "\u202e" not in done.stdout
    assert "Eve\\nperson_999\\tMallory\\t99 faces\\x1b[2J\\u202e" in done.stdout


def test_shown_escapes_only_what_a_terminal_would_obey():
    from faceboard.cli import shown

    assert shown("Zoë Ångström 李") == "Zoë Ångström 李"
    assert shown("a\rb\x07c\x9bd\u2028") == "a\\rb\\x07c\\x9bd\\u2028"


def test_history_prints_a_hostile_outcome_on_one_line(capsys):
    from conftest import run
    from faceboard.services.journal import FAILED, Journal
    from faceboard.services.operations import AssignFaces

    async def record():
        journal = Journal()
        try:
            entry = await journal.record("server", "Gumnut", "Move face to Eve\x1b[31m", AssignFaces((("f", "p"),)))
            await journal.finish(entry, FAILED, "refused\n2026-01-01 00:00:00\tforged\tMove all\tdone")
        finally:
            await journal.close()

    run(record())
    assert main(["history"]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and "\x1b" not in out and "refused\\n2026" in out


def test_a_reader_that_stops_reading_ends_the_listing_without_a_traceback(library_folder):
    reader, writer = os.pipe()
    os.close(reader)  # as `faceboard people | head -1` is once head has its line
    try:
        done = subprocess.run([sys.executable, "-m", "faceboard", "--library", str(library_folder), "people"],
                              stdout=writer, stderr=subprocess.PIPE, text=True, timeout=60)
    finally:
        os.close(writer)
    assert (done.returncode, done.stderr) == (141, "")


@pytest.mark.parametrize("address", ["http://[::1", "http://host:99999", "gumnut.example"])
def test_a_saved_profile_with_an_address_that_is_not_one_is_refused_in_one_line(address, monkeypatch, capsys):
    from faceboard.services.connections import Profile, ProfileStore

    ProfileStore().save(Profile("typo", "gumnut", address))
    monkeypatch.setenv("FACEBOARD_GUMNUT_API_KEY", "gumnut-key-for-the-test")
    assert main(["--profile", "typo", "people"]) == 3
    err = capsys.readouterr().err
    assert err.startswith(f"faceboard: The address {address} of typo is not an address") and err.count("\n") == 1


def test_an_id_of_19_digits_too_large_for_sqlite_is_told_the_true_bound(library_folder, capsys):
    assert main(["--library", str(library_folder), "faces", "--person", "9" * 19]) == USAGE
    err = capsys.readouterr().err
    assert "9,223,372,036,854,775,807" in err and "19 digits" not in err
