"""Axis titles fit along short axes (1024 × 768, and a divergence banner above the plots):
the gradient-per-layer panel's left title was set whole in every mode, and a plot 100 px tall
showed "‖ΔWₗ‖ / ‖Wₗ‖ (log sca" (or only "(log scale"), cut at the axis's ends."""

from __future__ import annotations

import pytest

from tests.desktop_app.axis_helpers import drawn_labels

pytestmark = pytest.mark.usefixtures("app_font")


def _title_fits(plot, side="left") -> tuple[str, float, float]:
    """(title, its drawn length, the axis's length)."""
    axis = plot.getAxis(side)
    length = axis.label.boundingRect().width()
    return axis.labelText, length, axis.geometry().height()


@pytest.mark.parametrize("mode", ["grad_h", "grad_w", "update_ratio", "over_time"])
def test_grad_per_layer_left_title_fits_a_short_plot(qtbot, mode):
    from desktop_app.plots.grad_per_layer import GradPerLayerPlot
    from desktop_app.theme import Theme

    panel = GradPerLayerPlot(Theme())
    qtbot.addWidget(panel)
    panel.mode_box.setCurrentIndex(panel.mode_box.findData(mode))
    panel.resize(215, 200)            # at 1024 × 768 under the divergence banner
    with qtbot.waitExposed(panel):
        panel.show()
    qtbot.wait(50)
    panel.grab()
    title, length, room = _title_fits(panel.plot)
    assert length <= room, (title, length, room)
    assert "‖" in title                        # still says what is plotted
    # A tall plot keeps the whole title.
    panel.resize(215, 500)
    qtbot.wait(50)
    panel.grab()
    assert panel.plot.getAxis("left").labelText.endswith("(log scale)")


def _drawn(axis) -> list[str]:
    return [text for _, text in drawn_labels(axis)]


@pytest.mark.parametrize("kind", ["loss", "activations"])
def test_stacked_plots_line_up_their_x_axes(qtbot, kind):
    # pyqtgraph lines linked views up on screen: the accuracy plot's wider left axis ("100"
    # under "1") started its step axis at 18, without "0"; "% dead" lost layer 1.
    import math

    from desktop_app.plots.activations import ActivationsPlot
    from desktop_app.plots.loss_curves import LossCurvesPlot
    from desktop_app.theme import Theme

    panel = (LossCurvesPlot if kind == "loss" else ActivationsPlot)(Theme())
    qtbot.addWidget(panel)
    panel.resize(300, 420)
    with qtbot.waitExposed(panel):
        panel.show()
    top, bottom = panel.top, panel.bottom
    x = (0.0, 200.0) if kind == "loss" else (0.5, 6.5)
    top.setXRange(*x, padding=0)
    if kind == "loss":
        top.setYRange(math.log10(0.6), math.log10(2.5), padding=0)     # labels 1, 2
        bottom.setYRange(0, 102, padding=0)                             # labels … 100
    else:
        top.setYRange(0, 4, padding=0)
        bottom.setYRange(-3, 103, padding=0)
    qtbot.wait(50)
    panel.grab()
    assert bottom.isVisible()
    assert bottom.getViewBox().viewRange()[0] == pytest.approx(list(x), abs=1e-6)
    assert top.getAxis("left").width() == bottom.getAxis("left").width()
    first = "0" if kind == "loss" else "1"
    assert first in _drawn(bottom.getAxis("bottom"))
