"""What a drag carries, in QMimeData: Faceboard's own mime types for faces, a
thumbnail and people, and files. The payloads are `services.drops`' (judged there, without Qt)."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import QMimeData

from faceboard.domain import count
from faceboard.services.drops import FacesPayload, FilesPayload, Payload, PeoplePayload, ThumbnailPayload

FACES_MIME = "application/x-faceboard-faces"
THUMBNAIL_MIME = "application/x-faceboard-thumbnail"
PEOPLE_MIME = "application/x-faceboard-people"


def faces_mime(face_ids: list[str], source_person_id: str | None) -> QMimeData:
    mime = QMimeData()
    mime.setData(FACES_MIME, json.dumps({"faces": face_ids, "source": source_person_id}).encode())
    mime.setText(count(len(face_ids), "face"))
    return mime


def thumbnail_mime(person_id: str, thumbnail_id: str) -> QMimeData:
    mime = QMimeData()
    mime.setData(THUMBNAIL_MIME, json.dumps({"person": person_id, "thumbnail": thumbnail_id}).encode())
    return mime


def people_mime(person_ids: list[str]) -> QMimeData:
    mime = QMimeData()
    mime.setData(PEOPLE_MIME, json.dumps({"people": person_ids}).encode())
    return mime


def read_payload(mime: QMimeData) -> Payload | None:
    """The payload of a drag, or None when it carries nothing Faceboard understands."""
    try:
        if mime.hasFormat(FACES_MIME):
            data = json.loads(bytes(mime.data(FACES_MIME).data()))
            return FacesPayload(tuple(str(f) for f in data["faces"]), data["source"])
        if mime.hasFormat(THUMBNAIL_MIME):
            data = json.loads(bytes(mime.data(THUMBNAIL_MIME).data()))
            return ThumbnailPayload(str(data["person"]), str(data["thumbnail"]))
        if mime.hasFormat(PEOPLE_MIME):
            return PeoplePayload(tuple(str(p) for p in json.loads(bytes(mime.data(PEOPLE_MIME).data()))["people"]))
    except (ValueError, KeyError, TypeError):
        return None
    if mime.hasUrls():
        paths = tuple(Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile())
        if paths:
            return FilesPayload(paths)
    return None
