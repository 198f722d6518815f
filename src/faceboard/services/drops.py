"""Drops without Qt: what a drag carries, whether it may land where it is, and what
landing there means.

A drag carries faces, a thumbnail, people or picture files (`ui/mime.py` puts these payloads in
QMimeData and reads them back). It is over a person, the Unassigned row (None), or the
primary slot (any other target: it stands for the selected person's primary). `judge`
says why a drop may not land, from the backend's capabilities and whose faces or
thumbnail it is; the panes ask it while the drag moves. `meaning` is the change a drop
that may land makes; `assignment`, what moving faces means, dropped or chosen from a menu.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path

from faceboard.domain import Capability, Person
from faceboard.services.curator import Curator
from faceboard.services.operations import AssignFaces, MergePeople, Operation, SetPrimary, SetPrimaryFromFace
from faceboard.services.store import Store


@dataclass(frozen=True)
class FacesPayload:
    face_ids: tuple[str, ...]
    source_person_id: str | None  # the pane they were dragged from; None for Unassigned


@dataclass(frozen=True)
class ThumbnailPayload:
    person_id: str
    thumbnail_id: str


@dataclass(frozen=True)
class FilesPayload:
    paths: tuple[Path, ...]


@dataclass(frozen=True)
class PeoplePayload:
    """People dragged in the People list: dropped on another person, they merge into them."""

    person_ids: tuple[str, ...]


Payload = FacesPayload | ThumbnailPayload | FilesPayload | PeoplePayload


@dataclass(frozen=True)
class AddFiles:
    """Pictures dropped on a person: they become thumbnails once each is checked."""

    person_id: str
    paths: tuple[Path, ...]


def assignment(store: Store, face_ids: tuple[str, ...], person_id: str | None) -> AssignFaces:
    """Move the faces to `person_id`, saying where the store shows each now: a face
    someone moved meanwhile stays where they put it."""
    store.made_now()
    shown = tuple((face.id, face.person_id) for face in map(store.faces.get, face_ids) if face is not None)
    return AssignFaces(tuple(zip(face_ids, itertools.repeat(person_id))), shown)


class Drops:
    def __init__(self, store: Store, curator: Curator):
        self.store, self.curator = store, curator

    def already_primary(self, person_id: str, thumbnail_id: str) -> str | None:
        """Why making the thumbnail the person's primary would change nothing, if it would not."""
        person = self.store.people.get(person_id)
        if person is not None and person.primary_thumbnail_id == thumbnail_id:
            return f"That is already {person.name}'s primary thumbnail."
        return None

    def _person(self, target: object) -> tuple[Person | None, bool]:
        """The person a drop on `target` is for, and whether it is on the primary slot."""
        to_slot = not (target is None or isinstance(target, Person))
        return (self.store.selected_person if to_slot else target), to_slot

    def _makes_primary(self, payload: FacesPayload, person: Person | None, to_slot: bool) -> bool:
        """Faces dropped on the slot, or back on their own person, are to be the primary."""
        return to_slot or (person is not None and person.id == payload.source_person_id)

    def judge(self, payload: Payload, target: object) -> str | None:
        """None if `payload` may be dropped on `target`, else the reason it may not."""
        why_not = self.curator.why_not  # the sentence, with the reason where the connection may only read
        person, to_slot = self._person(target)
        backend = self.curator.backend.display_name
        match payload:
            case FacesPayload(face_ids, source):
                if self._makes_primary(payload, person, to_slot):
                    if not self.curator.can_make_face_primary():
                        return " ".join(filter(None, (f"{backend} cannot make a face the primary thumbnail.",
                                                      self.curator.read_only_reason)))
                    if source != person.id:
                        return f"Only {person.name}'s own faces can become their primary."
                    if len(face_ids) != 1:
                        return "Drop a single face to make it the primary."
                    return None
                if why := why_not(Capability.REASSIGN_FACES):
                    return why
                if person is None and source is None:
                    return "These faces are already unassigned."
                return None
            case ThumbnailPayload(owner, _):
                if why := why_not(Capability.SET_PRIMARY):
                    return why
                if person is None:
                    return "Drop a thumbnail on its own person (or the primary slot) to make it the primary."
                if owner != person.id:
                    owner_person = self.store.people.get(owner)
                    owner_name = owner_person.name if owner_person else "another person"
                    return f"This thumbnail belongs to {owner_name}; it can only be their primary."
                return self.already_primary(owner, payload.thumbnail_id)
            case PeoplePayload(person_ids):
                if person is None or to_slot:
                    return "Drop people on another person in the People list to merge them into that one."
                if person.id in person_ids:
                    return "Drop them on another person to merge them into that one."
                if not self.curator.can_merge():
                    return why_not(Capability.MERGE_PEOPLE)
                return None
            case FilesPayload():
                if to_slot:
                    return "Drop pictures on a person in the People list to add them as thumbnails."
                if person is None:
                    return "Pictures become thumbnails of a person: drop them on one."
                if why := why_not(Capability.ADD_THUMBNAILS):
                    return why
                return None
        return "Faceboard cannot use what was dropped."

    def meaning(self, payload: Payload, target: object) -> Operation | AddFiles:
        """The change a drop `judge` lets land makes."""
        person, to_slot = self._person(target)
        match payload:
            case FacesPayload(face_ids, _) if self._makes_primary(payload, person, to_slot):
                return SetPrimaryFromFace(person.id, face_ids[0])
            case FacesPayload(face_ids, _):
                return assignment(self.store, face_ids, None if person is None else person.id)
            case ThumbnailPayload(owner, thumbnail_id):
                return SetPrimary(owner, thumbnail_id)
            case FilesPayload(paths):
                return AddFiles(person.id, paths)
            case PeoplePayload(person_ids):
                return MergePeople(person.id, person_ids)
        raise ValueError(f"not a drop that may land: {payload!r}")
