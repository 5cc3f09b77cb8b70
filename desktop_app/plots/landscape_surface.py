"""The optional 3-D view of the landscape: a GLSurfacePlotItem, made only when asked for.

OpenGL is missing on the offscreen platform, without PyOpenGL, or with a broken driver; then
`gl_unavailable_reason()` says why and the lab keeps the 2-D map (PITFALLS: GLSurfacePlotItem
needs a GL context; its `colors` are a flat (N, 4) float32 array).
"""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QVBoxLayout, QWidget

from desktop_app.theme import Theme

NO_GL_PLATFORMS = ("offscreen", "minimal", "minimalegl", "vnc")
HEIGHT = 1.0          # the surface's height relative to its half-width


def gl_unavailable_reason() -> str | None:
    """None when a 3-D view can be made here, else why not (in words for the user)."""
    from PySide6.QtGui import QGuiApplication, QOffscreenSurface, QOpenGLContext

    platform = QGuiApplication.platformName()
    if platform in NO_GL_PLATFORMS:
        return f"no OpenGL on the “{platform}” display platform"
    try:
        import OpenGL  # noqa: F401
    except ImportError:
        return "the 3-D view needs PyOpenGL (pip install PyOpenGL)"
    try:
        import pyqtgraph.opengl  # noqa: F401
    except Exception as e:  # a broken GL stack raises all sorts of errors
        return f"pyqtgraph's OpenGL module could not load ({type(e).__name__}: {e})"
    ctx = QOpenGLContext()
    if not ctx.create():
        return "no OpenGL context could be created (graphics driver)"
    surface = QOffscreenSurface()
    surface.create()
    try:
        if not ctx.makeCurrent(surface):
            return "an OpenGL context could not be made current (graphics driver)"
        ctx.doneCurrent()
    finally:
        surface.destroy()
    return None


class SurfaceView(QWidget):
    """L(α, β) as a coloured surface, the current point as a marker (needs OpenGL)."""

    def __init__(self, theme: Theme, parent: QWidget | None = None):
        super().__init__(parent)
        import pyqtgraph.opengl as gl

        self.gl = gl.GLViewWidget()
        from PySide6.QtGui import QVector3D

        self.gl.setCameraPosition(pos=QVector3D(0, 0, HEIGHT / 4), distance=4.2, elevation=30,
                                  azimuth=-60)
        self.surface = gl.GLSurfacePlotItem(computeNormals=False, smooth=False)
        self.gl.addItem(self.surface)
        self.grid = gl.GLGridItem()
        self.grid.setSize(2, 2)
        self.grid.setSpacing(0.25, 0.25)
        self.gl.addItem(self.grid)
        self.marker = gl.GLScatterPlotItem(pos=np.zeros((1, 3)), size=12,
                                           color=(1.0, 1.0, 1.0, 1.0), pxMode=True)
        self.marker.setGLOptions("translucent")
        self.gl.addItem(self.marker)
        self.path = gl.GLLinePlotItem(pos=np.zeros((0, 3)), color=(0.84, 0.37, 0.0, 1.0),
                                      width=2, antialias=False)
        self.gl.addItem(self.path)
        self.labels = [gl.GLTextItem(pos=p, text=t) for p, t in
                       (((0.9, -1.15, 0), "α"), ((-1.15, 0.9, 0), "β"),
                        ((-1.0, -1.0, HEIGHT), "loss"))]
        for item in self.labels:
            self.gl.addItem(item)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.gl)
        self.apply_theme(theme)

    def apply_theme(self, theme: Theme) -> None:
        import pyqtgraph as pg

        self.gl.setBackgroundColor(theme.bg)
        fg = pg.mkColor(theme.fg)
        for item in self.labels:
            item.setData(color=fg)
        self.grid.setColor(pg.mkColor(theme.muted))

    def set_data(self, alphas: np.ndarray, betas: np.ndarray, shown: np.ndarray,
                 levels: tuple[float, float], cmap, coords: np.ndarray) -> None:
        """`shown` (nα, nβ) in colour units (loss or log10 loss), clean (finite or NaN)."""
        lo, hi = levels
        u = (np.where(np.isfinite(shown), shown, hi) - lo) / max(hi - lo, 1e-30)
        u = np.clip(u, 0.0, 1.0)
        sa = max(float(np.abs(alphas).max()), 1e-30)
        sb = max(float(np.abs(betas).max()), 1e-30)
        x, y = alphas / sa, betas / sb
        colors = cmap.map(u.ravel(), mode="float").astype(np.float32).reshape(-1, 4)
        self.surface.setData(x=x, y=y, z=HEIGHT * u, colors=colors)
        c = (len(alphas) // 2, len(betas) // 2)
        self.marker.setData(pos=np.array([[0.0, 0.0, HEIGHT * u[c] + 0.02]]))
        if len(coords) >= 2:
            # The path's own loss is not on the grid: draw it on the floor of the box.
            pts = np.column_stack([coords[:, 0] / sa, coords[:, 1] / sb, np.zeros(len(coords))])
            keep = np.all(np.abs(pts) <= 1.5, axis=1)
            self.path.setData(pos=pts[keep] if keep.sum() >= 2 else np.zeros((0, 3)))
        else:
            self.path.setData(pos=np.zeros((0, 3)))
