"""NAVER Cloud Media Intelligence (https://mi.apigw.ntruss.com), one workspace.

MI keeps people with thumbnails (one primary), not face detections: Faceboard curates
their thumbnails, names and merges. Every request is signed (`ncp_signature`); answers
are `{code, message, result}` and a code other than "0" is an error, as is the gateway's
`{"error": {"errorCode", "message"}}`. Thumbnails are uploaded the documented way:
presigned URL, PUT of the bytes (no signature: the URL carries one), confirmation, then
the key is given to the person. Presigning is limited to 50 a minute and upload status
to 1,000 a minute; both limits are kept on this side. Thumbnail URLs are presigned and
expire: images are cached under the thumbnail's id, never its URL.

Sources: ../shared/seeds 000 and 002, ../shared/reference/ncp_superoffice_opencv.md (A).
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import time
from collections.abc import Sequence
from dataclasses import replace

import httpx

from faceboard import imaging
from faceboard.backends.base import PublishResult
from faceboard.backends.http import TokenBucket, json_of, make_client, send
from faceboard.backends.ncp_signature import NcpSignature
from faceboard.domain import (
    Capability, ImageRef, MediaHit, Page, PeopleQuery, Person, Progress, Publication, Thumbnail, count,
)
from faceboard.errors import AuthFailed, Conflict, FaceboardError, InvalidInput, NotFound, Unavailable, Unsupported
from faceboard.paging import Trail
from faceboard.redaction import register_secret
from faceboard.retry import RetryPolicy, tries
from faceboard.backends.without_faces import Recent, WithoutFaces

DEFAULT_BASE_URL = "https://mi.apigw.ntruss.com"
SERVICE = "NAVER Media Intelligence"
PAGE_SIZE = 100
WORKSPACE_NAME = re.compile(r"[a-z0-9-]{3,63}")
MAX_BYTES = 5 * 1024 * 1024  # the service refuses larger uploads (OVER_SIZE_LIMIT)
MIN_THUMBNAIL_SIDE = 256  # person thumbnails; query images need 224
MIN_QUERY_SIDE = 224
MERGE_AT_ONCE = 10
COMPLETE_RETRY = RetryPolicy(retries=4, initial_delay=1.0)  # Object Storage may not show an upload at once:
# FILE_NOT_EXIST is asked again, after 1, 2, 4 and 8 s
SEARCH_POLL = RetryPolicy(retries=29, initial_delay=0.25, max_delay=4.0)  # a search is looked at 30 times
UPLOAD_MESSAGES = {
    "FILE_NOT_EXIST": "the uploaded picture never reached the storage",
    "OVER_SIZE_LIMIT": "the picture is over 5 MB",
    "RESOLUTION_NOT_SUPPORT": "the picture is too small (under {side} pixels)",
}


def _int_id(value: str, what: str) -> int:
    if not value.isdigit():
        raise InvalidInput(f"{SERVICE} {what} ids are numbers; {value!r} is not one.")
    return int(value)


class NcpMediaIntelligence(WithoutFaces):
    capabilities = frozenset({
        Capability.SET_PRIMARY, Capability.ADD_THUMBNAILS, Capability.REMOVE_THUMBNAILS,
        Capability.RENAME_PERSON, Capability.DELETE_PERSON, Capability.MERGE_PEOPLE, Capability.RECEIVE_PUBLISHED,
        Capability.FIND_IN_MEDIA,
    })

    def __init__(self, access_key: str, secret_key: str, workspace: str, base_url: str = DEFAULT_BASE_URL, *,
                 transport: httpx.AsyncBaseTransport | None = None, sleep=asyncio.sleep, ca_bundle: str = "",
                 clock=None):
        if not access_key or not secret_key:
            raise AuthFailed(f"{SERVICE} needs an access key and a secret key.")
        if workspace and not WORKSPACE_NAME.fullmatch(workspace):
            raise InvalidInput(f"{SERVICE} workspace names are 3 to 63 lower-case letters, digits and hyphens; "
                               f"{workspace!r} is not one.")
        register_secret(secret_key)
        self.base_url = (base_url or DEFAULT_BASE_URL).rstrip("/")
        self.workspace = workspace
        self.display_name = f"{SERVICE} ({workspace or 'no workspace yet'})"
        self._sleep = sleep
        signing = NcpSignature(access_key, secret_key, clock or time.time)
        self._api = make_client(self.base_url, inner=transport, auth=signing, sleep=sleep, expect_json=True,
                                ca_bundle=ca_bundle)
        self._storage = make_client(inner=transport, sleep=sleep, ca_bundle=ca_bundle)  # presigned: no signature
        self._recent = Recent()
        ticks = clock or time.monotonic
        self.presign_limit = TokenBucket(1, 50 / 60, clock=ticks, sleep=sleep)  # 50 a minute, never a burst over
        self.status_limit = TokenBucket(1, 1000 / 60, clock=ticks, sleep=sleep)  # 1,000 a minute

    # -- plumbing -------------------------------------------------------------------

    def _ws(self, rest: str = "") -> str:
        return f"/api/v1/workspaces/{self.workspace}{rest}"

    async def _result(self, method: str, path: str, **kwargs):
        """Send a signed request; the envelope's `result`, or the domain error for its code."""
        if method != "GET":
            self._recent.forget()
        body = json_of(await send(self._api, method, path, SERVICE, **kwargs), SERVICE)
        if not isinstance(body, dict):
            raise Unavailable(f"{SERVICE} answered with something Faceboard cannot read: not an object.")
        code = str(body.get("code", "0"))
        if code != "0":
            raise InvalidInput(f"{SERVICE}: {body.get('message') or 'refused'} (code {code}).")
        return body.get("result")

    async def _storage_put(self, url: str, image: bytes) -> None:
        kind = imaging.MIME_TYPES.get(imaging.sniff(image), "application/octet-stream")
        await send(self._storage, "PUT", url, f"{SERVICE} storage", content=image, headers={"content-type": kind})

    async def _upload(self, image: bytes, presign: str, complete: str, name_field: str, key_field: str,
                      url_field: str, min_side: int, complete_field: str) -> str:
        """Presign, PUT, confirm; the key the service then knows the picture by."""
        if len(image) > MAX_BYTES:
            raise InvalidInput(f"The picture is {len(image) / 2**20:.1f} MB; {SERVICE} takes at most 5 MB.")
        width, height = await asyncio.to_thread(imaging.picture_size, image)
        if min(width, height) < min_side:
            raise InvalidInput(f"The picture is {width}×{height} pixels; {SERVICE} needs at least {min_side} "
                               "on each side: choose a larger one.")
        suffix = "png" if imaging.sniff(image) == "PNG" else "jpg"
        name = f"faceboard-{hashlib.sha1(image).hexdigest()[:16]}.{suffix}"
        for attempt in range(2):  # an address refused (expired, used) is asked for again, once
            await self.presign_limit.acquire()
            issued = await self._result("POST", presign, json={name_field: name}) or {}
            key, url = issued.get(key_field), issued.get(url_field)
            if not isinstance(key, str) or not isinstance(url, str):
                raise Unavailable(f"{SERVICE} gave no upload address.")
            try:
                await self._storage_put(url, image)  # at once: the address lives 15 minutes and serves one upload
                break
            except AuthFailed:
                if attempt:
                    raise Unavailable(f"{SERVICE} storage refused the upload twice (an expired address?).") \
                        from None
        async for attempt in tries(COMPLETE_RETRY, self._sleep):
            await self.status_limit.acquire()
            status = await self._result("POST", complete, json={complete_field: key}) or {}
            if status.get("uploadStatus") == "COMPLETED":
                return status.get(complete_field) or status.get(key_field) or key  # HEIC: the JPEG's key
            message = status.get("uploadMessage")
            if message != "FILE_NOT_EXIST" or COMPLETE_RETRY.gives_up(attempt):
                reason = UPLOAD_MESSAGES.get(message, message or "no reason given").format(side=min_side)
                raise InvalidInput(f"{SERVICE} did not take the picture: {reason}.")

    def _person(self, data: dict) -> tuple[Person, list[Thumbnail]]:
        if not isinstance(data, dict):
            raise Unavailable(f"{SERVICE} answered with something Faceboard cannot read: a person is not an object.")
        raw_id = data.get("personId", data.get("id"))
        if not isinstance(raw_id, (int, str)) or isinstance(raw_id, bool):
            raise Unavailable(f"{SERVICE} answered with something Faceboard cannot read: a person has no id.")
        person_id = str(raw_id)
        thumbnails = []
        for item in data.get("thumbnails") or data.get("thumbnailList") or []:
            if isinstance(item, dict) and isinstance(item.get("id"), (int, str)) and isinstance(item.get("url"), str):
                ref = ImageRef(f"ncp-mi:{self.base_url}:{self.workspace}:thumbnail:{item['id']}", item["url"])
                thumbnails.append(Thumbnail(str(item["id"]), person_id, ref, bool(item.get("isPrimaryThumbnail"))))
        primary = next((t for t in thumbnails if t.is_primary), None)
        count = data.get("assetCount")
        person = Person(person_id, str(data.get("name") or "Unnamed person"),
                        primary_thumbnail_id=primary.id if primary else None,
                        face_count=count if isinstance(count, int) else len(thumbnails),
                        primary_image=primary.image if primary else None)
        return person, thumbnails

    async def _detail(self, person_id: str) -> tuple[Person, list[Thumbnail]]:
        """The person and their thumbnails, read once for everyone who looks a moment later."""
        _int_id(person_id, "person")
        if (recent := self._recent.get(person_id)) is None:
            recent = self._person(await self._result("GET", self._ws(f"/persons/{person_id}")))
            self._recent.put(person_id, recent)
        return recent

    # -- reading ----------------------------------------------------------------------

    async def workspaces(self) -> list[str]:
        """The names of the workspaces these keys see, read page by page."""
        names, number, trail = [], 1, Trail(SERVICE)
        while True:
            page = await self._result("GET", "/api/v1/workspaces", params={"pageNum": number, "pageSize": PAGE_SIZE})
            content = page.get("content") if isinstance(page, dict) else None
            if not isinstance(content, list):
                raise Unavailable(f"{SERVICE} answered with something Faceboard cannot read: no workspaces listed.")
            names += [w["workspaceName"] for w in content if isinstance(w, dict) and
                      isinstance(w.get("workspaceName"), str)]
            pages = page.get("totalPage")
            if not content or not isinstance(pages, int) or number >= pages:
                return names
            number = int(trail.follow(str(number + 1), len(content)))

    async def connect(self) -> str:
        """Check the keys and settle the workspace: the only one there is, when none is named."""
        if not self.workspace:
            names = await self.workspaces()
            if len(names) != 1:
                raise InvalidInput(f"Name the {SERVICE} workspace to open: these keys see "
                                   f"{', '.join(names) if names else 'none'}.")
            self.workspace = names[0]
            self.display_name = f"{SERVICE} ({self.workspace})"
        found = await self._result("GET", self._ws())
        name = found.get("workspaceName", self.workspace) if isinstance(found, dict) else self.workspace
        return f"Connected to {SERVICE}, workspace {name}."

    async def list_people(self, cursor: str | None = None, limit: int = 1000,
                          query: PeopleQuery = PeopleQuery()) -> Page[Person]:
        """MI pages by number; it filters by name from two letters on, and does not sort
        this list: the order is the service's."""
        number = int(cursor or 1)
        params = {"pageNum": number, "pageSize": PAGE_SIZE}
        if len(query.text.strip()) >= 2:
            params["name"] = query.text.strip()
        page = await self._result("GET", self._ws("/persons"), params=params) or {}
        content = page.get("content") if isinstance(page, dict) else None
        if not isinstance(content, list):
            raise Unavailable(f"{SERVICE} answered with something Faceboard cannot read: a page has no content.")
        people = [self._person(item)[0] for item in content]
        if query.text.strip():
            people = [p for p in people if query.text.strip().casefold() in p.name.casefold()]
        pages = page.get("totalPage")
        more = isinstance(pages, int) and number < pages and bool(content)
        return Page(tuple(people), str(number + 1) if more else None)

    async def person(self, person_id: str) -> Person:
        return (await self._detail(person_id))[0]

    async def list_thumbnails(self, person_id: str) -> list[Thumbnail]:
        return (await self._detail(person_id))[1]

    async def read_image(self, uri: str) -> bytes:
        if not uri.startswith(("https://", "http://")):
            raise InvalidInput(f"{SERVICE} gave an image address Faceboard will not open.")
        try:
            return (await send(self._storage, "GET", uri, f"{SERVICE} storage")).content
        except AuthFailed:  # presigned URLs expire: the person's detail gives fresh ones
            raise NotFound(f"{SERVICE}: the picture's address has expired; reload the person.") from None

    # -- changing ---------------------------------------------------------------------

    async def set_primary_thumbnail(self, person_id: str, thumbnail_id: str) -> Person:
        """MI refuses a thumbnail that is not the person's with only "Invalid Request.":
        then the person's own are looked up, to name them."""
        _int_id(person_id, "person")
        try:
            data = await self._result("PATCH", self._ws(f"/persons/{person_id}"),
                                      json={"primaryThumbnailId": _int_id(thumbnail_id, "thumbnail")})
        except InvalidInput:
            theirs = [t.id for t in (await self._detail(person_id))[1]]
            if thumbnail_id in theirs:
                raise
            raise NotFound(f"{SERVICE}: person {person_id} has no thumbnail {thumbnail_id}; choose one of theirs: "
                           f"{', '.join(theirs) or 'they have none'}.") from None
        return self._person(data)[0] if isinstance(data, dict) and data else (await self._detail(person_id))[0]

    async def upload_thumbnail(self, image: bytes) -> str:
        return await self._upload(image, self._ws("/person-thumbnail/uploads/presigned-url"),
                                  self._ws("/person-thumbnail/uploads/complete"), "thumbnailFileName",
                                  "thumbnailKey", "url", MIN_THUMBNAIL_SIDE, "thumbnailKey")

    async def add_thumbnail(self, person_id: str, image: bytes, primary: bool = False) -> Thumbnail:
        before = {t.id for t in (await self._detail(person_id))[1]}
        key = await self.upload_thumbnail(image)
        data = await self._result("POST", self._ws(f"/persons/{person_id}/person-thumbnail"),
                                  json={"thumbnails": [{"thumbnailKey": key, "isPrimaryThumbnail": primary}]})
        listed = self._person({"id": person_id, **(data or {})})[1]
        added = [t for t in listed if t.id not in before]
        if not added:
            raise Unavailable(f"{SERVICE} took the picture but did not list it as a thumbnail.")
        return added[-1]

    async def remove_thumbnails(self, person_id: str, thumbnail_ids: Sequence[str]) -> None:
        current = {t.id for t in (await self._detail(person_id))[1]}
        if current and current <= set(thumbnail_ids):
            raise Conflict(f"{SERVICE} keeps at least one thumbnail for each person: add another picture "
                           "before removing this one.")
        ids = [_int_id(t, "thumbnail") for t in thumbnail_ids]
        await self._result("DELETE", self._ws(f"/persons/{person_id}/person-thumbnail"),
                           json={"thumbnailIds": ids})

    async def update_person(self, person_id: str, *, name: str | None = None, hidden: bool | None = None) -> Person:
        if hidden is not None:
            raise Unsupported(f"{SERVICE} cannot hide people.")
        _int_id(person_id, "person")
        if name is not None and not 1 <= len(name.strip()) <= 50:
            raise InvalidInput(f"{SERVICE} names are 1 to 50 characters long.")
        await self._result("PATCH", self._ws(f"/persons/{person_id}"), json={"name": name})
        return (await self._detail(person_id))[0]

    async def delete_person(self, person_id: str) -> None:
        _int_id(person_id, "person")
        await self._result("DELETE", self._ws(f"/persons/{person_id}"))

    async def merge_people(self, target_id: str, source_ids: Sequence[str]) -> Person:
        """MI merges at most ten at once, and cannot undo a merge."""
        _int_id(target_id, "person")
        ids = [_int_id(s, "person") for s in source_ids]
        for start in range(0, len(ids), MERGE_AT_ONCE):
            await self._result("POST", self._ws(f"/persons/{target_id}/merge"),
                               json={"personIds": ids[start : start + MERGE_AT_ONCE]})
        return (await self._detail(target_id))[0]

    creates_people = True  # a publication with nothing to link to makes a new person
    min_picture_side = MIN_THUMBNAIL_SIDE

    @staticmethod
    def keeps(publication: Publication) -> Publication:
        """The primary and the other thumbnails; MI keeps no face crops."""
        return replace(publication, faces=())

    @staticmethod
    def takes(publication: Publication) -> bool:
        """Whether the publication holds anything this backend keeps."""
        return publication.primary is not None or bool(publication.thumbnails)

    @staticmethod
    def preview(target: Person | None, publication: Publication) -> tuple[str, ...]:
        pictures = (publication.primary is not None) + len(publication.thumbnails)
        upload = f"upload {count(pictures, 'thumbnail')} (each at least 256 pixels, at most 5 MB)"
        if target is None:
            return upload, f"create {publication.name} with them, the primary flagged as primary"
        return upload, f"add them to {target.name}, the primary flagged as primary"

    async def publish(self, person_id: str | None, publication: Publication,
                      progress: Progress | None = None) -> PublishResult:
        """The thumbnails, the primary first and flagged so; a person created with them
        when there is none yet (MI wants a person's thumbnails when it is created)."""
        images = [publication.primary, *publication.thumbnails] if publication.primary else list(publication.thumbnails)
        if not images:
            raise InvalidInput(f"{publication.name} has no thumbnail to publish.")
        items: list[tuple[str, FaceboardError | None]] = []
        keys: list[tuple[str, bool]] = []
        delivered: list[bytes] = []
        for at, image in enumerate(images):
            label = "primary thumbnail" if at == 0 and publication.primary else f"thumbnail {at + 1}"
            try:
                keys.append((await self.upload_thumbnail(image), at == 0 and publication.primary is not None))
                delivered.append(image)
                items.append((f"upload {label}", None))
            except (InvalidInput, Conflict) as error:
                items.append((f"upload {label}", error))
            if progress is not None:
                progress.report(at + 1, len(images) + 1)
        if not keys:
            return PublishResult(None, tuple(items))
        thumbnails = [{"thumbnailKey": key, "isPrimaryThumbnail": primary} for key, primary in keys]
        if not any(primary for _, primary in keys):
            thumbnails[0]["isPrimaryThumbnail"] = person_id is None  # a new person needs exactly one primary
        if person_id is None:
            data = await self._result("POST", self._ws("/persons"),
                                      json={"name": publication.name[:50], "thumbnails": thumbnails})
            person = self._person(data)[0]
            items.append((f"create {person.name} with {count(len(keys), 'thumbnail')}", None))
        else:
            await self._result("POST", self._ws(f"/persons/{person_id}/person-thumbnail"),
                               json={"thumbnails": thumbnails})
            person = (await self._detail(person_id))[0]
            items.append((f"add {count(len(keys), 'thumbnail')} to {person.name}", None))
        if progress is not None:
            progress.report(len(images) + 1, len(images) + 1)
        return PublishResult(person, tuple(items), tuple(delivered))

    min_query_side = MIN_QUERY_SIDE

    async def find_in_media(self, image: bytes) -> list[MediaHit]:
        """Upload the face as a query asset and search the workspace's media with it."""
        key = await self._upload(image, "/api/v1/query-assets/uploads/presigned-url",
                                 "/api/v1/query-assets/uploads/complete", "assetFileName", "assetFileKey",
                                 "presignedUploadUrl", MIN_QUERY_SIDE, "assetKey")
        started = await self._result("POST", self._ws("/assets/search"),
                                     json={"query": {"imageQuery": key}, "queryOption": {"confidenceLevel": "MEDIUM"}})
        search_id = (started or {}).get("searchId")
        if search_id is None:
            raise Unavailable(f"{SERVICE} did not start the search.")
        async for _ in tries(SEARCH_POLL, self._sleep):
            page = await self._result("GET", self._ws(f"/assets/search/{search_id}"),
                                      params={"pageNum": 1, "pageSize": 100}) or {}
            if page.get("status") == "COMPLETED":
                return [MediaHit(str(hit.get("assetId")), str(hit.get("assetName") or hit.get("assetId")),
                                 hit.get("score")) for hit in page.get("results") or [] if isinstance(hit, dict)]
            if page.get("status") == "FAILED":
                raise Unavailable(f"{SERVICE} could not finish the search.")
        raise Unavailable(f"{SERVICE} did not finish the search in time.")

    async def close(self) -> None:
        await self._api.aclose()
        await self._storage.aclose()
