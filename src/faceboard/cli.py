"""The command line: every curation operation, scriptable, through the same services
as the window. No Qt here.

Exit codes: 0 done, 2 usage, 3 refused or not found, 4 authentication, 5 backend
unavailable (or rate limited; a change then waits in the journal for `faceboard resume`, or,
where the command had to read the backend first, it says that nothing was kept);
a file Faceboard keeps (the local library, the journal) that cannot be used: 6 damaged
or unreadable, 7 in use by another Faceboard, 8 disk full, 9 read-only (a read-only
library lists, but refuses changes). Nothing is changed in any of these. 141: the
output's reader stopped reading (`| head`).

Every change is journaled before it is sent (see services/journal.py); `history` lists
the journal, `resume` sends what waits in it for the connection.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import json
import os
import re
import sys
import time
from pathlib import Path

from platformdirs import user_cache_path

from faceboard import APP, __version__, storage
from faceboard.backends.base import changes_nothing, face_comparing, photo_library
from faceboard.backends.local import demo
from faceboard.backends.local.library import IMAGES_DIR, MAX_ID, is_id
from faceboard.domain import Capability, Face, FaceGroup, FacesQuery, Person, Suggestion, Thumbnail, count
from faceboard.errors import (
    AuthFailed,
    Damaged,
    DiskFull,
    FaceboardError,
    InUse,
    NotFound,
    RateLimited,
    ReadOnly,
    StorageError,
    Unavailable,
    Unreachable,
)
from faceboard.recognition.similarity import percent
from faceboard.services.connections import (
    BACKENDS,
    UNSAVED,
    Profile,
    ProfileStore,
    SecretStore,
    address_problem,
    command_line_profile,
    default_library,
    last_library,
    new_library,
    open_backend,
    read_secrets,
)
from faceboard.services.curator import Curator
from faceboard.services.face_search import find_face_in_media
from faceboard.services.images import prepare_uploads
from faceboard.services.journal import FAILED, Journal
from faceboard.services.likeness import Likeness
from faceboard.services.outbox import COMMAND_LINE, Outbox, SentMeanwhile, Waits
from faceboard.services.publishing import Publisher, failed, gather
from faceboard.services.scanning import ScanProgress, Scanner
from faceboard.services.operations import (
    AddThumbnails,
    AssignFaces,
    Change,
    CreatePerson,
    DeletePerson,
    MergePeople,
    Operation,
    SetPrimary,
    SetPrimaryFromFace,
    UpdatePerson,
    describe,
)

EXIT_USAGE, EXIT_REFUSED, EXIT_AUTH, EXIT_UNAVAILABLE = 2, 3, 4, 5
EXIT_DAMAGED, EXIT_IN_USE, EXIT_DISK_FULL, EXIT_READ_ONLY = 6, 7, 8, 9
EXIT_BROKEN_PIPE = 128 + 13  # as a shell reports a program SIGPIPE ended
EXIT_INTERRUPTED = 128 + 2  # Ctrl+C
# per command, the arguments that name a person, face or thumbnail of the connection
ID_ARGUMENTS = {"assign": ("face_ids", "to"), "faces": ("person",), "thumbnails": ("person_id",),
                "primary": ("person_id", "thumbnail", "face"),
                "add-thumbnail": ("person_id",), "publish": ("person_id",), "find-in-media": ("face_id",),
                "create-person": ("faces",), "rename": ("person_id",), "hide": ("person_id",),
                "delete-person": ("person_id",), "merge": ("target_id", "source_ids")}
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
MAX_LIMIT = 1_000_000  # entries `history` lists at most
PEOPLE_COMMANDS = frozenset({"create-person", "rename", "hide", "delete-person", "merge",
                             "name-group"})  # change people
CHANGING_COMMANDS = frozenset({"assign", "primary", "add-thumbnail", "resume"}) | PEOPLE_COMMANDS  # refused where nothing can change
LISTING_COMMANDS = frozenset({"people", "faces", "thumbnails", "find-in-media", "groups",
                              "similar-people"})  # need no journal: one that cannot be written is said
COMPARING_COMMANDS = frozenset({"groups", "name-group", "similar-people"})  # and `faces --least-alike`
READING_FIRST = frozenset({"add-thumbnail", "publish", "name-group"})  # and `create-person --faces`: offline, nothing kept
GROUP_PREFIX = "group-"  # a FaceGroup's id: this and its lowest face id
PHOTO_COMMANDS = frozenset({"import", "scan"})  # the library's own photos: nothing for the journal
_EXIT_CODES = ((AuthFailed, EXIT_AUTH), (Unavailable, EXIT_UNAVAILABLE), (RateLimited, EXIT_UNAVAILABLE),
               (Damaged, EXIT_DAMAGED), (InUse, EXIT_IN_USE), (DiskFull, EXIT_DISK_FULL), (ReadOnly, EXIT_READ_ONLY),
               (StorageError, EXIT_DAMAGED))


def exit_code(error: FaceboardError) -> int:
    return next((code for kind, code in _EXIT_CODES if isinstance(error, kind)), EXIT_REFUSED)


def tile_cache_dir(key: str) -> Path:
    return user_cache_path(APP, APP) / "tiles" / hashlib.sha1(key.encode()).hexdigest()[:16]


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="faceboard", description="Curate people and faces. Without a command, opens the window.")
    top.add_argument("--version", action="version", version=f"faceboard {__version__}")
    where = top.add_argument_group("connection (default: the local library)")
    where.add_argument("--profile", metavar="NAME", help="a saved connection profile")
    where.add_argument("--backend", choices=sorted(BACKENDS), help="connect without a profile")
    _connection_flags(where)
    top.add_argument("--demo", type=Path, metavar="PATH", help="create a demo library in PATH and exit")
    top.add_argument("--self-test", action="store_true",
                     help="open the window on a temporary demo library, reassign and undo one face, exit 0")
    commands = top.add_subparsers(dest="command", metavar="COMMAND")
    people = commands.add_parser("people", help="list people")
    people.add_argument("--json", action="store_true")
    faces = commands.add_parser("faces", help="list the faces of a person, or the unassigned ones")
    scope = faces.add_mutually_exclusive_group(required=True)
    scope.add_argument("--person", metavar="ID")
    scope.add_argument("--unassigned", action="store_true")
    faces.add_argument("--least-alike", action="store_true",
                       help="the person's faces least like the rest of them first (a misfiled face on top)")
    faces.add_argument("--json", action="store_true")
    thumbnails = commands.add_parser("thumbnails", help="list a person's thumbnails: their ids, and which is primary")
    thumbnails.add_argument("person_id", metavar="PERSON")
    thumbnails.add_argument("--json", action="store_true")
    assign = commands.add_parser("assign", help="assign faces to a person, or detach them")
    assign.add_argument("face_ids", nargs="+", metavar="FACE_ID")
    target = assign.add_mutually_exclusive_group(required=True)
    target.add_argument("--to", metavar="PERSON_ID")
    target.add_argument("--unassigned", action="store_true")
    primary = commands.add_parser("primary", help="set a person's primary thumbnail")
    primary.add_argument("person_id", metavar="PERSON_ID")
    source = primary.add_mutually_exclusive_group(required=True)
    source.add_argument("--thumbnail", metavar="ID")
    source.add_argument("--face", metavar="ID")
    add = commands.add_parser("add-thumbnail", help="add pictures (files, or the pictures in folders) to a person")
    add.add_argument("person_id", metavar="PERSON")
    add.add_argument("files", nargs="+", type=Path, metavar="FILE")
    publish = commands.add_parser("publish", help="publish a person to another connection (a saved profile)")
    publish.add_argument("person_id", metavar="PERSON_ID")
    publish.add_argument("--to", required=True, metavar="PROFILE", help="the connection that receives the person")
    publish.add_argument("--person", metavar="TARGET_ID", help="the person there (default: linked, same id or name)")
    find = commands.add_parser("find-in-media", help="find a face in the media of a Media Intelligence workspace")
    find.add_argument("face_id", metavar="FACE_ID")
    find.add_argument("--in", dest="media", required=True, metavar="PROFILE", help="the Media Intelligence profile")
    _people_parsers(commands)
    _likeness_parsers(commands)
    photos = commands.add_parser("import", help="add the photos of folders (or files) to the local library and "
                                                "find their faces")
    photos.add_argument("folders", nargs="+", type=Path, metavar="FOLDER")
    photos.add_argument("--copy", action="store_true",
                        help="copy the photos into the library's folder (by default they stay where they are)")
    photos.add_argument("--no-wait", action="store_true",
                        help="add the photos and return: `faceboard scan` or the window finds their faces")
    photos.add_argument("--json", action="store_true")
    scan = commands.add_parser("scan", help="find the faces of the photos still waiting for them")
    scan.add_argument("--status", action="store_true", help="only say how far the scan is, and the files skipped")
    scan.add_argument("--json", action="store_true")
    commands.add_parser("resume", help="send the changes waiting in the journal for this connection")
    discard = commands.add_parser("discard", help="drop a change waiting for this connection (never send it)")
    discard.add_argument("entry_id", type=whole_number(2**63 - 1), metavar="ID", help="its number in `history`")
    history = commands.add_parser("history", help="the changes made, newest first, with their outcome")
    history.add_argument("--json", action="store_true")
    history.add_argument("--limit", type=whole_number(MAX_LIMIT), default=50,
                         help=f"how many (1 to {MAX_LIMIT:,}; default 50)")
    return top


def _people_parsers(commands) -> None:
    """The commands that change people, as the window's People menu does; each can say what
    it did as JSON (the person as `people --json` lists them)."""
    create = commands.add_parser("create-person", help="create a person, with faces if given (the first their primary)")
    create.add_argument("name", metavar="NAME")
    create.add_argument("--faces", nargs="+", default=[], metavar="FACE_ID", help="faces to move to the new person")
    rename = commands.add_parser("rename", help="rename a person")
    rename.add_argument("person_id", metavar="PERSON_ID")
    rename.add_argument("name", metavar="NAME")
    hide = commands.add_parser("hide", help="hide a person from the list (--show: list them again)")
    hide.add_argument("person_id", metavar="PERSON_ID")
    hide.add_argument("--show", action="store_true", help="show a hidden person again")
    delete = commands.add_parser("delete-person", help="delete a person; their faces become unassigned")
    delete.add_argument("person_id", metavar="PERSON_ID")
    merge = commands.add_parser("merge", help="move every face of the other people to the first, and delete them")
    merge.add_argument("target_id", metavar="INTO_PERSON_ID")
    merge.add_argument("source_ids", nargs="+", metavar="PERSON_ID")
    for command in (create, rename, hide, delete, merge):
        command.add_argument("--json", action="store_true", help="say what was done as JSON")


def _likeness_parsers(commands) -> None:
    """The commands that compare faces by their look (a backend with COMPARE_FACES)."""
    groups = commands.add_parser("groups", help="unnamed faces that look like one person, the largest group first")
    groups.add_argument("--json", action="store_true")
    name = commands.add_parser("name-group", help="create a person with the faces of a group (see `groups`)")
    name.add_argument("group_id", metavar="GROUP")
    name.add_argument("--as", dest="name", required=True, metavar="NAME", help="the new person's name")
    name.add_argument("--json", action="store_true", help="say what was done as JSON")
    similar = commands.add_parser("similar-people", help="people whose faces look alike (perhaps one person "
                                                         "filed twice), the most alike first")
    similar.add_argument("--json", action="store_true")


def _connection_flags(group) -> None:
    """The flags that name a connection without a profile, as `backends.registry` declares
    them: one per flag, whichever kinds share it."""
    kinds: dict[str, list] = {}
    for entry in BACKENDS.values():
        for field in entry.fields:
            if field.flag:
                kinds.setdefault(field.flag, []).append((entry, field))
    for flag, uses in kinds.items():
        field = uses[0][1]
        group.add_argument(flag, metavar=field.metavar or None, type=base_url if flag == "--base-url" else None,
                           choices=[value for value, _ in field.choices] or None,
                           default=field.choices[0][0] if field.choices else None,
                           help=f"{field.help} ({', '.join(entry.label for entry, _ in uses)})")


def _flag_values(args: argparse.Namespace, kind: str) -> dict[str, str]:
    """The settings of a `kind` connection that its flags give, by field name."""
    return {field.name: getattr(args, field.flag.lstrip("-").replace("-", "_")) or ""
            for field in BACKENDS[kind].fields if field.flag}


def base_url(text: str) -> str:
    """An http(s) address with a host (and a port that can be one), else a usage error."""
    if "@" in text.partition("://")[2].partition("/")[0]:  # user[:password]@host: never echoed
        raise argparse.ArgumentTypeError("an address with a user name or password in it is refused: give the "
                                         "credentials in their environment variables or a profile's keyring entry")
    if (problem := address_problem(text)) is not None:
        raise argparse.ArgumentTypeError(f"{shown(text)} {problem}")
    return text


def whole_number(most: int):
    """An argument type: a whole number from 1 to `most`, else a usage error (never an
    id too large for SQLite)."""
    def parse(text: str) -> int:
        try:
            number = int(text)
        except ValueError:
            number = 0
        if not 1 <= number <= most:
            raise argparse.ArgumentTypeError(f"{shown(text)}: give a whole number from 1 to {most:,}")
        return number
    return parse


def connection(args: argparse.Namespace, secrets: SecretStore | None,
               window: bool = False) -> tuple[Profile, dict[str, str]]:
    """The profile the arguments name, and its secrets (keyring, else environment). With
    none, the local library: the default one, or for the `window` the one it opened last."""
    if args.profile:
        profile = ProfileStore().get(args.profile)
    elif args.backend and args.backend != "local":
        profile = command_line_profile(args.backend, _flag_values(args, args.backend))
    else:
        fallback = last_library() if window else default_library()
        profile = Profile(UNSAVED, "local", library=str(args.library or fallback))
    return profile, read_secrets(profile, secrets)


def open_profile(name: str, secrets: SecretStore):
    """A saved profile's backend, not yet connected."""
    profile = ProfileStore().get(name)
    return profile, open_backend(profile, read_secrets(profile, secrets))


