"""A panel title that is also the choice of what the panel shows.

A panel with a view choice used to show its title and, beside it, a combo box: at projector
sizes the two did not fit, and the title was cut to "Gra…". The choice now is the title
("Gradient ‖∂L/∂hₗ‖ per layer ▾"): it reads as a title, drops down like a combo box, is as wide
as the chosen text, and elides with "…" only when the panel is narrower than that.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QSizePolicy,
    QStyle,
    QStyleOptionComboBox,
    QStylePainter,
)

from desktop_app.plots.title_label import fitted_title

MIN_CHARS = 8    # how far it may shrink, in average characters, before the panel must widen
# An item's shorter title (setItemData(i, text, SHORT_ROLE)), shown where the full one does not
# fit: "Input gradient ∂y/∂x₁ (sh…" lost the word that says what the view is about.
SHORT_ROLE = Qt.UserRole + 1
# Still shorter titles, tried in order after SHORT_ROLE's (a tuple): at 1024 × 768 the short
# "Input gradient ∂y/∂x₁" was cut to "Input gradien…", while at 1920 × 1080 a single very short
# form ("‖∂L/∂hₜ‖") dropped the word "Gradient" that fitted.
SHORTER_ROLE = Qt.UserRole + 2


class TitleCombo(QComboBox):
    def __init__(self, items: list[tuple], tip: str, parent=None):
        super().__init__(parent)
        # (title, data), or (title, data, short title, shorter titles…), longest first
        for text, data, *short in items:
            self.addItem(text, data)
            if short:
                self.setItemData(self.count() - 1, short[0], SHORT_ROLE)
                self.setItemData(self.count() - 1, tuple(short[1:]), SHORTER_ROLE)
        self.setToolTip(tip)
        self.setFrame(False)
        self.setObjectName("plotTitle")
        self.setSizePolicy(QSizePolicy.Maximum, QSizePolicy.Fixed)   # at most its text's width
        self.currentIndexChanged.connect(lambda _i: self.updateGeometry())
        self.model().dataChanged.connect(lambda *_: self.updateGeometry())   # setItemText

    def _size_for(self, text_width: int) -> QSize:
        opt = QStyleOptionComboBox()
        self.initStyleOption(opt)
        h = max(self.fontMetrics().height(), 14)
        return self.style().sizeFromContents(QStyle.CT_ComboBox, opt, QSize(text_width, h), self)

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt's name)
        return self._size_for(self.fontMetrics().horizontalAdvance(self.currentText()) + 4)

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        return self._size_for(self.fontMetrics().averageCharWidth() * MIN_CHARS)

    def paintEvent(self, _event) -> None:  # noqa: N802
        p = QStylePainter(self)
        opt = QStyleOptionComboBox()
        self.initStyleOption(opt)
        p.drawComplexControl(QStyle.CC_ComboBox, opt)
        field = self.style().subControlRect(QStyle.CC_ComboBox, opt,
                                            QStyle.SC_ComboBoxEditField, self)
        opt.currentText = self.shown_text(field.width() - 2)
        p.drawControl(QStyle.CE_ComboBoxLabel, opt)

    def shown_text(self, width: int) -> str:
        """The current title in `width` pixels: in full, else the longest of its short titles
        that fits, else the shortest elided with "…"."""
        shorts = [t for t in (self.currentData(SHORT_ROLE), *(self.currentData(SHORTER_ROLE)
                                                             or ())) if t]
        return fitted_title(self.fontMetrics(), width, [self.currentText(), *shorts])
