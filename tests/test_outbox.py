"""The outbox and its journal: a change is only ever sent to the connection it was made
on, in the order changes were made (from the window and the command line alike); what
the command line promises offline is true; a bad entry is marked failed and never blocks
the rest; a waiting change can be discarded; the history says where each came from; a
journal written by the build before is read, and what waits in it is still sent."""

import asyncio
import json
from collections import Counter
import shutil
import sqlite3
from pathlib import Path

import pytest
from fakes.faults import Faults
from fakes.gumnut import FakeGumnut
from fakes.server import serve
from ui_helpers import person_of

from faceboard.app import main
from faceboard.backends.gumnut import GumnutBackend
from faceboard.backends.local import LocalLibrary
from faceboard.errors import FaceboardError, Unreachable
from faceboard.services.connections import Profile
from faceboard.services.curator import Curator
from faceboard.services.journal import DONE, FAILED, PENDING, Journal
from faceboard.services.operations import AssignFaces, UpdatePerson
from faceboard.services.outbox import COMMAND_LINE, Outbox, SentMeanwhile, Waits


def local(folder) -> Profile:
    """The profile the command line makes for `--library folder`."""
    return Profile("command line", "local", library=str(folder))


def gumnut_profile(base_url) -> Profile:
    return Profile("command line", "gumnut", base_url, "lib_main")


def gumnut(base_url):
    return ["--backend", "gumnut", "--base-url", base_url, "--library-id", "lib_main"]


def journal_says(what):
    """Run `what(journal)` on the app's journal; its result."""
    async def run():
        journal = Journal()
        try:
            return await what(journal)
        finally:
            await journal.close()

    return asyncio.run(run())


def left_waiting(profile: Profile, operation, summary="Left by a killed run") -> int:
    """A change journaled for `profile` whose answer never came (the run was killed)."""
    return journal_says(lambda j: j.record(profile.name, "backend", summary, operation, {}, key=profile.key,
                                           origin=COMMAND_LINE))


def history():
    return journal_says(lambda j: j.history())


def unassigned_face(folder) -> str:
    return str(sqlite3.connect(folder / "library.sqlite3").execute(
        "SELECT id FROM faces WHERE person_id IS NULL AND deleted = 0 ORDER BY id LIMIT 1").fetchone()[0])


@pytest.fixture
def two_libraries(library_folder, tmp_path):
    other = tmp_path / "other"
    shutil.copytree(library_folder, other)
    return library_folder, other


def test_a_change_waiting_for_one_library_is_never_sent_to_another(two_libraries, capsys):
    first, second = two_libraries
    face = unassigned_face(first)
    left_waiting(local(first), AssignFaces(((face, "1"),)))
    assert main(["--library", str(second), "resume"]) == 0
    assert "Nothing was waiting" in capsys.readouterr().out
    assert person_of(second, face) is None  # not applied to the other library
    assert [e.state for e in history()] == [PENDING]
    assert main(["--library", str(first), "resume"]) == 0
    assert "done" in capsys.readouterr().out
    assert person_of(first, face) == "1" and person_of(second, face) is None
    assert [e.state for e in history()] == [DONE]


def test_a_gumnut_change_is_not_touched_by_a_local_resume(library_folder, capsys):
    waiting = left_waiting(gumnut_profile("http://gumnut.test"), AssignFaces((("face_1", "person_1"),)))
    assert main(["--library", str(library_folder), "resume"]) == 0
    assert "Nothing was waiting" in capsys.readouterr().out
    assert [(e.id, e.state) for e in history()] == [(waiting, PENDING)]  # not marked failed


@pytest.fixture
def server():
    fake = FakeGumnut.seeded(people=3, faces_per_person=1, unassigned=4)
    fake.rate_limited = False
    with serve(fake) as base_url:
        yield fake, base_url


def test_offline_the_command_line_keeps_the_change_and_resume_sends_it(server, monkeypatch, capsys):
    fake, base_url = server
    monkeypatch.setenv("FACEBOARD_GUMNUT_API_KEY", fake.api_key)
    face = next(f.id for f in fake.faces.values() if f.person_id is None)
    alice = next(p.id for p in fake.people.values() if p.name == "Alice Archer")
    fake.faults = Faults(rate=1.0, modes=("drop",))  # the server does not answer at all, from the first request
    assert main([*gumnut(base_url), "assign", face, "--to", alice]) == 5
    assert "waits in the journal: `faceboard resume` sends it" in capsys.readouterr().err
    assert [(e.state, e.origin) for e in history()] == [(PENDING, COMMAND_LINE)]
    fake.faults.rate = 0.0
    assert main([*gumnut(base_url), "resume"]) == 0
    assert "Move face to person" in capsys.readouterr().out
    assert fake.faces[face].person_id == alice
    assert [e.state for e in history()] == [DONE]


