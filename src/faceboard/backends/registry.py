"""Every kind of backend Faceboard connects to, each described once: its label, the kind
name profiles and the command line use, the settings a profile holds for it (with the
Connections form's labels and help), its secrets and their environment variables, what
it can do, and how to make one.

Adding a backend means its module and one `BackendKind` in `BACKENDS`: profiles, the
Connections form, the command line's flags and the Publish and Find-in-media dialogs
read it from here (through `services.connections`). A factory imports its module when
it is called, so listing the kinds loads no HTTP client or SDK.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from platformdirs import user_data_path

from faceboard import APP
from faceboard.backends.base import Backend
from faceboard.domain import Capability


def default_library() -> Path:
    """Where the local library lives unless a profile names another folder."""
    return user_data_path(APP, APP) / "library"


def new_library(folder: Path) -> bool:
    """Make an empty local library in `folder` (see `backends.local.library.new_library`):
    how File → New library… and the command line make one, without the demo."""
    from faceboard.backends.local.library import new_library

    return new_library(folder)


@dataclass(frozen=True)
class Field:
    """One setting of a profile. A plain one is an attribute of `services.connections.Profile`
    (a key of profiles.json); a secret is kept in the OS keyring, never in that file."""

    name: str  # what the factory is given it as (and, if not secret, the profile's attribute)
    label: str  # in the Connections form
    placeholder: str = ""
    help: str = ""  # the form's tooltip, and the command line's help for `flag`
    choices: tuple[tuple[str, str], ...] = ()  # (value, label): a choice, the first the default
    when: tuple[str, str] | None = None  # (field, value): asked for only while that field has that value
    flag: str = ""  # the command line's option for it, without a profile (kinds may share one)
    metavar: str = ""  # what the command line's help calls its value
    variable: str = ""  # the environment variable that supplies it when the profile or keyring has none
    secret: bool = False
    keyring: str = ""  # a secret's keyring entry: "" the profile's name, else "<profile name> · <keyring>"
    folder: bool = False  # a folder on this machine: the form offers Browse…

    def applies(self, values: Mapping[str, str]) -> bool:
        return self.when is None or values.get(self.when[0]) == self.when[1]


@dataclass(frozen=True)
class BackendKind:
    kind: str  # in profiles.json and after --backend
    label: str
    fields: tuple[Field, ...]  # in the form's order; several fields of one name differ by `when`
    capabilities: frozenset[Capability]  # the most a connection of this kind does, known before connecting
    factory: Callable[..., Backend]  # (values by field name, **backend options) -> a backend not yet connected
    # settings the command line has no flag for, read from the environment it is given
    from_environment: Callable[[Mapping[str, str]], dict[str, str]] | None = None

    def applying(self, values: Mapping[str, str]) -> tuple[Field, ...]:
        """The fields asked for with these values: one per name, the first that applies."""
        found: dict[str, Field] = {}
        for field in self.fields:
            if field.name not in found and field.applies(values):
                found[field.name] = field
        return tuple(found.values())

    def field(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)

    @property
    def names(self) -> tuple[str, ...]:
        """Each field name once, in the form's order."""
        return tuple(dict.fromkeys(f.name for f in self.fields))


def kinds_that(capability: Capability) -> list[BackendKind]:
    """The kinds of backend that can do `capability` (take published people, search their media)."""
    return [kind for kind in BACKENDS.values() if capability in kind.capabilities]


def _address(placeholder: str) -> Field:
    return Field("base_url", "Address", placeholder, "the backend's address", flag="--base-url", metavar="URL")


CA_BUNDLE = Field("ca_bundle", "CA bundle", "empty: the public certificate authorities",
                  "Your organisation's own certificate authority (a PEM file), trusted besides the public ones. "
                  "Certificates are always checked.")
SUPEROFFICE_TOKEN = "FACEBOARD_SUPEROFFICE_TOKEN"
SUPEROFFICE_USER = "FACEBOARD_SUPEROFFICE_USER"


def _local(values: Mapping[str, str], **options) -> Backend:
    from faceboard.backends.local import LocalLibrary

    return LocalLibrary(Path(values["library"]) if values["library"] else default_library())


def _gumnut(values: Mapping[str, str], **options) -> Backend:
    from faceboard.backends.gumnut import DEFAULT_BASE_URL, GumnutBackend

    return GumnutBackend(values["key"], values["base_url"] or DEFAULT_BASE_URL, values["library"] or None,
                         ca_bundle=values["ca_bundle"], **options)


def _ncp_mi(values: Mapping[str, str], **options) -> Backend:
    from faceboard.backends.ncp_mi import DEFAULT_BASE_URL, NcpMediaIntelligence

    return NcpMediaIntelligence(values["user"], values["key"], values["library"],
                                values["base_url"] or DEFAULT_BASE_URL, ca_bundle=values["ca_bundle"], **options)


def _superoffice(values: Mapping[str, str], **options) -> Backend:
    from faceboard.backends.superoffice import SuperOffice

    return SuperOffice(values["base_url"], values["key"], auth=values["auth"] or "bearer", user=values["user"],
                       app_token=values["app_token"], ca_bundle=values["ca_bundle"], **options)


