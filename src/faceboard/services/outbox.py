"""`Outbox`: the one way a change reaches a connection, from the window and the command
line alike.

Each change is written to the journal first, then sent in the order it was made, one
at a time, behind every change already waiting for that connection (a change the
backend did not answer, or one left by a run that was killed). When the backend does
not answer, the change waits and the outbox tries again (`keep_sending`, with the
`OFFLINE` retry policy). An entry that cannot be read or sent (damaged, or failing
in a way nothing expected) is marked failed with the reason, and the rest are still
sent: one bad entry never blocks a connection for good. Plain asyncio, no Qt: the
window hears what happens through the `on_waiting` and `on_resumed` callbacks.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable

from faceboard.domain import Progress, count
from faceboard.errors import FaceboardError, NotFound, RateLimited, Unavailable, Unreachable
from faceboard.lockfile import LockFile
from faceboard.retry import FOREVER, RetryPolicy
from faceboard.services.curator import Curator
from faceboard.services.journal import DONE, FAILED, Entry, Journal
from faceboard.services.operations import Change, Operation

WINDOW, COMMAND_LINE = "window", "command line"  # where a change was made (the journal's origin)
OFFLINE = RetryPolicy(retries=FOREVER, initial_delay=2.0, max_delay=30.0)  # 2, 4, 8, 16 s, then every 30 s
LOCK_POLL = 0.05  # seconds between looks while another Faceboard sends to the same connection
_NO_ANSWER = (Unreachable, RateLimited)  # the change may be sent again later
log = logging.getLogger("faceboard.outbox")

Outcome = Change | FaceboardError


class Waits(Unavailable):
    """The change is kept in the journal and will be sent when the backend answers
    (`behind`: how many earlier changes wait before it)."""

    def __init__(self, message: str, behind: int = 0):
        super().__init__(message)
        self.behind = behind


class SentMeanwhile(FaceboardError):
    """Another Faceboard sending to the same connection (a window resuming, say) sent
    this change while this one waited its turn: it is done, and this one has nothing left to send."""


class Outbox:
    def __init__(self, curator: Curator, journal: Journal | None = None, key: str = "", name: str = "",
                 retry: RetryPolicy | None = None, sleep: Callable[[float], Awaitable] = asyncio.sleep,
                 spawn: Callable[[Awaitable], asyncio.Task] = asyncio.ensure_future):
        """`key`: the connection's identity (`Profile.key`); `name`: its profile's name.
        Without a journal (tests, the self-test) changes are still sent in order, and one
        the backend does not answer is refused rather than kept."""
        self.curator = curator
        self.journal = journal
        self.key, self.name = key, name
        self.retry, self._sleep = retry or OFFLINE, sleep
        self.spawn = spawn  # how the retrying task is started (the window's session keeps track of its tasks)
        self.on_waiting: Callable[[int], None] = lambda count: None  # how many changes wait now
        self.on_resumed: Callable[[list[tuple[Entry, Outcome]]], None] = lambda results: None  # waiting ones answered
        self._lock = None  # made on first use, on the running loop
        self._retrying: asyncio.Task | None = None

    @contextlib.asynccontextmanager
    async def _sending(self) -> AsyncIterator[None]:
        """Held while changes are sent: one at a time, in the order they were made, by
        this process and by any other Faceboard sending to the same connection (a window
        and a command line, say), which waits on a lock file beside the journal."""
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            if self.journal is None:
                yield
                return
            name = hashlib.sha1(f"{self.key}|{self.name}".encode()).hexdigest()[:16]
            turn = LockFile(self.journal.path.with_name(f"sending-{name}.lock"))
            try:
                while not turn.try_acquire():  # never blocks the loop: another process's turn is waited out
                    await asyncio.sleep(LOCK_POLL)
            except OSError:  # a folder that cannot be written: nothing can be journaled or sent from here
                pass
            try:
                yield
            finally:
                turn.release()

    @property
    def _connection(self) -> tuple[str, str, str]:
        """Which journal entries are this connection's (see `Journal.pending`)."""
        return self.key, self.name, self.curator.backend.display_name

    @property
    def busy(self) -> bool:
        return self._lock is not None and self._lock.locked()

    async def waiting(self) -> int:
        """How many changes wait in the journal for this connection."""
        return 0 if self.journal is None else await self.journal.count_pending(*self._connection)

    # -- sending --------------------------------------------------------------------

    async def submit(self, operation: Operation, summary: str, origin: str = WINDOW,
                     progress: Progress | None = None) -> Change:
        """Journal the change, then send it behind whatever waits. Raises `Waits` when it
        waits (the backend does not answer, or earlier changes still wait), or the
        backend's refusal (then it is marked failed)."""
        if self.journal is None:
            async with self._sending():
                return await self.curator.apply(operation, progress)
        return await self.send(await self.record(operation, summary, origin), progress)

    async def record(self, operation: Operation, summary: str, origin: str) -> int:
        """Only journal the change (the command line does this before it connects); `send` sends it."""
        return await self.journal.record(self.name, self.curator.backend.display_name, summary, operation,
                                         {"unsent": True}, key=self.key, origin=origin)

    async def send(self, entry_id: int, progress: Progress | None = None) -> Change:
        """Send the journaled change `entry_id`, after the changes waiting before it."""
        async with self._sending():
            waiting = await self.journal.pending(*self._connection)
            earlier = [e for e in waiting if e.id < entry_id]
            mine = next((e for e in waiting if e.id == entry_id), None)
            if mine is None:
                entry = await self.journal.entry(entry_id)
                if entry is not None and entry.state == DONE:
                    raise SentMeanwhile(f"“{entry.summary}” was sent meanwhile by another Faceboard on this "
                                        "connection: done (`faceboard history` says how).")
                raise FaceboardError("This change is no longer waiting in the journal"
                                     + (f": {entry.state}{', ' + entry.outcome if entry.outcome else ''}."
                                        if entry is not None else "."))
            if earlier:
                results, stopped = await self._send_all(earlier)
                self.on_resumed(results)
                if stopped:
                    answered = sum(isinstance(o, FaceboardError) or o.unsent is None for _, o in results)
                    behind = len(earlier) - answered
                    why = f"waits behind {count(behind, 'earlier change')}."
                    await self.journal.note(entry_id, why)
                    raise Waits(f"“{mine.summary}” {why}", behind)
            return await self._send(mine, progress)

    async def resume(self) -> list[tuple[Entry, Outcome]]:
        """Send what waits for this connection, oldest first, each re-checked against the
        backend so that it takes effect once. Stops at the first the backend does not
        answer (later changes may depend on it); one that is refused or cannot be read is
        marked failed and the rest are sent."""
        async with self._sending():
            results, _ = await self._send_all(await self.journal.pending(*self._connection))
        return results

    async def discard(self, entry_id: int) -> Entry:
        """Drop a waiting change of this connection on purpose (it is never sent)."""
        entry = await self.journal.discard(entry_id, *self._connection)
        if entry is None:
            raise NotFound(f"No change {entry_id} waits for this connection (`history` lists them).")
        self.on_waiting(await self.waiting())
        return entry

    async def _send_all(self, entries: list[Entry]) -> tuple[list[tuple[Entry, Outcome]], bool]:
        """Send `entries` in order; the answers, and whether one still waits (then the
        later ones were not tried)."""
        results: list[tuple[Entry, Outcome]] = []
        for entry in entries:
            try:
                change = await self._send(entry, resumed=True)
            except Waits:
                return results, True
            except FaceboardError as error:
                results.append((entry, error))
                continue
            results.append((entry, change))
            if change.unsent is not None:
                return results, True
        return results, False

    async def _send(self, entry: Entry, progress: Progress | None = None, resumed: bool = False) -> Change:
        """Send one journaled change and write down how it ended (`resumed`: it waited, and
        was sent by a resume rather than when it was made)."""
        if entry.operation is None:
            await self.journal.finish(entry.id, FAILED, entry.outcome)
            raise FaceboardError(f"Not sent: the journal entry {entry.outcome}.")
        try:
            if entry.context.get("unsent"):  # never sent: it cannot have taken effect yet
                await self.journal.begin(entry.id, await self.curator.context(entry.operation))
                change = await self.curator.apply(entry.operation, progress)
            else:
                change = await self.curator.reapply(entry.operation, entry.context)
        except _NO_ANSWER as error:
            await self.journal.note(entry.id, error.message)
            raise Waits(f"{self.curator.backend.display_name} does not answer ({error.message}). "
                        f"“{entry.summary}” waits and will be sent when it answers again.") from error
        except FaceboardError as error:
            await self.journal.finish(entry.id, FAILED, error.message)
            raise
        except Exception as error:  # noqa: BLE001 - a bad entry must not block the ones after it
            log.debug("journal entry %s could not be sent", entry.id, exc_info=True)  # for a bug report
            reason = f"it could not be sent ({type(error).__name__}: {error})"
            await self.journal.finish(entry.id, FAILED, reason)
            raise FaceboardError(f"Not sent: {reason}.") from error
        notes = ["sent on resume"] if resumed else []  # what the history adds to "done"
        if change.failures:
            notes.append(f"{len(change.failures)} refused: {change.failures[0][1]}")
        if change.unsent is not None:  # the rest waits, in this change's place in the order
            await self.journal.rest(entry.id, change.unsent, "; ".join([*notes, "the rest waits"]))
        else:
            await self.journal.finish(entry.id, DONE, "; ".join(notes))
        return change

    # -- while the backend does not answer ------------------------------------------

    def keep_sending(self, after_failure: bool = False) -> None:
        """Send what waits (at once, or after a pause when a try just failed), then again
        and again, with longer pauses, while the backend does not answer."""
        if self.journal is not None and (self._retrying is None or self._retrying.done()):
            self._retrying = self.spawn(self._send_waiting(1 if after_failure else 0))

    def stop_sending(self) -> None:
        """What still waits stays in the journal, for the next start."""
        if self._retrying is not None:
            self._retrying.cancel()

    async def _send_waiting(self, failed: int) -> None:
        """`failed`: tries that failed so far; the pause before the next grows with it."""
        while await self.waiting():
            if failed:
                await self._sleep(self.retry.backoff(failed - 1))
            results = await self.resume()
            waiting = await self.waiting()
            failed = failed + 1 if waiting else 0  # a try that left changes waiting failed: wait longer
            self.on_resumed(results)
            self.on_waiting(waiting)
