"""A fake OpenCV Face Recognition, both editions, as ../shared/seeds/003 (the FR
Server's `PUT /persons`) and ../shared/reference/ncp_superoffice_opencv.md (C, the cloud
API) document them.

Every request needs `x-api-key` (missing: 401 ERR_API_KEY_NOT_PRESENT; wrong: 403
ERR_API_KEY_NOT_VALID). The server's bulk enroll checks the collection name
(ERR_INVALID_COLLECTION_NAME), that the collection exists (ERR_NOT_FOUND), the storage
type and that each face is a picture (ERR_UNPROCESSABLE_CONTENT); `database_failures`
makes the next requests fail with ERR_DATABASE_ERROR. The cloud takes 1 to 3 images a
request and `take` up to 100, answering FastAPI's 422 otherwise. Listing is the same in
both (the seed does not give the server's).
"""

from __future__ import annotations

import base64
import binascii
import io
import itertools
import json
import re
import urllib.parse
from dataclasses import dataclass, field

from PIL import Image

from .server import Call

ENROLL_MAX = 100  # persons a PUT /persons takes at once (an assumption: the seed gives none)


@dataclass
class FrPerson:
    id: str
    name: str
    collections: list
    thumbnails: list = field(default_factory=list)  # [(id, base64)]
    metadata: dict = field(default_factory=dict)


