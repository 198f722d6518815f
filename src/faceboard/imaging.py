"""Pictures, the one way: read a file, say what it really is, open it within the size
limits, turn it upright (EXIF), cut the face out with one margin rule, scale and encode.

Below the backends, beside the domain: Pillow and pi-heif, no Qt, no network. Face
boxes are in the upright photo's pixels, so every crop (a tile, a local thumbnail, a
picture published elsewhere) is taken after the EXIF rotation, from the same square.
Scaling uses Pillow's `draft` (JPEG DCT scaling) and `reduce`, so a small picture of a
large photo never decodes the photo at full size.
"""

from __future__ import annotations

import errno
import functools
import io
import math
import os
import stat
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from faceboard.domain import BoundingBox
from faceboard.errors import InvalidInput

MAX_FILE_BYTES = 30 * 1024 * 1024  # a user's picture file; more is refused before it is read
MAX_PHOTO_BYTES = 1024 * 1024 * 1024  # a photo a library holds: MAX_PIXELS of 16-bit RGB, uncompressed (TIFF)
MAX_PIXELS = 120_000_000  # beyond this a picture is refused, not decoded: a decompression bomb guard
Image.MAX_IMAGE_PIXELS = MAX_PIXELS  # Pillow's own guard, at the same limit
UPLOAD_MAX_SIDE = 2048  # a thumbnail needs no more; larger pictures are scaled down
FACE_MARGIN = 0.12  # of the face's longer side, on each side, so a face is not cut at the hairline

_SIGNATURES = (  # the first bytes of each kind Faceboard reads, to say what a damaged file was meant to be
    (b"\xff\xd8", "JPEG"), (b"\x89PNG", "PNG"), (b"GIF8", "GIF"), (b"BM", "BMP"), (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"), (b"RIFF", "WebP"),
)
PICTURE_KINDS = frozenset({kind for _, kind in _SIGNATURES} | {"HEIC"})
MIME_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif", "BMP": "image/bmp",
              "TIFF": "image/tiff", "WebP": "image/webp", "HEIC": "image/heic"}


def sniff(data: bytes) -> str | None:
    """What `data` really is, whatever its name says: a picture format ("PNG"), or a kind
    of file that is no picture, with its article ("a web page"); None when unknown."""
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


def _not_a_file(mode: int) -> str | None:
    """What a name leads to when it is not a regular file, which is all Faceboard reads:
    a device never ends (/dev/zero), a FIFO waits forever for a writer."""
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return None if stat.S_ISREG(mode) else "not a regular file"


