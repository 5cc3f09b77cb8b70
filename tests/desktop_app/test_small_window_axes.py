"""At 1024 × 768: the eigenvalue plane gets the room its square needs (its unit circle was 45 px
across in a tall, empty plane), and narrow axes label at least two ticks, none run together
(a step axis of 0 … 100 showed only "50", the singular-value index only "20", the layer axis
"10121416")."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import pytest

from tests.desktop_app.axis_helpers import drawn_labels as _labels

pytestmark = pytest.mark.usefixtures("app_font")


def _plot(qtbot, width, x_range, layer_ticks=None):
    from desktop_app.plots.base import new_plot

    w = pg.GraphicsLayoutWidget()
    qtbot.addWidget(w)
    w.resize(width, 200)
    w.ci.layout.setContentsMargins(2, 2, 30, 2)      # a colour bar's room to the right
    p = new_plot(w)
    p.setLabel("left", "y")
    if layer_ticks:
        from desktop_app.plots.base import layer_ticks as ticks

        ticks(p.getAxis("bottom"), layer_ticks)
    p.setXRange(*x_range, padding=0)
    p.setYRange(0, 1, padding=0)
    with qtbot.waitExposed(w):
        w.show()
    w.grab()
    return w, p.getAxis("bottom")


@pytest.mark.parametrize("width, x_range", [
    (140, (-0.5, 100.5)),      # the gradient heatmap's step axis (labels 0 and 100 at its ends)
    (135, (0.5, 32.5)),        # the singular-value index (20 alone before)
])
def test_a_narrow_axis_labels_two_ticks(qtbot, width, x_range):
    _w, axis = _plot(qtbot, width, x_range)
    labels = _labels(axis)
    assert len(labels) >= 2, [t for _, t in labels]
    rects = sorted((r for r, _ in labels), key=lambda r: r.left())
    assert all(a.right() < b.left() for a, b in zip(rects, rects[1:], strict=False))


def test_layer_ticks_set_by_hand_do_not_run_together(qtbot):
    _w, axis = _plot(qtbot, 170, (0.5, 20.5), layer_ticks=20)
    labels = _labels(axis)
    rects = sorted((r for r, _ in labels), key=lambda r: r.left())
    gaps = [b.left() - a.right() for a, b in zip(rects, rects[1:], strict=False)]
    assert len(labels) >= 2 and min(gaps) > 0, [t for _, t in labels]


def test_two_labels_shifts_a_lone_tick():
    from desktop_app.plots.fit_axis import two_labels

    assert two_labels([(20.0, 0.0), (10.0, 0.0)], 0.5, 32.5) == [(20.0, 10.0), (10.0, 0.0)]
    assert two_labels([(20.0, 0.0)], 0.5, 29.5) == [(20.0, 5.0)]
    assert two_labels([(10.0, 0.0)], 0.5, 32.5) == [(10.0, 0.0)]       # 10, 20, 30: kept
    # A spacing wider than the axis: the widest smaller one that fits two labels (2: 1, 3),
    # as it was where a label is wider than any such spacing.
    assert two_labels([(50.0, 0.0)], 1.0, 3.0) == [(2.0, 1.0)]
    assert two_labels([(50.0, 0.0)], 1.0, 3.0, min_spacing=5.0) == [(50.0, 0.0)]


@pytest.fixture
def spectrum(qtbot):
    from core.analysis.recurrent_series import matrix_spectrum
    from desktop_app.plots.rnn_spectrum import RnnSpectrumPlot
    from desktop_app.plots.rnn_task import Spectrum
    from desktop_app.theme import Theme

    p = RnnSpectrumPlot(Theme())
    qtbot.addWidget(p)
    q, _ = np.linalg.qr(np.random.default_rng(0).standard_normal((32, 32)))
    p.set_spectrum(Spectrum.from_dict(matrix_spectrum(q)), "Step 0")
    with qtbot.waitExposed(p):
        p.show()
    return p


def _arrangement(panel):
    return (panel.view.width(), panel.view.height(), panel.stacked,
            panel.plane.vb.geometry().getRect(), panel.sv.vb.geometry().getRect())


def _until_still(qtbot, panel, turns=5, timeout_ms=20000):
    """Wait until the panel's arrangement has not changed for `turns` rounds of the event
    loop: a resize arranges the plots from a 0 ms timer and their layout follows on posted
    events, so a fixed 50 ms wait read a half-done arrangement on a loaded machine."""
    seen = {"still": 0, "last": None}

    def still() -> bool:
        now = _arrangement(panel)
        seen["still"] = seen["still"] + 1 if now == seen["last"] else 0
        seen["last"] = now
        return seen["still"] >= turns

    qtbot.waitUntil(still, timeout=timeout_ms)   # polls every few ms, events in between


def _settle(qtbot, panel, w, h):
    panel.resize(w, h)
    _until_still(qtbot, panel)
    panel.draw(None, True)
    _until_still(qtbot, panel)
    return panel.plane.vb.geometry(), panel.sv.vb.geometry(), panel.view.width()


def test_a_narrow_tall_panel_puts_the_singular_values_below(qtbot, spectrum):
    # The panel as at 1024 × 768 before training: 220 px wide, tall.
    plane, sv, width = _settle(qtbot, spectrum, 220, 420)
    assert min(plane.width(), plane.height()) >= 0.6 * width     # 51 px of 213 before
    assert sv.width() > 0.6 * width and sv.height() >= 30
    assert spectrum.stacked


def test_a_wide_panel_gives_the_plane_its_square(qtbot, spectrum):
    plane, sv, width = _settle(qtbot, spectrum, 700, 330)
    assert plane.width() == pytest.approx(plane.height(), rel=0.08)   # 3 : 2 shares before
    assert sv.width() >= 100 and not spectrum.stacked
    # Eigenvalues alone: the plane takes the whole view.
    spectrum.show_box.setCurrentIndex(spectrum.show_box.findData("eig"))
    qtbot.waitUntil(lambda: not spectrum.sv.isVisible())
    plane, _, width = _settle(qtbot, spectrum, 700, 330)
    assert spectrum.plane.geometry().width() >= 0.85 * width
