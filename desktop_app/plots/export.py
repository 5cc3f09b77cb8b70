"""Export a plot panel: PNG (rendered at 2× for print), SVG (QSvgGenerator + QPainter, since
pyqtgraph 0.14's SVGExporter crashes) and CSV (the numbers behind the plot)."""

from __future__ import annotations

import csv
import math
import os

from PySide6.QtCore import QPoint, QRect, QSize
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QWidget

FORMATS = ("png", "svg", "csv")


def export_png(widget: QWidget, path: str, scale: float = 2.0) -> None:
    size = widget.size()
    img = QImage(QSize(int(size.width() * scale), int(size.height() * scale)),
                 QImage.Format_ARGB32)
    img.setDevicePixelRatio(scale)
    img.fill(widget.palette().window().color())
    p = QPainter(img)
    try:
        widget.render(p, QPoint(0, 0))
    finally:
        p.end()
    if not img.save(path, "PNG"):
        raise OSError(f"could not write {path}")


def export_svg(widget: QWidget, path: str, title: str = "") -> None:
    from PySide6.QtSvg import QSvgGenerator

    gen = QSvgGenerator()
    gen.setFileName(path)
    gen.setSize(widget.size())
    gen.setViewBox(QRect(0, 0, widget.width(), widget.height()))
    gen.setTitle(title or "GradLab plot")
    gen.setDescription("Exported from GradLab")
    p = QPainter(gen)
    try:
        widget.render(p, QPoint(0, 0))
    finally:
        p.end()
    if not os.path.exists(path):
        raise OSError(f"could not write {path}")


def export_csv(header: list[str], rows, path: str) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        for row in rows:
            w.writerow(["" if isinstance(x, float) and math.isnan(x) else x for x in row])


def export_panel(panel, stem: str, formats=FORMATS) -> list[str]:
    """Write `stem.png`, `stem.svg`, `stem.csv` (those asked for); returns the paths."""
    out = []
    for f in formats:
        path = f"{stem}.{f}"
        if f == "png":
            export_png(panel, path)
        elif f == "svg":
            export_svg(panel, path, panel.shown_title())
        elif f == "csv":
            header, rows = panel.csv_table()
            export_csv(header, rows, path)
        else:
            raise ValueError(f"unknown export format {f!r}")
        out.append(path)
    return out
