"""What the Landscape tab shows: nothing clipped at the tab's edge, a legend that lists only what
is drawn, a span box that equals the drawn half-width, and a colour scale that can be the same
for every run."""

from __future__ import annotations

from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QGroupBox


def test_landscape_box_keeps_the_margin_of_the_sections_below(make_window, qtbot):
    win = make_window(start=False)
    lab = win.labs["landscape"]
    assert win.show_lab("landscape")
    box = lab.landscape_controls
    section = lab.controls_panel.findChildren(QGroupBox)[0]       # "Network"
    left = box.mapTo(lab.controls, QPoint(0, 0)).x()
    assert left > 0                                               # not on the tab's edge
    assert left == section.mapTo(lab.controls, QPoint(0, 0)).x()  # lined up with the others
    # The whole box is inside the visible part of the scroll area.
    view = lab.controls_scroll.viewport()
    top_left = box.mapTo(view, QPoint(0, 0))
    assert top_left.x() > 0 and top_left.x() + box.width() <= view.width()
