"""`Session`: the window's link to the services, and what of it is Qt's: the signals the
status bar and the panes hear, the undo stack, the pane models and the tile cache.

What the window shows, how a change is sent and what its answer does are
`services.curation`'s; whether a drop may land and what it means, `services.drops`'.
Here a user's action becomes a command on the undo stack; redo and undo send it (or
its inverse) through the curation, and a change the backend refused, or that waits
for it, leaves the stack.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

from faceboard.domain import BoundingBox, Capability, Face, FaceGroup, Person, Photo, PrimaryCandidate
from faceboard.errors import FaceboardError
from faceboard.services.curation import Curation
from faceboard.services.curator import Curator
from faceboard.services.drops import AddFiles, Payload, assignment
from faceboard.services.images import ImagePipeline
from faceboard.services.operations import (
    AddFace,
    Batch,
    CreatePerson,
    DeleteFaces,
    DeletePerson,
    MergePeople,
    Operation,
    RejectSuggestions,
    RemoveThumbnails,
    SetPrimary,
    SetPrimaryFromFace,
    UpdatePerson,
    describe,
)
from faceboard.services.outbox import Outbox
from faceboard.services.store import FACES, Event
from faceboard.services.tasks import Tasks
from faceboard.ui.commands import OperationCommand
from faceboard.ui.panes.faces import FacesModel
from faceboard.ui.panes.people import PeopleModel
from faceboard.ui.panes.thumbnails import ThumbnailsModel
from faceboard.ui.tile_cache import TileCache

GROUPS_SHOWN = 200  # unknown groups listed below the people, largest first: the rest are a few faces each
REGROUP_QUIET_S = 0.4  # the unknown groups are made again once the changes pause this long


class Session(QObject):
    message = Signal(str)  # for the status bar: what just happened
    problem = Signal(str)  # for the status bar too, and not to be hidden by the next "done"
    loaded = Signal()
    progress = Signal(int, int)  # a bulk operation: done, total
    progressEnded = Signal()
    waiting = Signal(int)  # changes waiting in the journal for the backend to answer again
    sent = Signal()  # a change's round ended (answered, refused or waiting): what the store does not hold is read again
    suggestionsChanged = Signal(object)  # set of face ids whose `curation.suggestions` changed

    def __init__(self, curator: Curator, pipeline: ImagePipeline, parent=None, outbox: Outbox | None = None):
        """`outbox`: where changes go (the app's journals them); by default one without a
        journal, which sends in order and refuses what gets no answer."""
        super().__init__(parent)
        self.curator = curator
        self._tasks = Tasks()
        self.spawn, self.settle = self._tasks.spawn, self._tasks.settle
        self.outbox = outbox or Outbox(curator)
        self.outbox.on_waiting = self.waiting.emit
        self.curation = Curation(curator, pipeline, self.outbox, self.spawn, self.message.emit, self.problem.emit,
                                 suggested=self.suggestionsChanged.emit)
        self.curation.on_progress, self.curation.on_progress_ended = self.progress.emit, self.progressEnded.emit
        self.store = self.curation.store
        self.tiles = TileCache(pipeline, parent=self)
        self.store.listen(self._forget_tiles_wanted)
        self.people = PeopleModel(self.store, self)
        if not curator.can(Capability.LIST_FACES):
            self.people.noun = "picture"
        self.faces = FacesModel(self.store, self, suggestions=self.curation.suggestions)
        self.thumbnails = ThumbnailsModel(self.store, self)
        self.undo_stack = QUndoStack(self)
        self._rounds: dict[int, int] = {}  # command id -> rounds on their way
        self._in_flight = 0
        self._regrouping = self._regroup_again = False
        self._regroup_asked = 0.0  # when the groups were last asked to be made again (time.monotonic)
        self.suggestionsChanged.connect(lambda _: self.regroup())  # the likeness loaded, or faces were named, moved, freed, found

    def _forget_tiles_wanted(self, event: Event) -> None:
        """Another person's faces are shown: the tiles asked for the last ones are not needed."""
        if event.kind == "resetting" and event.pane == FACES:
            self.tiles.drop_pending()

    @property
    def busy(self) -> bool:
        return self._in_flight > 0 or self.outbox.busy

    # -- reading --------------------------------------------------------------------

    async def load(self) -> None:
        if await self.curation.load():
            self.loaded.emit()

    async def search_people(self, text: str) -> list[Person]:
        return await self.curation.search_people(text)

    async def reload(self) -> None:
        await self.curation.reload()

    async def photo(self, asset_id: str) -> tuple[Photo, dict[str, str]]:
        return await self.curation.photo(asset_id)

    async def best_primary(self, person_id: str) -> tuple[PrimaryCandidate, Face] | None:
        """The best of a person's faces as their primary, with the face; None where there is
        no comparing (or the backend makes no primary of a face)."""
        likeness = self.curation.likeness
        if likeness is None or not self.curator.can_make_face_primary():
            return None
        best = await likeness.best_primary(person_id, limit=1)
        if not best:
            return None
        face = self.store.faces.get(best[0].face_id)
        if face is None:
            found = await self.curator.backend.get_faces([best[0].face_id])
            face = found[0] if found else None
        return None if face is None else (best[0], face)

    def is_primary(self, person_id: str, face: Face) -> bool:
        """Whether the person's primary thumbnail is already this face (as far as the store knows)."""
        person = self.store.people.get(person_id)
        thumbnails = self.store.thumbnails.get(person_id, ())
        return any(t.is_primary and t.face_id == face.id for t in thumbnails) or (
            person is not None and person.primary_image == face.image)

    def regroup(self) -> None:
        """Make the unknown groups again, in the background, once the changes pause for
        REGROUP_QUIET_S: an operator deciding in Review a few times a second does not
        regroup every unknown face at each decision (at 100,000 faces that doubled Review's
        stalls, benchmarks/scale.py). One making at a time, and one more after it if asked
        meanwhile. By then the change's own catch-up has started, and it tells whose
        suggestions changed (groups() catching up first would swallow that)."""
        self._regroup_asked = time.monotonic()
        if self._regrouping:
            self._regroup_again = True
            return
        self._regrouping = True
        self.spawn(self._regroup())

    async def _regroup(self) -> None:
        try:
            again = True
            while again:
                while (quiet := self._regroup_asked + REGROUP_QUIET_S - time.monotonic()) > 0:
                    await asyncio.sleep(quiet)
                self._regroup_again = False
                likeness = self.curation.likeness
                groups = () if likeness is None else tuple(await likeness.groups())[:GROUPS_SHOWN]
                pictures = [g.face_ids[0] for g in groups if g.face_ids[0] not in self.store.faces]
                if pictures:  # each row shows its likeliest face
                    self.store.meet(await self.curator.backend.get_faces(pictures))
                self.people.set_groups(groups)
                self.store.regroup(groups)
                again = self._regroup_again
        except FaceboardError as error:
            self.problem.emit(f"Grouping the unknown faces failed: {error.message}")
        finally:
            self._regrouping = False

    # -- drops ----------------------------------------------------------------------

    def judge(self, payload: Payload, target: object) -> str | None:
        """None if `payload` may be dropped on `target` (a Person, None for Unassigned,
        or the primary slot), else the reason it may not."""
        return self.curation.drops.judge(payload, target)

    def drop(self, payload: Payload, target: object) -> None:
        if reason := self.judge(payload, target):
            self.problem.emit(reason)
            return
        match self.curation.drops.meaning(payload, target):
            case AddFiles(person_id, paths):
                self.add_files(person_id, paths)
            case operation:
                self.submit(operation)

    # -- actions --------------------------------------------------------------------

    def assign(self, face_ids: Iterable[str], person_id: str | None) -> None:
        if face_ids := tuple(face_ids):
            self.submit(assignment(self.store, face_ids, person_id))

    def set_primary(self, person_id: str, thumbnail_id: str) -> None:
        if already := self.curation.drops.already_primary(person_id, thumbnail_id):
            self.message.emit(already)
            return
        self.submit(SetPrimary(person_id, thumbnail_id))

    def primary_from_face(self, person_id: str, face_id: str) -> None:
        self.submit(SetPrimaryFromFace(person_id, face_id))

    def remove_thumbnail(self, person_id: str, thumbnail_id: str) -> None:
        self.submit(RemoveThumbnails(person_id, (thumbnail_id,)))

    def merge(self, target_id: str, source_ids: Iterable[str]) -> None:
        self.submit(MergePeople(target_id, tuple(source_ids)))

    def delete_faces(self, face_ids: Iterable[str]) -> None:
        self.submit(DeleteFaces(tuple(face_ids)))

    def add_face(self, asset_id: str, box: BoundingBox) -> None:
        self.submit(AddFace(asset_id, box))

    def reject_suggestions(self, pairs: Iterable[tuple[str, str]]) -> None:
        """(face id, person id): the face is not that person; they are never suggested for it again."""
        self.submit(RejectSuggestions(tuple(pairs)))

    def create_person(self, name: str, face_ids: Iterable[str]) -> None:
        self.submit(CreatePerson(name, tuple(face_ids)))

    def name_group(self, group: FaceGroup, name: str) -> None:
        """The person `name`, created with the group's faces (those still unassigned): one change."""
        faces = self.store.faces
        self.create_person(name, (f for f in group.face_ids if f not in faces or faces[f].person_id is None))

    def rename(self, person_id: str, name: str) -> None:
        person = self.store.people.get(person_id)
        self.submit(UpdatePerson(person_id, name=name, shown_name=person.name if person else None))

    def set_hidden(self, person_ids: Iterable[str], hidden: bool) -> None:
        """Hide (or show) people: one change, however many."""
        self.submit(_one_change([UpdatePerson(p, hidden=hidden) for p in person_ids]))

    def delete_people(self, person_ids: Iterable[str]) -> None:
        """Delete people (their faces become unassigned): one change, however many."""
        self.submit(_one_change([DeletePerson(p) for p in person_ids]))

    def add_files(self, person_id: str, paths: Iterable[Path]) -> None:
        self.spawn(self._add_files(person_id, tuple(paths)))

    async def _add_files(self, person_id: str, paths: tuple[Path, ...]) -> None:
        if operation := await self.curation.thumbnails_from(person_id, paths):
            self.submit(operation)

    # -- the undo stack ---------------------------------------------------------------

    def submit(self, operation: Operation) -> None:
        self.undo_stack.push(OperationCommand(self.execute, operation, describe(operation, _Names(self.store.people))))

    def execute(self, command: OperationCommand, step: str) -> None:
        """Called by the command on redo and undo (`step`): show the result at once, then send."""
        predicted = False
        if not self._rounds.get(id(command)) and command.pending is not None:
            predicted = self.curation.predict(command.pending)
        self._rounds[id(command)] = self._rounds.get(id(command), 0) + 1
        self._in_flight += 1
        self.spawn(self._send(command, step, predicted))

    async def _send(self, command: OperationCommand, step: str, predicted: bool) -> None:
        def answered(inverse: Operation | None) -> None:
            command.pending = inverse

        try:
            await self.curation.send(command.pending, step, command.text(), predicted, answered,
                                     lambda: self._drop(command))
        finally:
            self._rounds[id(command)] -= 1
            self._in_flight -= 1
            self.sent.emit()

    def _drop(self, command: OperationCommand) -> None:
        """Take a command off the undo stack without replaying it."""
        command.setObsolete(True)  # QUndoStack drops an obsolete command instead of replaying it
        index = self.undo_stack.index()
        if index > 0 and self.undo_stack.command(index - 1) is command:
            self.undo_stack.undo()

    def cancel(self) -> None:
        """Stop the bulk operation under way; what was done stays done (and undoable)."""
        self.curation.cancel()

    def keep_sending(self, after_failure: bool = False) -> None:
        """Send what waits in the journal, and again while the backend is away."""
        self.outbox.keep_sending(after_failure)

    def stop_sending(self) -> None:
        self.outbox.stop_sending()


def _one_change(operations: list[Operation]) -> Operation:
    return operations[0] if len(operations) == 1 else Batch(tuple(operations))


class _Names(Mapping):
    """People's names by id, read from the store's people when asked: a drop does not copy
    10,000 names to describe one move (a millisecond of its stall)."""

    def __init__(self, people: Mapping[str, Person]):
        self._people = people

    def __getitem__(self, person_id: str) -> str:
        return self._people[person_id].name

    def __iter__(self) -> Iterator[str]:
        return iter(self._people)

    def __len__(self) -> int:
        return len(self._people)
