"""User flows across the window: switching labs, and what each keeps."""

from __future__ import annotations

import pytest

from tests.desktop_app.conftest import run_until_diverged, small_config


def test_switching_labs_and_back_keeps_each_labs_settings(make_window, qtbot):
    """A student who looked at another lab came back to its defaults: every slider they had
    set (and the preset's lesson) was gone. Each lab now gets back the settings it had."""
    win = make_window(small_config(**{"model.depth": 7, "optim.lr": 0.02}))
    c = win.controller
    deep, recurrent = win.labs["deep"], win.labs["recurrent"]
    assert win.current_lab() is deep
    with qtbot.waitSignal(c.run_started, timeout=30000):
        win.tabs.setCurrentWidget(recurrent)           # as by a click on its tab
    assert win.state.config.model.kind == "rnn"        # the recurrent lab's own default
    win.state.set_value("init.spectral_radius", 1.3)
    win.state.set_value("model.width", 12)
    rnn_cfg = win.state.config
    with qtbot.waitSignal(c.run_started, timeout=30000) as sig:
        win.tabs.setCurrentWidget(deep)
    cfg = sig.args[0].config
    assert cfg.model.kind == "mlp" and cfg.model.depth == 7
    assert cfg.optim.lr == pytest.approx(0.02)
    assert deep.controls_panel.widgets["model.depth"].value() == 7
    with qtbot.waitSignal(c.run_started, timeout=30000) as sig:
        win.tabs.setCurrentWidget(recurrent)
    assert sig.args[0].config == rnn_cfg == win.state.config
    assert recurrent.rho.value() == pytest.approx(1.3)


def test_switching_back_restores_the_preset_lesson(make_window, qtbot):
    win = make_window()
    c = win.controller
    with qtbot.waitSignal(c.run_started, timeout=30000):
        assert win.load_preset("rnn_exploding")
    preset = win.state.preset
    assert preset is not None and preset.lab == "recurrent"
    with qtbot.waitSignal(c.run_started, timeout=30000):
        win.tabs.setCurrentWidget(win.labs["deep"])
    assert win.state.preset is None
    with qtbot.waitSignal(c.run_started, timeout=30000):
        win.tabs.setCurrentWidget(win.labs["recurrent"])
    assert win.state.preset is preset and win.state.config == preset.config


def test_play_after_a_divergence_says_why_nothing_happens(make_window, qtbot):
    """After a divergence Play and Step did nothing at all (the trainer refuses to go on):
    once the status message had gone, the buttons looked broken."""
    win = make_window()
    c = win.controller
    step = run_until_diverged(win, qtbot).step
    for action in (win.act_play, win.act_step):
        win.statusBar().clearMessage()
        action.trigger()
        text = win.statusBar().currentMessage()
        assert f"diverged at step {step}" in text and "Reset" in text, text
        assert not c.running and "Play" in win.act_play.text()
    with qtbot.waitSignal(c.run_started, timeout=30000):
        win.act_reset.trigger()
    win.act_step.trigger()
    qtbot.waitUntil(lambda: c.step_count == 1, timeout=30000)
