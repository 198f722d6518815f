"""The Gumnut backend against the fake server (in process, over ASGI)."""

import asyncio
import logging

import httpx
import pytest
from fake_clock import FakeClock
from fakes.gumnut import FakeAsset, FakeGumnut
from fakes.server import AsgiApp

from faceboard import imaging
from faceboard.backends.base import CANCELLED
from faceboard.backends.gumnut import GumnutBackend
from faceboard.backends.http import TokenBucket
from faceboard.domain import BoundingBox, Progress
from faceboard.errors import AuthFailed, InvalidInput, NotFound, Unavailable
from faceboard.services.curator import Curator
from faceboard.services.operations import (
    AssignFaces,
    CreatePerson,
    DeleteFaces,
    MergePeople,
    SetPrimaryFromFace,
    UpdatePerson,
)


def backend_for(fake, clock=None, key=None):
    clock = clock or FakeClock()
    fake.clock = clock
    return GumnutBackend(key or fake.api_key, "http://gumnut.test", "lib_main",
                         transport=httpx.ASGITransport(app=AsgiApp(fake)),
                         limiter=TokenBucket(400, 100, clock=clock, sleep=clock.sleep), sleep=clock.sleep)


def run(fake, scenario, clock=None, key=None):
    async def main():
        backend = backend_for(fake, clock, key)
        try:
            return await scenario(backend)
        finally:
            await backend.close()

    return asyncio.run(main())


@pytest.fixture
def fake():
    return FakeGumnut.seeded(people=5, faces_per_person=4, unassigned=6)


def test_people_are_listed_with_paging_and_counts(fake):
    for i in range(230):
        fake.add_person(f"Extra {i:03d}")
    hidden = fake.add_person("Zed Hidden", hidden=True)
    unnamed = fake.add_person(None)

    async def scenario(backend):
        curator = Curator(backend)
        return await curator.all_people()

    people = run(fake, scenario)
    assert len(people) == 5 + 230 + 2
    assert {hidden.id, unnamed.id} <= {p.id for p in people}  # name_filter=all, include_hidden
    alice = next(p for p in people if p.name == "Alice Archer")
    assert alice.face_count == 4 and alice.primary_image is not None
    assert max(int(c.query["limit"][0]) for c in fake.calls if "limit" in c.query) <= 200


def test_faces_of_a_person_and_unassigned_faces(fake):
    async def scenario(backend):
        alice = next(p for p in fake.people.values() if p.name == "Alice Archer")
        mine = await backend.list_faces(alice.id)
        loose = await backend.list_faces(None)
        count = await backend.count_unassigned()
        return alice, mine, loose, count

    alice, mine, loose, count = run(fake, scenario)
    assert {f.person_id for f in mine.items} == {alice.id} and len(mine.items) == 4
    assert len(loose.items) == 6 and count == 6 and all(f.person_id is None for f in loose.items)
    assert loose.items[0].suggestions  # cluster_assignment candidates, as names


def test_reassign_detach_and_primary_through_the_curator(fake):
    alice, bob = sorted(fake.people.values(), key=lambda p: p.name)[:2]
    face = next(f for f in fake.faces.values() if f.person_id == alice.id and f.id != alice.thumbnail_face_id)
    loose = next(f for f in fake.faces.values() if f.person_id is None)

    async def scenario(backend):
        curator = Curator(backend)
        moved = await curator.apply(AssignFaces(((face.id, bob.id), (loose.id, alice.id))))
        assert fake.faces[face.id].person_id == bob.id and fake.faces[loose.id].person_id == alice.id
        assert moved.unassigned_delta == -1
        await curator.apply(moved.inverse)
        assert fake.faces[face.id].person_id == alice.id and fake.faces[loose.id].person_id is None
        primary = await curator.apply(SetPrimaryFromFace(alice.id, face.id))
        assert fake.people[alice.id].thumbnail_face_id == face.id
        await curator.apply(primary.inverse)
        hidden = await curator.apply(UpdatePerson(bob.id, hidden=True))
        assert fake.people[bob.id].is_hidden
        await curator.apply(hidden.inverse)

    run(fake, scenario)
    assert fake.people[alice.id].thumbnail_face_id != face.id
    patch = next(c for c in fake.calls if c.method == "PATCH" and c.path.startswith("/api/faces/"))
    assert patch.body == {"person_id": bob.id} and patch.query["library_id"] == ["lib_main"]


