"""core/ must stay GUI-free: importing every core module pulls in no Qt, pyqtgraph or superqt."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_core_imports_no_gui_modules():
    modules = sorted(
        ".".join(p.relative_to(ROOT).with_suffix("").parts)
        for p in (ROOT / "core").rglob("*.py") if p.name != "__init__.py"
    )
    assert len(modules) > 10
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in "
        "('PySide6', 'shiboken6', 'pyqtgraph', 'superqt', 'qtpy', 'desktop_app', 'PyQt5', 'PyQt6')]\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "", f"core imported GUI modules: {out.stdout}"


def test_modules_the_gui_process_uses_do_not_import_torch():
    """The GUI process leaves torch to the training process (it costs ~1.7 s to import)."""
    modules = ["core.config", "core.presets", "core.sessions", "core.analysis.recurrent_series",
               "core.analysis.meanfield", "core.choice_help", "core.config_relevance"]
    code = (f"import importlib, sys\nfor m in {modules!r}: importlib.import_module(m)\n"
            "import core.sessions as s; s.read_session_info\n"
            "print('torch' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"
