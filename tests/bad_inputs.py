"""The corpus of bad pictures: broken, hostile or only odd files, made by code so that
each says in its name what is wrong with it. `REFUSED` are refused with a message that
must contain the given words; `ODD` are pictures that must be shown right."""

from __future__ import annotations

import io
import random
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

DATA = Path(__file__).parent / "data"


def picture(fmt: str, size=(64, 48), mode="RGB", **options) -> bytes:
    """A small gradient, so that a decoder really has something to get wrong."""
    image = Image.new("RGB", size)
    image.putdata([(x * 4 % 256, y * 5 % 256, 128) for y in range(size[1]) for x in range(size[0])])
    out = io.BytesIO()
    image.convert(mode).save(out, fmt, **options)
    return out.getvalue()


def _patch(data: bytes, at: int, new: bytes) -> bytes:
    return data[:at] + new + data[at + len(new):]


def _jpeg_sized(width: int, height: int) -> bytes:
    data = picture("JPEG")
    sof = data.index(b"\xff\xc0")
    return _patch(data, sof + 5, struct.pack(">HH", height, width))


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def _png_sized(width: int, height: int) -> bytes:
    """A PNG that says it is `width`×`height` with a few bytes of pixels: a bomb's header."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", zlib.compress(b"\0" * 64))
            + _png_chunk(b"IEND", b""))


def _gif_sized(width: int, height: int) -> bytes:
    return _patch(picture("GIF"), 6, struct.pack("<HH", width, height))


def _bmp_sized(width: int, height: int) -> bytes:
    return _patch(picture("BMP"), 18, struct.pack("<ii", width, height))


@dataclass(frozen=True)
class Bad:
    name: str  # the file name it is given, which may lie about what it is
    data: bytes
    says: str  # words the message must hold (a regular expression)


def refused() -> list[Bad]:
    jpeg, png, gif = picture("JPEG"), picture("PNG"), picture("GIF")
    heic = (DATA / "left_blue_right_red.heic").read_bytes()
    idat = png.index(b"IDAT")
    noise = random.Random(7).randbytes(4096)
    return [
        Bad("empty.jpg", b"", "is empty"),
        Bad("jpeg_start_marker_only.jpg", b"\xff\xd8", "damaged JPEG"),
        Bad("jpeg_header_only.jpg", jpeg[:200], "damaged JPEG"),
        Bad("jpeg_cut_in_half.jpg", jpeg[: len(jpeg) // 2], "damaged"),
        Bad("jpeg_without_end.jpg", jpeg[:-2], "damaged.*truncated"),
        Bad("jpeg_broken_huffman_table.jpg", _patch(jpeg, jpeg.index(b"\xff\xc4") + 6, b"\xff"), "damaged"),
        Bad("jpeg_zero_size.jpg", _jpeg_sized(0, 0), "damaged JPEG"),
        Bad("png_signature_only.png", png[:8], "damaged PNG"),
        Bad("png_bad_checksum.png", _patch(png, 29, bytes([png[29] ^ 0xFF])), "damaged PNG"),
        Bad("png_cut_in_half.png", png[: len(png) // 2], "damaged.*truncated"),
        Bad("png_garbled_pixels.png", _patch(png, idat + 8, b"\0" * 20), "damaged"),
        Bad("png_zero_width.png", _patch(png, 16, b"\0\0\0\0"), "damaged PNG"),
        Bad("gif_header_only.gif", b"GIF89a", "damaged GIF"),
        Bad("gif_cut_in_half.gif", gif[: len(gif) // 2], "damaged.*truncated"),
        Bad("gif_garbled_pixels.gif", gif[:40] + b"\xff" * (len(gif) - 41) + b";", "damaged GIF"),
        Bad("bomb_400_megapixels.png", _png_sized(20000, 20000), "too large"),
        Bad("bomb_just_over_the_limit.png", _png_sized(11000, 11000), "too large.*11000×11000"),
        Bad("bomb_jpeg_60000x60000.jpg", _jpeg_sized(60000, 60000), "too large"),
        Bad("bomb_gif_65535x65535.gif", _gif_sized(65535, 65535), "too large"),
        Bad("bomb_bmp_50000x50000.bmp", _bmp_sized(50000, 50000), "too large"),
        Bad("tiff_cut_short.tif", picture("TIFF")[:300], "damaged"),
        Bad("webp_cut_short.webp", picture("WEBP")[:60], "damaged"),
        Bad("heic_cut_in_half.heic", heic[: len(heic) // 2], "damaged"),
        Bad("notes.jpg", b"Remember to buy milk.\n", "not a picture.*text file"),
        Bad("portal.png", b"<!DOCTYPE html><html><body>Log in to the Wi-Fi</body></html>", "not a picture.*web page"),
        Bad("drawing.png", b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>', "SVG"),
        Bad("photos.jpg", b"PK\x03\x04" + noise[:200], "ZIP archive"),
        Bad("scan.png", b"%PDF-1.7\n" + noise[:200], "PDF document"),
        Bad("answer.jpg", b'{"error": "not found"}', "JSON text"),
        Bad("clip.heic", b"\0\0\0\x18ftypisom\0\0\x02\0isomiso2" + noise[:100], "an MP4 video"),
        Bad("noise.jpg", noise, "not a picture Faceboard can read"),
    ]


def odd() -> list[tuple[str, bytes]]:
    """Pictures that are unusual but sound; each must be shown, right way up, in its colours."""
    grey16 = io.BytesIO()
    Image.new("I;16", (32, 32), 40000).save(grey16, "PNG")
    cmyk = io.BytesIO()
    Image.new("RGB", (32, 32), (200, 30, 30)).convert("CMYK").save(cmyk, "JPEG")
    frames = [Image.new("RGB", (32, 32), colour) for colour in ((200, 30, 30), (30, 200, 30))]
    animated = io.BytesIO()
    frames[0].save(animated, "GIF", save_all=True, append_images=frames[1:], duration=100)
    transparent = Image.new("P", (32, 32), 1)
    transparent.putpalette([0, 0, 0, 200, 30, 30] + [0] * 762)
    palette = io.BytesIO()
    transparent.save(palette, "PNG", transparency=0)
    return [
        ("grey_16_bits.png", grey16.getvalue()),
        ("cmyk.jpg", cmyk.getvalue()),
        ("animated.gif", animated.getvalue()),
        ("palette_with_transparency.png", palette.getvalue()),
        ("one_pixel.jpg", picture("JPEG", size=(1, 1))),
        ("panorama_4000x10.jpg", picture("JPEG", size=(4000, 10))),
        ("progressive.jpg", picture("JPEG", progressive=True)),
        ("greyscale.jpg", picture("JPEG", mode="L")),
        ("iphone.heic", (DATA / "left_blue_right_red.heic").read_bytes()),
    ]
