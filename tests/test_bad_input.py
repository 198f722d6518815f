"""Bad input, everywhere it comes in: pictures a user drops, pictures and answers a
server sends, ids, cache keys, and Faceboard's own files damaged on disk. Each case gets
a clear message naming what was wrong, and changes nothing else.

`pytest -s -k corpus_size` prints how many bad inputs are tried."""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import re
import sqlite3

import httpx
import pytest
from bad_inputs import odd, picture, refused
from conftest import wait_for
from fake_clock import FakeClock
from fakes.gumnut import FakeGumnut
from fakes.server import AsgiApp
from PIL import Image
from PySide6.QtCore import QMimeData, QUrl
from ui_helpers import db, drop_on_person, settle

from faceboard.backends.gumnut import GumnutBackend
from faceboard.backends.http import MAX_JSON_BYTES, TokenBucket
from faceboard.domain import BoundingBox, ImageRef
from faceboard.errors import InvalidInput, Unavailable
from faceboard.services.connections import Profile, ProfileStore
from faceboard.imaging import MAX_FILE_BYTES, decode_tile, prepare_upload
from faceboard.services.images import ImagePipeline
from faceboard.services.journal import Journal
from faceboard.services.operations import AssignFaces

REFUSED = refused()
ODD = odd()

# -- pictures -----------------------------------------------------------------------


@pytest.mark.parametrize("bad", REFUSED, ids=lambda bad: bad.name)
def test_a_bad_picture_from_a_server_is_refused_with_the_reason(bad):
    with pytest.raises(InvalidInput) as refusal:
        decode_tile(bad.data, None, 160)
    assert re.search(bad.says, refusal.value.message), refusal.value.message


@pytest.mark.parametrize("bad", REFUSED, ids=lambda bad: bad.name)
def test_a_bad_picture_a_user_adds_is_refused_naming_the_file(bad, tmp_path):
    path = tmp_path / bad.name
    path.write_bytes(bad.data)
    with pytest.raises(InvalidInput) as refusal:
        prepare_upload(path)
    assert refusal.value.message.startswith(bad.name)
    assert re.search(bad.says, refusal.value.message), refusal.value.message
    assert path.read_bytes() == bad.data  # the user's file is left as it was


def test_files_that_are_not_pictures_at_all_are_named(tmp_path):
    (tmp_path / "folder.jpg").mkdir()
    huge = tmp_path / "huge.jpg"
    with huge.open("wb") as f:  # sparse: 31 MB on paper, nothing on the disk
        f.truncate(MAX_FILE_BYTES + 2**20)
    for path, says in ((tmp_path / "missing.jpg", "does not exist"), (tmp_path / "folder.jpg", "is a folder"),
                       (huge, r"is too large \(31 MB")):
        with pytest.raises(InvalidInput, match=f"{path.name} {says}"):
            prepare_upload(path)


@pytest.mark.parametrize("name,data", ODD, ids=[name for name, _ in ODD])
def test_odd_but_sound_pictures_are_shown_in_their_colours(name, data, tmp_path):
    tile = decode_tile(data, None, 160)
    first = tuple(tile.rgb[:3])
    expected = {"grey_16_bits.png": (156, 156, 156), "cmyk.jpg": (200, 30, 30), "animated.gif": (200, 30, 30),
                "palette_with_transparency.png": (200, 30, 30), "iphone.heic": (30, 30, 200)}.get(name)
    if expected is not None:  # a 16-bit grey is not clipped to white, CMYK not inverted, HEIC read
        assert all(abs(a - b) <= 8 for a, b in zip(first, expected)), (name, first)
    assert 1 <= max(tile.width, tile.height) <= 160
    (tmp_path / name).write_bytes(data)
    assert Image.open(io.BytesIO(prepare_upload(tmp_path / name))).size[0] >= 1  # and can be added


