"""Gumnut (https://api.gumnut.ai) through its official async SDK, `gumnut-sdk`.

The SDK builds the requests from Gumnut's OpenAPI spec (paths, parameters, auth); the
answers are read by `gumnut_json`, not by the SDK's models (ten times cheaper). It talks
through Faceboard's own client (`http.make_client`): rate limiting, retries and
redaction live there, once; the SDK's retries are off (`max_retries=0`), because they
repeat POSTs blindly and would stack on ours. Face and person crops come from
`asset_urls` on a CDN and are fetched without the Authorization header.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import gumnut
import httpx

from faceboard.backends.base import CANCELLED, AssignResult, require
from faceboard.backends.gumnut_json import (
    SERVICE, cursor_after, face_from, page_from, person_from, photo_from, unreadable,
)
from faceboard.backends.http import TokenBucket, error_for, failure, make_client, send
from faceboard.domain import BoundingBox, Capability, Face, FacesQuery, Page, PeopleQuery, Person, Photo, Progress, Thumbnail
from faceboard.paging import Trail
from faceboard.redaction import register_secret
from faceboard.errors import FaceboardError, InvalidInput, NotFound, Unreachable, Unsupported

DEFAULT_BASE_URL = "https://api.gumnut.ai"
PAGE_LIMIT = 200  # the API answers 422 above this, for `limit` and for `ids`
COUNT_PAGES = 5  # pages of faces read to count the unassigned ones; beyond, the count waits for the list
BULK_CONCURRENCY = 8
LIST_PATHS = ("/api/people", "/api/faces", "/api/assets", "/api/search", "/api/libraries")


def request_cost(request: httpx.Request) -> float:
    """Gumnut's documented weights: listing and search 5 tokens, other calls 1."""
    return 5.0 if request.method == "GET" and request.url.path.rstrip("/") in LIST_PATHS else 1.0


