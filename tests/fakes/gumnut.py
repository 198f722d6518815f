"""A fake Gumnut API (https://api.gumnut.ai) as documented in shared/reference/gumnut.md.

It enforces what the real one does: Bearer auth (401 `{"detail": str}`), `limit` and
`ids` above 200 (422 with FastAPI's `{"detail": [...]}`), cursor paging with
`starting_after_id` and `{data, has_more}`, people sorted and filtered (`name_filter`,
`include_hidden`), faces newest first, 404 for unknown ids, a weighted token bucket
(400 tokens, 100/s; listing costs 5) answering 429 with `Retry-After` and the
`X-RateLimit-*` headers on every answer. Crops are served from a CDN path that refuses
requests carrying an Authorization header.

A hostile server's paging, for tests (`paging`): "circle" starts again from the first
page after the last, always saying more follow (two pages alternate forever);
"endless" adds a page of new items after the last, and another, forever.
"""

from __future__ import annotations

import io
import itertools
import json
import time
import urllib.parse
from dataclasses import dataclass, field

from PIL import Image

from .server import Call

LIMIT_MAX = 200


def _quote(segment: str) -> str:
    return urllib.parse.quote(segment, safe="")


@dataclass
class FakePerson:
    id: str
    name: str | None
    is_hidden: bool = False
    thumbnail_face_id: str | None = None
    created: int = 0


@dataclass
class FakeFace:
    id: str
    asset_id: str
    box: dict
    person_id: str | None
    created: int = 0
    confidence: float | None = 0.9  # None for a face drawn by hand
    source: str = "automatic"  # or "manual": drawn by hand


@dataclass
class FakeAsset:
    """A photo: its size (display space, upright) and whether an edit is its current rendering."""

    id: str
    width: int = 2000
    height: int = 1500
    kind: str = "original"


