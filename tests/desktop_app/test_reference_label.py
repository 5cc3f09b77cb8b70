"""The update-ratio view's 10⁻³ reference label lies inside the plot (it was cut to "0⁻³")."""

from __future__ import annotations


def test_reference_label_is_inside_the_plot(make_window, qtbot):
    win = make_window()
    win.resize(1024, 768)
    lab, c = win.current_lab(), win.controller
    panel = lab.grad
    panel.mode_box.setCurrentIndex(panel.mode_box.findData("update_ratio"))
    c.step(3)
    qtbot.waitUntil(lambda: c.step_count == 3 and c.history.last.step == 3, timeout=10000)
    panel.dirty = True
    lab.refresh(c.history, force_range=True)
    panel.plot.setYRange(-4, -2, padding=0)         # the 10⁻³ line in view
    qtbot.wait(20)
    label = panel.ref.label
    assert label.isVisible() and label.toPlainText() == "10⁻³"
    box = panel.plot.getViewBox().sceneBoundingRect()
    text = label.mapRectToScene(label.boundingRect())
    assert box.left() - 1 <= text.left() and text.right() <= box.right() + 1
