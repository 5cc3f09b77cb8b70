"""Small header icons drawn in the theme's text colour (the style's standard title-bar icons
are dark grey, invisible on the dark theme)."""

from __future__ import annotations

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPen, QPixmap

SIZE = 32    # drawn at 32 px, shown at the button's icon size (sharp on high-DPI screens)


def corners_icon(color: str, inward: bool) -> QIcon:
    """Four corner brackets: pointing out (enlarge) or in (back to the grid)."""
    pm = QPixmap(SIZE, SIZE)
    pm.fill(Qt.transparent)
    p = QPainter(pm)
    p.setRenderHint(QPainter.Antialiasing)
    p.setPen(QPen(QColor(color), 3, Qt.SolidLine, Qt.SquareCap, Qt.MiterJoin))
    lo, hi, arm = 4.0, SIZE - 4.0, 7.0
    for cx, cy in ((lo, lo), (hi, lo), (lo, hi), (hi, hi)):
        sx = 1 if cx == lo else -1          # towards the inside along x
        sy = 1 if cy == lo else -1
        if inward:                          # the bracket's corner sits inside, arms go out
            cx, cy, sx, sy = cx + sx * arm, cy + sy * arm, -sx, -sy
        corner = QPointF(cx, cy)
        p.drawPolyline([QPointF(cx + sx * arm, cy), corner, QPointF(cx, cy + sy * arm)])
    p.end()
    return QIcon(pm)
