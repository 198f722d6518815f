"""`Session`: the window's link to the services. It owns the store (what the panes
show), the pane models over it, the undo stack and the tile cache, judges drops, and
turns user actions into operations.

Every change is shown at once (a prediction from what the store already holds), then
sent through the outbox (journaled, in order, one at a time); the backend's answer
replaces the prediction. If the backend refuses, the reason goes to the status bar, the
panes are reloaded from the backend, and the command leaves the undo stack. If the
backend does not answer, the change waits in the journal, the prediction stays, the
window says "offline, N changes waiting", and the outbox sends what waits when the
backend answers again; changes left waiting by an earlier run are sent the same way
when it opens. What is Qt's stays here: the signals and the undo stack.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Iterable
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

from faceboard.domain import Capability, Page, PeopleQuery, Person, Progress
from faceboard.errors import FaceboardError
from faceboard.services.curator import Curator
from faceboard.services.images import ImagePipeline
from faceboard.services.operations import (
    AddThumbnails,
    AssignFaces,
    CreatePerson,
    DeleteFaces,
    MergePeople,
    Operation,
    RemoveThumbnails,
    SetPrimary,
    SetPrimaryFromFace,
    UpdatePerson,
    describe,
)
from faceboard.services.outbox import WINDOW, Outbox, Waits
from faceboard.services.store import FACES, Event, Store, count
from faceboard.ui.commands import ANSWERED, DO, OperationCommand
from faceboard.ui.mime import FacesPayload, FilesPayload, Payload, ThumbnailPayload
from faceboard.ui.panes.faces import FacesModel
from faceboard.ui.panes.people import PeopleModel
from faceboard.ui.panes.thumbnails import ThumbnailsModel
from faceboard.ui.tile_cache import TileCache


async def _no_faces(person_id: str | None, cursor: str | None) -> Page:
    """A backend that keeps pictures of people but no faces found in photos: the faces
    list is empty (and the window does not show it)."""
    return Page(())


class Session(QObject):
    message = Signal(str)  # for the status bar: what just happened
    problem = Signal(str)  # for the status bar too, and not to be hidden by the next "done"
    loaded = Signal()
    progress = Signal(int, int)  # a bulk operation: done, total
    progressEnded = Signal()
    waiting = Signal(int)  # changes waiting in the journal for the backend to answer again

    def __init__(self, curator: Curator, pipeline: ImagePipeline, parent=None, outbox: Outbox | None = None):
        """`outbox`: where changes go (the app's journals them); by default one without a
        journal, which sends in order and refuses what gets no answer."""
        super().__init__(parent)
        self.curator = curator
        self.outbox = outbox or Outbox(curator)
        self.outbox.spawn = self.spawn
        self.outbox.on_waiting = self.waiting.emit
        self.outbox.on_resumed = self._resumed
        self.tiles = TileCache(pipeline, parent=self)
        faces = curator.can(Capability.LIST_FACES)
        self.store = Store(curator.people_page, curator.faces_page if faces else _no_faces, curator.thumbnails,
                           curator.unassigned_count, self.spawn, self._report,
                           load_person=curator.person, lists_unassigned=faces)
        self.store.listen(self._forget_tiles_wanted)
        self.people = PeopleModel(self.store, self)
        if not faces:
            self.people.noun = "picture"
        self.faces = FacesModel(self.store, self)
        self.thumbnails = ThumbnailsModel(self.store, self)
        self.undo_stack = QUndoStack(self)
        self._tasks: set[asyncio.Task] = set()
        self._rounds: dict[int, int] = {}  # command id -> rounds on their way
        self._in_flight = 0
        self._progress: Progress | None = None

    def _forget_tiles_wanted(self, event: Event) -> None:
        """Another person's faces are shown: the tiles asked for the last ones are not needed."""
        if event.kind == "resetting" and event.pane == FACES:
            self.tiles.drop_pending()

    # -- tasks ----------------------------------------------------------------------

    def spawn(self, awaitable: Awaitable) -> asyncio.Task:
        """Run a coroutine on the loop; an unexpected exception goes to sys.excepthook."""
        task = asyncio.ensure_future(awaitable)
        self._tasks.add(task)
        task.add_done_callback(self._finished)
        return task

    def _finished(self, task: asyncio.Task) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            error = task.exception()
            sys.excepthook(type(error), error, error.__traceback__)

    async def settle(self) -> None:
        """Wait until every task started so far (and any they started) has finished."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    @property
    def busy(self) -> bool:
        return self._in_flight > 0 or self.outbox.busy

    def _report(self, what: str, error: Exception) -> None:
        if not isinstance(error, FaceboardError):
            raise error
        self.problem.emit(f"{what} failed: {error.message}")

    # -- loading --------------------------------------------------------------------

    async def load(self) -> None:
        """Read the first page of people (more come as the list scrolls)."""
        try:
            await self.store.load()
        except FaceboardError as error:
            self._report("Loading the library", error)
            return
        self.loaded.emit()

    async def search_people(self, text: str) -> list[Person]:
        """People whose name holds `text`, for pickers (the first 200 by name)."""
        return list((await self.curator.people_page(PeopleQuery(text=text), None, 200)).items)

    async def reload(self) -> None:
        """Show exactly what the backend holds now, keeping the selection."""
        try:
            gone = await self.store.refresh()
        except FaceboardError as error:
            self._report("Reloading", error)
            return
        if gone:
            self.problem.emit(gone)

    # -- drops ----------------------------------------------------------------------

    def judge(self, payload: Payload, target: object) -> str | None:
        """None if `payload` may be dropped on `target`, else the reason it may not.

        `target` is a Person, None (the Unassigned row), or the primary slot (any other
        object), which stands for the selected person's primary.
        """
        can = self.curator.can
        to_slot = not (target is None or isinstance(target, Person))
        person = self.store.selected_person if to_slot else target
        backend = self.curator.backend.display_name
        match payload:
            case FacesPayload(face_ids, source):
                if to_slot or (person is not None and person.id == source):
                    if not self.curator.can_make_face_primary():
                        return f"{backend} cannot make a face the primary thumbnail."
                    if source != person.id:
                        return f"Only {person.name}'s own faces can become their primary."
                    if len(face_ids) != 1:
                        return "Drop a single face to make it the primary."
                    return None
                if not can(Capability.REASSIGN_FACES):
                    return f"{backend} cannot reassign faces."
                if person is None and source is None:
                    return "These faces are already unassigned."
                return None
            case ThumbnailPayload(owner, _):
                if not can(Capability.SET_PRIMARY):
                    return f"{backend} cannot change the primary thumbnail."
                if person is None:
                    return "Drop a thumbnail on its own person (or the primary slot) to make it the primary."
                if owner != person.id:
                    owner_person = self.store.people.get(owner)
                    owner_name = owner_person.name if owner_person else "another person"
                    return f"This thumbnail belongs to {owner_name}; it can only be their primary."
                return None
            case FilesPayload():
                if to_slot:
                    return "Drop pictures on a person in the People list to add them as thumbnails."
                if person is None:
                    return "Pictures become thumbnails of a person: drop them on one."
                if not can(Capability.ADD_THUMBNAILS):
                    return f"{backend} cannot add thumbnails."
                return None
        return "Faceboard cannot use what was dropped."

    def drop(self, payload: Payload, target: object) -> None:
        reason = self.judge(payload, target)
        if reason:
            self.problem.emit(reason)
            return
        to_slot = not (target is None or isinstance(target, Person))
        person = self.store.selected_person if to_slot else target
        match payload:
            case FacesPayload(face_ids, source) if person is not None and (to_slot or person.id == source):
                self.primary_from_face(person.id, face_ids[0])
            case FacesPayload(face_ids, _):
                self.assign(face_ids, None if person is None else person.id)
            case ThumbnailPayload(owner, thumbnail_id):
                self.set_primary(owner, thumbnail_id)
            case FilesPayload(paths):
                self.add_files(person.id, paths)

    # -- actions --------------------------------------------------------------------

    def assign(self, face_ids: Iterable[str], person_id: str | None) -> None:
        moves = tuple((face_id, person_id) for face_id in face_ids)
        shown = tuple((face_id, face.person_id) for face_id, _ in moves if (face := self.store.faces.get(face_id)))
        if moves:
            self.submit(AssignFaces(moves, shown))  # a face someone moved meanwhile stays where they put it

    def set_primary(self, person_id: str, thumbnail_id: str) -> None:
        person = self.store.people.get(person_id)
        if person is not None and person.primary_thumbnail_id == thumbnail_id:
            self.message.emit(f"That is already {person.name}'s primary thumbnail.")
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

    def create_person(self, name: str, face_ids: Iterable[str]) -> None:
        self.submit(CreatePerson(name, tuple(face_ids)))

    def rename(self, person_id: str, name: str) -> None:
        person = self.store.people.get(person_id)
        self.submit(UpdatePerson(person_id, name=name, shown_name=person.name if person else None))

    def set_hidden(self, person_id: str, hidden: bool) -> None:
        self.submit(UpdatePerson(person_id, hidden=hidden))

    def add_files(self, person_id: str, paths: Iterable[Path]) -> None:
        self.spawn(self._add_files(person_id, tuple(paths)))

    async def _add_files(self, person_id: str, paths: tuple[Path, ...]) -> None:
        """Validate every picture off the GUI thread; add the good ones, name the bad ones."""
        images, refused = await self.tiles.pipeline.prepare_uploads(paths)
        if images:
            self.submit(AddThumbnails(person_id, tuple(images)))
        if refused:
            shown = " ".join(refused[:3]) + (f" And {len(refused) - 3} more." if len(refused) > 3 else "")
            self.problem.emit(f"Not added ({len(refused)} of {len(refused) + len(images)}): {shown}")

    # -- sending (through the outbox: journaled, in order, retried while offline) -----

    def submit(self, operation: Operation) -> None:
        names = {p.id: p.name for p in self.store.people.values()}
        self.undo_stack.push(OperationCommand(self.execute, operation, describe(operation, names)))

    def execute(self, command: OperationCommand, step: str) -> None:
        """Called by the command on redo and undo (`step`): show the result at once, then send."""
        predicted = False
        if not self._rounds.get(id(command)) and command.pending is not None:
            predicted = self.store.predict(command.pending)
        self._rounds[id(command)] = self._rounds.get(id(command), 0) + 1
        self._in_flight += 1
        self.spawn(self._send(command, step, predicted))

    def cancel(self) -> None:
        """Stop the bulk operation under way; what was done stays done (and undoable)."""
        if self._progress is not None:
            self._progress.cancel()

    def _reported(self, progress: Progress, done: int, total: int) -> None:
        """A bulk operation being sent says how far it got (the one sent now: changes
        queued behind it have not started)."""
        self._progress = progress
        self.progress.emit(done, total)

    async def _send(self, command: OperationCommand, step: str, predicted: bool) -> None:
        text = command.text()
        summary = f"{step}: {text}" if step != DO else text  # as the journal and the change log say it
        progress = Progress(lambda done, total: self._reported(progress, done, total))
        try:
            try:
                if command.pending is None:
                    raise FaceboardError("the backend cannot undo this change")
                change = await self.outbox.submit(command.pending, summary, WINDOW, progress)
            except Waits as error:
                await self._offline(command, error.message)
                return
            except FaceboardError as error:  # without a journal, no answer is a refusal too
                await self._refused(command, summary, error)
                return
            finally:
                if self._progress is progress:
                    self._progress = None
                    self.progressEnded.emit()
            command.pending = change.inverse
            self.store.apply(change, counts_shown=predicted)
            if change.unsent is not None:
                self.problem.emit(f"{summary}: part of it got no answer; it waits and will be sent when "
                                  f"{self.curator.backend.display_name} answers again.")
                self.waiting.emit(await self.outbox.waiting())
                self.keep_sending(after_failure=True)
            elif change.failures:
                self.problem.emit(f"{summary}: {len(change.failures)} not done: {change.failures[0][1]}")
                await self.reload()
            elif change.inverse is None:
                self.message.emit(f"{ANSWERED[step].format(text)}; this change cannot be undone.")
            else:
                self.message.emit(f"{ANSWERED[step].format(text)}.")
        finally:
            self._rounds[id(command)] -= 1
            self._in_flight -= 1

    async def _offline(self, command: OperationCommand, why: str) -> None:
        """The change waits in the journal; its prediction stays on screen."""
        self._drop(command)  # it cannot be undone before the backend has it
        self.problem.emit(f"Offline: {why}")
        self.waiting.emit(await self.outbox.waiting())
        self.keep_sending(after_failure=True)

    def _drop(self, command: OperationCommand) -> None:
        """Take a command off the undo stack without replaying it."""
        command.setObsolete(True)  # QUndoStack drops an obsolete command instead of replaying it
        index = self.undo_stack.index()
        if index > 0 and self.undo_stack.command(index - 1) is command:
            self.undo_stack.undo()

    def keep_sending(self, after_failure: bool = False) -> None:
        """Send what waits in the journal, and again while the backend is away."""
        self.outbox.keep_sending(after_failure)

    def stop_sending(self) -> None:
        self.outbox.stop_sending()

    def _resumed(self, results: list) -> None:
        """Changes that waited were answered: say how, and show what the backend holds now."""
        for entry, outcome in results:
            if isinstance(outcome, FaceboardError):
                self.problem.emit(f"{entry.summary} failed: {outcome.message}")
        sent = sum(not isinstance(outcome, FaceboardError) for _, outcome in results)
        if sent:
            self.message.emit(f"{count(sent, 'waiting change')} sent to "
                              f"{self.curator.backend.display_name}.")
        if results:
            self.spawn(self.reload())  # with the waiting changes in it

    async def _refused(self, command: OperationCommand, summary: str, error: FaceboardError) -> None:
        self.problem.emit(f"{summary} failed: {error.message}")
        self._drop(command)
        await self.reload()
