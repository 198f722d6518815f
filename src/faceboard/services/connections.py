"""Connection profiles: which backend, where, which library; and their secrets.

Profiles are a JSON file under the platformdirs config directory. Secrets (API keys)
live in the OS keyring and never in that file; where no keyring backend exists (a
headless box, CI) the secret is kept in memory for the session and `warning` says so.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import keyring
import keyring.errors
from platformdirs import user_config_path, user_data_path

from faceboard.backends.base import Backend
from faceboard.errors import AuthFailed, InvalidInput, NotFound

APP = "Faceboard"
KINDS = {"local": "Local library", "gumnut": "Gumnut"}
KEY_VARIABLES = {"gumnut": "FACEBOARD_GUMNUT_API_KEY"}
INSECURE_KEYS = {"verify", "verify_tls", "verify_ssl", "insecure", "skip_tls_verify", "no_verify"}


def default_library() -> Path:
    return user_data_path(APP, APP) / "library"


@dataclass(frozen=True)
class Profile:
    name: str
    kind: str = "local"
    base_url: str = ""
    library: str = ""  # a folder for the local library, a library id for Gumnut
    ca_bundle: str = ""  # a private certificate authority's PEM file, trusted besides the public ones

    def __post_init__(self):
        if self.kind not in KINDS:
            raise InvalidInput(f"Unknown backend {self.kind!r}; Faceboard knows {', '.join(KINDS)}.")

    @classmethod
    def from_json(cls, entry: dict) -> "Profile":
        """A profile as saved; a setting that would turn certificate checks off is refused
        aloud, and settings of other versions are left out."""
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            raise InvalidInput("A saved profile has no name.")
        for key in INSECURE_KEYS & entry.keys():
            if entry[key] in (False, 0, "false", "no", "0") if key.startswith("verify") else bool(entry[key]):
                raise InvalidInput(f"Profile {entry['name']!r} asks to turn certificate checks off ({key!r}). "
                                   "Faceboard always checks certificates; for a private certificate authority, "
                                   "set the profile's \"ca_bundle\" to its certificate file instead.")
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in entry.items() if k in known and isinstance(v, str)})

    @property
    def needs_secret(self) -> bool:
        return self.kind in KEY_VARIABLES


class ProfileStore:
    def __init__(self, path: Path | None = None):
        self.path = path or user_config_path(APP, APP) / "profiles.json"

    def all(self) -> list[Profile]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return []
        except ValueError:
            raise InvalidInput(f"{self.path} is damaged; fix or remove it.") from None
        entries = data.get("profiles", []) if isinstance(data, dict) else None
        if not isinstance(entries, list):
            raise InvalidInput(f"{self.path} is damaged; fix or remove it.")
        return [Profile.from_json(entry) for entry in entries]

    def get(self, name: str) -> Profile:
        for profile in self.all():
            if profile.name == name:
                return profile
        raise NotFound(f"No connection profile named {name!r}.")

    def save(self, profile: Profile) -> None:
        if not profile.name.strip():
            raise InvalidInput("A profile needs a name.")
        profiles = [p for p in self.all() if p.name != profile.name] + [profile]
        self._write(profiles)

    def delete(self, name: str) -> None:
        self._write([p for p in self.all() if p.name != name])

    def _write(self, profiles: list[Profile]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(json.dumps({"profiles": [asdict(p) for p in profiles]}, indent=2), encoding="utf-8")
        os.replace(temporary, self.path)


class SecretStore:
    """The OS keyring, with an in-memory fallback (and a warning) where there is none."""

    SERVICE = APP

    def __init__(self):
        self._memory: dict[str, str] = {}
        self.warning: str | None = None

    def _no_keyring(self, error: Exception) -> None:
        self.warning = ("No OS keyring is available here, so secrets are kept in memory for this "
                        f"session only ({type(error).__name__}).")

    def get(self, profile: str) -> str | None:
        if profile in self._memory:
            return self._memory[profile]
        try:
            return keyring.get_password(self.SERVICE, profile)
        except keyring.errors.KeyringError as error:
            self._no_keyring(error)
            return None

    def set(self, profile: str, secret: str) -> None:
        try:
            keyring.set_password(self.SERVICE, profile, secret)
            self._memory.pop(profile, None)
        except keyring.errors.KeyringError as error:
            self._no_keyring(error)
            self._memory[profile] = secret

    def delete(self, profile: str) -> None:
        self._memory.pop(profile, None)
        try:
            keyring.delete_password(self.SERVICE, profile)
        except keyring.errors.PasswordDeleteError:
            pass
        except keyring.errors.KeyringError as error:
            self._no_keyring(error)


def secret_for(profile: Profile, secrets: SecretStore | None) -> str | None:
    """The profile's secret: from the keyring, else from the backend's environment variable."""
    if not profile.needs_secret:
        return None
    secret = secrets.get(profile.name) if secrets is not None else None
    return secret or os.environ.get(KEY_VARIABLES[profile.kind]) or None


def open_backend(profile: Profile, secret: str | None, **options) -> Backend:
    """The backend a profile describes (not yet connected: call `connect()`)."""
    if profile.kind == "local":
        from faceboard.backends.local import LocalLibrary

        return LocalLibrary(Path(profile.library) if profile.library else default_library())
    if not secret:
        raise AuthFailed(f"No API key for {KINDS[profile.kind]}: save one in the profile or set "
                         f"{KEY_VARIABLES[profile.kind]}.")
    from faceboard.backends.gumnut import DEFAULT_BASE_URL, GumnutBackend

    return GumnutBackend(secret, profile.base_url or DEFAULT_BASE_URL, profile.library or None,
                         ca_bundle=profile.ca_bundle, **options)
