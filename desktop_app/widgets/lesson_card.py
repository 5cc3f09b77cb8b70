"""The preset's explanation, shown beside the plots: what to look for and why."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QFrame, QLabel, QScrollArea, QVBoxLayout, QWidget

from desktop_app.theme import Theme


class LessonCard(QFrame):
    def __init__(self, theme: Theme, default_title: str, default_text: str,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.setFrameShape(QFrame.StyledPanel)
        self.default = (default_title, default_text)
        self.heading = QLabel()
        self.heading.setWordWrap(True)
        self.body = QLabel()
        self.body.setWordWrap(True)
        self.body.setTextFormat(Qt.RichText)
        self.body.setAlignment(Qt.AlignTop | Qt.AlignLeft)
        self.body.setTextInteractionFlags(Qt.TextSelectableByMouse)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.NoFrame)
        scroll.setWidget(self.body)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(10, 6, 10, 6)
        lay.addWidget(self.heading)
        lay.addWidget(scroll, 1)
        self.apply_theme(theme)
        self.set_preset(None)

    def apply_theme(self, theme: Theme) -> None:
        f = QFont(self.heading.font())
        f.setPointSizeF(theme.title_pt)
        f.setBold(True)
        self.heading.setFont(f)

    def set_preset(self, preset) -> None:
        if preset is None:
            title, text, foot = *self.default, ""
        else:
            title, text = preset.title, html.escape(preset.explanation)
            foot = (f"<p><i>Preset “{preset.name}”: press Play (Space) and watch about "
                    f"{preset.steps} steps.</i></p>")
        self.heading.setText(title)
        paras = "".join(f"<p>{p.strip()}</p>" for p in text.split("\n\n") if p.strip())
        self.body.setText(paras + foot)