def run(args: argparse.Namespace) -> int:
    """Run a command; an error prints one clear line on stderr and sets the exit code."""
    if args.demo is not None:
        return _demo(args.demo)
    try:
        keyring = SecretStore()
        profile, credentials = connection(args, keyring)
        library = Path(profile.library or default_library())
        if profile.kind == "local" and (wrong := next(not_local_ids(args), None)) is not None:
            print(f"faceboard: {shown(wrong)} is not an id of the local library (its ids are whole numbers "
                  f"up to {MAX_ID:,}); see `faceboard {args.command} --help`.", file=sys.stderr)
            return EXIT_USAGE
        if args.command == "merge" and args.target_id in args.source_ids:  # refused before it is journaled
            print(f"faceboard: person {shown(args.target_id)} cannot be merged into themselves: name the people "
                  "to merge into them after their id.", file=sys.stderr)
            return EXIT_USAGE
        if args.command == "faces" and args.least_alike and args.unassigned:
            print("faceboard: --least-alike orders a person's faces by how unlike the rest of them each is: "
                  "give --person ID.", file=sys.stderr)
            return EXIT_USAGE
        if args.command == "name-group" and not is_group_id(args.group_id, profile.kind):
            print(f"faceboard: {shown(args.group_id)} is not a group's id: those read {GROUP_PREFIX}FACE_ID, as "
                  "`faceboard groups` lists them.", file=sys.stderr)
            return EXIT_USAGE
        if (profile.kind == "local" and args.command not in ("history", "discard")
                and not (library / "library.sqlite3").exists()):
            if library.absolute() == default_library().absolute() and args.command != "import":
                print(f"faceboard: no library in {shown(profile.library)} yet (open the window once for the demo, "
                      "`faceboard import FOLDER` to start it with your photos, or use --demo)", file=sys.stderr)
                return EXIT_REFUSED
            new_library(library)  # --library EMPTY_FOLDER: a new library, without the demo
        return asyncio.run(_command(args, profile, credentials, keyring))
    except FaceboardError as error:
        print(f"faceboard: {shown(error.message)}", file=sys.stderr)
        return exit_code(error)
    except KeyboardInterrupt:
        print("faceboard: stopped. Photos whose faces were not found yet wait for `faceboard scan`.", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # the reader stopped reading (`faceboard people | head`): no traceback for that
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # nor at exit, when Python flushes
        return EXIT_BROKEN_PIPE


def _demo(folder: Path) -> int:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        print(f"faceboard: --demo {shown(folder)}: cannot make that folder ({error.strerror or error}).",
              file=sys.stderr)
        return EXIT_USAGE
    try:
        summary = demo.generate(folder)
    except FileExistsError as error:
        print(f"faceboard: {shown(error)}", file=sys.stderr)
        return EXIT_REFUSED
    except (FaceboardError, OSError) as error:  # a full disk, say, while the photos are written
        refusal = error if isinstance(error, FaceboardError) else storage.unusable(error, folder, "The demo library")
        print(f"faceboard: {shown(refusal.message)}", file=sys.stderr)
        return exit_code(refusal)
    print(f"Demo library in {shown(folder)}: {count(summary['people'], 'person')}, {count(summary['faces'], 'face')} "
          f"({summary['unassigned']} unassigned, {summary['wrong']} on the wrong person).")
    return 0


def not_local_ids(args: argparse.Namespace):
    """The arguments of the command that should be ids of the local library and are not."""
    for name in ID_ARGUMENTS.get(args.command, ()):
        value = getattr(args, name)
        for one in value if isinstance(value, list) else [value]:
            if one is not None and not is_id(one):
                yield one


def is_group_id(text: str, kind: str) -> bool:
    """Whether `text` can be a FaceGroup's id: GROUP_PREFIX and a face id (on the local
    library, one it can hold)."""
    face_id = text.removeprefix(GROUP_PREFIX)
    return text.startswith(GROUP_PREFIX) and (is_id(face_id) if kind == "local" else bool(face_id))


def compares_faces(args: argparse.Namespace) -> bool:
    """Whether the command needs a backend that compares faces by their look."""
    return args.command in COMPARING_COMMANDS or (args.command == "faces" and args.least_alike)


def reads_first(args: argparse.Namespace) -> bool:
    """Whether the change the command makes is read from the backend before it is journaled."""
    return args.command in READING_FIRST or (args.command == "create-person" and bool(args.faces))


def shown(value) -> str:
    """`value` (a name, an id, a server's message) safe to print on a terminal: control
    characters (newline, tab, ESC, bidi overrides) escaped, so a name cannot forge a row
    of a listing or recolour the screen."""
    return _UNPRINTABLE.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), str(value))


