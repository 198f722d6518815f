"""NAVER Media Intelligence against its fake (in process, over ASGI): the signature,
the gateway's refusals, paging, the thumbnail upload flow, the primary, removal,
merging, the client-side call limits and finding a face in the media."""

import asyncio
import io

import httpx
import pytest
from fake_clock import FakeClock
from fakes.ncp_mi import FakeMediaIntelligence, picture
from fakes.server import AsgiApp
from PIL import Image

from faceboard.backends.ncp_mi import NcpMediaIntelligence
from faceboard.backends.ncp_signature import NcpSignature, signature
from faceboard.domain import MediaHit, PeopleQuery, Publication
from faceboard.errors import AuthFailed, Conflict, InvalidInput, NotFound


def test_the_signature_matches_a_known_vector():
    """Computed independently: printf '<message>' | openssl dgst -sha256 -hmac KEY -binary | base64"""
    assert signature("SECRETEXAMPLEKEY", "GET", "/api/v1/workspaces/my-ws/persons?pageNum=1&pageSize=100",
                     "1700000000000", "AKIDEXAMPLE") == "KxqFtE5uBxz4+Ye4UfO361uOEvniexKzQySe5CFKKIE="


def test_the_signature_covers_the_query_exactly_as_sent():
    request = httpx.Request("GET", "https://mi.test/api/v1/workspaces/ws/persons",
                            params={"pageNum": 1, "name": "홍길동", "tagIdList": "100,200"})
    signed = next(NcpSignature("AK", "SK", clock=lambda: 1700000000.0).auth_flow(request))
    target = "/api/v1/workspaces/ws/persons?pageNum=1&name=%ED%99%8D%EA%B8%B8%EB%8F%99&tagIdList=100%2C200"
    assert request.url.raw_path.decode() == target
    assert signed.headers["x-ncp-apigw-signature-v2"] == signature("SK", "GET", target, "1700000000000", "AK")
    assert signed.headers["x-ncp-apigw-timestamp"] == "1700000000000"


def backend_for(fake, clock, secret=None, workspace=None):
    workspace = fake.workspace if workspace is None else workspace
    fake.clock = clock
    return NcpMediaIntelligence(fake.access_key, secret or fake.secret_key, workspace,
                                "http://mi.test", transport=httpx.ASGITransport(app=AsgiApp(fake)),
                                sleep=clock.sleep, clock=clock)


def run(fake, scenario, clock=None, **options):
    clock = clock or FakeClock()

    async def main():
        backend = backend_for(fake, clock, **options)
        try:
            return await scenario(backend)
        finally:
            await backend.close()

    return asyncio.run(main())


@pytest.fixture
def fake():
    return FakeMediaIntelligence.seeded()


def test_connect_lists_people_and_their_thumbnails(fake):
    async def scenario(backend):
        line = await backend.connect()
        page = await backend.list_people()
        alice = next(p for p in page.items if p.name == "Alice Archer")
        return line, page, alice, await backend.list_thumbnails(alice.id)

    line, page, alice, thumbnails = run(fake, scenario)
    assert "family-ws" in line
    assert [p.name for p in page.items] == ["Alice Archer", "Bob Baker", "Carla Cruz"] and page.next_cursor is None
    assert len(thumbnails) == 2 and [t.is_primary for t in thumbnails] == [True, False]
    assert alice.primary_thumbnail_id == thumbnails[0].id
    assert "presigned" not in thumbnails[0].image.key and thumbnails[0].id in thumbnails[0].image.key


def test_people_are_read_page_by_page_and_filtered_by_name(fake):
    for i in range(250):
        fake.add_person(f"Extra {i:03d}")

    async def scenario(backend):
        names, cursor = [], None
        while True:
            page = await backend.list_people(cursor)
            names += [p.name for p in page.items]
            if (cursor := page.next_cursor) is None:
                return names, await backend.list_people(query=PeopleQuery(text="extra 01"))

    names, filtered = run(fake, scenario)
    assert len(names) == 253
    pages = [c.path for c in fake.calls if c.path.endswith("/persons")]
    assert len(pages) == 4  # 100 a page, then the filtered one
    assert [p.name for p in filtered.items] == [f"Extra 01{i}" for i in range(10)]


