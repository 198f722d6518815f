"""SuperOffice CRM's WebAPI (REST v1): contact persons and their one image.

A SuperOffice person has a single picture, which Faceboard shows as their one, primary
thumbnail: `GET Person/{id}/Image` (404 = none), `PUT` with the bytes and their
Content-Type sets it (answering the blob id), `DELETE` removes it. Persons are listed
with OData paging (`$select`, `$top`, `$skip`, `odata.nextLink`). Authentication is what
the installation uses: `Basic` (onsite), `Bearer` (an Online access token) or `SOTicket`
with the `SO-AppToken` header. No rate is documented; ten calls a second is kept to.

Base URL: `https://{env}.superoffice.com/{tenant}/api/v1`, or an onsite `…/api/v1`.
Sources: ../shared/seeds 001, ../shared/reference/ncp_superoffice_opencv.md (B).
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Sequence
from dataclasses import replace

import httpx

from faceboard import imaging
from faceboard.backends.base import PublishResult
from faceboard.backends.http import TokenBucket, error_for, failure, json_of, make_client, server_message
from faceboard.backends.without_faces import WithoutFaces
from faceboard.domain import Capability, ImageRef, Page, PeopleQuery, Person, Progress, Publication, Thumbnail
from faceboard.errors import AuthFailed, InvalidInput, NotFound, Unavailable
from faceboard.redaction import register_secret

SERVICE = "SuperOffice"
PAGE_SIZE = 200
AUTH_KINDS = ("bearer", "basic", "soticket")
IMAGE_KINDS = ("PNG", "JPEG", "GIF", "TIFF")  # what a person's image may be
BAD_IMAGE = "the picture is missing or the person id is not valid"
REFUSED = {  # per kind of credential: what SuperOffice did not accept, and what to do about it
    "bearer": ("access token", "it may have expired. Sign in to SuperOffice for a new one and give it again "
                               "(the connection's access token; on the command line FACEBOARD_SUPEROFFICE_TOKEN)"),
    "basic": ("user name and password", "check them (the connection's user and password; on the command line "
                                        "FACEBOARD_SUPEROFFICE_USER and FACEBOARD_SUPEROFFICE_PASSWORD)"),
    "soticket": ("ticket and application token", "a ticket expires: get a new one and give it again with the "
                                                 "application token (SO-AppToken) of your application"),
}


def authorization(kind: str, secret: str, user: str = "") -> str:
    """The Authorization header for an installation's kind of credential."""
    if kind == "bearer":
        return f"Bearer {secret}"
    if kind == "basic":
        if not user:
            raise AuthFailed(f"{SERVICE} Basic authentication needs a user name.")
        return "Basic " + base64.b64encode(f"{user}:{secret}".encode()).decode()
    if kind == "soticket":
        return f"SOTicket {secret}"
    raise InvalidInput(f"{SERVICE} authentication is one of {', '.join(AUTH_KINDS)}; not {kind!r}.")


def content_type(image: bytes) -> str:
    kind = imaging.sniff(image)
    if kind not in IMAGE_KINDS:
        raise InvalidInput(f"{SERVICE} takes PNG, JPEG, GIF or TIFF pictures" + (f", not {kind}." if kind else "."))
    return imaging.MIME_TYPES[kind]


def _person_id(value: str) -> int:
    if not value.isdigit() or int(value) > 2**31 - 1:
        raise InvalidInput(f"{SERVICE} person ids are numbers; {value!r} is not one.")
    return int(value)