def person_json(p: Person) -> dict:
    return {"id": p.id, "name": p.name, "face_count": p.face_count,
            "primary_thumbnail_id": p.primary_thumbnail_id, "hidden": p.hidden}


def thumbnail_json(t: Thumbnail) -> dict:
    return {"id": t.id, "person_id": t.person_id, "primary": t.is_primary}


def face_json(f: Face, photo_file: str | None = None, suggestions: tuple[Suggestion, ...] = ()) -> dict:
    """`photo_file`: where the face's photo is on this machine (the local library's), else None;
    `suggestions`: who the face may be, likeliest first."""
    return {"id": f.id, "person_id": f.person_id, "asset_id": f.asset_id,
            "box": {"x": f.box.x, "y": f.box.y, "w": f.box.width, "h": f.box.height},
            "confidence": f.confidence,
            "photo": {"file": photo_file, "taken": f.taken, "problem": f.photo_problem},
            "suggestions": [{"person_id": s.person_id, "name": s.name, "similarity": s.similarity}
                            for s in suggestions]}


def probably(suggestions: tuple[Suggestion, ...]) -> str:
    """The likeliest person, as a face's tile says it: "probably Alice · 92 %" (Gumnut's
    candidates carry no figure: "probably Alice"); "" with none."""
    if not suggestions:
        return ""
    best = suggestions[0]
    return f"probably {shown(best.name)}" + ("" if best.similarity is None else f" · {percent(best.similarity)}")


