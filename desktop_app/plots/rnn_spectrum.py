"""Eigenvalues of W_hh in the complex plane against the unit circle, and (optionally) its
singular values beside them.

h_t = Wᵀh_(t−1) gives h_t = (Wᵀ)ᵗh_0: components along eigenvalues inside the unit circle
shrink, those outside grow. The singular values bound one step's gain (‖W‖₂ = σ_max), which is
not the spectral radius ρ = max|λ| unless W is normal (orthogonal, symmetric).

The view is scaled for the picture the lesson describes: the unit circle, the step-0
eigenvalues (hollow) and the current ones. When training blows W_hh up (rnn_exploding: ρ = 1245
after the diverging step) the view keeps the step-0 scale instead of shrinking that picture
to a dot: eigenvalues (and singular values) beyond it are drawn on the view's edge as triangles
pointing out, and the note says how far off they are.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtGui import QFont, QFontMetrics, QPainterPath, QPolygonF, QTransform

from desktop_app.plots.base import PlotPanel, new_plot
from desktop_app.plots.clean import finite, finite_xy, fmt
from desktop_app.plots.rnn_key import KeyRow, caption, unbreakable
from desktop_app.theme import OKABE_ITO

EIG_COLOR = OKABE_ITO[0]      # blue
RHO_COLOR = OKABE_ITO[1]      # orange
SV_COLOR = OKABE_ITO[4]       # reddish purple

_ANGLES = np.linspace(0.0, 2.0 * np.pi, 361)
# The view keeps the step-0 scale (max(1, |λ| at step 0)) unless the current eigenvalues fit
# within OFF_SCALE times it; then those beyond EDGE times it are drawn on that ring.
OFF_SCALE = 3.0
EDGE = 1.15          # the ring the off-scale ones are drawn on, in units of the scale
PAD = 1.12           # the view's half-width when everything fits, in units of the scale
PAD_OFF = 1.25       # … when some are drawn on the ring (room for the triangles)
MAX_ABS = unbreakable("max|λ|")    # Qt may break a caption after "|": "max|" / "λ|"
ARROW_STEP = 5                       # degrees between the prepared outward triangles


def circle(r: float) -> tuple[np.ndarray, np.ndarray]:
    return r * np.cos(_ANGLES), r * np.sin(_ANGLES)


def rho_text(rho: float) -> str:
    """ρ as every recurrent caption writes it: 4 significant digits ("0.9924", "1.037",
    "1245"), so the eigenvalue plot and the step-gain panel never disagree ("1245" vs "1240")."""
    return fmt(rho, 4)


def view_scale(radius_now: float, radius0: float | None) -> tuple[float, bool]:
    """(scale, off): the radius the eigenvalue view is fitted to, and whether eigenvalues lie
    off it. Without a step-0 spectrum (before training) everything is shown; after, the view
    is fitted to max(1, ρ at step 0) and grows to the current ρ only while that is at most
    OFF_SCALE times as far."""
    ref = max(1.0, radius0) if radius0 is not None and math.isfinite(radius0) else 1.0
    if not math.isfinite(radius_now):
        return ref, radius0 is not None
    if radius0 is None or radius_now <= OFF_SCALE * ref:
        return max(ref, radius_now), False
    return ref, True


_ARROWS: dict[int, QPainterPath] = {}


def outward_arrow(angle: float) -> QPainterPath:
    """A triangle symbol pointing along `angle` (radians, counter-clockwise from +Re) on the
    screen (y down), to the nearest ARROW_STEP degrees (a few shared paths, not one a point)."""
    deg = int(round(math.degrees(angle) / ARROW_STEP)) * ARROW_STEP % 360
    path = _ARROWS.get(deg)
    if path is None:
        base = QPainterPath()
        base.addPolygon(QPolygonF([pg.QtCore.QPointF(0.5, 0.0), pg.QtCore.QPointF(-0.4, -0.45),
                                   pg.QtCore.QPointF(-0.4, 0.45), pg.QtCore.QPointF(0.5, 0.0)]))
        path = _ARROWS[deg] = QTransform().rotate(-deg).map(base)
    return path


class RnnSpectrumPlot(PlotPanel):
    key = "rnn_eigenvalues"
    title = "Eigenvalues of W_hh"

    def __init__(self, theme, parent=None):
        super().__init__(theme, parent)
        self.show_box = self.title_box(
            [("W_hh: eigenvalues λ, singular values σ", "both", "W_hh: λ and σ",
              "W_hh: λ, σ"),
             ("Eigenvalues λ of W_hh", "eig", "Eigenvalues λ", "Eigenvalues")],
            "Show the singular values of W_hh beside its eigenvalues: σₘₐₓ = ‖W‖₂ bounds one "
            "step's gain, ρ = max|λ| the gain over many steps")
        self.show_box.currentIndexChanged.connect(self._layout_changed)
        self.key_row = KeyRow(self)
        self.inner = self.view.addLayout(row=0, col=0)
        self.plane = new_plot(self.inner, 0, 0)
        self.plane.setAspectLocked(True)
        self.plane.setLabel("bottom", "Re λ")
        self.plane.setLabel("left", "Im λ")
        self.sv = new_plot(self.inner, 0, 1)
        self.sv.setLabel("bottom", "index i")
        self.sv.setLabel("left", "singular value σᵢ")
        self.inner.layout.setContentsMargins(0, 0, 0, 0)   # the plots have their own
        self.stacked = False       # the singular values below the eigenvalues, not beside
        self.unit = self.plane.plot(*circle(1.0))
        self.rho_circle = self.plane.plot([], [])
        self.initial = pg.ScatterPlotItem()
        self.current = pg.ScatterPlotItem()
        self.beyond = pg.ScatterPlotItem()        # off the view: on its edge, pointing out
        self.plane.addItem(self.initial)
        self.plane.addItem(self.current)
        self.plane.addItem(self.beyond)
        self.sv_initial = self.sv.plot([], [])
        self.sv_points = self.sv.plot([], [])
        self.sv_beyond = pg.ScatterPlotItem()     # σ off the view: at its top, pointing up
        self.sv.addItem(self.sv_beyond)
        self.sv_unit = pg.InfiniteLine(pos=1.0, angle=0, movable=False, label="1",
                                       labelOpts={"position": 0.95})
        self.sv_rho = pg.InfiniteLine(pos=1.0, angle=0, movable=False, label="ρ",
                                      labelOpts={"position": 0.6})
        for line in (self.sv_unit, self.sv_rho):
            line.setZValue(-5)
            self.sv.addItem(line)
        self.spec = None           # Spectrum shown as points
        self.spec0 = None          # at initialization (hollow), when training has moved it
        self.label = ""            # "before training (preview)" / "step 12"
        self.block_note = ""
        self.error = ""
        self.off_scale = False     # some eigenvalues drawn on the view's edge
        self.sv_off_scale = False  # some singular values drawn at their plot's top
        self.scale = 1.0           # the radius the eigenvalue view is fitted to
        self._style()
        self._layout_changed()

    def plot_items(self):
        return [self.plane, self.sv]

    def apply_theme(self, theme):
        super().apply_theme(theme)
        self._style()

    def _style(self) -> None:
        t = self.theme
        s = t.symbol_size + 1
        self.unit.setPen(pg.mkPen(t.ink, width=1))
        self.rho_circle.setPen(pg.mkPen(RHO_COLOR, width=t.pen_width, style=Qt.DotLine))
        self.current.setSize(s)
        self.current.setBrush(pg.mkBrush(EIG_COLOR))
        self.current.setPen(pg.mkPen(t.bg, width=0.5))
        self.initial.setSize(s)
        self.initial.setBrush(pg.mkBrush(None))
        self.initial.setPen(pg.mkPen(t.muted, width=1))
        self.beyond.setSize(s + 2)
        self.beyond.setBrush(pg.mkBrush(EIG_COLOR))
        self.beyond.setPen(pg.mkPen(t.bg, width=0.5))
        self.sv_beyond.setSize(max(t.symbol_size + 2, 6))
        self.sv_beyond.setSymbol("t1")
        self.sv_beyond.setBrush(pg.mkBrush(SV_COLOR))
        self.sv_beyond.setPen(None)
        self.sv_points.setPen(pg.mkPen(SV_COLOR, width=1))
        self.sv_points.setSymbol("o")
        self.sv_points.setSymbolSize(max(t.symbol_size - 1, 4))
        self.sv_points.setSymbolBrush(SV_COLOR)
        self.sv_points.setSymbolPen(None)
        self.sv_initial.setPen(pg.mkPen(t.muted, width=1, style=Qt.DotLine))
        self.sv_unit.setPen(pg.mkPen(t.ink, width=1, style=Qt.DashLine))
        self.sv_unit.label.setColor(t.fg)
        self.sv_rho.setPen(pg.mkPen(RHO_COLOR, width=1, style=Qt.DotLine))
        self.sv_rho.label.setColor(RHO_COLOR)
        self._legend()

    def _legend(self) -> None:
        t = self.theme
        entries = [(EIG_COLOR, "point", "λ now" if self.spec0 is not None else "λ")]
        if self.spec0 is not None:
            entries.append((t.muted, "hollow", "λ at step 0"))
        entries.append((t.ink, "solid", "|λ| = 1"))
        if self.off_scale:         # the ρ circle is off the view too
            entries.append((EIG_COLOR, "▲", "λ off the view, on its edge"))
        else:
            entries.append((RHO_COLOR, "dot", "|λ| = ρ"))
        if self.show_box.currentData() == "both":
            entries.append((SV_COLOR, "line_point", "σᵢ"))
            if self.spec0 is not None:
                entries.append((t.muted, "dot", "σᵢ at step 0"))
            if self.sv_off_scale:
                entries.append((SV_COLOR, "▲", "σ off the view, at its top"))
        self.key_row.set(entries, t)

    def _layout_changed(self) -> None:
        self.sv.setVisible(self.show_box.currentData() == "both")
        self._arrange()
        self._legend()
        self.invalidate()

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 (Qt's name)
        if obj is self.view and event.type() == QEvent.Resize:
            QTimer.singleShot(0, self, self._arrange)      # once the plots are laid out
        return super().eventFilter(obj, event)

    def _arrange(self) -> None:
        """Share the view between the eigenvalue plane and the singular values so that the
        plane's square (its aspect is locked) is as large as it can be.

        Both at equal shares, a narrow panel (1024 × 768) drew the unit circle 45 px across in
        a tall, empty plane. The plane gets the width (beside) or height (below) its square
        needs and the singular values the rest, at least enough for two index labels and a
        few values; below it, where that gives the plane a larger square (tall panels)."""
        lay = self.inner.layout
        both = self.show_box.currentData() == "both"
        # From the view's size (the layout's own may still hold the last split).
        m = [a + b for a, b in zip(self.view.ci.layout.getContentsMargins()[:2],
                                   self.view.ci.layout.getContentsMargins()[2:], strict=True)]
        spacing = lay.horizontalSpacing(), lay.verticalSpacing()
        port = self.view.viewport()
        w = port.width() - m[0] - spacing[0]
        h = port.height() - m[1] - spacing[1]
        plane, pvb = self.plane.geometry(), self.plane.vb.geometry()
        sv, svb = self.sv.geometry(), self.sv.vb.geometry()
        if not both:
            self._place(False, (1e6, 0))
            return
        if min(w, h, pvb.width(), pvb.height(), svb.width(), svb.height()) <= 0:
            return                     # not laid out yet
        pox, poy = plane.width() - pvb.width(), plane.height() - pvb.height()
        sox, soy = sv.width() - svb.width(), sv.height() - svb.height()
        font = QFont()
        font.setPointSizeF(self.theme.tick_pt)
        fm = QFontMetrics(font)
        min_w = sox + 2 * (fm.horizontalAdvance("00") + 3 * fm.averageCharWidth())
        min_h = soy + 3 * fm.height()
        # Beside: the plane's square is as high as the row, or the width left to it.
        side_w = self._share(pox + (h + spacing[1] - poy), w, min_w)
        side = min(side_w - pox, h + spacing[1] - poy)
        # Below: as wide as the view, or the height left to it.
        below_h = self._share(poy + (w + spacing[0] - pox), h, min_h)
        below = min(w + spacing[0] - pox, below_h - poy)
        # The larger square; at a near tie, the way it is (no flapping while resizing).
        stacked = below > 1.05 * side if not self.stacked else 1.05 * below > side
        first, total = (below_h, h) if stacked else (side_w, w)
        self._place(stacked, (first, total - first))

    @staticmethod
    def _share(want: float, total: float, other_min: float) -> float:
        """The plane's share of `total`: what it wants, leaving the other plot `other_min`
        where it can, but at least half (or what it wants, if less)."""
        return max(min(want, total - other_min), min(want, 0.5 * total))

    def _place(self, stacked: bool, split: tuple[float, float]) -> None:
        """Put the singular values beside (or `stacked` below) the plane, `split` the most px
        each gets along that direction ((1e6, 0): the plane alone). Maxima only: a minimum
        the view cannot hold would push the plots past its edge."""
        lay = self.inner.layout
        if stacked != self.stacked:
            lay.removeItem(self.sv)
            lay.addItem(self.sv, 1 if stacked else 0, 0 if stacked else 1)
            self.stacked = stacked
        along, across = ((lay.setRowMaximumHeight, lay.setColumnMaximumWidth) if stacked else
                         (lay.setColumnMaximumWidth, lay.setRowMaximumHeight))
        across(0, 1e6)
        across(1, 0)                   # the unused second row (or column)
        for i in (0, 1):
            along(i, max(0, round(split[i])))

    # ---- data from the lab ----------------------------------------------------------------
    def set_spectrum(self, spec, label: str, initial=None, block_note: str = "") -> None:
        """Show `spec` (a rnn_task.Spectrum); `initial` as hollow points when training moved it."""
        had0 = self.spec0 is not None
        self.spec, self.spec0, self.label, self.block_note = spec, initial, label, block_note
        self.error = ""
        if had0 != (initial is not None):
            self._legend()
        self.dirty = True

    def set_error(self, text: str) -> None:
        self.error = text
        self.dirty = True

    def records_added(self, history, records) -> None:
        """Redrawn only when a new spectrum arrives (set_spectrum)."""

    def draw(self, history, rerange):
        spec, spec0 = self.spec, self.spec0
        if spec is None:
            for item in (self.current, self.initial, self.beyond, self.sv_beyond):
                item.setData([], [])
            self.rho_circle.setData([], [])
            self.sv_points.setData([], [])
            self.sv_initial.setData([], [])
            caption(self, self.error or self.empty_note("Waiting for W_hh…"))
            self._table_fn = None
            return
        re, im = finite(spec.real), finite(spec.imag)
        rho = spec.radius
        rho0 = spec0.radius if spec0 is not None else None
        self.scale, off = view_scale(rho, rho0)
        if off != self.off_scale:
            self.off_scale = off
            self._legend()
        edge = EDGE * self.scale
        mags = np.hypot(re, im)
        far = (mags > edge) if off else np.zeros(len(mags), dtype=bool)
        self.current.setData(*finite_xy(re[~far], im[~far]))
        angles = np.arctan2(im[far], re[far])
        self.beyond.setData(x=edge * np.cos(angles), y=edge * np.sin(angles),
                            symbol=[outward_arrow(a) for a in angles])
        if spec0 is not None:
            self.initial.setData(*finite_xy(finite(spec0.real), finite(spec0.imag)))
        else:
            self.initial.setData([], [])
        shown = np.isfinite(rho) and not off
        self.rho_circle.setData(*circle(rho) if shown else ([], []))
        idx = np.arange(1, len(spec.singular) + 1, dtype=np.float64)
        sv = finite(spec.singular)
        sv0 = finite(spec0.singular) if spec0 is not None else None
        top0 = float(np.nanmax(sv0)) if sv0 is not None and np.isfinite(sv0).any() else None
        top = float(np.nanmax(sv)) if np.isfinite(sv).any() else math.nan
        sv_scale, sv_off = view_scale(top, top0)
        self.sv_points.setData(*finite_xy(idx, sv))
        sv_far = (sv > EDGE * sv_scale) if sv_off else np.zeros(len(sv), dtype=bool)
        self.sv_beyond.setData(idx[sv_far], np.full(int(sv_far.sum()), EDGE * sv_scale))
        if bool(sv_far.any()) != self.sv_off_scale:
            self.sv_off_scale = bool(sv_far.any())
            self._legend()
        if sv0 is not None:
            self.sv_initial.setData(*finite_xy(idx, sv0))
        else:
            self.sv_initial.setData([], [])
        self.sv_rho.setPos(rho if np.isfinite(rho) else 1.0)
        norm2 = spec.norm2
        where = "inside" if rho < 1 - 1e-9 else "outside" if rho > 1 + 1e-9 else "on"
        if off:
            n = int(far.sum())
            text = (f"{self.label}{self.block_note}: ρ = {MAX_ABS} = {rho_text(rho)}, off the view "
                    f"({n} of {len(mags)} λ: ▲ on its edge); ‖W‖₂ = σₘₐₓ = {rho_text(norm2)}")
        else:
            text = (f"{self.label}{self.block_note}: ρ = {MAX_ABS} = {rho_text(rho)} ({where} the "
                    f"unit circle); ‖W‖₂ = σₘₐₓ = {rho_text(norm2)}")
        detail = ("Eigenvalues λ of W_hh (points) against the unit circle: along an eigenvector "
                  "hₜ = (Wᵀ)ᵗh₀ changes by |λ| per step, so ρ = max|λ| < 1 means vanishing and "
                  "> 1 exploding over many steps. The singular values σᵢ bound one step's gain: "
                  "‖Wᵀv‖ ≤ σₘₐₓ‖v‖. ")
        if off:
            detail += (f"Training has moved the eigenvalues far from where they started: the view "
                       f"keeps the scale of the unit circle and the step-0 eigenvalues (hollow), "
                       f"and the {int(far.sum())} eigenvalues beyond |λ| = {fmt(edge, 3)} are "
                       f"drawn on that ring as triangles pointing out, at their own angle; the "
                       f"largest has |λ| = ρ = {rho_text(rho)}. ")
        if sv_off:
            detail += (f"Singular values above {fmt(EDGE * sv_scale, 3)} are drawn at the top of "
                       f"their plot as triangles (σₘₐₓ = {rho_text(norm2)}). ")
        if np.isfinite(norm2) and norm2 > rho * (1 + 1e-3):
            text += " > ρ: the norm bound is not the spectral radius."
            detail += ("Here W_hh is not normal, so ‖W‖₂ > ρ (a Gaussian W has ‖W‖₂ ≈ 2ρ): "
                       "single steps can grow a vector even when ρ < 1.")
        else:
            text += " = ρ (W_hh is normal here)."
            detail += ("‖W‖₂ = ρ only for a normal W (orthogonal, symmetric); in general "
                       "‖W‖₂ ≥ ρ: the norm bound is not the spectral radius.")
        if self.block_note:
            detail += (" For LSTM/GRU this is the W_hh block feeding the tanh candidate; the "
                       "initialization gives every gate block the same radius.")
        caption(self, f"{self.error} {text}" if self.error else text, detail)
        self._table_fn = lambda: (["i", "eig_real", "eig_imag", "abs_eig", "singular_value"],
                                  [[i + 1, a, b, float(np.hypot(a, b)), s] for i, (a, b, s)
                                   in enumerate(zip(spec.real, spec.imag, spec.singular,
                                                    strict=True))])
        if rerange:
            # Every point shown (the step-0 ones too), or the step-0 scale and the ring.
            r = (PAD_OFF if off else PAD) * min(self.scale, 1e6)
            self.plane.setRange(xRange=(-r, r), yRange=(-r, r), padding=0)
            ys = [sv, [1.0]] + ([sv0] if sv0 is not None else [])
            hi = PAD_OFF * sv_scale if sv_off else 1.1 * np.nanmax(np.concatenate(ys))
            self.sv.setRange(xRange=(0.5, max(len(idx), 1) + 0.5),
                             yRange=(0.0, min(float(hi), 1e6)), padding=0)
