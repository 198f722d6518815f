"""Publishing a person curated in the local library to NAVER Media Intelligence,
SuperOffice and OpenCV FR, end to end through `faceboard publish` against the fakes on
loopback sockets: the plan, the steps, links remembered, a partial failure reported
step by step, and every publication in the journal."""

import asyncio
import base64
import io
import json

import pytest
from fakes.ncp_mi import FakeMediaIntelligence
from fakes.opencv_fr import FakeOpenCvFr
from fakes.server import serve
from fakes.superoffice import FakeSuperOffice
from PIL import Image

from faceboard import cli
from faceboard.backends.local import LocalLibrary
from faceboard.domain import count
from faceboard.services.connections import BACKENDS, Profile, ProfileStore, SecretStore, keyring_name
from faceboard.services.curator import Curator
from faceboard.services.journal import Journal
from faceboard.services.outbox import Outbox
from faceboard.services.operations import AddThumbnails

PERSON = "1"  # Amara Okafor in the demo library

APP_TOKEN = BACKENDS["superoffice"].field("app_token")  # its keyring entry


def big(colour) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (400, 400), colour).save(out, "JPEG")
    return out.getvalue()


def publish(library_folder, capsys, *args) -> tuple[int, str, str]:
    code = cli.run(cli.parser().parse_args(["--library", str(library_folder), "publish", PERSON, *args]))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def amara(library_folder):
    """Amara with thumbnails large enough for Media Intelligence (at least 256 pixels),
    the new one primary, and the demo's small ones besides."""
    async def main():
        library = LocalLibrary(library_folder)
        try:
            await Curator(library).apply(AddThumbnails(PERSON, (big((200, 40, 40)), big((40, 200, 40))), True))
            return await library.list_thumbnails(PERSON)
        finally:
            await library.close()

    return asyncio.run(main())


def small(colour) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (120, 120), colour).save(out, "JPEG")
    return out.getvalue()


def add_thumbnail(library_folder, image: bytes) -> str:
    """Add a picture of Amara that was cut from no photo; its thumbnail id."""
    async def main():
        library = LocalLibrary(library_folder)
        try:
            change = await Curator(library).apply(AddThumbnails(PERSON, (image,)))
            return change.inverse.thumbnail_ids[0]
        finally:
            await library.close()

    return asyncio.run(main())


def test_a_person_is_published_to_media_intelligence_with_a_partial_failure(library_folder, amara, capsys):
    """The demo's thumbnails are face crops under 256 pixels: each is cut afresh, wider,
    from its photo. A small picture cut from no photo is left out, and said so by id."""
    tiny = add_thumbnail(library_folder, small((9, 9, 9)))
    fake = FakeMediaIntelligence.seeded()
    with serve(fake) as url:
        ProfileStore().save(Profile("mi", "ncp-mi", url, fake.workspace, user=fake.access_key))
        SecretStore().set("mi", fake.secret_key)
        code, out, err = publish(library_folder, capsys, "--to", "mi")
        amara_mi = next(p for p in fake.persons.values() if p.name == "Amara Okafor")
        again, out_again, _ = publish(library_folder, capsys, "--to", "mi")
    assert "a new person, new" in out and "create Amara Okafor with them, the primary flagged as primary" in out
    assert code == 3  # the small one: left out before anything was sent, and said so
    assert f"! cannot send thumbnail {tiny}, so it is left out: it is 120×120 pixels" in out
    failed = [line for line in out.splitlines() if "FAILED" in line]
    assert len(failed) == 1 and f"thumbnail {tiny}" in failed[0] and "add a larger picture" in failed[0]
    assert f"done: create Amara Okafor with {count(len(amara), 'thumbnail')}" in out
    assert [t["primary"] for t in amara_mi.thumbnails] == [True] + [False] * (len(amara) - 1)
    assert all(min(Image.open(io.BytesIO(fake.objects[t["key"]])).size) >= 256 for t in amara_mi.thumbnails)
    assert "(Amara Okafor, linked)" in out_again and again == 3  # the small one is said again
    assert "upload primary thumbnail" not in out_again
    assert len(amara_mi.thumbnails) == len(amara)  # what went through the first time is not sent again
    assert sum(p.name == "Amara Okafor" for p in fake.persons.values()) == 1
    links = json.loads(next((library_folder.parent / "xdg").rglob("links.json")).read_text())["links"]
    assert [(link["source_id"], link["target"], link["target_id"], len(link["published"])) for link in links] == [
        (PERSON, "mi", str(amara_mi.id), len(amara))]

    async def history():
        journal = Journal()
        try:
            return await journal.history()
        finally:
            await journal.close()

    entries = [e for e in asyncio.run(history()) if e.summary.startswith("Publish")]
    assert [(e.connection, e.state) for e in entries] == [("mi", "done")]  # the second sent nothing