def _photo_file(profile: Profile, face: Face) -> str | None:
    if profile.kind != "local":
        return None
    uri = face.image.uri
    return uri if os.path.isabs(uri) else str(Path(profile.library or default_library()) / IMAGES_DIR / uri)


async def _command(args: argparse.Namespace, profile: Profile, credentials: dict[str, str],
                   keyring: SecretStore) -> int:
    """`credentials` open this connection; `keyring` those a command reaches besides (publish, find-in-media)."""
    if args.command in PHOTO_COMMANDS:
        return await _photos(args, open_backend(profile, credentials))
    journal = Journal()
    try:
        if warning := await journal.open():
            print(f"faceboard: {shown(warning)}", file=sys.stderr)
    except (ReadOnly, InUse, DiskFull) as error:  # it cannot be written now: listings need none
        await journal.close()
        if args.command not in LISTING_COMMANDS:
            raise
        print(f"faceboard: {shown(error.message)} Listing without it.", file=sys.stderr)
        journal = None
    if args.command == "history":
        try:
            return _history(await journal.history(args.limit), args.json)
        finally:
            await journal.close()
    backend = open_backend(profile, credentials)
    outbox = Outbox(Curator(backend), journal, profile.key, profile.name)
    try:
        if args.command in CHANGING_COMMANDS and changes_nothing(backend):  # refused before it is journaled
            raise ReadOnly(f"{await backend.connect()} Nothing was changed.")
        if args.command == "discard":
            entry = await outbox.discard(args.entry_id)
            print(f"Discarded: {shown(entry.summary)} (it will not be sent).")
            return 0
        if compares_faces(args):
            face_comparing(backend)  # where it cannot, one line, before anything is read
        change = _change(args)
        if change is not None and not reads_first(args):  # journaled before connecting: offline, it really waits
            return await _journaled(args, outbox, change, connect=True)
        try:
            await backend.connect()
        except Unavailable as error:
            if reads_first(args):
                raise type(error)(f"{error.message} Nothing was kept: run the command again once it "
                                  "answers.") from None
            raise
        curator = outbox.curator
        match args.command:
            case "people":
                people = await curator.all_people()
                if args.json:
                    print(json.dumps([person_json(p) for p in people], indent=2))
                for p in [] if args.json else people:
                    print(f"{shown(p.id)}\t{shown(p.name)}\t{count(p.face_count, 'face')}{' (hidden)' if p.hidden else ''}")
            case "faces":
                return await _faces(curator, profile, args)
            case "create-person":  # its faces are read first: an unknown one is refused before it is journaled
                await curator.backend.get_faces(args.faces)
                return await _journaled(args, outbox, change)
            case "name-group":
                return await _name_group(outbox, args)
            case "groups":
                return await _groups(curator, args)
            case "similar-people":
                return await _similar_people(curator, args)
            case "thumbnails":
                listed = await curator.thumbnails(args.person_id)
                if args.json:
                    print(json.dumps([thumbnail_json(t) for t in listed], indent=2))
                for t in [] if args.json else listed:
                    print(f"{shown(t.id)}\t{'primary' if t.is_primary else '-'}")
            case "add-thumbnail":
                return await _add_thumbnails(outbox, args.person_id, args.files)
            case "resume":
                return await _resume(outbox)
            case "publish":
                return await _publish(curator, profile.name, args, journal, keyring)
            case "find-in-media":
                return await _find_in_media(curator, args, keyring)
        return 0
    finally:
        await backend.close()
        if journal is not None:
            await journal.close()


