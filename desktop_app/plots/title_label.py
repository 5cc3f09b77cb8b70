"""A panel title that gives way gracefully: in full where it fits, else its short form, else
elided with "…".

At 1024 × 768 (a common projector) three panels share a row beside the controls, and "Gradient
flow over time" was cut to "Gradient flow ov…": the short form ("Gradient flow") keeps the words
that say what the panel is.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QSize, Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QLabel, QSizePolicy


def fitted_title(fm: QFontMetrics, width: int, titles: list[str]) -> str:
    """The first of `titles` (longest first: the full one, then shorter forms) that fits in
    `width` pixels, else the last elided with "…"."""
    for text in titles:
        if fm.horizontalAdvance(text) <= width:
            return text
    return fm.elidedText(titles[-1], Qt.ElideRight, width)


class TitleLabel(QLabel):
    def __init__(self, full: str, short: str = "", parent=None):
        super().__init__(parent)
        self._full, self._short = full, short
        self.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Preferred)
        self.setMinimumWidth(40)
        self._fit()

    def text(self) -> str:  # noqa: D102 (QLabel's name): the full title, whatever is shown
        return self._full

    def setText(self, full: str, short: str = "") -> None:  # noqa: N802 (Qt's name)
        """A new title (and its short form, none by default)."""
        self._full, self._short = full, short
        self._fit()

    @property
    def short(self) -> str:
        """The short form ("" for none)."""
        return self._short

    def shown_text(self) -> str:
        """What the label draws at its current width."""
        return super().text()

    def sizeHint(self) -> QSize:  # noqa: N802
        fm = self.fontMetrics()
        return QSize(fm.horizontalAdvance(self._full) + 4, super().sizeHint().height())

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._fit()

    def changeEvent(self, event) -> None:  # noqa: N802
        super().changeEvent(event)
        if event.type() in (QEvent.FontChange, QEvent.StyleChange):
            self._fit()

    def _fit(self) -> None:
        fm, width = self.fontMetrics(), self.width()
        shown = fitted_title(fm, width, [self._full, *([self._short] if self._short else [])])
        if shown != super().text():
            super().setText(shown)