def test_create_person_from_faces_and_undo(fake):
    loose = [f.id for f in fake.faces.values() if f.person_id is None][:3]

    async def scenario(backend):
        curator = Curator(backend)
        created = await curator.apply(CreatePerson("Newcomer", tuple(loose)))
        person = fake.people[created.created_person_id]
        assert person.name == "Newcomer" and person.thumbnail_face_id == loose[0]
        assert all(fake.faces[f].person_id == person.id for f in loose)
        undone = await curator.apply(created.inverse)
        assert person.id not in fake.people and all(fake.faces[f].person_id is None for f in loose)
        assert undone.inverse is None  # Gumnut deletes for good: no redo

    run(fake, scenario)


def test_refusals_become_domain_errors(fake):
    async def unknown_face(backend):
        await backend.get_faces(["face_nope"])

    with pytest.raises(NotFound):
        run(fake, unknown_face)
    with pytest.raises(AuthFailed, match="Invalid or expired token"):
        run(fake, lambda b: b.list_people(), key="apikey_wrong")

    async def wrong_library(backend):
        backend.library_id = "lib_other"
        await backend.connect()

    with pytest.raises(NotFound, match="lib_other"):
        run(fake, wrong_library)


def test_a_429_is_waited_out_with_the_servers_retry_after(fake):
    clock = FakeClock()
    fake.fail[("GET", "/api/people")] = (429, {"detail": "Rate limit exceeded"}, 1)

    async def scenario(backend):
        return await backend.list_people()

    people = run(fake, scenario, clock)
    assert len(people.items) == 5


def test_bulk_reassign_stays_under_the_rate_limit_and_reports_progress(fake):
    clock = FakeClock()
    target = next(iter(fake.people.values()))
    faces = [fake.add_face(None).id for _ in range(600)]
    seen = []

    async def scenario(backend):
        curator = Curator(backend)
        return await curator.apply(AssignFaces(tuple((f, target.id) for f in faces)), Progress(lambda d, t: seen.append(d)))

    change = run(fake, scenario, clock)
    assert not change.failures and len(change.faces) == 600
    assert all(fake.faces[f].person_id == target.id for f in faces)
    assert seen[-1] == 600 and len(seen) == 600
    assert clock.now - 1000 >= 2.0  # 600 PATCHes at 1 token: the client waited for tokens
    statuses = [c for c in fake.calls if c.path.startswith("/api/faces/")]
    assert len(statuses) == 600  # none refused with 429 and retried


def test_bulk_reassign_reports_each_failure_and_can_be_cancelled(fake):
    target = next(iter(fake.people.values()))
    faces = [fake.add_face(None).id for _ in range(40)]
    fake.fail[("PATCH", f"/api/faces/{faces[3]}")] = (409, {"detail": "Face is being re-clustered"}, 1)
    progress = Progress()
    progress.report = lambda done, total: progress.cancel() if done >= 20 else None

    async def scenario(backend):
        return await Curator(backend).apply(AssignFaces(tuple((f, target.id) for f in faces)), progress)

    change = run(fake, scenario)
    failures = dict(change.failures)
    assert "re-clustered" in failures[faces[3]]
    cancelled = [f for f, message in failures.items() if message == CANCELLED]
    assert cancelled and len(change.faces) + len(failures) == 40
    for face_id in faces:  # the change lists exactly what the server holds
        moved = face_id in {f.id for f in change.faces}
        assert (fake.faces[face_id].person_id == target.id) == moved
    assert set(change.inverse.moves) == {(f.id, None) for f in change.faces}


def test_crops_are_fetched_without_the_api_key(fake):
    async def scenario(backend):
        face = (await backend.list_faces(None)).items[0]
        return await backend.read_image(face.image.uri)

    data = run(fake, scenario)
    assert data[:2] == b"\xff\xd8"
    cdn = [c for c in fake.calls if c.path.startswith("/cdn/")]
    assert cdn and all("authorization" not in c.headers for c in cdn)


def test_the_key_is_not_logged_at_debug(fake, caplog):
    caplog.set_level(logging.DEBUG)

    async def scenario(backend):
        await backend.list_people()
        await backend.read_image((await backend.list_faces(None)).items[0].image.uri)

    run(fake, scenario)
    assert caplog.records and fake.api_key not in caplog.text and "cdnSIGNATURE" not in caplog.text


