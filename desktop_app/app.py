"""Application entry point: `python main.py [--preset NAME] [--screenshot OUT.png …]`.

The window is shown before torch is imported (by the training process, or thread, after the
first paint), so the app appears in well under two seconds.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

T0 = time.perf_counter()


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="gradlab", description="GradLab desktop app")
    p.add_argument("--preset", help="start with this preset (name or .json file)")
    p.add_argument("--session", help="open this .gradlab session")
    p.add_argument("--config", help="start with this config JSON file")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="override one config key, e.g. --set model.depth=20 (repeatable)")
    p.add_argument("--lab", help="show this lab (deep, recurrent, …)")
    p.add_argument("--screenshot", metavar="OUT.png",
                   help="render the window offscreen after --steps steps, save it, and exit")
    p.add_argument("--steps", type=int, default=0, help="training steps before the screenshot")
    p.add_argument("--compare", nargs="?", type=int, const=True, default=None, metavar="N",
                   help="with --screenshot: then press the recurrent lab's Compare button (N "
                        "steps each) and wait for the RNN/LSTM/GRU curves")
    p.add_argument("--theme", choices=("light", "dark"), help="colour theme")
    p.add_argument("--presentation", action="store_true", help="large fonts for projectors")
    p.add_argument("--size", default="1600x980", help="window size WxH (screenshots)")
    p.add_argument("--threads", type=int, default=None, help="torch threads of the trainer")
    p.add_argument("--worker", choices=("process", "thread"), default=None,
                   help="train in a child process (default) or in a thread of the GUI process")
    return p.parse_args(argv)


def initial_config(args, prefs):
    """(config, preset) from the arguments, else the last session's config, else defaults."""
    from core.cli.common import apply_sets, read_json
    from core.config import ExperimentConfig
    from core.presets import config_from_partial, load_preset

    preset = None
    if args.preset:
        preset = load_preset(args.preset)
        cfg = preset.config
    elif args.config:
        cfg = config_from_partial(read_json(args.config, "config"))
    else:
        cfg = prefs.last_config() or ExperimentConfig()
    return apply_sets(cfg, args.set), preset


def main(argv: list[str] | None = None) -> int:
    import multiprocessing

    multiprocessing.freeze_support()   # a frozen (PyInstaller) build starts its trainer process
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parse_args(argv)
    if args.screenshot:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    import desktop_app  # noqa: F401  (sets PYQTGRAPH_QT_LIB / QT_API)

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setOrganizationName("GradLab")
    app.setApplicationName("GradLab")
    from core import __version__
    from desktop_app.about import app_icon

    app.setApplicationVersion(__version__)
    app.setDesktopFileName("gradlab")  # matches the installed gradlab.desktop
    app.setWindowIcon(app_icon())
    import pyqtgraph as pg

    pg.setConfigOptions(antialias=False, imageAxisOrder="col-major")

    from core.errors import GradLabError
    from desktop_app.main_window import MainWindow
    from desktop_app.settings import Preferences
    from desktop_app.state import ExperimentState
    from desktop_app.theme import Theme

    prefs = Preferences()
    try:
        cfg, preset = initial_config(args, prefs)
    except GradLabError as e:
        print(f"gradlab: {e}", file=sys.stderr)
        return 2
    theme = Theme(args.theme or prefs.theme, args.presentation or prefs.presentation)
    state = ExperimentState(cfg)
    win = MainWindow(state, prefs, theme, threads=args.threads, backend=args.worker)
    if preset is not None:
        state.set_config(cfg, preset=preset)
    lab = args.lab or (preset.lab if preset else None)
    if lab and not win.show_lab(lab):
        print(f"gradlab: unknown lab {lab!r}; labs: {sorted(win.labs)}", file=sys.stderr)
        return 2
    if args.lab and not win.current_lab().accepts(state.config):
        state.set_config(win.current_lab().default_config())   # the lab asked for, its own config
    win.show_lab_for(state.config)
    w, _, h = args.size.partition("x")
    win.resize(int(w), int(h))
    if args.screenshot:
        from desktop_app.screenshot import ScreenshotRun

        shot = ScreenshotRun(win, args.screenshot, args.steps, args.compare)
        win.show()
        win.start()
        shot.start()
        app.exec()
        return shot.result
    win.show()
    if os.environ.get("GRADLAB_STARTUP_PROBE"):
        # benchmarks/bench_gui_startup.py: report when the first frame is on screen, then quit.
        def probe():
            print(f"window_shown_s={time.perf_counter() - T0:.4f}", flush=True)
            win.close()
        QTimer.singleShot(0, probe)

    def start():
        win.start()          # the training thread, and torch's import, after the first paint
        if args.session:
            win.sessions.open(args.session)   # replaces the first build (latest wins)

    QTimer.singleShot(0, start)
    rc = app.exec()
    if win.controller.thread.isRunning() or any(lab.threads_running()
                                                for lab in win.labs.values()):
        # The thread backend inside a long build, or a comparison inside a step of a heavy
        # net (neither interruptible): leave without running Qt's destructors on a live
        # QThread, which would abort.
        os._exit(rc)
    return rc