class SuperOffice(WithoutFaces):
    capabilities = frozenset({
        Capability.ADD_THUMBNAILS, Capability.REMOVE_THUMBNAILS, Capability.ONE_IMAGE, Capability.RECEIVE_PUBLISHED,
    })

    def __init__(self, base_url: str, secret: str, *, auth: str = "bearer", user: str = "", app_token: str = "",
                 transport: httpx.AsyncBaseTransport | None = None, sleep=asyncio.sleep, ca_bundle: str = ""):
        if not base_url:
            raise InvalidInput(f"Give the {SERVICE} address, like https://online.superoffice.com/Cust12345/api/v1.")
        if not secret:
            raise AuthFailed(f"No {SERVICE} credential: a token, ticket or password is needed.")
        if auth == "soticket" and not app_token:
            raise AuthFailed(f"{SERVICE} tickets need the application token (SO-AppToken) too.")
        register_secret(secret)
        register_secret(app_token)
        self._auth = auth
        self.base_url = base_url.rstrip("/")
        self.display_name = f"{SERVICE} ({self.base_url})"
        headers = {"authorization": authorization(auth, secret, user), "accept": "application/json"}
        if app_token:
            headers["so-apptoken"] = app_token
        self._api = make_client(self.base_url + "/", inner=transport, headers=headers, sleep=sleep,
                                limiter=TokenBucket(10, 10, sleep=sleep), ca_bundle=ca_bundle)

    async def _send(self, method: str, path: str, **kwargs) -> httpx.Response:
        """A request; a credential refused (401) is said with what to do about it."""
        try:
            response = await self._api.request(method, path, **kwargs)
        except httpx.RequestError as error:
            raise failure(error, SERVICE) from None
        if response.status_code == 401:
            what, todo = REFUSED[self._auth]
            raise AuthFailed(f"{SERVICE} did not accept the {what} ({server_message(response)}): {todo}.")
        if (error := error_for(response, SERVICE)) is not None:  # a moved tenant answers 421
            raise error
        return response

    async def _json(self, path: str, **kwargs):
        return json_of(await self._send("GET", path, **kwargs), SERVICE)

    def _person(self, data: dict) -> Person:
        raw = data.get("PersonId", data.get("personId", data.get("PrimaryKey"))) if isinstance(data, dict) else None
        if not isinstance(raw, int) or isinstance(raw, bool):
            raise Unavailable(f"{SERVICE} answered with something Faceboard cannot read: a person has no id.")
        name = data.get("FullName") or data.get("fullName") or " ".join(
            str(data.get(k) or "") for k in ("Firstname", "Lastname")).strip()
        return Person(str(raw), name or "Unnamed person")

    # -- reading ----------------------------------------------------------------------

    async def connect(self) -> str:
        me = await self._json("User/currentPrincipal")
        who = me.get("FullName") or me.get("Associate") if isinstance(me, dict) else None
        return f"Connected to {SERVICE}" + (f" as {who}." if who else ".")

    async def list_people(self, cursor: str | None = None, limit: int = 1000,
                          query: PeopleQuery = PeopleQuery()) -> Page[Person]:
        skip = int(cursor or 0)
        params = {"$select": "personId,fullName", "$top": PAGE_SIZE, "$skip": skip,
                  "$orderBy": "fullName asc" if query.sort == "name" else "personId asc"}
        text = query.text.strip().replace("'", "''")
        if text:
            params["$filter"] = f"fullName contains '{text}'"
        page = await self._json("Person", params=params)
        rows = page.get("value") if isinstance(page, dict) else None
        if not isinstance(rows, list):
            raise Unavailable(f"{SERVICE} answered with something Faceboard cannot read: a page has no value.")
        people = [self._person(row) for row in rows]
        more = bool(page.get("odata.nextLink")) and bool(rows)
        return Page(tuple(people), str(skip + len(rows)) if more else None)

    async def person(self, person_id: str) -> Person:
        return self._person(await self._json(f"Person/{_person_id(person_id)}"))

    async def _blob(self, person_id: str) -> str | None:
        info = await self._json(f"Person/{_person_id(person_id)}/ImageInfo")
        blob = info.get("BlobId") if isinstance(info, dict) else None
        return str(blob) if blob not in (None, "", 0) else None

    async def list_thumbnails(self, person_id: str) -> list[Thumbnail]:
        """The person's image, if any: one thumbnail, the primary, cached under its blob id."""
        blob = await self._blob(person_id)
        if blob is None:
            return []
        ref = ImageRef(f"superoffice:{self.base_url}:blob:{blob}", f"Person/{_person_id(person_id)}/Image")
        return [Thumbnail(blob, person_id, ref, is_primary=True)]

    async def read_image(self, uri: str) -> bytes:
        if not uri.startswith("Person/"):
            raise InvalidInput(f"{SERVICE} images are read from a person's Image.")
        response = await self._send("GET", uri, headers={"accept": "image/png, image/jpeg, image/gif, image/tiff"})
        return response.content

    # -- changing ---------------------------------------------------------------------

    async def add_thumbnail(self, person_id: str, image: bytes, primary: bool = False) -> Thumbnail:
        """Replaces the person's image (SuperOffice keeps one)."""
        pid = _person_id(person_id)
        try:
            response = await self._send("PUT", f"Person/{pid}/Image", content=image,
                                        headers={"content-type": content_type(image)})
        except InvalidInput as error:
            if "bitmap" in error.message.lower():
                raise InvalidInput(f"{SERVICE} refused the picture for person {pid}: {BAD_IMAGE}.") from None
            raise
        try:
            blob = str(int(response.json()))
        except (ValueError, TypeError, OverflowError, RecursionError):
            raise Unavailable(f"{SERVICE} saved the picture but did not answer with its id.") from None
        ref = ImageRef(f"superoffice:{self.base_url}:blob:{blob}", f"Person/{pid}/Image")
        return Thumbnail(blob, person_id, ref, is_primary=True)

    async def remove_thumbnails(self, person_id: str, thumbnail_ids: Sequence[str]) -> None:
        await self._send("DELETE", f"Person/{_person_id(person_id)}/Image")

    creates_people = False  # a publication with nothing to link to makes a new person
    min_picture_side = 0

    @staticmethod
    def keeps(publication: Publication) -> Publication:
        """The primary alone: it becomes the person's one image."""
        return replace(publication, thumbnails=(), faces=())

    @staticmethod
    def takes(publication: Publication) -> bool:
        """Whether the publication holds anything this backend keeps."""
        return publication.primary is not None

    @staticmethod
    def preview(target: Person | None, publication: Publication) -> tuple[str, ...]:
        if target is None:
            return ()
        return (f"replace the image of {target.name} with the primary thumbnail",)

    async def publish(self, person_id: str | None, publication: Publication,
                      progress: Progress | None = None) -> PublishResult:
        """The primary thumbnail becomes the person's image. SuperOffice persons belong to
        companies and are made in the CRM: Faceboard only fills one in."""
        if person_id is None:
            raise InvalidInput(f"Link {publication.name} to a {SERVICE} person first: Faceboard does not create "
                               "CRM contacts.")
        if publication.primary is None:
            raise InvalidInput(f"{publication.name} has no primary thumbnail to publish.")
        people = await self.get_people([person_id])
        if not people:
            raise NotFound(f"{SERVICE} has no person {person_id}.")
        person = people[0]
        await self.add_thumbnail(person_id, publication.primary)
        if progress is not None:
            progress.report(1, 1)
        return PublishResult(person, ((f"set the image of {person.name}", None),), (publication.primary,))

    async def close(self) -> None:
        await self._api.aclose()
