"""A network whose every step takes seconds or more: the window says so when it is built, and
the status bar shows the lower bound until the first step is measured."""

from __future__ import annotations

import math

import pytest
import torch

from core.training import cost
from desktop_app.widgets.run_bar import rate_texts


def test_a_slow_network_is_announced_before_play(make_window, monkeypatch, qtbot):
    monkeypatch.setattr(cost, "matmul_rate", lambda *a: 1e4)     # a machine of 10 kFLOP/s
    win = make_window()
    info = win.controller.info
    least = info.step_flop / info.flop_rate
    assert least >= cost.SLOW_STEP_S
    msg = win.status_text
    assert msg.startswith(f"Heavy network: at least {cost.duration(least)} per training step")
    win._update_status()
    assert win.lbl_ms.text() == f"≥ {cost.duration(least)}/step (estimate)"
    # Step 0 was measured on one batch, not on the whole training set: its loss is the
    # first batch's, computed here on a second copy of the same network.
    from core.training.trainer import Trainer

    tr = Trainer(win.state.config)
    b = win.state.config.optim.batch_size
    assert b < len(tr.x_train)
    with torch.no_grad():
        want = tr._loss(tr.model(tr.x_train[:b]), tr.y_train[:b]).item()
    assert win.controller.history.column("loss")[0] == pytest.approx(want, rel=1e-6)


def test_a_fast_network_says_nothing(make_window):
    win = make_window()
    info = win.controller.info
    assert info.step_flop > 0 and info.step_flop / info.flop_rate < cost.SLOW_STEP_S
    assert "Heavy network" not in win.statusBar().currentMessage()


def test_the_measured_step_time_replaces_the_estimate():
    assert rate_texts(False, math.nan, math.nan, 0, 42.0) == ("ready", "≥ 42 s/step (estimate)")
    assert rate_texts(False, math.nan, math.nan, 0, 0.5) == ("ready", "— ms/step")
    assert rate_texts(False, math.nan, 3100.0, 1, 42.0) == ("paused", "3100.0 ms/step")


def test_a_long_message_gives_way_to_its_short_form_in_a_narrow_window(make_window, qtbot):
    """At 1024 × 768 "Heavy network: … (2.7 × 10¹¹" ran into the step and speed fields."""
    win = make_window(start=False)
    full = "Heavy network: at least 2.3 s per training step here " + "(and why) " * 12
    short = "Heavy network: at least 2.3 s per training step."
    win.resize(1024, 768)
    qtbot.waitUntil(lambda: win.width() == 1024, timeout=10000)
    win.status(full, short=short)
    assert win.statusBar().currentMessage() == short
    assert win.statusBar().toolTip() == full == win.status_text
    win.status("Preset: Deep sigmoid", short="Preset")      # fits: shown in full
    assert win.statusBar().currentMessage() == "Preset: Deep sigmoid"
    assert win.statusBar().toolTip() == ""
