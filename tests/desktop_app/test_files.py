"""Export, sessions, configs, the screenshot command and the lazy torch import."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.desktop_app.conftest import small_config

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _run_some(win, qtbot, n=6):
    win.controller.step(n)
    qtbot.waitUntil(lambda: win.controller.step_count == n, timeout=30000)
    lab = win.current_lab()
    # The boundary of step n comes later, with the training thread's task (the one there
    # now may be step 0's, computed when the network was built).
    qtbot.waitUntil(lambda: lab.boundary.result is not None and lab.boundary.result.step == n,
                    timeout=30000)
    for p in lab.panels():
        p.dirty = True
    lab.refresh(win.controller.history, force_range=True)


def test_export_writes_png_svg_csv(make_window, qtbot, tmp_path):
    win = make_window()
    _run_some(win, qtbot)
    with qtbot.waitSignal(win.sessions.exported) as sig:
        win.sessions.export_all(str(tmp_path))
    paths = sig.args[0]
    assert len(paths) == 15
    for p in paths:
        assert os.path.getsize(p) > 100, p
    svg = (tmp_path / "grad_per_layer.svg").read_text()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    rows = (tmp_path / "loss_curves.csv").read_text().splitlines()
    assert rows[0].startswith("step,batch_loss") and len(rows) == 8
    assert (tmp_path / "grad_heatmap.png").read_bytes()[:4] == b"\x89PNG"


def test_export_all_while_a_panel_is_enlarged(make_window, qtbot, tmp_path):
    from PySide6.QtGui import QImage

    win = make_window()
    _run_some(win, qtbot)
    lab = win.current_lab()
    grid_size = (lab.loss.width(), lab.loss.height())
    lab.enlarger.toggle(lab.grad)
    qtbot.waitUntil(lambda: lab.grad.width() > 2 * grid_size[0])
    with qtbot.waitSignal(win.sessions.exported):
        win.sessions.export_all(str(tmp_path))
    # The grid is back and every panel is exported at its place in it (PNG at 2×), the
    # enlarged one included, none as a stale or empty picture.
    assert lab.enlarger.panel is None and all(p.isVisible() for p in lab.panels())
    for p in lab.panels():
        img = QImage(str(tmp_path / f"{p.key}.png"))
        assert (img.width(), img.height()) == (2 * p.width(), 2 * p.height()), p.key
    assert lab.grad.width() < 1.5 * grid_size[0]


def test_save_and_open_session(make_window, qtbot, tmp_path):
    win = make_window()
    _run_some(win, qtbot, 8)
    path = str(tmp_path / "run.gradlab")
    with qtbot.waitSignal(win.sessions.saved, timeout=30000):
        win.sessions.save(path)
    assert os.path.getsize(path) > 0
    assert win.prefs.recent[0] == os.path.abspath(path)
    # Change things, then reopen: config, history and step come back.
    with qtbot.waitSignal(win.controller.run_started, timeout=30000):
        win.state.set_value("model.depth", 3)
    with qtbot.waitSignal(win.sessions.opened, timeout=30000):
        win.sessions.open(path)
    c = win.controller
    assert win.state.config.model.depth == 4
    assert c.step_count == 8 and len(c.history) == 9
    assert win.labs["deep"].controls_panel.widgets["model.depth"].value() == 4
    c.step(2)
    qtbot.waitUntil(lambda: c.step_count == 10, timeout=30000)
    assert not win.errors


def test_session_saved_while_training_has_its_whole_history(make_window, qtbot, tmp_path):
    """Saved mid-run, the file's history ends at the step of its weights: it used to hold the
    history the window had drawn (several steps behind the trainer), so the reopened run had
    a gap in every plot and its status named the wrong step."""
    import time

    from core.sessions import load_session

    win = make_window()
    c = win.controller
    with qtbot.waitSignal(c.running_changed, timeout=30000):
        c.play()
    qtbot.waitUntil(lambda: c.step_count > 10, timeout=30000)
    # Hold the GUI thread: the trainer steps on and its batches wait in the event queue, as
    # they do whenever the window is busy drawing.
    time.sleep(0.3)
    path = str(tmp_path / "live.gradlab")
    with qtbot.waitSignal(win.sessions.saved, timeout=30000):
        win.sessions.save(path)
    # Read now: the note is shown for 5 s, and pausing on a loaded machine can take longer.
    saved_message = win.statusBar().currentMessage()
    with qtbot.waitSignal(c.running_changed, timeout=30000):
        c.pause()
    data = load_session(path)
    step = data.meta["step"]
    assert [r.step for r in data.history.records()] == list(range(step + 1))
    assert saved_message.endswith(f"(step {step})")
    with qtbot.waitSignal(win.sessions.opened, timeout=30000):
        win.sessions.open(path)
    assert c.step_count == step
    c.step(2)
    qtbot.waitUntil(lambda: c.step_count == step + 2, timeout=30000)
    assert [r.step for r in c.history.records()] == list(range(step + 3))
    assert not win.errors


@pytest.mark.parametrize("backend", ["thread", "process"])
def test_closing_right_after_save_still_writes_the_file(make_window, qtbot, tmp_path, backend):
    """Ctrl+S then closing the window at once: the save needs the window's answer (the
    history up to the saved weights) and was lost without a word; closing now finishes it."""
    from core.sessions import load_session

    win = make_window(backend=backend)
    c = win.controller
    c.step(5)
    qtbot.waitUntil(lambda: c.step_count == 5, timeout=30000)
    path = tmp_path / "closing.gradlab"
    win.sessions.save(str(path))
    win.close()                       # before the event loop has run again
    assert not c.thread.isRunning()
    data = load_session(str(path))
    assert data.meta["step"] == 5
    assert [r.step for r in data.history.records()] == list(range(6))


def test_bad_session_shows_error_and_keeps_everything(make_window, qtbot, tmp_path):
    win = make_window()
    before, gen = win.state.config, win.controller.gen
    bad = tmp_path / "bad.gradlab"
    bad.write_bytes(b"not a zip at all")
    with qtbot.waitSignal(win.sessions.failed, timeout=30000):
        win.sessions.open(str(bad))
    assert win.errors and "not a GradLab session" in win.errors[-1][1]
    assert win.state.config == before and win.controller.gen == gen
    with qtbot.waitSignal(win.sessions.failed, timeout=30000):
        win.sessions.save(str(tmp_path / "no-such-dir" / "x.gradlab"))
    assert "cannot save" in win.errors[-1][1]


def test_session_whose_history_does_not_fit_its_network_is_refused(make_window, qtbot,
                                                                   tmp_path):
    """A session assembled from two runs (a 4-layer net's weights, a 3-layer net's history)
    opened without a word, then every record of the continued run was dropped ("record of
    step … skipped") and the plots showed the other run. It is refused like any bad file."""
    import zipfile

    win = make_window()
    c = win.controller
    c.step(5)
    qtbot.waitUntil(lambda: c.step_count == 5, timeout=30000)
    four = str(tmp_path / "four.gradlab")
    with qtbot.waitSignal(win.sessions.saved, timeout=30000):
        win.sessions.save(four)
    with qtbot.waitSignal(c.run_started, timeout=30000):
        win.state.set_value("model.depth", 3)
    c.step(2)
    qtbot.waitUntil(lambda: c.step_count == 2, timeout=30000)
    three = str(tmp_path / "three.gradlab")
    with qtbot.waitSignal(win.sessions.saved, timeout=30000):
        win.sessions.save(three)
    mixed = str(tmp_path / "mixed.gradlab")
    with zipfile.ZipFile(four) as a, zipfile.ZipFile(three) as b, \
            zipfile.ZipFile(mixed, "w") as out:
        for name in a.namelist():
            out.writestr(name, (b if name == "history.npz" else a).read(name))
    before, gen = win.state.config, c.gen
    with qtbot.waitSignal(win.sessions.failed, timeout=30000):
        win.sessions.open(mixed)
    assert "history" in win.errors[-1][1] and "3 layers" in win.errors[-1][1]
    assert win.state.config == before and c.gen == gen and c.step_count == 2
    c.step(1)
    qtbot.waitUntil(lambda: c.step_count == 3, timeout=30000)
    assert [r.step for r in c.history.records()] == [0, 1, 2, 3]


def test_copy_and_load_config(make_window, qtbot, tmp_path):
    win = make_window()
    text = win.sessions.copy_config()
    from PySide6.QtGui import QGuiApplication

    assert json.loads(QGuiApplication.clipboard().text()) == json.loads(text)
    good = tmp_path / "cfg.json"
    good.write_text(json.dumps({"model": {"depth": 5, "activation": "relu"},
                                "data": {"name": "xor", "n_train": 64}}))
    with qtbot.waitSignal(win.controller.run_started, timeout=30000):
        assert win.sessions.load_config(str(good))
    assert win.state.config.model.activation == "relu"
    assert win.labs["deep"].controls_panel.widgets["model.activation"].currentData() == "relu"
    before = win.state.config
    for content in ("{broken", json.dumps({"model": {"depth": -3}}), json.dumps([1, 2])):
        bad = tmp_path / "bad.json"
        bad.write_text(content)
        assert not win.sessions.load_config(str(bad))
        assert win.state.config == before
    assert len(win.errors) == 3 and "model.depth" in win.errors[1][1]


def test_last_config_restored(make_window, qtbot):
    from desktop_app.settings import Preferences

    win = make_window(small_config(**{"model.depth": 7}))
    win.close()
    assert Preferences().last_config().model.depth == 7


def test_screenshot_command_writes_png(tmp_path):
    out = tmp_path / "shot.png"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    r = subprocess.run([sys.executable, "main.py", "--screenshot", str(out), "--steps", "5",
                        "--set", "model.depth=3", "--set", "data.n_train=64", "--size",
                        "1200x800"], cwd=ROOT, env=env, capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    from PySide6.QtGui import QImage

    img = QImage(str(out))
    assert img.width() >= 1200 and img.height() >= 800
    colours = {img.pixel(x, y) for x in range(0, img.width(), 37) for y in range(0, img.height(), 29)}
    assert len(colours) > 50        # not blank


def test_window_shows_before_torch_is_imported(tmp_path):
    code = ("import sys, desktop_app\n"
            "from PySide6.QtWidgets import QApplication\n"
            "app = QApplication([])\n"
            "from desktop_app.main_window import MainWindow\n"
            "from desktop_app.settings import Preferences\n"
            "from desktop_app.state import ExperimentState\n"
            "from desktop_app.theme import Theme\n"
            "w = MainWindow(ExperimentState(), Preferences(), Theme())\n"
            "w.show(); app.processEvents()\n"
            "print('torch' in sys.modules)\n"
            "import os; os._exit(0)\n")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen",
           "GRADLAB_SETTINGS": str(tmp_path / "s.ini")}
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True,
                       text=True, timeout=60)
    assert r.stdout.strip().endswith("False"), r.stdout + r.stderr


