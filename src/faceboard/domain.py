"""Plain domain objects shared by every layer (immutable, but for the `Progress` a bulk
operation reports to). No I/O, no Qt."""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")
_PLURALS = {"person": "people", "match": "matches"}


def count(n: int | None, noun: str, *, more: bool = False) -> str:
    """"1 person", "3 people", "1,234 faces", "200+ faces" (`more`: the listing goes on),
    or "faces not counted yet" for None."""
    plural = _PLURALS.get(noun.split()[-1])
    many = " ".join(noun.split()[:-1] + [plural]) if plural else f"{noun}s"
    if n is None:
        return f"{many} not counted yet"
    return f"{n:,}{'+' * more} {noun if n == 1 and not more else many}"


@dataclass(frozen=True, slots=True)
class BoundingBox:
    """A face's rectangle in its asset's pixel coordinates (after EXIF orientation)."""

    x: int
    y: int
    width: int
    height: int


@dataclass(frozen=True, slots=True)
class ImageRef:
    """Where an image comes from: `uri` is read through the backend, `box` crops it.

    `key` identifies the pixels for caching: two refs with the same key show the same
    image, whatever their (possibly expiring) uri.
    """

    key: str
    uri: str
    box: BoundingBox | None = None


@dataclass(frozen=True, slots=True)
class Person:
    id: str
    name: str
    hidden: bool = False
    primary_thumbnail_id: str | None = None
    face_count: int = 0
    primary_image: ImageRef | None = None


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A person a face may be: from Faceboard's own comparison of embeddings (with a
    similarity, `recognition.similarity.Calibration.similarity`), or from the backend's (Gumnut's
    candidates, which carry no comparable figure: None)."""

    person_id: str
    name: str
    similarity: float | None = None  # 0..1, 0.5 where the library's rule says "as likely them as not"


@dataclass(frozen=True, slots=True)
class Face:
    id: str
    person_id: str | None
    asset_id: str
    box: BoundingBox
    image: ImageRef
    confidence: float | None = None  # the detector's, 0 to 1; None where the backend gives none
    suggestions: tuple[Suggestion, ...] = ()  # people the backend thinks it may be, likeliest first
    photo_problem: str | None = None  # why its photo cannot be read now ("moved or deleted since it was imported")
    taken: str | None = None  # when its photo was taken, ISO 8601 (EXIF, else the file's time); None if unknown


@dataclass(frozen=True, slots=True)
class Thumbnail:
    id: str
    person_id: str
    image: ImageRef
    is_primary: bool = False
    face_id: str | None = None  # the face it was cut from, where the backend knows: its photo holds more


@dataclass(frozen=True, slots=True)
class Asset:
    id: str
    width: int
    height: int
    image: ImageRef


@dataclass(frozen=True, slots=True)
class Photo:
    """The photo a face came from, with every face found on it: what the photo view shows.
    Boxes are in `width` × `height`, the upright photo's pixels."""

    asset_id: str
    image: ImageRef
    width: int
    height: int
    faces: tuple[Face, ...]
    problem: str | None = None  # why the picture cannot be shown, e.g. the file has moved


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a listing; `next_cursor` is None on the last page."""

    items: tuple[T, ...]
    next_cursor: str | None = None


@dataclass(frozen=True, slots=True)
class PeopleQuery:
    """Which people to list, in which order: the backend filters and sorts, so a list of
    ten thousand people is read page by page, never whole."""

    sort: str = "name"
    text: str = ""  # part of the name, any case
    include_hidden: bool = True


@dataclass(frozen=True, slots=True)
class FacesQuery:
    """In which order to list a person's (or the unassigned) faces: the backend sorts, so
    a list of 100,000 faces is read page by page in that order. "found": as detected;
    "confidence": the detector's surest first; "taken": the newest photos first (undated
    last); "size": the largest boxes first; "least_alike": a person's faces, the one least
    like the rest of them first (`recognition.similarity.least_alike_first`: a misfiled
    face on the first row), faces without an embedding last. "least_alike" is not offered
    on Unassigned (no one's faces, nothing to be unlike): there they are listed as found.
    Ties by id. `show` filters them, in the backend's query too (so the pages still hold):
    "all"; "doubtful": a confidence below DOUBTFUL; "confident": DOUBTFUL or more; "small":
    a box under SMALL_FACE pixels on a side; "missing": its photo's file has moved or gone
    (`Face.photo_problem`); "taken": its photo taken from `taken_from` to `taken_to` (ISO
    dates, both days included; either may be None: no bound), undated photos left out."""

    sort: str = "found"
    show: str = "all"
    taken_from: str | None = None
    taken_to: str | None = None

    def shows(self, face: Face) -> bool:
        """Whether the face passes the filter: what the store asks of a face that joins."""
        c = face.confidence
        match self.show:
            case "doubtful":
                return c is not None and c < DOUBTFUL
            case "confident":
                return c is not None and c >= DOUBTFUL
            case "small":
                return min(face.box.width, face.box.height) < SMALL_FACE
            case "missing":
                return face.photo_problem is not None
            case "taken":
                day = (face.taken or "")[:10]
                return bool(day) and (self.taken_from or "") <= day <= (self.taken_to or "9999-12-31")
        return True

    def key(self, face: Face) -> tuple:
        """Where the face goes in this order, ascending as listed: a face that comes back
        (a move undone) takes its place among those shown, not the end. ("least_alike" is
        no order of single faces: the store puts a face that comes back first.)"""
        ident = (len(face.id), face.id)  # numeric ids in number order; any others in one fixed order
        match self.sort:
            case "confidence":
                return (-(-1.0 if face.confidence is None else face.confidence), ident)
            case "size":
                return (-(face.box.width * face.box.height), ident)
            case "taken":
                return (_Descending(face.taken or ""), ident)
        return (ident,)


class _Descending:
    """A value that sorts the other way round (the newest photo date first)."""

    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value

    def __lt__(self, other: _Descending) -> bool:
        return other.value < self.value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Descending) and other.value == self.value


FACE_SORTS = ("found", "confidence", "taken", "size", "least_alike")
FACE_FILTERS = ("all", "doubtful", "confident", "small", "missing", "taken")
DOUBTFUL = 0.6  # a detection less confident than this is doubtful (amber on its tile): perhaps no face at all
SMALL_FACE = 80  # pixels on the photo: a face box with a shorter side than this is small


class Capability(enum.Enum):
    """What a backend can do; the UI offers only what the connected backend declares."""

    LIST_FACES = "list faces"
    SORT_FACES = "sort faces by confidence, photo date or size"
    FILTER_FACES = "filter faces by confidence or size"
    REASSIGN_FACES = "reassign faces"
    SET_PRIMARY = "set the primary thumbnail"
    ADD_THUMBNAILS = "add thumbnails"
    REMOVE_THUMBNAILS = "remove thumbnails"
    CREATE_PERSON = "create people"
    DELETE_PERSON = "delete people"
    RENAME_PERSON = "rename people"
    HIDE_PERSON = "hide people"
    RESTORE = "restore deleted people and thumbnails"
    FACES_ARE_THUMBNAILS = "use a face as the primary thumbnail directly"
    MERGE_PEOPLE = "merge people"
    DELETE_FACES = "delete faces"
    ONE_IMAGE = "keep one image per person (a new one replaces it)"
    RECEIVE_PUBLISHED = "receive people published from another backend"
    FIND_IN_MEDIA = "find a face in its media"
    IMPORT_PHOTOS = "import photos and find their faces"
    SHOW_PHOTOS = "show the photo a face came from"
    DRAW_FACES = "add a face the detector missed"
    COMPARE_FACES = "compare faces by their look (suggest people, group unknown faces)"


@dataclass(frozen=True, slots=True)
class FaceGroup:
    """Unassigned faces that look like one person no one has named yet: a suggested
    person ("Unknown · 14 faces"). `id` is "group-" and its lowest face id, so it holds
    while the group does (a command line's `name-group` finds it again)."""

    id: str
    face_ids: tuple[str, ...]  # the likeliest first (nearest the group's middle)


@dataclass(frozen=True, slots=True)
class SimilarPeople:
    """Two people whose faces look alike: perhaps one person filed twice."""

    first_id: str
    second_id: str
    similarity: float  # 0..1, as a Suggestion's


@dataclass(frozen=True, slots=True)
class PrimaryCandidate:
    """One of a person's faces as their primary thumbnail: the higher `score` the better,
    with the reasons a reviewer reads ("sharpest", "frontal", "412 px")."""

    face_id: str
    score: float
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Publication:
    """A curated person as another backend receives it: each backend takes what it can
    keep (SuperOffice the primary as its one image, OpenCV FR the face crops, Media
    Intelligence the thumbnails with the primary flagged). Images are JPEG or PNG bytes."""

    name: str
    source_id: str  # the person's id where they were curated: a shared external id
    primary: bytes | None
    thumbnails: tuple[bytes, ...] = ()  # besides the primary
    faces: tuple[bytes, ...] = ()  # face crops, best first


@dataclass(frozen=True, slots=True)
class MediaHit:
    """An item of a media library (a photo, a video) in which a searched face was found."""

    asset_id: str
    name: str
    score: float | None


class Progress:
    """How far a bulk operation got, and the user's request to stop it. No Qt: the UI
    passes a callback that forwards the figures to its progress bar."""

    def __init__(self, on_report: Callable[[int, int], None] | None = None):
        self.cancelled = False
        self._on_report = on_report

    def report(self, done: int, total: int) -> None:
        if self._on_report is not None:
            self._on_report(done, total)

    def cancel(self) -> None:
        self.cancelled = True
