"""One plot enlarged to fill its lab's plots area, and back (the lecture's close-up).

The other panels are hidden, not moved: a panel keeps its parent (a 3-D view would lose its
OpenGL context if reparented) and hidden panels skip their redraws. The grid rows and columns
the enlarged panel does not occupy lose their stretch meanwhile, or they would keep their
share of the space empty.
"""

from __future__ import annotations

from PySide6.QtWidgets import QGridLayout, QWidget


class Enlarger:
    def __init__(self, area: QWidget):
        self.area = area
        self.panel: QWidget | None = None
        self._hidden: list[QWidget] = []
        self._stretch: list[tuple] = []     # (layout, "row"|"col", index, old stretch)

    def toggle(self, panel: QWidget) -> None:
        """Enlarge `panel`, or restore the grid if it is the one enlarged."""
        was = self.panel
        self.restore()
        if was is not panel:
            self.enlarge(panel)

    def enlarge(self, panel: QWidget) -> None:
        self.restore()
        w = panel
        while w is not self.area and w.parentWidget() is not None:
            parent = w.parentWidget()
            lay = parent.layout()
            if lay is not None and lay.indexOf(w) >= 0:
                for i in range(lay.count()):
                    other = lay.itemAt(i).widget()
                    if other is not None and other is not w and not other.isHidden():
                        other.hide()
                        self._hidden.append(other)
                if isinstance(lay, QGridLayout):
                    self._focus_grid(lay, w)
            w = parent
        self.panel = panel
        if hasattr(panel, "set_enlarged"):
            panel.set_enlarged(True)

    def restore(self) -> None:
        """Show every panel again (nothing happens when none is enlarged)."""
        for lay, kind, i, old in self._stretch:
            (lay.setRowStretch if kind == "row" else lay.setColumnStretch)(i, old)
        for w in self._hidden:
            w.show()
        self._hidden, self._stretch = [], []
        if self.panel is not None and hasattr(self.panel, "set_enlarged"):
            self.panel.set_enlarged(False)
        self.panel = None

    def _focus_grid(self, lay: QGridLayout, w: QWidget) -> None:
        row, col, rows, cols = lay.getItemPosition(lay.indexOf(w))
        for kind, n, start, span, get, put in (
                ("row", lay.rowCount(), row, rows, lay.rowStretch, lay.setRowStretch),
                ("col", lay.columnCount(), col, cols, lay.columnStretch, lay.setColumnStretch)):
            for i in range(n):
                mine = start <= i < start + span
                self._stretch.append((lay, kind, i, get(i)))
                put(i, 1 if mine else 0)
