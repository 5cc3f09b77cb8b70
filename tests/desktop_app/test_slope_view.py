"""The activations panel's slope view: mean |φ′(z)| per layer, the largest slope φ can have."""

from __future__ import annotations

import math

import numpy as np
import pytest

from core.analysis.meanfield import SELU_ALPHA, SELU_SCALE
from desktop_app.plots.slope_curves import largest_slope
from tests.desktop_app.conftest import small_config


@pytest.mark.parametrize("activation, top", [
    ("sigmoid", 0.25), ("tanh", 1.0), ("relu", 1.0), ("elu", 1.0),
    ("selu", SELU_SCALE * SELU_ALPHA),          # the slope just left of 0
    ("softplus", 1.0), ("linear", 1.0), ("maxout", 1.0),
])
def test_largest_slope_is_the_theory_value(activation, top):
    assert largest_slope(activation) == pytest.approx(top, rel=1e-3)


def test_slope_view_draws_the_recorded_slopes(make_window, qtbot):
    win = make_window(small_config(**{"model.activation": "sigmoid", "model.depth": 5}))
    lab, c = win.current_lab(), win.controller
    panel = lab.activations
    panel.which.setCurrentIndex(panel.which.findData("fprime_mean"))
    c.step(4)
    qtbot.waitUntil(lambda: c.step_count == 4 and c.history.last.step == 4, timeout=30000)
    lab.refresh(c.history, force_range=True)
    m = c.history.layer_matrix("fprime_mean")
    x, y = panel.slope.now.getData()
    np.testing.assert_allclose(y, m[-1])
    np.testing.assert_allclose(panel.slope.start.getData()[1], m[0])
    assert panel.slope.ref.value() == pytest.approx(0.25)
    assert "largest φ′ = 1/4" in panel.top_key.text()     # in the key: a label on the line was cut
    assert not panel.median.isVisible() and panel.slope.now.isVisible()
    product = math.prod(m[-1])
    assert f"{product:.1e}".split("e")[0] in panel.note.full_text    # 2 digits, as shown
    assert "at the start" in panel.top_key.text() and "% saturated" in panel.top_key.text()
    assert "% dead" not in panel.top_key.text()            # sigmoid units do not die
    panel.which.setCurrentIndex(panel.which.findData("act_pct"))
    lab.refresh(c.history, force_range=True)
    assert panel.median.isVisible() and not panel.slope.now.isVisible()


def test_slope_axis_title_fits_a_short_plot(make_window, qtbot):
    """At 1024 × 768 "mean |φ′(z)|" was longer than the top plot and ran into the title of
    the plot below ("% of unitsmean |φ′(z"); a shorter title is chosen where it does not fit."""
    from PySide6.QtGui import QFont, QFontMetrics

    win = make_window(small_config(**{"model.activation": "sigmoid"}))
    panel = win.current_lab().activations
    panel.which.setCurrentIndex(panel.which.findData("fprime_mean"))
    win.resize(1024, 640)
    qtbot.wait(100)
    panel._fit_labels()
    font = QFont()
    font.setPointSizeF(panel.theme.tick_pt + 1)
    text = panel.top.getAxis("left").labelText
    room = panel.top.getViewBox().sceneBoundingRect().height()
    assert text in ("mean |φ′(z)|", "|φ′(z)|", "|φ′|")
    assert text == "|φ′|" or QFontMetrics(font).horizontalAdvance(text) + 8 <= room
    panel.which.setCurrentIndex(panel.which.findData("act_pct"))
    assert panel.top.getAxis("left").labelText == "φ(z)"
