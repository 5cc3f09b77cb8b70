"""A panel enlarged to the whole plots area and back; presentation sizes that follow the window."""

from __future__ import annotations

from PySide6.QtCore import Qt


def test_enlarge_fills_the_plots_area_and_restores(make_window, qtbot):
    win = make_window()
    lab = win.current_lab()
    others = [p for p in lab.panels() if p is not lab.grad] + [lab.lesson]
    area = lab.plots_area
    narrow = lab.grad.width()
    assert narrow < 0.5 * area.width()
    qtbot.mouseClick(lab.grad.enlarge_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: lab.grad.width() > 0.95 * area.width())
    assert lab.grad.height() > 0.95 * area.height()
    assert all(not p.isVisible() for p in others)
    assert lab.enlarger.panel is lab.grad
    assert "Back to all plots" in lab.grad.enlarge_button.toolTip()
    # Hidden panels skip their redraws; the enlarged one keeps drawing.
    for p in lab.panels():
        p.dirty = True
    assert lab.refresh(win.controller.history) == 1
    # Esc restores the grid, with every panel back at its size.
    lab.grad.setFocus()
    qtbot.keyClick(lab.grad, Qt.Key_Escape)
    assert lab.enlarger.panel is None and all(p.isVisible() for p in others)
    qtbot.waitUntil(lambda: abs(lab.grad.width() - narrow) <= 2)


def test_double_click_on_the_title_toggles_and_switches(make_window, qtbot):
    win = make_window()
    lab = win.current_lab()
    qtbot.mouseDClick(lab.loss.title_label, Qt.LeftButton)
    assert lab.enlarger.panel is lab.loss and not lab.grad.isVisible()
    lab.grad.enlarge_requested.emit()            # another panel: it replaces the first
    assert lab.enlarger.panel is lab.grad and lab.grad.isVisible() and not lab.loss.isVisible()
    lab.grad.enlarge_requested.emit()            # the same one again: back to the grid
    assert lab.enlarger.panel is None and lab.loss.isVisible() and lab.grad.isVisible()


def test_every_lab_enlarges_each_of_its_panels(make_window):
    win = make_window()
    for name, lab in win.labs.items():
        win.show_lab(name)
        for p in lab.panels():
            lab.enlarger.toggle(p)
            shown = [q for q in lab.panels() if q.isVisible()]
            assert shown == [p], (name, p.key)
            lab.enlarger.toggle(p)
            assert all(q.isVisible() for q in lab.panels()), (name, p.key)


def test_presentation_sizes_follow_the_window(make_window, qtbot):
    from desktop_app.theme import Theme, presentation_scale

    assert presentation_scale(1920, 1080) == 1.0
    assert presentation_scale(1280, 800) == 0.7          # the floor: normal sizes, not smaller
    assert presentation_scale(2560, 1440) == 1.35
    for w, h in ((640, 480), (1280, 800), (1600, 1000), (3840, 2160)):
        t = Theme(presentation=True, scale=presentation_scale(w, h))
        assert t.font_pt >= Theme().font_pt and t.title_pt >= Theme().title_pt
        assert t.tick_pt >= Theme().tick_pt
    win = make_window()
    win.resize(1920, 1080)
    win.toggle_presentation(True)
    assert win.theme.presentation and win.theme.font_pt == 15.0
    win.resize(1280, 800)
    qtbot.waitUntil(lambda: win.theme.scale == 0.7, timeout=20000)
    assert win.theme.font_pt == 10.5
    assert win.current_lab().grad.title_choice.font().pointSizeF() == win.theme.title_pt
    win.toggle_presentation(False)
    assert win.theme.scale == 1.0 and win.theme.font_pt == 10.0
