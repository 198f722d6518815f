"""Drops judged without Qt: what may land where, why not, and what landing means, from
the store's contents and the backend's capabilities (the drags themselves, on the real
views, are in test_drag_and_drop.py)."""

import asyncio
from pathlib import Path

import httpx
from conftest import run
from fakes.gumnut import FakeGumnut
from fakes.server import AsgiApp

from faceboard.backends.gumnut import GumnutBackend
from faceboard.services.curator import Curator
from faceboard.services.drops import AddFiles, Drops, FacesPayload, FilesPayload, ThumbnailPayload
from faceboard.services.operations import AssignFaces, SetPrimary, SetPrimaryFromFace
from faceboard.services.store import FACES, Store

SLOT = object()  # the primary slot: any target that is not a person nor Unassigned
PICTURES = FilesPayload((Path("a.jpg"),))


async def drops_over(backend) -> tuple[Drops, Store]:
    """Drops judged over a store that has read the first people and the unassigned faces."""
    curator = Curator(backend)
    store = Store(curator.people_page, curator.faces_page, curator.thumbnails, curator.unassigned_count,
                  asyncio.ensure_future, load_person=curator.person)
    await store.load()
    store.select(None)
    while store.listings[FACES].fetching:
        await asyncio.sleep(0)
    return Drops(store, curator), store


def test_faces_are_reassigned_detached_or_made_primary_as_the_target_says(library):
    async def scenario():
        drops, store = await drops_over(library)
        amara, other = store.listed_people()[:2]
        loose = [f.id for f in store.listed_faces()[:2]]
        unassigned = FacesPayload(tuple(loose), None)
        assert drops.judge(unassigned, amara) is None
        assert drops.meaning(unassigned, amara) == AssignFaces(((loose[0], amara.id), (loose[1], amara.id)),
                                                               ((loose[0], None), (loose[1], None)))
        assert drops.judge(unassigned, None) == "These faces are already unassigned."
        store.select(amara.id)
        while store.listings[FACES].fetching:
            await asyncio.sleep(0)
        own = store.listed_faces()[0].id
        assert drops.meaning(FacesPayload((own,), amara.id), None) == AssignFaces(((own, None),), ((own, amara.id),))
        for target in (SLOT, amara):  # on the slot, or back on their own person: the primary
            assert drops.judge(FacesPayload((own,), amara.id), target) is None
            assert drops.meaning(FacesPayload((own,), amara.id), target) == SetPrimaryFromFace(amara.id, own)
        assert drops.judge(FacesPayload((own, loose[0]), amara.id), SLOT) == "Drop a single face to make it the primary."
        assert drops.judge(FacesPayload((loose[0],), other.id), SLOT) == f"Only {amara.name}'s own faces can become their primary."

    run(scenario())


def test_a_thumbnail_becomes_the_primary_of_its_own_person_only(library):
    async def scenario():
        drops, store = await drops_over(library)
        amara, other = store.listed_people()[:2]
        thumbnails = await library.list_thumbnails(amara.id)
        primary = next(t for t in thumbnails if t.is_primary)
        second = next(t for t in thumbnails if not t.is_primary)
        assert drops.judge(ThumbnailPayload(amara.id, second.id), amara) is None
        assert drops.meaning(ThumbnailPayload(amara.id, second.id), amara) == SetPrimary(amara.id, second.id)
        assert drops.judge(ThumbnailPayload(amara.id, primary.id), amara) == \
            f"That is already {amara.name}'s primary thumbnail."
        assert drops.judge(ThumbnailPayload(amara.id, second.id), other) == \
            f"This thumbnail belongs to {amara.name}; it can only be their primary."
        assert drops.judge(ThumbnailPayload(amara.id, second.id), None).startswith("Drop a thumbnail on its own person")

    run(scenario())


def test_pictures_become_thumbnails_of_the_person_they_are_dropped_on(library):
    async def scenario():
        drops, store = await drops_over(library)
        amara = store.listed_people()[0]
        assert drops.judge(PICTURES, amara) is None
        assert drops.meaning(PICTURES, amara) == AddFiles(amara.id, PICTURES.paths)
        assert drops.judge(PICTURES, None) == "Pictures become thumbnails of a person: drop them on one."
        store.select(amara.id)
        assert drops.judge(PICTURES, SLOT).startswith("Drop pictures on a person in the People list")
        assert drops.judge("a bare string", amara) == "Faceboard cannot use what was dropped."

    run(scenario())


def test_what_the_backend_cannot_do_is_refused_naming_it():
    fake = FakeGumnut.seeded(people=2, faces_per_person=2, unassigned=1)
    fake.rate_limited = False

    async def scenario():
        backend = GumnutBackend(fake.api_key, "http://gumnut.test", "lib_main",
                                transport=httpx.ASGITransport(app=AsgiApp(fake)))
        try:
            drops, store = await drops_over(backend)
            person = store.listed_people()[0]
            assert drops.judge(PICTURES, person) == f"{backend.display_name} cannot add thumbnails."
            assert drops.judge(FacesPayload((store.listed_faces()[0].id,), None), person) is None
        finally:
            await backend.close()

    run(scenario())
