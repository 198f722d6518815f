"""SuperOffice against its fake: each kind of authentication, OData paging, and the
person's one image (set, shown, replaced, undone to the old one, removed)."""

import asyncio
import io

import httpx
import pytest
from fakes.server import AsgiApp
from fakes.superoffice import FakeSuperOffice
from PIL import Image

from faceboard.backends.superoffice import SuperOffice
from faceboard.domain import PeopleQuery, Publication
from faceboard.errors import AuthFailed, InvalidInput
from faceboard.services.curator import Curator
from faceboard.services.operations import AddThumbnails, RemoveThumbnails


def picture(fmt="JPEG", colour=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 64), colour).save(out, fmt)
    return out.getvalue()


def run(fake, scenario, **credentials):
    credentials = credentials or {"secret": fake.token}

    async def main():
        backend = SuperOffice(f"http://so.test/{fake.tenant}/api/v1", transport=httpx.ASGITransport(app=AsgiApp(fake)),
                              **credentials)
        try:
            return await scenario(backend)
        finally:
            await backend.close()

    return asyncio.run(main())


@pytest.mark.parametrize("auth", ["bearer", "basic", "soticket"])
def test_each_kind_of_authentication_the_installation_uses(auth):
    fake = FakeSuperOffice.seeded(auth=auth)
    good = {"bearer": {"secret": fake.token}, "basic": {"auth": "basic", "user": fake.user, "secret": fake.password},
            "soticket": {"auth": "soticket", "secret": fake.token, "app_token": fake.app_token}}[auth]

    async def connect(backend):
        return await backend.connect()

    assert "Connected to SuperOffice as Tje Zero" in run(fake, connect, **good)
    with pytest.raises(AuthFailed, match="Authentication failed"):
        run(fake, connect, **{**good, "secret": "wrong-secret-1"})
    assert fake.calls[0].headers["authorization"].split()[0] in ("Bearer", "Basic", "SOTicket")


def test_a_ticket_without_its_app_token_is_refused_before_sending():
    with pytest.raises(AuthFailed, match="SO-AppToken"):
        SuperOffice("http://so.test/Cust1/api/v1", "ticket-1234", auth="soticket")


def test_people_are_paged_with_top_and_skip_and_filtered():
    fake = FakeSuperOffice.seeded()
    for n in range(450):
        fake.persons[1000 + n] = f"Extra {n:03d}"

    async def scenario(backend):
        names, cursor = [], None
        while True:
            page = await backend.list_people(cursor)
            names += [p.name for p in page.items]
            if (cursor := page.next_cursor) is None:
                return names, await backend.list_people(query=PeopleQuery(text="o'brien"))

    names, filtered = run(fake, scenario)
    assert len(names) == 453 and names[:2] == ["Alice Archer", "Bob Baker"]
    skips = [c.query["$skip"][0] for c in fake.calls if c.path.endswith("/Person")]
    assert skips[:3] == ["0", "200", "400"] and fake.calls[1].query["$select"] == ["personId,fullName"]
    assert filtered.items == ()  # the quote was escaped, not an OData syntax error


def test_the_image_is_the_one_primary_thumbnail_and_undo_puts_the_old_one_back():
    fake = FakeSuperOffice.seeded()
    first, second = picture(), picture("PNG", (10, 200, 10))

    async def scenario(backend):
        curator = Curator(backend)
        assert await backend.list_thumbnails("5") == []
        await curator.apply(AddThumbnails("5", (first,)))
        change = await curator.apply(AddThumbnails("5", (second,)))
        (shown,) = await backend.list_thumbnails("5")
        assert shown.is_primary and await backend.read_image(shown.image.uri) == second
        await curator.apply(change.inverse)  # undo: the first picture is back
        restored = await backend.read_image((await backend.list_thumbnails("5"))[0].image.uri)
        await curator.apply(RemoveThumbnails("5", (shown.id,)))
        return restored

    assert run(fake, scenario) == first
    assert 5 not in fake.images
    puts = [c for c in fake.calls if c.method == "PUT"]
    assert [c.headers["content-type"] for c in puts] == ["image/jpeg", "image/png", "image/jpeg"]


def test_the_documented_400_and_unknown_formats_become_clear_messages():
    fake = FakeSuperOffice.seeded()

    async def scenario(backend):
        with pytest.raises(InvalidInput, match="the picture is missing or the person id is not valid"):
            await backend.add_thumbnail("404", picture())
        with pytest.raises(InvalidInput, match="takes PNG, JPEG, GIF or TIFF"):
            await backend.add_thumbnail("5", picture("WEBP"))
        with pytest.raises(InvalidInput, match="ids are numbers"):
            await backend.add_thumbnail("5/../6", picture())

    run(fake, scenario)
    assert fake.images == {}


def test_publishing_sets_the_image_of_a_linked_person_and_will_not_create_one():
    fake = FakeSuperOffice.seeded()
    publication = Publication("Bob Baker", "local:3", picture("PNG"))

    async def scenario(backend):
        done = await backend.publish("6", publication)
        with pytest.raises(InvalidInput, match="Link Bob Baker to a SuperOffice person first"):
            await backend.publish(None, publication)
        return done

    result = run(fake, scenario)
    assert result.person.name == "Bob Baker" and fake.images[6][1] == "image/png"
