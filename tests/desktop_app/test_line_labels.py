"""Labels of reference and marker lines lie inside their plots: the update-ratio view's 10⁻³
(it was cut to "0⁻³") and the divergence marker at a run's last step (cut at the right edge)."""

from __future__ import annotations

from tests.desktop_app.conftest import run_until_diverged


def test_reference_label_is_inside_the_plot(make_window, qtbot):
    win = make_window()
    win.resize(1024, 768)
    lab, c = win.current_lab(), win.controller
    panel = lab.grad
    panel.growth.timer.setInterval(300)             # the test need not wait 2 s
    panel.mode_box.setCurrentIndex(panel.mode_box.findData("update_ratio"))
    c.step(3)
    qtbot.waitUntil(lambda: c.step_count == 3 and c.history.last.step == 3, timeout=30000)
    # Once the records stop, the panel re-ranges at a later frame (step_axis.GrowthWatch):
    # let that happen first, or it can undo the range set below during the wait.
    qtbot.waitUntil(lambda: not panel.growth.growing, timeout=20000)
    panel.dirty = True
    lab.refresh(c.history, force_range=True)
    panel.plot.setYRange(-4, -2, padding=0)         # the 10⁻³ line in view
    qtbot.wait(20)
    label = panel.ref.label
    assert label.isVisible() and label.toPlainText() == "10⁻³"
    box = panel.plot.getViewBox().sceneBoundingRect()
    text = label.mapRectToScene(label.boundingRect())
    assert box.left() - 1 <= text.left() and text.right() <= box.right() + 1


def _inside(plot, label) -> bool:
    box = plot.getViewBox().sceneBoundingRect()
    text = label.mapRectToScene(label.boundingRect())
    return box.left() - 1 <= text.left() and text.right() <= box.right() + 1


def test_divergence_label_at_the_last_step_is_inside_the_plot(make_window, qtbot):
    win = make_window()
    win.resize(1024, 768)
    c = win.controller
    run_until_diverged(win, qtbot)
    lab = win.labs["deep"]
    for p in lab.panels():
        p.dirty = True
    lab.refresh(c.history, force_range=True)
    qtbot.wait(20)
    plot, line = lab.loss.div_lines[0]
    assert line.value() == c.history.divergence.step
    assert line.label.toPlainText().startswith("diverged")
    assert _inside(plot, line.label), line.label.toPlainText()
