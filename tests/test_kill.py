"""Kill Faceboard (SIGKILL: no cleanup, no flush) in the middle of a 500-face bulk move
on Gumnut, start it again: every face ends where it was sent, each PATCHed exactly once,
and the journal says the change is done. Nothing is lost and nothing is done twice."""

import collections
import os
import signal
import subprocess
import sys
import time

from fakes.gumnut import FakeGumnut
from fakes.server import serve


def faceboard(base_url, *args):
    return [sys.executable, "-m", "faceboard", "--backend", "gumnut", "--base-url", base_url,
            "--library-id", "lib_main", *args]


def test_a_bulk_move_killed_halfway_is_finished_once_on_the_next_start(tmp_path):
    fake = FakeGumnut.seeded(people=2, faces_per_person=1, unassigned=500)
    fake.rate_limited = False
    fake.latency = 0.01  # a distant server: the move takes a few seconds
    loose = [f.id for f in fake.faces.values() if f.person_id is None]
    alice = next(p for p in fake.people.values() if p.name == "Alice Archer")
    env = {**os.environ, "FACEBOARD_GUMNUT_API_KEY": fake.api_key}  # the XDG folders are the test's own

    def patches():
        return [c.path.rsplit("/", 1)[1] for c in list(fake.calls) if c.method == "PATCH"]

    with serve(fake) as base_url:
        run = subprocess.Popen(faceboard(base_url, "assign", *loose, "--to", alice.id), env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        while len(patches()) < 150 and run.poll() is None and time.monotonic() < deadline:
            time.sleep(0.005)
        run.send_signal(signal.SIGKILL)
        run.wait(10)
        assert run.returncode == -signal.SIGKILL, "the move finished before it could be killed"
        time.sleep(0.2)  # requests already on the wire reach the server
        moved_before = sum(fake.faces[f].person_id == alice.id for f in loose)
        assert 150 <= moved_before < 500

        history = subprocess.run(faceboard(base_url, "history", "--json"), env=env, capture_output=True, text=True)
        assert '"state": "pending"' in history.stdout  # written before the first PATCH went out

        again = subprocess.run(faceboard(base_url, "resume"), env=env, capture_output=True, text=True, timeout=60)
    assert again.returncode == 0, again.stderr
    assert "Move 500 faces to" in again.stdout and "done" in again.stdout
    assert all(fake.faces[f].person_id == alice.id for f in loose)
    counts = collections.Counter(patches())
    assert set(counts) == set(loose) and set(counts.values()) == {1}  # each face exactly once
    print(f"\n[kill] killed after {moved_before} of 500 faces had moved; the next start moved "
          f"{500 - moved_before}, re-checking all 500; every face PATCHed exactly once")
