"""Plot captions never take more than a quarter of their panel; cut text reads whole in the tooltip."""

from __future__ import annotations

from PySide6.QtWidgets import QVBoxLayout, QWidget

TEXT = ("The run diverged at step 2; showing the last finite measurement (step 1). " * 6).strip()


def _panel(qtbot, w, h):
    from desktop_app.plots.note_label import NoteLabel

    panel = QWidget()
    lay = QVBoxLayout(panel)
    filler = QWidget()
    lay.addWidget(filler, 1)
    note = NoteLabel()
    lay.addWidget(note)
    qtbot.addWidget(panel)
    panel.resize(w, h)
    panel.show()
    return panel, note


def test_long_caption_is_cut_to_a_quarter_of_the_panel(qtbot):
    panel, note = _panel(qtbot, 300, 200)
    note.set_note(TEXT)
    qtbot.waitUntil(lambda: note.text().endswith("…"))
    assert TEXT.startswith(note.text()[:-2])              # cut at a word, from the start
    assert note.toolTip() == TEXT                          # whole in the tooltip
    assert note.heightForWidth(note.width()) <= 0.25 * panel.height() + 2
    assert note.full_text == TEXT
    # A tall panel has room: nothing is cut.
    panel.resize(300, 1200)
    qtbot.waitUntil(lambda: note.text() == TEXT)
    assert note.toolTip() == ""


def test_short_caption_is_untouched_and_detail_is_the_tooltip(qtbot):
    _, note = _panel(qtbot, 400, 300)
    note.set_note("Step 5.", "Saturated: |tanh| > 0.97.")
    assert note.text() == "Step 5." and note.toolTip() == "Saturated: |tanh| > 0.97."


def test_cut_caption_with_a_detail_keeps_both_in_the_tooltip(qtbot):
    panel, note = _panel(qtbot, 300, 200)
    note.set_note(TEXT, "Definitions.")
    qtbot.waitUntil(lambda: note.text().endswith("…"))
    assert note.toolTip() == TEXT + "\n\nDefinitions."