class GumnutBackend:
    capabilities = frozenset({
        Capability.LIST_FACES, Capability.REASSIGN_FACES, Capability.SET_PRIMARY,
        Capability.FACES_ARE_THUMBNAILS, Capability.CREATE_PERSON, Capability.DELETE_PERSON,
        Capability.RENAME_PERSON, Capability.HIDE_PERSON, Capability.MERGE_PEOPLE, Capability.DELETE_FACES,
        Capability.SHOW_PHOTOS, Capability.DRAW_FACES,
    })

    def __init__(self, api_key: str, base_url: str = DEFAULT_BASE_URL, library_id: str | None = None, *,
                 transport: httpx.AsyncBaseTransport | None = None, limiter: TokenBucket | None = None,
                 sleep=asyncio.sleep, ca_bundle: str = ""):
        if not api_key:
            raise InvalidInput("A Gumnut API key is needed (it starts with apikey_).")
        register_secret(api_key)
        self.base_url = base_url.rstrip("/")
        self.library_id = library_id
        self.display_name = f"Gumnut ({self.base_url})"
        self.limiter = limiter or TokenBucket(400, 100, reserve=3)  # 30 ms of arrival jitter
        self._api = make_client(self.base_url, inner=transport, limiter=self.limiter, cost=request_cost, sleep=sleep,
                                expect_json=True, ca_bundle=ca_bundle)
        self._cdn = make_client(inner=transport, sleep=sleep, ca_bundle=ca_bundle)  # no Authorization: signed URLs
        self._sdk = gumnut.AsyncGumnut(api_key=api_key, base_url=self.base_url, http_client=self._api, max_retries=0)
        self._raw = self._sdk.with_raw_response  # requests built by the SDK, answers read by gumnut_json

    # -- plumbing -----------------------------------------------------------------

    async def _json(self, raw_call):
        """Send a call made with the SDK's `with_raw_response`; return its JSON."""
        response = await self._call(raw_call)
        try:
            return await response.json()
        except ValueError:
            raise unreadable("not JSON") from None

    async def _call(self, awaitable):
        try:
            return await awaitable
        except ValueError as error:  # the SDK will not put an id like ".." in a path
            raise InvalidInput(f"{SERVICE}: an id Faceboard cannot put in an address ({error}).") from None
        except gumnut.APIStatusError as error:
            raise error_for(error.response, SERVICE) or Unreachable(f"{SERVICE}: {error.message}") from None
        except gumnut.APIConnectionError as error:  # and APITimeoutError
            cause = error.__cause__
            if isinstance(cause, httpx.RequestError):  # also too slow, a redirect loop, compressed wrongly
                raise failure(cause, SERVICE) from None
            if isinstance(error, gumnut.APITimeoutError):
                raise Unreachable(f"{SERVICE} did not answer in time.") from None
            raise Unreachable(f"Cannot reach {SERVICE} at {self.base_url}.") from None

    def _library(self) -> dict:
        return {"library_id": self.library_id} if self.library_id else {}

    async def libraries(self) -> list[tuple[str, str]]:
        """(id, name) of the libraries this key can see."""
        found = await self._json(self._raw.libraries.list())
        if not isinstance(found, list) or not all(isinstance(lib, dict) and isinstance(lib.get("id"), str)
                                                  for lib in found):
            raise unreadable("the libraries are not a list of {id, name}")
        return [(lib["id"], str(lib.get("name") or lib["id"])) for lib in found]

    async def connect(self) -> str:
        """Check the key and settle the library; return a line describing the connection."""
        libraries = await self.libraries()
        if self.library_id is None:
            if len(libraries) == 1:
                self.library_id = libraries[0][0]
            elif not libraries:
                raise NotFound(f"{SERVICE}: this key sees no library.")
            else:
                names = ", ".join(f"{name} ({lid})" for lid, name in libraries)
                raise InvalidInput(f"{SERVICE}: choose a library: {names}.")
        elif self.library_id not in {lid for lid, _ in libraries}:
            raise NotFound(f"{SERVICE}: library {self.library_id} is not among this key's libraries.")
        name = dict(libraries)[self.library_id]
        self.display_name = f"Gumnut — {name}"
        return f"Connected to {SERVICE}, library {name}."

    # -- reading ------------------------------------------------------------------

    async def list_people(
        self, cursor: str | None = None, limit: int = 1000, query: PeopleQuery = PeopleQuery()
    ) -> Page[Person]:
        """Gumnut sorts by photo count (`asset_count`), the nearest it has to faces."""
        sort = {"name": "name_asc", "most_faces": "asset_count_desc", "fewest_faces": "asset_count_asc"}[query.sort]
        people, more = page_from(await self._json(self._raw.people.list(
            name_filter="all", include_hidden=query.include_hidden, sort=sort, include=["cluster_metrics"],
            **({"name": query.text} if query.text else {}),
            limit=min(limit, PAGE_LIMIT), **({"starting_after_id": cursor} if cursor else {}), **self._library())),
            person_from, min(limit, PAGE_LIMIT))
        return Page(tuple(people), cursor_after(people, more, cursor))

    async def get_people(self, person_ids: Sequence[str]) -> list[Person]:
        found: list[Person] = []
        for start in range(0, len(person_ids), PAGE_LIMIT):
            chunk = list(person_ids[start : start + PAGE_LIMIT])
            people, _ = page_from(await self._json(self._raw.people.list(
                ids=chunk, name_filter="all", include_hidden=True, include=["cluster_metrics"],
                limit=PAGE_LIMIT, **self._library())), person_from, PAGE_LIMIT)
            found.extend(people)
        return found

    async def _faces_page(self, cursor: str | None, **filters) -> tuple[list[Face], bool]:
        return page_from(await self._json(self._raw.faces.list(
            include=["cluster_assignment"], limit=PAGE_LIMIT,
            **({"starting_after_id": cursor} if cursor else {}), **filters, **self._library())), face_from, PAGE_LIMIT)

    async def list_faces(self, person_id: str | None, cursor: str | None = None, limit: int = 500,
                         query: FacesQuery = FacesQuery()) -> Page[Face]:
        if query.sort != FacesQuery().sort:
            require(self, Capability.SORT_FACES)  # Gumnut lists faces in its own order only
        if query.show != FacesQuery().show:
            require(self, Capability.FILTER_FACES)  # and all of them: its listing has no such filter
        if person_id is not None:
            faces, more = await self._faces_page(cursor, person_id=person_id)
            return Page(tuple(faces), cursor_after(faces, more, cursor))
        # Gumnut has no filter for unassigned faces: walk all faces and keep those without a person
        found: list[Face] = []
        after, trail = cursor, Trail(SERVICE)
        while len(found) < min(limit, PAGE_LIMIT):
            faces, more = await self._faces_page(after)
            found.extend(f for f in faces if f.person_id is None)
            after = trail.follow(cursor_after(faces, more, after), len(faces))
            if after is None:
                return Page(tuple(found), None)
        return Page(tuple(found), after)

    async def count_unassigned(self) -> int | None:
        """Exact for a small library; above COUNT_PAGES pages of faces, None rather than
        spend the rate limit (5 tokens a page: 25 s for 100,000 faces) before showing anything."""
        count, after, trail = 0, None, Trail(SERVICE)
        for _ in range(COUNT_PAGES):
            faces, more = await self._faces_page(after)
            count += sum(1 for f in faces if f.person_id is None)
            after = trail.follow(cursor_after(faces, more, after), len(faces))
            if after is None:
                return count
        return None

    async def get_faces(self, face_ids: Sequence[str]) -> list[Face]:
        found: dict[str, Face] = {}
        for start in range(0, len(face_ids), PAGE_LIMIT):
            faces, _ = await self._faces_page(None, ids=list(face_ids[start : start + PAGE_LIMIT]))
            found.update((f.id, f) for f in faces)
        missing = [f for f in face_ids if f not in found]
        if missing:
            raise NotFound(f"{SERVICE}: face {missing[0]} does not exist.")
        return [found[f] for f in face_ids]

    async def list_thumbnails(self, person_id: str) -> list[Thumbnail]:
        """Gumnut's thumbnail is one of the person's faces (`thumbnail_face_id`)."""
        person = person_from(await self._json(self._raw.people.retrieve(person_id)))
        if person.primary_thumbnail_id is None or person.primary_image is None:
            return []
        return [Thumbnail(person.primary_thumbnail_id, person_id, person.primary_image, True)]

    async def photo(self, asset_id: str) -> Photo:
        """The asset's preview (1440 px; the boxes are in the asset's own width and height,
        the view scales the picture to them) and every face Gumnut found on it."""
        asset = await self._json(self._raw.assets.retrieve(asset_id, include=["variants"]))
        faces: list[Face] = []
        after, trail = None, Trail(SERVICE)
        while True:
            page, more = await self._faces_page(after, asset_id=asset_id)
            faces.extend(page)
            after = trail.follow(cursor_after(page, more, after), len(page))
            if after is None:
                return photo_from(asset, faces)

    async def add_face(self, asset_id: str, box: BoundingBox) -> Face:
        """A face the detector missed, unassigned; Gumnut computes its embedding."""
        # a POST: our transport does not retry it after an error the server may have acted on
        return face_from(await self._json(self._raw.faces.create(
            asset_id=asset_id, bounding_box={"x": box.x, "y": box.y, "w": box.width, "h": box.height},
            **self._library())))

    async def read_image(self, uri: str) -> bytes:
        if not uri:
            raise NotFound(f"{SERVICE} has no picture for this face.")
        if not uri.startswith(("https://", "http://")):
            raise InvalidInput(f"{SERVICE} gave an image address Faceboard will not open ({uri.split(':')[0]}:).")
        return (await send(self._cdn, "GET", uri, f"{SERVICE} images")).content

    # -- changing -----------------------------------------------------------------

    async def assign_faces(self, moves: Sequence[tuple[str, str | None]], progress: Progress | None = None) -> AssignResult:
        """One PATCH per face, a few at a time under the rate limit; each face's outcome kept."""
        gate = asyncio.Semaphore(BULK_CONCURRENCY)
        done: dict[str, Face] = {}
        failures: dict[str, FaceboardError] = {}

        async def move(face_id: str, person_id: str | None) -> None:
            async with gate:
                if progress is not None and progress.cancelled:
                    failures[face_id] = FaceboardError(CANCELLED)
                    return
                try:
                    done[face_id] = face_from(await self._json(
                        self._raw.faces.update(face_id, person_id=person_id, **self._library())))
                except FaceboardError as error:
                    failures[face_id] = error
                if progress is not None:
                    progress.report(len(done) + len(failures), len(moves))

        await asyncio.gather(*(move(f, p) for f, p in moves))
        return AssignResult(tuple(done[f] for f, _ in moves if f in done), failures)

    async def set_primary_thumbnail(self, person_id: str, thumbnail_id: str) -> Person:
        return person_from(await self._json(self._raw.people.update(person_id, thumbnail_face_id=thumbnail_id)))

    async def add_thumbnail(self, person_id: str, image: bytes, primary: bool = False) -> Thumbnail:
        raise Unsupported(f"{SERVICE} cannot add thumbnails: its thumbnails are the person's faces.")

    async def add_face_thumbnail(self, person_id: str, face_id: str, primary: bool = False) -> Thumbnail:
        raise Unsupported(f"{SERVICE} uses the face itself: set it as the primary instead.")

    async def remove_thumbnails(self, person_id: str, thumbnail_ids: Sequence[str]) -> None:
        raise Unsupported(f"{SERVICE} cannot remove thumbnails.")

    async def restore_thumbnails(self, person_id: str, thumbnail_ids: Sequence[str]) -> None:
        raise Unsupported(f"{SERVICE} cannot restore thumbnails.")

    async def create_person(self, name: str) -> Person:
        # a POST: our transport does not retry it after an error the server may have acted on
        return person_from(await self._json(self._raw.people.create(name=name, **self._library())))

    async def update_person(self, person_id: str, *, name: str | None = None, hidden: bool | None = None) -> Person:
        fields = {k: v for k, v in (("name", name), ("is_hidden", hidden)) if v is not None}
        return person_from(await self._json(self._raw.people.update(person_id, **fields)))

    async def delete_person(self, person_id: str) -> None:
        await self._call(self._sdk.people.delete(person_id))

    async def restore_person(self, person_id: str) -> Person:
        raise Unsupported(f"{SERVICE} deletes people for good; they cannot be restored.")

    async def merge_people(self, target_id: str, source_ids: Sequence[str]) -> Person:
        await self._call(self._sdk.people.merge(target_id, source_person_ids=list(source_ids)))
        found = await self.get_people([target_id])  # 204 when Gumnut dropped an empty target
        if not found:
            raise NotFound(f"{SERVICE} removed the merged person: they had no faces and no name.")
        return found[0]

    async def delete_faces(self, face_ids: Sequence[str]) -> None:
        gate = asyncio.Semaphore(BULK_CONCURRENCY)

        async def delete(face_id: str) -> None:
            async with gate:
                await self._call(self._sdk.faces.delete(face_id, **self._library()))

        await asyncio.gather(*(delete(f) for f in face_ids))

    async def restore_faces(self, face_ids: Sequence[str]) -> None:
        raise Unsupported(f"{SERVICE} deletes faces for good; they cannot be restored.")

    async def close(self) -> None:
        await self._api.aclose()
        await self._cdn.aclose()