def test_a_rotated_photo_is_shown_upright_and_its_face_boxes_still_fit():
    """Boxes are in the upright photo's pixels; the camera stored it sideways (EXIF 6)."""
    upright = Image.new("RGB", (300, 600), (0, 0, 200))
    upright.paste((200, 30, 30), (0, 0, 300, 150))  # the face: a red band across the top
    stored = upright.transpose(Image.Transpose.ROTATE_90)  # how the sensor saw it: 600×300
    exif = Image.Exif()
    exif[0x0112] = 6
    out = io.BytesIO()
    stored.save(out, "JPEG", exif=exif.tobytes(), quality=95)
    whole = decode_tile(out.getvalue(), None, 160)
    assert (whole.width, whole.height) == (80, 160)
    face = decode_tile(out.getvalue(), BoundingBox(100, 40, 100, 60), 64)
    middle = face.rgb[(face.height // 2 * face.width + face.width // 2) * 3:][:3]
    assert middle[0] > 150 and middle[2] < 80, tuple(middle)


@pytest.mark.parametrize("box,says", [
    (BoundingBox(0, 0, 0, 0), "box is empty"),
    (BoundingBox(10, 10, -20, 30), "box is empty"),
    (BoundingBox(5000, 5000, 10, 10), "lies outside the 64×48 photo"),
])
def test_a_face_box_that_cannot_be_cut_is_named(box, says):
    with pytest.raises(InvalidInput, match=says):
        decode_tile(picture("JPEG"), box, 96)


# -- the window, given every bad picture at once ------------------------------------


def test_dropping_the_whole_corpus_on_a_person_adds_only_the_sound_pictures(qtbot, app_window, library_folder,
                                                                               tmp_path):
    window = app_window
    folder = tmp_path / "dropped"
    folder.mkdir()
    for bad in REFUSED:
        (folder / bad.name).write_bytes(bad.data)
    (folder / "fine.jpg").write_bytes(picture("JPEG", size=(320, 240)))
    count = lambda: db(library_folder).execute(
        "SELECT COUNT(*) FROM thumbnails WHERE person_id = 9 AND removed = 0").fetchone()[0]
    before = count()
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(folder / bad.name)) for bad in REFUSED]
                 + [QUrl.fromLocalFile(str(folder / "fine.jpg"))])
    assert drop_on_person(window, "9", mime)
    qtbot.waitUntil(lambda: "Not added" in window.statusBar().currentMessage(), timeout=20000)
    settle(qtbot, window)
    message = window.statusBar().currentMessage()
    assert f"Not added ({len(REFUSED)} of {len(REFUSED) + 1})" in message and REFUSED[0].name in message
    assert count() == before + 1
    assert window.isVisible() and window.session.people.rowCount() > 0  # still running, still showing


def test_a_broken_picture_from_the_server_says_why_on_its_tile(qtbot, loop):
    from faceboard.app import Shell

    fake = FakeGumnut.seeded(people=1, faces_per_person=1, unassigned=1)
    broken = next(f.id for f in fake.faces.values() if f.person_id is None)  # shown first: Unassigned
    original = fake.handle

    def handle(method, path, query, headers, body):  # the CDN path is served before `fail` is read
        if path == f"/cdn/faces/{broken}.jpg":
            return 200, {"content-type": "text/html"}, b"<html>captive portal</html>"
        return original(method, path, query, headers, body)

    fake.handle = handle
    shell = Shell(transport=httpx.ASGITransport(app=AsgiApp(fake)))
    shell.store.save(Profile("family", "gumnut", "http://gumnut.test", "lib_main"))
    shell.secrets.set("family", fake.api_key)
    wait_for(qtbot, shell.open(shell.store.get("family")))
    window = shell.current[2]
    try:
        tiles = window.session.tiles
        listed = lambda: [f.image for f in window.session.store.listed_faces() if f.id == broken]
        qtbot.waitUntil(lambda: bool(listed()), timeout=10000)  # the faces are read after the window opens
        ref = listed()[0]
        qtbot.waitUntil(lambda: tiles.failure(ref) is not None, timeout=10000)
        assert "it is a web page" in tiles.failure(ref)
    finally:
        wait_for(qtbot, shell.close_current())


# -- answers from a server ------------------------------------------------------------


def backend_for(fake):
    clock = FakeClock()
    fake.clock = clock
    return GumnutBackend(fake.api_key, "http://gumnut.test", "lib_main",
                         transport=httpx.ASGITransport(app=AsgiApp(fake)),
                         limiter=TokenBucket(400, 100, clock=clock, sleep=clock.sleep), sleep=clock.sleep)


def run(fake, scenario):
    async def main():
        backend = backend_for(fake)
        try:
            return await scenario(backend)
        finally:
            await backend.close()

    return asyncio.run(main())


def _face(face_id="face_1", **changes) -> dict:
    face = {"id": face_id, "asset_id": "asset_1", "person_id": None, "bounding_box": {"x": 1, "y": 2, "w": 3, "h": 4}}
    face.update(changes)
    return {key: value for key, value in face.items() if value is not ...}