def _change(args: argparse.Namespace) -> Operation | None:
    """The change a command makes, when it needs nothing from the backend to say it."""
    match args.command:
        case "assign":
            target = None if args.unassigned else args.to
            return AssignFaces(tuple((f, target) for f in args.face_ids))
        case "primary":
            return SetPrimary(args.person_id, args.thumbnail) if args.thumbnail else SetPrimaryFromFace(
                args.person_id, args.face)
        case "create-person":
            return CreatePerson(" ".join(args.name.split()), tuple(dict.fromkeys(args.faces)))
        case "rename":
            return UpdatePerson(args.person_id, name=" ".join(args.name.split()))
        case "hide":
            return UpdatePerson(args.person_id, hidden=not args.show)
        case "delete-person":
            return DeletePerson(args.person_id)
        case "merge":
            return MergePeople(args.target_id, tuple(dict.fromkeys(args.source_ids)))
    return None


async def _send(outbox: Outbox, entry: int, connect: bool = False) -> Change:
    """Send a journaled change (connecting first if asked), behind any that wait, which
    are said as they are sent."""
    outbox.on_resumed = _say_sent
    try:
        if connect:
            await outbox.curator.backend.connect()
    except (Unreachable, RateLimited) as error:  # never sent: it waits
        await outbox.journal.note(entry, error.message)
        raise Waits(f"{error.message} The change waits in the journal: `faceboard resume` sends it.") from None
    except FaceboardError as error:  # a wrong key, say: it could never be sent as it is
        await outbox.journal.finish(entry, FAILED, f"not sent: {error.message}")
        raise
    try:
        return await outbox.send(entry)
    except Waits as error:
        raise Waits(f"{error.message} `faceboard resume` sends it.") from None


