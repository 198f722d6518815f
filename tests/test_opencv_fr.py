"""OpenCV FR against its fake, both editions: the API key, the seed's error codes as
messages, the database error retried, bulk enrollment in chunks, cloud thumbnails, and
no primary (the first thumbnail is shown)."""

import asyncio

import httpx
import pytest
from fake_clock import FakeClock
from fakes.opencv_fr import FakeOpenCvFr, face
from fakes.server import AsgiApp

from faceboard.backends.opencv_fr import OpenCvFaceRecognition
from faceboard.domain import Capability, Publication
from faceboard.errors import AuthFailed, InvalidInput, NotFound, Unreachable


def run(fake, scenario, key=None, collection="staff"):
    clock = FakeClock()

    async def main():
        backend = OpenCvFaceRecognition("http://fr.test", key or fake.api_key, collection, fake.edition,
                                        transport=httpx.ASGITransport(app=AsgiApp(fake)), sleep=clock.sleep)
        try:
            return await scenario(backend)
        finally:
            await backend.close()

    return asyncio.run(main())


@pytest.mark.parametrize("edition", ["server", "cloud"])
def test_people_are_listed_with_their_first_thumbnail_shown_as_primary(edition):
    fake = FakeOpenCvFr.seeded(edition=edition)

    async def scenario(backend):
        line = await backend.connect()
        page = await backend.list_people()
        thumbnails = await backend.list_thumbnails(page.items[0].id)
        return line, page, thumbnails, await backend.read_image(thumbnails[0].image.uri)

    line, page, thumbnails, image = run(fake, scenario)
    assert "collection staff" in line and [p.name for p in page.items] == ["Alice Archer", "Bob Baker"]
    assert thumbnails[0].is_primary and page.items[0].primary_thumbnail_id == thumbnails[0].id
    assert image.startswith(b"\xff\xd8")
    assert all(c.headers["x-api-key"] == fake.api_key for c in fake.calls)


def test_a_missing_or_wrong_key_and_an_unknown_collection_say_so():
    fake = FakeOpenCvFr.seeded()

    async def connect(backend):
        await backend.connect()

    with pytest.raises(AuthFailed, match="the API key is not valid"):
        run(fake, connect, key="wrong-key-1234")
    with pytest.raises(NotFound, match="no collection named visitors"):
        run(fake, connect, collection="visitors")
    with pytest.raises(InvalidInput, match="collection names may hold only"):
        OpenCvFaceRecognition("http://fr.test", "k", "staff room!", "server")


def test_bulk_enrollment_goes_in_chunks_and_reports_each_person():
    fake = FakeOpenCvFr.seeded()
    entries = [(f"emp{n}", f"Employee {n}", face((n % 256, 0, 0)), {"team": "ops"}) for n in range(120)]
    entries[7] = ("emp7", "Employee 7", b"not a picture", {})

    async def scenario(backend):
        return await backend.enroll(entries)

    outcomes = run(fake, scenario)
    puts = [c for c in fake.calls if c.method == "PUT"]
    assert [len(c.body["persons"]) for c in puts] == [50, 50, 20]
    assert puts[0].body["collection_name"] == "staff" and puts[0].body["face_storage_type"] == "StoreThumbnails"
    failed = [(pid, error) for pid, error in outcomes if error is not None]
    assert len(outcomes) == 120 and [pid for pid, _ in failed] == ["emp7"]
    assert "picture could not be used" in failed[0][1].message
    assert fake.persons["emp3"].metadata == {"team": "ops"} and "emp7" not in fake.persons


def test_the_database_error_is_retried_and_then_reported():
    fake = FakeOpenCvFr.seeded()
    fake.database_failures = 2

    async def scenario(backend):
        return await backend.enroll([("p1", "Alice Archer", face((1, 1, 1)), {})])

    assert run(fake, scenario) == [("p1", None)]
    fake.database_failures = 10
    with pytest.raises(Unreachable, match="its database failed"):
        run(fake, scenario)