def test_offline_a_change_that_must_read_the_backend_first_says_nothing_was_kept(server, monkeypatch, capsys,
                                                                                tmp_path):
    """Adding pictures reads the person first: offline nothing is journaled, and the
    message does not promise that it waits."""
    from PIL import Image

    fake, base_url = server
    monkeypatch.setenv("FACEBOARD_GUMNUT_API_KEY", fake.api_key)
    alice = next(p.id for p in fake.people.values() if p.name == "Alice Archer")
    picture = tmp_path / "alice.png"
    Image.new("RGB", (300, 300), "teal").save(picture)
    fake.faults = Faults(rate=1.0, modes=("drop",))
    assert main([*gumnut(base_url), "add-thumbnail", alice, str(picture)]) == 5
    err = capsys.readouterr().err
    assert "Nothing was kept: run the command again once it answers." in err and "waits" not in err
    assert history() == []


def test_two_faceboards_sending_to_one_connection_send_each_change_once_and_in_order(server):
    """A window and a command line (two outboxes, each with its own journal connection)
    sending to the same Gumnut at once: the change left waiting is sent by one of them,
    each face once, and the later change after it."""
    fake, base_url = server
    loose = [f.id for f in fake.faces.values() if f.person_id is None]
    alice, bob = (next(p.id for p in fake.people.values() if p.name == name) for name in ("Alice Archer", "Bob Baker"))
    profile = gumnut_profile(base_url)
    left_waiting(profile, AssignFaces(tuple((f, alice) for f in loose)), "Move 4 faces to Alice")

    async def scenario():
        outboxes = [Outbox(Curator(GumnutBackend(fake.api_key, base_url, "lib_main")), Journal(), profile.key,
                           profile.name) for _ in range(2)]
        window, command_line = outboxes
        later = await command_line.record(AssignFaces(((loose[-1], bob),)), "Move face to Bob", COMMAND_LINE)
        try:
            resumed, sent = await asyncio.gather(window.resume(), command_line.send(later), return_exceptions=True)
            assert [entry.summary for entry, _ in resumed] == ["Move 4 faces to Alice", "Move face to Bob"]
            assert isinstance(sent, SentMeanwhile) and "sent meanwhile by another Faceboard" in sent.message
        finally:
            for outbox in outboxes:
                await outbox.curator.backend.close()
                await outbox.journal.close()

    asyncio.run(scenario())
    patched = Counter(call.path for call in fake.calls if call.method == "PATCH")
    assert patched == {**{f"/api/faces/{f}": 1 for f in loose[:-1]}, f"/api/faces/{loose[-1]}": 2}
    assert [fake.faces[f].person_id for f in loose] == [alice, alice, alice, bob]
    assert [e.state for e in history()] == [DONE, DONE]


def test_a_new_change_waits_behind_one_left_waiting_and_nothing_moves_back(server, monkeypatch, capsys):
    """A move killed halfway still waits; a later move of one of its faces goes after it."""
    fake, base_url = server
    monkeypatch.setenv("FACEBOARD_GUMNUT_API_KEY", fake.api_key)
    loose = [f.id for f in fake.faces.values() if f.person_id is None]
    alice, bob = (next(p.id for p in fake.people.values() if p.name == name) for name in ("Alice Archer", "Bob Baker"))
    left_waiting(gumnut_profile(base_url), AssignFaces(tuple((f, alice) for f in loose)), "Move 4 faces to Alice")
    fake.faces[loose[0]].person_id = alice  # the part that got there before the kill
    assert main([*gumnut(base_url), "assign", loose[-1], "--to", bob]) == 0
    out = capsys.readouterr().out
    assert out.index("Move 4 faces to Alice: done.") < out.index("1 face assigned.")
    assert main([*gumnut(base_url), "resume"]) == 0
    assert "Nothing was waiting" in capsys.readouterr().out
    assert [fake.faces[f].person_id for f in loose] == [alice, alice, alice, bob]  # the last not moved back
    assert [e.state for e in history()] == [DONE, DONE]


