"""Cold start: from launching a new Python process to the first painted window, and to
the first painted rows of the people list, on a demo library (offscreen, unless a
display is there). Runs `faceboard --library PATH` in a new process N times (default 5)
and reports the median. Prints JSON, then a readable line.

    .venv/bin/python benchmarks/start.py [RUNS]
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
from PySide6.QtWidgets import QApplication
from faceboard import app
from faceboard.ui.window import MainWindow

class FirstPaints(QObject):
    window = None
    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Paint:
            top = watched.window() if hasattr(watched, "window") else None
            if isinstance(top, MainWindow):
                if self.window is None:
                    self.window = time.time()
                if top.people_view.viewport() is watched and top.session.people.rowCount() > 1:
                    print(f"{self.window} {time.time()}", flush=True)
                    os._exit(0)
        return False

qt = QApplication(sys.argv[:1])
spy = FirstPaints()
qt.installEventFilter(spy)
sys.exit(app.main(["--library", sys.argv[1]]))
"""


def one_start(library: Path) -> tuple[float, float]:
    env = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen")}
    launched = time.time()
    out = subprocess.run([sys.executable, "-c", CHILD, str(library)], env=env, capture_output=True, text=True,
                         timeout=60, check=True).stdout.split()
    window, rows = (float(v) for v in out[-2:])
    return window - launched, rows - launched


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    library = Path(tempfile.mkdtemp()) / "library"
    subprocess.run([sys.executable, "-m", "faceboard", "--demo", str(library)], check=True,
                   capture_output=True)
    one_start(library)  # the first start after install compiles bytecode; not what a user meets daily
    starts = [one_start(library) for _ in range(runs)]
    window = statistics.median(s[0] for s in starts)
    rows = statistics.median(s[1] for s in starts)
    print(json.dumps({"runs": runs, "window_s": [round(s[0], 3) for s in starts],
                      "median_first_window_paint_s": round(window, 3), "median_first_people_rows_s": round(rows, 3)}))
    print(f"cold start, median of {runs}: window painted {window:.2f} s, people rows painted {rows:.2f} s "
          f"after launching the process")


if __name__ == "__main__":
    main()