BAD_ANSWERS = [
    ("captive portal", (200, b"<!DOCTYPE html><html>Log in to the Wi-Fi</html>"), r"not JSON \(text/html\)"),
    ("proxy error page", (502, b"<html><h1>502 Bad Gateway</h1></html>"), "HTTP 502"),
    ("truncated JSON", (200, b'{"data": [{"id": "face_1", "asset'), "not JSON"),
    ("empty body", (200, b""), "not JSON"),
    ("a list, not a page", (200, [_face()]), "a page has no data"),
    ("page items not objects", (200, {"data": ["face_1"], "has_more": False}), "a face has no id"),
    ("face without id", (200, {"data": [_face(id=...)], "has_more": False}), "a face has no id"),
    ("face id a number", (200, {"data": [_face(id=17)], "has_more": False}), r"a face\.id is int"),
    ("box a string", (200, {"data": [_face(bounding_box="10,20,30,40")], "has_more": False}),
     r"face face_1\.bounding_box is str"),
    ("coordinate a string", (200, {"data": [_face(bounding_box={"x": "1", "y": 2, "w": 3, "h": 4})],
                                   "has_more": False}), r"bounding_box\.x is str"),
    ("has_more a string", (200, {"data": [_face()], "has_more": "yes"}), r"a page\.has_more is str"),
    ("person id not a string", (200, {"data": [_face(person_id=["p1"])], "has_more": False}), r"person_id is list"),
    ("thumbnail url a number", (200, {"data": [_face(asset_urls={"thumbnail": {"url": 5}})], "has_more": False}),
     r"thumbnail\.url is int"),
    ("huge page", (200, {"data": [_face(f"face_{i}") for i in range(1000)], "has_more": True}),
     "holds 1,000 items where at most 200"),
    ("empty page that says more follow", (200, {"data": [], "has_more": True}), "empty page says more follow"),
]


@pytest.mark.parametrize("answer,says", [case[1:] for case in BAD_ANSWERS], ids=[case[0] for case in BAD_ANSWERS])
def test_a_bad_answer_is_a_clear_error_and_changes_nothing(answer, says):
    fake = FakeGumnut.seeded()
    person = next(iter(fake.people))
    before = {f.id: f.person_id for f in fake.faces.values()}
    status, body = answer
    fake.fail[("GET", "/api/faces")] = (status, body, 99)

    async def scenario(backend):
        await backend.list_faces(person)

    with pytest.raises(Unavailable) as error:
        run(fake, scenario)
    assert re.search(says, error.value.message), error.value.message
    assert error.value.message.startswith("Gumnut")
    assert {f.id: f.person_id for f in fake.faces.values()} == before


def test_an_answer_larger_than_the_limit_is_not_read_into_memory():
    fake = FakeGumnut.seeded()
    fake.fail[("GET", "/api/people")] = (200, b'{"data": [' + b" " * (MAX_JSON_BYTES + 10) + b"]}", 1)

    async def scenario(backend):
        await backend.list_people()

    with pytest.raises(Unavailable, match="larger than 32 MB"):
        run(fake, scenario)


def test_a_server_that_sends_the_same_page_again_is_not_followed_in_circles():
    fake = FakeGumnut.seeded()
    person = next(iter(fake.people))
    page = {"data": [_face("face_9", person_id=person)], "has_more": True}
    fake.fail[("GET", "/api/faces")] = (200, page, 2)

    async def scenario(backend):
        first = await backend.list_faces(person)
        await backend.list_faces(person, first.next_cursor)

    with pytest.raises(Unavailable, match="the same page came again"):
        run(fake, scenario)


@pytest.mark.parametrize("odd_id", ["team/alpha", "..%2F..", "ü名前 😀", "a?b#c&d=e", "%2e%2e"])
def test_ids_with_slashes_unicode_and_url_syntax_reach_the_right_person(odd_id):
    fake = FakeGumnut.seeded(people=2)
    person = fake.add_person("Odd Id")
    del fake.people[person.id]
    person.id = odd_id
    fake.people[odd_id] = person
    face = next(iter(fake.faces.values()))

    async def scenario(backend):
        renamed = await backend.update_person(odd_id, name="Renamed")
        moved = await backend.assign_faces([(face.id, odd_id)])
        listed = await backend.list_faces(odd_id)
        return renamed, moved, listed

    renamed, moved, listed = run(fake, scenario)
    assert renamed.id == odd_id and fake.people[odd_id].name == "Renamed"
    assert not moved.failures and face.person_id == odd_id and [f.id for f in listed.items] == [face.id]
    assert {p.name for p in fake.people.values()} >= {"Renamed"}


@pytest.mark.parametrize("dots", ["..", "."])
def test_an_id_that_would_climb_the_path_is_refused_before_it_is_sent(dots):
    fake = FakeGumnut.seeded(people=1)
    before = len(fake.calls)

    async def scenario(backend):
        await backend.update_person(dots, name="Evil")

    with pytest.raises(InvalidInput, match="an id Faceboard cannot put in an address"):
        run(fake, scenario)
    assert len(fake.calls) == before