def test_an_entry_that_cannot_be_sent_is_marked_failed_and_the_later_ones_are_sent(library_folder, capsys):
    profile = local(library_folder)
    face = unassigned_face(library_folder)
    too_large = left_waiting(profile, AssignFaces((("99999999999999999999999", "1"),)), "Too large")
    wrong_shape = left_waiting(profile, AssignFaces((("1", "1"),)), "Wrong shape")
    journal_says(lambda j: j._run(j._write, "UPDATE entries SET operation = ? WHERE id = ?",
                                  (json.dumps({"op": "AssignFaces", "moves": 5}), wrong_shape)))
    later = left_waiting(profile, AssignFaces(((face, "2"),)), "Later")
    assert main(["--library", str(library_folder), "resume"]) == 3
    out = capsys.readouterr()
    assert "Too large: '99999999999999999999999' is not an id of this library." in out.err
    assert "Wrong shape: Not sent: it could not be sent (TypeError" in out.err
    assert "Later: done." in out.out
    assert person_of(library_folder, face) == "2"
    states = {e.id: (e.state, e.outcome) for e in history()}
    assert states[too_large][0] == states[wrong_shape][0] == FAILED and states[later] == (DONE, "sent on resume")
    assert "is not an id of this library" in states[too_large][1]
    assert main(["--library", str(library_folder), "history"]) == 0
    assert "failed: '99999999999999999999999' is not an id of this library." in capsys.readouterr().out


def test_a_waiting_change_can_be_discarded(two_libraries, capsys):
    first, second = two_libraries
    face = unassigned_face(first)
    entry = left_waiting(local(first), AssignFaces(((face, "1"),)), "Move face to Amara")
    assert main(["--library", str(second), "discard", str(entry)]) == 3  # not that connection's
    assert f"No change {entry} waits for this connection" in capsys.readouterr().err
    assert main(["--library", str(first), "discard", str(entry)]) == 0
    assert "Discarded: Move face to Amara" in capsys.readouterr().out
    assert main(["--library", str(first), "resume"]) == 0
    assert "Nothing was waiting" in capsys.readouterr().out
    assert person_of(first, face) is None
    assert [e.state for e in history()] == ["discarded"]


def test_history_says_which_connection_and_where_each_change_was_made(library_folder, capsys):
    lib = ["--library", str(library_folder)]
    assert main([*lib, "assign", unassigned_face(library_folder), "--to", "1"]) == 0
    capsys.readouterr()
    assert main([*lib, "history", "--json"]) == 0
    (entry,) = json.loads(capsys.readouterr().out)
    assert entry["key"] == local(library_folder).key and str(library_folder) in entry["key"]
    assert entry["origin"] == "command line" and entry["state"] == "done"
    assert main([*lib, "history"]) == 0
    assert f"local||{library_folder.resolve()}\tcommand line\tMove face to person 1\tdone" in capsys.readouterr().out


# -- the outbox as a service --------------------------------------------------------------


def test_changes_wait_in_order_while_the_backend_does_not_answer(library, tmp_path):
    """The retry policy is the outbox's: each try that leaves changes waiting waits longer."""
    pauses = []

    class Away:  # the library, but not answering until told
        answering = False

        def __getattr__(self, name):
            return getattr(library, name)

        async def get_people(self, ids):
            if not self.answering:
                raise Unreachable("Cannot reach the library.")
            return await library.get_people(ids)

    away = Away()

    async def sleep(seconds):
        pauses.append(seconds)
        if len(pauses) == 3:
            away.answering = True

    async def scenario():
        journal = Journal(tmp_path / "journal.sqlite3")
        outbox = Outbox(Curator(away), journal, "local|x", "x", sleep=sleep)
        try:
            with pytest.raises(Waits):
                await outbox.submit(UpdatePerson("1", name="First"), "Rename to First")
            with pytest.raises(Waits) as behind:
                await outbox.submit(UpdatePerson("1", name="Second"), "Rename to Second")
            outbox.keep_sending(after_failure=True)
            await outbox._retrying
            return behind.value, await journal.history(), (await library.get_people(["1"]))[0].name
        finally:
            await journal.close()

    behind, entries, name = asyncio.run(scenario())
    assert behind.behind == 1 and "waits behind 1 earlier change" in behind.message
    assert pauses == [2.0, 4.0, 8.0]
    assert [(e.summary, e.state) for e in entries] == [("Rename to Second", DONE), ("Rename to First", DONE)]
    assert name == "Second"


V0_SCHEMA = """
CREATE TABLE entries (id INTEGER PRIMARY KEY, connection TEXT NOT NULL, backend TEXT NOT NULL,
    summary TEXT NOT NULL, operation TEXT NOT NULL, context TEXT NOT NULL DEFAULT '{}', state TEXT NOT NULL,
    outcome TEXT NOT NULL DEFAULT '', created REAL NOT NULL, finished REAL);
CREATE INDEX entries_waiting ON entries (connection, state);
CREATE TABLE pictures (digest TEXT PRIMARY KEY, data BLOB NOT NULL);
CREATE TABLE entry_pictures (entry INTEGER NOT NULL, digest TEXT NOT NULL, PRIMARY KEY (entry, digest));
"""