def read_file(path: Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of a picture file, refusing by its stat (before reading) anything but a
    regular file of at most `limit` bytes, and never reading more than that."""
    name = path.name
    try:
        info = os.stat(path)  # through links: what the name leads to is what would be read
        if (other := _not_a_file(info.st_mode)) is not None:
            raise InvalidInput(f"{name} is {other}, not a picture.")
        if info.st_size > limit:
            raise InvalidInput(f"{name} is too large ({info.st_size / 2**20:.0f} MB; at most {limit // 2**20} MB).")
        # non-blocking: a FIFO put in the file's place since the stat does not hang the open
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
        with open(descriptor, "rb") as file:
            if (other := _not_a_file(os.fstat(file.fileno()).st_mode)) is not None:
                raise InvalidInput(f"{name} is {other}, not a picture.")
            data = file.read(limit + 1)
    except FileNotFoundError:
        raise InvalidInput(f"{name} does not exist.") from None
    except IsADirectoryError:
        raise InvalidInput(f"{name} is a folder, not a picture.") from None
    except PermissionError:
        raise InvalidInput(f"{name} cannot be read (permission denied).") from None
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise InvalidInput(f"{name} is a symbolic link that leads back to itself (a loop).") from None
        raise InvalidInput(f"{name} cannot be read: {error.strerror or error}.") from None
    if len(data) > limit:  # it grew since the stat
        raise InvalidInput(f"{name} is too large (more than {limit // 2**20} MB).")
    return data


@functools.cache
def _read_heif() -> None:
    """Teach Pillow HEIC (what phones take) the first time one comes, not at start-up."""
    import pi_heif

    pi_heif.register_heif_opener()


def open_picture(data: bytes, what: str = "The image") -> Image.Image:
    """The picture in `data`, opened lazily (nothing decoded yet) and within the pixel
    limit; refused with what the bytes really are when they are no picture."""
    if not data:
        raise InvalidInput(f"{what} is empty (0 bytes).")
    if data[4:8] == b"ftyp":
        _read_heif()
    try:
        image = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError:
        raise InvalidInput(f"{what} is too large (at most {MAX_PIXELS // 1_000_000} megapixels).") from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        kind = sniff(data)
        if kind in PICTURE_KINDS:
            raise InvalidInput(f"{what} is a damaged {kind} file (its header is broken or it ends early).") from None
        raise InvalidInput(f"{what} is not a picture Faceboard can read"
                           + (f": it is {kind}." if kind else " (JPEG, PNG, GIF, WebP, BMP, TIFF or HEIC).")) from None
    if image.width * image.height > MAX_PIXELS:
        raise InvalidInput(
            f"{what} is too large ({image.width}×{image.height} pixels; at most {MAX_PIXELS // 1_000_000} megapixels)."
        )
    return image


def _orientation(image: Image.Image) -> int:
    """The EXIF orientation (1: upright already), from the header."""
    try:
        return image.getexif().get(0x0112, 1)
    except (OSError, ValueError, SyntaxError):
        return 1


def upright_size(image: Image.Image) -> tuple[int, int]:
    """The size after EXIF orientation, which is where face boxes are given."""
    return (image.height, image.width) if _orientation(image) in (5, 6, 7, 8) else (image.width, image.height)


def picture_size(data: bytes, what: str = "The picture") -> tuple[int, int]:
    """Width and height as shown (upright), from the header alone."""
    return upright_size(open_picture(data, what))


def _to_rgb(image: Image.Image) -> Image.Image:
    """RGB with 8 bits a channel. 16-bit greys are scaled down, not clipped to white."""
    if image.mode in ("I", "I;16", "I;16B", "I;16L", "I;16N"):
        image = image.convert("I").point(lambda value: value * (1 / 256)).convert("L")
    return image.convert("RGB")


def _upright_rgb(image: Image.Image) -> Image.Image:
    """`image` decoded, upright (EXIF) and in RGB, copied only where it must change: an
    upright RGB photo is used as decoded (transposing and converting copied a 12 MP photo
    twice, 0.2 s of a scan's 1.5 s a photo)."""
    image.load()
    if _orientation(image) != 1:
        image = ImageOps.exif_transpose(image)
    return image if image.mode == "RGB" else _to_rgb(image)


def _within(start: float, side: float, length: int) -> float:
    """Slide a span into 0..length where it fits: a face at the photo's edge keeps the
    photo's pixels around it rather than black bars."""
    return start if side >= length else min(max(start, 0.0), length - side)


def face_area(box: BoundingBox, width: int, height: int, what: str = "The image") -> tuple[float, float, float, float]:
    """The one crop of a face: a square of its longer side and FACE_MARGIN on each side,
    around its centre, inside the upright `width`×`height` photo where it fits. Refuses
    a box that is empty or off the photo."""
    if box.width <= 0 or box.height <= 0:
        raise InvalidInput(f"{what}: the face's box is empty ({box.width}×{box.height} pixels).")
    if box.x >= width or box.y >= height or box.x + box.width <= 0 or box.y + box.height <= 0:
        raise InvalidInput(f"{what}: the face's box ({box.x}, {box.y}, {box.width}×{box.height}) lies outside "
                           f"the {width}×{height} photo.")
    side = max(box.width, box.height) * (1 + 2 * FACE_MARGIN)
    left = _within(box.x + box.width / 2 - side / 2, side, width)
    top = _within(box.y + box.height / 2 - side / 2, side, height)
    return left, top, left + side, top + side


def _fit(data: bytes, box: BoundingBox | None, size: int, what: str = "The image", grow: bool = False) -> Image.Image:
    """The picture (or the face in `box`, see `face_area`) upright, in RGB, scaled to
    fit a `size` square: down, or also up when `grow` (a tile shown larger than the
    face's pixels: Pillow's bicubic, not the painter's stretching). Decoded at the
    smallest scale that suffices; nothing else is copied (no transpose of an upright
    photo, no conversion of an RGB one, the crop and the scaling in one pass)."""
    image = open_picture(data, what)
    try:  # a PNG's EXIF may come after its pixels: reading it decodes them, and a damaged one fails here
        orientation = image.getexif().get(0x0112, 1)
    except (OSError, ValueError, SyntaxError) as error:
        raise InvalidInput(f"{what} is damaged: {str(error).strip()}") from None
    width, height = (image.height, image.width) if orientation in (5, 6, 7, 8) else (image.width, image.height)
    if box is not None:
        area = face_area(box, width, height, what)
        side = area[2] - area[0]
        wanted = (int(size * image.width / side) + 1, int(size * image.height / side) + 1)
    else:
        area, wanted = (0, 0, width, height), (size, size)
    try:
        image.draft("RGB", wanted)  # JPEG: decode at 1/2, 1/4 or 1/8 scale when that suffices
        image = _upright_rgb(image)
    except (OSError, ValueError, SyntaxError) as error:
        raise InvalidInput(f"{what} is damaged: {str(error).strip()}") from None
    scale = image.width / width
    crop = tuple(v * scale for v in area)
    crop_width, crop_height = crop[2] - crop[0], crop[3] - crop[1]
    factor = size / max(crop_width, crop_height)
    if crop[0] < 0 or crop[1] < 0 or crop[2] > image.width or crop[3] > image.height:
        image = image.crop(tuple(round(v) for v in crop))  # a face larger than its photo: black beyond the edges
        crop = (0, 0, image.width, image.height)
    if factor >= 1 and not grow:
        return image if crop == (0, 0, image.width, image.height) else image.crop(tuple(round(v) for v in crop))
    target = (max(1, round(crop_width * factor)), max(1, round(crop_height * factor)))
    return image.resize(target, Image.Resampling.BICUBIC, box=crop, reducing_gap=2.0)


@dataclass(frozen=True, slots=True)
class Tile:
    """Pixels ready to paint: the UI turns them into a QImage without decoding anything."""

    width: int
    height: int
    rgb: bytes  # width * height * 3 bytes, rows top to bottom


def decode_tile(data: bytes, box: BoundingBox | None, size: int, what: str = "The image") -> Tile:
    """Decode `data` (the face in `box`, with its margin) to fill a `size` square, the
    pixels it is shown with: a small face is scaled up here, smoothly."""
    image = _fit(data, box, size, what, grow=True)
    return Tile(image.width, image.height, image.tobytes())


def tile_png(tile: Tile) -> bytes:
    """A tile as a PNG written fast (level 1): how the disk cache keeps it."""
    out = io.BytesIO()
    Image.frombytes("RGB", (tile.width, tile.height), tile.rgb).save(out, "PNG", compress_level=1)
    return out.getvalue()


def tile_from_png(data: bytes) -> Tile | None:
    """The tile `tile_png` wrote; None when the file is damaged (it is decoded afresh)."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            image = image.convert("RGB")
            return Tile(image.width, image.height, image.tobytes())
    except (OSError, UnidentifiedImageError, ValueError, SyntaxError):
        return None


def encode(image: Image.Image) -> bytes:
    """What a backend is given: PNG when the picture has transparency, JPEG otherwise."""
    out = io.BytesIO()
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        image.convert("RGBA").save(out, "PNG", optimize=True)
    else:
        image.convert("RGB").save(out, "JPEG", quality=92)
    return out.getvalue()


def to_jpeg(data: bytes, box: BoundingBox | None = None, side: int = UPLOAD_MAX_SIDE, what: str = "The image") -> bytes:
    """A picture (or the face in `box`) as a JPEG of at most `side` pixels: a local
    thumbnail, or what another backend is sent when a person is published there."""
    return encode(_fit(data, box, side, what))


def wide_face(data: bytes, box: BoundingBox | None, min_side: int, what: str = "The photo") -> bytes:
    """The face in `box` as a JPEG at least `min_side` pixels a side: with more of its
    photo around it when the face alone is smaller (a service that refuses smaller
    pictures still sees the face: a media search, a person's thumbnail)."""
    if box is not None:
        side = max(box.width, box.height)
        grow = max(0.0, (min_side + 1) / (1 + 2 * FACE_MARGIN) - side) / 2  # a pixel over: the crop rounds
        box = BoundingBox(math.floor(box.x - grow), math.floor(box.y - grow), math.ceil(box.width + 2 * grow),
                          math.ceil(box.height + 2 * grow))
    picture = to_jpeg(data, box, max(min_side, 512), what)
    width, height = picture_size(picture)
    if min(width, height) < min_side:
        raise InvalidInput(f"{what} is {width}×{height} pixels around this face; at least {min_side} pixels "
                           "a side are needed.")
    return picture


def prepare_upload(path: Path) -> bytes:
    """Validate a user's picture file fully and re-encode it for a backend (JPEG, or PNG
    with alpha), upright and at most UPLOAD_MAX_SIDE. Raises InvalidInput naming the file
    when it is no regular file, unreadable, truncated or enormous."""
    name = path.name
    image = open_picture(read_file(path), name)
    try:
        image.load()  # a truncated file fails here, not later on some backend
        image = ImageOps.exif_transpose(image)
    except (OSError, ValueError, SyntaxError) as error:
        raise InvalidInput(f"{name} is damaged or truncated: {str(error).strip()}") from None
    if image.mode.startswith("I"):
        image = _to_rgb(image)
    image.thumbnail((UPLOAD_MAX_SIDE, UPLOAD_MAX_SIDE), Image.Resampling.LANCZOS)
    return encode(image)


# -- a whole photo, for face detection ----------------------------------------------------

_EXIF_IFD, _DATE_TIME_ORIGINAL = 0x8769, 0x9003


@dataclass(frozen=True, slots=True)
class PhotoFile:
    """A photo file read and checked (within the limits, a picture), not yet decoded:
    the bytes stay so that it can be decoded at more than one size."""

    name: str
    data: bytes
    width: int  # upright
    height: int
    taken: str | None  # ISO 8601 from EXIF DateTimeOriginal


@dataclass(frozen=True, slots=True)
class Decoded:
    """A photo decoded upright in RGB, maybe smaller than the photo: `scale` is its
    pixels per photo pixel, so a box found in it is divided by `scale`."""

    image: Image.Image
    scale: float


def _taken(image: Image.Image) -> str | None:
    """When the photo was taken, as the camera wrote it (local time, no zone), or None."""
    try:
        value = image.getexif().get_ifd(_EXIF_IFD).get(_DATE_TIME_ORIGINAL)
        return datetime.strptime(str(value).strip("\x00 "), "%Y:%m:%d %H:%M:%S").isoformat()
    except (OSError, ValueError, SyntaxError, TypeError, AttributeError):
        return None


def read_photo(path: Path) -> PhotoFile:
    """A photo file of a library (up to MAX_PHOTO_BYTES and MAX_PIXELS), its header
    checked; refused with InvalidInput naming the file when it is no picture."""
    data = read_file(path, MAX_PHOTO_BYTES)
    image = open_picture(data, path.name)
    width, height = upright_size(image)
    return PhotoFile(path.name, data, width, height, _taken(image))


def decode_photo(photo: PhotoFile, side: int | None = None, exact: bool = True) -> Decoded:
    """`photo` upright in RGB with a longer side of `side` (None: full size): scaled down to
    it, or when not `exact`, as decoded at the smallest JPEG scale that keeps at least
    that many pixels (no resampling). A truncated or damaged file raises InvalidInput
    here, when its pixels are first decoded."""
    image = open_picture(photo.data, photo.name)
    try:
        if side is not None and side < max(image.size):
            scale = side / max(image.size)  # draft wants both sides: a square would keep a 4:3 photo whole
            image.draft("RGB", (math.ceil(image.width * scale), math.ceil(image.height * scale)))
        image = _upright_rgb(image)
    except (OSError, ValueError, SyntaxError) as error:
        raise InvalidInput(f"{photo.name} is damaged or truncated: {str(error).strip()}") from None
    if side is not None and exact:
        image.thumbnail((side, side), Image.Resampling.BILINEAR, reducing_gap=2.0)
    return Decoded(image, image.width / photo.width)


def cut(decoded: Decoded, area: tuple[float, float, float, float], shrink: float = 1.0) -> Image.Image:
    """The part `area` (left, top, right, bottom, in the decoded picture's pixels) of a
    decoded photo, black where it reaches past the edges, scaled by `shrink` (at most 1)."""
    image = decoded.image.crop(tuple(round(v) for v in area))
    if shrink < 1.0:
        image = image.resize((max(1, round(image.width * shrink)), max(1, round(image.height * shrink))),
                             Image.Resampling.BILINEAR, reducing_gap=2.0)
    return image