@pytest.mark.parametrize("tamper,says", [
    ({"secret": "wrong-secret-0000"}, "signature does not match"),
    ({"skew": 6 * 60}, "more than 5 minutes"),
    ({"strip": "x-ncp-apigw-signature-v2"}, "signature headers are missing"),
])
def test_the_gateway_refuses_a_bad_signature_an_old_timestamp_and_a_missing_header(fake, tamper, says):
    clock = FakeClock()

    async def scenario(backend):
        if "skew" in tamper:  # the machine's clock is six minutes slow
            fake.clock = lambda: clock.now + tamper["skew"]
        if "strip" in tamper:
            backend._api.auth = StrippingAuth(backend._api.auth, tamper["strip"])
        await backend.list_people()

    with pytest.raises(AuthFailed, match=says):
        run(fake, scenario, clock, secret=tamper.get("secret"))


class StrippingAuth(httpx.Auth):
    def __init__(self, inner, header):
        self.inner, self.header = inner, header

    def auth_flow(self, request):
        for signed in self.inner.auth_flow(request):
            del signed.headers[self.header]
            yield signed


def test_a_thumbnail_is_uploaded_the_documented_way_and_made_primary(fake):
    bob = next(p for p in fake.persons.values() if p.name == "Bob Baker")

    async def scenario(backend):
        added = await backend.add_thumbnail(str(bob.id), picture((250, 10, 10), (400, 300)), primary=True)
        return added, await backend.list_thumbnails(str(bob.id))

    added, thumbnails = run(fake, scenario)
    steps = [(c.method, c.path.rsplit("/", 2)[-2:] if c.path.startswith("/api") else c.path.split("/")[2])
             for c in fake.calls]
    assert steps[1:5] == [("POST", ["uploads", "presigned-url"]), ("PUT", "upload"), ("POST", ["uploads", "complete"]),
                         ("POST", [str(bob.id), "person-thumbnail"])]
    put = next(c for c in fake.calls if c.method == "PUT")
    assert "x-ncp-apigw-signature-v2" not in put.headers and put.headers["content-type"] == "image/jpeg"
    assert [t.id for t in thumbnails if t.is_primary] == [added.id] and len(thumbnails) == 3


def test_pictures_the_service_would_refuse_are_refused_before_uploading(fake):
    bob = next(iter(fake.persons.values()))
    small = picture((1, 2, 3), (200, 200))
    noise = io.BytesIO()
    Image.effect_noise((2600, 2600), 100).convert("RGB").save(noise, "PNG")

    for image, says in ((small, "needs at least 256"), (noise.getvalue(), "takes at most 5 MB")):
        async def scenario(backend, image=image):
            await backend.add_thumbnail(str(bob.id), image)

        before = len(fake.calls)
        with pytest.raises(InvalidInput, match=says):
            run(fake, scenario)
        assert all(c.method == "GET" for c in fake.calls[before:])  # nothing was uploaded


def test_the_last_thumbnail_is_never_removed_and_others_are(fake):
    carla = next(p for p in fake.persons.values() if p.name == "Carla Cruz")
    first, second = (str(t["id"]) for t in carla.thumbnails)

    async def scenario(backend):
        await backend.remove_thumbnails(str(carla.id), [second])
        await backend.remove_thumbnails(str(carla.id), [first])

    with pytest.raises(Conflict, match="keeps at least one thumbnail"):
        run(fake, scenario)
    assert [str(t["id"]) for t in carla.thumbnails] == [first]
    delete = next(c for c in fake.calls if c.method == "DELETE")
    assert delete.body == {"thumbnailIds": [int(second)]}


def test_rename_set_primary_merge_and_errors_with_the_services_words(fake):
    alice, bob, carla = fake.persons.values()

    async def scenario(backend):
        await backend.update_person(str(alice.id), name="Alice A.")
        await backend.set_primary_thumbnail(str(alice.id), str(alice.thumbnails[1]["id"]))
        merged = await backend.merge_people(str(alice.id), [str(bob.id)])
        with pytest.raises(NotFound, match="has no thumbnail .*; choose one of theirs"):  # MI: "Invalid Request."
            await backend.set_primary_thumbnail(str(alice.id), str(carla.thumbnails[0]["id"]))
        with pytest.raises(NotFound, match="does not exist"):
            await backend.list_thumbnails("999999")
        with pytest.raises(InvalidInput, match="ids are numbers"):
            await backend.list_thumbnails("../../workspaces")
        return merged

    merged = run(fake, scenario)
    assert merged.name == "Alice A." and bob.id not in fake.persons and len(alice.thumbnails) == 4
    assert [t["primary"] for t in alice.thumbnails] == [False, True, False, False]