def test_an_image_address_that_is_not_http_is_refused():
    fake = FakeGumnut.seeded(people=1)

    async def scenario(backend):
        await backend.read_image("file:///etc/passwd")

    with pytest.raises(InvalidInput, match="an image address Faceboard will not open"):
        run(fake, scenario)


# -- Faceboard's own files --------------------------------------------------------------


def test_a_cache_key_cannot_climb_out_of_the_cache(tmp_path):
    cache = tmp_path / "cache"
    sneaky = ImageRef("../../../outside/evil", "uri")

    async def main():
        pipeline = ImagePipeline(lambda uri: asyncio.sleep(0, picture("JPEG")), cache, workers=1)
        try:
            return await pipeline.request(sneaky, 64)
        finally:
            await pipeline.aclose()

    asyncio.run(main())
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert written and all(p.is_relative_to(cache) for p in written)
    assert all(re.fullmatch(r"[0-9a-f]{40}\.png", p.name) for p in written)
    assert written[0].name == hashlib.sha1(f"{sneaky.key}|None|64|grown".encode()).hexdigest() + ".png"


def test_a_damaged_cached_tile_is_decoded_afresh(tmp_path):
    ref = ImageRef("face-1", "uri")
    reads = []

    async def read(uri):
        reads.append(uri)
        return picture("JPEG")

    async def main():
        for _ in range(2):
            pipeline = ImagePipeline(read, tmp_path, workers=1)
            try:
                tile = await pipeline.request(ref, 64)
            finally:
                await pipeline.aclose()
            for cached in tmp_path.rglob("*.png"):
                cached.write_bytes(b"garbage")
        return tile

    assert asyncio.run(main()).width == 64
    assert len(reads) == 2


def test_a_damaged_journal_is_moved_aside_and_a_new_one_started(tmp_path):
    path = tmp_path / "journal.sqlite3"
    path.write_bytes(b"this is not a database " * 100)

    async def main():
        journal = Journal(path)
        try:
            warning = await journal.open()
            entry = await journal.record("c", "backend", "Move 1 face", AssignFaces((("f", "p"),)), key="c")
            return warning, entry, await journal.count_pending("c")
        finally:
            await journal.close()

    warning, entry, pending = asyncio.run(main())
    assert "journal was damaged" in warning and "moved to journal.damaged-" in warning
    assert entry == 1 and pending == 1
    aside = list(tmp_path.glob("journal.damaged-*.sqlite3"))
    assert len(aside) == 1 and aside[0].read_bytes().startswith(b"this is not a database")
    assert sqlite3.connect(path).execute("SELECT COUNT(*) FROM entries").fetchone()[0] == 1


@pytest.mark.parametrize("text,says", [
    ("{not json", "is damaged"),
    ('{"profiles": "everything"}', "is damaged"),
    ('["a list"]', "is damaged"),
    ('{"profiles": [{"kind": "gumnut"}]}', "has no name"),
    ('{"profiles": [{"name": "x", "kind": "picasa"}]}', "Unknown backend 'picasa'"),
    ('{"profiles": [{"name": "x", "kind": "gumnut", "verify": false}]}', "turn certificate checks off"),
    ('{"profiles": [{"name": "x", "kind": "gumnut", "insecure": true}]}', "turn certificate checks off"),
])
def test_a_damaged_or_unsafe_profiles_file_is_refused_with_the_reason(tmp_path, text, says):
    path = tmp_path / "profiles.json"
    path.write_text(text)
    with pytest.raises(InvalidInput, match=says):
        ProfileStore(path).all()
    assert path.read_text() == text


def test_settings_a_newer_version_saved_are_left_out(tmp_path):
    path = tmp_path / "profiles.json"
    path.write_text(json.dumps({"profiles": [{"name": "x", "kind": "gumnut", "colour": "blue", "verify": True}]}))
    assert ProfileStore(path).all() == [Profile("x", "gumnut")]


def test_corpus_size():
    """How many bad inputs the tests above try (printed with -s)."""
    pictures = len(REFUSED) + 3 + len(ODD) + 1 + 3  # refused, not files, odd, rotated, boxes
    answers = len(BAD_ANSWERS) + 2 + 5 + 2 + 1  # bodies, huge, circles, odd ids, climbing ids, scheme
    own_files = 2 + 1 + 7 + 1  # cache key, cached tile, journal, profiles (damaged, newer)
    total = pictures + answers + own_files
    print(f"\nbad inputs tried: {total} (pictures {pictures}, server answers and ids {answers}, "
          f"Faceboard's own files {own_files})")
    assert total >= 40
