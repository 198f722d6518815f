"""The one image pipeline: read bytes through the backend, decode and scale off the
event loop's thread, keep scaled tiles in a disk cache, newest request first; and the
pictures a user adds, validated off that thread too.

The pixel work (upright, the face's crop, scaling with JPEG draft, the cache's PNGs) is
`faceboard.imaging`'s. The result is an `imaging.Tile` of RGB bytes; the UI turns it into
a QImage.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from faceboard import imaging
from faceboard.domain import ImageRef
from faceboard.errors import InvalidInput

DISK_CACHE_BYTES = 512 * 1024 * 1024  # scaled tiles kept on disk, least recently used dropped first
FETCHES = 16  # images requested at once; matches the HTTP clients' keep-alive pool
MAX_WAITING = 512  # requests waiting beyond this are the oldest: tiles long scrolled away


def digest(image: bytes) -> str:
    """What identifies an image's bytes: a publication sends an image once."""
    return hashlib.sha1(image).hexdigest()


PICTURE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".gif", ".bmp", ".tif", ".tiff", ".heic"}


def expand_pictures(paths) -> tuple[list[Path], list[str]]:
    """The files to import: files as given, and what is named as a picture directly
    inside given folders (a pipe or a device among them is refused when read, by name);
    with a message for each folder that cannot be listed."""
    files: list[Path] = []
    refused: list[str] = []
    for path in map(Path, paths):
        if not path.is_dir():
            files.append(path)
            continue
        try:
            files.extend(sorted(p for p in path.iterdir() if p.suffix.lower() in PICTURE_SUFFIXES and not p.is_dir()))
        except OSError as error:
            refused.append(f"{path.name} cannot be read: {error.strerror or error}.")
    return files, refused


def prepare_uploads(paths) -> tuple[list[tuple[str, bytes]], list[str]]:
    """The pictures of files and folders a user gives, validated and re-encoded, each
    with its file name (for what a backend says of it later), and a message for each
    one refused: a bad file does not keep the good ones out."""
    files, refused = expand_pictures(paths)
    images = []
    for path in files:
        try:
            images.append((path.name, imaging.prepare_upload(path)))
        except InvalidInput as error:
            refused.append(error.message)
    return images, refused


def decode_workers() -> int:
    """One decode thread per core but one: the GUI thread keeps a core to paint with. On
    two cores, two decoders made frames wait behind them (benchmarks/scale.py: worst
    stall 54 ms, p99 12.7 ms; with one, 13–19 ms and 7 ms). Lowering the decoders'
    priority instead (Linux only) did less: 23–25 ms and 11 ms."""
    return max(1, (os.cpu_count() or 2) - 1)


