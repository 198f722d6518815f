"""Never lose a change: a bulk change against a server failing 30 % of requests in every
way a network fails ends with the server holding exactly what the user asked, through
the journal, with no person created twice."""

import asyncio
import contextlib
from types import SimpleNamespace

import pytest
from fakes.faults import Faults
from fakes.gumnut import FakeGumnut
from fakes.server import serve

from faceboard.backends.gumnut import GumnutBackend
from faceboard.services.curator import Curator
from faceboard.services.journal import DONE, Journal
from faceboard.services.operations import AssignFaces, CreatePerson, describe
from faceboard.services.outbox import Outbox, Waits


async def fast_sleep(seconds: float) -> None:
    await asyncio.sleep(seconds / 50)  # backoffs and Retry-After, fifty times shorter


@contextlib.asynccontextmanager
async def journaled(fake, url, tmp_path):
    """An outbox to the fake with a journal, as the app makes it; closed after."""
    backend = GumnutBackend(fake.api_key, url, "lib_main", sleep=fast_sleep)
    journal = Journal(tmp_path / "journal.sqlite3")
    try:
        yield Outbox(Curator(backend), journal, "gumnut|flaky", "flaky"), journal
    finally:
        await backend.close()
        await journal.close()


async def until_sent(outbox: Outbox) -> int:
    """What the app's retry loop does while the backend fails: resume until nothing waits."""
    rounds = 0
    while await outbox.waiting():
        rounds += 1
        assert rounds < 100, "the journal never emptied"
        await outbox.resume()
    return rounds


@pytest.mark.parametrize("seed", [1, 2])
def test_a_500_face_bulk_change_survives_a_server_failing_30_percent(tmp_path, seed, capsys):
    fake = FakeGumnut.seeded(people=2, faces_per_person=1, unassigned=500)
    fake.rate_limited = False
    loose = [f.id for f in fake.faces.values() if f.person_id is None]
    alice = next(p for p in fake.people.values() if p.name == "Alice Archer")
    fake.faults = Faults(rate=0.3, seed=seed)

    async def scenario(url):
        async with journaled(fake, url, tmp_path) as (outbox, journal):
            for operation in (AssignFaces(tuple((f, alice.id) for f in loose[:300])),
                              CreatePerson("Zed Zulu", tuple(loose[300:]))):
                try:
                    await outbox.submit(operation, describe(operation, {}))
                except Waits:
                    pass  # it waits in the journal, as the window shows "offline"
            rounds = await until_sent(outbox)
            return rounds, await journal.history()

    with serve(fake) as url:
        rounds, history = asyncio.run(scenario(url))
    zeds = [p for p in fake.people.values() if p.name == "Zed Zulu"]
    assert len(zeds) == 1  # a creation whose answer was lost was found, not repeated
    assert {fake.faces[f].person_id for f in loose[:300]} == {alice.id}
    assert {fake.faces[f].person_id for f in loose[300:]} == {zeds[0].id}
    assert all(e.state == DONE for e in history)
    injected = dict(fake.faults.injected)
    assert set(injected) == {"drop", "5xx", "429", "slow", "apply_then_drop"}
    requests = len(fake.calls)
    patches = sum(1 for c in fake.calls if c.method == "PATCH") + fake.faults.unanswered["PATCH"]
    with capsys.disabled():
        print(f"\n[faults seed {seed}] {sum(injected.values())} faults injected {injected} over "
              f"{requests + sum(fake.faults.unanswered.values())} requests; {patches - 500} face moves sent "
              f"again; {len(history)} journal entries, {rounds} resume rounds; 500 faces checked")


def test_a_creation_whose_answer_was_lost_is_found_not_repeated(tmp_path):
    fake = FakeGumnut.seeded(people=2, faces_per_person=1, unassigned=3)
    fake.rate_limited = False
    fake.add_person("Zed Zulu")  # someone of that name already exists: not ours
    loose = tuple(f.id for f in fake.faces.values() if f.person_id is None)
    fake.faults = Faults(rate=1.0, modes=("apply_then_drop",), only=("POST /api/people",))

    async def scenario(url):
        async with journaled(fake, url, tmp_path) as (outbox, journal):
            with pytest.raises(Waits):
                await outbox.submit(CreatePerson("Zed Zulu", loose), "Create Zed Zulu")
            assert await outbox.waiting() == 1
            fake.faults.rate = 0.0
            (entry, change), = await outbox.resume()
            return change, await journal.history()

    with serve(fake) as url:
        change, history = asyncio.run(scenario(url))
    zeds = [p for p in fake.people.values() if p.name == "Zed Zulu"]
    assert len(zeds) == 2 and fake.faults.injected["apply_then_drop"] == 1
    assert change.created_person_id == zeds[1].id  # the one the lost answer created, not the older one
    assert {fake.faces[f].person_id for f in loose} == {zeds[1].id}
    assert [e.state for e in history] == [DONE]
    assert sum(1 for c in fake.calls if c.method == "POST" and c.path == "/api/people") == 1


def test_an_entry_that_cannot_be_read_is_marked_failed_not_sent(tmp_path):
    async def scenario():
        journal = Journal(tmp_path / "journal.sqlite3")
        gumnut = SimpleNamespace(display_name="Gumnut")  # nothing is sent: no backend needed
        outbox = Outbox(Curator(gumnut), journal, "gumnut|flaky", "flaky")
        entry = await journal.record("flaky", "Gumnut", "Move 2 faces", AssignFaces((("f1", "p1"),)))
        await journal._run(journal._write, "UPDATE entries SET operation = ? WHERE id = ?",
                           ('{"op": "FromTheFuture"}', entry))  # written by a newer Faceboard
        (found, outcome), = await outbox.resume()
        history = await journal.history()
        await journal.close()
        return outcome, history

    outcome, history = asyncio.run(scenario())
    assert "cannot be read: unknown operation 'FromTheFuture'" in outcome.message
    assert [(e.state, e.outcome) for e in history] == [("failed", "cannot be read: unknown operation 'FromTheFuture'")]
