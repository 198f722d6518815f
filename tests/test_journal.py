"""The journal keeps an operation's pictures apart, as BLOBs, for as long as a change
waits, and lets them go once it is answered."""

import asyncio
import sqlite3

from faceboard.services.journal import DONE, FAILED, Journal
from faceboard.services.operations import AddThumbnails


def pictures_in(path) -> int:
    return sqlite3.connect(path).execute("SELECT COUNT(*) FROM pictures").fetchone()[0]


def test_pictures_are_kept_while_a_change_waits_and_let_go_when_it_is_answered(tmp_path):
    path = tmp_path / "journal.sqlite3"
    shared, own = b"\xff\xd8 shared picture", b"\xff\xd8 only the second"
    first, second = AddThumbnails("7", (shared,)), AddThumbnails("8", (shared, own), True)

    async def main():
        journal = Journal(path)
        try:
            a = await journal.record("c", "b", "first", first, key="c")
            b = await journal.record("c", "b", "second", second, key="c")
            counts = [pictures_in(path)]
            waiting = [e.operation for e in await journal.pending("c")]
            await journal.finish(a, DONE)
            counts.append(pictures_in(path))  # the shared one is still needed by the second
            still = [e.operation for e in await journal.pending("c")]
            await journal.finish(b, FAILED, "refused")
            counts.append(pictures_in(path))
            return counts, waiting, still, await journal.history()
        finally:
            await journal.close()

    counts, waiting, still, history = asyncio.run(main())
    assert waiting == [first, second] and still == [second]
    assert counts == [2, 2, 0]
    assert [(e.summary, e.state, e.operation) for e in history] == [("second", FAILED, None), ("first", DONE, None)]
