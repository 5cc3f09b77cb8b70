"""Application entry point (minimal window; the labs arrive with their own panels)."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    from PySide6.QtWidgets import QApplication, QLabel, QMainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    win = QMainWindow()
    win.setWindowTitle("GradLab")
    win.setCentralWidget(QLabel("GradLab"))
    win.resize(800, 600)
    win.show()
    return app.exec()
