"""The one image pipeline: read bytes through the backend, decode and scale off the
event loop's thread, keep scaled tiles in a disk cache, newest request first.

Decoding uses Pillow's `draft` (JPEG DCT scaling) and `reduce`, so a face tile from a
large photo never decodes the photo at full size; EXIF orientation is applied. The
result is a `Tile` of RGB bytes; the UI turns it into a QImage.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import io
import os
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from faceboard.domain import BoundingBox, ImageRef
from faceboard.errors import InvalidInput

MAX_UPLOAD_BYTES = 30 * 1024 * 1024
DISK_CACHE_BYTES = 512 * 1024 * 1024  # scaled tiles kept on disk, least recently used dropped first
FETCHES = 16  # images requested at once; matches the HTTP clients' keep-alive pool
MAX_WAITING = 512  # requests waiting beyond this are the oldest: tiles long scrolled away
MAX_PIXELS = 120_000_000  # beyond this a file is refused, not decoded: a decompression bomb guard
Image.MAX_IMAGE_PIXELS = MAX_PIXELS  # Pillow's own guard, at the same limit
UPLOAD_MAX_SIDE = 2048  # a thumbnail needs no more; larger uploads are scaled down
FACE_CONTEXT = 0.12  # margin around a face box in tiles, so a face is not cut at the hairline


@dataclass(frozen=True, slots=True)
class Tile:
    width: int
    height: int
    rgb: bytes  # width * height * 3 bytes, rows top to bottom


_SIGNATURES = (  # the first bytes of each kind Faceboard reads, to say what a damaged file was meant to be
    (b"\xff\xd8", "JPEG"), (b"\x89PNG", "PNG"), (b"GIF8", "GIF"), (b"BM", "BMP"), (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"), (b"RIFF", "WebP"),
)


def _kind(data: bytes) -> str | None:
    """What `data` claims to be: a picture format ("PNG"), or a kind of file that is no
    picture, with its article ("a web page")."""
    for signature, kind in _SIGNATURES:
        if data.startswith(signature):
            return kind
    if data[4:8] == b"ftyp":
        return "HEIC" if data[8:12] in (b"heic", b"heix", b"mif1", b"msf1", b"heim", b"hevc") else "an MP4 video"
    head = data[:512].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html")):
        return "a web page"
    if head.startswith((b"<?xml", b"<svg")):
        return "an SVG or XML file"
    if head.startswith((b"{", b"[")):
        return "JSON text"
    if data.startswith(b"%PDF"):
        return "a PDF document"
    if data.startswith(b"PK\x03\x04"):
        return "a ZIP archive"
    if head and all(32 <= c < 127 or c in b"\t\r\n" for c in head[:256]):
        return "a text file"
    return None


@functools.cache
def _read_heif() -> None:
    """Teach Pillow HEIC (what phones take) the first time one comes, not at start-up."""
    import pi_heif

    pi_heif.register_heif_opener()


def _open(data: bytes, what: str) -> Image.Image:
    if not data:
        raise InvalidInput(f"{what} is empty (0 bytes).")
    if data[4:8] == b"ftyp":
        _read_heif()
    try:
        image = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError:
        raise InvalidInput(f"{what} is too large (at most {MAX_PIXELS // 1_000_000} megapixels).") from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        kind = _kind(data)
        if kind in {k for _, k in _SIGNATURES} | {"HEIC"}:
            raise InvalidInput(f"{what} is a damaged {kind} file (its header is broken or it ends early).") from None
        raise InvalidInput(f"{what} is not a picture Faceboard can read"
                           + (f": it is {kind}." if kind else " (JPEG, PNG, GIF, WebP, BMP, TIFF or HEIC).")) from None
    if image.width * image.height > MAX_PIXELS:
        raise InvalidInput(
            f"{what} is too large ({image.width}×{image.height} pixels; at most {MAX_PIXELS // 1_000_000} megapixels)."
        )
    return image


def _to_rgb(image: Image.Image) -> Image.Image:
    """RGB with 8 bits a channel. 16-bit greys are scaled down, not clipped to white."""
    if image.mode in ("I", "I;16", "I;16B", "I;16L", "I;16N"):
        image = image.convert("I").point(lambda value: value * (1 / 256)).convert("L")
    return image.convert("RGB")


def _face_area(box: BoundingBox, width: int, height: int, what: str) -> tuple[float, float, float, float]:
    """The square around a face, with context; refuses a box that is empty or off the photo."""
    if box.width <= 0 or box.height <= 0:
        raise InvalidInput(f"{what}: the face's box is empty ({box.width}×{box.height} pixels).")
    if box.x >= width or box.y >= height or box.x + box.width <= 0 or box.y + box.height <= 0:
        raise InvalidInput(f"{what}: the face's box ({box.x}, {box.y}, {box.width}×{box.height}) lies outside "
                           f"the {width}×{height} photo.")
    side = max(box.width, box.height) * (1 + 2 * FACE_CONTEXT)
    cx, cy = box.x + box.width / 2, box.y + box.height / 2
    return cx - side / 2, cy - side / 2, cx + side / 2, cy + side / 2


def decode_tile(data: bytes, box: BoundingBox | None, size: int, what: str = "The image") -> Tile:
    """Decode `data` (cropped to `box`, with some context) to fit a `size` square."""
    image = _open(data, what)
    if box is not None:
        width, height = _oriented_size(image)
        area = _face_area(box, width, height, what)
        side = area[2] - area[0]
        wanted = (int(size * image.width / side) + 1, int(size * image.height / side) + 1)
    else:
        area, wanted = None, (size, size)
    try:
        image.draft("RGB", wanted)  # JPEG: decode at 1/2, 1/4 or 1/8 scale when that suffices
        image = ImageOps.exif_transpose(image)
        image = _to_rgb(image)
    except (OSError, ValueError, SyntaxError) as error:
        raise InvalidInput(f"{what} is damaged: {str(error).strip()}") from None
    if area is not None:
        scale = image.width / width
        image = image.crop(tuple(round(v * scale) for v in area))
    image.thumbnail((size, size), Image.Resampling.BICUBIC, reducing_gap=2.0)
    return Tile(image.width, image.height, image.tobytes())


def digest(image: bytes) -> str:
    """What identifies an image's bytes: a publication sends an image once."""
    return hashlib.sha1(image).hexdigest()


