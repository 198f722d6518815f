"""The journal keeps an operation's pictures apart, as BLOBs, for as long as a change
waits, and lets them go once it is answered."""

import asyncio
import shutil
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


def test_a_damaged_log_that_loses_waiting_changes_is_said(tmp_path):
    """A bit flipped in the write-ahead log: SQLite reads the journal up to the damage and
    drops the rest without a word; the journal says how many changes were lost."""
    kept = tmp_path / "kept"
    kept.mkdir()

    async def main():
        journal = Journal(tmp_path / "journal.sqlite3")
        try:
            for n in range(3):
                await journal.record("c", "b", f"change {n}", AddThumbnails(str(n), (b"x" * 5000,)), key="c")
            for name in ("journal.sqlite3", "journal.sqlite3-wal"):  # as a kill leaves them: not checkpointed
                shutil.copyfile(tmp_path / name, kept / name)
        finally:
            await journal.close()

    async def reopened(folder):
        journal = Journal(folder / "journal.sqlite3")
        try:
            return await journal.open(), len(await journal.pending("c"))
        finally:
            await journal.close()

    asyncio.run(main())
    whole = tmp_path / "whole"
    shutil.copytree(kept, whole)
    assert asyncio.run(reopened(whole)) == (None, 3)
    log = kept / "journal.sqlite3-wal"
    data = bytearray(log.read_bytes())
    data[len(data) // 2] ^= 0xFF  # in the middle: the changes written after it are lost
    log.write_bytes(bytes(data))
    warning, waiting = asyncio.run(reopened(kept))
    assert waiting < 3, warning
    assert warning is not None and "log was damaged" in warning and "cannot be read and is lost" in warning
    assert list(kept.glob("journal.damaged-*.sqlite3-wal"))


def test_a_journal_of_a_newer_faceboard_is_refused_by_name_and_left_as_it_is(tmp_path):
    import pytest

    from faceboard.errors import InvalidInput

    path = tmp_path / "journal.sqlite3"
    sqlite3.connect(path).execute("PRAGMA user_version = 99").connection.close()

    async def main():
        journal = Journal(path)
        try:
            await journal.open()
        finally:
            await journal.close()

    with pytest.raises(InvalidInput) as refused:
        asyncio.run(main())
    assert "written by a newer Faceboard (schema 99" in refused.value.message
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == 99
