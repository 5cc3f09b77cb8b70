"""A banner over the plots: what went wrong (divergence) in plain words, with a Reset button."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QToolButton, QVBoxLayout

from desktop_app.theme import Theme


class Banner(QFrame):
    reset_requested = Signal()

    def __init__(self, theme: Theme, parent=None):
        super().__init__(parent)
        self.setObjectName("banner")
        self.title = QLabel()
        self.title.setObjectName("bannerTitle")
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.reset_button = QPushButton("Reset the run")
        self.reset_button.setToolTip("Rebuild the network from the current settings (Ctrl+R)")
        self.reset_button.clicked.connect(self.reset_requested)
        close = QToolButton(text="✕")
        close.setToolTip("Hide this message")
        close.clicked.connect(self.hide)
        body = QVBoxLayout()
        body.addWidget(self.title)
        body.addWidget(self.text)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(10, 6, 6, 6)
        lay.addLayout(body, 1)
        lay.addWidget(self.reset_button)
        lay.addWidget(close)
        self.apply_theme(theme)
        self.hide()

    def apply_theme(self, theme: Theme) -> None:
        self.setStyleSheet(
            f"#banner {{ background: {theme.warn_bg}; border: 2px solid {theme.warn_border};"
            f" border-radius: 4px; }} #bannerTitle {{ font-weight: bold; }}")

    def show_divergence(self, div) -> None:
        where = f" in layer {div.layer_name}" if div.layer_name else ""
        self.title.setText(f"⚠ The run diverged at step {div.step}{where}: training paused.")
        self.text.setText(div.summary())
        self.show()
