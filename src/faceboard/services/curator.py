"""`Curator`: applies operations to the connected backend and reports what changed.

Both the window and the command line go through it (by way of the `Outbox`, which
journals, orders and retries). Reads are here too, so the UI talks to one service
object and never to a backend directly.

`reapply` sends a change that may have taken effect before its answer was lost (the
outbox resuming after a crash), re-checking the backend's state so that it takes effect
exactly once: faces already where they were going are not moved again, a person whose
creation went through is found rather than created twice, a deletion already done
counts as done.
"""

from __future__ import annotations

import contextlib
from dataclasses import replace

from faceboard.backends.base import (
    AssignResult, Backend, FaceComparing, ScanStatus, cannot, changes_nothing, face_comparing, face_drawing, photo_library,
    photo_source, publish_target,
)
from faceboard.domain import Capability, Face, FaceGroup, FacesQuery, Page, PeopleQuery, Person, Photo, Progress, Thumbnail
from faceboard.errors import Conflict, InvalidInput, NotFound, RateLimited, Unreachable, Unsupported
from faceboard.paging import every_item
from faceboard.services.images import digest
from faceboard.services.operations import (
    AddFace,
    AddThumbnails,
    AssignFaces,
    Batch,
    Change,
    CreatePerson,
    DeleteFaces,
    DeletePerson,
    MergePeople,
    Operation,
    Publish,
    RejectSuggestions,
    RemoveThumbnails,
    RestoreFaces,
    RestorePerson,
    RestoreSuggestions,
    RestoreThumbnails,
    SetPrimary,
    SetPrimaryFromFace,
    UpdatePerson,
)

WAITS = (Unreachable, RateLimited)  # no answer, or not now: the change may be sent again later


@contextlib.contextmanager
def _naming(op: AddThumbnails, at: int):
    """A refusal of the `at`-th image of `op` names its file, when the user gave one."""
    try:
        yield
    except InvalidInput as error:
        if at >= len(op.names):
            raise
        raise InvalidInput(f"{op.names[at]}: {error.message}") from None


def _moved_elsewhere(face: Face, names: dict[str, str]) -> str:
    where = "unassigned" if face.person_id is None else f"moved to {names.get(face.person_id, 'someone else')}"
    return f"Face {face.id} was {where} elsewhere; not moved."


