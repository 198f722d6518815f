"""The backend registry: each kind is described once and everything reads it (profiles,
the command line's flags, the Connections form, the Publish and Find-in-media dialogs);
each backend does what its entry says, and plays the roles its capabilities claim."""

import asyncio
import json
from dataclasses import fields
from types import SimpleNamespace

import pytest

from faceboard import cli
from faceboard.backends.base import Backend, FaceComparing, FaceDrawing, MediaSearch, PhotoLibrary, PhotoSource, PublishTarget
from faceboard.backends.local import LocalLibrary
from faceboard.backends.registry import BackendKind, Field
from faceboard.domain import Capability
from faceboard.errors import AuthFailed
from faceboard.services.connections import (
    BACKENDS,
    Profile,
    ProfileStore,
    SecretStore,
    keyring_name,
    kinds_that,
    open_backend,
    read_secrets,
)
from faceboard.ui.connections import ConnectionsDialog
from faceboard.ui.media_search import media_profiles


SAMPLE = {"base_url": "http://backend.test", "library": "staff", "user": "ncpAKIDsample", "key": "sampleKEY123",
          "app_token": "sampleAPPTOKEN"}


def made(profile: Profile) -> Backend:
    return open_backend(profile, {f.name: SAMPLE[f.name] for f in profile.secret_fields})


def close(backend: Backend) -> None:
    asyncio.run(backend.close())


@pytest.mark.parametrize("kind", [k for k in BACKENDS if k != "local"])
def test_each_backend_does_what_its_entry_says_and_plays_the_roles_it_claims(kind):
    entry = BACKENDS[kind]
    settings = {f.name: SAMPLE[f.name] for f in entry.fields if not f.secret and f.name in SAMPLE}
    variants = [dict(settings, **{f.name: value}) for f in entry.fields if f.choices for value, _ in f.choices] \
        or [settings]
    seen = set()
    for variant in variants:
        backend = made(Profile("sample", kind, **variant))
        try:
            assert isinstance(backend, Backend)
            assert backend.capabilities <= entry.capabilities, variant
            seen |= backend.capabilities
            assert isinstance(backend, PublishTarget) == (Capability.RECEIVE_PUBLISHED in backend.capabilities)
            assert isinstance(backend, MediaSearch) == (Capability.FIND_IN_MEDIA in backend.capabilities)
            assert isinstance(backend, PhotoSource) == (Capability.SHOW_PHOTOS in backend.capabilities)
            assert isinstance(backend, FaceDrawing) == (Capability.DRAW_FACES in backend.capabilities)
            assert isinstance(backend, PhotoLibrary) == (Capability.IMPORT_PHOTOS in backend.capabilities)
            assert isinstance(backend, FaceComparing) == (Capability.COMPARE_FACES in backend.capabilities)
        finally:
            close(backend)
    assert seen == entry.capabilities  # the entry claims no more than some connection of that kind does


def test_the_local_library_does_what_its_entry_says(tmp_path):
    backend = open_backend(Profile("mine", "local", library=str(tmp_path / "library")))
    try:
        assert isinstance(backend, LocalLibrary) and backend.capabilities == BACKENDS["local"].capabilities
        assert not isinstance(backend, PublishTarget) and not isinstance(backend, MediaSearch)
        assert isinstance(backend, PhotoSource) and Capability.SHOW_PHOTOS in backend.capabilities
        assert isinstance(backend, FaceDrawing) and Capability.DRAW_FACES in backend.capabilities
        assert isinstance(backend, PhotoLibrary) and Capability.IMPORT_PHOTOS in backend.capabilities
        assert isinstance(backend, FaceComparing) and Capability.COMPARE_FACES in backend.capabilities
    finally:
        close(backend)


def test_every_setting_is_kept_in_the_profile_and_every_secret_out_of_it():
    kept = {f.name for f in fields(Profile)}
    for entry in BACKENDS.values():
        for field in entry.fields:
            assert (field.name in kept) != field.secret, (entry.kind, field.name)
            assert field.when is None or entry.field(field.when[0]) is not None, (entry.kind, field.name)


def test_the_command_line_names_a_connection_as_before(monkeypatch):
    def profile(*argv):
        return cli.connection(cli.parser().parse_args([*argv, "people"]), None)[0]

    assert profile("--backend", "gumnut", "--base-url", "http://g.test", "--library-id", "lib_1") == \
        Profile("command line", "gumnut", "http://g.test", "lib_1")
    assert profile("--backend", "ncp-mi", "--workspace", "family-ws").library == "family-ws"
    assert profile("--backend", "opencv-fr", "--collection", "staff", "--edition", "cloud") == \
        Profile("command line", "opencv-fr", library="staff", edition="cloud")
    assert profile("--backend", "opencv-fr", "--collection", "staff").edition == "server"
    assert profile("--library", "/tmp/lib") == Profile("command line", "local", library="/tmp/lib")
    assert profile("--backend", "superoffice").auth == "bearer"
    monkeypatch.setenv("FACEBOARD_SUPEROFFICE_USER", "ada")
    monkeypatch.setenv("FACEBOARD_SUPEROFFICE_PASSWORD", "pw-from-env-123")
    onsite = profile("--backend", "superoffice", "--base-url", "http://so.test/api/v1")
    assert onsite.auth == "basic" and read_secrets(onsite, None) == {"key": "pw-from-env-123"}
    with pytest.raises(SystemExit):
        cli.parser().parse_args(["--backend", "opencv-fr", "--edition", "desktop", "people"])


