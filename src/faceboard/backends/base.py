"""The async protocol every backend implements, the two roles some backends play
besides (`PublishTarget`, `MediaSearch`, `PhotoSource`, `FaceDrawing`, `PhotoLibrary`,
`FaceComparing`), and the
capability check.

A backend declares what it can do in `capabilities`; a method whose capability is
missing raises `Unsupported` instead of pretending. A backend that declares
RECEIVE_PUBLISHED is a `PublishTarget`, one that declares FIND_IN_MEDIA a `MediaSearch`,
SHOW_PHOTOS a `PhotoSource`, DRAW_FACES a `FaceDrawing`, IMPORT_PHOTOS a `PhotoLibrary`,
COMPARE_FACES a `FaceComparing` (tests/test_registry.py holds them to it); services reach
those roles through `publish_target`, `media_search`, `photo_source`, `face_drawing`,
`photo_library` and `face_comparing`, never by looking for a method. Methods return
domain objects and pages, and raise only the errors of `faceboard.errors`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, TypeVar, runtime_checkable

import numpy as np

from faceboard.domain import (
    BoundingBox, Capability, Face, FacesQuery, MediaHit, Page, PeopleQuery, Person, Photo, Progress, Publication, Thumbnail,
)
from faceboard.errors import FaceboardError, Unsupported


@dataclass(frozen=True)
class AssignResult:
    """Per-face outcome of a bulk reassignment: the faces as they are now, and failures."""

    faces: tuple[Face, ...]
    failures: dict[str, FaceboardError] = field(default_factory=dict)


CANCELLED = "cancelled before it was sent"


@dataclass(frozen=True)
class PublishResult:
    """The person who received a publication (None if nothing reached them), each step
    as (what, None when done or the error that stopped it), and the images they now hold
    (so that publishing again sends only what is new)."""

    person: Person | None
    items: tuple[tuple[str, FaceboardError | None], ...]
    delivered: tuple[bytes, ...] = ()


@runtime_checkable
class Backend(Protocol):
    display_name: str
    capabilities: frozenset[Capability]

    async def connect(self) -> str:
        """Check that the backend answers and the credentials work; a line for the user."""

    async def list_people(
        self, cursor: str | None = None, limit: int = 1000, query: PeopleQuery = PeopleQuery()
    ) -> Page[Person]:
        """One page of the people `query` selects, in its order."""

    async def get_people(self, person_ids: Sequence[str]) -> list[Person]:
        """The named people as they are now; unknown ids are left out."""

    async def count_unassigned(self) -> int | None:
        """How many faces have no person; None when only reading every face would tell
        (Gumnut has no filter for them): the count is learnt when the list is read to its end."""

    async def list_faces(
        self, person_id: str | None, cursor: str | None = None, limit: int = 500, query: FacesQuery = FacesQuery()
    ) -> Page[Face]:
        """Faces of a person, or the unassigned faces when `person_id` is None, in the
        order of `query` (another than the default only where SORT_FACES is declared), and
        only those its filter shows (another than "all" only where FILTER_FACES is)."""

    async def get_faces(self, face_ids: Sequence[str]) -> list[Face]:
        """The named faces; raises NotFound if any is missing."""

    async def list_thumbnails(self, person_id: str) -> list[Thumbnail]: ...

    async def assign_faces(
        self, moves: Sequence[tuple[str, str | None]], progress: Progress | None = None
    ) -> AssignResult:
        """Move each face to its person (None detaches it). Faces not sent because the
        user cancelled are failures with the message CANCELLED."""

    async def set_primary_thumbnail(self, person_id: str, thumbnail_id: str) -> Person:
        """With FACES_ARE_THUMBNAILS, `thumbnail_id` may be any of the person's face ids."""

    async def add_thumbnail(self, person_id: str, image: bytes, primary: bool = False) -> Thumbnail:
        """Add an image (already validated, JPEG or PNG bytes) as a thumbnail of the person."""

    async def add_face_thumbnail(self, person_id: str, face_id: str, primary: bool = False) -> Thumbnail:
        """Make one of the person's faces a thumbnail of theirs."""

    async def remove_thumbnails(self, person_id: str, thumbnail_ids: Sequence[str]) -> None: ...

    async def restore_thumbnails(self, person_id: str, thumbnail_ids: Sequence[str]) -> None: ...

    async def create_person(self, name: str) -> Person: ...

    async def update_person(
        self, person_id: str, *, name: str | None = None, hidden: bool | None = None
    ) -> Person: ...

    async def delete_person(self, person_id: str) -> None:
        """Delete a person who has no faces left."""

    async def restore_person(self, person_id: str) -> Person: ...

    async def merge_people(self, target_id: str, source_ids: Sequence[str]) -> Person:
        """Move every face of the sources to the target and delete the sources."""

    async def delete_faces(self, face_ids: Sequence[str]) -> None:
        """Remove face detections (not their photos, not their people)."""

    async def restore_faces(self, face_ids: Sequence[str]) -> None: ...

    async def read_image(self, uri: str) -> bytes:
        """The bytes behind an `ImageRef.uri`."""

    async def close(self) -> None: ...


