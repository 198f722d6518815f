"""`Curation`: the window's reads and changes, without Qt.

It owns the store the panes read, and the drops judged against it. A change is shown at
once (the store's prediction), sent through the outbox (journaled, in order, one at a
time), and the backend's answer replaces the prediction. If the backend refuses, the
reason is said and the store is reloaded from the backend. If the backend does not
answer, the change waits in the journal, the prediction stays, and the outbox sends
what waits when the backend answers again (so are changes left waiting by an earlier
run). What happened is said through `tell` (done) and `warn` (not to be hidden by the
next "done"): the window's `Session` makes signals of them and keeps the undo stack.
`Curator`, below, applies one operation to the backend.

On a backend that compares faces, `likeness` (loaded in the background after the store)
follows every change the store shows, predicted and answered, and the faces a scan adds;
`suggested(face_ids)` tells the window whose suggestions changed.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from collections.abc import Awaitable, Callable
from pathlib import Path

from faceboard.backends.base import face_comparing
from faceboard.domain import Capability, Face, FacesQuery, Page, PeopleQuery, Person, Photo, Progress, Suggestion, count
from faceboard.errors import FaceboardError
from faceboard.services.curator import Curator
from faceboard.services.drops import Drops
from faceboard.services.images import ImagePipeline
from faceboard.services.likeness import Likeness
from faceboard.services.operations import (
    AddThumbnails, AssignFaces, Change, Operation, RejectSuggestions, RestoreSuggestions,
)
from faceboard.services.outbox import WINDOW, Outbox, Waits
from faceboard.services.store import Store

DO, UNDO, REDO = "Do", "Undo", "Redo"  # the journal says "Undo: Detach face"
LIKENESS_AFTER_S = 1.0  # the first pages and avatars come first: every embedding read meanwhile delayed them
ANSWERED = {DO: "{}: done", UNDO: "Undone: {}", REDO: "Redone: {}"}  # the status bar, once the backend has it


async def _no_faces(person_id: str | None, cursor: str | None, query: FacesQuery) -> Page:
    """A backend that keeps pictures of people but no faces found in photos: the faces
    list is empty (and the window does not show it)."""
    return Page(())


class Curation:
    def __init__(self, curator: Curator, pipeline: ImagePipeline, outbox: Outbox,
                 spawn: Callable[[Awaitable], object], tell: Callable[[str], None], warn: Callable[[str], None],
                 suggested: Callable[[set[str]], None] = lambda face_ids: None):
        self.curator, self.pipeline, self.outbox = curator, pipeline, outbox
        self._spawn, self.tell, self.warn, self._suggested = spawn, tell, warn, suggested
        self.on_progress: Callable[[int, int], None] = lambda done, total: None  # a bulk operation being sent
        self.on_progress_ended: Callable[[], None] = lambda: None
        outbox.spawn, outbox.on_resumed = spawn, self._resumed
        faces = curator.can(Capability.LIST_FACES)
        self.store = Store(curator.people_page, curator.faces_page if faces else _no_faces, curator.thumbnails,
                           curator.unassigned_count, spawn, self._report, curator.backend.display_name,
                           load_person=curator.person, load_group=curator.group_faces, lists_unassigned=faces)
        self.drops = Drops(self.store, curator)
        self._progress: Progress | None = None
        self.likeness: Likeness | None = None  # who the faces may be; None until loaded, or without embeddings
        self._missed: list[Change] | None = None  # while the likeness loads: the changes it must hear after
        self._load_again = False  # the backend changed under a likeness being loaded
        self._adding: bool | None = None  # new faces being read into the likeness (True: again after)

    def _report(self, what: str, error: Exception) -> None:
        if not isinstance(error, FaceboardError):
            raise error
        self.warn(f"{what} failed: {error.message}")

    # -- reading --------------------------------------------------------------------

    async def load(self) -> bool:
        """Read the first page of people (more come as the list scrolls); False if it failed."""
        try:
            await self.store.load()
        except FaceboardError as error:
            self._report("Loading the library", error)
            return False
        if self.curator.can(Capability.COMPARE_FACES):
            self._spawn(self._load_likeness())
        return True

    async def _load_likeness(self) -> None:
        """Read every face's embedding and work out who each may be, off the event loop;
        the changes shown meanwhile are applied to it before it is used."""
        if self._missed is not None:  # one is being loaded: it loads again when done
            self._load_again = True
            return
        self._missed = []
        try:
            await asyncio.sleep(LIKENESS_AFTER_S)
            people = await self.curator.all_people()
            likeness = await Likeness.load(face_comparing(self.curator.backend), {p.id: p.name for p in people})
        except FaceboardError as error:
            self._missed = None
            self._report("Comparing faces", error)
            return
        missed, self._missed = self._missed, None
        for change in missed:
            likeness.apply(change)
        await likeness.catch_up()
        self.likeness = likeness
        self._suggested(set(likeness.suggest_unassigned()))
        if self._load_again:
            self._load_again = False
            await self._load_likeness()

    def suggestions(self, face: Face) -> tuple[Suggestion, ...]:
        """Who a face may be: Faceboard's own comparison where it knows the face, else the
        backend's guesses (Gumnut's candidates)."""
        if self.likeness is not None and face.id in self.likeness:
            return self.likeness.suggestions(face.id)
        return face.suggestions

    async def faces_found(self) -> None:
        """Faces a scan found: they join the end of the unassigned faces shown (and the
        counts), and the likeness, which reads the embeddings it lacks (one read at a time:
        a call meanwhile makes one more after it)."""
        await self.store.read_newer()
        if self.likeness is None:
            return
        if self._adding is not None:
            self._adding = True
            return
        self._adding = False
        try:
            while True:
                if changed := await self.likeness.add_faces():
                    self._suggested(changed)
                if not self._adding:
                    break
                self._adding = False
        except FaceboardError as error:
            self._report("Comparing the faces found", error)
        finally:
            self._adding = None

    def _compare(self, change: Change) -> None:
        """The likeness hears what the store shows now."""
        if self._missed is not None:
            self._missed.append(change)
        if self.likeness is None:
            return
        if changed := self.likeness.apply(change):
            self._suggested(changed)
        if self.likeness.behind:  # the faces farther from what changed: measured off the event loop
            self._spawn(self._catch_up(self.likeness))
        if unknown := self.likeness.unknown_faces(change):  # a face drawn: its embedding is read
            self._spawn(self._add_faces(unknown))

    async def _catch_up(self, likeness: Likeness) -> None:
        if changed := await likeness.catch_up():
            self._suggested(changed)

    async def _add_faces(self, face_ids: list[str]) -> None:
        try:
            if self.likeness is not None and (changed := await self.likeness.add_faces(face_ids)):
                self._suggested(changed)
        except FaceboardError as error:
            self._report("Comparing faces", error)

    async def search_people(self, text: str) -> list[Person]:
        """People whose name holds `text`, for pickers (the first 200 by name)."""
        return list((await self.curator.people_page(PeopleQuery(text=text), None, 200)).items)

    async def reload(self) -> None:
        """Show exactly what the backend holds now, keeping the selection."""
        try:
            gone = await self.store.refresh()  # what became of the selected person, if they went
        except FaceboardError as error:
            self._report("Reloading", error)
            return
        if gone:
            self.warn(gone)
        if self.likeness is not None:  # it heard a prediction the backend may have refused
            self._spawn(self._load_likeness())

    def predict(self, operation: Operation) -> bool:
        """Show the expected outcome of an operation before the backend answers (the store's
        prediction, and the likeness's: faces moved, suggestions rejected or restored). True
        when the face counts shown already include it."""
        moves = operation.moves if isinstance(operation, AssignFaces) else ()
        shown = {face.id: face.person_id for face in map(self.store.faces.get, (face_id for face_id, _ in moves)) if face is not None}
        counted = self.store.predict(operation)
        if moves and len(shown) == len(moves):
            self._spawn(self._compare_moved(moves, shown))
        elif (expected := self._expected(operation)) is not None:
            self._compare(expected)
        return counted

    async def _compare_moved(self, moves, shown: dict[str, str | None]) -> None:
        """The likeness hears a move as predicted once the store has made the moved faces
        (not in the drop's own turn: the longest stall): each face where the store has it
        by then, or where the move takes it if the store still shows it where it was."""
        await self.store.all_made()
        faces = self.store.faces
        self._compare(Change(faces=tuple(
            replace(face, person_id=target) if (face := faces[face_id]).person_id == shown[face_id] else face
            for face_id, target in moves)))

    def _expected(self, operation: Operation) -> Change | None:
        match operation:
            case RejectSuggestions(pairs):
                return Change(rejected=pairs)
            case RestoreSuggestions(pairs):
                return Change(unrejected=pairs)
        return None

    async def photo(self, asset_id: str) -> tuple[Photo, dict[str, str]]:
        """The photo of a face with every face on it, and the names of the people on it; its
        faces are known to the store from then on (a move of one is shown at once)."""
        photo, names = await self.curator.photo(asset_id)
        self.store.meet(photo.faces)
        return photo, names

    async def thumbnails_from(self, person_id: str, paths: tuple[Path, ...]) -> AddThumbnails | None:
        """Check every picture off the GUI thread: the good ones become the person's
        thumbnails, the bad ones are named."""
        images, refused = await self.pipeline.prepare_uploads(paths)
        if refused:
            shown = " ".join(refused[:3]) + (f" And {len(refused) - 3} more." if len(refused) > 3 else "")
            self.warn(f"Not added ({len(refused)} of {len(refused) + len(images)}): {shown}")
        return AddThumbnails(person_id, tuple(data for _, data in images), names=tuple(name for name, _ in images)) \
            if images else None

    # -- sending (through the outbox: journaled, in order, retried while offline) -----

    def cancel(self) -> None:
        """Stop the bulk operation under way; what was done stays done (and undoable)."""
        if self._progress is not None:
            self._progress.cancel()

    def _reported(self, progress: Progress, done: int, total: int) -> None:
        """A bulk operation being sent says how far it got (the one sent now: changes
        queued behind it have not started)."""
        self._progress = progress
        self.on_progress(done, total)

    async def send(self, operation: Operation | None, step: str, text: str, predicted: bool,
                   answered: Callable[[Operation | None], None], unsent: Callable[[], None]) -> None:
        """Send the `step` (done, undone, redone) of the change named `text`; `predicted`:
        the store shows it already. `answered(inverse)` hears what would take it back,
        `unsent()` that it was refused or waits (it cannot be taken back before the
        backend has it)."""
        summary = f"{step}: {text}" if step != DO else text  # as the journal and the change log say it
        progress = Progress(lambda done, total: self._reported(progress, done, total))
        try:
            if operation is None:
                raise FaceboardError("the backend cannot undo this change")
            change = await self.outbox.submit(operation, summary, WINDOW, progress)
        except Waits as error:  # the prediction stays on screen
            unsent()
            self.warn(f"Offline: {error.message}")
            await self._keep_waiting()
            return
        except FaceboardError as error:  # without a journal, no answer is a refusal too
            self.warn(f"{summary} failed: {error.message}")
            unsent()
            await self.reload()
            return
        finally:
            if self._progress is progress:
                self._progress = None
                self.on_progress_ended()
        answered(change.inverse)
        await self._answered(change, step, text, summary, predicted)

    async def _answered(self, change: Change, step: str, text: str, summary: str, predicted: bool) -> None:
        """Show the answer, in a turn after the one that built it (for a drop of 1,000
        faces, building the answer and showing it took 2-5 ms each, and the window
        painted only after both). The likeness hears it in the same turn as the store:
        both in the order the changes came."""
        await asyncio.sleep(0)
        self.store.apply(change, counts_shown=predicted)
        self._compare(change)
        if change.unsent is not None:
            self.warn(f"{summary}: part of it got no answer; it waits and will be sent when "
                      f"{self.curator.backend.display_name} answers again.")
            await self._keep_waiting()
        elif change.failures:
            self.warn(f"{summary}: {len(change.failures)} not done: {change.failures[0][1]}")
            await self.reload()
        elif change.inverse is None:
            self.tell(f"{ANSWERED[step].format(text)}; this change cannot be undone.")
        else:
            self.tell(f"{ANSWERED[step].format(text)}.")

    async def _keep_waiting(self) -> None:
        """Say how many changes wait, and send them when the backend answers again."""
        self.outbox.on_waiting(await self.outbox.waiting())
        self.outbox.keep_sending(after_failure=True)

    def _resumed(self, results: list) -> None:
        """Changes that waited were answered: say how, and show what the backend holds now."""
        for entry, outcome in results:
            if isinstance(outcome, FaceboardError):
                self.warn(f"{entry.summary} failed: {outcome.message}")
        sent = sum(not isinstance(outcome, FaceboardError) for _, outcome in results)
        if sent:
            self.tell(f"{count(sent, 'waiting change')} sent to {self.curator.backend.display_name}.")
        if results:
            self._spawn(self.reload())  # with the waiting changes in it
