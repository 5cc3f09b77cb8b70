"""The app's name, version and icon: Help → About, the window icon, `main.py --version`."""

import subprocess
import sys
from pathlib import Path

from core import __version__

ROOT = Path(__file__).resolve().parents[2]


def test_about_box_names_the_version(make_window, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    win = make_window(start=False)
    shown = []
    monkeypatch.setattr(QMessageBox, "exec", lambda box: shown.append(box.text()) or 0)
    titles = [a.text() for a in win.menuBar().actions()]
    assert "&Help" in titles
    win.act_about.trigger()
    assert shown and f"GradLab {__version__}" in shown[0] and "torch" in shown[0]


def test_icon_has_every_size(qapp):
    from desktop_app.about import ICON_SIZES, app_icon

    icon = app_icon()
    assert not icon.isNull()
    assert {s.width() for s in icon.availableSizes()} == set(ICON_SIZES)


def test_version_flag():
    out = subprocess.run([sys.executable, "main.py", "--version"], cwd=ROOT, capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0 and out.stdout.strip() == f"GradLab {__version__}"
