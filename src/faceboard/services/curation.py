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
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from faceboard.domain import Capability, FacesQuery, Page, PeopleQuery, Person, Photo, Progress, count
from faceboard.errors import FaceboardError
from faceboard.services.curator import Curator
from faceboard.services.drops import Drops
from faceboard.services.images import ImagePipeline
from faceboard.services.operations import AddThumbnails, Change, Operation
from faceboard.services.outbox import WINDOW, Outbox, Waits
from faceboard.services.store import Store

DO, UNDO, REDO = "Do", "Undo", "Redo"  # the journal says "Undo: Detach face"
ANSWERED = {DO: "{}: done", UNDO: "Undone: {}", REDO: "Redone: {}"}  # the status bar, once the backend has it


async def _no_faces(person_id: str | None, cursor: str | None, query: FacesQuery) -> Page:
    """A backend that keeps pictures of people but no faces found in photos: the faces
    list is empty (and the window does not show it)."""
    return Page(())


class Curation:
    def __init__(self, curator: Curator, pipeline: ImagePipeline, outbox: Outbox,
                 spawn: Callable[[Awaitable], object], tell: Callable[[str], None], warn: Callable[[str], None]):
        self.curator, self.pipeline, self.outbox = curator, pipeline, outbox
        self._spawn, self.tell, self.warn = spawn, tell, warn
        self.on_progress: Callable[[int, int], None] = lambda done, total: None  # a bulk operation being sent
        self.on_progress_ended: Callable[[], None] = lambda: None
        outbox.spawn, outbox.on_resumed = spawn, self._resumed
        faces = curator.can(Capability.LIST_FACES)
        self.store = Store(curator.people_page, curator.faces_page if faces else _no_faces, curator.thumbnails,
                           curator.unassigned_count, spawn, self._report, curator.backend.display_name,
                           load_person=curator.person, load_group=curator.group_faces, lists_unassigned=faces)
        self.drops = Drops(self.store, curator)
        self._progress: Progress | None = None

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
        return True

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
        self.store.apply(change, counts_shown=predicted)
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
