"""The application icon and the About box (name, version, what it runs on)."""

from __future__ import annotations

import importlib.metadata
import platform
from importlib import resources

from PySide6.QtCore import qVersion
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QMessageBox, QWidget

ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def app_icon() -> QIcon:
    """GradLab's icon from the PNG sizes in resources/icons (found inside a bundle too)."""
    icon = QIcon()
    folder = resources.files("resources") / "icons"
    for size in ICON_SIZES:
        path = folder / f"gradlab-{size}.png"
        if path.is_file():
            icon.addFile(str(path))
    return icon


def _version(dist: str) -> str:
    # importlib.metadata, not `import torch` (~1.7 s): training runs in a child process, so the
    # GUI process has usually not loaded torch.
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def about_text() -> str:
    from core import __version__

    return (f"<h3>GradLab {__version__}</h3>"
            "<p>A live lab for why deep and recurrent networks are hard to train, and what "
            "fixes it: gradients per layer against mean-field theory, saturation, "
            "initialization, spectral radius, loss landscapes.</p>"
            f"<p>Python {platform.python_version()} · torch {_version('torch')} · "
            f"Qt {qVersion()} · PySide6 {_version('PySide6-Essentials')} · "
            f"pyqtgraph {_version('pyqtgraph')}</p>"
            "<p>MIT licence.</p>")


def show_about(parent: QWidget) -> None:
    box = QMessageBox(parent)
    box.setWindowTitle("About GradLab")
    box.setIconPixmap(app_icon().pixmap(96, 96))
    box.setText(about_text())
    box.exec()
