"""Connection profiles: which backend, where, which library; and their secrets.

Profiles are a JSON file under the platformdirs config directory. Secrets (API keys,
NCP secret keys, SuperOffice tokens, passwords and application tokens) live in the OS
keyring and never in that file; where no keyring backend exists (a headless box, CI)
the secret is kept in memory for the session and `warning` says so.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import keyring
import keyring.errors
from platformdirs import user_config_path, user_data_path

from faceboard import APP
from faceboard.backends.base import Backend
from faceboard.errors import AuthFailed, InvalidInput, NotFound
from faceboard.services import json_files

KINDS = {"local": "Local library", "gumnut": "Gumnut", "ncp-mi": "NAVER Media Intelligence",
         "superoffice": "SuperOffice CRM", "opencv-fr": "OpenCV Face Recognition"}
KEY_VARIABLES = {"gumnut": "FACEBOARD_GUMNUT_API_KEY", "ncp-mi": "FACEBOARD_NCP_SECRET_KEY",
                 "superoffice": "FACEBOARD_SUPEROFFICE_TOKEN", "opencv-fr": "FACEBOARD_OPENCV_FR_API_KEY"}
ACCESS_KEY_VARIABLE = "FACEBOARD_NCP_ACCESS_KEY"
SUPEROFFICE_USER, SUPEROFFICE_PASSWORD = "FACEBOARD_SUPEROFFICE_USER", "FACEBOARD_SUPEROFFICE_PASSWORD"
INSECURE_KEYS = {"verify", "verify_tls", "verify_ssl", "insecure", "skip_tls_verify", "no_verify"}


def default_library() -> Path:
    return user_data_path(APP, APP) / "library"


@dataclass(frozen=True)
class Profile:
    name: str
    kind: str = "local"
    base_url: str = ""
    library: str = ""  # local: a folder; Gumnut: a library id; MI: a workspace; OpenCV FR: a collection
    ca_bundle: str = ""  # a private certificate authority's PEM file, trusted besides the public ones
    auth: str = ""  # SuperOffice: bearer, basic or soticket
    user: str = ""  # SuperOffice: the Basic user; MI: the access key (not secret: it names the key)
    edition: str = ""  # OpenCV FR: server or cloud

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
            if _turns_checks_off(key, entry[key]):
                raise InvalidInput(f"Profile {entry['name']!r} asks to turn certificate checks off ({key!r}). "
                                   "Faceboard always checks certificates; for a private certificate authority, "
                                   "set the profile's \"ca_bundle\" to its certificate file instead.")
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in entry.items() if k in known and isinstance(v, str)})

    @property
    def key(self) -> str:
        """Which connection a change belongs to in the journal: the backend, its address
        and the library there, whatever the profile is called."""
        place = str(Path(self.library or default_library()).resolve()) if self.kind == "local" else self.library
        return "|".join((self.kind, self.base_url.rstrip("/"), place))

    @property
    def needs_secret(self) -> bool:
        return self.kind in KEY_VARIABLES

    @property
    def secret_variable(self) -> str:
        """The environment variable that holds the secret when the keyring does not."""
        if self.kind == "superoffice" and self.auth == "basic":
            return SUPEROFFICE_PASSWORD
        return KEY_VARIABLES[self.kind]


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


def secret_for(profile: Profile, secrets: SecretStore | None) -> str | None:
    """The profile's secret: from the keyring, else from the backend's environment variable."""
    if not profile.needs_secret:
        return None
    secret = secrets.get(profile.name) if secrets is not None else None
    return secret or os.environ.get(profile.secret_variable) or None


def app_token_key(profile_name: str) -> str:
    """Where a SuperOffice ticket's application token is kept in the keyring."""
    return f"{profile_name} · SO-AppToken"


def app_token_for(profile: Profile, secrets: SecretStore | None) -> str:
    if profile.kind != "superoffice" or profile.auth != "soticket" or secrets is None:
        return ""
    return secrets.get(app_token_key(profile.name)) or ""


def command_line_profile(kind: str, base_url: str, place: str, edition: str = "") -> Profile:
    """A profile from the command line: credentials from the environment variables (an
    MI access key is read from its variable by `open_backend`, as for any profile)."""
    auth = user = ""
    if kind == "superoffice":
        basic = os.environ.get(SUPEROFFICE_USER) and not os.environ.get(KEY_VARIABLES["superoffice"])
        auth, user = ("basic", os.environ[SUPEROFFICE_USER]) if basic else ("bearer", "")
    return Profile("command line", kind, base_url, place, auth=auth, user=user, edition=edition)


def open_backend(profile: Profile, secret: str | None, app_token: str = "", **options) -> Backend:
    """The backend a profile describes (not yet connected: call `connect()`)."""
    if profile.kind == "local":
        from faceboard.backends.local import LocalLibrary

        return LocalLibrary(Path(profile.library) if profile.library else default_library())
    if not secret:
        raise AuthFailed(f"No {SECRET_NAMES[profile.kind]} for {KINDS[profile.kind]}: save one in the profile "
                         f"or set {profile.secret_variable}.")
    options["ca_bundle"] = profile.ca_bundle
    if profile.kind == "gumnut":
        from faceboard.backends.gumnut import DEFAULT_BASE_URL, GumnutBackend

        return GumnutBackend(secret, profile.base_url or DEFAULT_BASE_URL, profile.library or None, **options)
    if profile.kind == "ncp-mi":
        from faceboard.backends.ncp_mi import DEFAULT_BASE_URL, NcpMediaIntelligence

        access_key = profile.user or os.environ.get(ACCESS_KEY_VARIABLE, "")
        return NcpMediaIntelligence(access_key, secret, profile.library, profile.base_url or DEFAULT_BASE_URL,
                                    **options)
    if profile.kind == "superoffice":
        from faceboard.backends.superoffice import SuperOffice

        return SuperOffice(profile.base_url, secret, auth=profile.auth or "bearer", user=profile.user,
                           app_token=app_token, **options)
    from faceboard.backends.opencv_fr import OpenCvFaceRecognition

    return OpenCvFaceRecognition(profile.base_url, secret, profile.library, profile.edition or "server", **options)


SECRET_NAMES = {"gumnut": "API key", "ncp-mi": "secret key", "superoffice": "token, ticket or password",
                "opencv-fr": "API key"}