def test_process_worker_trains_saves_and_closes(make_window, qtbot, tmp_path):
    """The app's default backend: the trainer in a child process."""
    win = make_window(backend="process")
    c = win.controller
    lab = win.labs["deep"]
    with qtbot.waitSignal(c.running_changed, timeout=30000):
        c.play()
    qtbot.waitUntil(lambda: c.step_count >= 20, timeout=30000)
    with qtbot.waitSignal(c.running_changed, timeout=30000):
        c.pause()
    n = c.step_count
    assert [r.step for r in c.history.records()] == list(range(n + 1))   # none dropped
    qtbot.waitUntil(lambda: lab.boundary.result is not None, timeout=30000)
    for p in lab.panels():
        p.dirty = True
    lab.refresh(c.history, force_range=True)
    assert lab.heatmap.image.image.shape == (n + 1, 4)
    path = str(tmp_path / "p.gradlab")
    with qtbot.waitSignal(win.sessions.saved, timeout=30000):
        win.sessions.save(path)
    with qtbot.waitSignal(win.sessions.opened, timeout=30000):
        win.sessions.open(path)
    assert c.step_count == n
    c.play()
    qtbot.waitUntil(lambda: c.step_count > n + 3, timeout=30000)
    win.close()
    assert not c.thread.isRunning()    # stopped within close's own wait (2 s), not later


def test_failed_open_right_after_a_slider_move_still_rebuilds(make_window, qtbot, tmp_path):
    """Opening a session cancels a pending rebuild (the session replaces the network); when
    the file could not be opened the slider's change was lost: the controls said depth 5
    while the network trained with 4."""
    win = make_window()
    c = win.controller
    bad = tmp_path / "bad.gradlab"
    bad.write_bytes(b"not a zip at all")
    win.state.set_value("model.depth", 5)          # rebuild due in 150 ms (debounced)
    with qtbot.waitSignal(win.sessions.failed, timeout=30000):
        win.sessions.open(str(bad))
    qtbot.waitUntil(lambda: c.info.config.model.depth == 5, timeout=30000)
    assert c.history.layers == 5 or len(c.history) == 0
