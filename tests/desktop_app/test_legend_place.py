"""Legends move to the corner of their plot that hides the least data."""

import numpy as np
import pyqtgraph as pg

from desktop_app.plots.base import Band, legend
from desktop_app.plots.legend_place import place_legend
from desktop_app.theme import Theme


def _plot(qtbot):
    w = pg.GraphicsLayoutWidget()
    qtbot.addWidget(w)
    w.resize(400, 300)
    plot = w.addPlot()
    plot.setRange(xRange=(0, 10), yRange=(0, 10), padding=0)
    w.show()
    return w, plot


def test_legend_leaves_the_corner_where_the_data_is(qtbot):
    w, plot = _plot(qtbot)
    leg = legend(plot, Theme())          # starts bottom-right
    x = np.linspace(5, 10, 50)
    plot.plot(x, 10 - x, name="falling")           # fills the bottom-right and the middle
    qtbot.wait(50)
    assert leg.corner == (1, 1)
    place_legend(plot)
    assert leg.corner != (1, 1)
    # Data now in the new corner too, but the legend only moves when clearly better.
    before = leg.corner
    place_legend(plot)
    assert leg.corner == before


def test_bands_count_as_covered(qtbot):
    w, plot = _plot(qtbot)
    leg = legend(plot, Theme(), corner=(0, 0))   # starts top-left
    band = Band(pg.mkBrush(0, 0, 255, 80))
    plot.addItem(band)
    x = np.linspace(0, 10, 20)
    band.set_data(x, np.full_like(x, 6.0), np.full_like(x, 10.0))   # the whole top
    plot.plot([0, 10], [1, 1], name="line")
    qtbot.wait(50)
    place_legend(plot)
    assert leg.corner[1] == 1                      # moved to a bottom corner, off the band