def _superoffice_sign_in(environ: Mapping[str, str]) -> dict[str, str]:
    """A user and password in the environment, and no token: Basic authentication (onsite)."""
    basic = environ.get(SUPEROFFICE_USER) and not environ.get(SUPEROFFICE_TOKEN)
    return {"auth": "basic" if basic else "bearer"}


def _opencv_fr(values: Mapping[str, str], **options) -> Backend:
    from faceboard.backends.opencv_fr import OpenCvFaceRecognition

    return OpenCvFaceRecognition(values["base_url"], values["key"], values["library"], values["edition"] or "server",
                                 ca_bundle=values["ca_bundle"], **options)


BACKENDS: dict[str, BackendKind] = {kind.kind: kind for kind in (
    BackendKind(
        "local", "Local library",
        (Field("library", "Library", "a folder (empty: the default library)",
               f"a local library folder (default: {default_library()})", flag="--library", metavar="PATH",
               folder=True),),
        frozenset(Capability) - {Capability.FACES_ARE_THUMBNAILS, Capability.MERGE_PEOPLE, Capability.ONE_IMAGE,
                                 Capability.RECEIVE_PUBLISHED, Capability.FIND_IN_MEDIA},
        _local),
    BackendKind(
        "gumnut", "Gumnut",
        (_address("https://api.gumnut.ai"),
         Field("library", "Library", "a library id (empty: the only one)", "which library of the backend",
               flag="--library-id", metavar="ID"),
         Field("key", "API key", secret=True, variable="FACEBOARD_GUMNUT_API_KEY"),
         CA_BUNDLE),
        frozenset({Capability.LIST_FACES, Capability.REASSIGN_FACES, Capability.SET_PRIMARY,
                   Capability.CREATE_PERSON, Capability.DELETE_PERSON, Capability.RENAME_PERSON,
                   Capability.HIDE_PERSON, Capability.FACES_ARE_THUMBNAILS, Capability.MERGE_PEOPLE,
                   Capability.DELETE_FACES, Capability.SHOW_PHOTOS, Capability.DRAW_FACES}),
        _gumnut),
    BackendKind(
        "ncp-mi", "NAVER Media Intelligence",
        (_address("https://mi.apigw.ntruss.com"),
         Field("library", "Workspace", "the workspace name", "which workspace", flag="--workspace",
               metavar="NAME"),
         Field("user", "Access key", help="the access key's id (not secret: it names the secret key)",
               variable="FACEBOARD_NCP_ACCESS_KEY"),
         Field("key", "Secret key", secret=True, variable="FACEBOARD_NCP_SECRET_KEY"),
         CA_BUNDLE),
        frozenset({Capability.SET_PRIMARY, Capability.ADD_THUMBNAILS, Capability.REMOVE_THUMBNAILS,
                   Capability.RENAME_PERSON, Capability.DELETE_PERSON, Capability.MERGE_PEOPLE,
                   Capability.RECEIVE_PUBLISHED, Capability.FIND_IN_MEDIA}),
        _ncp_mi),
    BackendKind(
        "superoffice", "SuperOffice CRM",
        (_address("https://online.superoffice.com/Cust12345/api/v1"),
         Field("auth", "Sign in with", choices=(("bearer", "Bearer token (Online)"),
                                                ("basic", "User and password (onsite)"),
                                                ("soticket", "SOTicket and application token"))),
         Field("user", "User", when=("auth", "basic"), variable=SUPEROFFICE_USER),
         Field("key", "Access token", secret=True, when=("auth", "bearer"), variable=SUPEROFFICE_TOKEN),
         Field("key", "Password", secret=True, when=("auth", "basic"), variable="FACEBOARD_SUPEROFFICE_PASSWORD"),
         Field("key", "Ticket", secret=True, when=("auth", "soticket"), variable=SUPEROFFICE_TOKEN),
         Field("app_token", "Application token", "the SO-AppToken of your application", secret=True,
               when=("auth", "soticket"), keyring="SO-AppToken"),
         CA_BUNDLE),
        frozenset({Capability.ADD_THUMBNAILS, Capability.REMOVE_THUMBNAILS, Capability.ONE_IMAGE,
                   Capability.RECEIVE_PUBLISHED}),
        _superoffice, _superoffice_sign_in),
    BackendKind(
        "opencv-fr", "OpenCV Face Recognition",
        (_address("http://fr-server:8000 or https://eu.opencv.fr"),
         Field("edition", "Edition", help="which edition",
               choices=(("server", "FR Server (on premises)"), ("cloud", "opencv.fr (cloud)")), flag="--edition"),
         Field("library", "Collection", "the collection name", "which collection", flag="--collection",
               metavar="NAME"),
         Field("key", "API key", secret=True, variable="FACEBOARD_OPENCV_FR_API_KEY"),
         CA_BUNDLE),
        frozenset({Capability.ADD_THUMBNAILS, Capability.RECEIVE_PUBLISHED, Capability.REMOVE_THUMBNAILS,
                   Capability.RENAME_PERSON, Capability.DELETE_PERSON}),
        _opencv_fr),
)}
