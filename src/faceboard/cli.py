"""The command line: every curation operation, scriptable, through the same services
as the window. No Qt here."""

from __future__ import annotations

import argparse
import hashlib
import asyncio
import json
import sys
from dataclasses import asdict
from pathlib import Path

from platformdirs import user_cache_path, user_data_path

from faceboard import __version__
from faceboard.backends.local import LocalLibrary, demo
from faceboard.errors import FaceboardError
from faceboard.services.curator import Curator
from faceboard.services.images import expand_pictures, prepare_upload
from faceboard.services.operations import AddThumbnails, AssignFaces, SetPrimary, SetPrimaryFromFace

APP = "Faceboard"


def default_library() -> Path:
    return user_data_path(APP, APP) / "library"


def tile_cache_dir(library: Path) -> Path:
    return user_cache_path(APP, APP) / "tiles" / hashlib.sha1(str(library.resolve()).encode()).hexdigest()[:16]


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="faceboard", description="Curate people and faces. Without a command, opens the window."
    )
    top.add_argument("--version", action="version", version=f"faceboard {__version__}")
    top.add_argument("--library", type=Path, default=None,
                     help=f"the local library folder (default: {default_library()})")
    top.add_argument("--demo", type=Path, metavar="PATH", help="create a demo library in PATH and exit")
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
    return top


def run(args: argparse.Namespace) -> int:
    """Run a command; errors print one clear line and exit 1 (2 for usage)."""
    if args.demo is not None:
        try:
            summary = demo.generate(args.demo)
        except (FileExistsError, FaceboardError) as error:
            print(f"faceboard: {error}", file=sys.stderr)
            return 1
        print(f"Demo library in {args.demo}: {summary['people']} people, {summary['faces']} faces "
              f"({summary['unassigned']} unassigned, {summary['wrong']} on the wrong person).")
        return 0
    folder = args.library or default_library()
    if not (folder / "library.sqlite3").exists():
        print(f"faceboard: no library in {folder} (open the window once, or use --demo)", file=sys.stderr)
        return 1
    try:
        return asyncio.run(_command(args, folder))
    except FaceboardError as error:
        print(f"faceboard: {error.message}", file=sys.stderr)
        return 1


async def _command(args: argparse.Namespace, folder: Path) -> int:
    library = LocalLibrary(folder)
    curator = Curator(library)
    try:
        match args.command:
            case "people":
                people = await curator.all_people()
                if args.json:
                    print(json.dumps([_plain(p) for p in people], indent=2))
                for p in [] if args.json else people:
                    print(f"{p.id}\t{p.name}\t{p.face_count} faces{' (hidden)' if p.hidden else ''}")
            case "faces":
                faces, cursor = [], None
                while True:
                    page = await curator.faces_page(None if args.unassigned else args.person, cursor)
                    faces.extend(page.items)
                    if (cursor := page.next_cursor) is None:
                        break
                if args.json:
                    print(json.dumps([_plain(f) for f in faces], indent=2))
                for f in [] if args.json else faces:
                    print(f"{f.id}\tphoto {f.asset_id}\t{f.box.x},{f.box.y} {f.box.width}x{f.box.height}")
            case "assign":
                change = await curator.apply(AssignFaces(tuple((f, None if args.unassigned else args.to)
                                                               for f in args.face_ids)))
                for face_id, message in change.failures:
                    print(f"faceboard: face {face_id}: {message}", file=sys.stderr)
                print(f"{len(change.faces) - len(change.failures)} face(s) assigned.")
                return 1 if change.failures else 0
            case "primary":
                op = (SetPrimary(args.person_id, args.thumbnail) if args.thumbnail
                      else SetPrimaryFromFace(args.person_id, args.face))
                change = await curator.apply(op)
                print(f"Primary of {change.persons[0].name} is thumbnail {change.persons[0].primary_thumbnail_id}.")
            case "add-thumbnail":
                return await _add_thumbnails(curator, args.person_id, args.files)
        return 0
    finally:
        await library.close()


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
    return 1 if failed else 0


def _plain(obj) -> dict:
    return asdict(obj)