class Curator:
    def __init__(self, backend: Backend):
        self.backend = backend
        self.read_only_reason: str | None = None  # why nothing can be changed here, as connecting said

    async def connect(self) -> str:
        """Check that the backend answers; a line for the user. On a connection that may
        only read, that line says why, and `why_not` repeats it."""
        said = await self.backend.connect()
        self.read_only_reason = said if self.read_only else None
        return said

    @property
    def read_only(self) -> bool:
        return changes_nothing(self.backend)

    def can(self, capability: Capability) -> bool:
        return capability in self.backend.capabilities

    def why_not(self, capability: Capability) -> str | None:
        """None when the backend can; else a sentence for the user, with the reason (and
        what to do) when the connection may only read."""
        if self.can(capability):
            return None
        return " ".join(filter(None, (cannot(self.backend, capability), self.read_only_reason)))

    def _require(self, capability: Capability) -> None:
        if why := self.why_not(capability):
            raise Unsupported(why)

    # -- reading ------------------------------------------------------------------

    async def all_people(self) -> list[Person]:
        return await every_item(self.backend.list_people, self.backend.display_name)

    async def people_page(self, query: PeopleQuery, cursor: str | None = None, limit: int = 200) -> Page[Person]:
        return await self.backend.list_people(cursor, limit, query)

    async def faces_page(self, person_id: str | None, cursor: str | None = None, limit: int = 2000,
                         query: FacesQuery = FacesQuery()) -> Page[Face]:
        """A page of faces in the query's order and filter; 2,000 (where the backend allows) means
        fewer relayouts of a long grid."""
        self._require(Capability.LIST_FACES)
        if query == FacesQuery():
            return await self.backend.list_faces(person_id, cursor, limit)
        if query.sort != FacesQuery().sort:
            self._require(Capability.SORT_FACES)
        if query.sort == "least_alike":
            self._require(Capability.COMPARE_FACES)
        if query.show != FacesQuery().show:
            self._require(Capability.FILTER_FACES)
        return await self.backend.list_faces(person_id, cursor, limit, query)

    async def group_faces(self, group: FaceGroup, query: FacesQuery = FacesQuery()) -> Page[Face]:
        """An unknown group's faces that are still unassigned (and that the query shows), in its
        order: one page, a group is a few hundred faces at most."""
        faces = {face.id: face for face in await self.backend.get_faces(group.face_ids)}
        return Page(tuple(face for face_id in group.face_ids if (face := faces.get(face_id)) is not None
                          and face.person_id is None and query.shows(face)))

    async def thumbnails(self, person_id: str) -> list[Thumbnail]:
        return await self.backend.list_thumbnails(person_id)

    async def unassigned_count(self) -> int | None:
        return await self.backend.count_unassigned()

    async def people(self, person_ids: list[str]) -> list[Person]:
        """The named people as they are now; one deleted meanwhile is left out."""
        return await self.backend.get_people(person_ids)

    async def faces(self, face_ids: list[str]) -> list[Face]:
        """The named faces as they are now (NotFound if one is gone): faces no listing has read
        yet, which the Review view shows."""
        return await self.backend.get_faces(face_ids)

    async def person(self, person_id: str) -> Person:
        found = await self.backend.get_people([person_id])
        if not found:
            raise NotFound(f"Person {person_id} does not exist (deleted or merged elsewhere?).")
        return found[0]

    async def photo(self, asset_id: str) -> tuple[Photo, dict[str, str]]:
        """The photo a face came from, and the names of the people on it by id."""
        photo = await photo_source(self.backend).photo(asset_id)
        ids = sorted({f.person_id for f in photo.faces if f.person_id is not None})
        people = await self.backend.get_people(ids) if ids else []
        return photo, {p.id: p.name for p in people}

    async def scan_status(self) -> ScanStatus:
        """How many imported photos still wait for their faces to be found (a scan an
        earlier run left), and faces to be learnt: without loading the models, which
        only a scan needs."""
        return await photo_library(self.backend).scan_status()

    # -- changing -----------------------------------------------------------------

    async def apply(self, operation: Operation, progress: Progress | None = None) -> Change:
        """Apply an operation; `progress` follows (and can cancel) a bulk reassignment."""
        return await self._apply(operation, progress)

    async def context(self, operation: Operation) -> dict:
        """What resuming must know of the state before: for a creation, who already bore
        the name (anyone else so named afterwards is the person this change created)."""
        if not isinstance(operation, CreatePerson):
            return {}
        return {"known": sorted(p.id for p in await self._named(operation.name))}

    async def _named(self, name: str) -> list[Person]:
        query = PeopleQuery(text=name, include_hidden=True)
        found = await every_item(lambda cursor: self.backend.list_people(cursor, 200, query), self.backend.display_name)
        return [p for p in found if p.name == name]

    async def _apply(self, operation: Operation, progress: Progress | None = None) -> Change:
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
            case AddFace():
                return await self._add_face(operation)
            case RejectSuggestions():
                return await self._reject(operation)
            case RestoreSuggestions():
                return await self._unreject(operation)
            case Publish():
                return await self._publish(operation, progress)
            case Batch():
                return await self._batch(operation, progress)
        raise TypeError(f"not an operation: {operation!r}")

    async def reapply(self, operation: Operation, context: dict) -> Change:
        """Apply a change that may have taken effect before Faceboard lost the answer;
        `context` is what `context` said before it was first sent."""
        match operation:
            case CreatePerson() if "known" in context:
                return await self._create(operation, known=set(context["known"]))
            case AddThumbnails() | SetPrimaryFromFace() if not self.can(Capability.FACES_ARE_THUMBNAILS):
                raise Conflict("Not sent again: it may have been added before Faceboard stopped, and adding it "
                               "twice would leave a copy. Check the person's thumbnails.")
            case AddFace(asset_id, box) if self.can(Capability.SHOW_PHOTOS):
                drawn = next((f for f in (await self.photo(asset_id))[0].faces if f.box == box), None)
                if drawn is not None:  # added before its answer was lost: not drawn twice
                    return Change(faces=(drawn,), inverse=DeleteFaces((drawn.id,)))
            case Publish():
                raise Conflict(f"Not published again: it may have reached {self.backend.display_name} before "
                               "Faceboard stopped. Check the person there, then publish again if it did not.")
            case Batch(parts):
                change = Change()
                for at, part in enumerate(parts):
                    change = change.then(await self.reapply(part, {}))
                    if change.unsent is not None:
                        return replace(change, unsent=Batch((change.unsent, *parts[at + 1:])))
                return change
        try:
            return await self._apply(operation)
        except NotFound:
            if isinstance(operation, (DeletePerson, DeleteFaces, MergePeople, RemoveThumbnails)):
                return Change()  # already gone: done before
            raise

    async def _publish(self, op: Publish, progress: Progress | None = None) -> Change:
        result = await publish_target(self.backend).publish(op.person_id, op.publication, progress)
        steps = tuple((what, None if error is None else error.message) for what, error in result.items)
        if result.person is None:
            return Change(steps=steps, failures=tuple((what, why) for what, why in steps if why))
        return Change(persons=(result.person,), steps=steps, failures=tuple((w, why) for w, why in steps if why),
                      created_person_id=result.person.id if op.person_id is None else None,
                      published=tuple(digest(image) for image in result.delivered),
                      thumbnails=((result.person.id, tuple(await self.backend.list_thumbnails(result.person.id))),))

    async def _assign(self, op: AssignFaces, progress: Progress | None = None) -> Change:
        self._require(Capability.REASSIGN_FACES)
        wanted = dict(op.moves)  # a face named twice goes where it is sent last
        faces = await self.backend.get_faces(list(wanted))
        before = {f.id: f.person_id for f in faces}
        shown = dict(op.shown)
        elsewhere = [f for f in faces  # moved by someone else since the window showed it: left where it is
                     if f.id in shown and before[f.id] not in (shown[f.id], wanted[f.id])]
        moves = [(face_id, target) for face_id, target in wanted.items()
                 if before[face_id] != target and face_id not in {f.id for f in elsewhere}]
        if not moves and not elsewhere:
            return Change(faces=tuple(faces), inverse=AssignFaces(()))
        result = await self.backend.assign_faces(moves, progress) if moves else AssignResult(())
        touched = {before[f] for f, _ in moves} | {p for _, p in moves} | {f.person_id for f in elsewhere}
        touched.discard(None)
        persons = tuple(await self.backend.get_people(sorted(touched)))
        names = {p.id: p.name for p in persons}
        unsent = tuple((f, p) for f, p in moves if isinstance(result.failures.get(f), WAITS))
        return Change(
            persons=persons,
            faces=tuple(elsewhere) + result.faces,  # the backend's truth, for the panes
            unassigned_delta=sum((f.person_id is None) - (before[f.id] is None) for f in result.faces),
            failures=tuple((f.id, _moved_elsewhere(f, names)) for f in elsewhere) + tuple(
                (face_id, error.message) for face_id, error in result.failures.items() if not isinstance(error, WAITS)),
            inverse=AssignFaces(tuple((f.id, before[f.id]) for f in result.faces),
                                tuple((f.id, f.person_id) for f in result.faces)),
            unsent=AssignFaces(unsent, tuple((f, shown[f]) for f, _ in unsent if f in shown)) if unsent else None,
        )

    async def _person_change(self, person_id: str, inverse: Operation | None) -> Change:
        return Change(
            persons=(await self.person(person_id),),
            thumbnails=((person_id, tuple(await self.backend.list_thumbnails(person_id))),),
            inverse=inverse,
        )

    async def _set_primary(self, op: SetPrimary) -> Change:
        self._require(Capability.SET_PRIMARY)
        old = (await self.person(op.person_id)).primary_thumbnail_id
        await self.backend.set_primary_thumbnail(op.person_id, op.thumbnail_id)
        return await self._person_change(op.person_id, SetPrimary(op.person_id, old or op.thumbnail_id))

    def can_make_face_primary(self) -> bool:
        return self.can(Capability.SET_PRIMARY) and (
            self.can(Capability.FACES_ARE_THUMBNAILS) or self.can(Capability.ADD_THUMBNAILS)
        )

    async def _primary_from_face(self, op: SetPrimaryFromFace) -> Change:
        self._require(Capability.SET_PRIMARY)
        (face,) = await self.backend.get_faces([op.face_id])
        if face.person_id != op.person_id:
            raise Conflict("Only one of the person's own faces can become their primary thumbnail.")
        if self.can(Capability.FACES_ARE_THUMBNAILS):  # the face itself is the thumbnail
            return await self._set_primary(SetPrimary(op.person_id, op.face_id))
        self._require(Capability.ADD_THUMBNAILS)
        old = (await self.person(op.person_id)).primary_thumbnail_id
        added = await self.backend.add_face_thumbnail(op.person_id, op.face_id, primary=True)
        return await self._person_change(op.person_id, RemoveThumbnails(op.person_id, (added.id,), old))

    async def _add_thumbnails(self, op: AddThumbnails) -> Change:
        self._require(Capability.ADD_THUMBNAILS)
        if not op.images:
            raise InvalidInput("No image to add.")
        if self.can(Capability.ONE_IMAGE):
            return await self._replace_image(op)
        old = (await self.person(op.person_id)).primary_thumbnail_id
        added = []
        for at, image in enumerate(op.images):
            with _naming(op, at):
                added.append(await self.backend.add_thumbnail(op.person_id, image, op.make_primary and at == 0))
        return await self._person_change(
            op.person_id, RemoveThumbnails(op.person_id, tuple(t.id for t in added), old)
        )

    async def _replace_image(self, op: AddThumbnails) -> Change:
        """A backend that keeps one image per person: the new one replaces it, and undo
        puts the old one back."""
        if len(op.images) > 1:
            raise InvalidInput(f"{self.backend.display_name} keeps one image per person: add one picture.")
        old = await self.backend.list_thumbnails(op.person_id)
        previous = await self.backend.read_image(old[0].image.uri) if old else None
        with _naming(op, 0):
            added = await self.backend.add_thumbnail(op.person_id, op.images[0], primary=True)
        inverse = (AddThumbnails(op.person_id, (previous,)) if previous is not None
                   else RemoveThumbnails(op.person_id, (added.id,)))
        return await self._person_change(op.person_id, inverse)

    async def _remove_thumbnails(self, op: RemoveThumbnails) -> Change:
        self._require(Capability.REMOVE_THUMBNAILS)
        old = (await self.person(op.person_id)).primary_thumbnail_id
        await self.backend.remove_thumbnails(op.person_id, op.thumbnail_ids)
        if op.primary_after is not None:
            await self.backend.set_primary_thumbnail(op.person_id, op.primary_after)
        inverse = RestoreThumbnails(op.person_id, op.thumbnail_ids, old) if self.can(Capability.RESTORE) else None
        return await self._person_change(op.person_id, inverse)

    async def _restore_thumbnails(self, op: RestoreThumbnails) -> Change:
        self._require(Capability.RESTORE)
        old = (await self.person(op.person_id)).primary_thumbnail_id
        await self.backend.restore_thumbnails(op.person_id, op.thumbnail_ids)
        if op.primary_after is not None:
            await self.backend.set_primary_thumbnail(op.person_id, op.primary_after)
        return await self._person_change(op.person_id, RemoveThumbnails(op.person_id, op.thumbnail_ids, old))

    async def _create(self, op: CreatePerson, known: set[str] | None = None) -> Change:
        """`known`, when resuming: who bore the name before; someone else so named now is
        the person this change created before its answer was lost."""
        self._require(Capability.CREATE_PERSON)
        if op.face_ids:
            await self.backend.get_faces(op.face_ids)  # refuse unknown faces before creating anyone
        created = None if known is None else next((p for p in await self._named(op.name) if p.id not in known), None)
        person = created or await self.backend.create_person(op.name)
        change = Change(persons=(person,), created_person_id=person.id)
        undo: list[Operation] = [DeletePerson(person.id)]
        if op.face_ids:
            moved = await self._assign(AssignFaces(tuple((f, person.id) for f in op.face_ids)))
            change, undo = change.then(moved), [moved.inverse, *undo]
            if moved.unsent is not None:  # the primary comes after the faces that wait
                rest = (SetPrimaryFromFace(person.id, op.face_ids[0]),) if self.can_make_face_primary() else ()
                return replace(change, unsent=Batch((moved.unsent, *rest)), inverse=None)
            if self.can_make_face_primary():
                primary = await self._primary_from_face(SetPrimaryFromFace(person.id, op.face_ids[0]))
                change, undo = change.then(primary), [primary.inverse, *undo]
        # undoable where each step is; redoing needs RESTORE (the same person back)
        complete = all(u is not None for u in undo) and self.can(Capability.DELETE_PERSON)
        return replace(change, inverse=Batch(tuple(undo)) if complete else None)

    async def _delete(self, op: DeletePerson) -> Change:
        """The person's faces become unassigned. Where deleting can be undone, Faceboard
        detaches them first (the local library deletes only people without faces), so
        undo restores the person and moves their faces back; elsewhere the backend's
        deletion lets them go itself (Gumnut)."""
        self._require(Capability.DELETE_PERSON)
        person = await self.person(op.person_id)
        detach = self.can(Capability.RESTORE) and self.can(Capability.REASSIGN_FACES) and self.can(Capability.LIST_FACES)
        faces = await self.all_faces(op.person_id) if detach and person.face_count else []
        detached = Change(inverse=AssignFaces(()))
        if faces:
            detached = await self._assign(AssignFaces(tuple((f.id, None) for f in faces)))
            if detached.unsent is not None:  # the deletion waits behind the faces that wait
                return replace(detached, unsent=Batch((detached.unsent, op)), inverse=None)
            if detached.failures:  # a face left on them: they stay, with it
                return replace(detached, inverse=None)
        await self.backend.delete_person(op.person_id)
        gone = Change(removed_person_ids=(op.person_id,), unassigned_delta=0 if faces else person.face_count)
        restore = RestorePerson(op.person_id) if self.can(Capability.RESTORE) else None
        inverse = Batch((restore, detached.inverse)) if faces and restore and detached.inverse else restore
        return replace(detached.then(gone), inverse=inverse)

    async def _restore(self, op: RestorePerson) -> Change:
        self._require(Capability.RESTORE)
        person = await self.backend.restore_person(op.person_id)
        return Change(persons=(person,), inverse=DeletePerson(op.person_id))

    async def _update(self, op: UpdatePerson) -> Change:
        if op.name is not None:
            self._require(Capability.RENAME_PERSON)
        if op.hidden is not None:
            self._require(Capability.HIDE_PERSON)
        before = await self.person(op.person_id)
        if op.shown_name is not None and before.name not in (op.shown_name, op.name) and op.name is not None:
            raise Conflict(f"{op.shown_name} was renamed to {before.name} elsewhere; not renamed.")
        after = await self.backend.update_person(op.person_id, name=op.name, hidden=op.hidden)
        inverse = UpdatePerson(
            op.person_id,
            name=None if op.name is None else before.name,
            hidden=None if op.hidden is None else before.hidden,
            shown_name=None if op.name is None else after.name,
        )
        return Change(persons=(after,), inverse=inverse)

    def can_merge(self) -> bool:
        return self.can(Capability.MERGE_PEOPLE) or (
            self.can(Capability.REASSIGN_FACES) and self.can(Capability.DELETE_PERSON)
        )

    async def all_faces(self, person_id: str | None, query: FacesQuery = FacesQuery()) -> list[Face]:
        """The person's faces, or with None the unassigned ones, in the query's order."""
        return await every_item(lambda cursor: self.faces_page(person_id, cursor, query=query),
                                self.backend.display_name)

    async def _merge(self, op: MergePeople, progress: Progress | None) -> Change:
        if op.target_id in op.source_ids or not op.source_ids:
            raise InvalidInput("Choose other people to merge into this one.")
        target = await self.person(op.target_id)
        if self.can(Capability.RESTORE) or not self.can(Capability.MERGE_PEOPLE):
            # from reassignment and deletion: undoable wherever deletion is
            moves = []
            for source in op.source_ids:
                moves.extend((f.id, target.id) for f in await self.all_faces(source))
            parts = ((AssignFaces(tuple(moves)),) if moves else ()) + tuple(DeletePerson(s) for s in op.source_ids)
            return await self._batch(Batch(parts), progress)
        merged = await self.backend.merge_people(target.id, op.source_ids)  # the backend's own, for good
        return Change(persons=(merged,), removed_person_ids=tuple(op.source_ids))

    async def _touched(self, faces: list[Face]) -> tuple[Person, ...]:
        return tuple(await self.backend.get_people(sorted({f.person_id for f in faces if f.person_id})))

    async def _delete_faces(self, op: DeleteFaces) -> Change:
        self._require(Capability.DELETE_FACES)
        faces = await self.backend.get_faces(op.face_ids)
        await self.backend.delete_faces(op.face_ids)
        return Change(
            persons=await self._touched(faces), removed_face_ids=op.face_ids,
            unassigned_delta=-sum(f.person_id is None for f in faces),
            inverse=RestoreFaces(op.face_ids) if self.can(Capability.RESTORE) else None,
        )

    async def _restore_faces(self, op: RestoreFaces) -> Change:
        self._require(Capability.RESTORE)
        await self.backend.restore_faces(op.face_ids)
        faces = await self.backend.get_faces(op.face_ids)
        return Change(persons=await self._touched(faces), faces=tuple(faces),
                      unassigned_delta=sum(f.person_id is None for f in faces), inverse=DeleteFaces(op.face_ids))

    async def _add_face(self, op: AddFace) -> Change:
        face = await face_drawing(self.backend).add_face(op.asset_id, op.box)
        return Change(faces=(face,), unassigned_delta=int(face.person_id is None), inverse=DeleteFaces((face.id,)))

    def _rejecting(self) -> FaceComparing:
        """The backend that keeps rejections. Saying whom a face is not is part of filing
        faces: refused where faces cannot be reassigned (a read-only library), with the
        sentence the window's tooltips say."""
        self._require(Capability.COMPARE_FACES)
        self._require(Capability.REASSIGN_FACES)
        return face_comparing(self.backend)

    async def _reject(self, op: RejectSuggestions) -> Change:
        """Undo forgets only the rejections this change made (one made before stays)."""
        backend = self._rejecting()
        pairs = tuple(dict.fromkeys(op.pairs))
        before = await backend.rejections()
        new = tuple(p for p in pairs if p not in before)
        if new:
            await backend.reject_suggestions(new)
        return Change(rejected=pairs, inverse=RestoreSuggestions(new))

    async def _unreject(self, op: RestoreSuggestions) -> Change:
        """Undo rejects again only what this change forgot."""
        backend = self._rejecting()
        pairs = tuple(dict.fromkeys(op.pairs))
        before = await backend.rejections()
        forgotten = tuple(p for p in pairs if p in before)
        if forgotten:
            await backend.restore_suggestions(forgotten)
        return Change(unrejected=pairs, inverse=RejectSuggestions(forgotten))

    async def _batch(self, op: Batch, progress: Progress | None = None) -> Change:
        change, inverses = Change(), []
        for at, part in enumerate(op.operations):
            done = await self._apply(part, progress)
            change = change.then(done)
            inverses.append(done.inverse)
            if done.unsent is not None:  # the rest waits behind the part not sent
                return replace(change, unsent=Batch((done.unsent, *op.operations[at + 1:])), inverse=None)
        complete = all(i is not None for i in inverses)
        inverse = Batch(tuple(reversed(inverses))) if complete else None
        return replace(change, inverse=inverse)