# what a connection can do that changes something on it; the rest only read, or describe
# how it keeps what it is given
CHANGING = frozenset(Capability) - {Capability.LIST_FACES, Capability.SORT_FACES, Capability.FILTER_FACES,
                                    Capability.FIND_IN_MEDIA, Capability.SHOW_PHOTOS, Capability.COMPARE_FACES,
                                    Capability.FACES_ARE_THUMBNAILS, Capability.ONE_IMAGE}


def changes_nothing(backend: Backend) -> bool:
    """Whether the connection declares no capability that changes anything: a library in a
    folder that cannot be written, or any backend that finds on connecting that it may
    only read. Its `connect()` then says why. A command that changes is refused before
    it is journaled, and what waits in the journal for it keeps waiting."""
    return not backend.capabilities & CHANGING


def cannot(backend: Backend, capability: Capability) -> str:
    """The sentence for the user when the backend lacks `capability`."""
    return f"{backend.display_name} cannot {capability.value}."


def require(backend: Backend, capability: Capability) -> None:
    """Raise `Unsupported` with a sentence for the user when the backend lacks `capability`."""
    if capability not in backend.capabilities:
        raise Unsupported(cannot(backend, capability))


@runtime_checkable
class PublishTarget(Backend, Protocol):
    """A backend that takes people curated elsewhere (Capability.RECEIVE_PUBLISHED)."""

    creates_people: bool  # whether a publication with no one to link to makes a new person
    min_picture_side: int  # the smallest side, in pixels, of a picture it takes (0: any)

    def keeps(self, publication: Publication) -> Publication:
        """The part of the publication this backend keeps: what is previewed, sent and
        journaled, so that what is recorded as sent is what the person there received."""

    def takes(self, publication: Publication) -> bool:
        """Whether the publication holds anything this backend keeps."""

    def preview(self, target: Person | None, publication: Publication) -> tuple[str, ...]:
        """What publishing will do, a step a line, before anything is sent."""

    async def publish(self, person_id: str | None, publication: Publication,
                      progress: Progress | None = None) -> PublishResult:
        """Take the person into `person_id`, or a new person when None."""


@runtime_checkable
class MediaSearch(Backend, Protocol):
    """A backend that finds a face in the photos and videos it holds (Capability.FIND_IN_MEDIA)."""

    min_query_side: int  # the smallest side, in pixels, of a picture it searches with

    async def find_in_media(self, image: bytes) -> list[MediaHit]:
        """The items the face in `image` (JPEG) appears in, best first."""


@runtime_checkable
class PhotoSource(Backend, Protocol):
    """A backend that shows the photo a face came from (Capability.SHOW_PHOTOS)."""

    async def photo(self, asset_id: str) -> Photo:
        """The photo with every face on it; `read_image(photo.image.uri)` gives its bytes.
        A photo that cannot be read now (moved, deleted) says why in `problem`."""


@runtime_checkable
class FaceDrawing(Backend, Protocol):
    """A backend that takes a face the detector missed (Capability.DRAW_FACES)."""

    async def add_face(self, asset_id: str, box: BoundingBox) -> Face:
        """A new, unassigned face in `box` (the upright photo's pixels) of the photo."""


R = TypeVar("R")


def playing(backend: Backend, capability: Capability, role: type[R]) -> R:
    """The backend in a role it claims by `capability`; `Unsupported` when it does not
    play it (it lacks the capability, or the methods of `role`)."""
    require(backend, capability)
    if not isinstance(backend, role):
        raise Unsupported(cannot(backend, capability))
    return backend


def publish_target(backend: Backend) -> PublishTarget:
    """The backend as a receiver of published people; `Unsupported` when it is not one."""
    return playing(backend, Capability.RECEIVE_PUBLISHED, PublishTarget)


def media_search(backend: Backend) -> MediaSearch:
    """The backend as a search of its media; `Unsupported` when it is not one."""
    return playing(backend, Capability.FIND_IN_MEDIA, MediaSearch)


def photo_source(backend: Backend) -> PhotoSource:
    """The backend as a source of photos; `Unsupported` when it is not one."""
    return playing(backend, Capability.SHOW_PHOTOS, PhotoSource)


def face_drawing(backend: Backend) -> FaceDrawing:
    """The backend as one that takes drawn faces; `Unsupported` when it is not one."""
    return playing(backend, Capability.DRAW_FACES, FaceDrawing)


@dataclass(frozen=True)
class ImportProblem:
    """A file an import skipped, and why, in one line ("notes.jpg is not a picture …")."""

    path: str
    reason: str


