"""Legends move to the corner of their plot where they hide the least data.

A fixed corner hides whatever the run puts there: the last steps of a falling loss, the top
layers of a gradient profile. Each time a panel re-ranges its axes, every visible legend goes
to the corner that covers the fewest points of the plot's curves and the least of its shaded
bands, and stays put unless another corner is clearly better (no jumping between frames).
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

CORNERS = ((1, 1), (1, 0), (0, 0), (0, 1))   # (x, y) anchors: 0 left/top, 1 right/bottom
MARGIN_PX = 4
SWITCH = 0.6                                  # move only if the best covers < 60% as much


def _unit_points(plot: pg.PlotItem) -> np.ndarray:
    """(n, 2) data points of the plot in view units (0..1, y up), bands included."""
    (x0, x1), (y0, y1) = plot.getViewBox().viewRange()
    w, h = max(x1 - x0, 1e-300), max(y1 - y0, 1e-300)
    parts = []
    for item in plot.listDataItems():
        if not item.isVisible():
            continue
        x, y = item.getData()
        if x is not None and len(x):
            parts.append(np.column_stack([x, y]))
    for item in plot.items:
        band = getattr(item, "band_data", None)
        if band is not None and item.isVisible():
            x, lo, hi = band
            # a band covers its whole height: sample it at five levels per x
            for f in np.linspace(0.0, 1.0, 5):
                parts.append(np.column_stack([x, lo + f * (hi - lo)]))
    if not parts:
        return np.zeros((0, 2))
    p = np.concatenate(parts).astype(np.float64)
    p = p[np.all(np.isfinite(p), axis=1)]
    return np.column_stack([(p[:, 0] - x0) / w, (p[:, 1] - y0) / h])


def _covered(points: np.ndarray, corner, fw: float, fh: float) -> int:
    cx, cy = corner
    u0 = 1.0 - fw if cx else 0.0
    v0 = 0.0 if cy else 1.0 - fh              # anchor y 1 = bottom (v = 0 at the bottom)
    inside = ((points[:, 0] >= u0) & (points[:, 0] <= u0 + fw)
              & (points[:, 1] >= v0) & (points[:, 1] <= v0 + fh))
    return int(inside.sum())


def place_legend(plot: pg.PlotItem) -> None:
    """Anchor the plot's legend (if any, and shown) in its least crowded corner."""
    leg = getattr(plot, "legend", None)
    if leg is None or not leg.isVisible() or not leg.items:
        return
    vb = plot.getViewBox()
    box, size = vb.boundingRect(), leg.boundingRect()
    if box.width() <= 0 or box.height() <= 0:
        return
    fw = min(1.0, (size.width() + MARGIN_PX) / box.width())
    fh = min(1.0, (size.height() + MARGIN_PX) / box.height())
    points = _unit_points(plot)
    counts = {c: _covered(points, c, fw, fh) for c in CORNERS}
    current = getattr(leg, "corner", CORNERS[0])
    best = min(CORNERS, key=lambda c: (counts[c], c != current))
    if counts[best] < SWITCH * counts.get(current, 0):
        current = best
    if getattr(leg, "corner", None) != current:
        leg.corner = current
        offset = tuple(MARGIN_PX if a == 0 else -MARGIN_PX for a in current)
        leg.anchor(itemPos=current, parentPos=current, offset=offset)
