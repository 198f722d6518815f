"""The one imaging module: a rotated photo's face is cut from the right place by the local
library and the image pipeline alike, and hostile files (a device, a FIFO, a symbolic
link loop) are refused by name, within a time limit, without keeping the good files out."""

from __future__ import annotations

import asyncio
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from faceboard.backends.local import LocalLibrary
from faceboard.domain import BoundingBox
from faceboard.imaging import decode_tile
from faceboard.services.images import ImagePipeline

# -- a rotated photo ------------------------------------------------------------------

UPRIGHT = (640, 480)
FACE = BoundingBox(380, 90, 120, 150)  # in the upright photo, as every backend gives boxes
FACE_COLOURS = {(0.35, 0.35): (220, 30, 30), (0.65, 0.35): (30, 200, 30),  # the face's quarters, so a
                (0.35, 0.65): (230, 220, 40), (0.65, 0.65): (200, 40, 200)}  # mirrored face shows too
# How a camera stores the upright picture for each EXIF orientation (the tag says how to
# turn the stored pixels to show them; these are the inverse turns, from the EXIF spec).
STORED = {1: None, 2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180,
          4: Image.Transpose.FLIP_TOP_BOTTOM, 5: Image.Transpose.TRANSPOSE, 6: Image.Transpose.ROTATE_90,
          7: Image.Transpose.TRANSVERSE, 8: Image.Transpose.ROTATE_270}


def upright_photo() -> Image.Image:
    """Four background quarters of their own colours, and a four-coloured face in one."""
    photo = Image.new("RGB", UPRIGHT)
    half_w, half_h = UPRIGHT[0] // 2, UPRIGHT[1] // 2
    for (x, y), colour in {(0, 0): (20, 20, 120), (1, 0): (120, 120, 120), (0, 1): (0, 120, 120),
                           (1, 1): (90, 60, 20)}.items():
        photo.paste(colour, (x * half_w, y * half_h, (x + 1) * half_w, (y + 1) * half_h))
    mid_x, mid_y = FACE.x + FACE.width // 2, FACE.y + FACE.height // 2
    right, bottom = FACE.x + FACE.width, FACE.y + FACE.height
    for (fx, fy), colour in FACE_COLOURS.items():
        photo.paste(colour, (FACE.x if fx < 0.5 else mid_x, FACE.y if fy < 0.5 else mid_y,
                             mid_x if fx < 0.5 else right, mid_y if fy < 0.5 else bottom))
    return photo


def camera_jpeg(orientation: int) -> bytes:
    photo = upright_photo()
    stored = photo if STORED[orientation] is None else photo.transpose(STORED[orientation])
    exif = Image.Exif()
    exif[0x0112] = orientation
    out = io.BytesIO()
    stored.save(out, "JPEG", exif=exif.tobytes(), quality=95, subsampling=0)
    return out.getvalue()


def assert_shows_the_face(image: Image.Image, who: str) -> None:
    for (fx, fy), colour in FACE_COLOURS.items():
        pixel = image.getpixel((int(fx * image.width), int(fy * image.height)))
        assert all(abs(a - b) <= 40 for a, b in zip(pixel, colour)), (who, (fx, fy), pixel, colour)


def library_of_one_face(folder: Path, photo: bytes) -> LocalLibrary:
    """A library of one photo, with Ada's FACE in it and her thumbnail cut from it."""
    library = LocalLibrary(folder)
    (library.folder / "images" / "assets" / "000001.jpg").write_bytes(photo)
    library.insert_demo([(1, "Ada")], [(1, "assets/000001.jpg", *UPRIGHT)],
                        [(1, 1, FACE.x, FACE.y, FACE.width, FACE.height, 1, 0.9)], [(1, 1, True)])
    return library