def _said(args: argparse.Namespace, change: Change, backend: str) -> int:
    """Say what a change did; its exit code."""
    if args.command in PEOPLE_COMMANDS:
        return _said_of_people(args, change, backend)
    if args.command == "primary":
        person = change.persons[0]
        print(f"Primary of {shown(person.name)} is thumbnail {shown(person.primary_thumbnail_id)}.")
        return 0
    for face_id, message in change.failures:
        print(f"faceboard: face {shown(face_id)}: {shown(message)}", file=sys.stderr)
    print(f"{count(len(change.faces), 'face')} {'detached' if args.unassigned else 'assigned'}.")
    if change.unsent is not None:
        print(f"faceboard: {count(len(change.unsent.moves), 'face')} got no answer from "
              f"{shown(backend)}: they wait in the journal; `faceboard resume` sends them.",
              file=sys.stderr)
        return EXIT_UNAVAILABLE
    return EXIT_REFUSED if change.failures else 0


def _said_of_people(args: argparse.Namespace, change: Change, backend: str) -> int:
    """Say what a change of people did, in a line or as JSON (`person`: the person as they
    are now, null when deleted; `unassigned_faces`: how many more faces have no one)."""
    person = next((p for p in change.persons if p.id == (change.created_person_id or _person_named(args))), None)
    for what, message in change.failures:
        print(f"faceboard: {shown(what)}: {shown(message)}", file=sys.stderr)
    if change.unsent is not None:
        print(f"faceboard: part of it got no answer from {shown(backend)}: it waits in the journal; "
              "`faceboard resume` sends it.", file=sys.stderr)
    if args.json:
        print(json.dumps({"person": None if person is None else person_json(person),
                          "removed_person_ids": list(change.removed_person_ids),
                          "moved_face_ids": [f.id for f in change.faces],
                          "unassigned_faces": change.unassigned_delta}, indent=2))
    elif person is not None or change.removed_person_ids:
        print(_people_sentence(args, person, change))
    return EXIT_UNAVAILABLE if change.unsent is not None else EXIT_REFUSED if change.failures else 0


def _person_named(args: argparse.Namespace) -> str | None:
    return getattr(args, "target_id", None) or getattr(args, "person_id", None)


def _people_sentence(args: argparse.Namespace, person: Person | None, change: Change) -> str:
    name = "" if person is None else shown(person.name)
    match args.command:
        case "create-person":
            return f"Created {name} (person {shown(person.id)}) with {count(person.face_count, 'face')}."
        case "name-group":
            return (f"Named {shown(args.group_id)}: {name} (person {shown(person.id)}) with "
                    f"{count(person.face_count, 'face')}.")
        case "rename":
            return f"Renamed person {shown(person.id)} to {name}."
        case "hide":
            return f"{name} is {'shown again' if args.show else 'hidden'}."
        case "delete-person":
            return f"Deleted person {shown(args.person_id)}; {count(change.unassigned_delta, 'face')} unassigned now."
    return f"Merged {count(len(change.removed_person_ids), 'person')} into {name}: {count(person.face_count, 'face')} now."


async def _publish(curator: Curator, source: str, args: argparse.Namespace, journal: Journal,
                   secrets: SecretStore) -> int:
    """Show what will change, publish, and say per step what did."""
    profile, target = open_profile(args.to, secrets)
    try:
        await target.connect()
        publisher = Publisher(source, Outbox(Curator(target), journal, profile.key, profile.name), profile.name,
                              origin=COMMAND_LINE)
        plan = await publisher.plan(await gather(curator, args.person_id), args.person)
        where = plan.target.name if plan.target else "a new person"
        print(f"Publishing {shown(plan.person.name)} to {shown(target.display_name)} "
              f"({shown(where)}, {shown(plan.found_by)}):")
        for step in plan.steps:
            print(f"  - {shown(step)}")
        for what, why in plan.skipped:
            print(f"  ! cannot {shown(what)}, so it is left out: {shown(why)}")
        change = await publisher.run(plan)
        for what, why in change.steps:
            print(f"  {'done' if why is None else 'FAILED'}: {shown(what)}{'' if why is None else ': ' + shown(why)}")
        return EXIT_REFUSED if failed(change) else 0
    finally:
        await target.close()


async def _find_in_media(curator: Curator, args: argparse.Namespace, secrets: SecretStore) -> int:
    profile, media = open_profile(args.media, secrets)
    try:
        await media.connect()
        (face,) = await curator.backend.get_faces([args.face_id])
        hits = await find_face_in_media(curator.backend, face, media)
        for hit in hits:
            print(f"{shown(hit.asset_id)}\t{shown(hit.name)}\t{'' if hit.score is None else f'{hit.score:.2f}'}")
        print(f"{count(len(hits), 'match')} in {shown(media.display_name)}.", file=sys.stderr)
        return 0
    finally:
        await media.close()


async def _journaled(args: argparse.Namespace, outbox: Outbox, change: Operation, connect: bool = False) -> int:
    """Journal the command's change, send it (connecting first if asked), say what it did."""
    entry = await outbox.record(change, describe(change, {}), COMMAND_LINE)
    try:
        return _said(args, await _send(outbox, entry, connect), outbox.curator.backend.display_name)
    except SentMeanwhile as done:
        print(shown(done.message))
        return 0


