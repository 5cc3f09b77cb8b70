"""GradLab's Qt front end: shows and steers what core computes."""

import os

# pyqtgraph prefers PyQt6 when both are installed; superqt reads QT_API through qtpy.
os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")
os.environ.setdefault("QT_API", "pyside6")
