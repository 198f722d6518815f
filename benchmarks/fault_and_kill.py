"""Kill the command line (SIGKILL) at random points during face moves on the fake
Gumnut over a loopback socket, with faults injected into its answers (drops, 503, 429,
slow answers, changes applied whose answer is lost), then resume: every face must end
where the changes the journal kept put it, in the order they were made.

    .venv/bin/python benchmarks/fault_and_kill.py [--kills N] [--faults M] [--seed S] [--budget SECONDS]

Prints kills, faults injected, changes checked and mismatches (JSON, then a line);
exits 1 on any mismatch or change left waiting. A change killed before the journal had
it is not expected (it was never acknowledged); every other one is.
"""

import argparse
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from fakes.faults import Faults  # noqa: E402
from fakes.gumnut import FakeGumnut  # noqa: E402
from fakes.server import serve  # noqa: E402


def journaled(journal: Path) -> int:
    """How many changes the journal holds (read beside the runs, as a reader may)."""
    if not journal.exists():
        return 0
    with sqlite3.connect(journal) as db:
        try:
            return db.execute("SELECT COUNT(*) FROM entries").fetchone()[0]
        except sqlite3.OperationalError:  # killed before the tables were made
            return 0


def main() -> int:
    options = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    options.add_argument("--kills", type=int, default=10, help="runs killed (default 10)")
    options.add_argument("--faults", type=int, default=100, help="faults injected at most (default 100)")
    options.add_argument("--seed", type=int, default=1)
    options.add_argument("--budget", type=float, default=240.0, help="seconds before it stops starting runs")
    args = options.parse_args()
    chance = random.Random(args.seed)
    fake = FakeGumnut.seeded(people=4, faces_per_person=0, unassigned=120)
    fake.rate_limited = False
    fake.latency = 0.005  # a distant server: a move of many faces takes a while
    faces = list(fake.faces)
    people = [None, *fake.people]
    expected = {f: None for f in faces}
    home = Path(tempfile.mkdtemp(prefix="faceboard-kill-"))
    env = {**os.environ, "FACEBOARD_GUMNUT_API_KEY": fake.api_key, "XDG_DATA_HOME": str(home / "data"),
           "XDG_CONFIG_HOME": str(home / "config"), "XDG_CACHE_HOME": str(home / "cache"),
           "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring"}
    journal = home / "data" / "Faceboard" / "journal.sqlite3"
    started = time.monotonic()
    kills = changes = exits_5 = 0
    with serve(fake) as base_url:
        command = [sys.executable, "-m", "faceboard", "--backend", "gumnut", "--base-url", base_url,
                   "--library-id", "lib_main"]
        fake.faults = Faults(rate=0.15, seed=args.seed)
        while kills < args.kills and time.monotonic() - started < args.budget:
            moved = chance.sample(faces, chance.randint(1, 60))
            target = chance.choice(people)
            where = ["--unassigned"] if target is None else ["--to", target]
            before = journaled(journal)
            run = subprocess.Popen([*command, "assign", *moved, *where], env=env, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
            if chance.random() < 0.6:  # killed: mostly while its faces are being moved, else anywhere
                if chance.random() < 0.8:
                    while journaled(journal) == before and run.poll() is None:
                        time.sleep(0.005)
                time.sleep(chance.uniform(0.0, 0.6))
                run.send_signal(signal.SIGKILL)
            run.wait(120)
            kills += run.returncode == -signal.SIGKILL
            exits_5 += run.returncode == 5
            if journaled(journal) > before:  # acknowledged, or about to be: it must take effect, in order
                changes += 1
                expected.update((f, target) for f in moved)
            if sum(fake.faults.injected.values()) >= args.faults:
                fake.faults.rate = 0.0
        fake.faults.rate = 0.0
        time.sleep(0.2)  # requests of the last killed run still on the wire reach the server
        resumes = 0
        while resumes < 10:
            resumes += 1
            if subprocess.run([*command, "resume"], env=env, capture_output=True, timeout=300).returncode == 0:
                break
    with sqlite3.connect(journal) as db:
        states = dict(db.execute("SELECT state, COUNT(*) FROM entries GROUP BY state").fetchall())
    mismatches = sum(fake.faces[f].person_id != expected[f] for f in faces)
    figures = {"kills": kills, "faults": dict(fake.faults.injected), "faults_total": sum(fake.faults.injected.values()),
               "changes_checked": changes, "faces_checked": len(faces), "mismatches": mismatches,
               "runs_exiting_5": exits_5, "resume_runs": resumes, "journal": states,
               "seconds": round(time.monotonic() - started, 1)}
    print(json.dumps(figures))
    print(f"{kills} kills, {figures['faults_total']} faults injected, {changes} changes checked over {len(faces)} "
          f"faces: {mismatches} mismatches; journal {states}; {figures['seconds']} s")
    return 1 if mismatches or states.get("pending") else 0


if __name__ == "__main__":
    sys.exit(main())
