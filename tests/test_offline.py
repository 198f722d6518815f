"""The window when the backend goes away: changes wait in the journal, the window says
so, and they are sent, in order and once, when the backend answers again; changes left
waiting by an earlier run are sent when the connection opens."""

import asyncio

import httpx
import pytest
from conftest import wait_for
from fakes.gumnut import FakeGumnut
from fakes.server import AsgiApp
from ui_helpers import drop_on_person, select_faces, select_person, settle

from faceboard.app import Shell
from faceboard.services.connections import Profile
from faceboard.retry import FOREVER, RetryPolicy
from faceboard.services import outbox
from faceboard.services.journal import DONE, Journal
from faceboard.services.operations import AssignFaces


class Network(httpx.AsyncBaseTransport):
    """The fake server behind a cable that can be pulled: `down` refuses every connection."""

    def __init__(self, fake):
        self.down = False
        self._inner = httpx.ASGITransport(app=AsgiApp(fake))

    async def handle_async_request(self, request):
        if self.down:
            raise httpx.ConnectError("[Errno 101] Network is unreachable")
        return await self._inner.handle_async_request(request)


async def no_wait(seconds):
    await asyncio.sleep(0)


PROFILE = Profile("family", "gumnut", "http://gumnut.test", "lib_main")


@pytest.fixture
def fake():
    fake = FakeGumnut.seeded(people=3, faces_per_person=2, unassigned=4)
    fake.rate_limited = False
    return fake


def open_shell(qtbot, fake, network):
    shell = Shell(transport=network, sleep=no_wait)  # retries without waiting: the test is about what follows
    shell.secrets.set("family", fake.api_key)
    wait_for(qtbot, shell.open(PROFILE))
    window = shell.current[2]
    qtbot.waitUntil(lambda: not window.session.faces.loading)
    return shell, window


def test_changes_made_offline_wait_and_are_sent_when_the_backend_answers(qtbot, loop, fake, monkeypatch):
    monkeypatch.setattr(outbox, "OFFLINE", RetryPolicy(FOREVER, 0.2, 0.2))
    network = Network(fake)
    shell, window = open_shell(qtbot, fake, network)
    try:
        select_person(qtbot, window, None)
        faces = select_faces(window, [0, 1])
        mime = window.session.faces.mimeData(window.faces_view.selectionModel().selectedIndexes())
        bob = next(p for p in fake.people.values() if p.name == "Bob Baker")
        network.down = True
        assert drop_on_person(window, bob.id, mime)
        qtbot.waitUntil(lambda: window.offline_status.isVisible())
        assert window.offline_status.text() == "Offline · 1 change waiting"
        assert "Offline: Gumnut" in window.statusBar().currentMessage()
        assert all(window.session.faces.row_of(f) is None for f in faces)  # the prediction stays
        window.session.rename(bob.id, "Robert Baker")  # made while offline: it queues behind
        qtbot.waitUntil(lambda: window.offline_status.text() == "Offline · 2 changes waiting")
        assert {fake.faces[f].person_id for f in faces} == {None} and bob.name == "Bob Baker"

        network.down = False
        qtbot.waitUntil(lambda: not window.offline_status.isVisible(), timeout=10000)
        settle(qtbot, window)
        assert {fake.faces[f].person_id for f in faces} == {bob.id} and bob.name == "Robert Baker"
        patches = [c for c in fake.calls if c.method == "PATCH" and c.path.startswith("/api/faces/")]
        assert sorted(c.path.rsplit("/", 1)[1] for c in patches) == sorted(faces)  # each face once
        window.actions.show_change_log()
        log = window.actions.change_log_window
        qtbot.waitUntil(lambda: log.tree.topLevelItemCount() == 2)
        assert [log.tree.topLevelItem(r).text(4) for r in range(2)] == ["done: sent on resume"] * 2  # they waited
        assert log.tree.topLevelItem(0).text(3) == "Rename Bob Baker to Robert Baker"
        assert [log.tree.topLevelItem(r).text(2) for r in range(2)] == ["window", "window"]
        log.close()
    finally:
        wait_for(qtbot, shell.close_current())


def test_changes_left_waiting_by_a_killed_run_are_sent_once_when_the_connection_opens(qtbot, loop, fake):
    loose = [f.id for f in fake.faces.values() if f.person_id is None]
    carla = next(p for p in fake.people.values() if p.name == "Carla Cruz")
    fake.faces[loose[0]].person_id = carla.id  # the killed run's change reached the server for this face

    async def left_waiting():
        journal = Journal()  # where the app keeps it
        await journal.record("family", "Gumnut", "Move 4 faces to Carla Cruz",
                             AssignFaces(tuple((f, carla.id) for f in loose)), {}, key=PROFILE.key)
        assert await journal.count_pending(PROFILE.key) == 1
        await journal.close()

    wait_for(qtbot, left_waiting())
    shell, window = open_shell(qtbot, fake, Network(fake))
    try:
        qtbot.waitUntil(lambda: all(fake.faces[f].person_id == carla.id for f in loose))
        settle(qtbot, window)
        patched = sorted(c.path.rsplit("/", 1)[1] for c in fake.calls if c.method == "PATCH")
        assert patched == sorted(loose[1:])  # re-checked: the face already moved was not sent again
        history = wait_for(qtbot, shell.journal.history())
        assert [e.state for e in history] == [DONE]
        qtbot.waitUntil(lambda: "1 waiting change sent" in window.statusBar().currentMessage())
    finally:
        wait_for(qtbot, shell.close_current())


def test_pictures_missed_while_offline_are_shown_once_the_network_is_back(qtbot, loop, fake):
    """A crop that could not be fetched offline is not marked broken: painted again after
    the network is back, it arrives."""
    network = Network(fake)
    shell, window = open_shell(qtbot, fake, network)
    tiles = window.session.tiles
    network.down = True
    try:
        ref = window.session.faces.face_at(0).image
        side = 300  # a size the window has not asked for
        assert tiles.pixmap(ref, side) is None
        qtbot.waitUntil(lambda: not tiles._pending, timeout=10000)
        assert tiles.failure(ref) is None and tiles.pixmap(ref, side) is None  # asked again: still offline
        qtbot.waitUntil(lambda: not tiles._pending, timeout=10000)
        network.down = False
        tiles.pixmap(ref, side)
        qtbot.waitUntil(lambda: tiles.pixmap(ref, side) is not None, timeout=10000)
    finally:
        wait_for(qtbot, shell.close_current())
