"""The loss panel's step axis: room to grow while steps arrive, ending at the last step once
they stop (paused, finished, a screenshot)."""

from __future__ import annotations

import pyqtgraph as pg
import pytest

from desktop_app.plots.step_axis import END_PAD, GROW, fit_steps


def x_range(plot):
    return plot.getViewBox().viewRange()[0]


def test_fit_steps_keeps_the_headroom_while_growing_and_drops_it_when_stopped(qtbot):
    w = pg.GraphicsLayoutWidget()
    qtbot.addWidget(w)
    p = w.addPlot()
    p.disableAutoRange()
    fit_steps(p, 0.0, 100.0, growing=True)
    assert x_range(p)[1] == pytest.approx(GROW * 100)
    for last in (101.0, 110.0, 124.0):                  # no re-ranging while it still fits
        fit_steps(p, 0.0, last, growing=True)
        assert x_range(p)[1] == pytest.approx(GROW * 100)
    fit_steps(p, 0.0, 124.0, growing=False)
    lo, hi = x_range(p)
    assert lo == 0 and hi == pytest.approx(124 * (1 + END_PAD))
    fit_steps(p, 0.0, 130.0, growing=True)              # training again: room again
    assert x_range(p)[1] == pytest.approx(GROW * 130)


def test_loss_axis_ends_at_the_last_step_after_training_stops(make_window, qtbot):
    win = make_window()
    c, panel = win.controller, win.labs["deep"].loss
    panel.growth.timer.setInterval(300)                 # the test need not wait 2 s
    c.step(40)
    qtbot.waitUntil(lambda: c.step_count == 40, timeout=30000)
    qtbot.waitUntil(lambda: not panel.growth.growing, timeout=20000)
    last = float(c.history.column("step")[-1])
    # Once no records arrive, the panel re-ranges (at the next frame) to end at the last step.
    qtbot.waitUntil(lambda: last <= x_range(panel.top)[1] <= last * (1 + END_PAD) + 1e-6,
                    timeout=20000)
    lo, hi = x_range(panel.top)
    assert lo == 0 and last <= hi
    assert x_range(panel.bottom)[1] == pytest.approx(hi)              # accuracy shares the axis


def test_a_forced_range_is_a_final_picture(make_window, qtbot):
    # The screenshot's last refresh comes right after the last records: no headroom there.
    win = make_window()
    c, panel = win.controller, win.labs["deep"].loss
    c.step(30)
    qtbot.waitUntil(lambda: c.step_count == 30, timeout=30000)
    panel.growth.arrived()                              # as if steps were still arriving
    panel.dirty = True
    assert panel.refresh(c.history, force_range=True)
    assert x_range(panel.top)[1] == pytest.approx(30 * (1 + END_PAD))
    assert panel.growth.growing
