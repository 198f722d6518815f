"""A library or journal that cannot be used says why in one line, with its own exit
code, and changes nothing: damaged, in use by another Faceboard, on a full disk, read-only."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
import types
from pathlib import Path

import pytest

from faceboard.app import main
from faceboard.backends.local import LocalLibrary
from faceboard.domain import Capability
from faceboard.services.journal import default_journal

from conftest import run, wait_for, window_on

DAMAGED, IN_USE, DISK_FULL, READ_ONLY = 6, 7, 8, 9


def fingerprint(folder: Path) -> str:
    """What the library holds on disk: every file's name and bytes (SQLite's side files aside)."""
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.name.endswith(("-wal", "-shm")):
            digest.update(str(path.relative_to(folder)).encode() + path.read_bytes())
    return digest.hexdigest()


def execute(folder: Path, *statements: str) -> None:
    db = sqlite3.connect(folder / "library.sqlite3", isolation_level=None)
    for statement in statements:
        db.execute(statement)
    db.close()


def cut_to_nothing(folder):
    (folder / "library.sqlite3").write_bytes(b"")


def not_a_database(folder):
    (folder / "library.sqlite3").write_bytes(os.urandom(8192))


def malformed(folder):
    """The header and schema page are whole; the tables' pages are noise."""
    path = folder / "library.sqlite3"
    data = bytearray(path.read_bytes())
    page = int.from_bytes(data[16:18], "big")
    data[page:] = os.urandom(len(data) - page)
    path.write_bytes(bytes(data))


def a_table_missing(folder):
    execute(folder, "DROP TABLE thumbnails")


def a_folder_in_its_place(folder):
    (folder / "library.sqlite3").unlink()
    (folder / "library.sqlite3").mkdir()


def not_utf8(folder):
    execute(folder, "UPDATE persons SET name = CAST(x'4aff' AS TEXT) WHERE id = 1")


def another_program_s(folder):
    (folder / "library.sqlite3").unlink()
    execute(folder, "CREATE TABLE notes (text TEXT)")


@pytest.mark.parametrize("damage, said", [
    (cut_to_nothing, "is empty (0 bytes)"),
    (not_a_database, "file is not a database"),
    (malformed, "malformed"),
    (a_table_missing, "table thumbnails is missing"),
    (a_folder_in_its_place, "is a folder, not a file"),
    (not_utf8, "UTF-8"),
    (another_program_s, "is not a Faceboard library"),
])
def test_a_damaged_library_says_so_and_is_left_as_it_was(library_folder, capsys, damage, said):
    damage(library_folder)
    before = fingerprint(library_folder)
    assert main(["--library", str(library_folder), "people"]) == DAMAGED
    err = capsys.readouterr().err
    assert said in err and str(library_folder / "library.sqlite3") in err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert fingerprint(library_folder) == before


@pytest.mark.parametrize("damage", [not_a_database, another_program_s])
def test_a_folder_with_a_database_that_is_no_library_gets_no_image_folders_either(tmp_path, capsys, damage):
    folder = tmp_path / "someone else's"
    folder.mkdir()
    (folder / "library.sqlite3").write_bytes(b"")
    damage(folder)
    assert main(["--library", str(folder), "people"]) == DAMAGED
    assert "Nothing was changed." in capsys.readouterr().err
    assert [p.name for p in folder.iterdir()] == ["library.sqlite3"]


