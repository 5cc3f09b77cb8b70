"""Shared by the axis tests: the tick labels an axis draws now."""

from __future__ import annotations

from PySide6.QtGui import QImage, QPainter


def drawn_labels(axis) -> list:
    """The tick labels the axis would draw now, as (rect, text)."""
    img = QImage(10, 10, QImage.Format_ARGB32)
    p = QPainter(img)
    try:
        specs = axis.generateDrawSpecs(p)
    finally:
        p.end()
    return [(rect, text) for rect, _, text in specs[2]] if specs else []
