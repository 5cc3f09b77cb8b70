"""The memory-gate panel's colour bar: its title runs along the bar and must fit it (at
1280 × 800 in presentation mode "f_t (1 = keep)" was cut to "f_t (1 = keep")."""

from __future__ import annotations


def _label_fits(panel) -> bool:
    from PySide6.QtGui import QFont, QFontMetrics

    font = QFont()
    font.setPointSizeF(panel.theme.tick_pt + 1)
    text = panel.bar.getAxis("left").labelText
    return QFontMetrics(font).horizontalAdvance(text) <= panel.bar.getViewBox().height()


def test_gate_colour_bar_title_fits_the_bar(qtbot):
    from desktop_app.plots.rnn_gates import RnnGatePlot
    from desktop_app.theme import Theme

    p = RnnGatePlot(Theme())
    qtbot.addWidget(p)
    p.kind = "lstm"
    p._mode()
    p.resize(520, 760)
    p.show()
    qtbot.waitUntil(lambda: p.bar.getViewBox().height() > 150)
    qtbot.waitUntil(lambda: p.bar_label == "fₜ (1 = keep)")
    assert p.bar.getAxis("left").labelText == "fₜ (1 = keep)" and _label_fits(p)
    # A short panel (the top plot about 70 px high): a shorter title, still along the bar.
    p.resize(300, 250)
    qtbot.waitUntil(lambda: p.bar.getViewBox().height() < 110)
    qtbot.waitUntil(lambda: p.bar_label != "fₜ (1 = keep)")
    assert p.bar.getAxis("left").labelText == p.bar_label
    assert p.bar_label in ("1 = keep", "fₜ") and _label_fits(p)
    # A GRU's gate is zₜ.
    p.kind = "gru"
    p._mode()
    assert p.bar_labels()[0] == "zₜ (1 = keep)"
    assert p.title_label.text() == "Update gate zₜ over time"
    assert "mean zₜ" in p.key_row.text()
