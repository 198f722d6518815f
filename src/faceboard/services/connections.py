"""Connection profiles: which backend, where, which library; and their secrets.

Profiles are a JSON file under the platformdirs config directory. Secrets (API keys,
NCP secret keys, SuperOffice tokens, passwords and application tokens) live in the OS
keyring and never in that file; where no keyring backend exists (a headless box, CI)
the secret is kept in memory for the session and `warning` says so.

What each kind of backend asks for is said once, in `backends.registry`; this module is
how the window and the command line reach it (`BACKENDS`, `backend_kind`), so that
neither imports a backend.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from urllib.parse import urlsplit

import keyring
import keyring.errors
from platformdirs import user_config_path

from faceboard import APP
from faceboard.backends.base import Backend
from faceboard.backends.registry import BACKENDS, BackendKind, Field, default_library, kinds_that, new_library
from faceboard.errors import AuthFailed, InvalidInput, NotFound
from faceboard.services import json_files

# read through here by the window and the CLI
__all__ = ["BACKENDS", "BackendKind", "Field", "default_library", "kinds_that", "new_library"]

INSECURE_KEYS = {"verify", "verify_tls", "verify_ssl", "insecure", "skip_tls_verify", "no_verify"}
_UNSAFE_IN_URL = re.compile(r"[\s\x00-\x1f\x7f]")


def address_problem(text: str) -> str | None:
    """Why `text` is not a backend's address (http or https, a host, a port that can be
    one), as the end of a sentence naming it; None when it is one."""
    try:
        parts = urlsplit(text)
        port_is_fine = parts.port is None or parts.port > 0
    except ValueError as error:  # an unclosed [IPv6], a port above 65535
        return f"is not an address: {error}"
    if parts.scheme not in ("http", "https") or not parts.hostname or not port_is_fine or _UNSAFE_IN_URL.search(text):
        return "is not an address like https://host[:port][/path]"
    return None


def backend_kind(kind: str) -> BackendKind:
    try:
        return BACKENDS[kind]
    except KeyError:
        raise InvalidInput(f"Unknown backend {kind!r}; Faceboard knows {', '.join(BACKENDS)}.") from None


@dataclass(frozen=True)
class Profile:
    """A saved connection. Its settings are the plain fields `backends.registry` declares
    (tests/test_registry.py checks each is an attribute here): a backend that needs a
    setting no other has adds it here too."""

    name: str
    kind: str = "local"
    base_url: str = ""
    library: str = ""  # local: a folder; Gumnut: a library id; MI: a workspace; OpenCV FR: a collection
    ca_bundle: str = ""  # a private certificate authority's PEM file, trusted besides the public ones
    auth: str = ""  # SuperOffice: bearer, basic or soticket
    user: str = ""  # SuperOffice: the Basic user; MI: the access key (not secret: it names the key)
    edition: str = ""  # OpenCV FR: server or cloud

    def __post_init__(self):
        backend_kind(self.kind)

    @classmethod
    def from_json(cls, entry: dict) -> "Profile":
        """A profile as saved; a setting that would turn certificate checks off is refused
        aloud, and settings of other versions are left out."""
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            raise InvalidInput("A saved profile has no name.")
        for key in INSECURE_KEYS & entry.keys():
            if _turns_checks_off(key, entry[key]):
                raise InvalidInput(f"Profile {entry['name']!r} asks to turn certificate checks off ({key!r}). "
                                   "Faceboard always checks certificates; for a private certificate authority, "
                                   "set the profile's \"ca_bundle\" to its certificate file instead.")
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in entry.items() if k in known and isinstance(v, str)})

    @property
    def backend_kind(self) -> BackendKind:
        return BACKENDS[self.kind]

    @property
    def key(self) -> str:
        """Which connection a change belongs to in the journal: the backend, its address
        and the library there, whatever the profile is called."""
        place = str(Path(self.library or default_library()).resolve()) if self.kind == "local" else self.library
        return "|".join((self.kind, self.base_url.rstrip("/"), place))

    @property
    def secret_fields(self) -> tuple[Field, ...]:
        """The secrets this profile is opened with, as fields (their values are in the keyring
        or the environment: `read_secrets`); SuperOffice's depend on how it signs in."""
        return tuple(f for f in self.backend_kind.applying(asdict(self)) if f.secret)