async def _faces(curator: Curator, profile: Profile, args: argparse.Namespace) -> int:
    """A person's faces (least alike first if asked), or the unassigned ones, each with who
    it may be: Faceboard's own comparison where the backend compares faces, else the
    backend's guesses (Gumnut's candidates)."""
    query = FacesQuery(sort="least_alike") if args.least_alike else FacesQuery()
    faces = await curator.all_faces(None if args.unassigned else args.person, query)
    likeness = (await _compared(curator))[0] if faces and curator.can(Capability.COMPARE_FACES) else None
    suggested = [likeness.suggestions(f.id) if likeness is not None and f.id in likeness else f.suggestions
                 for f in faces]
    if args.json:
        print(json.dumps([face_json(f, _photo_file(profile, f), s) for f, s in zip(faces, suggested)], indent=2))
    for f, s in [] if args.json else zip(faces, suggested):
        print(f"{shown(f.id)}\tphoto {shown(f.asset_id)}\t{f.box.x},{f.box.y} {f.box.width}x{f.box.height}"
              + (f"\t{probably(s)}" if s else ""))
    return 0


async def _compared(curator: Curator) -> tuple[Likeness, dict[str, str]]:
    """Faceboard's comparison of the backend's faces, and the people's names by id
    (seconds on a big library: said while it lasts on a terminal)."""
    async with _working("Comparing the faces"):
        people = {p.id: p.name for p in await curator.all_people()}
        return await Likeness.load(face_comparing(curator.backend), people), people


async def _groups_now(curator: Curator) -> tuple[FaceGroup, ...]:
    """The groups of unnamed faces as they are now (seconds on a big library: said on a terminal)."""
    likeness, _ = await _compared(curator)
    unnamed = await curator.unassigned_count()
    async with _working(f"Grouping {'the unnamed faces' if unnamed is None else count(unnamed, 'unnamed face')}"):
        return await likeness.groups()


async def _groups(curator: Curator, args: argparse.Namespace) -> int:
    """The unnamed faces that look like one person each, the largest group first."""
    groups = await _groups_now(curator)
    if args.json:
        print(json.dumps([{"id": g.id, "face_ids": list(g.face_ids)} for g in groups], indent=2))
        return 0
    for g in groups:
        print(f"{shown(g.id)}\t{count(len(g.face_ids), 'face')}\t{' '.join(shown(f) for f in g.face_ids)}")
    print(f"{count(len(groups), 'group')} of unnamed faces that look alike"
          + (": `faceboard name-group GROUP --as NAME` names one." if groups else "."), file=sys.stderr)
    return 0


async def _name_group(outbox: Outbox, args: argparse.Namespace) -> int:
    """The group as it is now becomes a person, its faces theirs (the likeliest their primary): one change."""
    group = next((g for g in await _groups_now(outbox.curator) if g.id == args.group_id), None)
    if group is None:
        raise NotFound(f"There is no group {args.group_id} now (its faces may have been named since): "
                       "`faceboard groups` lists the groups there are. Nothing was changed.")
    return await _journaled(args, outbox, CreatePerson(" ".join(args.name.split()), group.face_ids))


async def _similar_people(curator: Curator, args: argparse.Namespace) -> int:
    """Pairs of people whose faces look alike (perhaps one person filed twice), the most alike first."""
    likeness, names = await _compared(curator)
    pairs = likeness.similar_people()
    if args.json:
        print(json.dumps([{"first_id": p.first_id, "first_name": names.get(p.first_id),
                           "second_id": p.second_id, "second_name": names.get(p.second_id),
                           "similarity": p.similarity} for p in pairs], indent=2))
    for p in [] if args.json else pairs:
        print(f"{shown(p.first_id)}\t{shown(p.second_id)}\t{percent(p.similarity)}\t"
              f"{shown(names.get(p.first_id, ''))} · {shown(names.get(p.second_id, ''))}")
    if not args.json:
        print(f"{count(len(pairs), 'pair')} of people whose faces look alike"
              + (": `faceboard merge INTO_PERSON_ID PERSON_ID` merges two." if pairs else "."), file=sys.stderr)
    return 0


@contextlib.asynccontextmanager
async def _working(what: str):
    """`what` on stderr, with the seconds it has taken so far, while it lasts, when stderr is
    a terminal (so never in the output, --json or not); wiped when done."""
    if not sys.stderr.isatty():
        yield
        return
    started = time.monotonic()

    def say():
        print(f"\r{what}… {time.monotonic() - started:.0f} s\x1b[K", end="", file=sys.stderr, flush=True)

    async def tick():
        while True:
            await asyncio.sleep(0.5)
            say()

    say()
    ticking = asyncio.ensure_future(tick())
    try:
        yield
    finally:
        ticking.cancel()
        print("\r\x1b[K", end="", file=sys.stderr, flush=True)


def _say_sent(results) -> int:
    """Print how the waiting changes sent ended; how many were refused."""
    refused = 0
    for entry, outcome in results:
        if isinstance(outcome, FaceboardError):
            refused += 1
            print(f"faceboard: {shown(entry.summary)}: {shown(outcome.message)}", file=sys.stderr)
            continue
        for _, message in outcome.failures:
            print(f"faceboard: {shown(entry.summary)}: {shown(message)}", file=sys.stderr)
        refused += bool(outcome.failures)
        print(f"{shown(entry.summary)}: {'done' if not outcome.failures else 'done in part'}.")
    return refused