def to_jpeg(data: bytes, box: BoundingBox | None = None, side: int = UPLOAD_MAX_SIDE, what: str = "The image") -> bytes:
    """A picture (or the face in `box`, with context) as a JPEG of at most `side` pixels:
    what is sent to another backend when a person is published there."""
    tile = decode_tile(data, box, side, what)
    out = io.BytesIO()
    Image.frombytes("RGB", (tile.width, tile.height), tile.rgb).save(out, "JPEG", quality=92)
    return out.getvalue()


def query_picture(data: bytes, box: BoundingBox | None, min_side: int) -> bytes:
    """A face to search for, as a JPEG at least `min_side` pixels a side: the face with
    more of its photo around it when the face alone is smaller (the search still finds
    the face; the service refuses smaller pictures)."""
    if box is not None:
        side = max(box.width, box.height)
        grow = max(0.0, min_side / (1 + 2 * FACE_CONTEXT) - side) / 2
        box = BoundingBox(round(box.x - grow), round(box.y - grow), round(box.width + 2 * grow),
                          round(box.height + 2 * grow))
    picture = to_jpeg(data, box, max(min_side, 512))
    with Image.open(io.BytesIO(picture)) as image:
        if min(image.size) < min_side:
            raise InvalidInput(f"The photo is {image.width}×{image.height} pixels around this face; the search "
                               f"needs at least {min_side} pixels a side.")
    return picture


def _oriented_size(image: Image.Image) -> tuple[int, int]:
    """The size after EXIF orientation, which is where face boxes are given."""
    try:
        orientation = image.getexif().get(0x0112, 1)
    except (OSError, ValueError, SyntaxError):
        orientation = 1
    return (image.height, image.width) if orientation in (5, 6, 7, 8) else (image.width, image.height)