def test_a_garbage_answer_is_a_clear_error(fake):
    fake.fail[("GET", "/api/people")] = (200, b"<html>captive portal</html>", 1)

    async def scenario(backend):
        await backend.list_people()

    with pytest.raises(Unavailable, match="not JSON \\(text/html\\)"):
        run(fake, scenario)


def test_connect_needs_a_key_and_picks_the_only_library(fake):
    with pytest.raises(InvalidInput):
        GumnutBackend("", "http://gumnut.test")

    async def scenario(backend):
        backend.library_id = None
        return await backend.connect(), backend.library_id

    line, library = run(fake, scenario)
    assert library == "lib_main" and "Family photos" in line


def test_merge_and_delete_faces_use_gumnuts_own_calls(fake):
    alice, bob, carla = sorted(fake.people.values(), key=lambda p: p.name)[:3]
    bobs = [f.id for f in fake.faces.values() if f.person_id == bob.id]
    gone = next(f.id for f in fake.faces.values() if f.person_id == carla.id)

    async def scenario(backend):
        curator = Curator(backend)
        merged = await curator.apply(MergePeople(alice.id, (bob.id,)))
        deleted = await curator.apply(DeleteFaces((gone,)))
        return merged, deleted

    merged, deleted = run(fake, scenario)
    assert bob.id not in fake.people and all(fake.faces[f].person_id == alice.id for f in bobs)
    assert merged.inverse is None and merged.removed_person_ids == (bob.id,)
    assert gone not in fake.faces and deleted.inverse is None
    assert any(c.path == f"/api/people/{alice.id}/merge" for c in fake.calls)


def test_a_photo_is_its_preview_with_every_face_on_it_in_the_assets_pixels():
    fake = FakeGumnut.seeded(people=2, faces_per_person=2, unassigned=1)
    faces = list(fake.faces.values())
    for face in faces[:3]:
        face.asset_id = "asset_group"
    fake.assets["asset_group"] = FakeAsset("asset_group", 4000, 3000)

    async def scenario(backend):
        photo = await backend.photo("asset_group")
        return photo, await backend.read_image(photo.image.uri)

    photo, data = run(fake, scenario)
    assert (photo.width, photo.height, photo.problem) == (4000, 3000, None)
    assert sorted(f.id for f in photo.faces) == sorted(f.id for f in faces[:3])
    assert photo.image.uri.startswith("http://gumnut.test/cdn/assets/asset_group/preview.jpg")
    assert imaging.picture_size(data) == (1440, 1080)


def test_an_edited_photo_shows_no_boxes_and_one_without_a_size_says_why():
    fake = FakeGumnut.seeded(people=1, faces_per_person=2, unassigned=0)
    edited, sizeless = (f.asset_id for f in fake.faces.values())
    fake.assets[edited] = FakeAsset(edited, kind="edit")  # its boxes are on the original's pixels
    fake.assets[sizeless] = FakeAsset(sizeless, width=0, height=0)

    async def scenario(backend):
        return await backend.photo(edited), await backend.photo(sizeless)

    edited_photo, sizeless_photo = run(fake, scenario)
    assert edited_photo.faces == () and edited_photo.problem is None
    assert "size" in sizeless_photo.problem
    with pytest.raises(NotFound):
        run(fake, lambda backend: backend.photo("asset_nowhere"))


def test_a_face_drawn_on_a_photo_is_posted_unassigned_and_a_box_off_it_refused():
    fake = FakeGumnut.seeded(people=1, faces_per_person=1, unassigned=0)
    (asset,) = {f.asset_id for f in fake.faces.values()}

    async def scenario(backend):
        drawn = await backend.add_face(asset, BoundingBox(100, 200, 300, 360))
        with pytest.raises(InvalidInput):
            await backend.add_face(asset, BoundingBox(1900, 0, 300, 300))  # past the 2000 px edge
        return drawn, await backend.photo(asset)

    drawn, photo = run(fake, scenario)
    assert (drawn.asset_id, drawn.box, drawn.person_id, drawn.confidence) == (asset, BoundingBox(100, 200, 300, 360),
                                                                             None, None)
    assert fake.faces[drawn.id].source == "manual" and drawn.id in {f.id for f in photo.faces}
    (post,) = [c for c in fake.calls if c.method == "POST" and c.path == "/api/faces"][:1]
    assert post.body["library_id"] == "lib_main"
