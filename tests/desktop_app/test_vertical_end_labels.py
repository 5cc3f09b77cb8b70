"""Vertical axes draw the labels at their ends: pyqtgraph drops a label reaching past its axis,
and the accuracy axis (0 … 102 %) showed neither "0" nor "100", at 1280 × 800 in presentation
mode only 20 … 80, on a short plot "50" alone."""

from __future__ import annotations

import pytest

from tests.desktop_app.axis_helpers import drawn_labels as _drawn

pytestmark = pytest.mark.usefixtures("app_font")


@pytest.mark.parametrize("height", [330, 420, 600])
def test_accuracy_axis_labels_its_ends_apart(qtbot, height):
    from desktop_app.plots.loss_curves import LossCurvesPlot
    from desktop_app.theme import Theme

    panel = LossCurvesPlot(Theme())
    qtbot.addWidget(panel)
    panel.resize(300, height)
    with qtbot.waitExposed(panel):
        panel.show()
    panel.top.setXRange(0, 200, padding=0)
    panel.top.setYRange(-0.3, 0.4, padding=0)
    panel.bottom.setYRange(0, 102, padding=0)        # as fit_y sets it
    qtbot.wait(50)
    panel.grab()
    assert panel.bottom.isVisible()
    drawn = _drawn(panel.bottom.getAxis("left"))
    texts = [t for _, t in drawn]
    assert "0" in texts and "100" in texts, texts
    rects = sorted((r for r, _ in drawn), key=lambda r: r.top())
    assert all(b.top() - a.bottom() >= 2 for a, b in zip(rects, rects[1:], strict=False)), texts


def test_a_short_vertical_axis_keeps_its_labels_apart(qtbot):
    # The singular values' axis at 1024 × 768: 0 … 1.6 over ~45 px stacked "1.5", "1.0",
    # "0.5", "0" with no gap between them.
    import pyqtgraph as pg

    from desktop_app.plots.base import new_plot

    w = pg.GraphicsLayoutWidget()
    qtbot.addWidget(w)
    w.resize(220, 100)
    p = new_plot(w)
    p.setLabel("left", "σ")
    p.setLabel("bottom", "index i")
    p.setXRange(0.5, 32.5, padding=0)
    p.setYRange(0, 1.6, padding=0)
    with qtbot.waitExposed(w):
        w.show()
    w.grab()
    assert p.getViewBox().height() < 60
    drawn = _drawn(p.getAxis("left"))
    rects = sorted((r for r, _ in drawn), key=lambda r: r.top())
    texts = [t for _, t in drawn]
    assert len(drawn) >= 2, texts
    assert all(b.top() - a.bottom() >= 2 for a, b in zip(rects, rects[1:], strict=False)), texts