@dataclass
class FakeOpenCvFr:
    edition: str = "server"
    api_key: str = "frKEYfake0042secret"
    collections: dict = field(default_factory=lambda: {"staff": "c0ffee00-0000-4000-8000-000000000001"})
    persons: dict = field(default_factory=dict)
    database_failures: int = 0
    calls: list = field(default_factory=list)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    @classmethod
    def seeded(cls, names=("Alice Archer", "Bob Baker"), **kwargs) -> "FakeOpenCvFr":
        fake = cls(**kwargs)
        for n, name in enumerate(names):
            person = FrPerson(f"p{n + 1}", name, [fake.collections["staff"]])
            person.thumbnails.append(fake._thumbnail(face((40 * n, 100, 200))))
            fake.persons[person.id] = person
        return fake

    def _thumbnail(self, data: bytes) -> tuple[str, str]:
        return f"t{next(self._ids)}", base64.b64encode(data).decode()

    # -- serving ----------------------------------------------------------------------

    def handle(self, method, path, query, headers, body):
        parsed = json.loads(body) if body else None
        self.calls.append(Call(method, path, query, headers, parsed))
        key = headers.get("x-api-key")
        if not key:
            return self._error(401, "ERR_API_KEY_NOT_PRESENT", "The API key is missing from the request.")
        if key != self.api_key:
            return self._error(403, "ERR_API_KEY_NOT_VALID", "The API key is not valid.")
        if self.database_failures:
            self.database_failures -= 1
            return self._error(400, "ERR_DATABASE_ERROR", "An error occurred while connecting with the database, "
                                                          "please retry your request later.")
        parts = [urllib.parse.unquote(p) for p in path.strip("/").split("/")]
        try:
            return self._route(method, parts, query, parsed or {})
        except LookupError:
            return self._error(404, "ERR_NOT_FOUND", "The requested entity could not be found.")
        except ValueError as invalid:
            return self._json(422, {"detail": [{"loc": ["body"], "msg": str(invalid), "type": "value_error"}]})

    @staticmethod
    def _json(status, payload):
        return status, {"content-type": "application/json"}, json.dumps(payload).encode()

    def _error(self, status, code, message):
        return self._json(status, {"code": code, "message": message})

    def _person_json(self, person: FrPerson) -> dict:
        return {"id": person.id, "name": person.name, "gender": None, "date_of_birth": None, "nationality": None,
                "notes": None, "create_date": "2026-01-01T00:00:00", "modified_date": "2026-01-01T00:00:00",
                "collections": [{"id": c, "name": next(n for n, i in self.collections.items() if i == c)}
                                for c in person.collections],
                "thumbnails": [{"id": tid, "thumbnail": data} for tid, data in person.thumbnails]}

    @staticmethod
    def _take(query) -> tuple[int, int]:
        skip, take = int(query.get("skip", ["0"])[0]), int(query.get("take", ["20"])[0])
        if skip < 0 or not 0 <= take <= 100:
            raise ValueError("take is 0 to 100")
        return skip, take

    @staticmethod
    def _images(images) -> list[bytes]:
        if not isinstance(images, list) or not 1 <= len(images) <= 3:
            raise ValueError("images holds 1 to 3 pictures")
        return [_picture(image) for image in images]

    def _route(self, method, parts, query, body):
        if parts == ["collections"] and method == "GET":
            skip, take = self._take(query)
            text = query.get("search", [""])[0].casefold()
            found = [{"id": i, "name": n, "count": sum(i in p.collections for p in self.persons.values())}
                     for n, i in self.collections.items() if text in n.casefold()]
            return self._json(200, {"count": len(found), "collections": found[skip : skip + take]})
        if parts[0] == "persons" and len(parts) == 2 and method == "GET":
            if parts[1] not in self.collections.values():
                raise LookupError
            skip, take = self._take(query)
            text = query.get("search", [""])[0].casefold()
            found = sorted((p for p in self.persons.values() if parts[1] in p.collections
                            and text in p.name.casefold()), key=lambda p: p.name.casefold())
            return self._json(200, {"count": len(found),
                                    "persons": [self._person_json(p) for p in found[skip : skip + take]]})
        if parts == ["persons"] and method == "PUT" and self.edition == "server":
            return self._enroll(body)
        if self.edition == "cloud":
            return self._cloud(method, parts, body)
        if parts[0] == "person" and len(parts) == 2 and method == "GET":
            return self._json(200, self._person_json(self.persons[parts[1]]))
        raise LookupError

    def _enroll(self, body):
        name = body.get("collection_name")
        if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9_.-]+", name):
            return self._error(400, "ERR_INVALID_COLLECTION_NAME", "Collection names can only contain alphanumeric "
                                    "characters, underscores, hyphens, and periods.")
        if name not in self.collections:
            raise LookupError
        persons = body.get("persons")
        if (body.get("face_storage_type") not in ("NoStorage", "StoreThumbnails", "StoreFullImage")
                or not isinstance(persons, list) or not 1 <= len(persons) <= ENROLL_MAX):
            return self._error(422, "ERR_UNPROCESSABLE_CONTENT", "The posted JSON is malformed or contains fields "
                                    "that are not of the correct type.")
        results = []
        for entry in persons:
            try:
                data = _picture(entry.get("face_base_64"))
                pid, pname = entry["person_id"], entry["person_name"]
                if not isinstance(pid, str) or not isinstance(pname, str):
                    raise ValueError
            except (ValueError, KeyError, TypeError, AttributeError):
                results.append({"code": "ERR_UNPROCESSABLE_CONTENT", "message": "Each person needs person_id, "
                                "person_name and one face.", "metadata": {}})
                continue
            person = self.persons.get(pid) or FrPerson(pid, pname, [])
            enrolled = pid not in self.persons
            person.name, person.metadata = pname, dict(entry.get("metadata") or {})
            if self.collections[name] not in person.collections:
                person.collections.append(self.collections[name])
            if body["face_storage_type"] == "StoreThumbnails":
                person.thumbnails.append(self._thumbnail(data))
            self.persons[pid] = person
            results.append({"code": "OK", "message": "enrolled" if enrolled else "updated", "metadata": person.metadata})
        return self._json(200, results)

    def _cloud(self, method, parts, body):
        if parts == ["person"] and method == "POST":
            images = self._images(body.get("images"))
            pid = body.get("id") or f"auto{next(self._ids)}"
            if pid in self.persons:
                raise ValueError(f"person {pid} exists")
            for collection in body.get("collections") or []:
                if collection not in self.collections.values():
                    raise LookupError
            person = FrPerson(pid, body.get("name") or pid, list(body.get("collections") or []))
            person.thumbnails = [self._thumbnail(i) for i in images]
            self.persons[pid] = person
            return self._json(201, self._person_json(person))
        if parts == ["person"] and method == "PATCH":
            person = self.persons[body.get("id")]
            if "name" in body:
                person.name = body["name"]
            return self._json(200, self._person_json(person))
        if parts == ["person", "images"] and method == "POST":
            person = self.persons[body.get("person_id")]
            added = [self._thumbnail(i) for i in self._images(body.get("images"))]
            person.thumbnails += added
            return self._json(201, [{"id": tid, "person_id": person.id, "thumbnail": data} for tid, data in added])
        if parts[0] == "person" and len(parts) == 2 and method in ("GET", "DELETE"):
            person = self.persons[parts[1]]
            if method == "DELETE":
                del self.persons[person.id]
                return self._json(200, {"id": person.id})
            return self._json(200, self._person_json(person))
        if parts[:2] == ["person", "image"] and len(parts) == 4 and method == "DELETE":
            person = self.persons[parts[2]]
            if parts[3] not in [tid for tid, _ in person.thumbnails]:
                raise LookupError
            person.thumbnails = [(tid, d) for tid, d in person.thumbnails if tid != parts[3]]
            return self._json(200, {"id": parts[3]})
        raise LookupError


def _picture(encoded) -> bytes:
    try:
        data = base64.b64decode(encoded, validate=True)
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
    except (binascii.Error, TypeError, ValueError, OSError):
        raise ValueError("a picture is not a base64 image") from None
    return data


def face(colour, size=(112, 112)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "JPEG")
    return out.getvalue()
