"""The command line: every curation operation, scriptable, through the same services
as the window. No Qt here.

Exit codes: 0 done, 2 usage, 3 refused or not found, 4 authentication, 5 backend
unavailable (or rate limited; a change then waits in the journal: `faceboard resume`).

Every change is journaled before it is sent (see services/journal.py); `history` lists
the journal, `resume` sends what waits in it for the connection.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import sys
import time
from pathlib import Path

from platformdirs import user_cache_path

from faceboard import APP, __version__
from faceboard.backends.local import demo
from faceboard.domain import Face, Person
from faceboard.errors import AuthFailed, FaceboardError, RateLimited, Unavailable, Unreachable
from faceboard.services.connections import (
    KINDS,
    Profile,
    ProfileStore,
    SecretStore,
    app_token_for,
    command_line_profile,
    default_library,
    open_backend,
    secret_for,
)
from faceboard.services.curator import Curator
from faceboard.services.face_search import find_face_in_media
from faceboard.services.images import expand_pictures, prepare_upload
from faceboard.services.journal import Journal
from faceboard.services.publishing import Publisher, failed, gather
from faceboard.services.operations import AddThumbnails, AssignFaces, SetPrimary, SetPrimaryFromFace

EXIT_REFUSED, EXIT_AUTH, EXIT_UNAVAILABLE = 3, 4, 5


def exit_code(error: FaceboardError) -> int:
    if isinstance(error, AuthFailed):
        return EXIT_AUTH
    if isinstance(error, (Unavailable, RateLimited)):
        return EXIT_UNAVAILABLE
    return EXIT_REFUSED


def tile_cache_dir(key: str) -> Path:
    return user_cache_path(APP, APP) / "tiles" / hashlib.sha1(key.encode()).hexdigest()[:16]


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="faceboard", description="Curate people and faces. Without a command, opens the window.")
    top.add_argument("--version", action="version", version=f"faceboard {__version__}")
    where = top.add_argument_group("connection (default: the local library)")
    where.add_argument("--profile", metavar="NAME", help="a saved connection profile")
    where.add_argument("--library", type=Path, default=None,
                       help=f"a local library folder (default: {default_library()})")
    where.add_argument("--backend", choices=sorted(KINDS), help="connect without a profile")
    where.add_argument("--base-url", metavar="URL", help="the backend's address")
    where.add_argument("--library-id", metavar="ID", help="which library of the backend (Gumnut)")
    where.add_argument("--workspace", metavar="NAME", help="which workspace (NAVER Media Intelligence)")
    where.add_argument("--collection", metavar="NAME", help="which collection (OpenCV FR)")
    where.add_argument("--edition", choices=("server", "cloud"), default="server", help="OpenCV FR's edition")
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
    faces.add_argument("--json", action="store_true")
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
    commands.add_parser("resume", help="send the changes waiting in the journal for this connection")
    history = commands.add_parser("history", help="the changes made, newest first, with their outcome")
    history.add_argument("--json", action="store_true")
    history.add_argument("--limit", type=int, default=50)
    return top


def connection(args: argparse.Namespace, secrets: SecretStore | None) -> tuple[Profile, str | None]:
    """The profile the arguments name, and its secret (keyring, else environment)."""
    if args.profile:
        profile = ProfileStore().get(args.profile)
    elif args.backend and args.backend != "local":
        place = {"ncp-mi": args.workspace, "opencv-fr": args.collection}.get(args.backend, args.library_id)
        profile = command_line_profile(args.backend, args.base_url or "", place or "", args.edition)
    else:
        profile = Profile("command line", "local", library=str(args.library or default_library()))
    return profile, secret_for(profile, secrets)


def open_profile(name: str, secrets: SecretStore):
    """A saved profile's backend, not yet connected."""
    profile = ProfileStore().get(name)
    return profile, open_backend(profile, secret_for(profile, secrets), app_token_for(profile, secrets))


def run(args: argparse.Namespace) -> int:
    """Run a command; an error prints one clear line on stderr and sets the exit code."""
    if args.demo is not None:
        try:
            summary = demo.generate(args.demo)
        except (FileExistsError, FaceboardError) as error:
            print(f"faceboard: {error}", file=sys.stderr)
            return EXIT_REFUSED
        print(f"Demo library in {args.demo}: {summary['people']} people, {summary['faces']} faces "
              f"({summary['unassigned']} unassigned, {summary['wrong']} on the wrong person).")
        return 0
    try:
        profile, secret = connection(args, SecretStore())
        library = Path(profile.library or default_library())
        if profile.kind == "local" and args.command != "history" and not (library / "library.sqlite3").exists():
            print(f"faceboard: no library in {profile.library} (open the window once, or use --demo)",
                  file=sys.stderr)
            return EXIT_REFUSED
        return asyncio.run(_command(args, profile, secret))
    except FaceboardError as error:
        print(f"faceboard: {error.message}", file=sys.stderr)
        return exit_code(error)


def person_json(p: Person) -> dict:
    return {"id": p.id, "name": p.name, "face_count": p.face_count,
            "primary_thumbnail_id": p.primary_thumbnail_id, "hidden": p.hidden}


def face_json(f: Face) -> dict:
    return {"id": f.id, "person_id": f.person_id, "asset_id": f.asset_id,
            "box": {"x": f.box.x, "y": f.box.y, "w": f.box.width, "h": f.box.height}}


