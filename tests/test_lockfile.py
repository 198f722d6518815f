"""The lock two Faceboards take turns on: held by one process at a time, and let go
when its holder dies, even by SIGKILL (no stale lock after a crash)."""

import signal
import subprocess
import sys

from faceboard.lockfile import LockFile

HOLDER = """
import sys, time
from pathlib import Path
from faceboard.lockfile import LockFile
lock = LockFile(Path(sys.argv[1]))
assert lock.try_acquire()
print("held", flush=True)
time.sleep(60)
"""


def test_another_process_holding_the_lock_keeps_it_until_it_is_killed(tmp_path):
    path = tmp_path / "sending.lock"
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(path)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        mine = LockFile(path)
        assert not mine.try_acquire()
        holder.send_signal(signal.SIGKILL)
        holder.wait(10)
        assert mine.try_acquire()
        mine.release()
    finally:
        holder.kill()
        holder.wait(10)


def test_released_it_can_be_taken_again(tmp_path):
    first, second = LockFile(tmp_path / "a.lock"), LockFile(tmp_path / "a.lock")
    assert first.try_acquire()
    assert not second.try_acquire()
    first.release()
    assert second.try_acquire()
    second.release()