def test_the_primary_becomes_the_superoffice_image_of_the_person_of_the_same_name(library_folder, amara, capsys):
    fake = FakeSuperOffice.seeded(names=("Amara Okafor", "Bob Baker"), auth="soticket")
    with serve(fake) as url:
        ProfileStore().save(Profile("crm", "superoffice", f"{url}/{fake.tenant}/api/v1", auth="soticket"))
        secrets = SecretStore()
        secrets.set("crm", fake.token)
        secrets.set(keyring_name("crm", APP_TOKEN), fake.app_token)
        code, out, err = publish(library_folder, capsys, "--to", "crm")
    assert code == 0, err
    assert "(Amara Okafor, same name)" in out and "done: set the image of Amara Okafor" in out
    (blob, kind, data) = fake.images[5]
    primary = next(t for t in amara if t.is_primary)
    assert kind == "image/jpeg" and Image.open(io.BytesIO(data)).getpixel((200, 200))[0] > 150  # the red primary
    assert primary.is_primary


def test_superoffice_does_not_get_contacts_made_up(library_folder, capsys):
    fake = FakeSuperOffice.seeded(names=("Someone Else",))
    with serve(fake) as url:
        ProfileStore().save(Profile("crm", "superoffice", f"{url}/{fake.tenant}/api/v1", auth="bearer"))
        SecretStore().set("crm", fake.token)
        code, out, err = publish(library_folder, capsys, "--to", "crm")
    assert code == 3 and "link one first" in err and fake.images == {}


@pytest.mark.parametrize("edition", ["server", "cloud"])
def test_the_faces_are_enrolled_in_an_opencv_fr_collection(library_folder, capsys, edition):
    fake = FakeOpenCvFr.seeded(edition=edition)
    with serve(fake) as url:
        ProfileStore().save(Profile("fr", "opencv-fr", url, "staff", edition=edition))
        SecretStore().set("fr", fake.api_key)
        code, out, err = publish(library_folder, capsys, "--to", "fr")
    assert code == 0, err
    person = fake.persons[PERSON]  # the shared id: the source's person id
    assert person.name == "Amara Okafor" and fake.collections["staff"] in person.collections
    assert len(person.thumbnails) == (1 if edition == "server" else 12)  # the server keeps one face an entry


def test_a_chosen_target_person_and_an_unknown_one(library_folder, amara, capsys):
    fake = FakeMediaIntelligence.seeded()
    bob = next(p for p in fake.persons.values() if p.name == "Bob Baker")
    with serve(fake) as url:
        ProfileStore().save(Profile("mi", "ncp-mi", url, fake.workspace, user=fake.access_key))
        SecretStore().set("mi", fake.secret_key)
        code, out, _ = publish(library_folder, capsys, "--to", "mi", "--person", str(bob.id))
        missing, _, err = publish(library_folder, capsys, "--to", "mi", "--person", "424242")
    assert "(Bob Baker, chosen)" in out and len(bob.thumbnails) == 2 + len(amara)
    assert missing == 3 and "has no person 424242" in err


