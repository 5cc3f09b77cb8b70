"""The caption under a plot, never more than a quarter of its panel's height.

A long caption took its height from the plot above it: with the divergence banner shown at
1280 × 800, the activations panel's six-line note left its plots 20 px. Beyond NOTE_SHARE of the
panel (at least MIN_LINES lines) the text ends in "…" at a word and reads whole in the tooltip;
where the panel has room, nothing is cut. Put what must not be missed first.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QLabel

NOTE_SHARE = 0.25
MIN_LINES = 2


class NoteLabel(QLabel):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWordWrap(True)
        self.full_text = ""
        self.detail = ""        # a longer explanation for the tooltip (caption's detail)
        self._probe = QLabel()  # never shown: measures candidate texts
        self._probe.setWordWrap(True)
        self._panel = None

    def set_note(self, text: str, detail: str = "") -> None:
        self.full_text, self.detail = text, detail
        self._watch_panel()
        self._fit()

    def max_lines(self) -> int:
        panel = self.parentWidget()
        if panel is None or panel.height() <= 0:
            return 1 << 10
        return max(MIN_LINES, int(NOTE_SHARE * panel.height() / self.fontMetrics().lineSpacing()))

    def text_fits(self, text: str, width: int, lines: int) -> bool:
        """Whether `text` wraps to at most `lines` lines at this width, measured the way
        QLabel lays it out (font metrics' own wrapping breaks lines elsewhere)."""
        self._probe.setFont(self.font())
        self._probe.setText(text)
        return self._probe.heightForWidth(width) <= lines * self.fontMetrics().lineSpacing() + 2

    def _fit(self) -> None:
        text, width, lines = self.full_text, self.contentsRect().width(), self.max_lines()
        if width > 40 and not self.text_fits(text, width, lines):
            words = text.split(" ")
            lo, hi = 0, len(words)            # the most words that fit with "…"
            while lo < hi:
                mid = (lo + hi + 1) // 2
                if self.text_fits(" ".join(words[:mid]) + " …", width, lines):
                    lo = mid
                else:
                    hi = mid - 1
            text = " ".join(words[:lo]) + " …"
        if text != self.text():
            super().setText(text)
        cut = text != self.full_text
        detail = "" if self.detail == self.full_text else self.detail
        tip = "\n\n".join(t for t in (self.full_text if cut else "", detail) if t)
        if tip != self.toolTip():
            self.setToolTip(tip)

    def _watch_panel(self) -> None:
        panel = self.parentWidget()
        if panel is not None and panel is not self._panel:
            panel.installEventFilter(self)
            self._panel = panel

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 (Qt's name)
        if obj is self._panel and event.type() == QEvent.Resize:
            self._fit()
        return False

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._fit()