@dataclass(frozen=True)
class ImportReport:
    """What registering a batch of files did: photos new to the library, photos it
    already had (at that path, or the same content elsewhere), and the files skipped
    that were not skipped before (a file is listed once)."""

    added: int = 0
    known: int = 0
    problems: tuple[ImportProblem, ...] = ()


@dataclass(frozen=True)
class ScanStatus:
    """Where finding faces stands over the whole library."""

    waiting: int
    done: int
    failed: int
    faces: int  # found by the scan (not drawn, not deleted)
    to_learn: int  # faces with no embedding of this build's model yet (see `PhotoLibrary.faces_to_learn`)


@dataclass(frozen=True)
class PendingPhoto:
    asset_id: str
    path: str  # the file to analyse, absolute


@dataclass(frozen=True)
class FaceToLearn:
    """A face to embed on its photo: found by an older build, or drawn by the demo."""

    face_id: str
    path: str  # its photo's file, absolute
    box: BoundingBox


@runtime_checkable
class PhotoLibrary(Backend, Protocol):
    """A backend that imports a user's photos and finds their faces (Capability.IMPORT_PHOTOS):
    what `services.scanning.Scanner` drives. Each photo's result is its own transaction."""

    async def import_files(self, paths: Sequence[str], copy: bool = False) -> ImportReport:
        """Register photo files (by content, not name); `copy` puts them in the library's folder."""

    async def pending_photos(self, limit: int, after: str | None = None) -> list[PendingPhoto]:
        """Photos still waiting for their scan, in id order after `after`."""

    async def record_scan(self, asset_id: str, analysis) -> int:
        """Keep what the scan found on a photo (a `recognition.PhotoAnalysis`): how many
        faces it added; 0 when the photo was scanned already."""

    async def record_scan_failure(self, asset_id: str, reason: str) -> None: ...

    async def scan_status(self) -> ScanStatus: ...

    async def faces_to_learn(self, limit: int, after: str | None = None) -> list[FaceToLearn]:
        """Faces of scanned photos with no embedding of this build's model, in id order
        after `after`; a face that this model could not embed is left out."""

    async def record_learnt(self, face_id: str, model: str, found) -> None:
        """Keep a face's embedding by `model` and its quality (a `recognition.FoundFace`'s)."""

    async def record_learning_failure(self, face_id: str, model: str, reason: str) -> None:
        """`model` could not embed the face: not tried again until its photo is found again."""

    async def import_problems(self) -> list[ImportProblem]:
        """Every file not imported, with the reason: those skipped and those whose scan failed."""


def photo_library(backend: Backend) -> PhotoLibrary:
    """The backend as a library of the user's own photos; `Unsupported` when it is not one."""
    return playing(backend, Capability.IMPORT_PHOTOS, PhotoLibrary)


@dataclass(frozen=True)
class FaceVectors:
    """Faces' embeddings of one model, row by row: what the comparisons of
    `services.likeness` are made of. `vectors` is float32, one row a face (n × size)."""

    model: str
    face_ids: tuple[str, ...]
    person_ids: tuple[str | None, ...]  # each face's person, None: unassigned
    vectors: np.ndarray = field(repr=False)
    through: int | None = None  # the newest embedding read, for `face_vectors(newer_than=...)`; None: none read


@dataclass(frozen=True)
class FaceQuality:
    """What makes a face a good primary thumbnail, measured on its pixels when it was found.
    None where it was not measured (a face found by an older build)."""

    side: int  # the box's shorter side in the photo's pixels
    sharpness: float | None  # variance of the Laplacian of the face's grey pixels at 150 px
    frontal: float | None  # 0..1: 1 looking straight at the camera (from the 5 landmarks' symmetry)
    brightness: float | None  # 0..1: the face's mean grey level


@runtime_checkable
class FaceComparing(Backend, Protocol):
    """A backend that keeps an embedding for each face (Capability.COMPARE_FACES), and the
    operator's rejections ("not this person"), so Faceboard suggests, groups and ranks."""

    index_folder: Path | None  # where a kept nearest-neighbour index may be saved; None: keep it in memory

    async def face_vectors(self, face_ids: Sequence[str] | None = None,
                           newer_than: int | None = None) -> FaceVectors:
        """The embeddings (current model) of the named faces, or of every face not deleted
        (`newer_than`: only those embedded after the `through` of an earlier answer). A
        face with no embedding yet is left out."""

    async def rejections(self) -> frozenset[tuple[str, str]]:
        """Every (face id, person id) the operator said the face is not."""

    async def reject_suggestions(self, pairs: Sequence[tuple[str, str]]) -> None: ...

    async def restore_suggestions(self, pairs: Sequence[tuple[str, str]]) -> None: ...

    async def face_qualities(self, face_ids: Sequence[str]) -> dict[str, FaceQuality]: ...


def face_comparing(backend: Backend) -> FaceComparing:
    """The backend as one that compares faces; `Unsupported` when it is not one."""
    return playing(backend, Capability.COMPARE_FACES, FaceComparing)
