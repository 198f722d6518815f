"""What a backend that keeps people and their pictures, but no face detections, says
when asked about faces: each such call is refused with `Unsupported`, naming the backend.
Media Intelligence, SuperOffice and OpenCV FR build on it. `Recent` keeps the people
such a backend read a moment ago, for the next look at them."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from faceboard.backends.base import AssignResult
from faceboard.domain import Face, FacesQuery, Page, Person, Progress, Thumbnail
from faceboard.errors import NotFound, Unsupported


class Recent:
    """People as read a moment ago (`seconds`), kept until anything is changed through
    the backend: the command that names a person, the curator's look before a change,
    the backend's own before adding a thumbnail, all see one read of them; so do the
    person and the thumbnails read after it."""

    def __init__(self, seconds: float = 2.0, clock: Callable[[], float] = time.monotonic):
        self.seconds, self._clock = seconds, clock
        self._read: dict[str, tuple[float, object]] = {}

    def get(self, person_id: str):
        """What was read of the person a moment ago, else None."""
        when, what = self._read.get(person_id, (None, None))
        return what if when is not None and self._clock() - when < self.seconds else None

    def put(self, person_id: str, what) -> None:
        self._read[person_id] = (self._clock(), what)

    def forget(self) -> None:
        """Something changed: every person is read afresh."""
        self._read.clear()


class WithoutFaces:
    display_name: str

    def _cannot(self, what: str) -> Unsupported:
        return Unsupported(f"{self.display_name} cannot {what}.")

    async def person(self, person_id: str) -> Person:
        """One person as they are now; NotFound if there is none."""
        raise NotImplementedError

    async def get_people(self, person_ids: Sequence[str]) -> list[Person]:
        """These services read one person at a time; unknown ids are left out."""
        found = []
        for person_id in person_ids:
            try:
                found.append(await self.person(person_id))
            except NotFound:
                continue
        return found

    async def count_unassigned(self) -> int | None:
        return 0  # no detections: nothing waits for a person

    async def list_faces(self, person_id: str | None, cursor: str | None = None, limit: int = 500,
                         query: FacesQuery = FacesQuery()) -> Page[Face]:
        raise self._cannot("list faces: it keeps pictures of people, not faces found in photos")

    async def get_faces(self, face_ids: Sequence[str]) -> list[Face]:
        raise self._cannot("list faces")

    async def assign_faces(self, moves, progress: Progress | None = None) -> AssignResult:
        raise self._cannot("reassign faces")

    async def add_face_thumbnail(self, person_id: str, face_id: str, primary: bool = False) -> Thumbnail:
        raise self._cannot("list faces")

    async def delete_faces(self, face_ids: Sequence[str]) -> None:
        raise self._cannot("delete faces")

    async def restore_faces(self, face_ids: Sequence[str]) -> None:
        raise self._cannot("restore faces")

    async def restore_thumbnails(self, person_id: str, thumbnail_ids: Sequence[str]) -> None:
        raise self._cannot("restore removed thumbnails")

    async def restore_person(self, person_id: str) -> Person:
        raise self._cannot("restore deleted people")

    async def create_person(self, name: str) -> Person:
        raise self._cannot("create a person without pictures: publish one to it instead")

    async def set_primary_thumbnail(self, person_id: str, thumbnail_id: str) -> Person:
        raise self._cannot("choose a primary thumbnail")

    async def add_thumbnail(self, person_id: str, image: bytes, primary: bool = False) -> Thumbnail:
        raise self._cannot("add thumbnails")

    async def remove_thumbnails(self, person_id: str, thumbnail_ids: Sequence[str]) -> None:
        raise self._cannot("remove thumbnails")

    async def update_person(self, person_id: str, *, name: str | None = None, hidden: bool | None = None) -> Person:
        raise self._cannot("rename people")

    async def delete_person(self, person_id: str) -> None:
        raise self._cannot("delete people")

    async def merge_people(self, target_id: str, source_ids: Sequence[str]) -> Person:
        raise self._cannot("merge people")