class ImagePipeline:
    """Serves `Tile`s for image refs: disk cache first, then the backend's bytes, decoded
    on worker threads (one per core but one). Up to FETCHES requests are in flight at once.
    Requests wait on a stack, so the newest (what is on screen now) is served first;
    `drop_pending` forgets requests for tiles no longer shown.
    """

    def __init__(self, read: Callable[[str], Awaitable[bytes]], cache_dir: Path | None, workers: int | None = None,
                 cache_bytes: int = DISK_CACHE_BYTES, fetches: int = FETCHES):
        self._read = read
        self._cache_dir = cache_dir
        self._cache_bytes = cache_bytes
        self._written = 0
        self._fetches = fetches  # requests in flight: waiting on a server costs no CPU
        self._pool = ThreadPoolExecutor(workers or decode_workers(), thread_name_prefix="image-decode")
        self._stack: list[tuple[ImageRef, int, asyncio.Future, bool]] = []
        self._running: set[asyncio.Task] = set()

    def request(self, ref: ImageRef, size: int, cached: bool = True) -> asyncio.Future[imaging.Tile]:
        """Ask for a tile without making a task: a view painting a fast scroll asks for
        thousands it will never wait for, and most are dropped before they start.
        `cached`: kept in the disk cache (a whole photo at screen size is not: megabytes)."""
        future = asyncio.get_running_loop().create_future()
        self._stack.append((ref, size, future, cached))
        if len(self._stack) > MAX_WAITING:  # scrolling fast: forget the oldest, unseen now
            for _, _, stale, _ in self._stack[: len(self._stack) - MAX_WAITING]:
                stale.cancel()
            del self._stack[: len(self._stack) - MAX_WAITING]
        self._pump()
        return future

    async def prepare_uploads(self, paths) -> tuple[list[tuple[str, bytes]], list[str]]:
        """Validate and re-encode a user's pictures on a decode thread: (images, refusals)."""
        return await asyncio.get_running_loop().run_in_executor(self._pool, prepare_uploads, paths)

    def drop_pending(self) -> None:
        for _, _, future, _ in self._stack:
            future.cancel()
        self._stack.clear()

    async def aclose(self) -> None:
        """Stop: forget what waits, cancel what runs, and let the decode threads finish."""
        self.drop_pending()
        for task in self._running:
            task.cancel()
        await asyncio.gather(*self._running, return_exceptions=True)
        self._pool.shutdown(wait=True, cancel_futures=True)

    def _pump(self) -> None:
        while len(self._running) < self._fetches and self._stack:
            ref, size, future, cached = self._stack.pop()
            if future.done():
                continue
            task = asyncio.get_running_loop().create_task(self._serve(ref, size, future, cached))
            self._running.add(task)
            task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task) -> None:
        self._running.discard(task)
        self._pump()

    async def _serve(self, ref: ImageRef, size: int, future: asyncio.Future, keep: bool) -> None:
        loop = asyncio.get_running_loop()
        try:
            cached = self._cache_path(ref, size) if keep else None
            tile = await loop.run_in_executor(self._pool, self._from_cache, cached) if cached else None
            if tile is None:
                data = await self._read(ref.uri)
                tile = await loop.run_in_executor(self._pool, imaging.decode_tile, data, ref.box, size)
                if cached:
                    await loop.run_in_executor(self._pool, self._to_cache, cached, tile)
                    self._written += 1
                    if self._written % 200 == 1:  # now and then, not on every tile
                        await loop.run_in_executor(self._pool, self.prune_cache)
            if not future.done():
                future.set_result(tile)
        except asyncio.CancelledError:
            future.cancel()
            raise
        except Exception as error:  # handed to the requester, who shows a placeholder
            if not future.done():
                future.set_exception(error)

    def _cache_path(self, ref: ImageRef, size: int) -> Path | None:
        if self._cache_dir is None:
            return None
        # "grown": tiles fill their size since issue 16; smaller ones cached before are not reused
        digest = hashlib.sha1(f"{ref.key}|{ref.box}|{size}|grown".encode()).hexdigest()
        return self._cache_dir / digest[:2] / f"{digest}.png"

    def prune_cache(self) -> int:
        """Drop the least recently used tiles until the cache fits its size; return how many."""
        if self._cache_dir is None or not self._cache_dir.exists():
            return 0
        files = []
        for path in self._cache_dir.glob("*/*.png"):
            try:
                stat = path.stat()
            except FileNotFoundError:
                continue
            files.append((stat.st_mtime, stat.st_size, path))
        total = sum(size for _, size, _ in files)
        dropped = 0
        for _, size, path in sorted(files):
            if total <= self._cache_bytes:
                break
            path.unlink(missing_ok=True)
            total -= size
            dropped += 1
        return dropped

    @staticmethod
    def _from_cache(path: Path) -> imaging.Tile | None:
        try:
            os.utime(path)  # a read makes it recently used
            return imaging.tile_from_png(path.read_bytes())  # None when damaged: decoded afresh
        except OSError:
            return None  # missing: decode afresh

    @staticmethod
    def _to_cache(path: Path, tile: imaging.Tile) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".tmp")
        temporary.write_bytes(imaging.tile_png(tile))
        os.replace(temporary, path)
