"""Eigenvalues of W_hh in the complex plane against the unit circle, and (optionally) its
singular values beside them.

h_t = Wᵀh_(t−1) gives h_t = (Wᵀ)ᵗh_0: components along eigenvalues inside the unit circle
shrink, those outside grow. The singular values bound one step's gain (‖W‖₂ = σ_max), which is
not the spectral radius ρ = max|λ| unless W is normal (orthogonal, symmetric).
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt

from desktop_app.plots.base import PlotPanel, new_plot
from desktop_app.plots.clean import finite, finite_xy, fmt
from desktop_app.plots.rnn_key import KeyRow, caption
from desktop_app.theme import OKABE_ITO

EIG_COLOR = OKABE_ITO[0]      # blue
RHO_COLOR = OKABE_ITO[1]      # orange
SV_COLOR = OKABE_ITO[4]       # reddish purple

_ANGLES = np.linspace(0.0, 2.0 * np.pi, 361)


def circle(r: float) -> tuple[np.ndarray, np.ndarray]:
    return r * np.cos(_ANGLES), r * np.sin(_ANGLES)


class RnnSpectrumPlot(PlotPanel):
    key = "rnn_eigenvalues"
    title = "Eigenvalues of W_hh"

    def __init__(self, theme, parent=None):
        super().__init__(theme, parent)
        self.show_box = self.title_box(
            [("W_hh: eigenvalues λ, singular values σ", "both"), ("Eigenvalues λ of W_hh", "eig")],
            "Show the singular values of W_hh beside its eigenvalues: σ_max = ‖W‖₂ bounds one "
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
        self.inner.layout.setColumnStretchFactor(0, 3)
        self.inner.layout.setColumnStretchFactor(1, 2)
        self.unit = self.plane.plot(*circle(1.0))
        self.rho_circle = self.plane.plot([], [])
        self.initial = pg.ScatterPlotItem()
        self.current = pg.ScatterPlotItem()
        self.plane.addItem(self.initial)
        self.plane.addItem(self.current)
        self.sv_initial = self.sv.plot([], [])
        self.sv_points = self.sv.plot([], [])
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
        entries += [(t.ink, "solid", "|λ| = 1"), (RHO_COLOR, "dot", "|λ| = ρ")]
        if self.show_box.currentData() == "both":
            entries.append((SV_COLOR, "line_point", "σᵢ"))
        self.key_row.set(entries, t)

    def _layout_changed(self) -> None:
        both = self.show_box.currentData() == "both"
        self.sv.setVisible(both)
        self.inner.layout.setColumnStretchFactor(1, 2 if both else 0)
        self.inner.layout.setColumnMaximumWidth(1, 1e6 if both else 0)
        self._legend()
        self.invalidate()

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
            self.current.setData([], [])
            self.initial.setData([], [])
            self.rho_circle.setData([], [])
            self.sv_points.setData([], [])
            self.sv_initial.setData([], [])
            caption(self, self.error or self.empty_note("Waiting for W_hh…"))
            self._table_fn = None
            return
        re, im = finite(spec.real), finite(spec.imag)
        self.current.setData(*finite_xy(re, im))
        if spec0 is not None:
            self.initial.setData(*finite_xy(finite(spec0.real), finite(spec0.imag)))
        else:
            self.initial.setData([], [])
        rho = spec.radius
        self.rho_circle.setData(*circle(rho) if np.isfinite(rho) else ([], []))
        idx = np.arange(1, len(spec.singular) + 1, dtype=np.float64)
        self.sv_points.setData(*finite_xy(idx, finite(spec.singular)))
        if spec0 is not None:
            self.sv_initial.setData(*finite_xy(idx, finite(spec0.singular)))
        else:
            self.sv_initial.setData([], [])
        self.sv_rho.setPos(rho if np.isfinite(rho) else 1.0)
        norm2 = spec.norm2
        where = "inside" if rho < 1 - 1e-9 else "outside" if rho > 1 + 1e-9 else "on"
        text = (f"{self.label}{self.block_note}: ρ = max|λ| = {fmt(rho, 4)} ({where} the unit "
                f"circle); ‖W‖₂ = σ_max = {fmt(norm2, 4)}")
        detail = ("Eigenvalues λ of W_hh (points) against the unit circle: along an eigenvector "
                  "h_t = (Wᵀ)ᵗh_0 changes by |λ| per step, so ρ = max|λ| < 1 means vanishing and "
                  "> 1 exploding over many steps. The singular values σᵢ bound one step's gain: "
                  "‖Wᵀv‖ ≤ σ_max‖v‖. ")
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
            mags = np.hypot(re, im)
            r = np.nanmax(np.concatenate([mags, [1.0, rho if np.isfinite(rho) else 1.0]]))
            r = 1.12 * min(float(r), 1e6)
            self.plane.setRange(xRange=(-r, r), yRange=(-r, r), padding=0)
            top = np.nanmax(np.concatenate([finite(spec.singular), [1.0]]))
            self.sv.setRange(xRange=(0.5, max(len(idx), 1) + 0.5),
                             yRange=(0.0, 1.1 * min(float(top), 1e6)), padding=0)