def test_no_secret_of_any_service_reaches_a_log_record_or_a_file(library_folder, amara, capsys, caplog, tmp_path):
    """Publish to all three at DEBUG, then look through every log record and every file
    the app wrote (profiles, links, journal, caches) for each secret used."""
    import logging

    caplog.set_level(logging.DEBUG)
    media, crm, fr = FakeMediaIntelligence.seeded(), FakeSuperOffice.seeded(("Amara Okafor",), auth="soticket"), \
        FakeOpenCvFr.seeded(edition="cloud")
    secrets = SecretStore()
    with serve(media) as mi_url, serve(crm) as so_url, serve(fr) as fr_url:
        ProfileStore().save(Profile("mi", "ncp-mi", mi_url, media.workspace, user=media.access_key))
        ProfileStore().save(Profile("crm", "superoffice", f"{so_url}/{crm.tenant}/api/v1", auth="soticket"))
        ProfileStore().save(Profile("fr", "opencv-fr", fr_url, "staff", edition="cloud"))
        secrets.set("mi", media.secret_key)
        secrets.set("crm", crm.token)
        secrets.set(keyring_name("crm", APP_TOKEN), crm.app_token)
        secrets.set("fr", fr.api_key)
        for target in ("mi", "crm", "fr"):
            code, _, err = publish(library_folder, capsys, "--to", target)
            assert code in (0, 3), err
    assert any("x-ncp-apigw" in r.getMessage() or "PUT" in r.getMessage() for r in caplog.records)
    hidden = [media.secret_key, crm.token, crm.app_token, fr.api_key, "X-Amz-Signature=presigned"]
    for record in caplog.records:
        assert not any(secret in record.getMessage() for secret in hidden), record.getMessage()
    written = [p for p in tmp_path.rglob("*") if p.is_file() and "library" not in p.parts]
    assert {"profiles.json", "links.json"} <= {p.name for p in written}
    assert any(p.name.startswith("journal.sqlite3") for p in written)
    for path in written:
        data = path.read_bytes()
        assert not any(secret.encode() in data for secret in hidden), path


def test_from_gumnut_to_opencv_fr_the_unreadable_face_is_left_out_and_said(capsys, monkeypatch):
    """Between two fakes: a Gumnut person whose one face crop the CDN no longer has; the
    other faces are enrolled, and the missing one is a failed step with the CDN's words."""
    from fakes.gumnut import FakeGumnut

    source = FakeGumnut.seeded(people=2, faces_per_person=4, unassigned=0)
    source.rate_limited = False
    alice = next(p for p in source.people.values() if p.name == "Alice Archer")
    lost = next(f for f in source.faces.values() if f.person_id == alice.id and f.id != alice.thumbnail_face_id)
    target = FakeOpenCvFr.seeded(edition="cloud")
    with serve(source) as gumnut_url, serve(target) as fr_url:
        original = source._cdn
        source._cdn = lambda path, headers: (404, {"content-type": "text/plain"}, b"no such object") \
            if lost.id in path else original(path, headers)
        ProfileStore().save(Profile("fr", "opencv-fr", fr_url, "staff", edition="cloud"))
        SecretStore().set("fr", target.api_key)
        monkeypatch.setenv("FACEBOARD_GUMNUT_API_KEY", source.api_key)
        code = cli.run(cli.parser().parse_args(["--backend", "gumnut", "--base-url", gumnut_url, "--library-id",
                                                "lib_main", "publish", alice.id, "--to", "fr"]))
        out = capsys.readouterr().out
    assert code == 3
    assert f"! cannot read face {lost.id}, so it is left out: Gumnut images: no such object" in out
    assert f"FAILED: read face {lost.id}" in out and "done: add faces 1–3" in out
    assert "(Alice Archer, same name)" in out  # the collection's own Alice, p1
    assert len(target.persons["p1"].thumbnails) == 1 + 3 and alice.id not in target.persons


def test_a_face_is_found_in_the_media_from_the_command_line(library_folder, capsys):
    fake = FakeMediaIntelligence.seeded()
    fake.media = [{"assetId": 8, "assetName": "wedding.jpg", "score": 0.88}]
    with serve(fake) as url:
        ProfileStore().save(Profile("mi", "ncp-mi", url, fake.workspace, user=fake.access_key))
        SecretStore().set("mi", fake.secret_key)
        code = cli.run(cli.parser().parse_args(["--library", str(library_folder), "find-in-media", "1", "--in", "mi"]))
        out = capsys.readouterr()
    assert code == 0, out.err
    assert out.out == "8\twedding.jpg\t0.88\n" and "1 match in" in out.err


