"""A fake SuperOffice WebAPI tenant, as ../shared/seeds/001 and
../shared/reference/ncp_superoffice_opencv.md (B) document it.

It checks the Authorization the installation is set up for (Basic, Bearer, or SOTicket
with its SO-AppToken), answers OData pages of persons (`$select`, `$top`, `$skip`,
`$filter` with `contains`, `odata.nextLink`), and keeps one image per person: `PUT`
takes only PNG, JPEG, GIF or TIFF bodies with a matching Content-Type and answers the
new blob id; an empty body or an unknown person is the documented 400.
"""

from __future__ import annotations

import base64
import io
import itertools
import json
import re
import urllib.parse
from dataclasses import dataclass, field

from PIL import Image

from .server import Call

FORMATS = {"image/png": "PNG", "image/jpeg": "JPEG", "image/gif": "GIF", "image/tiff": "TIFF"}
BAD_BITMAP = "Image bitmap is missing from body or person id is not valid."


@dataclass
class FakeSuperOffice:
    tenant: str = "Cust12345"
    auth: str = "bearer"
    token: str = "soTOKENfake0042"
    user: str = "tje0"
    password: str = "soPASSWORDfake0042"
    app_token: str = "soAPPTOKENfake0042"
    persons: dict = field(default_factory=dict)  # id -> full name
    images: dict = field(default_factory=dict)  # id -> (blob id, content type, bytes)
    calls: list = field(default_factory=list)
    _blobs: itertools.count = field(default_factory=lambda: itertools.count(160))

    @classmethod
    def seeded(cls, names=("Alice Archer", "Bob Baker", "Carla Cruz"), **kwargs) -> "FakeSuperOffice":
        fake = cls(**kwargs)
        for n, name in enumerate(names, start=5):
            fake.persons[n] = name
        return fake

    @property
    def prefix(self) -> str:
        return f"/{self.tenant}/api/v1/"

    def _authorized(self, headers) -> bool:
        given = headers.get("authorization", "")
        if self.auth == "bearer":
            return given == f"Bearer {self.token}"
        if self.auth == "basic":
            return given == "Basic " + base64.b64encode(f"{self.user}:{self.password}".encode()).decode()
        return given == f"SOTicket {self.token}" and headers.get("so-apptoken") == self.app_token

    def handle(self, method, path, query, headers, body):
        self.calls.append(Call(method, path, query, headers, body))
        if not path.startswith(self.prefix):
            return self._json(404, {"Error": "Not found", "Message": f"No tenant at {path}"})
        if not self._authorized(headers):
            return self._json(401, {"Error": "Unauthorized", "Message": "Authentication failed: wrong credentials."})
        parts = [urllib.parse.unquote(p) for p in path[len(self.prefix):].split("/")]
        if parts == ["User", "currentPrincipal"] and method == "GET":
            return self._json(200, {"Associate": self.user.upper(), "FullName": "Tje Zero"})
        if parts == ["Person"] and method == "GET":
            return self._list(query)
        if parts[0] != "Person" or len(parts) < 2:
            return self._json(404, {"Error": "Not found", "Message": "No such resource"})
        if not parts[1].isdigit() or int(parts[1]) not in self.persons:
            if parts[2:] == ["Image"] and method in ("PUT", "POST"):
                return self._json(400, {"Error": "Bad request", "Message": BAD_BITMAP})
            return self._json(404, {"Error": "Not found", "Message": f"Person {parts[1]} not found"})
        pid = int(parts[1])
        if parts[2:] == [] and method == "GET":
            first, _, last = self.persons[pid].partition(" ")
            return self._json(200, {"PersonId": pid, "Firstname": first, "Lastname": last,
                                    "FullName": self.persons[pid]})
        if parts[2:] == ["ImageInfo"] and method == "GET":
            blob = self.images.get(pid)
            return self._json(200, {"BlobId": blob[0] if blob else 0, "BlobSize": len(blob[2]) if blob else 0,
                                    "MimeType": blob[1] if blob else "", "ConceptualType": "PERSONPHOTO"})
        if parts[2:] == ["Image"]:
            return self._image(method, pid, headers, body)
        return self._json(404, {"Error": "Not found", "Message": "No such resource"})

    def _image(self, method, pid, headers, body):
        if method == "GET":
            if pid not in self.images:
                return 404, {"content-type": "text/plain"}, b""
            _, kind, data = self.images[pid]
            return 200, {"content-type": kind}, data
        if method in ("PUT", "POST"):
            kind = headers.get("content-type", "").split(";")[0].strip().lower()
            if not body or kind not in FORMATS:
                return self._json(400, {"Error": "Bad request", "Message": BAD_BITMAP})
            try:
                with Image.open(io.BytesIO(body)) as image:
                    if image.format != FORMATS[kind]:
                        raise OSError("the body is not what its Content-Type says")
            except OSError:
                return self._json(400, {"Error": "Bad request", "Message": BAD_BITMAP})
            blob = next(self._blobs)
            self.images[pid] = (blob, kind, body)
            return self._json(200, blob)
        if method == "DELETE":
            self.images.pop(pid, None)
            return 204, {}, b""
        return self._json(405, {"Error": "Method not allowed", "Message": method})

    def _list(self, query):
        top, skip = int(query.get("$top", ["50"])[0]), int(query.get("$skip", ["0"])[0])
        rows = sorted(self.persons.items(), key=lambda item: item[1].casefold()
                      if query.get("$orderBy", [""])[0].startswith("fullName") else item[0])
        wanted = query.get("$filter", [""])[0]
        if wanted:
            match = re.fullmatch(r"fullName contains '((?:[^']|'')*)'", wanted)
            if match is None:
                return self._json(400, {"Error": "Bad request", "Message": f"Cannot parse $filter {wanted}"})
            text = match.group(1).replace("''", "'").casefold()
            rows = [r for r in rows if text in r[1].casefold()]
        page = rows[skip : skip + top]
        answer = {"odata.metadata": "https://fake/api/v1/$metadata",
                  "value": [{"PrimaryKey": pid, "EntityName": "person", "personId": pid, "fullName": name}
                            for pid, name in page]}
        if skip + top < len(rows):
            answer["odata.nextLink"] = f"Person?$top={top}&$skip={skip + top}"
        return self._json(200, answer)

    @staticmethod
    def _json(status, payload):
        return status, {"content-type": "application/json; charset=utf-8"}, json.dumps(payload).encode()
