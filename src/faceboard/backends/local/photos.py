"""A user's photo files as the local library takes them in: what a file really is (by its
content, not its name), its size, mtime and content hash, and its size in pixels from the
header. Disk work: called on the library's file thread, never the event loop's, nor the
database's (which the panes' reads share).

The hash is sha256 of the whole file: on a 12 MP JPEG (4 MB) it takes 6 ms where blake2b
takes 15 ms (hashlib, this machine has SHA instructions); both are far below the second the
face finder spends on it.
"""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from faceboard import imaging
from faceboard.backends.base import ImportProblem
from faceboard.errors import InvalidInput

PHOTO_KINDS = ("JPEG", "PNG", "HEIC", "TIFF", "WebP")  # what an import takes, told by `imaging.sniff`


@dataclass(frozen=True)
class FileState:
    """A file as `stat` sees it: unchanged since the library last looked, it is not read again."""

    path: str
    size: int
    mtime_ns: int


@dataclass(frozen=True)
class FoundPhoto:
    state: FileState
    hash: str  # sha256, hex
    kind: str  # one of PHOTO_KINDS
    width: int  # upright
    height: int

    @property
    def taken(self) -> str:
        """The file's time, ISO 8601: the photo's date until the scan reads its EXIF."""
        return datetime.fromtimestamp(self.state.mtime_ns / 1e9, timezone.utc).isoformat(timespec="seconds")


def state(path: str) -> FileState | ImportProblem:
    """The file's stat, or why it is no file to import."""
    try:
        info = os.stat(path)
    except OSError as error:
        try:
            imaging.read_file(Path(path), 0)  # says why, as every picture file that cannot be read is refused
        except InvalidInput as refusal:
            return ImportProblem(path, refusal.message)
        return ImportProblem(path, f"{Path(path).name} cannot be read: {error.strerror or error}.")
    if not stat.S_ISREG(info.st_mode):
        return ImportProblem(path, f"{Path(path).name} is not a regular file, not a photo.")
    return FileState(path, info.st_size, info.st_mtime_ns)


def examine(file: FileState) -> FoundPhoto | ImportProblem:
    """Read the file once: what it is, its hash, its size in pixels (header only; a file
    cut short further on is found by the scan, which decodes it)."""
    name = Path(file.path).name
    try:
        data = imaging.read_file(Path(file.path), imaging.MAX_PHOTO_BYTES)
        kind = imaging.sniff(data)
        if data and kind not in PHOTO_KINDS:
            what = f"a {kind} picture" if kind in imaging.PICTURE_KINDS else (kind or "no picture Faceboard knows")
            return ImportProblem(file.path, f"{name} is {what}, not a photo (Faceboard imports "
                                            f"{', '.join(PHOTO_KINDS[:-1])} and {PHOTO_KINDS[-1]}).")
        width, height = imaging.upright_size(imaging.open_picture(data, name))
    except InvalidInput as refusal:
        return ImportProblem(file.path, refusal.message)
    return FoundPhoto(file, hashlib.sha256(data).hexdigest(), kind, width, height)


def copy_into(found: FoundPhoto, images: Path) -> str:
    """Copy the photo into the library's images folder, named by its content; the path
    the library keeps for it, relative to that folder."""
    relative = f"assets/{found.hash[:32]}.{found.kind.lower()}"
    target = images / relative
    if not target.exists():
        partial = target.with_suffix(".partial")
        partial.write_bytes(Path(found.state.path).read_bytes())
        os.replace(partial, target)  # a copy cut short by a kill is never taken for the photo
    return relative