def test_cloud_thumbnails_are_added_and_removed_and_the_server_cannot_remove():
    fake = FakeOpenCvFr.seeded(edition="cloud")

    async def scenario(backend):
        added = await backend.add_thumbnail("p1", face((9, 9, 9)))
        await backend.remove_thumbnails("p1", [added.id])
        renamed = await backend.update_person("p1", name="Alice A.")
        return added, renamed

    added, renamed = run(fake, scenario)
    assert renamed.name == "Alice A." and len(fake.persons["p1"].thumbnails) == 1
    assert any(c.path == f"/person/image/p1/{added.id}" and c.method == "DELETE" for c in fake.calls)
    server = OpenCvFaceRecognition("http://fr.test", "k", "staff", "server")
    assert Capability.REMOVE_THUMBNAILS not in server.capabilities and Capability.SET_PRIMARY not in server.capabilities


@pytest.mark.parametrize("edition", ["server", "cloud"])
def test_publishing_enrolls_the_faces(edition):
    fake = FakeOpenCvFr.seeded(edition=edition)
    crops = tuple(face((n * 30, 50, 50)) for n in range(5))
    publication = Publication("Dora Diaz", "local-9", crops[0], faces=crops)

    async def scenario(backend):
        return await backend.publish(None, publication)

    result = run(fake, scenario)
    dora = fake.persons["local-9"]
    assert result.person.name == "Dora Diaz" and all(error is None for _, error in result.items)
    assert len(dora.thumbnails) == (1 if edition == "server" else 5)
    if edition == "cloud":
        assert [len(c.body["images"]) for c in fake.calls if c.method == "POST"] == [3, 2]


@pytest.mark.parametrize("request_kwargs,error,says", [
    ({"headers": {"x-api-key": ""}}, AuthFailed, "no API key was sent"),
    ({"json": {"collection_name": "bad name!", "face_storage_type": "StoreThumbnails", "persons": []}},
     InvalidInput, "collection names may hold only"),
    ({"json": {"collection_name": "visitors", "face_storage_type": "StoreThumbnails", "persons": []}},
     NotFound, "create the collection first"),
    ({"json": {"collection_name": "staff", "face_storage_type": "Everything", "persons": []}},
     InvalidInput, "the request was malformed"),
])
def test_each_error_code_of_the_seed_is_a_message_a_user_understands(request_kwargs, error, says):
    fake = FakeOpenCvFr.seeded()

    async def scenario(backend):
        await backend._call("PUT", "/persons", **request_kwargs)

    with pytest.raises(error, match=says):
        run(fake, scenario)


def test_a_person_read_a_moment_ago_is_read_again_after_a_change_or_after_the_moment():
    """One read serves the looks that follow at once; a change made through the backend,
    or the moment passing, makes the next look a fresh read."""
    from faceboard.backends.without_faces import Recent

    fake = FakeOpenCvFr.seeded(edition="cloud")
    clock = FakeClock()

    async def scenario(backend):
        backend._recent = Recent(clock=clock)
        reads = lambda: sum((c.method, c.path) == ("GET", "/person/p1") for c in fake.calls)  # noqa: E731
        first = await backend.list_thumbnails("p1")
        await backend.person("p1")
        counted = [reads()]
        added = await backend.add_thumbnail("p1", face((9, 9, 9)))
        after = await backend.list_thumbnails("p1")
        counted.append(reads())
        fake.persons["p1"].name = "Alice Renamed Elsewhere"
        kept = (await backend.person("p1")).name
        await clock.sleep(2.5)
        return first, added, after, counted, kept, (await backend.person("p1")).name

    first, added, after, counted, kept, later = run(fake, scenario)
    assert counted == [1, 2] and [t.id for t in after] == [t.id for t in first] + [added.id]
    assert (kept, later) == ("Alice Archer", "Alice Renamed Elsewhere")
