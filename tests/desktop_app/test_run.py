"""Play/Pause/Step/Reset, live hyper-parameters, every plot filled, divergence, clean exit."""

from __future__ import annotations

import numpy as np
import pytest

from tests.desktop_app.conftest import run_until_diverged, small_config


def test_step_play_pause_reset(make_window, qtbot):
    win = make_window()
    c = win.controller
    assert c.step_count == 0                      # the probe at initialization
    win.act_step.trigger()
    qtbot.waitUntil(lambda: c.step_count == 1, timeout=30000)
    assert not c.running
    with qtbot.waitSignal(c.running_changed, timeout=30000):
        win.act_play.trigger()
    assert c.running and "Pause" in win.act_play.text()
    qtbot.waitUntil(lambda: c.step_count >= 15, timeout=30000)
    with qtbot.waitSignal(c.running_changed, timeout=30000):
        win.act_play.trigger()
    assert not c.running
    n = c.step_count
    qtbot.wait(150)
    assert c.step_count == n                      # paused means paused
    gen = c.gen
    with qtbot.waitSignal(c.run_started, timeout=30000):
        win.act_reset.trigger()
    assert c.gen == gen + 1
    qtbot.waitUntil(lambda: len(c.history) == 1, timeout=30000)
    assert c.step_count == 0


def test_live_lr_change_keeps_the_run(make_window, qtbot):
    win = make_window()
    c = win.controller
    c.step(5)
    qtbot.waitUntil(lambda: c.step_count == 5, timeout=30000)
    gen = c.gen
    win.state.set_value("optim.lr", 0.02)
    c.step(1)
    qtbot.waitUntil(lambda: c.step_count == 6, timeout=30000)
    assert c.gen == gen
    assert c.history.last.lr == pytest.approx(0.02)


def test_structural_change_rebuilds_debounced(make_window, qtbot):
    win = make_window()
    c = win.controller
    gen = c.gen
    with qtbot.waitSignal(c.run_started, timeout=30000) as sig:
        for d in (5, 6, 7):                        # a dragged slider: one rebuild at the end
            win.state.set_value("model.depth", d)
    assert sig.args[0].config.model.depth == 7 and len(sig.args[0].layer_names) == 7
    assert c.gen == gen + 1
    qtbot.waitUntil(lambda: c.history.layers == 7, timeout=30000)


def test_short_run_fills_every_plot(make_window, qtbot):
    win = make_window()
    lab = win.labs["deep"]
    win.controller.step(12)
    qtbot.waitUntil(lambda: win.controller.step_count == 12, timeout=30000)
    qtbot.waitUntil(lambda: lab.boundary.result is not None
                    and lab.boundary.result.step == 12, timeout=30000)
    for p in lab.panels():
        p.dirty = True
    lab.refresh(win.controller.history, force_range=True)
    x, y = lab.grad.measured.getData()
    assert len(x) == 4 and np.all(np.isfinite(y))   # log10 values (log axis)
    assert len(lab.grad.meanfield.getData()[0]) == 4
    img = lab.heatmap.image.image
    assert img is not None and img.shape == (13, 4) and np.isfinite(img).all()
    x, y = lab.activations.median.getData()
    assert len(x) == 4
    assert lab.activations.fills[0].path().elementCount() == 2 * 4 + 1   # closed band
    x, y = lab.loss.batch.getData()
    assert len(x) == 13
    assert len(lab.loss.test.getData()[0]) >= 2
    assert len(lab.loss.test_acc.getData()[0]) >= 2
    b = lab.boundary.image.image
    assert b is not None and b.shape == (64, 64) and np.all((b >= 0) & (b <= 1))
    assert len(lab.boundary.train_pts.data) == 96
    for mode in range(lab.grad.mode_box.count()):
        lab.grad.mode_box.setCurrentIndex(mode)
        lab.refresh(win.controller.history, force_range=True)
        assert lab.grad.csv_table()[1], lab.grad.mode_box.currentText()


def test_sine_draws_a_curve(make_window, qtbot):
    win = make_window(small_config(**{"data.name": "sine"}))
    lab = win.labs["deep"]
    qtbot.waitUntil(lambda: lab.boundary.result is not None, timeout=30000)
    lab.boundary.dirty = True
    lab.refresh(win.controller.history, force_range=True)
    assert lab.boundary.kind == "1d"
    assert len(lab.boundary.curve.getData()[0]) == 200
    assert not lab.loss.bottom.isVisible()


def test_exploding_preset_shows_banner_and_recovers(make_window, qtbot):
    win = make_window()
    c = win.controller
    div = run_until_diverged(win, qtbot)
    lab = win.labs["deep"]
    assert lab.banner.isVisible()
    assert f"step {div.step}" in lab.banner.title.text()
    assert div.summary() == lab.banner.text.text()
    for p in lab.panels():
        p.dirty = True
    lab.refresh(c.history, force_range=True)      # no plot breaks on Inf/NaN
    assert lab.heatmap.div_line is not None and lab.heatmap.div_line.value() == div.step
    # The gradient panel showed a profile when the run diverged; its over-steps view, chosen
    # afterwards, still marks the step (and the profile view has no step axis to mark).
    assert lab.grad.mode != "over_time" and lab.grad.div_line is None
    lab.grad.mode_box.setCurrentIndex(lab.grad.mode_box.findData("over_time"))
    assert lab.grad.div_line is not None and lab.grad.div_line.value() == div.step
    lab.grad.mode_box.setCurrentIndex(lab.grad.mode_box.findData("grad_h"))
    assert lab.grad.div_line is None
    # The app keeps responding: a config edit and a Reset work.
    win.state.set_value("init.scale", 1.0)
    with qtbot.waitSignal(c.run_started, timeout=30000):
        lab.banner.reset_button.click()
    assert not lab.banner.isVisible()
    c.step(2)
    qtbot.waitUntil(lambda: c.step_count == 2, timeout=30000)


def test_bad_build_restores_previous_settings(make_window, qtbot, tmp_path):
    win = make_window()
    c = win.controller
    missing = str(tmp_path / "missing.csv")
    with qtbot.waitSignal(c.failed, timeout=30000) as sig:
        win.state.set_values({"data.csv_path": missing, "data.name": "csv"})
    assert "kept the previous settings" in sig.args[0]
    assert win.state.config.data.name == "moons"
    assert win.labs["deep"].controls_panel.widgets["data.name"].currentData() == "moons"


def test_close_mid_run_stops_the_thread(make_window, qtbot):
    win = make_window(small_config(**{"model.depth": 30}))
    c = win.controller
    with qtbot.waitSignal(c.running_changed, timeout=30000):
        c.play()
    qtbot.waitUntil(lambda: c.step_count > 3, timeout=30000)
    win.close()
    assert not c.thread.isRunning()    # stopped within close's own wait (2 s), not later
