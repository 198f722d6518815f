"""Operations as data, and `Change`: what applying one did, including how to undo it.

An operation is a frozen description of a user's change. Applying it (see
`curator.Curator.apply`) returns a `Change` holding the touched objects as they are now
and `inverse`, the operation that puts them back. Undo applies the inverse, redo applies
the inverse's inverse, so ids stay the same across any number of undo/redo rounds.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from faceboard.domain import BoundingBox, Face, Person, Publication, Thumbnail, count


@dataclass(frozen=True)
class AssignFaces:
    """Move each face to its person; None detaches it (makes it unassigned). `shown`:
    where the window showed each face; one the backend has elsewhere by now (someone
    else moved it) is left there, not moved."""

    moves: tuple[tuple[str, str | None], ...]
    shown: tuple[tuple[str, str | None], ...] = ()


@dataclass(frozen=True)
class SetPrimary:
    person_id: str
    thumbnail_id: str


@dataclass(frozen=True)
class SetPrimaryFromFace:
    """Make one of the person's faces a thumbnail, and that thumbnail the primary."""

    person_id: str
    face_id: str


@dataclass(frozen=True)
class AddThumbnails:
    """Add images (validated JPEG/PNG bytes, see `images.prepare_upload`) to a person."""

    person_id: str
    images: tuple[bytes, ...]
    make_primary: bool = False
    names: tuple[str, ...] = ()  # how the user knows each image (its file name), to say which one was refused


@dataclass(frozen=True)
class RemoveThumbnails:
    person_id: str
    thumbnail_ids: tuple[str, ...]
    primary_after: str | None = None


@dataclass(frozen=True)
class RestoreThumbnails:
    person_id: str
    thumbnail_ids: tuple[str, ...]
    primary_after: str | None = None


@dataclass(frozen=True)
class CreatePerson:
    """A new person, with the given faces moved to them (the first one their primary)."""

    name: str
    face_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class DeletePerson:
    person_id: str


@dataclass(frozen=True)
class RestorePerson:
    person_id: str


@dataclass(frozen=True)
class UpdatePerson:
    """`shown_name`: the name the window showed; renamed elsewhere since, it is not renamed."""

    person_id: str
    name: str | None = None
    hidden: bool | None = None
    shown_name: str | None = None


@dataclass(frozen=True)
class MergePeople:
    """Every face of the sources moves to the target; the sources are deleted."""

    target_id: str
    source_ids: tuple[str, ...]


@dataclass(frozen=True)
class DeleteFaces:
    face_ids: tuple[str, ...]


@dataclass(frozen=True)
class RestoreFaces:
    face_ids: tuple[str, ...]


@dataclass(frozen=True)
class AddFace:
    """A face the detector missed, drawn by the user on its photo: it gets an embedding
    and is unassigned. Its inverse deletes it (and that one's inverse restores it)."""

    asset_id: str
    box: BoundingBox


@dataclass(frozen=True)
class RejectSuggestions:
    """The operator says each face is not that person: they are never suggested for it
    again. `pairs` are (face id, person id); the inverse is `RestoreSuggestions`."""

    pairs: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class RestoreSuggestions:
    """Forget rejections (an undone "not this person"): the person may be suggested again."""

    pairs: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Publish:
    """Give a person curated elsewhere to this backend: into `person_id`, or a new person."""

    person_id: str | None
    publication: Publication


@dataclass(frozen=True)
class Batch:
    """Operations applied in order; its inverse undoes them in reverse order."""

    operations: tuple[Operation, ...]


Operation = (
    AssignFaces | SetPrimary | SetPrimaryFromFace | AddThumbnails | RemoveThumbnails | RestoreThumbnails
    | CreatePerson | DeletePerson | RestorePerson | UpdatePerson | MergePeople | DeleteFaces | RestoreFaces | AddFace
    | RejectSuggestions | RestoreSuggestions | Publish | Batch
)