async def _command(args: argparse.Namespace, profile: Profile, secret: str | None) -> int:
    journal = Journal()
    if warning := await journal.open():
        print(f"faceboard: {warning}", file=sys.stderr)
    if args.command == "history":
        try:
            return _history(await journal.history(args.limit), args.json)
        finally:
            await journal.close()
    secrets = SecretStore()
    backend = open_backend(profile, secret, app_token_for(profile, secrets))
    try:
        await backend.connect()
        curator = Curator(backend, journal, profile.name)
        match args.command:
            case "people":
                people = await curator.all_people()
                if args.json:
                    print(json.dumps([person_json(p) for p in people], indent=2))
                for p in [] if args.json else people:
                    print(f"{p.id}\t{p.name}\t{p.face_count} faces{' (hidden)' if p.hidden else ''}")
            case "faces":
                faces = await curator.all_faces(None if args.unassigned else args.person)
                if args.json:
                    print(json.dumps([face_json(f) for f in faces], indent=2))
                for f in [] if args.json else faces:
                    print(f"{f.id}\tphoto {f.asset_id}\t{f.box.x},{f.box.y} {f.box.width}x{f.box.height}")
            case "assign":
                target = None if args.unassigned else args.to
                change = await curator.apply(AssignFaces(tuple((f, target) for f in args.face_ids)))
                for face_id, message in change.failures:
                    print(f"faceboard: face {face_id}: {message}", file=sys.stderr)
                print(f"{len(change.faces)} face(s) {'detached' if target is None else 'assigned'}.")
                if change.unsent is not None:
                    print(f"faceboard: {len(change.unsent.moves)} face(s) got no answer from "
                          f"{curator.backend.display_name}: they wait in the journal; `faceboard resume` sends them.",
                          file=sys.stderr)
                    return EXIT_UNAVAILABLE
                return EXIT_REFUSED if change.failures else 0
            case "primary":
                op = (SetPrimary(args.person_id, args.thumbnail) if args.thumbnail
                      else SetPrimaryFromFace(args.person_id, args.face))
                change = await curator.apply(op)
                print(f"Primary of {change.persons[0].name} is thumbnail {change.persons[0].primary_thumbnail_id}.")
            case "add-thumbnail":
                return await _add_thumbnails(curator, args.person_id, args.files)
            case "resume":
                return await _resume(curator)
            case "publish":
                return await _publish(curator, profile.name, args, journal, secrets)
            case "find-in-media":
                return await _find_in_media(curator, args, secrets)
        return 0
    except Unreachable as error:
        if args.command in ("assign", "primary", "add-thumbnail", "publish"):
            raise Unreachable(f"{error.message} The change waits in the journal: `faceboard resume` sends it.") from None
        raise
    finally:
        await backend.close()
        await journal.close()


async def _publish(curator: Curator, source: str, args: argparse.Namespace, journal: Journal,
                   secrets: SecretStore) -> int:
    """Show what will change, publish, and say per step what did."""
    profile, target = open_profile(args.to, secrets)
    try:
        await target.connect()
        publisher = Publisher(source, Curator(target, journal, profile.name), profile.name)
        plan = await publisher.plan(await gather(curator, args.person_id), args.person)
        where = plan.target.name if plan.target else "a new person"
        print(f"Publishing {plan.person.name} to {target.display_name} ({where}, {plan.found_by}):")
        for step in plan.steps:
            print(f"  - {step}")
        for what, why in plan.skipped:
            print(f"  ! cannot {what}, so it is left out: {why}")
        change = await publisher.run(plan)
        for what, why in change.steps:
            print(f"  {'done' if why is None else 'FAILED'}: {what}{'' if why is None else ': ' + why}")
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
            print(f"{hit.asset_id}\t{hit.name}\t{'' if hit.score is None else f'{hit.score:.2f}'}")
        print(f"{len(hits)} match(es) in {media.display_name}.", file=sys.stderr)
        return 0
    finally:
        await media.close()


async def _resume(curator: Curator) -> int:
    results = await curator.resume()
    refused = 0
    for entry, outcome in results:
        if isinstance(outcome, FaceboardError):
            refused += 1
            print(f"faceboard: {entry.summary}: {outcome.message}", file=sys.stderr)
        else:
            print(f"{entry.summary}: done.")
    waiting = await curator.waiting()
    if waiting:
        print(f"faceboard: {waiting} change(s) still waiting: {curator.backend.display_name} does not answer.",
              file=sys.stderr)
        return EXIT_UNAVAILABLE
    if not results:
        print("Nothing was waiting.")
    return EXIT_REFUSED if refused else 0


def _history(entries, as_json: bool) -> int:
    if as_json:
        print(json.dumps([{"id": e.id, "when": e.created, "connection": e.connection, "backend": e.backend,
                           "change": e.summary, "state": e.state, "outcome": e.outcome} for e in entries], indent=2))
        return 0
    for e in entries:
        when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(e.created))
        print(f"{when}\t{e.connection}\t{e.summary}\t{e.state}{': ' + e.outcome if e.outcome else ''}")
    return 0


async def _add_thumbnails(curator: Curator, person_id: str, files: list[Path]) -> int:
    person = await curator.person(person_id)
    images, failed = [], 0
    for path in expand_pictures(files):  # no window to keep responsive: validate right here
        try:
            images.append(prepare_upload(path))
        except FaceboardError as error:
            print(f"faceboard: not added: {error.message}", file=sys.stderr)
            failed += 1
    if images:
        await curator.apply(AddThumbnails(person.id, tuple(images)))
        print(f"Added {len(images)} thumbnail(s) to {person.name}.")
    return EXIT_REFUSED if failed else 0


