"""A narrow log axis draws at least three labels where they fit: the dying-ReLU loss axis
(0.57 … 3 nats, 160 px at 1024 × 768) showed only "1" and "2", the curves lying near 0.64
with no number below them."""

from __future__ import annotations

import math

import pyqtgraph as pg
import pytest

from tests.desktop_app.axis_helpers import drawn_labels as _labels

pytestmark = pytest.mark.usefixtures("app_font")


def _log_plot(qtbot, height, lo, hi):
    from desktop_app.plots.base import new_plot

    w = pg.GraphicsLayoutWidget()
    qtbot.addWidget(w)
    w.resize(220, height)
    p = new_plot(w, log_y=True)
    p.setLabel("left", "loss (nats)")
    p.setXRange(0, 200, padding=0)
    p.setYRange(math.log10(lo), math.log10(hi), padding=0)
    with qtbot.waitExposed(w):
        w.show()
    w.grab()
    return w, p.getAxis("left")


def test_a_short_narrow_loss_axis_labels_three_values(qtbot):
    _w, axis = _log_plot(qtbot, 200, 0.57, 2.96)
    drawn = _labels(axis)
    texts = [t for _, t in drawn]
    assert len(texts) >= 3 and "1" in texts and "2" in texts, texts
    rects = sorted((r for r, _ in drawn), key=lambda r: r.top())
    assert all(a.bottom() < b.top() for a, b in zip(rects, rects[1:], strict=False))


def test_fill_labels_adds_in_the_largest_gap_and_keeps_clear():
    from desktop_app.plots.log_axis import fill_labels, log_tick_strings

    lo, hi = math.log10(0.57), math.log10(2.96)
    vals = [math.log10(v) for v in (0.6, 0.7, 0.8, 0.9, 1.0, 2.0)]
    labels = log_tick_strings(vals, lo, hi)
    assert [t for t in labels if t] == ["1", "2"]
    filled = fill_labels(vals, labels, lo, hi, 160, 17)
    assert [t for t in filled if t] == ["0.7", "1", "2"]      # 0.6 sits on the axis's end
    # No room for a third label clear of the others: as they were.
    assert fill_labels(vals, labels, lo, hi, 60, 17) == labels
    # Three labels already: nothing added.
    three = log_tick_strings([math.log10(v) for v in (0.5, 1, 2)], math.log10(0.4), math.log10(3))
    assert fill_labels([math.log10(v) for v in (0.5, 1, 2)], three, math.log10(0.4),
                       math.log10(3), 160, 17) == three
