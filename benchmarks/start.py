"""Cold start: from launching a new Python process to the first painted window, and to
the first painted rows of the people list, on a demo library (offscreen, unless a
display is there). Runs `faceboard --library PATH` in a new process N times (default 5)
and reports the median. Prints JSON, then a readable line.

With --first, each start is a first start: no library yet, so the demo library is made
(the window that shows its progress comes first, then the main window).

    .venv/bin/python benchmarks/start.py [RUNS] [--first]
"""

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# In the child: the app's own entry point, with an event filter that notes the first
# paints and ends the process there (the library is only read, so nothing is lost).
CHILD = """
import os, sys, time
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication, QProgressDialog
from faceboard import app
from faceboard.ui.window import MainWindow

class FirstPaints(QObject):
    window = None
    progress = 0.0
    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Paint:
            top = watched.window() if hasattr(watched, "window") else None
            if isinstance(top, QProgressDialog) and not self.progress:
                self.progress = time.time()
            if isinstance(top, MainWindow):
                if self.window is None:
                    self.window = time.time()
                if top.people_view.viewport() is watched and top.session.people.rowCount() > 1:
                    print(f"{self.progress} {self.window} {time.time()}", flush=True)
                    os._exit(0)
        return False

qt = QApplication(sys.argv[:1])
spy = FirstPaints()
qt.installEventFilter(spy)
sys.exit(app.main(["--library", sys.argv[1]]))
"""


def one_start(library: Path, data: Path | None = None) -> tuple[float, float, float]:
    """Seconds from launch to the first paint of the progress window (0 if none), of the
    main window, and of the people's rows. `data`: the user data folder, for a first
    start (only the default library, in it, is made with the demo; another folder starts empty)."""
    env = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen")}
    if data is not None:
        env["XDG_DATA_HOME"] = str(data)
    launched = time.time()
    out = subprocess.run([sys.executable, "-c", CHILD, str(library)], env=env, capture_output=True, text=True,
                         timeout=120, check=True).stdout.split()
    progress, window, rows = (float(v) for v in out[-3:])
    return max(0.0, progress - launched), window - launched, rows - launched


def first_start() -> tuple[float, float, float]:
    """A start in a fresh user data folder (Linux's XDG_DATA_HOME): the demo is made first."""
    data = Path(tempfile.mkdtemp())
    return one_start(data / "Faceboard" / "library", data)


def main() -> None:
    first = "--first" in sys.argv
    numbers = [a for a in sys.argv[1:] if a.isdigit()]
    runs = int(numbers[0]) if numbers else 5
    library = Path(tempfile.mkdtemp()) / "library"
    subprocess.run([sys.executable, "-m", "faceboard", "--demo", str(library)], check=True,
                   capture_output=True)
    one_start(library)  # the first start after install compiles bytecode; not what a user meets daily
    starts = [first_start() if first else one_start(library) for _ in range(runs)]
    progress, window, rows = (statistics.median(s[i] for s in starts) for i in range(3))
    print(json.dumps({"runs": runs, "first_start": first, "window_s": [round(s[1], 3) for s in starts],
                      "median_progress_paint_s": round(progress, 3),
                      "median_first_window_paint_s": round(window, 3), "median_first_people_rows_s": round(rows, 3)}))
    made = f"progress window painted {progress:.2f} s, " if first else ""
    print(f"{'first' if first else 'cold'} start, median of {runs}: {made}window painted {window:.2f} s, people rows "
          f"painted {rows:.2f} s after launching the process")


if __name__ == "__main__":
    main()