async def _resume(outbox: Outbox) -> int:
    results = await outbox.resume()
    refused = _say_sent(results)
    waiting = await outbox.waiting()
    if waiting:
        print(f"faceboard: {count(waiting, 'change')} still waiting: "
              f"{shown(outbox.curator.backend.display_name)} does not answer.",
              file=sys.stderr)
        return EXIT_UNAVAILABLE
    if not results:
        print("Nothing was waiting.")
    return EXIT_REFUSED if refused else 0


def _history(entries, as_json: bool) -> int:
    """Newest first: when, the connection (its identity), where it was made, what, how it ended."""
    if as_json:
        print(json.dumps([{"id": e.id, "when": e.created, "connection": e.connection, "key": e.key,
                           "origin": e.origin, "backend": e.backend, "change": e.summary, "state": e.state,
                           "outcome": e.outcome} for e in entries], indent=2))
        return 0
    for e in entries:
        when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(e.created))
        where = e.key or e.connection
        print(f"{e.id}\t{when}\t{shown(where)}\t{e.origin or '-'}\t{shown(e.summary)}\t{e.state}"
              f"{': ' + shown(e.outcome) if e.outcome else ''}")
    return 0


async def _add_thumbnails(outbox: Outbox, person_id: str, files: list[Path]) -> int:
    images, refused = prepare_uploads(files)  # no window to keep responsive: validate right here
    for message in refused:
        print(f"faceboard: not added: {shown(message)}", file=sys.stderr)
    if images:
        person = await outbox.curator.person(person_id)
        change = AddThumbnails(person.id, tuple(data for _, data in images), names=tuple(name for name, _ in images))
        await _send(outbox, await outbox.record(change, describe(change, {person.id: person.name}), COMMAND_LINE))
        print(f"Added {count(len(images), 'thumbnail')} to {shown(person.name)}.")
    return EXIT_REFUSED if refused else 0


async def _photos(args: argparse.Namespace, backend) -> int:
    """`import` and `scan`: photos registered, their faces found (progress on stderr when it
    is a terminal), each file skipped named once with the reason."""
    try:
        library = photo_library(backend)
        await backend.connect()
        if args.command == "scan" and args.status:
            return _scan_status(await library.scan_status(), await library.import_problems(), args.json)
        if changes_nothing(backend):
            raise ReadOnly(f"{await backend.connect()} Nothing was changed.")
        wait = args.command == "scan" or not args.no_wait
        scanner = Scanner(library, _ProgressLine() if sys.stderr.isatty() and not args.json else None,
                          copy=getattr(args, "copy", False))
        progress = await scanner.run(args.folders if args.command == "import" else (), scan=wait)
        status = await library.scan_status()
    finally:
        await backend.close()
    if sys.stderr.isatty() and not args.json:
        print(file=sys.stderr)  # past the progress line
    if args.json:
        print(json.dumps({"added": progress.photos_added, "known": progress.photos_known,
                          "scanned": progress.photos_done, "faces": progress.faces_found,
                          "waiting": status.waiting, "problems": [_problem_json(p) for p in progress.problems]},
                         indent=2))
    else:
        for problem in progress.problems:
            print(f"faceboard: skipped {shown(problem.path)}: {shown(problem.reason)}", file=sys.stderr)
        if args.command == "import":
            print(f"Added {count(progress.photos_added, 'photo')}"
                  + (f" ({progress.photos_known:,} already in the library)" if progress.photos_known else "") + ".")
        if wait:
            print(f"Scanned {count(progress.photos_done, 'photo')}: {count(progress.faces_found, 'face')} found.")
        if status.waiting:
            print(f"{count(status.waiting, 'photo')} {'waits' if status.waiting == 1 else 'wait'} for "
                  "their faces to be found: `faceboard scan` finds them.")
    return EXIT_REFUSED if progress.problems else 0


class _ProgressLine:
    """The scan's progress, rewritten in place on the terminal at most ten times a second."""

    def __init__(self):
        self._shown = 0.0

    def __call__(self, progress: ScanProgress) -> None:
        now = time.monotonic()
        if now - self._shown >= 0.1 or progress.photos_done == progress.photos_total:
            self._shown = now
            print(f"\r{progress.summary}\x1b[K", end="", file=sys.stderr, flush=True)


def _problem_json(problem) -> dict:
    return {"path": problem.path, "reason": problem.reason}


def _scan_status(status, problems, as_json: bool) -> int:
    if as_json:
        print(json.dumps({"waiting": status.waiting, "done": status.done, "failed": status.failed,
                          "faces": status.faces, "problems": [_problem_json(p) for p in problems]}, indent=2))
        return 0
    print(f"{count(status.done, 'photo')} scanned, {status.waiting:,} waiting, {status.failed:,} failed; "
          f"{count(status.faces, 'face')} found.")
    for problem in problems:
        print(f"{shown(problem.path)}\t{shown(problem.reason)}")
    return 0
