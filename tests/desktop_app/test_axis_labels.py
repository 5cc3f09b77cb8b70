"""Tick labels: one format per axis (pyqtgraph mixed 0.0001 with 10⁻⁵ on a log axis and 5e-05
with 0.0001 on a linear one), and each label drawn once."""

from __future__ import annotations

import math

import numpy as np

from desktop_app.plots.log_axis import label_format, log_tick_strings
from desktop_app.plots.symlog import linear_tick_strings


def test_a_wide_log_axis_is_all_powers_of_ten():
    # The recurrent lab's ‖∂L/∂h_t‖ axis: pyqtgraph wrote 10², 10¹, 1, 0.1 … 0.0001, 10⁻⁵.
    labels = log_tick_strings(list(range(-7, 3)), -7.2, 2.5)
    assert labels == ["10⁻⁷", "10⁻⁶", "10⁻⁵", "10⁻⁴", "10⁻³", "10⁻²", "10⁻¹", "10⁰", "10¹",
                      "10²"]
    # Minor ticks (2×, 5×) keep their marks but get no text on a wide axis.
    assert log_tick_strings([-5 + math.log10(2), -5 + math.log10(5)], -7.2, 2.5) == ["", ""]


def test_a_narrow_log_axis_is_plain_decimals():
    lo, hi = math.log10(0.03), math.log10(1.5)
    vals = [math.log10(v) for v in (0.05, 0.1, 0.2, 0.3, 0.5, 1.0)]
    assert log_tick_strings(vals, lo, hi) == ["0.05", "0.1", "0.2", "", "0.5", "1"]
    assert label_format(lo, hi) == ("plain", (1, 2, 5))


def test_a_narrow_log_axis_of_tiny_values_is_in_powers_of_ten():
    vals = [-5.0, -5 + math.log10(2), -5 + math.log10(3), -5 + math.log10(5), -4.0]
    assert log_tick_strings(vals, -5.1, -3.9) == ["10⁻⁵", "2×10⁻⁵", "", "5×10⁻⁵", "10⁻⁴"]


def test_a_very_narrow_log_axis_still_gets_two_labels():
    lo, hi = math.log10(0.6), math.log10(0.95)       # no tick at 1, 2 or 5 × 10ⁿ inside
    vals = [math.log10(v) for v in (0.6, 0.7, 0.8, 0.9)]
    assert log_tick_strings(vals, lo, hi) == ["0.6", "0.7", "0.8", "0.9"]


def test_log_axis_item_uses_its_range(qtbot):
    import pyqtgraph as pg

    from desktop_app.plots.log_axis import LogAxis

    w = pg.GraphicsLayoutWidget()
    qtbot.addWidget(w)
    axis = LogAxis("left")
    plot = w.addPlot(axisItems={"left": axis})
    plot.setLogMode(False, True)
    plot.plot([1, 2, 3], [1e-7, 1e-3, 100.0])
    plot.setYRange(-7, 2, padding=0)
    w.resize(300, 400)
    w.show()
    w.grab()
    labels = [s for s in axis.tickStrings(list(range(-7, 3)), 1.0, 1.0) if s]
    assert labels and all(s.startswith("10") for s in labels)
    assert "0.001" not in labels and "1" not in labels


def test_log_axis_draws_each_tick_once(qtbot):
    from desktop_app.plots.log_axis import LogAxis

    axis = LogAxis("left")
    axis.setLogMode(False, True)
    levels = axis.tickValues(0.1, 2.45, 300)            # 1.3 … 280: decades and a minor level
    values = [round(v, 6) for _, vals in levels for v in vals]
    assert len(levels) >= 2 and 1.0 in values and 2.0 in values
    assert len(values) == len(set(values))


def test_linear_axis_ticks_share_one_format():
    # pyqtgraph's %g writes 5e-05 beside 0.0001 on a linear axis of tiny values.
    assert linear_tick_strings([0, 5e-5, 1e-4, 1.5e-4], 1.0, 5e-5) == \
        ["0", "5×10⁻⁵", "1×10⁻⁴", "1.5×10⁻⁴"]
    assert linear_tick_strings([0, 5e-4, 1e-3, 1.5e-3], 1.0, 5e-4) == \
        ["0", "0.0005", "0.0010", "0.0015"]
    assert linear_tick_strings([-2.0, 0.0, 2.0], 1.0, 2.0) == ["-2", "0", "2"]
    assert linear_tick_strings([0, 0.25, 0.5], 1.0, 0.25) == ["0", "0.25", "0.50"]
    big = linear_tick_strings(list(np.arange(0, 25000, 5000.0)), 1.0, 5000.0)
    assert big == ["0", "5×10³", "1×10⁴", "1.5×10⁴", "2×10⁴"]