@dataclass
class FakeGumnut:
    api_key: str = "apikey_fakeSECRET123"
    base_url: str = "http://gumnut.test"
    libraries: dict = field(default_factory=lambda: {"lib_main": "Family photos"})
    people: dict = field(default_factory=dict)
    faces: dict = field(default_factory=dict)
    assets: dict = field(default_factory=dict)  # asset id -> FakeAsset; any face's asset exists, 2000×1500 unless here
    clock: object = time.monotonic
    rate_limited: bool = True
    calls: list = field(default_factory=list)
    fail: dict = field(default_factory=dict)  # (method, path) -> (status, body, times left)
    paging: str = ""  # "", "circle" or "endless"
    _tokens: float = 400.0
    _stamp: float | None = None
    _counter: int = 0
    _by_person: dict | None = None  # person id -> faces, built once per request

    # -- seeding ------------------------------------------------------------------

    @classmethod
    def seeded(cls, people: int = 5, faces_per_person: int = 4, unassigned: int = 6, **kwargs) -> "FakeGumnut":
        fake = cls(**kwargs)
        names = ["Alice Archer", "Bob Baker", "Carla Cruz", "Dev Dutta", "Eve Eriksen", "Femi Falola", "Gia Gold"]
        for p in range(people):
            person = fake.add_person(names[p % len(names)] + ("" if p < len(names) else f" {p}"))
            for _ in range(faces_per_person):
                face = fake.add_face(person.id)
                person.thumbnail_face_id = person.thumbnail_face_id or face.id
        for _ in range(unassigned):
            fake.add_face(None)
        return fake

    def _next(self, prefix: str) -> tuple[str, int]:
        self._counter += 1
        return f"{prefix}_{self._counter:06d}x", self._counter

    def add_person(self, name: str | None, hidden: bool = False) -> FakePerson:
        pid, n = self._next("person")
        self.people[pid] = FakePerson(pid, name, hidden, created=n)
        return self.people[pid]

    def add_face(self, person_id: str | None) -> FakeFace:
        fid, n = self._next("face")
        self.faces[fid] = FakeFace(fid, f"asset_{n:06d}", {"x": 10 * n, "y": 20, "w": 96, "h": 120}, person_id, n)
        return self.faces[fid]

    # -- serving ------------------------------------------------------------------

    def handle(self, method: str, path: str, query: dict, headers: dict, body: bytes):
        self._by_person = None
        parsed = json.loads(body) if body else None
        self.calls.append(Call(method, path, query, headers, parsed))
        if path.startswith("/cdn/"):
            return self._cdn(path, headers)
        if headers.get("authorization") != f"Bearer {self.api_key}":
            return self._json(401, {"detail": "Invalid or expired token"})
        cost = 5 if method == "GET" and path.rstrip("/") in ("/api/people", "/api/faces", "/api/libraries") else 1
        limited = self._charge(cost)
        if limited is not None:
            return limited
        failure = self.fail.get((method, path))
        if failure is not None:
            status, error_body, left = failure
            if left <= 1:
                del self.fail[(method, path)]
            else:
                self.fail[(method, path)] = (status, error_body, left - 1)
            if isinstance(error_body, bytes):
                kind = "application/json" if error_body.lstrip()[:1] in (b"{", b"[") else "text/html"
                return status, {"content-type": kind, **self._rate_headers(cost)}, error_body
            return self._json(status, error_body, cost)
        try:
            status, answer = self._route(method, path, query, parsed)
        except LookupError as missing:
            return self._json(404, {"detail": str(missing.args[0])}, cost)
        except ValueError as invalid:
            return self._json(422, {"detail": [invalid.args[0]]}, cost)
        return self._json(status, answer, cost)

    def _charge(self, cost: float):
        if not self.rate_limited:
            return None
        now = self.clock()
        if self._stamp is not None:
            self._tokens = min(400.0, self._tokens + (now - self._stamp) * 100)
        self._stamp = now
        if self._tokens < cost - 1e-6:
            wait = max(1, int((cost - self._tokens) / 100 + 0.999))
            return self._json(429, {"detail": "Rate limit exceeded"}, cost, {"Retry-After": str(wait)})
        self._tokens -= cost
        return None

    def _rate_headers(self, cost) -> dict:
        return {"X-RateLimit-Limit": "400", "X-RateLimit-Remaining": str(int(self._tokens)), "X-RateLimit-Cost": str(cost)}

    def _json(self, status, payload, cost=1, extra=None):
        headers = {"content-type": "application/json", **self._rate_headers(cost), **(extra or {})}
        return status, headers, json.dumps(payload).encode()

    def asset(self, asset_id: str) -> FakeAsset:
        """The asset, made on first sight for any face's asset id; LookupError for others."""
        if asset_id not in self.assets:
            if not any(f.asset_id == asset_id for f in self.faces.values()):
                raise LookupError(f"Asset {asset_id} not found")
            self.assets[asset_id] = FakeAsset(asset_id)
        return self.assets[asset_id]

    def _cdn(self, path: str, headers: dict):
        if "authorization" in headers:  # signed URLs: a leaked API key is refused, as a CDN would
            return 403, {"content-type": "text/plain"}, b"Authorization header not allowed on signed URLs"
        if path.startswith("/cdn/assets/"):  # the preview rung: 1440 px on the longest edge
            try:
                asset = self.asset(urllib.parse.unquote(path.split("/")[3]))
            except LookupError:
                return 404, {"content-type": "text/plain"}, b"no such object"
            scale = 1440 / max(asset.width, asset.height)
            out = io.BytesIO()
            Image.new("RGB", (round(asset.width * scale), round(asset.height * scale)), (90, 120, 150)).save(out, "JPEG")
            return 200, {"content-type": "image/jpeg"}, out.getvalue()
        face_id = urllib.parse.unquote(path.rsplit("/", 1)[-1]).removesuffix(".jpg")
        if face_id not in self.faces:
            return 404, {"content-type": "text/plain"}, b"no such object"
        n = self.faces[face_id].created
        out = io.BytesIO()
        Image.new("RGB", (96, 96), ((n * 53) % 256, (n * 97) % 256, (n * 31) % 256)).save(out, "JPEG")
        return 200, {"content-type": "image/jpeg"}, out.getvalue()

    # -- the API ------------------------------------------------------------------

    def _limit(self, query) -> int:
        raw = query.get("limit", ["20"])[0]
        limit = int(raw)
        if not 1 <= limit <= LIMIT_MAX:
            raise ValueError({"loc": ["query", "limit"], "msg": "Input should be less than or equal to 200",
                              "type": "less_than_equal", "input": raw})
        return limit

    @staticmethod
    def _many(query, key) -> list[str]:
        values = [v for raw in query.get(key, []) for v in raw.split(",") if v]
        if len(values) > LIMIT_MAX:
            raise ValueError({"loc": ["query", key], "msg": "List should have at most 200 items", "type": "too_long"})
        return values

    def _library(self, query, body=None) -> None:
        library = (body or {}).get("library_id") or query.get("library_id", [None])[0]
        if library is not None and library not in self.libraries:
            raise LookupError(f"Library {library} not found")

    def _page(self, items, query, serialize, invent):
        limit = self._limit(query)
        after = query.get("starting_after_id", [None])[0]
        rest = items
        if after is not None:
            ids = [i.id for i in items]
            if after in ids:
                rest = items[ids.index(after) + 1 :]
            elif self.paging == "endless":  # one of the items it invented
                rest = []
            else:
                raise LookupError(f"Cursor {after} not found")
        if self.paging == "circle" and not rest:
            rest = items
        if self.paging == "endless" and len(rest) <= limit:
            rest = [*rest, *(invent() for _ in range(limit + 1 - len(rest)))]
        return 200, {"data": [serialize(i) for i in rest[:limit]], "has_more": bool(self.paging) or len(rest) > limit}

    def _invented_person(self) -> FakePerson:
        pid, n = self._next("person")
        return FakePerson(pid, f"Invented {n}", created=n)

    def _invented_face(self) -> FakeFace:
        fid, n = self._next("face")
        return FakeFace(fid, f"asset_{n:06d}", {"x": 0, "y": 0, "w": 96, "h": 120}, None, n)

    def _face_json(self, face: FakeFace, include) -> dict:
        data = {
            "id": face.id, "asset_id": face.asset_id, "bounding_box": face.box, "person_id": face.person_id,
            "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z", "source": face.source,
            "confidence": face.confidence, "timestamp_ms": None,
            "asset_urls": {"thumbnail": {"url": f"{self.base_url}/cdn/faces/{_quote(face.id)}.jpg?sig=cdnSIGNATURE&exp=1",
                                         "mimetype": "image/jpeg", "width": 96}},
        }
        if "cluster_assignment" in include:
            others = list(itertools.islice((p for p in self.people.values() if p.id != face.person_id and p.name), 2))
            data["cluster_assignment"] = {
                "distance_to_person": 0.2 if face.person_id else None,
                "candidates": [{"person_id": p.id, "distance": 0.3 + i / 10, "name": p.name} for i, p in enumerate(others)],
            }
        return data

    def _asset_json(self, asset: FakeAsset, include) -> dict:
        """The lean asset, with every rung of `asset_urls` when `include=variants`."""
        base = f"{self.base_url}/cdn/assets/{_quote(asset.id)}"
        rungs = ("thumbnail", "small", "preview", "fullsize", "original") if "variants" in include else ("thumbnail",)
        return {
            "id": asset.id, "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z",
            "current_version_id": "asset_version_1", "kind": asset.kind, "local_datetime": "2025-06-01T12:00:00",
            "mime_type": "image/jpeg", "original_file_name": f"{asset.id}.jpg", "width": asset.width,
            "height": asset.height,
            "asset_urls": {rung: {"url": f"{base}/{rung}.jpg?sig=cdnSIGNATURE", "mimetype": "image/jpeg",
                                  "width": None} for rung in rungs},
        }

    def _faces_of(self, person_id: str) -> list[FakeFace]:
        if self._by_person is None:  # one pass over all faces per request, not one per person
            self._by_person = {}
            for face in self.faces.values():
                self._by_person.setdefault(face.person_id, []).append(face)
        return self._by_person.get(person_id, [])

    def _person_json(self, person: FakePerson, include) -> dict:
        faces = self._faces_of(person.id)
        data = {
            "id": person.id, "name": person.name, "is_hidden": person.is_hidden, "is_favorite": False,
            "birth_date": None, "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z",
            "asset_count": len({f.asset_id for f in faces}), "thumbnail_face_id": person.thumbnail_face_id,
            "asset_urls": None if person.thumbnail_face_id is None else {"thumbnail": {
                "url": f"{self.base_url}/cdn/faces/{_quote(person.thumbnail_face_id)}.jpg?sig=cdnSIGNATURE",
                "mimetype": "image/jpeg", "width": 96}},
        }
        if "cluster_metrics" in include:
            data["cluster_metrics"] = {"face_count": len(faces), "pairwise_mean": 0.3, "pairwise_p90": 0.4}
        return data

    def _route(self, method, path, query, body):
        parts = [urllib.parse.unquote(part) for part in path.strip("/").split("/")]
        include = set(self._many(query, "include"))
        if parts == ["api", "libraries"] and method == "GET":
            return 200, [{"id": k, "name": v, "asset_count": 0, "storage_used_bytes": 0,
                          "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z",
                          "user_id": "intuser_1"} for k, v in self.libraries.items()]
        if parts[:2] == ["api", "people"]:
            return self._people(method, parts[2:], query, body, include)
        if parts[:2] == ["api", "faces"]:
            return self._faces(method, parts[2:], query, body, include)
        if parts[:2] == ["api", "assets"] and len(parts) == 3 and method == "GET":
            return 200, self._asset_json(self.asset(parts[2]), include)
        raise LookupError(f"Not Found: {path}")

    def _people(self, method, rest, query, body, include):
        if not rest and method == "GET":
            self._library(query)
            ids = self._many(query, "ids")
            name_filter = query.get("name_filter", ["all" if ids else "named"])[0]
            hidden = query.get("include_hidden", ["false"])[0] == "true"
            part = query.get("name", [""])[0].casefold()
            people = [p for p in self.people.values()
                      if (not ids or p.id in ids) and (hidden or not p.is_hidden)
                      and (name_filter == "all" or (name_filter == "named") == bool(p.name))
                      and part in (p.name or "").casefold()]
            sort = query.get("sort", ["created_at_desc"])[0]
            if sort == "name_asc":
                people.sort(key=lambda p: ((p.name or "\uffff").casefold(), p.id))
            elif sort.startswith("asset_count"):
                assets = {p.id: len({f.asset_id for f in self._faces_of(p.id)}) for p in people}
                people.sort(key=lambda p: (assets[p.id] if sort == "asset_count_asc" else -assets[p.id], p.id))
            else:
                people.sort(key=lambda p: p.created, reverse=sort == "created_at_desc")
            return self._page(people, query, lambda p: self._person_json(p, include), self._invented_person)
        if not rest and method == "POST":
            self._library(query, body)
            thumbnail = body.get("thumbnail_face_id")
            if thumbnail is not None and thumbnail not in self.faces:
                raise LookupError(f"Face {thumbnail} not found")
            person = self.add_person(body.get("name"), bool(body.get("is_hidden")))
            person.thumbnail_face_id = thumbnail
            return 200, self._person_json(person, include)
        person = self.people.get(rest[0])
        if person is None:
            raise LookupError(f"Person {rest[0]} not found")
        if rest[1:] == ["merge"] and method == "POST":
            sources = body.get("source_person_ids") or []
            if not 1 <= len(sources) <= 50 or person.id in sources:
                raise ValueError({"loc": ["body", "source_person_ids"], "msg": "1 to 50 other people", "type": "value_error"})
            for source in sources:
                if source not in self.people:
                    raise LookupError(f"Person {source} not found")
            for face in self.faces.values():
                if face.person_id in sources:
                    face.person_id = person.id
            for source in sources:
                del self.people[source]
            return 200, self._person_json(person, include)
        if method == "GET":
            return 200, self._person_json(person, include)
        if method == "PATCH":
            if "thumbnail_face_id" in body:
                face = self.faces.get(body["thumbnail_face_id"])
                if face is None:
                    raise LookupError(f"Face {body['thumbnail_face_id']} not found")
                person.thumbnail_face_id = face.id
            if "name" in body:
                person.name = body["name"]
            if "is_hidden" in body:
                person.is_hidden = bool(body["is_hidden"])
            return 200, self._person_json(person, include)
        if method == "DELETE":
            for face in self.faces.values():
                if face.person_id == person.id:
                    face.person_id = None
            del self.people[person.id]
            return 200, {}
        raise LookupError("Method not allowed")

    def _faces(self, method, rest, query, body, include):
        if not rest and method == "POST":  # a face the user drew: its box must fit the asset
            self._library(query, body)
            asset = self.asset(body.get("asset_id") or "")
            box = body.get("bounding_box") or {}
            if not all(isinstance(box.get(k), int) and box[k] >= 0 for k in "xywh") or not box["w"] or not box["h"] \
                    or box["x"] + box["w"] > asset.width or box["y"] + box["h"] > asset.height:
                raise ValueError({"loc": ["body", "bounding_box"], "msg": "The box must fit inside the asset",
                                  "type": "value_error"})
            fid, n = self._next("face")
            face = self.faces[fid] = FakeFace(fid, asset.id, {k: box[k] for k in "xywh"}, body.get("person_id"), n,
                                              confidence=None, source="manual")
            return 200, self._face_json(face, include)
        if not rest and method == "GET":
            self._library(query)
            ids = self._many(query, "ids")
            person = query.get("person_id", [None])[0]
            asset = query.get("asset_id", [None])[0]
            faces = [f for f in reversed(self.faces.values())  # newest first: the dict is in creation order
                     if (not ids or f.id in ids) and (person is None or f.person_id == person)
                     and (asset is None or f.asset_id == asset)]
            return self._page(faces, query, lambda f: self._face_json(f, include), self._invented_face)
        face = self.faces.get(rest[0])
        if face is None:
            raise LookupError(f"Face {rest[0]} not found")
        if method == "GET":
            return 200, self._face_json(face, include)
        if method == "PATCH":
            self._library(query)
            target = body.get("person_id")
            if target is not None and target not in self.people:
                raise LookupError(f"Person {target} not found")
            face.person_id = target
            return 200, self._face_json(face, include)
        if method == "DELETE":
            del self.faces[face.id]
            return 200, {}
        raise LookupError("Method not allowed")