def test_presigning_keeps_to_fifty_a_minute_on_this_side(fake):
    """60 uploads in a row: the fake refuses the 51st presign within a minute; the
    client waits instead, and no request is refused."""
    alice = next(iter(fake.persons.values()))
    clock = FakeClock()

    async def scenario(backend):
        for n in range(60):
            await backend.upload_thumbnail(picture((n, n, n)))

    run(fake, scenario, clock)
    presigns = [c for c in fake.calls if c.path.endswith("presigned-url")]
    assert len(presigns) == 60 and alice.thumbnails
    assert clock.now - 1000.0 >= 60 * 60 / 50 - 1.5  # 50 a minute: 72 s for 60, less the first


def test_a_face_is_found_in_the_media(fake):
    fake.media = [{"assetId": 77, "assetName": "beach.mp4", "score": 0.93}]

    async def scenario(backend):
        return await backend.find_in_media(picture((9, 9, 9), (300, 300)))

    assert run(fake, scenario) == [MediaHit("77", "beach.mp4", 0.93)]
    paths = [c.path for c in fake.calls]
    assert "/api/v1/query-assets/uploads/presigned-url" in paths and "/api/v1/query-assets/uploads/complete" in paths
    assert sum(p.endswith("/assets/search/search-1") for p in paths) == 2  # asked again until completed


def test_publishing_creates_a_person_with_the_primary_flagged(fake):
    publication = Publication("Dora Diaz", "local:7", picture((1, 200, 1)), (picture((2, 2, 200)),))

    async def scenario(backend):
        return await backend.publish(None, publication)

    result = run(fake, scenario)
    dora = next(p for p in fake.persons.values() if p.name == "Dora Diaz")
    assert result.person.id == str(dora.id) and [t["primary"] for t in dora.thumbnails] == [True, False]
    assert all(error is None for _, error in result.items)


def test_without_a_workspace_the_only_one_is_opened_or_the_choice_is_named(fake):
    clock = FakeClock()

    async def connect(backend):
        return await backend.connect()

    assert "workspace family-ws" in run(fake, connect, clock, workspace="")
    fake.other_workspaces = [f"team-{n:03d}" for n in range(150)]  # two pages of them
    with pytest.raises(InvalidInput, match="these keys see family-ws, team-000, .*team-149"):
        run(fake, connect, clock, workspace="")


def test_an_upload_address_refused_as_expired_is_asked_for_again(fake):
    bob = next(iter(fake.persons.values()))
    fake.expire_uploads = 1

    async def scenario(backend):
        return await backend.add_thumbnail(str(bob.id), picture((5, 5, 5)))

    added = run(fake, scenario)
    assert added.id in {str(t["id"]) for t in bob.thumbnails}
    assert sum(c.path.endswith("presigned-url") for c in fake.calls) == 2


def test_an_envelope_code_other_than_zero_is_an_error_with_the_services_words(fake):
    original = fake._route

    def refusing(method, parts, query, body):
        if method == "PATCH":
            raise ValueError("Invalid Request.")  # the fake answers 400 {code: "10001", message}
        return original(method, parts, query, body)

    fake._route = refusing
    alice = next(iter(fake.persons.values()))

    async def scenario(backend):
        await backend.update_person(str(alice.id), name="Alicia")

    with pytest.raises(InvalidInput, match="Invalid Request."):
        run(fake, scenario)

    fake._route = original
    answer = fake.handle  # a 200 whose envelope says it failed

    def failing_envelope(method, path, query, headers, body):
        status, out_headers, out = answer(method, path, query, headers, body)
        if path.endswith("/persons") and method == "GET":
            return 200, out_headers, b'{"code": "10023", "message": "You can request up to 10 assets at a time."}'
        return status, out_headers, out

    fake.handle = failing_envelope

    async def listing(backend):
        await backend.list_people()

    with pytest.raises(InvalidInput, match=r"up to 10 assets at a time. \(code 10023\)"):
        run(fake, listing)