def test_a_missing_secret_is_named_with_where_to_put_it():
    with pytest.raises(AuthFailed, match="No password for SuperOffice CRM: .* set FACEBOARD_SUPEROFFICE_PASSWORD"):
        open_backend(Profile("crm", "superoffice", "http://so.test", auth="basic", user="ada"), {})
    with pytest.raises(AuthFailed, match="No application token for SuperOffice CRM: save one in the profile\\.$"):
        open_backend(Profile("crm", "superoffice", "http://so.test", auth="soticket"), {"key": "ticket-123"})
    with pytest.raises(AuthFailed, match="No secret key for NAVER Media Intelligence"):
        open_backend(Profile("media", "ncp-mi", "http://mi.test", "ws"), {})


@pytest.fixture
def toy(monkeypatch, tmp_path):
    """A kind of backend added the way the next one will be: one entry (its module here is
    the local library's)."""
    made_with = []

    def factory(values, **options):
        made_with.append(values)
        return LocalLibrary(tmp_path / "toy")

    entry = BackendKind("toy", "Toy Vault", (
        Field("base_url", "Address", flag="--base-url", help="the backend's address"),
        Field("library", "Shelf", "which shelf", "which shelf of the vault", flag="--shelf"),
        Field("key", "Vault token", secret=True, variable="FACEBOARD_TOY_TOKEN"),
    ), frozenset({Capability.RECEIVE_PUBLISHED, Capability.FIND_IN_MEDIA}), factory)
    monkeypatch.setitem(BACKENDS, "toy", entry)
    return SimpleNamespace(entry=entry, made_with=made_with)


def test_a_new_backend_is_one_registry_entry(toy, monkeypatch):
    args = cli.parser().parse_args(["--backend", "toy", "--shelf", "top", "people"])
    monkeypatch.setenv("FACEBOARD_TOY_TOKEN", "toyTOKEN-from-env")
    profile, secrets = cli.connection(args, SecretStore())
    assert profile == Profile("command line", "toy", library="top") and secrets == {"key": "toyTOKEN-from-env"}
    close(open_backend(profile, secrets))
    assert toy.made_with == [{"base_url": "", "library": "top", "key": "toyTOKEN-from-env"}]
    store = ProfileStore()
    store.save(Profile("vault", "toy", "http://toy.test", "top"))
    assert json.loads(store.path.read_text())["profiles"][0]["kind"] == "toy"
    assert toy.entry in kinds_that(Capability.RECEIVE_PUBLISHED) and [p.name for p in media_profiles(store)] == ["vault"]


def test_the_connections_form_of_a_new_backend_asks_for_its_fields(toy, qtbot, loop):
    store, secrets = ProfileStore(), SecretStore()
    store.save(Profile("vault", "toy", "http://toy.test", "top"))
    dialog = ConnectionsDialog(store, secrets)
    qtbot.addWidget(dialog)
    assert dialog.kind.currentData() == "toy" and dialog.input("library").text() == "top"
    assert dialog.label("library") == "Shelf" and dialog.label("key") == "Vault token"
    assert not dialog.shown("edition") and dialog.input("library").placeholderText() == "which shelf"
    dialog.input("key").setText("toyTOKEN-typed")
    dialog.input("library").setText("bottom")
    assert dialog.save() == Profile("vault", "toy", "http://toy.test", "bottom")
    assert secrets.get(keyring_name("vault", toy.entry.field("key"))) == "toyTOKEN-typed"
    assert "toyTOKEN" not in store.path.read_text()


def test_the_connections_form_refuses_an_address_that_is_not_one_before_saving_it(qtbot, loop):
    store = ProfileStore()
    dialog = ConnectionsDialog(store, SecretStore())
    qtbot.addWidget(dialog)
    dialog.name.setText("typo")
    dialog.kind.setCurrentIndex(dialog.kind.findData("gumnut"))
    dialog.input("base_url").setText("http://[::1")
    assert dialog.save() is None
    assert "http://[::1 is not an address" in dialog.status.text() and store.all() == []


def test_the_connections_list_highlights_the_profile_the_form_shows(qtbot, loop):
    store = ProfileStore()
    store.save(Profile("first", "local", library="/srv/first"))
    store.save(Profile("second", "local", library="/srv/second"))
    dialog = ConnectionsDialog(store, SecretStore())
    qtbot.addWidget(dialog)
    dialog.edit(Profile("command line", "local", library="/srv/unsaved"))  # one that failed to open
    assert dialog.profiles.currentItem() is None and dialog.input("library").text() == "/srv/unsaved"
    dialog.edit(store.get("second"))
    assert dialog.profiles.currentItem().text() == "second" and dialog.input("library").text() == "/srv/second"
