"""Themes, presentation mode, shortcuts, slow motion, and a network that overflows at init."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from tests.desktop_app.conftest import small_config


def test_themes_and_presentation_mode(make_window, qtbot):
    win = make_window()
    lab = win.labs["deep"]
    base_pt = QApplication.instance().font().pointSizeF()
    win.act_theme_dark.trigger()
    assert win.theme.dark and win.prefs.theme == "dark"
    assert lab.grad.view.backgroundBrush().color().name() == win.theme.bg
    win.act_present.trigger()
    assert win.theme.presentation and win.prefs.presentation
    assert QApplication.instance().font().pointSizeF() > base_pt
    assert lab.controls_scroll.minimumWidth() >= lab.controls.sizeHint().width()
    win.act_theme_light.trigger()
    win.act_present.trigger()
    assert not win.theme.dark and not win.theme.presentation
    win.act_controls.trigger()
    assert not lab.controls_scroll.isVisible()
    win.act_controls.trigger()
    assert lab.controls_scroll.isVisible()
    assert lab.refresh(win.controller.history, force_range=True) >= 0


def test_space_plays_and_pauses(make_window, qtbot):
    win = make_window()
    c = win.controller
    with qtbot.waitSignal(c.running_changed, timeout=30000):
        qtbot.keyClick(win, Qt.Key_Space)
    assert c.running
    with qtbot.waitSignal(c.running_changed, timeout=30000):
        qtbot.keyClick(win, Qt.Key_Space)
    assert not c.running
    assert win.act_play.shortcut().toString() == "Space"


def test_slow_motion(make_window, qtbot):
    win = make_window()
    c = win.controller
    win.speed.set_speed(5)
    assert win.speed.label.text() == "5 steps/s"
    with qtbot.waitSignal(c.running_changed, timeout=30000):
        c.play()
    qtbot.waitUntil(lambda: c.step_count >= 1, timeout=30000)
    before = c.step_count
    qtbot.wait(600)
    # 5 steps/s allows ~3 steps in 0.6 s; at full speed this tiny net takes hundreds. A busy
    # machine can only take fewer, so this checks the pacing without timing anything.
    assert c.step_count - before <= 6
    qtbot.waitUntil(lambda: c.step_count >= before + 2, timeout=30000)  # and it does move
    with qtbot.waitSignal(c.running_changed, timeout=30000):
        c.pause()
    win.speed.set_speed(0)
    assert win.speed.label.text() == "full speed"


def test_overflow_at_initialization_shows_banner(make_window, qtbot):
    cfg = small_config(**{"model.depth": 60, "model.activation": "linear",
                          "init.scheme": "normal", "init.scale": 80.0})
    win = make_window(cfg)
    lab = win.labs["deep"]
    qtbot.waitUntil(lab.banner.isVisible, timeout=30000)
    assert "step 0" in lab.banner.title.text()
    lab.refresh(win.controller.history, force_range=True)
    assert "Nothing finite to draw" in lab.grad.note.text()
