"""OpenCV Face Recognition, one collection, in either edition:

- **server**, the on-premises FR Server (seed 003): persons are enrolled or updated in
  bulk with `PUT /persons` (one face per entry, `face_storage_type`), sent in chunks;
- **cloud**, opencv.fr: `POST /person`, `POST`/`PATCH /person/images`,
  `DELETE /person/image/{person}/{thumbnail}`, `PATCH /person` to rename.

Both are read the same way: `GET /collections` finds the collection by name, `GET
/persons/{collection_id}` pages its persons with `skip`/`take` (at most 100). Persons keep
thumbnails (inline, base64) but no primary: Faceboard shows the first and says so. Every
request carries `x-api-key`; errors are `{code, message}` (or FastAPI's 422), and
`ERR_DATABASE_ERROR` is retried.

Sources: ../shared/seeds/003, ../shared/reference/ncp_superoffice_opencv.md (C). The
server edition's listing paths are not in the seed: they are taken to be the cloud's.
"""

from __future__ import annotations

import asyncio
import base64
import re
import urllib.parse
from collections.abc import Sequence
from dataclasses import replace

import httpx

from faceboard.backends.base import PublishResult
from faceboard.backends.http import error_for, failure, json_of, make_client, server_message
from faceboard.backends.without_faces import Recent, WithoutFaces
from faceboard.domain import Capability, ImageRef, Page, PeopleQuery, Person, Progress, Publication, Thumbnail
from faceboard.errors import AuthFailed, FaceboardError, InvalidInput, NotFound, Unavailable, Unreachable
from faceboard.redaction import register_secret
from faceboard.retry import RetryPolicy, tries

SERVICE = "OpenCV FR"
EDITIONS = ("server", "cloud")
TAKE = 100
ENROLL_CHUNK = 50  # persons per PUT /persons
IMAGES_AT_ONCE = 3  # the cloud takes 1 to 3 images a request
DATABASE_RETRY = RetryPolicy(retries=3)  # after 0.5, 1 and 2 s
COLLECTION_NAME = re.compile(r"[A-Za-z0-9_.-]+")
ERRORS = {  # the seed's codes, in words a user acts on
    "ERR_INVALID_COLLECTION_NAME": (InvalidInput, "collection names may hold only letters, digits, _, - and ."),
    "ERR_API_KEY_NOT_PRESENT": (AuthFailed, "no API key was sent"),
    "ERR_API_KEY_NOT_VALID": (AuthFailed, "the API key is not valid"),
    "ERR_INVALID_API_KEY": (AuthFailed, "the API key is not valid"),
    "ERR_NOT_FOUND": (NotFound, "the collection or person does not exist (create the collection first)"),
    "ERR_UNPROCESSABLE_CONTENT": (InvalidInput, "the request was malformed or a picture could not be used"),
    "ERR_DATABASE_ERROR": (Unreachable, "its database failed; try again later"),
}


def _segment(value: str) -> str:
    if value in ("", ".", "..") or len(value) > 100:
        raise InvalidInput(f"{SERVICE} ids are 1 to 100 characters; {value!r} cannot be used.")
    return urllib.parse.quote(value, safe="")


