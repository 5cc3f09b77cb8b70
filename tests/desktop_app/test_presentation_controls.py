"""Check boxes, radio buttons, slider handles and arrows grow with the presentation
font (at 2560 × 1440 they stayed Fusion's 14 px beside 20 pt labels), and normal mode draws
exactly as Fusion."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage, QPalette
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QRadioButton,
    QSlider,
    QSpinBox,
    QStyle,
    QStyleFactory,
    QStyleOptionButton,
    QStyleOptionSlider,
    QWidget,
)


def _indicator_height(box: QCheckBox) -> int:
    opt = QStyleOptionButton()
    box.initStyleOption(opt)
    return box.style().subElementRect(QStyle.SE_CheckBoxIndicator, opt, box).height()


def _handle(slider: QSlider):
    opt = QStyleOptionSlider()
    slider.initStyleOption(opt)
    return slider.style().subControlRect(QStyle.CC_Slider, opt, QStyle.SC_SliderHandle, slider)


def _ink_width(widget: QWidget, rect, colour: QColor) -> int:
    """Width of the pixels in `rect` of the widget's picture that are close to `colour`."""
    img = widget.grab().toImage().convertToFormat(QImage.Format_RGB32)
    xs = [x for x in range(rect.left(), rect.right() + 1) for y in range(rect.top(), rect.bottom() + 1)
          if 0 <= x < img.width() and 0 <= y < img.height()
          and sum(abs(a - b) for a, b in zip(QColor(img.pixel(x, y)).getRgb()[:3],
                                             colour.getRgb()[:3], strict=True)) < 60]
    return max(xs) - min(xs) + 1 if xs else 0


@pytest.mark.parametrize("theme_name", ["light", "dark"])
def test_indicators_grow_with_the_presentation_font(make_window, qtbot, theme_name):
    win = make_window()
    win.set_theme(theme_name)
    lab = win.labs["landscape"]
    win.show_lab("landscape")
    box = lab.controls.findChildren(QCheckBox)[0]
    slider = win.findChildren(QSlider)[0]
    combo = lab.controls.findChildren(QComboBox)[0]

    def sizes():
        line = box.fontMetrics().height()
        return (_indicator_height(box) / line, _handle(slider).width() / line,
                win.style().pixelMetric(QStyle.PM_ExclusiveIndicatorWidth) / line)

    normal = sizes()
    win.resize(2560, 1440)
    win.toggle_presentation(True)
    assert win.theme.font_pt >= 20
    # In step with the text: the same share of a line as in normal mode (Fusion's fixed pixels
    # were half of it).
    for big, small in zip(sizes(), normal, strict=True):
        assert big == pytest.approx(small, rel=0.15)
    # The speed slider's larger handle stays inside its widget above the ticks.
    qtbot.waitUntil(lambda: win.speed.slider.height() >= win.speed.slider.sizeHint().height())
    assert win.speed.slider.rect().contains(_handle(win.speed.slider))
    # The combo box's arrow too (Fusion caps it at 8 px).
    ink = QApplication.instance().palette().color(QPalette.ButtonText)
    qtbot.waitUntil(lambda: combo.palette().color(QPalette.ButtonText) == ink)  # posted
    opt_rect = combo.style().subControlRect(
        QStyle.CC_ComboBox, _combo_option(combo), QStyle.SC_ComboBoxArrow, combo)
    assert _ink_width(combo, opt_rect, ink) >= 12
    win.toggle_presentation(False)
    assert sizes() == normal


def _combo_option(combo: QComboBox):
    from PySide6.QtWidgets import QStyleOptionComboBox

    opt = QStyleOptionComboBox()
    combo.initStyleOption(opt)
    return opt


def test_normal_mode_draws_as_fusion(qapp):
    from desktop_app.theme import Theme, apply_qt_theme

    apply_qt_theme(qapp, Theme())
    spin = QSpinBox()
    spin.setValue(3)
    widgets = [QCheckBox("a"), QRadioButton("b"), QComboBox(), QSlider(Qt.Horizontal), spin]
    widgets[0].setChecked(True)
    widgets[2].addItems(["relu", "tanh"])

    def pictures(style):
        out = []
        for w in widgets:
            w.setStyle(style)
            w.resize(w.sizeHint())
            img = QImage(w.size(), QImage.Format_ARGB32)
            img.fill(0)
            w.render(img)
            out.append(img)
        return out

    ours = pictures(QApplication.instance().style())
    fusion = QStyleFactory.create("Fusion")
    assert pictures(fusion) == ours
