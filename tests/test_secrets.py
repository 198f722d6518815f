"""Secrets stay out of messages, log lines, the journal and the history: a server that
echoes part of a key, and an address that carries a password."""

import logging

import pytest
from fakes.gumnut import FakeGumnut
from fakes.server import serve

from faceboard.app import main
from faceboard.backends.gumnut import GumnutBackend
from faceboard.backends.ncp_mi import NcpMediaIntelligence
from faceboard.backends.opencv_fr import OpenCvFaceRecognition
from faceboard.backends.superoffice import SuperOffice
from faceboard.errors import InvalidInput, Unavailable
from faceboard.redaction import redact, register_secret

KEY = "apikey_Zq8XwV3nL0pR7sT2uY5bC9dF4gH6jK1m"


def echoes(key: str) -> tuple[str, str]:
    """What a careless server says back: the key's first 12 and last 10 characters."""
    return key[:12], key[-10:]


def test_any_eight_characters_of_a_secret_in_a_row_are_hidden():
    secret = "s3cr3t-Hv7Qm2Lx9Pw4Kd8Zn"
    register_secret(secret)
    text = redact(f"refused {secret[:12]}... and ...{secret[-10:]}; also {secret[5:13]} but not {secret[:7]}!")
    assert secret[:12] not in text and secret[-10:] not in text and secret[5:13] not in text
    assert text.startswith("refused ***... and ...***; also *** but not ") and text.endswith(f"{secret[:7]}!")


def test_an_error_message_is_redacted_when_it_is_made():
    register_secret("tok-9fGh2Jk4Lm6Np8Qr")
    error = Unavailable("The server says: token tok-9fGh2J is wrong")
    assert "tok-9fGh2J" not in error.message and "tok-9fGh2J" not in str(error)


@pytest.fixture
def server():
    fake = FakeGumnut.seeded(people=2, faces_per_person=2, unassigned=2, api_key=KEY)
    with serve(fake) as base_url:
        yield fake, base_url


def test_a_key_echoed_in_part_is_neither_printed_logged_journaled_nor_shown(server, monkeypatch, capsys, caplog):
    fake, base_url = server
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("FACEBOARD_GUMNUT_API_KEY", KEY)
    face = next(f for f in fake.faces.values() if f.person_id is None)
    person = next(iter(fake.people))
    head, tail = echoes(KEY)
    fake.fail[("PATCH", f"/api/faces/{face.id}")] = (
        422, {"detail": f"key {head}...{tail} may not change faces"}, 1)
    where = ["--backend", "gumnut", "--base-url", base_url, "--library-id", "lib_main"]
    main([*where, "assign", face.id, "--to", person])
    assert main([*where, "history"]) == 0
    shown = capsys.readouterr()
    everything = shown.out + shown.err + caplog.text
    assert "key ***...*** may not change faces" in shown.out  # journaled and shown by history, less the key
    assert head not in everything and tail not in everything and KEY[12:-10] not in everything


@pytest.mark.parametrize("make", [
    lambda url: GumnutBackend(KEY, url),
    lambda url: NcpMediaIntelligence("access", "mi-Secr3t-refused", "ws-one", url),
    lambda url: SuperOffice(url, "so-Tok3n-refused"),
    lambda url: OpenCvFaceRecognition(url, "fr-K3y-refused", "faces"),
], ids=["gumnut", "ncp_mi", "superoffice", "opencv_fr"])
def test_a_password_in_the_address_is_refused_by_every_backend(make):
    with pytest.raises(InvalidInput, match="user name or password") as refused:
        make("https://someone:hunter2-Secret@api.example/x")
    assert "hunter2" not in refused.value.message


def test_the_command_line_refuses_a_password_in_the_address_and_sends_nothing(server, monkeypatch, capsys, caplog):
    fake, base_url = server
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("FACEBOARD_GUMNUT_API_KEY", KEY)
    with_password = base_url.replace("http://", "http://me:hunter2-Secret@")
    with pytest.raises(SystemExit) as refused:  # a usage error, as argparse ends one
        main(["--backend", "gumnut", "--base-url", with_password, "--library-id", "lib_main", "people"])
    err = capsys.readouterr().err
    assert refused.value.code == 2 and "user name or password" in err
    assert "hunter2" not in err + caplog.text and fake.calls == []


def test_a_password_in_an_address_is_hidden_in_log_lines(caplog):
    caplog.set_level(logging.DEBUG)
    logging.getLogger("faceboard.test").debug("GET %s", "https://me:pa55word-x@cdn.example/a.jpg")
    assert "pa55word" not in caplog.text and "https://me:***@cdn.example/a.jpg" in caplog.text
