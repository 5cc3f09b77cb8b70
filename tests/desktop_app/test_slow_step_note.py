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
    msg = win.statusBar().currentMessage()
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
