"""A fake NAVER Cloud Media Intelligence, as ../shared/seeds (000, 002) and
../shared/reference/ncp_superoffice_opencv.md (A) document it.

It checks what the API Gateway checks before MI sees a request: the three signature
headers, a timestamp within five minutes of its clock, and the signature v2 over the
exact request target (`:path`); refusals are the gateway's `{"error": {"errorCode",
"message"}}`. MI's own answers are `{code, message, result}`. Thumbnails go through
presigned Object Storage URLs (15 minutes, one use), a confirmation, then a person;
presigning is refused with 429 beyond 50 a minute. A person keeps at least one
thumbnail and exactly one primary.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import itertools
import json
import time
import urllib.parse
from dataclasses import dataclass, field

from PIL import Image

from .server import Call

MAX_BYTES = 5 * 1024 * 1024


def sign(secret: str, method: str, target: str, timestamp: str, access_key: str) -> str:
    message = f"{method} {target}\n{timestamp}\n{access_key}".encode()
    return base64.b64encode(hmac.new(secret.encode(), message, hashlib.sha256).digest()).decode()


@dataclass
class MiPerson:
    id: int
    name: str
    thumbnails: list = field(default_factory=list)  # [{"id", "key", "primary"}]


@dataclass
class FakeMediaIntelligence:
    access_key: str = "ncpAKIDfake0001"
    secret_key: str = "ncpSECRETfake0001xyz"
    workspace: str = "family-ws"
    base_url: str = "http://mi.test"
    clock: object = time.time
    persons: dict = field(default_factory=dict)
    objects: dict = field(default_factory=dict)  # storage key -> bytes
    completed: set = field(default_factory=set)  # keys confirmed by uploads/complete
    media: list = field(default_factory=list)  # assets a face search finds: {"assetId", "assetName", "score"}
    other_workspaces: list = field(default_factory=list)
    expire_uploads: int = 0  # the next presigned upload addresses to refuse, as if they had expired
    search_looks: int = 2  # a search is asynchronous: it completes at this look
    endless_workspaces: bool = False  # hostile: each page of workspaces says another follows, with a new name
    calls: list = field(default_factory=list)
    _uploads: dict = field(default_factory=dict)  # token -> (key, issued at, used)
    _presigned: list = field(default_factory=list)  # times of presign calls, for the 50-a-minute limit
    _searches: dict = field(default_factory=dict)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1001))

    @classmethod
    def seeded(cls, people=("Alice Archer", "Bob Baker", "Carla Cruz"), **kwargs) -> "FakeMediaIntelligence":
        fake = cls(**kwargs)
        for n, name in enumerate(people):
            person = fake.add_person(name)
            for k in range(2):
                fake.add_thumbnail(person, picture((60 * n % 256, 90, 40 * k)), primary=k == 0)
        return fake

    def add_person(self, name: str) -> MiPerson:
        person = MiPerson(next(self._ids), name)
        self.persons[person.id] = person
        return person

    def add_thumbnail(self, person: MiPerson, image: bytes, primary: bool = False) -> dict:
        key = f"{self.workspace}/seed/{next(self._ids)}.jpg"
        self.objects[key] = image
        if primary:
            for thumbnail in person.thumbnails:
                thumbnail["primary"] = False
        thumbnail = {"id": next(self._ids), "key": key, "primary": primary}
        person.thumbnails.append(thumbnail)
        return thumbnail

    # -- serving ----------------------------------------------------------------------

    def handle(self, method, path, query, headers, body):
        parsed = json.loads(body) if body and headers.get("content-type", "").startswith("application/json") else None
        self.calls.append(Call(method, path, query, headers, body if parsed is None else parsed))
        if path.startswith("/storage/"):
            return self._storage(method, path, query, body)
        refused = self._gateway(method, headers)
        if refused is not None:
            return refused
        parts = [urllib.parse.unquote(p) for p in path.strip("/").split("/")]
        try:
            return self._json(200, {"code": "0", "message": "success", "result": self._route(method, parts, query,
                                                                                             parsed or {})})
        except LookupError as missing:
            return self._json(404, {"code": "40400", "message": str(missing.args[0])})
        except ValueError as invalid:
            return self._json(400, {"code": "10001", "message": str(invalid.args[0])})
        except PermissionError as limited:
            return self._json(429, {"error": {"errorCode": "420", "message": str(limited.args[0])}})

    def _gateway(self, method, headers):
        """The API Gateway's checks, in its order: headers, clock, signature."""
        def refuse(message):
            return self._json(401, {"error": {"errorCode": "200", "message": message}})

        timestamp, key = headers.get("x-ncp-apigw-timestamp"), headers.get("x-ncp-iam-access-key")
        signature = headers.get("x-ncp-apigw-signature-v2")
        if not timestamp or not key or not signature:
            return refuse("Authentication Failed: the signature headers are missing")
        if key != self.access_key:
            return refuse("Authentication Failed: unknown access key")
        if not timestamp.isdigit() or abs(int(timestamp) - self.clock() * 1000) > 5 * 60 * 1000:
            return refuse("Authentication Failed: the timestamp is more than 5 minutes from the server's clock")
        if not hmac.compare_digest(signature, sign(self.secret_key, method, headers[":path"], timestamp, key)):
            return refuse("Authentication Failed: the signature does not match")
        return None

    @staticmethod
    def _json(status, payload):
        return status, {"content-type": "application/json;charset=UTF-8"}, json.dumps(payload).encode()

    def _storage(self, method, path, query, body):
        """Object Storage behind presigned URLs: a PUT within 15 minutes, once; GETs of thumbnails."""
        token = path.rsplit("/", 1)[-1]
        if method == "PUT" and token in self._uploads:
            key, issued, used = self._uploads[token]
            expired = self.expire_uploads > 0
            self.expire_uploads -= expired
            if expired or used or self.clock() - issued > 15 * 60 or query.get("X-Amz-Signature") != ["presigned"]:
                return 403, {"content-type": "application/xml"}, b"<Error><Code>AccessDenied</Code></Error>"
            self._uploads[token] = (key, issued, True)
            self.objects[key] = body
            return 200, {}, b""
        if method == "GET" and path.startswith("/storage/read/") and query.get("X-Amz-Signature") == ["presigned"]:
            key = urllib.parse.unquote(token)
            if key in self.objects:
                return 200, {"content-type": "image/jpeg"}, self.objects[key]
        return 403, {"content-type": "application/xml"}, b"<Error><Code>AccessDenied</Code></Error>"

    # -- MI ---------------------------------------------------------------------------

    def _route(self, method, parts, query, body):
        if parts[:3] == ["api", "v1", "query-assets"]:
            return self._uploading(method, parts[3:], body, "assetFileName", "assetFileKey", "presignedUploadUrl",
                                   "assetKey", 224)
        if parts == ["api", "v1", "workspaces"] and method == "GET":
            if "pageNum" not in query:
                raise ValueError("pageNum is required.")
            number, size = int(query["pageNum"][0]), int(query.get("pageSize", ["1000"])[0])
            names = [self.workspace, *self.other_workspaces]
            if self.endless_workspaces:
                return {"content": [{"workspaceName": f"ws-{number}"}], "totalPage": number + 1, "pageNo": number}
            return {"content": [{"workspaceName": n} for n in names[(number - 1) * size : number * size]],
                    "totalCount": len(names), "totalPage": max(1, -(-len(names) // size)), "pageNo": number}
        if parts[:3] != ["api", "v1", "workspaces"] or len(parts) < 4:
            raise LookupError("No such API")
        if parts[3] != self.workspace:
            raise LookupError(f"Workspace {parts[3]} does not exist.")
        rest = parts[4:]
        if not rest and method == "GET":
            return {"workspaceName": self.workspace}
        if rest[:1] == ["person-thumbnail"]:
            return self._uploading(method, rest[1:], body, "thumbnailFileName", "thumbnailKey", "url",
                                   "thumbnailKey", 256)
        if rest[:1] == ["persons"]:
            return self._persons(method, rest[1:], query, body)
        if rest[:2] == ["assets", "search"]:
            return self._search(method, rest[2:], body)
        raise LookupError("No such API")

    def _uploading(self, method, rest, body, name_field, key_field, url_field, complete_field, min_side):
        if method == "POST" and rest == ["uploads", "presigned-url"]:
            now = self.clock()
            self._presigned = [t for t in self._presigned if now - t < 60] + [now]
            if len(self._presigned) > 50:
                raise PermissionError("Rate Limited: at most 50 presigned URLs a minute")
            name = body.get(name_field)
            if not isinstance(name, str) or not name.lower().endswith((".jpg", ".jpeg", ".png", ".webp", ".heic")):
                raise ValueError(f"{name_field} must name a jpg, png or webp file.")
            token = hashlib.sha1(f"{name}{now}{len(self._uploads)}".encode()).hexdigest()
            key = f"{self.workspace}/uploads/{token[:10]}/{name}"
            self._uploads[token] = (key, now, False)
            url = f"{self.base_url}/storage/upload/{token}?X-Amz-Signature=presigned&X-Amz-Expires=900"
            return {key_field: key, url_field: url, "expirationSeconds": 900}
        if method == "POST" and rest == ["uploads", "complete"]:
            key = body.get(complete_field)
            data = self.objects.get(key)
            if data is None:
                return {complete_field: key, "uploadStatus": "FAILED", "uploadMessage": "FILE_NOT_EXIST"}
            if len(data) > MAX_BYTES:
                return {complete_field: key, "uploadStatus": "FAILED", "uploadMessage": "OVER_SIZE_LIMIT"}
            try:
                with Image.open(io.BytesIO(data)) as image:
                    small = min(image.size) < min_side
            except OSError:
                return {complete_field: key, "uploadStatus": "FAILED", "uploadMessage": "FILE_NOT_EXIST"}
            if small:
                return {complete_field: key, "uploadStatus": "FAILED", "uploadMessage": "RESOLUTION_NOT_SUPPORT"}
            if key.lower().endswith(".heic"):  # MI converts HEIC and answers with the JPEG's key
                self.objects[key[:-5] + ".jpg"] = data
                key = key[:-5] + ".jpg"
            self.completed.add(key)
            return {complete_field: key, "uploadStatus": "COMPLETED", "uploadMessage": None}
        raise LookupError("No such API")

    def _person_json(self, person: MiPerson) -> dict:
        return {"id": person.id, "name": person.name, "tags": [], "thumbnails": [
            {"id": t["id"], "isPrimaryThumbnail": t["primary"],
             "url": f"{self.base_url}/storage/read/{urllib.parse.quote(t['key'], safe='')}"
                    f"?X-Amz-Signature=presigned&X-Amz-Expires=900"} for t in person.thumbnails]}

    def _thumbnails_from(self, items) -> list[dict]:
        if not isinstance(items, list) or not items or len(items) > 100:
            raise ValueError("thumbnails must hold 1 to 100 items.")
        made = []
        for item in items:
            key = item.get("thumbnailKey") if isinstance(item, dict) else None
            if key not in self.completed:
                raise ValueError(f"Thumbnail {key} was not uploaded.")
            if not isinstance(item.get("isPrimaryThumbnail"), bool):
                raise ValueError("isPrimaryThumbnail is required.")
            made.append({"id": next(self._ids), "key": key, "primary": item["isPrimaryThumbnail"]})
        return made

    def _persons(self, method, rest, query, body):
        if not rest and method == "GET":
            if "pageNum" not in query:
                raise ValueError("pageNum is required.")
            number, size = int(query["pageNum"][0]), int(query.get("pageSize", ["1000"])[0])
            if number < 1 or not 1 <= size <= 1000:
                raise ValueError("pageNum is at least 1 and pageSize 1 to 1000.")
            name = query.get("name", [""])[0]
            if name and not 2 <= len(name) <= 50:
                raise ValueError("name is 2 to 50 characters.")
            found = [p for p in self.persons.values() if name.casefold() in p.name.casefold()]
            page = found[(number - 1) * size : number * size]
            return {"content": [self._person_json(p) for p in page], "totalCount": len(found),
                    "totalPage": max(1, -(-len(found) // size)), "pageNo": number, "pageSize": size}
        if not rest and method == "POST":
            name = body.get("name")
            if not isinstance(name, str) or not 1 <= len(name.strip()) <= 50:
                raise ValueError("name is 1 to 50 characters.")
            if any(p.name == name for p in self.persons.values()):
                raise ValueError(f"A person named {name} already exists.")
            made = self._thumbnails_from(body.get("thumbnails"))
            if sum(t["primary"] for t in made) != 1:
                raise ValueError("Exactly one thumbnail must be the primary.")
            person = self.add_person(name)
            person.thumbnails = made
            return self._person_json(person)
        if not rest[0].isdigit() or int(rest[0]) not in self.persons:
            raise LookupError(f"Person {rest[0]} does not exist.")
        person = self.persons[int(rest[0])]
        if rest[1:] == [] and method == "GET":
            return self._person_json(person)
        if rest[1:] == [] and method == "PATCH":
            if "primaryThumbnailId" in body:
                ids = [t["id"] for t in person.thumbnails]
                if body["primaryThumbnailId"] not in ids:
                    raise ValueError("Invalid Request.")  # 10001, all the documented table says
                for t in person.thumbnails:
                    t["primary"] = t["id"] == body["primaryThumbnailId"]
            if "name" in body:
                if not isinstance(body["name"], str) or not 1 <= len(body["name"].strip()) <= 50:
                    raise ValueError("name is 1 to 50 characters.")
                person.name = body["name"]
            return self._person_json(person)
        if rest[1:] == [] and method == "DELETE":
            del self.persons[person.id]
            return None
        if rest[1:] == ["merge"] and method == "POST":
            ids = body.get("personIds")
            if not isinstance(ids, list) or not 1 <= len(ids) <= 10 or person.id in ids:
                raise ValueError("personIds holds 1 to 10 other persons.")
            for other in ids:
                if other not in self.persons:
                    raise LookupError(f"Person {other} does not exist.")
            for other in ids:
                moved = self.persons.pop(other).thumbnails
                person.thumbnails.extend({**t, "primary": False} for t in moved)
            return {"personId": person.id, "transferredAssetCount": 0, "transferredThumbnailCount": 0,
                    "mergedTime": "2026-11-23T12:00:00Z"}
        if rest[1:] == ["person-thumbnail"] and method == "POST":
            made = self._thumbnails_from(body.get("thumbnails"))
            if any(t["primary"] for t in made):
                for t in person.thumbnails:
                    t["primary"] = False
            person.thumbnails.extend(made)
            return {"personId": person.id, "thumbnailList": self._person_json(person)["thumbnails"]}
        if rest[1:] == ["person-thumbnail"] and method == "DELETE":
            ids = set(body.get("thumbnailIds") or [])
            kept = [t for t in person.thumbnails if t["id"] not in ids]
            if not kept:
                raise ValueError("A person keeps at least one thumbnail.")
            if not any(t["primary"] for t in kept):
                kept[0]["primary"] = True
            person.thumbnails = kept
            return {"personId": person.id, "thumbnailList": self._person_json(person)["thumbnails"]}
        raise LookupError("No such API")

    def _search(self, method, rest, body):
        if not rest and method == "POST":
            key = (body.get("query") or {}).get("imageQuery")
            if key not in self.completed:
                raise ValueError("imageQuery must be an uploaded query asset.")
            search_id = f"search-{len(self._searches) + 1}"
            self._searches[search_id] = 0
            return {"searchId": search_id}
        if len(rest) == 1 and method == "GET" and rest[0] in self._searches:
            self._searches[rest[0]] += 1
            if self._searches[rest[0]] < self.search_looks:
                return {"status": "IN_PROGRESS"}
            return {"status": "COMPLETED", "totalCount": len(self.media), "results": self.media}
        raise LookupError("No such search")


def picture(colour, size=(320, 320)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "JPEG")
    return out.getvalue()