def test_a_journal_of_the_build_before_is_migrated_and_its_waiting_changes_sent(two_libraries, tmp_path):
    """The file as the build before wrote it: no schema version, no connection identity;
    its entries go by the profile's name and the backend they named, so one the command
    line left for another library ("command line" was every connection's name) stays."""
    first, second = two_libraries
    path = tmp_path / "journal.sqlite3"
    face = unassigned_face(first)
    library = LocalLibrary(first)
    old = sqlite3.connect(path)
    old.executescript(V0_SCHEMA)
    for where, backend in ((first, library.display_name), (second, f"Local library ({second})")):
        old.execute("INSERT INTO entries (connection, backend, summary, operation, context, state, created) "
                    "VALUES ('command line', ?, ?, ?, '{\"unsent\": true}', 'pending', 1)",
                    (backend, f"Move face in {where.name}", json.dumps({"op": "AssignFaces", "moves": [[face, "1"]]})))
    old.commit()
    old.close()

    async def scenario():
        journal = Journal(path)
        try:
            outbox = Outbox(Curator(library), journal, local(first).key, "command line")
            return await outbox.resume(), await journal.history()
        finally:
            await journal.close()

    try:
        ((entry, change),), entries = asyncio.run(scenario())
    finally:
        library.close_now()
    assert not isinstance(change, Exception), change
    assert [(e.summary, e.state) for e in entries] == [("Move face in other", PENDING), ("Move face in library", DONE)]
    assert person_of(first, face) == "1" and person_of(second, face) is None
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == 2


def test_a_waiting_move_of_a_face_moved_elsewhere_since_is_not_sent(library_folder, capsys):
    """A move the window made offline waits; the command line moves the face meanwhile;
    resuming (here from the command line: the same library, whatever the profile's name)
    leaves it where the command line put it, and says so."""
    faces = [unassigned_face(library_folder)]
    lib = ["--library", str(library_folder)]
    window = Profile("family", "local", library=str(library_folder))
    left_waiting(window, AssignFaces(((faces[0], "3"),), ((faces[0], None),)), "Move face to Amara")
    assert main([*lib, "assign", faces[0], "--to", "2"]) == 0  # sent behind the waiting one, which goes first
    assert person_of(library_folder, faces[0]) == "2"
    capsys.readouterr()
    other = str(sqlite3.connect(library_folder / "library.sqlite3").execute(
        "SELECT id FROM faces WHERE person_id IS NULL AND deleted = 0 ORDER BY id LIMIT 1 OFFSET 1").fetchone()[0])
    left_waiting(window, AssignFaces(((other, "3"),), ((other, None),)), "Move another face to Amara")
    sqlite3.connect(library_folder / "library.sqlite3").execute(
        "UPDATE faces SET person_id = 2 WHERE id = ?", (int(other),)).connection.commit()  # moved elsewhere
    zoe = sqlite3.connect(library_folder / "library.sqlite3").execute("SELECT name FROM persons WHERE id = 2").fetchone()[0]
    assert main([*lib, "resume"]) == 3
    out = capsys.readouterr()
    assert f"Move another face to Amara: Face {other} was moved to {zoe} elsewhere; not moved." in out.err
    assert person_of(library_folder, other) == "2"


def test_a_person_deleted_elsewhere_is_said_so(library, library_folder):
    sqlite3.connect(library_folder / "library.sqlite3").execute(
        "UPDATE persons SET deleted = 1 WHERE id = 2").connection.commit()
    with pytest.raises(FaceboardError) as refused:
        asyncio.run(Outbox(Curator(library)).submit(UpdatePerson("2", name="Zoe", shown_name="Zoe Zimmer"), "Rename"))
    assert refused.value.message == "Person 2 does not exist (deleted or merged elsewhere?)."


def test_the_undo_command_does_not_import_the_session():
    """ui/commands.py and ui/session.py imported each other; the command now takes a callable."""
    import ast
    import faceboard.ui.commands as commands

    tree = ast.parse(Path(commands.__file__).read_text())
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    imported |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    assert not {name for name in imported if name and name.startswith("faceboard.ui")}


def test_a_change_refused_at_connecting_does_not_wait_for_ever(server, monkeypatch, capsys):
    fake, base_url = server
    monkeypatch.setenv("FACEBOARD_GUMNUT_API_KEY", "apikey_wrongKEY")
    face = next(iter(fake.faces))
    assert main([*gumnut(base_url), "assign", face, "--unassigned"]) == 4
    assert [(e.state, e.outcome) for e in history()] == [(FAILED, "not sent: Gumnut: Invalid or expired token")]
