"""Panel titles in narrow panels (a projector at 1024 × 768): the full title where it fits, else
its short form, else the short form elided; drop-down titles likewise; every long title of
every lab has a short form."""

from __future__ import annotations

import pytest

from desktop_app.plots.title_combo import TitleCombo
from desktop_app.plots.title_label import TitleLabel

FULL, SHORT = "Gradient flow over time", "Gradient flow"


@pytest.fixture
def label(qtbot):
    w = TitleLabel(FULL, SHORT)
    qtbot.addWidget(w)
    w.show()
    return w


def test_the_label_shows_the_full_title_then_the_short_one_then_elides(label):
    fm = label.fontMetrics()
    label.resize(fm.horizontalAdvance(FULL) + 4, 30)
    assert label.shown_text() == FULL
    label.resize(fm.horizontalAdvance(FULL) - 4, 30)
    assert label.shown_text() == SHORT
    label.resize(fm.horizontalAdvance(SHORT) // 2, 30)
    shown = label.shown_text()
    assert shown.endswith("…") and SHORT.startswith(shown[:-1])
    assert label.text() == FULL                       # callers read the whole title


def test_a_new_title_without_a_short_form_elides_and_a_font_change_refits(label):
    fm = label.fontMetrics()
    label.resize(fm.horizontalAdvance(FULL) + 4, 30)
    label.setText("Step gain ‖∂hₜ/∂hₜ₋₁‖ and more words", "Step gain")
    assert label.shown_text() == "Step gain"
    label.setText(FULL)
    assert label.shown_text() == FULL
    f = label.font()
    f.setPointSizeF(f.pointSizeF() * 2)              # presentation mode: the same width is short
    label.setFont(f)
    assert label.shown_text() == "Gradient flow over time"[:len(label.shown_text()) - 1] + "…"


def test_a_drop_down_title_uses_each_items_short_form(qtbot):
    box = TitleCombo([("Activations h = φ(z)", "a", "Activations"), ("Pre-activations", "p")],
                     "tip")
    qtbot.addWidget(box)
    fm = box.fontMetrics()
    assert box.shown_text(fm.horizontalAdvance("Activations h = φ(z)")) == "Activations h = φ(z)"
    assert box.shown_text(fm.horizontalAdvance("Activations h = φ(z)") - 4) == "Activations"
    box.setCurrentIndex(1)
    assert box.shown_text(fm.horizontalAdvance("Pre-activations") - 4).endswith("…")


def test_every_long_title_of_every_lab_has_a_shorter_form(make_window):
    """Titles that would not fit a third of a 1024-pixel row beside the controls."""
    win = make_window(start=False)
    from desktop_app.plots.title_combo import SHORT_ROLE

    seen = 0
    for lab in win.labs.values():
        for panel in lab.panels():
            box = panel.title_choice
            if box is not None:
                titles = [(box.itemText(i), box.itemData(i, SHORT_ROLE))
                          for i in range(box.count())]
            else:
                titles = [(panel.title_label.text(), panel.title_label.short)]
            for full, short in titles:
                if len(full) > 18:
                    seen += 1
                    assert short and len(short) < len(full), (type(panel).__name__, full)
    assert seen >= 10