@dataclass(frozen=True)
class Change:
    """What an applied operation changed, for the panes to refresh and for undo.

    `persons` and `faces` hold the touched objects as they are now; `thumbnails` holds,
    per touched person, their whole thumbnail list; `failures` holds (id, message) for
    the items of a bulk operation the backend refused.
    """

    persons: tuple[Person, ...] = ()
    removed_person_ids: tuple[str, ...] = ()
    faces: tuple[Face, ...] = ()
    removed_face_ids: tuple[str, ...] = ()
    thumbnails: tuple[tuple[str, tuple[Thumbnail, ...]], ...] = ()
    unassigned_delta: int = 0  # how many more (or fewer) faces are unassigned now
    failures: tuple[tuple[str, str], ...] = ()
    inverse: Operation | None = field(default=None, compare=False)
    created_person_id: str | None = None
    unsent: Operation | None = None  # the part not sent for now (the backend did not answer): it waits
    steps: tuple[tuple[str, str | None], ...] = ()  # a publication's steps: (what, None or why it failed)
    published: tuple[str, ...] = ()  # digests of the images a publication delivered
    rejected: tuple[tuple[str, str], ...] = ()  # (face id, person id) no longer to be suggested
    unrejected: tuple[tuple[str, str], ...] = ()  # (face id, person id) that may be suggested again

    def then(self, later: Change) -> Change:
        """This change followed by `later`: the later state of each object wins."""
        persons = {p.id: p for p in self.persons} | {p.id: p for p in later.persons}
        removed = [i for i in self.removed_person_ids if i not in persons or i in later.removed_person_ids]
        removed += [i for i in later.removed_person_ids if i not in removed]
        return Change(
            persons=tuple(p for p in persons.values() if p.id not in later.removed_person_ids),
            removed_person_ids=tuple(removed),
            faces=tuple(({f.id: f for f in self.faces} | {f.id: f for f in later.faces}).values()),
            removed_face_ids=self.removed_face_ids + later.removed_face_ids,
            thumbnails=tuple((dict(self.thumbnails) | dict(later.thumbnails)).items()),
            unassigned_delta=self.unassigned_delta + later.unassigned_delta,
            failures=self.failures + later.failures,
            created_person_id=later.created_person_id or self.created_person_id,
            unsent=later.unsent or self.unsent,
            steps=self.steps + later.steps,
            published=self.published + later.published,
            rejected=tuple(p for p in self.rejected if p not in later.unrejected) + later.rejected,
            unrejected=tuple(p for p in self.unrejected if p not in later.rejected) + later.unrejected,
        )


def _several(names: Mapping[str, str], operations) -> str:
    """"Alice and Bob", "Alice, Bob and 3 others": the people several operations are for."""
    known = [names.get(o.person_id, f"person {o.person_id}") for o in operations]
    if len(known) <= 3:
        return ", ".join(known[:-1]) + f" and {known[-1]}"
    return f"{', '.join(known[:2])} and {len(known) - 2} others"


def describe(operation: Operation, names: Mapping[str, str]) -> str:
    """A short sentence for the Edit menu and the history list."""

    def name(person_id: str | None) -> str:
        return "Unassigned" if person_id is None else names.get(person_id, f"person {person_id}")

    match operation:
        case AssignFaces(moves):
            targets = {p for _, p in moves}
            noun = "face" if len(moves) == 1 else count(len(moves), "face")
            if targets == {None}:
                return f"Detach {noun}"
            if len(targets) == 1:
                return f"Move {noun} to {name(next(iter(targets)))}"
            return f"Move {noun} back"
        case SetPrimary(person_id, _) | SetPrimaryFromFace(person_id, _):
            return f"Set primary of {name(person_id)}"
        case AddThumbnails(person_id, images, _):
            return f"Add {count(len(images), 'thumbnail')} to {name(person_id)}"
        case RemoveThumbnails(person_id, ids, _):
            return f"Remove {count(len(ids), 'thumbnail')} of {name(person_id)}"
        case RestoreThumbnails(person_id, ids, _):
            return f"Restore thumbnails of {name(person_id)}"
        case CreatePerson(new_name, face_ids):
            return f"Create {new_name}" + (f" from {count(len(face_ids), 'face')}" if len(face_ids) > 1 else "")
        case DeletePerson(person_id):
            return f"Delete {name(person_id)}"
        case RestorePerson(person_id):
            return f"Restore {name(person_id)}"
        case UpdatePerson(person_id, new_name, hidden):
            if new_name is not None:
                return f"Rename {name(person_id)} to {new_name}"
            return f"{'Hide' if hidden else 'Show'} {name(person_id)}"
        case MergePeople(target_id, source_ids):
            return f"Merge {', '.join(name(s) for s in source_ids)} into {name(target_id)}"
        case DeleteFaces(face_ids):
            return f"Delete {count(len(face_ids), 'face')}"
        case RestoreFaces(face_ids):
            return f"Restore {count(len(face_ids), 'face')}"
        case AddFace():
            return "Add a face"
        case RejectSuggestions(pairs):
            people = {p for _, p in pairs}
            whose = name(next(iter(people))) if len(people) == 1 else count(len(people), "person")
            return f"Not {whose}: {count(len(pairs), 'face')}" if len(pairs) > 1 else f"Not {whose}"
        case RestoreSuggestions(pairs):
            return f"Suggest again: {count(len(pairs), 'face')}"
        case Publish(person_id, publication):
            return f"Publish {publication.name}" + ("" if person_id else " as a new person")
        case Batch(operations) if len(operations) > 1 and all(isinstance(o, UpdatePerson) and o.name is None
                                                              for o in operations):
            return f"{'Hide' if operations[0].hidden else 'Show'} {_several(names, operations)}"
        case Batch(operations) if len(operations) > 1 and all(isinstance(o, DeletePerson) for o in operations):
            return f"Delete {_several(names, operations)}"
        case Batch(operations):
            return describe(operations[0], names) if operations else "Nothing"
    raise TypeError(f"not an operation: {operation!r}")