@pytest.mark.parametrize("orientation", sorted(STORED))
def test_a_rotated_photos_face_is_cut_the_same_right_way_by_the_library_and_the_pipeline(orientation, tmp_path):
    library = library_of_one_face(tmp_path / "library", camera_jpeg(orientation))

    async def crops():
        pipeline = ImagePipeline(library.read_image, None, workers=1)
        try:
            (face,) = (await library.list_faces("1")).items
            (thumbnail,) = await library.list_thumbnails("1")
            tile = await pipeline.request(face.image, 96)
            return library.image_path(thumbnail.image.uri), tile
        finally:
            await pipeline.aclose()
            await library.close()

    thumbnail_path, tile = asyncio.run(crops())
    shown = Image.frombytes("RGB", (tile.width, tile.height), tile.rgb)
    kept = Image.open(thumbnail_path).convert("RGB")
    assert_shows_the_face(shown, "the pipeline's tile")
    assert_shows_the_face(kept, "the library's thumbnail")
    # one crop: the thumbnail is the tile's square at full size, not a crop with a margin of its own
    assert kept.width == kept.height and (tile.width, tile.height) == (96, 96)
    difference = [abs(a - b) for a, b in zip(kept.resize((96, 96), Image.Resampling.BOX).tobytes(), tile.rgb)]
    assert sum(difference) / len(difference) < 6


def test_a_face_at_the_photos_edge_keeps_the_photo_around_it_not_black_bars():
    out = io.BytesIO()
    Image.new("RGB", (400, 300), (40, 160, 40)).save(out, "JPEG", quality=95)
    tile = decode_tile(out.getvalue(), BoundingBox(0, 220, 80, 80), 64)  # in the bottom left corner
    shown = Image.frombytes("RGB", (tile.width, tile.height), tile.rgb)
    assert (tile.width, tile.height) == (64, 64)
    for corner in ((0, 0), (0, 63), (63, 63)):
        assert all(abs(a - b) <= 12 for a, b in zip(shown.getpixel(corner), (40, 160, 40))), corner


# -- hostile files --------------------------------------------------------------------

posix = pytest.mark.skipif(not hasattr(os, "mkfifo") or sys.platform == "darwin",
                           reason="FIFOs, /dev/zero and a memory limit on the child: Linux")

PREPARE = """
import sys
from pathlib import Path
from faceboard.imaging import prepare_upload
from faceboard.errors import InvalidInput
try:
    prepare_upload(Path(sys.argv[1]))
except InvalidInput as refusal:
    print(refusal.message)
"""

DROP = """
import asyncio, io, json, sys
from PIL import Image
from faceboard.services.images import ImagePipeline

async def drop():
    pipeline = ImagePipeline(lambda uri: asyncio.sleep(0, b""), None, workers=1)
    try:
        return await pipeline.prepare_uploads(sys.argv[1:])
    finally:
        await pipeline.aclose()

images, refused = asyncio.run(drop())
print(json.dumps({"colours": sorted(Image.open(io.BytesIO(i)).getpixel((0, 0))[0] for _, i in images),
                  "refused": refused}))
"""


def bounded(*args: str, seconds: float = 60) -> subprocess.CompletedProcess:
    """Python with `args` in a child process limited to 2 GB of memory and killed after
    `seconds`: a regression that reads /dev/zero to the end or waits on a FIFO fails the
    test, and takes neither the machine nor the suite with it."""
    def limit_memory():
        import resource  # POSIX only, as these tests are

        resource.setrlimit(resource.RLIMIT_AS, (2 * 2**30, 2 * 2**30))

    try:
        return subprocess.run([sys.executable, *args], capture_output=True, text=True, timeout=seconds,
                              preexec_fn=limit_memory)
    except subprocess.TimeoutExpired:
        pytest.fail(f"still running after {seconds} s")


def good_picture(path: Path, red: int) -> Path:
    Image.new("RGB", (240, 320), (red, 90, 90)).save(path)
    return path


def hostile_files(folder: Path) -> tuple[list[str], list[str]]:
    """(what a user gives: files and a folder, with two good pictures among them, one of
    them inside the folder; how each refusal must begin)."""
    inside = folder / "holiday"
    inside.mkdir(parents=True)
    good_picture(folder / "me.png", 90)
    good_picture(inside / "beach.png", 200)
    (folder / "zero.jpg").symlink_to("/dev/zero")
    (inside / "device.jpg").symlink_to("/dev/zero")
    os.mkfifo(folder / ".jpg")
    os.mkfifo(inside / "pipe.jpg")
    (folder / "loop.jpg").symlink_to(folder / "loop2.jpg")
    (folder / "loop2.jpg").symlink_to(folder / "loop.jpg")
    (inside / "circle.jpg").symlink_to("circle.jpg")
    given = [folder / "me.png", folder / "zero.jpg", folder / ".jpg", folder / "loop.jpg", "/dev/zero", inside]
    refused = ["zero.jpg is a device", ".jpg is a named pipe", "loop.jpg is a symbolic link that leads back",
               "zero is a device", "device.jpg is a device", "pipe.jpg is a named pipe",
               "circle.jpg is a symbolic link that leads back"]
    return [str(path) for path in given], refused


