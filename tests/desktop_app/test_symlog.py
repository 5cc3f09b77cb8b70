"""The signed log axis of the activations panel: ticks at ±10ᵏ, and it paints."""

import numpy as np
import pyqtgraph as pg

from desktop_app.plots.symlog import SymLogAxis, to_symlog


def test_transform_is_odd_monotonic_and_linear_near_zero():
    y = np.array([-1e16, -10.0, -1e-3, 0.0, 1e-3, 10.0, 1e16])
    t = to_symlog(y, 1.0)
    assert np.all(np.diff(t) > 0) and np.allclose(t, -t[::-1])
    assert abs(t[4] - 1e-3 / np.log(10)) < 1e-6            # ≈ linear within the unit
    assert abs(t[-1] - 16) < 1e-9


def test_ticks_are_powers_of_ten_and_the_axis_paints(qtbot):
    w = pg.GraphicsLayoutWidget()
    qtbot.addWidget(w)
    w.resize(300, 400)
    axis = SymLogAxis("left")
    plot = w.addPlot(axisItems={"left": axis})
    plot.plot([1, 2, 3], to_symlog([1.0, 1e8, 1e16], 1.0))
    plot.setRange(yRange=(-1, 17), padding=0)
    assert axis.tickValues(-1, 17, 400)[0][1] != []        # plain ticks while off
    axis.set_scale(1.0)
    (spacing, ticks), = axis.tickValues(-1, 17, 400)
    labels = axis.tickStrings(ticks, 1.0, spacing)
    assert "0" in labels and len(labels) >= 4
    assert all(s == "0" or s.startswith("10") for s in labels)      # ±10ᵏ only, none below 0
    w.show()
    w.grab()                                               # paints (AxisItem's own scale intact)
