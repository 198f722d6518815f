"""Gumnut's JSON answers read straight into domain objects.

The SDK builds a pydantic model of every answer first: 22 ms for a page of 200 faces,
on the GUI thread's event loop (benchmarks/scale.py --gumnut, profiled). Reading the few
fields Faceboard uses costs a tenth of that, and checks them: a missing or mistyped field
becomes a clear `Unavailable` naming it, never an AttributeError further on.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TypeVar

from faceboard.domain import BoundingBox, Face, ImageRef, Person, Photo, Suggestion
from faceboard.errors import Unavailable

SERVICE = "Gumnut"
T = TypeVar("T")
_NUMBER = (int, float)


def unreadable(what: str) -> Unavailable:
    return Unavailable(f"{SERVICE} answered with something Faceboard cannot read: {what}.")


def _get(data: dict, key: str, kinds, where: str, optional: bool = False):
    value = data.get(key) if isinstance(data, dict) else None
    if value is None:
        if optional and isinstance(data, dict):
            return None
        raise unreadable(f"{where} has no {key}")
    if not isinstance(value, kinds) or (kinds is _NUMBER and isinstance(value, bool)):
        raise unreadable(f"{where}.{key} is {type(value).__name__}")
    return value


def _coordinate(box: dict, key: str, where: str) -> int:
    """A bounding box's edge or size in pixels: a number, finite and not negative (JSON
    as Python reads it allows NaN and Infinity)."""
    value = _get(box, key, _NUMBER, where, optional=True)
    if value is None:
        return 0
    if not math.isfinite(value) or value < 0:
        raise unreadable(f"{where}.{key} is {value}")
    return int(value)


def _thumbnail_url(data: dict, where: str) -> str | None:
    urls = _get(data, "asset_urls", dict, where, optional=True) or {}
    thumbnail = urls.get("thumbnail")
    return None if thumbnail is None else _get(thumbnail, "url", str, f"{where}.asset_urls.thumbnail")


def face_from(data: dict) -> Face:
    face_id = _get(data, "id", str, "a face")
    where = f"face {face_id}"
    box = _get(data, "bounding_box", dict, where, optional=True) or {}
    x, y, w, h = (_coordinate(box, k, f"{where}.bounding_box") for k in "xywh")
    assignment = _get(data, "cluster_assignment", dict, where, optional=True) or {}
    candidates = _get(assignment, "candidates", list, f"{where}.cluster_assignment", optional=True) or []
    confidence = _get(data, "confidence", _NUMBER, where, optional=True)
    return Face(
        id=face_id, person_id=_get(data, "person_id", str, where, optional=True),
        asset_id=_get(data, "asset_id", str, where),
        box=BoundingBox(x, y, w, h),
        image=ImageRef(f"gumnut:face:{face_id}", _thumbnail_url(data, where) or ""),
        confidence=None if confidence is None else float(confidence),
        suggestions=tuple(Suggestion(c["person_id"], c["name"]) for c in candidates if isinstance(c, dict)
                          and isinstance(c.get("name"), str) and isinstance(c.get("person_id"), str)),
    )


def person_from(data: dict) -> Person:
    person_id = _get(data, "id", str, "a person")
    where = f"person {person_id}"
    thumbnail_face = _get(data, "thumbnail_face_id", str, where, optional=True)
    url = _thumbnail_url(data, where)
    image = ImageRef(f"gumnut:person:{person_id}:{thumbnail_face}", url) if url and thumbnail_face else None
    metrics = _get(data, "cluster_metrics", dict, where, optional=True)
    if metrics is not None:
        count = _get(metrics, "face_count", int, f"{where}.cluster_metrics")
    else:
        count = _get(data, "asset_count", int, where, optional=True) or 0
    return Person(id=person_id, name=_get(data, "name", str, where, optional=True) or "Unnamed person",
                  hidden=bool(_get(data, "is_hidden", bool, where, optional=True)),
                  primary_thumbnail_id=thumbnail_face, face_count=count, primary_image=image)


PHOTO_RUNGS = ("preview", "fullsize", "small", "thumbnail")  # the picture of a photo shown, first found (1440 px first)


def photo_from(data: dict, faces: list[Face]) -> Photo:
    """An asset (read with `include=variants`) and its faces as the photo view shows them.
    An edited asset's boxes are on the original upload's pixels, not the edit shown: its
    faces are left off rather than drawn in the wrong places."""
    asset_id = _get(data, "id", str, "an asset")
    where = f"asset {asset_id}"
    width = _get(data, "width", int, where, optional=True) or 0
    height = _get(data, "height", int, where, optional=True) or 0
    urls = _get(data, "asset_urls", dict, where, optional=True) or {}
    rung = next((r for r in PHOTO_RUNGS if isinstance(urls.get(r), dict)), None)
    url = "" if rung is None else _get(urls[rung], "url", str, f"{where}.asset_urls.{rung}")
    edited = (_get(data, "kind", str, where, optional=True) or "original") != "original"
    problem = None
    if width <= 0 or height <= 0:
        problem = f"{SERVICE} does not know the size of this photo (a video?), so its faces cannot be placed."
    elif not url:
        problem = f"{SERVICE} has no picture of this photo yet."
    return Photo(asset_id, ImageRef(f"gumnut:asset:{asset_id}:{rung}", url), width, height,
                 () if edited else tuple(faces), problem)


def page_from(data: dict, item: Callable[[dict], T], limit: int) -> tuple[list[T], bool]:
    """The items of a `{data, has_more}` page, and whether more follow. A page larger
    than asked for is a server gone wrong, refused before it fills the memory."""
    rows = _get(data, "data", list, "a page")
    if len(rows) > limit:
        raise unreadable(f"a page holds {len(rows):,} items where at most {limit} were asked for")
    more = _get(data, "has_more", bool, "a page", optional=True) or False
    return [item(row) for row in rows], more


def cursor_after(items: list, more: bool, previous: str | None) -> str | None:
    """Where the next page starts; refuses a server that would keep a reader going in circles."""
    if not more:
        return None
    if not items:
        raise unreadable("an empty page says more follow")
    if items[-1].id == previous:
        raise unreadable("the same page came again")
    return items[-1].id