def _turns_checks_off(key: str, value) -> bool:
    """`"verify": false` and `"insecure": true` both ask for what Faceboard never does."""
    if key.startswith("verify"):
        return value in (False, 0, "false", "no", "0")
    return bool(value)


class ProfileStore:
    def __init__(self, path: Path | None = None):
        self.path = path or user_config_path(APP, APP) / "profiles.json"

    def all(self) -> list[Profile]:
        return [Profile.from_json(entry) for entry in json_files.read_list(self.path, "profiles")]

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
        json_files.write(self.path, {"profiles": [asdict(p) for p in profiles]})


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


def keyring_name(profile_name: str, secret: Field) -> str:
    """Where a secret of the profile is kept in the keyring."""
    return f"{profile_name} · {secret.keyring}" if secret.keyring else profile_name


def read_secrets(profile: Profile, secrets: SecretStore | None) -> dict[str, str]:
    """The profile's secrets by field name: from the keyring, else from their environment
    variables; a missing one is left out. The keyring may block: call off the GUI thread."""
    found = {}
    for field in profile.secret_fields:
        value = (secrets.get(keyring_name(profile.name, field)) if secrets is not None else None) \
            or (os.environ.get(field.variable) if field.variable else None)
        if value:
            found[field.name] = value
    return found


def forget_secrets(profile_name: str, secrets: SecretStore) -> None:
    """Delete every secret a profile of that name may have kept, of any kind."""
    for name in {keyring_name(profile_name, f) for kind in BACKENDS.values() for f in kind.fields if f.secret}:
        secrets.delete(name)


UNSAVED = "command line"  # the name of a connection the command line's flags give, saved as no profile


def _last_library_file() -> Path:
    return user_config_path(APP, APP) / "last_library.json"


def remember_library(folder: Path) -> None:
    """The local library the window opened: the next start without arguments opens it
    again (a library made with File → New library… was lost on restart, its scan unresumed)."""
    json_files.write(_last_library_file(), {"libraries": [str(Path(folder).absolute())]})


def last_library() -> Path:
    """The local library the window opened last, if it is still there; else the default."""
    try:
        remembered = json_files.read_list(_last_library_file(), "libraries")
    except InvalidInput:  # a damaged note of where the library was: the default one, not an error
        remembered = []
    folder = Path(remembered[0]) if remembered and isinstance(remembered[0], str) else None
    return folder if folder is not None and (folder / "library.sqlite3").is_file() else default_library()


def command_line_profile(kind: str, values: Mapping[str, str]) -> Profile:
    """A profile from the command line's flags (`values` by field name), and what the
    backend reads from the environment besides (credentials are read when it is opened)."""
    entry = backend_kind(kind)
    extra = entry.from_environment(os.environ) if entry.from_environment else {}
    return Profile(UNSAVED, kind, **{k: v for k, v in {**values, **extra}.items() if v})


def open_backend(profile: Profile, secrets: Mapping[str, str] | None = None, **options) -> Backend:
    """The backend a profile describes, with its secrets by field name (`read_secrets`);
    not yet connected: call `connect()`. Backend options (a transport, a clock) are for
    backends that speak to a server."""
    entry = profile.backend_kind
    secrets = secrets or {}
    saved = asdict(profile)
    applying = entry.applying(saved)
    values = dict.fromkeys(entry.names, "")
    for field in applying:
        if field.secret:
            if not secrets.get(field.name):
                where = f" or set {field.variable}" if field.variable else ""
                raise AuthFailed(f"No {_in_sentence(field.label)} for {entry.label}: save one in the profile{where}.")
            values[field.name] = secrets[field.name]
        else:
            values[field.name] = saved[field.name] or (os.environ.get(field.variable, "") if field.variable else "")
    if values.get("base_url") and (problem := address_problem(values["base_url"])) is not None:
        raise InvalidInput(f"The address {values['base_url']} of {profile.name} {problem}: correct it in "
                           "File ▸ Connections.")
    return entry.factory(values, **options)


def _in_sentence(label: str) -> str:
    """A label inside a sentence: "Secret key" reads "secret key"; "API key" stays so."""
    return label if label[:2].isupper() else label[0].lower() + label[1:]