@posix
@pytest.mark.parametrize("make,says", [
    (lambda p: p.symlink_to("/dev/zero"), "x.jpg is a device, not a picture."),
    (os.mkfifo, "x.jpg is a named pipe (FIFO), not a picture."),
    (lambda p: p.symlink_to(p), "x.jpg is a symbolic link that leads back to itself (a loop)."),
])
def test_only_regular_files_are_read_and_the_rest_is_named_at_once(make, says, tmp_path):
    make(tmp_path / "x.jpg")
    run = bounded("-c", PREPARE, str(tmp_path / "x.jpg"), seconds=20)
    assert (run.stdout.strip(), run.stderr) == (says, "")


@posix
def test_the_device_itself_is_refused_without_reading_it():
    run = bounded("-c", PREPARE, "/dev/zero", seconds=20)
    assert (run.stdout.strip(), run.stderr) == ("zero is a device, not a picture.", "")


@posix
def test_the_command_line_adds_the_good_pictures_among_hostile_files(library_folder, tmp_path):
    given, refused = hostile_files(tmp_path / "given")
    run = bounded("-m", "faceboard", "--library", str(library_folder), "add-thumbnail", "3", *given)
    assert run.returncode == 3 and "Added 2 thumbnails" in run.stdout, (run.stdout, run.stderr)
    for says in refused:
        assert f"faceboard: not added: {says}" in run.stderr, (says, run.stderr)
    assert len(run.stderr.splitlines()) == len(refused), run.stderr  # one line each, no traceback


@posix
def test_a_drop_of_hostile_files_on_the_window_adds_the_good_ones(tmp_path):
    """What the window's drop calls: the pipeline validates off the GUI thread."""
    given, refused = hostile_files(tmp_path / "given")
    run = bounded("-c", DROP, *given)
    assert run.stderr == ""
    dropped = json.loads(run.stdout)
    assert dropped["colours"] == [90, 200]  # both good pictures, the one in the folder too
    assert len(dropped["refused"]) == len(refused)
    for says in refused:
        assert any(message.startswith(says) for message in dropped["refused"]), (says, dropped["refused"])


# -- one module ---------------------------------------------------------------------


def test_pictures_are_opened_only_by_the_imaging_module():
    """Pillow is imaging's (and the demo's, which draws); imaging stands below the
    backends: no Qt, no network, no backend or service."""
    import ast

    import faceboard

    source = Path(faceboard.__file__).parent
    importers, imaging_imports = set(), set()
    for path in source.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            for name in names:
                if name.split(".")[0] == "PIL":
                    importers.add(path.relative_to(source).as_posix())
                if path.name == "imaging.py":
                    imaging_imports.add(name)
    assert importers == {"imaging.py", "backends/local/demo.py"}
    assert not {n for n in imaging_imports if n.split(".")[0] in ("PySide6", "httpx")
                or n.startswith(("faceboard.backends", "faceboard.services", "faceboard.ui"))}


def test_a_library_photo_larger_than_an_upload_may_be_is_still_shown(tmp_path):
    from faceboard.imaging import MAX_FILE_BYTES

    library = library_of_one_face(tmp_path / "library", camera_jpeg(1))
    with (library.folder / "images" / "assets" / "000001.jpg").open("r+b") as file:  # a large TIFF, say
        file.truncate(MAX_FILE_BYTES + 1024)  # a JPEG decoder stops at its end marker

    async def tile():
        pipeline = ImagePipeline(library.read_image, None, workers=1)
        try:
            (face,) = (await library.list_faces("1")).items
            return await pipeline.request(face.image, 96)
        finally:
            await pipeline.aclose()
            await library.close()

    shown = asyncio.run(tile())
    assert_shows_the_face(Image.frombytes("RGB", (shown.width, shown.height), shown.rgb), "the pipeline's tile")
