"""Visual review (session 5): drop-down titles try shorter and shorter forms before eliding.

At 1024 × 768 "Input gradient ∂y/∂x₁" was cut to "Input gradien…", "‖∂L/∂hₗ‖ over steps" to
"‖∂L/∂hₗ‖ over s…", "Pre-activations" (presentation) to "Pre-activati…"; at 1920 × 1080 the
recurrent heatmap showed only "‖∂L/∂hₜ‖" where "Gradient ‖∂L/∂hₜ‖" fitted twice over."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication, QStyle, QStyleOptionComboBox

from desktop_app.plots.title_combo import TitleCombo


def test_the_longest_short_title_that_fits_is_shown(qtbot, app_font):
    full, short, shorter = "Input gradient ∂y/∂x₁ (shattering)", "Input gradient ∂y/∂x₁", "Input gradient"
    box = TitleCombo([("Decision boundary", "b", "Boundary"), (full, "s", short, shorter)], "tip")
    qtbot.addWidget(box)
    box.setCurrentIndex(1)
    fm = box.fontMetrics()
    assert box.shown_text(fm.horizontalAdvance(full) + 2) == full
    assert box.shown_text(fm.horizontalAdvance(short) + 2) == short
    assert box.shown_text(fm.horizontalAdvance(short) - 6) == shorter
    assert box.shown_text(fm.horizontalAdvance(shorter) // 2).endswith("…")   # the shortest cut
    box.setCurrentIndex(0)                                   # an item with a single short form
    assert box.shown_text(fm.horizontalAdvance("Decision boundary") - 6) == "Boundary"


def _field(box) -> int:
    opt = QStyleOptionComboBox()
    box.initStyleOption(opt)
    return box.style().subControlRect(QStyle.CC_ComboBox, opt, QStyle.SC_ComboBoxEditField,
                                      box).width() - 2


def test_no_title_of_any_lab_is_cut_with_an_ellipsis_at_1024_by_768(make_window, qtbot):
    win = make_window()
    win.resize(1024, 768)
    elided = []
    for name, lab in win.labs.items():
        win.show_lab(name)
        for panel in lab.panels():
            box = panel.title_choice
            if box is None:
                QApplication.processEvents()
                if panel.title_label.shown_text().endswith("…"):
                    elided.append((name, panel.title_label.shown_text()))
                continue
            start = box.currentIndex()
            for i in range(box.count()):
                box.setCurrentIndex(i)
                qtbot.wait(30)                   # the box takes the width of the new title
                shown = box.shown_text(_field(box))
                # Some room to spare: a font a few per cent wider still fits.
                spare = box.shown_text(int(_field(box) * 0.96))
                if shown.endswith("…") or spare.endswith("…"):
                    elided.append((name, box.itemText(i), shown, _field(box)))
            box.setCurrentIndex(start)
    assert not elided