def test_a_publication_left_pending_is_not_sent_twice_by_resume(library_folder, amara):
    """Killed after journaling a publication: resume says to check, rather than add the
    thumbnails a second time."""
    from faceboard.backends.ncp_mi import NcpMediaIntelligence
    from faceboard.domain import Publication
    from faceboard.services.operations import Publish

    fake = FakeMediaIntelligence.seeded()

    async def main(url):
        journal = Journal()
        backend = NcpMediaIntelligence(fake.access_key, fake.secret_key, fake.workspace, url)
        try:
            outbox = Outbox(Curator(backend), journal, "ncp-mi||mi", "mi")
            await journal.record("mi", backend.display_name, "Publish Amara Okafor",
                                 Publish(None, Publication("Amara Okafor", "1", big((1, 2, 3)))))
            return await outbox.resume()
        finally:
            await backend.close()
            await journal.close()

    with serve(fake) as url:
        ((entry, outcome),) = asyncio.run(main(url))
    assert "Not published again" in outcome.message and "Check the person there" in outcome.message
    assert not any(p.name == "Amara Okafor" for p in fake.persons.values())


def journaled_faces() -> list[list[str]]:
    """The digests of the face crops each journaled publication holds, oldest first."""
    import sqlite3

    from faceboard.services.journal import default_journal

    with sqlite3.connect(default_journal()) as db:
        rows = db.execute("SELECT operation FROM entries WHERE summary LIKE 'Publish%' ORDER BY id").fetchall()
    return [[face["bytes"] for face in json.loads(text)["publication"]["faces"]] for (text,) in rows]


@pytest.mark.parametrize("edition", ["server", "cloud"])
def test_what_is_recorded_as_sent_to_opencv_fr_is_what_it_received_and_a_second_time_adds_nothing(
        library_folder, amara, capsys, edition):
    """The FR Server takes one face a person (seed 003), the cloud up to 12: the journal,
    the links and the fake agree on which; publishing again sends nothing, not the
    primary as an extra face."""
    from faceboard.services.images import digest

    fake = FakeOpenCvFr.seeded(edition=edition)
    with serve(fake) as url:
        ProfileStore().save(Profile("fr", "opencv-fr", url, "staff", edition=edition))
        SecretStore().set("fr", fake.api_key)
        code, out, err = publish(library_folder, capsys, "--to", "fr")
        received = [digest(base64.b64decode(data)) for _, data in fake.persons[PERSON].thumbnails]
        again, out_again, err_again = publish(library_folder, capsys, "--to", "fr")
    assert (code, again) == (0, 0), err + err_again
    assert len(received) == (1 if edition == "server" else 12)
    links = json.loads(next((library_folder.parent / "xdg").rglob("links.json")).read_text())["links"]
    assert [sorted(link["published"]) for link in links] == [sorted(received)]
    assert journaled_faces() == [received]  # the second publication was nothing new: not journaled
    assert "nothing new" in out_again and len(fake.persons[PERSON].thumbnails) == len(received)
    if edition == "server":
        assert "with their best face (the FR Server's bulk enroll takes one face a person)" in out
    else:
        assert "create Amara Okafor in staff with 12 of their faces, three a request" in out
    assert "True" not in out and "face(s)" not in out


def test_only_a_target_that_needs_it_gets_the_wider_cut(library_folder, capsys):
    """The demo primary is a face crop under 256 pixels: SuperOffice gets it as it is,
    Media Intelligence a wider cut from its photo."""
    async def primary_size():
        library = LocalLibrary(library_folder)
        try:
            primary = next(t for t in await library.list_thumbnails(PERSON) if t.is_primary)
            return Image.open(io.BytesIO(await library.read_image(primary.image.uri))).size
        finally:
            await library.close()

    size = asyncio.run(primary_size())
    crm, media = FakeSuperOffice.seeded(names=("Amara Okafor",)), FakeMediaIntelligence.seeded()
    with serve(crm) as so_url, serve(media) as mi_url:
        ProfileStore().save(Profile("crm", "superoffice", f"{so_url}/{crm.tenant}/api/v1", auth="bearer"))
        ProfileStore().save(Profile("mi", "ncp-mi", mi_url, media.workspace, user=media.access_key))
        SecretStore().set("crm", crm.token)
        SecretStore().set("mi", media.secret_key)
        results = [publish(library_folder, capsys, "--to", target) for target in ("crm", "mi")]
    assert [code for code, _, _ in results] == [0, 0], results
    assert min(size) < 256 and Image.open(io.BytesIO(crm.images[5][2])).size == size
    amara_mi = next(p for p in media.persons.values() if p.name == "Amara Okafor")
    primary = next(t for t in amara_mi.thumbnails if t["primary"])
    assert min(Image.open(io.BytesIO(media.objects[primary["key"]])).size) >= 256
