"""Heatmap colour bars hold log10 values and are labelled with the values themselves: 10⁻¹⁵."""

from __future__ import annotations


def test_colour_bar_ticks_are_whole_decades_written_as_powers(qapp):
    from desktop_app.plots.grad_heatmap import GradHeatmapPlot
    from desktop_app.theme import Theme

    panel = GradHeatmapPlot(Theme())
    ax = panel.bar.getAxis("right")
    (spacing, values), = ax.tickValues(-17.7, -1.2, 300)
    assert spacing == 3 and values == [-15, -12, -9, -6, -3]
    assert ax.tickStrings(values, 1, spacing) == ["10⁻¹⁵", "10⁻¹²", "10⁻⁹", "10⁻⁶", "10⁻³"]
    (_, values), = ax.tickValues(-2.0, 1.0, 300)                 # few decades: every one
    assert values == [-2, -1, 0, 1]
    assert ax.tickStrings([0.0], 1, 1) == ["10⁰"]
    assert "log10" not in ax.labelText and "log10" not in panel.bar.getAxis("left").labelText


def test_log_axis_labels_are_thinned_to_the_room():
    import math

    from desktop_app.plots.log_axis import log_tick_strings, thin_labels

    values = [16 + math.log10(m) for m in (6, 7, 8, 9)] + [17.0]   # 6 … 9 × 10¹⁶ and 10¹⁷
    labels = log_tick_strings(values, 16.75, 17.02)
    assert labels == ["6×10¹⁶", "7×10¹⁶", "8×10¹⁶", "9×10¹⁶", "10¹⁷"]
    assert [t for t in thin_labels(labels, 3) if t] == ["6×10¹⁶", "8×10¹⁶", "10¹⁷"]
    assert thin_labels(labels, 5) == labels and thin_labels(["", "1"], 1) == ["", "1"]


def test_horizontal_tick_spacing_leaves_room_for_each_label():
    from desktop_app.plots.fit_axis import roomy_spacing

    # 0 … 200 on 110 px with ~30 px labels: pyqtgraph's 50 left 27 px per label ("50100150").
    levels = roomy_spacing([(50.0, 0.0), (10.0, 0.0)], 0, 200, 110, 30)
    assert levels[0][0] == 100 and 110 * levels[0][0] / 200 >= 30
    assert levels[1:] == [(10.0, 0.0)]                     # the minor level below it stays
    # Room enough: pyqtgraph's spacing unchanged.
    assert roomy_spacing([(50.0, 0.0), (10.0, 0.0)], 0, 200, 600, 30) == [(50.0, 0.0), (10.0, 0.0)]
    # Steps of 1, 2, 5 × 10ⁿ: 0 … 30 on 100 px with 24 px labels needs 7.2 → 10.
    assert roomy_spacing([(5.0, 0.0), (1.0, 0.0)], 0, 30, 100, 24)[0][0] == 10