def prepare_upload(path: Path) -> bytes:
    """Validate a user's picture fully and re-encode it for a backend (JPEG, or PNG with alpha).

    Raises InvalidInput naming the file when it is unreadable, truncated or enormous.
    """
    name = path.name
    try:
        size = path.stat().st_size
        if size > MAX_UPLOAD_BYTES:
            raise InvalidInput(f"{name} is too large ({size / 2**20:.0f} MB; at most {MAX_UPLOAD_BYTES // 2**20} MB).")
        data = path.read_bytes()
    except FileNotFoundError:
        raise InvalidInput(f"{name} does not exist.") from None
    except IsADirectoryError:
        raise InvalidInput(f"{name} is a folder, not a picture.") from None
    except PermissionError:
        raise InvalidInput(f"{name} cannot be read (permission denied).") from None
    image = _open(data, name)
    try:
        image.load()  # a truncated file fails here, not later on some backend
        image = ImageOps.exif_transpose(image)
    except (OSError, ValueError, SyntaxError) as error:
        raise InvalidInput(f"{name} is damaged or truncated: {str(error).strip()}") from None
    if image.mode.startswith("I"):
        image = _to_rgb(image)
    image.thumbnail((UPLOAD_MAX_SIDE, UPLOAD_MAX_SIDE), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        image.convert("RGBA").save(out, "PNG", optimize=True)
    else:
        image.convert("RGB").save(out, "JPEG", quality=92)
    return out.getvalue()


PICTURE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".gif", ".bmp", ".tif", ".tiff", ".heic"}


def expand_pictures(paths) -> list[Path]:
    """The files to import: files as given, and the pictures directly inside given folders."""
    files: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            files.extend(sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in PICTURE_SUFFIXES))
        else:
            files.append(path)
    return files


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
        self._stack: list[tuple[ImageRef, int, asyncio.Future]] = []
        self._running: set[asyncio.Task] = set()

    def request(self, ref: ImageRef, size: int) -> asyncio.Future[Tile]:
        """Ask for a tile without making a task: a view painting a fast scroll asks for
        thousands it will never wait for, and most are dropped before they start."""
        future = asyncio.get_running_loop().create_future()
        self._stack.append((ref, size, future))
        if len(self._stack) > MAX_WAITING:  # scrolling fast: forget the oldest, unseen now
            for _, _, stale in self._stack[: len(self._stack) - MAX_WAITING]:
                stale.cancel()
            del self._stack[: len(self._stack) - MAX_WAITING]
        self._pump()
        return future

    async def prepare_uploads(self, paths) -> tuple[list[bytes], list[str]]:
        """Validate and re-encode a user's pictures on the decode threads: (images, refusals)."""
        loop = asyncio.get_running_loop()
        images, refused = [], []
        for path in await loop.run_in_executor(self._pool, expand_pictures, paths):
            try:
                images.append(await loop.run_in_executor(self._pool, prepare_upload, path))
            except InvalidInput as error:
                refused.append(error.message)
        return images, refused

    def drop_pending(self) -> None:
        for _, _, future in self._stack:
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
            ref, size, future = self._stack.pop()
            if future.done():
                continue
            task = asyncio.get_running_loop().create_task(self._serve(ref, size, future))
            self._running.add(task)
            task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task) -> None:
        self._running.discard(task)
        self._pump()

    async def _serve(self, ref: ImageRef, size: int, future: asyncio.Future) -> None:
        loop = asyncio.get_running_loop()
        try:
            cached = self._cache_path(ref, size)
            tile = await loop.run_in_executor(self._pool, self._from_cache, cached) if cached else None
            if tile is None:
                data = await self._read(ref.uri)
                tile = await loop.run_in_executor(self._pool, decode_tile, data, ref.box, size)
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
        digest = hashlib.sha1(f"{ref.key}|{ref.box}|{size}".encode()).hexdigest()
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
    def _from_cache(path: Path) -> Tile | None:
        try:
            os.utime(path)  # a read makes it recently used
            with Image.open(path) as image:
                image = image.convert("RGB")
                return Tile(image.width, image.height, image.tobytes())
        except (OSError, UnidentifiedImageError):
            return None  # missing or damaged: decode afresh

    @staticmethod
    def _to_cache(path: Path, tile: Tile) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".tmp")
        Image.frombytes("RGB", (tile.width, tile.height), tile.rgb).save(temporary, "PNG", compress_level=1)
        os.replace(temporary, path)