class OpenCvFaceRecognition(WithoutFaces):
    def __init__(self, base_url: str, api_key: str, collection: str, edition: str = "server", *,
                 transport: httpx.AsyncBaseTransport | None = None, sleep=asyncio.sleep, ca_bundle: str = ""):
        if edition not in EDITIONS:
            raise InvalidInput(f"{SERVICE} editions are server and cloud; not {edition!r}.")
        if not api_key:
            raise AuthFailed(f"No {SERVICE} API key.")
        if not base_url:
            raise InvalidInput(f"Give the {SERVICE} address (the server's, or https://eu.opencv.fr).")
        if not COLLECTION_NAME.fullmatch(collection or ""):
            raise InvalidInput(f"{SERVICE} collection names may hold only letters, digits, _, - and .; "
                               f"{collection!r} is not one.")
        register_secret(api_key)
        self.edition = edition
        self.collection = collection
        self.base_url = base_url.rstrip("/")
        self.display_name = f"{SERVICE} {edition} ({collection})"
        self.capabilities = frozenset({Capability.ADD_THUMBNAILS, Capability.RECEIVE_PUBLISHED} | (
            {Capability.REMOVE_THUMBNAILS, Capability.RENAME_PERSON, Capability.DELETE_PERSON}
            if edition == "cloud" else set()))
        self._sleep = sleep
        self._api = make_client(self.base_url, inner=transport, headers={"x-api-key": api_key}, sleep=sleep,
                                expect_json=True, ca_bundle=ca_bundle)
        self._collection_id: str | None = None
        self._images: dict[str, str] = {}  # thumbnail id -> base64, as listed
        self._recent = Recent()

    # -- plumbing -------------------------------------------------------------------

    async def _call(self, method: str, path: str, **kwargs):
        """Send; map `{code, message}` to the domain errors. ERR_DATABASE_ERROR is tried
        again: by the transport when it comes as a 5xx, here when it comes as anything else."""
        if method != "GET":
            self._recent.forget()
        async for attempt in tries(DATABASE_RETRY, self._sleep):
            try:
                response = await self._api.request(method, path, **kwargs)
            except httpx.RequestError as error:
                raise failure(error, SERVICE) from None
            if response.status_code < 400:
                return json_of(response, SERVICE) if response.content else None
            error = self._error(response)
            database = isinstance(error, Unreachable) and response.status_code < 500
            if not database or DATABASE_RETRY.gives_up(attempt):
                raise error

    @staticmethod
    def _error(response: httpx.Response) -> FaceboardError:
        try:
            body = response.json()
        except (ValueError, RecursionError):
            body = None
        code = body.get("code") if isinstance(body, dict) else None
        if code in ERRORS:
            kind, words = ERRORS[code]
            return kind(f"{SERVICE}: {words} ({server_message(response)})")
        return error_for(response, SERVICE) or Unavailable(f"{SERVICE}: HTTP {response.status_code}")

    async def _collection(self) -> str:
        """The collection's id, found by its name."""
        if self._collection_id is None:
            found = await self._call("GET", "/collections", params={"search": self.collection, "take": TAKE})
            rows = found.get("collections") if isinstance(found, dict) else None
            match = [c for c in rows or [] if isinstance(c, dict) and c.get("name") == self.collection]
            if not match:
                raise NotFound(f"{SERVICE} has no collection named {self.collection}: create it first.")
            self._collection_id = str(match[0]["id"])
        return self._collection_id

    def _person(self, data: dict) -> tuple[Person, list[Thumbnail]]:
        if not isinstance(data, dict) or not isinstance(data.get("id"), str):
            raise Unavailable(f"{SERVICE} answered with something Faceboard cannot read: a person has no id.")
        person_id = data["id"]
        thumbnails = self._thumbnails(person_id, data.get("thumbnails"))
        thumbnails = [replace(t, is_primary=at == 0) for at, t in enumerate(thumbnails)]  # no primary: the first
        first = thumbnails[0] if thumbnails else None
        person = Person(person_id, data.get("name") or person_id, primary_thumbnail_id=first.id if first else None,
                        face_count=len(thumbnails), primary_image=first.image if first else None)
        return person, thumbnails

    def _thumbnails(self, person_id: str, items) -> list[Thumbnail]:
        """Thumbnails as the service lists them (`{id, thumbnail}`), their pictures kept."""
        thumbnails = []
        for item in items if isinstance(items, list) else []:
            if isinstance(item, dict) and isinstance(item.get("id"), str) and isinstance(item.get("thumbnail"), str):
                self._images[item["id"]] = item["thumbnail"]
                ref = ImageRef(f"opencv-fr:{self.base_url}:thumbnail:{item['id']}", f"{person_id}/{item['id']}")
                thumbnails.append(Thumbnail(item["id"], person_id, ref))
        return thumbnails

    async def _detail(self, person_id: str) -> tuple[Person, list[Thumbnail]]:
        """The person and their thumbnails, read once for everyone who looks a moment later."""
        if (recent := self._recent.get(person_id)) is None:
            recent = self._person(await self._call("GET", f"/person/{_segment(person_id)}"))
            self._recent.put(person_id, recent)
        return recent

    # -- reading ----------------------------------------------------------------------

    async def connect(self) -> str:
        await self._collection()
        return f"Connected to {SERVICE} ({self.edition}), collection {self.collection}."

    async def list_people(self, cursor: str | None = None, limit: int = 1000,
                          query: PeopleQuery = PeopleQuery()) -> Page[Person]:
        skip = int(cursor or 0)
        params = {"skip": skip, "take": TAKE, "order_by": "name" if query.sort == "name" else "create_date"}
        if query.text.strip():
            params["search"] = query.text.strip()
        page = await self._call("GET", f"/persons/{_segment(await self._collection())}", params=params)
        rows = page.get("persons") if isinstance(page, dict) else None
        if not isinstance(rows, list):
            raise Unavailable(f"{SERVICE} answered with something Faceboard cannot read: a page has no persons.")
        people = [self._person(row)[0] for row in rows]
        count = page.get("count")
        more = isinstance(count, int) and skip + len(rows) < count and bool(rows)
        return Page(tuple(people), str(skip + len(rows)) if more else None)

    async def person(self, person_id: str) -> Person:
        return (await self._detail(person_id))[0]

    async def list_thumbnails(self, person_id: str) -> list[Thumbnail]:
        return (await self._detail(person_id))[1]

    async def read_image(self, uri: str) -> bytes:
        person_id, _, thumbnail_id = uri.rpartition("/")
        if thumbnail_id not in self._images:
            await self._detail(person_id)
        try:
            return base64.b64decode(self._images[thumbnail_id], validate=True)
        except KeyError:
            raise NotFound(f"{SERVICE} no longer has this thumbnail.") from None
        except ValueError:
            raise Unavailable(f"{SERVICE} sent a thumbnail that is not base64.") from None

    # -- changing ---------------------------------------------------------------------

    async def enroll(self, entries: Sequence[tuple[str, str, bytes, dict]], progress: Progress | None = None
                     ) -> list[tuple[str, FaceboardError | None]]:
        """Server: enroll or update (person id, name, one face, metadata) in chunks; each
        person's outcome."""
        outcomes: list[tuple[str, FaceboardError | None]] = []
        for start in range(0, len(entries), ENROLL_CHUNK):
            chunk = entries[start : start + ENROLL_CHUNK]
            body = {"collection_name": self.collection, "face_storage_type": "StoreThumbnails", "persons": [
                {"face_base_64": base64.b64encode(face).decode(), "person_id": pid, "person_name": name,
                 "metadata": metadata} for pid, name, face, metadata in chunk]}
            answer = await self._call("PUT", "/persons", json=body)
            results = answer if isinstance(answer, list) else []
            for at, (pid, _, _, _) in enumerate(chunk):
                result = results[at] if at < len(results) and isinstance(results[at], dict) else {}
                code = result.get("code")
                error = None
                if code in ERRORS:
                    kind, words = ERRORS[code]
                    error = kind(f"{SERVICE}: {words} ({result.get('message') or code})")
                outcomes.append((pid, error))
            if progress is not None:
                progress.report(min(start + ENROLL_CHUNK, len(entries)), len(entries))
        return outcomes

    async def add_thumbnail(self, person_id: str, image: bytes, primary: bool = False) -> Thumbnail:
        if self.edition == "server":
            person = (await self._detail(person_id))[0]
            ((_, error),) = await self.enroll([(person_id, person.name, image, {})])
            if error is not None:
                raise error
            return (await self._detail(person_id))[1][-1]
        added = self._thumbnails(person_id, await self._call(
            "POST", "/person/images", json={"person_id": person_id, "images": [base64.b64encode(image).decode()]}))
        if not added:  # it answers with the thumbnails it made
            raise Unavailable(f"{SERVICE} took the picture but did not list it.")
        return added[-1]

    async def remove_thumbnails(self, person_id: str, thumbnail_ids: Sequence[str]) -> None:
        for thumbnail_id in thumbnail_ids:
            await self._call("DELETE", f"/person/image/{_segment(person_id)}/{_segment(thumbnail_id)}")

    async def update_person(self, person_id: str, *, name: str | None = None, hidden: bool | None = None) -> Person:
        if hidden is not None or name is None:
            raise self._cannot("hide people")
        return self._person(await self._call("PATCH", "/person", json={"id": person_id, "name": name}))[0]

    async def delete_person(self, person_id: str) -> None:
        await self._call("DELETE", f"/person/{_segment(person_id)}")

    creates_people = True  # a publication with nothing to link to makes a new person
    min_picture_side = 0

    def keeps(self, publication: Publication) -> Publication:
        """Faces only, best first: the primary stands in for them only when the person
        has none. The FR Server keeps the best one: its bulk enroll holds one face an
        entry, and a second entry of the same person updates it (seed 003 does not say
        it adds a face). The cloud keeps all of them (up to 12), three a request."""
        faces = publication.faces or ((publication.primary,) if publication.primary is not None else ())
        return replace(publication, primary=None, thumbnails=(),
                       faces=faces[:1] if self.edition == "server" else faces)

    def takes(self, publication: Publication) -> bool:
        """Whether the publication holds anything this backend keeps."""
        return bool(self.keeps(publication).faces)

    def preview(self, target: Person | None, publication: Publication) -> tuple[str, ...]:
        faces = f"{len(self.keeps(publication).faces)} of their faces"
        if self.edition == "server":
            who = target.id if target else publication.source_id
            return (f"enroll or update {who} “{publication.name}” in {self.collection} with their best face "
                    "(the FR Server's bulk enroll takes one face a person)",)
        if target is None:
            return (f"create {publication.name} in {self.collection} with {faces}, three a request",)
        return (f"add {faces} to {target.name}, three a request",)

    async def publish(self, person_id: str | None, publication: Publication,
                      progress: Progress | None = None) -> PublishResult:
        """The faces `keeps` chooses: on the server, the best one enrolled or updated
        under one id; in the cloud, added three at a time, to a person created with the
        first ones if there is none. What is said delivered is what the service took."""
        faces = list(self.keeps(publication).faces)
        if not faces:
            raise InvalidInput(f"{publication.name} has no face to publish.")
        target = person_id or publication.source_id
        if self.edition == "server":
            ((_, error),) = await self.enroll([(target, publication.name, faces[0],
                                                {"source": publication.source_id})], progress)
            person = None if error else (await self._detail(target))[0]
            return PublishResult(person, ((f"enroll {publication.name} in {self.collection}", error),),
                                 () if error else (faces[0],))
        items: list[tuple[str, FaceboardError | None]] = []
        delivered: list[bytes] = []
        chunks = [faces[i : i + IMAGES_AT_ONCE] for i in range(0, len(faces), IMAGES_AT_ONCE)]
        exists = person_id is not None or bool(await self.get_people([target]))
        for at, chunk in enumerate(chunks):
            images = [base64.b64encode(face).decode() for face in chunk]
            label = f"faces {at * IMAGES_AT_ONCE + 1}–{at * IMAGES_AT_ONCE + len(images)}"
            try:
                if exists:
                    await self._call("POST", "/person/images", json={"person_id": target, "images": images})
                else:
                    await self._call("POST", "/person", json={"id": target, "name": publication.name[:100],
                                                              "images": images,
                                                              "collections": [await self._collection()]})
                    exists = True
                delivered.extend(chunk)
                items.append((f"add {label}", None))
            except (InvalidInput, NotFound) as error:
                items.append((f"add {label}", error))
            if progress is not None:
                progress.report(at + 1, len(chunks))
        person = (await self._detail(target))[0] if exists else None
        return PublishResult(person, tuple(items), tuple(delivered))

    async def close(self) -> None:
        await self._api.aclose()
