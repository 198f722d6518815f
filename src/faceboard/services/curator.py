"""`Curator`: applies operations to the connected backend and reports what changed.

Both the window and the command line go through it. Reads are here too, so the UI
talks to one service object and never to a backend directly.
"""

from __future__ import annotations

from dataclasses import replace

from faceboard.backends.base import Backend, Progress, require
from faceboard.domain import Capability, Face, Page, PeopleQuery, Person, Thumbnail
from faceboard.errors import Conflict, InvalidInput, NotFound
from faceboard.services.operations import (
    AddThumbnails,
    AssignFaces,
    Batch,
    Change,
    CreatePerson,
    DeleteFaces,
    DeletePerson,
    MergePeople,
    Operation,
    RemoveThumbnails,
    RestoreFaces,
    RestorePerson,
    RestoreThumbnails,
    SetPrimary,
    SetPrimaryFromFace,
    UpdatePerson,
)


class Curator:
    def __init__(self, backend: Backend):
        self.backend = backend

    def can(self, capability: Capability) -> bool:
        return capability in self.backend.capabilities

    # -- reading ------------------------------------------------------------------

    async def all_people(self) -> list[Person]:
        people, cursor = [], None
        while True:
            page = await self.backend.list_people(cursor)
            people.extend(page.items)
            if page.next_cursor is None:
                return people
            cursor = page.next_cursor

    async def people_page(self, query: PeopleQuery, cursor: str | None = None, limit: int = 200) -> Page[Person]:
        return await self.backend.list_people(cursor, limit, query)

    async def faces_page(self, person_id: str | None, cursor: str | None = None, limit: int = 2000) -> Page[Face]:
        """A page of faces; 2,000 (where the backend allows) means fewer relayouts of a long grid."""
        require(self.backend, Capability.LIST_FACES)
        return await self.backend.list_faces(person_id, cursor, limit)

    async def thumbnails(self, person_id: str) -> list[Thumbnail]:
        return await self.backend.list_thumbnails(person_id)

    async def unassigned_count(self) -> int | None:
        return await self.backend.count_unassigned()

    async def person(self, person_id: str) -> Person:
        found = await self.backend.get_people([person_id])
        if not found:
            raise NotFound(f"Person {person_id} does not exist.")
        return found[0]

    # -- changing -----------------------------------------------------------------

    async def apply(self, operation: Operation, progress: Progress | None = None) -> Change:
        """Apply an operation; `progress` follows (and can cancel) a bulk reassignment."""
        match operation:
            case AssignFaces():
                return await self._assign(operation, progress)
            case SetPrimary():
                return await self._set_primary(operation)
            case SetPrimaryFromFace():
                return await self._primary_from_face(operation)
            case AddThumbnails():
                return await self._add_thumbnails(operation)
            case RemoveThumbnails():
                return await self._remove_thumbnails(operation)
            case RestoreThumbnails():
                return await self._restore_thumbnails(operation)
            case CreatePerson():
                return await self._create(operation)
            case DeletePerson():
                return await self._delete(operation)
            case RestorePerson():
                return await self._restore(operation)
            case UpdatePerson():
                return await self._update(operation)
            case MergePeople():
                return await self._merge(operation, progress)
            case DeleteFaces():
                return await self._delete_faces(operation)
            case RestoreFaces():
                return await self._restore_faces(operation)
            case Batch():
                return await self._batch(operation, progress)
        raise TypeError(f"not an operation: {operation!r}")

    async def _assign(self, op: AssignFaces, progress: Progress | None = None) -> Change:
        require(self.backend, Capability.REASSIGN_FACES)
        faces = await self.backend.get_faces([face_id for face_id, _ in op.moves])
        before = {f.id: f.person_id for f in faces}
        moves = [(face_id, target) for face_id, target in op.moves if before[face_id] != target]
        if not moves:
            return Change(faces=tuple(faces), inverse=AssignFaces(()))
        result = await self.backend.assign_faces(moves, progress)
        touched = {before[f] for f, _ in moves} | {p for _, p in moves}
        touched.discard(None)
        return Change(
            persons=tuple(await self.backend.get_people(sorted(touched))),
            faces=result.faces,
            unassigned_delta=sum((f.person_id is None) - (before[f.id] is None) for f in result.faces),
            failures=tuple((face_id, error.message) for face_id, error in result.failures.items()),
            inverse=AssignFaces(tuple((f.id, before[f.id]) for f in result.faces)),
        )

    async def _person_change(self, person_id: str, inverse: Operation | None) -> Change:
        return Change(
            persons=(await self.person(person_id),),
            thumbnails=((person_id, tuple(await self.backend.list_thumbnails(person_id))),),
            inverse=inverse,
        )

    async def _set_primary(self, op: SetPrimary) -> Change:
        require(self.backend, Capability.SET_PRIMARY)
        old = (await self.person(op.person_id)).primary_thumbnail_id
        await self.backend.set_primary_thumbnail(op.person_id, op.thumbnail_id)
        return await self._person_change(op.person_id, SetPrimary(op.person_id, old or op.thumbnail_id))

    def can_make_face_primary(self) -> bool:
        return self.can(Capability.SET_PRIMARY) and (
            self.can(Capability.FACES_ARE_THUMBNAILS) or self.can(Capability.ADD_THUMBNAILS)
        )

    async def _primary_from_face(self, op: SetPrimaryFromFace) -> Change:
        require(self.backend, Capability.SET_PRIMARY)
        (face,) = await self.backend.get_faces([op.face_id])
        if face.person_id != op.person_id:
            raise Conflict("Only one of the person's own faces can become their primary thumbnail.")
        if self.can(Capability.FACES_ARE_THUMBNAILS):  # the face itself is the thumbnail
            return await self._set_primary(SetPrimary(op.person_id, op.face_id))
        require(self.backend, Capability.ADD_THUMBNAILS)
        old = (await self.person(op.person_id)).primary_thumbnail_id
        added = await self.backend.add_face_thumbnail(op.person_id, op.face_id, primary=True)
        return await self._person_change(op.person_id, RemoveThumbnails(op.person_id, (added.id,), old))

    async def _add_thumbnails(self, op: AddThumbnails) -> Change:
        require(self.backend, Capability.ADD_THUMBNAILS)
        if not op.images:
            raise InvalidInput("No image to add.")
        old = (await self.person(op.person_id)).primary_thumbnail_id
        added = [
            await self.backend.add_thumbnail(op.person_id, image, primary=op.make_primary and i == 0)
            for i, image in enumerate(op.images)
        ]
        return await self._person_change(
            op.person_id, RemoveThumbnails(op.person_id, tuple(t.id for t in added), old)
        )

    async def _remove_thumbnails(self, op: RemoveThumbnails) -> Change:
        require(self.backend, Capability.REMOVE_THUMBNAILS)
        old = (await self.person(op.person_id)).primary_thumbnail_id
        await self.backend.remove_thumbnails(op.person_id, op.thumbnail_ids)
        if op.primary_after is not None:
            await self.backend.set_primary_thumbnail(op.person_id, op.primary_after)
        inverse = RestoreThumbnails(op.person_id, op.thumbnail_ids, old) if self.can(Capability.RESTORE) else None
        return await self._person_change(op.person_id, inverse)

    async def _restore_thumbnails(self, op: RestoreThumbnails) -> Change:
        require(self.backend, Capability.RESTORE)
        old = (await self.person(op.person_id)).primary_thumbnail_id
        await self.backend.restore_thumbnails(op.person_id, op.thumbnail_ids)
        if op.primary_after is not None:
            await self.backend.set_primary_thumbnail(op.person_id, op.primary_after)
        return await self._person_change(op.person_id, RemoveThumbnails(op.person_id, op.thumbnail_ids, old))

    async def _create(self, op: CreatePerson) -> Change:
        require(self.backend, Capability.CREATE_PERSON)
        if op.face_ids:
            await self.backend.get_faces(op.face_ids)  # refuse unknown faces before creating anyone
        person = await self.backend.create_person(op.name)
        change = Change(persons=(person,), created_person_id=person.id)
        undo: list[Operation] = [DeletePerson(person.id)]
        if op.face_ids:
            moved = await self._assign(AssignFaces(tuple((f, person.id) for f in op.face_ids)))
            change, undo = change.then(moved), [moved.inverse, *undo]
            if self.can_make_face_primary():
                primary = await self._primary_from_face(SetPrimaryFromFace(person.id, op.face_ids[0]))
                change, undo = change.then(primary), [primary.inverse, *undo]
        # undoable where each step is; redoing needs RESTORE (the same person back)
        complete = all(u is not None for u in undo) and self.can(Capability.DELETE_PERSON)
        return replace(change, inverse=Batch(tuple(undo)) if complete else None)

    async def _delete(self, op: DeletePerson) -> Change:
        require(self.backend, Capability.DELETE_PERSON)
        await self.backend.delete_person(op.person_id)
        inverse = RestorePerson(op.person_id) if self.can(Capability.RESTORE) else None
        return Change(removed_person_ids=(op.person_id,), inverse=inverse)

    async def _restore(self, op: RestorePerson) -> Change:
        require(self.backend, Capability.RESTORE)
        person = await self.backend.restore_person(op.person_id)
        return Change(persons=(person,), inverse=DeletePerson(op.person_id))

    async def _update(self, op: UpdatePerson) -> Change:
        if op.name is not None:
            require(self.backend, Capability.RENAME_PERSON)
        if op.hidden is not None:
            require(self.backend, Capability.HIDE_PERSON)
        before = await self.person(op.person_id)
        after = await self.backend.update_person(op.person_id, name=op.name, hidden=op.hidden)
        inverse = UpdatePerson(
            op.person_id,
            name=None if op.name is None else before.name,
            hidden=None if op.hidden is None else before.hidden,
        )
        return Change(persons=(after,), inverse=inverse)

    def can_merge(self) -> bool:
        return self.can(Capability.MERGE_PEOPLE) or (
            self.can(Capability.REASSIGN_FACES) and self.can(Capability.DELETE_PERSON)
        )

    async def _all_faces(self, person_id: str) -> list[Face]:
        faces, cursor = [], None
        while True:
            page = await self.faces_page(person_id, cursor)
            faces.extend(page.items)
            if (cursor := page.next_cursor) is None:
                return faces

    async def _merge(self, op: MergePeople, progress: Progress | None) -> Change:
        if op.target_id in op.source_ids or not op.source_ids:
            raise InvalidInput("Choose other people to merge into this one.")
        target = await self.person(op.target_id)
        if self.can(Capability.RESTORE) or not self.can(Capability.MERGE_PEOPLE):
            # from reassignment and deletion: undoable wherever deletion is
            moves = []
            for source in op.source_ids:
                moves.extend((f.id, target.id) for f in await self._all_faces(source))
            parts = ((AssignFaces(tuple(moves)),) if moves else ()) + tuple(DeletePerson(s) for s in op.source_ids)
            return await self._batch(Batch(parts), progress)
        merged = await self.backend.merge_people(target.id, op.source_ids)  # the backend's own, for good
        return Change(persons=(merged,), removed_person_ids=tuple(op.source_ids))

    async def _touched(self, faces: list[Face]) -> tuple[Person, ...]:
        return tuple(await self.backend.get_people(sorted({f.person_id for f in faces if f.person_id})))

    async def _delete_faces(self, op: DeleteFaces) -> Change:
        require(self.backend, Capability.DELETE_FACES)
        faces = await self.backend.get_faces(op.face_ids)
        await self.backend.delete_faces(op.face_ids)
        return Change(
            persons=await self._touched(faces), removed_face_ids=op.face_ids,
            unassigned_delta=-sum(f.person_id is None for f in faces),
            inverse=RestoreFaces(op.face_ids) if self.can(Capability.RESTORE) else None,
        )

    async def _restore_faces(self, op: RestoreFaces) -> Change:
        require(self.backend, Capability.RESTORE)
        await self.backend.restore_faces(op.face_ids)
        faces = await self.backend.get_faces(op.face_ids)
        return Change(persons=await self._touched(faces), faces=tuple(faces),
                      unassigned_delta=sum(f.person_id is None for f in faces), inverse=DeleteFaces(op.face_ids))

    async def _batch(self, op: Batch, progress: Progress | None = None) -> Change:
        change, inverses = Change(), []
        for part in op.operations:
            done = await self.apply(part, progress)
            change = change.then(done)
            inverses.append(done.inverse)
        complete = all(i is not None for i in inverses)
        inverse = Batch(tuple(reversed(inverses))) if complete else None
        return replace(change, inverse=inverse)