def test_a_library_another_faceboard_holds_says_so(library_folder, capsys, monkeypatch):
    monkeypatch.setattr("faceboard.storage.BUSY_TIMEOUT", 0.2)
    main(["--library", str(library_folder), "people"])  # the library in WAL, as a Faceboard leaves it
    capsys.readouterr()
    other = sqlite3.connect(library_folder / "library.sqlite3", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another Faceboard, in the middle of a change
    try:
        assert main(["--library", str(library_folder), "assign", "4", "--to", "2"]) == IN_USE
        err = capsys.readouterr().err
        assert "another Faceboard" in err and str(library_folder / "library.sqlite3") in err
        assert main(["--library", str(library_folder), "people"]) == 0  # reading goes on meanwhile
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert execute_one(library_folder, "SELECT person_id FROM faces WHERE id = 4") is None


def execute_one(folder, sql):
    db = sqlite3.connect(folder / "library.sqlite3")
    try:
        return db.execute(sql).fetchone()[0]
    finally:
        db.close()


def test_a_full_disk_says_free_some_space_and_keeps_what_was_there(library_folder):
    from faceboard.errors import DiskFull

    library = LocalLibrary(library_folder)
    try:
        pages = library._db.execute("PRAGMA page_count").fetchone()[0]
        library._db.execute(f"PRAGMA max_page_count = {pages}")  # no room for one more page
        created = 0
        with pytest.raises(DiskFull) as refused:
            for _ in range(200):  # a page holds a few dozen people
                run(library.create_person("A" * 200))
                created += 1
        assert "free some space" in refused.value.message and str(library.path) in refused.value.message
        people = run(library.list_people(limit=10_000)).items
        assert sum(p.name == "A" * 200 for p in people) == created  # the refused one left nothing behind
    finally:
        library.close_now()


@pytest.fixture
def full_disk(library_folder, tmp_path):
    """The library on a tmpfs with room to open it, none to write (needs root, for mount)."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root")
    disk = tmp_path / "disk"
    disk.mkdir()
    size = (library_folder / "library.sqlite3").stat().st_size + (1 << 20)
    if subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(disk)]).returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    try:
        folder = disk / "library"
        (folder / "images").mkdir(parents=True)
        shutil.copy(library_folder / "library.sqlite3", folder)
        filler = os.open(disk / "filler", os.O_WRONLY | os.O_CREAT)
        try:
            while os.write(filler, b"\0" * 4096):
                pass
        except OSError:  # the disk is full
            os.ftruncate(filler, max(0, os.fstat(filler).st_size - 36 * 1024))  # the -shm fits (32 KB), a change does not
        finally:
            os.close(filler)
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(disk)])


def test_the_command_line_on_a_full_disk_exits_8(full_disk, tmp_path):
    before = fingerprint(full_disk)
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "data")}
    done = subprocess.run([sys.executable, "-m", "faceboard", "--library", str(full_disk), "assign", "4", "--to", "2"],
                          capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == DISK_FULL, done.stderr
    assert "is full: free some space" in done.stderr and "Traceback" not in done.stderr
    assert fingerprint(full_disk) == before


@contextlib.contextmanager
def read_only(folder: Path):
    """`folder` made read-only in place: a read-only bind mount over it (root, whom
    permissions do not stop), or its write bits taken away (anyone else)."""
    if os.geteuid() != 0:
        paths = [folder, *folder.iterdir()]
        for path in paths:
            path.chmod(path.stat().st_mode & ~0o222)
        try:
            yield folder
        finally:
            for path in paths:
                path.chmod(path.stat().st_mode | 0o200)
        return
    if subprocess.run(["mount", "--bind", str(folder), str(folder)]).returncode != 0:
        pytest.skip("cannot bind-mount here")
    try:
        subprocess.run(["mount", "-o", "remount,bind,ro", str(folder)], check=True)
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=True)


@pytest.fixture
def read_only_library(library_folder):
    LocalLibrary(library_folder).close_now()  # as a Faceboard leaves it: WAL, no -shm
    with read_only(library_folder):
        yield library_folder


def test_a_read_only_library_lists_and_refuses_changes_saying_why(read_only_library, capsys):
    before = fingerprint(read_only_library)
    lib = ["--library", str(read_only_library)]
    assert main([*lib, "people"]) == 0
    assert "Amara" in capsys.readouterr().out
    assert main([*lib, "faces", "--unassigned"]) == 0
    assert capsys.readouterr().out.count("\n") > 0
    for command in (["assign", "4", "--to", "2"], ["primary", "1", "--face", "3"]):
        assert main([*lib, *command]) == READ_ONLY
        err = capsys.readouterr().err
        assert "read-only" in err and "copy it" in err and str(read_only_library) in err
    assert main([*lib, "history", "--json"]) == 0
    assert capsys.readouterr().out.strip() == "[]"  # refused before anything was journaled
    assert fingerprint(read_only_library) == before


def test_a_read_only_library_is_told_by_its_capabilities_as_any_backend_could_be(read_only_library, tmp_path):
    from faceboard.backends.base import changes_nothing
    from faceboard.backends.registry import BACKENDS

    shared, own = LocalLibrary(read_only_library), LocalLibrary(tmp_path / "own")
    try:
        assert changes_nothing(shared) and not changes_nothing(own)
        assert "read-only" in run(shared.connect()) and "copy it" in run(shared.connect())
    finally:
        shared.close_now()
        own.close_now()
    # every kind, as declared, changes something: only what a connection finds makes it read-only
    assert not [kind for kind, entry in BACKENDS.items()
                if changes_nothing(types.SimpleNamespace(capabilities=entry.capabilities))]


def test_a_change_refused_on_a_read_only_library_says_why_and_what_to_do(read_only_library):
    from faceboard.errors import Unsupported
    from faceboard.services.curator import Curator
    from faceboard.services.operations import AssignFaces, RejectSuggestions

    library = LocalLibrary(read_only_library)
    curator = Curator(library)
    try:
        reason = run(curator.connect())
        assert curator.read_only and curator.read_only_reason == reason
        assert curator.why_not(Capability.LIST_FACES) is None
        said = curator.why_not(Capability.REASSIGN_FACES)
        assert said == f"{library.display_name} cannot reassign faces. {reason}"
        with pytest.raises(Unsupported) as refused:
            run(curator.apply(AssignFaces((("4", "2"),))))
        assert refused.value.message == said  # the window's tooltip and the refusal: one sentence
        with pytest.raises(Unsupported) as refused:  # "not this person" files a face: refused as filing it is
            run(curator.apply(RejectSuggestions((("4", "2"),))))
        assert refused.value.message == said
    finally:
        library.close_now()


def test_a_read_only_library_compares_faces_but_keeps_no_index_and_refuses_rejections(read_only_library):
    from faceboard.errors import ReadOnly

    library = LocalLibrary(read_only_library)
    try:
        assert Capability.COMPARE_FACES in library.capabilities and library.index_folder is None
        assert run(library.face_vectors()).vectors.shape == (0, 128)
        with pytest.raises(ReadOnly, match="read-only"):
            run(library.reject_suggestions([("4", "1")]))
        with pytest.raises(ReadOnly, match="read-only"):
            run(library.restore_suggestions([("4", "1")]))
        assert run(library.rejections()) == frozenset()
    finally:
        library.close_now()


def test_a_read_only_library_left_with_changes_in_its_wal_is_not_shown_as_it_was_before_them(library_folder,
                                                                                             capsys):
    db = sqlite3.connect(library_folder / "library.sqlite3", isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA wal_autocheckpoint=0")
    db.execute("UPDATE persons SET name = 'Renamed' WHERE id = 1")  # committed, in the -wal only
    copy = library_folder.parent / "copied while open"
    shutil.copytree(library_folder, copy, ignore=shutil.ignore_patterns("*-shm"))
    db.close()
    with read_only(copy):
        code = main(["--library", str(copy), "people"])
        out, err = capsys.readouterr()
    assert "Amara" not in out  # the state before the rename is not shown as the library
    assert code == READ_ONLY and "library.sqlite3-wal" in err and "copy the folder" in err


def test_the_window_on_a_read_only_library_offers_no_change_and_says_why(qtbot, loop, read_only_library):
    from ui_helpers import select_faces, select_person

    with window_on(qtbot, read_only_library, "read-only", load=False) as window:
        session = window.session
        reason = wait_for(qtbot, session.curator.connect())  # as the app connects
        assert "read-only" in reason and "copy it to a folder you can write" in reason
        window.name_connection(session.curator.backend.display_name)
        wait_for(qtbot, session.load())
        qtbot.waitUntil(lambda: not session.faces.loading)
        select_person(qtbot, window, "1")
        select_faces(window, [0])
        actions = window.actions
        for action in (actions.move, actions.detach, actions.rename, actions.hide, actions.merge,
                       actions.delete_faces, actions.add_pictures, actions.primary, actions.new_person,
                       actions.remove_thumbnail):
            assert not action.isEnabled(), action.text()
            assert "read-only" in action.toolTip(), action.text()
            assert action.toolTip().endswith(reason), action.text()  # why, and what to do
        assert actions.publish.isEnabled()  # publishing elsewhere changes nothing here
        assert window.read_only_status.isVisible() and window.read_only_status.text() == "Read-only"
        assert window.read_only_status.toolTip() == reason  # for good, not only the first few seconds


def test_the_window_on_a_damaged_library_shows_why_instead_of_a_traceback(qtbot, loop, library_folder):
    from faceboard.app import Shell
    from faceboard.services.connections import Profile

    not_a_database(library_folder)
    shell = Shell()
    wait_for(qtbot, shell.open(Profile("damaged", "local", library=str(library_folder))))
    try:
        assert shell.current is None  # no window on it
        assert "is damaged (file is not a database)" in shell.dialog.status.text()
    finally:
        shell.dialog.close()
        wait_for(qtbot, shell.journal.close())


def test_the_window_prints_why_it_cannot_open_a_library_on_one_line(qtbot, loop, tmp_path, capsys):
    from faceboard.app import Shell
    from faceboard.services.connections import Profile

    folder = tmp_path / "two\nlines \x1b[31m"
    folder.mkdir()
    not_a_database(folder)
    shell = Shell()
    wait_for(qtbot, shell.open(Profile("damaged", "local", library=str(folder))))
    try:
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "\x1b" not in err and "two\\nlines \\x1b[31m" in err
    finally:
        shell.dialog.close()
        wait_for(qtbot, shell.journal.close())


# -- the journal -----------------------------------------------------------------------


def test_a_journal_another_faceboard_holds_is_said_and_not_moved_aside(library_folder, capsys, monkeypatch):
    monkeypatch.setattr("faceboard.storage.BUSY_TIMEOUT", 0.2)
    lib = ["--library", str(library_folder)]
    assert main([*lib, "assign", "4", "--to", "2"]) == 0
    capsys.readouterr()
    journal = default_journal()
    other = sqlite3.connect(journal, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        assert main([*lib, "assign", "7", "--to", "2"]) == IN_USE
        err = capsys.readouterr().err
        assert "The change journal" in err and "another Faceboard" in err and str(journal) in err
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert [p.name for p in journal.parent.iterdir() if "damaged" in p.name] == []  # today it is moved aside
    assert execute_one(library_folder, "SELECT person_id FROM faces WHERE id = 7") is None
    assert main([*lib, "history", "--json"]) == 0
    assert '"Move face to person 2"' in capsys.readouterr().out  # the earlier change is still in it


def test_a_journal_another_faceboard_holds_still_lets_the_library_be_listed(library_folder, capsys, monkeypatch):
    monkeypatch.setattr("faceboard.storage.BUSY_TIMEOUT", 0.2)
    lib = ["--library", str(library_folder)]
    assert main([*lib, "assign", "4", "--to", "2"]) == 0
    capsys.readouterr()
    other = sqlite3.connect(default_journal(), isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")  # the window, writing down a change (or a journal stuck so)
    try:
        assert main([*lib, "people"]) == 0  # a listing needs no journal
        out, err = capsys.readouterr()
        assert "Amara" in out and "The change journal" in err and "another Faceboard" in err
        assert "Listing without it." in err
        assert main([*lib, "assign", "7", "--to", "2"]) == IN_USE  # a change still does
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert execute_one(library_folder, "SELECT person_id FROM faces WHERE id = 7") is None


def test_a_folder_in_place_of_the_journal_is_said_and_left_alone(library_folder, capsys):
    journal = default_journal()
    journal.mkdir(parents=True)
    assert main(["--library", str(library_folder), "people"]) == DAMAGED
    err = capsys.readouterr().err
    assert "The change journal" in err and "is a folder" in err
    assert journal.is_dir() and not list(journal.parent.glob("*damaged*"))


def test_a_journal_cut_to_nothing_is_moved_aside_with_a_word(library_folder, capsys):
    journal = default_journal()
    journal.parent.mkdir(parents=True)
    journal.write_bytes(b"")
    assert main(["--library", str(library_folder), "people"]) == 0
    assert "The change journal was damaged" in capsys.readouterr().err
    assert [p.stat().st_size for p in journal.parent.glob("*damaged*")] == [0]


def test_a_read_only_journal_still_lists_and_refuses_changes(library_folder, capsys):
    lib = ["--library", str(library_folder)]
    assert main([*lib, "assign", "4", "--to", "2"]) == 0
    capsys.readouterr()
    with read_only(default_journal().parent):
        assert main([*lib, "history"]) == 0
        assert "Move face to person 2" in capsys.readouterr().out
        assert main([*lib, "people"]) == 0
        capsys.readouterr()
        assert main([*lib, "assign", "7", "--to", "2"]) == READ_ONLY
        err = capsys.readouterr().err
    assert "The change journal" in err and "read-only" in err and "make the folder writable" in err
    assert execute_one(library_folder, "SELECT person_id FROM faces WHERE id = 7") is None


def test_a_journal_that_cannot_be_made_still_lets_the_library_be_listed(library_folder, capsys):
    data = default_journal().parent.parent
    data.mkdir(parents=True)
    lib = ["--library", str(library_folder)]
    with read_only(data):  # a live system, a locked-down account: no journal yet, and none can be made
        assert main([*lib, "people"]) == 0
        out, err = capsys.readouterr()
        assert "Amara" in out and "The change journal" in err and "Listing without it." in err
        assert main([*lib, "faces", "--person", "1"]) == 0
        capsys.readouterr()
        assert main([*lib, "assign", "7", "--to", "2"]) == READ_ONLY
        assert "The change journal" in capsys.readouterr().err
    assert execute_one(library_folder, "SELECT person_id FROM faces WHERE id = 7") is None


def test_the_window_on_a_row_that_is_not_utf8_says_so_in_the_status_bar(qtbot, loop, library_folder):
    from faceboard.app import Shell
    from faceboard.services.connections import Profile

    not_utf8(library_folder)
    shell = Shell()
    wait_for(qtbot, shell.open(Profile("damaged row", "local", library=str(library_folder))))
    try:
        window = shell.current[2]
        qtbot.waitUntil(lambda: "text that is not UTF-8" in window.statusBar().currentMessage(), timeout=10000)
        assert str(library_folder / "library.sqlite3") in window.statusBar().currentMessage()
    finally:
        wait_for(qtbot, shell.close_current())
        wait_for(qtbot, shell.journal.close())


def test_changes_waiting_for_a_library_now_read_only_keep_waiting(qtbot, loop, read_only_library):
    from faceboard.app import Shell
    from faceboard.services.connections import Profile
    from faceboard.services.journal import Journal
    from faceboard.services.operations import AssignFaces

    profile = Profile("share", "local", library=str(read_only_library))

    async def record():
        journal = Journal()
        try:
            await journal.record("share", "Local library", "Move face 4", AssignFaces((("4", "2"),)), {"unsent": True},
                                 key=profile.key)
        finally:
            await journal.close()

    async def waiting():
        journal = Journal()
        try:
            return [e.summary for e in await journal.pending(profile.key)]
        finally:
            await journal.close()

    wait_for(qtbot, record())
    shell = Shell()
    wait_for(qtbot, shell.open(profile))
    try:
        window = shell.current[2]
        qtbot.waitUntil(lambda: window.session.people.rowCount() > 0)
        qtbot.wait(300)  # time enough for a resume to have been tried
    finally:
        wait_for(qtbot, shell.close_current())
        wait_for(qtbot, shell.journal.close())
    assert wait_for(qtbot, waiting()) == ["Move face 4"]  # not marked failed: it is sent once the folder is writable


def test_a_full_disk_under_the_journal_says_so_and_records_nothing(tmp_path):
    from faceboard.errors import DiskFull
    from faceboard.services.journal import Journal
    from faceboard.services.operations import AddThumbnails

    async def scenario():
        journal = Journal(tmp_path / "journal.sqlite3")
        try:
            await journal.open()
            pages = journal._db.execute("PRAGMA page_count").fetchone()[0]
            journal._db.execute(f"PRAGMA max_page_count = {pages}")  # no room for a picture
            with pytest.raises(DiskFull) as refused:
                await journal.record("c", "Local library", "Add a picture", AddThumbnails("1", (os.urandom(1 << 20),)))
            return refused.value.message, await journal.history()
        finally:
            await journal.close()

    message, history = run(scenario())
    assert "free some space" in message and str(tmp_path / "journal.sqlite3") in message
    assert history == []


def test_a_read_only_folder_without_a_library_is_said_so_not_offered_to_open_read_only(tmp_path, capsys):
    empty = tmp_path / "share"
    empty.mkdir()
    with read_only(empty):
        assert main(["--demo", str(empty)]) == READ_ONLY
        err = capsys.readouterr().err
        assert "holds no library" in err and "a folder you can write" in err and "open it read-only" not in err
        assert list(empty.iterdir()) == []


def test_a_library_folder_that_cannot_be_made_says_to_choose_another(tmp_path):
    from faceboard.errors import ReadOnly

    share = tmp_path / "share"
    share.mkdir()
    with read_only(share), pytest.raises(ReadOnly) as refused:
        LocalLibrary(share / "new" / "library")
    assert "choose a folder you can write" in refused.value.message and "open it read-only" not in refused.value.message


def test_a_drop_refused_on_a_read_only_library_says_why_and_what_to_do(read_only_library):
    from test_drops import drops_over

    from faceboard.services.drops import FacesPayload

    async def scenario():
        library = LocalLibrary(read_only_library)
        try:
            drops, store = await drops_over(library)
            await drops.curator.connect()  # where the window learns why it may only read
            why = drops.judge(FacesPayload((store.listed_faces()[0].id,), None), store.listed_people()[0])
            assert "cannot reassign faces" in why and "copy it" in why, why
        finally:
            await library.close()

    asyncio.run(scenario())
