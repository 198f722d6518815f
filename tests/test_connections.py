import json

import keyring
import pytest
from keyring.backends import fail

from faceboard.errors import AuthFailed, InvalidInput, NotFound
from faceboard.services.connections import Profile, ProfileStore, SecretStore, open_backend, read_secrets


def test_profiles_are_saved_without_their_secret(tmp_path, isolated_user_folders):
    store, secrets = ProfileStore(), SecretStore()
    profile = Profile("work", "gumnut", "https://api.gumnut.ai", "lib_123")
    store.save(profile)
    secrets.set("work", "apikey_topSECRET999")
    assert store.get("work") == profile
    assert "apikey_topSECRET999" not in store.path.read_text()
    assert json.loads(store.path.read_text())["profiles"][0]["name"] == "work"
    assert isolated_user_folders.passwords[("Faceboard", "work")] == "apikey_topSECRET999"
    assert read_secrets(profile, secrets) == {"key": "apikey_topSECRET999"}
    store.delete("work")
    secrets.delete("work")
    with pytest.raises(NotFound):
        store.get("work")
    assert secrets.get("work") is None


def test_without_a_keyring_the_secret_stays_in_memory_and_says_so():
    keyring.set_keyring(fail.Keyring())
    secrets = SecretStore()
    secrets.set("work", "apikey_inMEMORY")
    assert secrets.get("work") == "apikey_inMEMORY"
    assert "in memory for this session" in secrets.warning


def test_environment_variable_supplies_the_key(monkeypatch):
    profile = Profile("cli", "gumnut", "https://api.gumnut.ai")
    with pytest.raises(AuthFailed, match="FACEBOARD_GUMNUT_API_KEY"):
        open_backend(profile, read_secrets(profile, SecretStore()))
    monkeypatch.setenv("FACEBOARD_GUMNUT_API_KEY", "apikey_fromENV")
    assert read_secrets(profile, SecretStore()) == {"key": "apikey_fromENV"}


def test_bad_profiles_are_refused(tmp_path):
    with pytest.raises(InvalidInput):
        Profile("x", "immich")
    store = ProfileStore(tmp_path / "profiles.json")
    with pytest.raises(InvalidInput):
        store.save(Profile("  "))
    store.path.write_text("{not json")
    with pytest.raises(InvalidInput, match="damaged"):
        store.all()
