"""The loss landscape around the current weights: a viridis map of L(θ + αδ + βη) with contour
lines, the projected training path and the current point; optionally a 3-D surface.

Drawn from LandscapeFrames computed by the lab's analysis worker; this panel only draws."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Signal
from PySide6.QtWidgets import QFileDialog, QMessageBox, QProgressBar

from desktop_app.plots.base import PlotPanel, new_plot, option_box, set_range, style_colorbar
from desktop_app.plots.clean import fmt
from desktop_app.plots.rnn_key import KeyRow
from desktop_app.theme import HEATMAP_CMAP
from desktop_app.workers.landscape_worker import SAME_SCALE_CONTOURS, same_scale_levels

SAME_SCALE_TOP = 3.0         # nats: the default top colour of the scale shared by every run
PATH_COLOR = "#D55E00"       # Okabe-Ito vermillion: visible on every part of viridis
OFF_PLANE_MAX = 0.5          # the path is drawn only when at most this share of it is off the plane
KIND_WORDS = {"filter": "filter-normalised random", "layer": "layer-normalised random",
              "none": "unnormalised random", "pca": "PCA of the path", "hessian": "Hessian"}


def bar_label(log: bool, same: bool = False) -> str:
    unit = "log₁₀ loss (nats)" if log else "loss (nats)"
    return f"{unit}, same for every run" if same else f"{unit}, this map's range"


class LandscapeMapPlot(PlotPanel):
    key = "loss_landscape"
    title = "Loss landscape L(θ + αδ + βη)"
    short_title = "Loss landscape"
    view_changed = Signal(str)           # "2d" or "3d" (after any fallback)

    def __init__(self, theme, parent=None):
        super().__init__(theme, parent)
        self.frame = None
        self.log = False
        self.same_top = SAME_SCALE_TOP   # top of the colour scale shared by every run; None: per map
        self._same_contours = None       # (frame, log, levels) → contour polyline, cached
        self.mode = "2d"
        self.surface = None              # SurfaceView, made on first use
        self.surface_note = ""
        self.message = ""                # an error or a waiting note from the lab
        self.npz_exporter = None         # callable(path) set by the lab
        self.view_box = option_box([("2-D map", "2d"), ("3-D surface", "3d")],
                                   "Show the landscape as a map or (with OpenGL) a 3-D surface")
        self.view_box.setMinimumContentsLength(6)
        self.view_box.currentIndexChanged.connect(lambda _i: self.set_view(self.view_box.currentData()))
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(True)
        self.progress.setMaximumWidth(220)
        self.progress.setToolTip("Large grids: how much of the landscape is computed")
        self.progress.hide()
        at = self.tools.indexOf(self.export_button)
        self.tools.insertWidget(at, self.progress)
        self.tools.insertWidget(at + 1, self.view_box)
        self.export_button.menu().addAction("Landscape data (NPZ)…", self.export_npz_dialog)
        self.export_button.setToolTip("Export this plot as PNG, SVG or CSV, or the landscape "
                                      "as NPZ (grid, directions, trajectory)")

        self.plot = new_plot(self.view, grid=False)
        self.plot.setLabel("bottom", "α (along direction δ)")
        self.plot.setLabel("left", "β (along direction η)")
        self.image = pg.ImageItem(axisOrder="col-major")
        self.image.setZValue(-20)
        self.plot.addItem(self.image)
        self.cmap = pg.colormap.get(HEATMAP_CMAP)
        self.bar = pg.ColorBarItem(values=(0, 1), colorMap=self.cmap, interactive=False,
                                   label=self.bar_label(), width=14)
        self.bar.setImageItem(self.image, insert_in=self.plot)
        self.contours = pg.PlotDataItem([], [], connect="finite", name="contours")
        self.path = pg.PlotDataItem([], [], name="training path (projected)")
        self.start = pg.ScatterPlotItem(symbol="o", size=8, name="start of the path")
        self.current = pg.ScatterPlotItem(symbol="star", size=18, name="current weights θ")
        for item in (self.contours, self.path, self.start, self.current):
            self.plot.addItem(item)
        self.current.setZValue(10)
        # The key, above the plot: it lists only what is drawn (no "training path" when none is).
        self.key_row = KeyRow(self)
        self.path_note = ""              # why the path is not drawn (when it is not)
        self._legend()

    def plot_items(self):
        return [self.plot]

    # ---- look ----------------------------------------------------------------------------
    def apply_theme(self, theme):
        super().apply_theme(theme)
        style_colorbar(self.bar, theme, self.bar_label())
        self._legend()
        if self.surface is not None:
            self.surface.apply_theme(theme)

    def _legend(self) -> None:
        """Style the items and rebuild the legend (theme changes)."""
        t = self.theme
        w = t.pen_width
        contour = pg.mkColor("#ffffff")
        contour.setAlpha(150)
        self.contours.setPen(pg.mkPen(contour, width=1))
        self.path.setPen(pg.mkPen(PATH_COLOR, width=w))
        self.path.setSymbol("o")
        self.path.setSymbolSize(t.symbol_size - 2)
        self.path.setSymbolBrush(pg.mkBrush(PATH_COLOR))
        self.path.setSymbolPen(None)
        self.start.setPen(pg.mkPen("#000000", width=1))
        self.start.setBrush(pg.mkBrush("#ffffff"))
        self.current.setPen(pg.mkPen("#000000", width=1.5))
        self.current.setBrush(pg.mkBrush("#ffffff"))
        self.current.setSize(t.symbol_size * 3)
        self._update_legend()

    def drawn_items(self) -> list[tuple[str, str, str]]:
        """The key's (colour, glyph, label) of what the map draws now, in order."""
        fg, out = self.theme.fg, []
        if _points(self.contours):
            out.append(("#9aa0a6", "solid", "contour lines"))
        if _points(self.path):
            out.append((PATH_COLOR, "line_point", "training path (projected)"))
        if _points(self.start):
            out.append((fg, "hollow", "start of the path"))
        if _points(self.current):
            out.append((fg, "☆", "current weights θ"))
        return out

    def _update_legend(self) -> None:
        self.key_row.set(self.drawn_items(), self.theme)

    # ---- data ----------------------------------------------------------------------------
    def new_run(self, info, history):
        super().new_run(info, history)
        self.clear()

    def records_added(self, history, records) -> None:
        """Redrawn only when a new landscape arrives."""

    def clear(self) -> None:
        self.frame = None
        self.image.clear()
        for item in (self.contours, self.path):
            item.setData([], [])
        self.start.setData([])
        self.current.setData([])
        self.path_note = ""
        self._update_legend()
        self.show_progress(None)
        self._table_fn = None
        self.set_message("Waiting for the weights of the current run…")

    def set_frame(self, frame) -> None:
        self.frame = frame
        self.message = ""
        self.dirty = True

    def set_message(self, text: str) -> None:
        """A line for the user (an error, or what is being waited for)."""
        self.message = text
        self._compose_note()

    def set_log(self, log: bool) -> None:
        self.log = bool(log)
        style_colorbar(self.bar, self.theme, self.bar_label())
        self.dirty = True

    def set_same_scale(self, top: float | None) -> None:
        """Colour every map from 0 to `top` nats (comparable between runs), or each map over
        its own range (None)."""
        self.same_top = float(top) if top is not None and top > 0 else None
        style_colorbar(self.bar, self.theme, self.bar_label())
        self.dirty = True
        self._compose_note()

    def bar_label(self) -> str:
        return bar_label(self.log, self.same_top is not None)

    def color_levels(self, f) -> tuple[float, float]:
        """The colour levels of frame `f` as drawn (colour units: loss or log₁₀ loss)."""
        if self.same_top is not None:
            return same_scale_levels(self.same_top, self.log)
        return f.levels["log" if self.log else "linear"]

    def _contour_data(self, f, shown, levels):
        """The worker's contours (at levels inside the map's own range), or on the shared
        scale contours at fixed losses, the same in every run (computed here, cached)."""
        if self.same_top is None:
            return f.contours["log" if self.log else "linear"]
        if f.same_top == self.same_top and f.same_contours:        # made in the worker
            return f.same_contours["log" if self.log else "linear"]
        from desktop_app.workers.landscape_worker import contour_lines

        key = (f, self.log, levels)
        if self._same_contours is None or self._same_contours[0] != key:
            _, xy = contour_lines(shown, f.alphas, f.betas, levels, n=SAME_SCALE_CONTOURS)
            self._same_contours = (key, xy)
        return self._same_contours[1]

    def show_progress(self, fraction: float | None, text: str = "") -> None:
        if fraction is None:
            self.progress.hide()
            return
        self.progress.setValue(int(1000 * min(max(fraction, 0.0), 1.0)))
        self.progress.setFormat(f"{100 * fraction:.0f}%")
        self.progress.setToolTip(text or "Computing the landscape")
        self.progress.show()

    # ---- 3-D -----------------------------------------------------------------------------
    def set_view(self, mode: str) -> None:
        """Switch between the map and the 3-D surface; without OpenGL stay on the map."""
        if mode == "3d" and self.surface is None:
            from desktop_app.plots.landscape_surface import SurfaceView, gl_unavailable_reason

            reason = gl_unavailable_reason()
            if reason is None:
                try:
                    self.surface = SurfaceView(self.theme)
                except Exception as e:  # a GL stack that fails late must not take the app down
                    reason = f"the 3-D view failed to start ({type(e).__name__}: {e})"
                    self.surface = None
                else:
                    self.layout().insertWidget(self.layout().indexOf(self.view) + 1, self.surface, 1)
            if reason is not None:
                self.surface_note = f"3-D view unavailable: {reason}; showing the 2-D map."
                mode = "2d"
        self.mode = mode
        self.view_box.blockSignals(True)
        self.view_box.setCurrentIndex(0 if mode == "2d" else 1)
        self.view_box.blockSignals(False)
        self.view.setVisible(mode == "2d")
        if self.surface is not None:
            self.surface.setVisible(mode == "3d")
        self.dirty = True
        self._compose_note()
        self.view_changed.emit(mode)

    # ---- drawing -------------------------------------------------------------------------
    def draw(self, history, rerange):
        from desktop_app.workers.landscape_worker import display_values

        f = self.frame
        if f is None:
            self._compose_note()
            return
        shown = display_values(f.grid, self.log)
        lo, hi = self.color_levels(f)
        img = np.where(np.isfinite(shown), shown, hi)      # overflowed losses: the top colour
        a, b = f.alphas, f.betas
        da = (a[-1] - a[0]) / max(len(a) - 1, 1)
        db = (b[-1] - b[0]) / max(len(b) - 1, 1)
        self.image.setImage(img, levels=(lo, hi), autoLevels=False)
        self.image.setRect(QRectF(a[0] - da / 2, b[0] - db / 2, da * len(a), db * len(b)))
        self.bar.setLevels((lo, hi))
        x, y = self._contour_data(f, shown, (lo, hi))
        self.contours.setData(x, y, connect="finite")
        c = f.traj_coords
        inside = _inside(c, a, b, da, db)
        self.path_note = path_hidden_reason(f, inside)
        drawn = not self.path_note and len(c) >= 2    # one snapshot (or none) is no path yet
        if drawn:
            self.path.setData(c[:, 0], c[:, 1])
            self.start.setData([c[0, 0]], [c[0, 1]]) if inside[0] else self.start.setData([])
        else:
            self.path.setData([], [])
            self.start.setData([])
        self.current.setData([0.0], [0.0])
        self._update_legend()
        set_range(self.plot, x=(a[0] - da / 2, a[-1] + da / 2), sticky=False)
        set_range(self.plot, y=(b[0] - db / 2, b[-1] + db / 2), sticky=False)
        if self.mode == "3d" and self.surface is not None:
            self.surface.set_data(a, b, shown, (lo, hi), self.cmap,
                                  c if drawn else np.zeros((0, 2)))
        self._compose_note()
        self._table_fn = lambda: _table(f)

    def _compose_note(self) -> None:
        parts = []
        f = self.frame
        if f is not None:
            n = len(f.alphas)
            if f.kind in ("filter", "layer"):
                made = f"random draw {f.epoch + 1}, scaled to this step's θ"
            elif f.dir_step == f.step:
                made = "made now"
            else:
                made = f"made at step {f.dir_step}"
            parts.append(
                f"Step {f.step}: {KIND_WORDS.get(f.kind, f.kind)} directions ({made}), "
                f"{n}×{len(f.betas)} grid, α, β in ±{fmt(f.span)}; centre = current "
                f"{f.settings.split} loss {fmt(f.centre_loss, 4)} nats on "
                f"{f.result.subset.get(f.settings.split, 0) if f.result else '?'} examples; "
                f"{f.seconds:.2f} s.")
            if self.path_note:
                parts.append(self.path_note)
            if "explained_variance" in f.info:
                ev = f.info["explained_variance"]
                parts.append(f"PCA plane: {sum(ev):.0%} of the path's variance.")
            parts.append(self._scale_note(f))
        # What the student must not miss first: the note is cut to a few lines ("…", whole in
        # its tooltip) so that the map keeps its height.
        first = [self.message] if self.message else []
        if self.surface_note and self.mode == "2d":
            first.append(self.surface_note)
        over = self._over_note(f) if f is not None else ""
        if over:
            first.append(over)
        parts = first + (list(f.notes) if f is not None else []) + parts
        if self.mode == "3d" and f is not None:
            lo, hi = self.color_levels(f)
            unit = "log₁₀ loss" if self.log else "loss"
            parts.append(f"3-D: height and colour show the {unit} from {fmt(lo)} (floor) to "
                         f"{fmt(hi)} (top); the path is drawn on the floor; drag to turn.")
        self.set_note(" ".join(parts))

    def _scale_note(self, f) -> str:
        """What the colours mean: the shared scale (and how much of the map is above its top)
        or this map's own range."""
        if self.same_top is None:
            lo, hi = f.levels["log" if self.log else "linear"]
            if self.log:
                lo, hi = 10.0 ** lo, 10.0 ** hi
            return (f"Colours: this map's own range, {fmt(lo)} to {fmt(hi)} nats (the same colour "
                    "means a different loss in another run's map).")
        lo, hi = same_scale_levels(self.same_top, self.log)
        if self.log:
            lo, hi = 10.0 ** lo, 10.0 ** hi
            lines = "contour lines at equal ratios of loss"
        else:
            lines = f"contour lines every {fmt(self.same_top / (SAME_SCALE_CONTOURS + 1))} nats"
        return f"Colours: the same scale for every run, {fmt(lo)} to {fmt(hi)} nats, {lines}."

    def _over_note(self, f) -> str:
        """How much of the map the shared scale clips at its top colour (a warning: first)."""
        if self.same_top is None:
            return ""
        hi = same_scale_levels(self.same_top, self.log)[1]
        hi = 10.0 ** hi if self.log else hi
        above = float(np.mean(~(f.grid <= hi)))       # above the top, or not finite
        if above < 0.005:
            return ""
        more = ": raise Top colour to see its shape there" if above > 0.25 else ""
        return f"{above:.0%} of the map is above {fmt(hi)} nats, drawn in the top colour{more}."

    # ---- export --------------------------------------------------------------------------
    def export_npz_dialog(self) -> None:
        if self.frame is None or self.npz_exporter is None:
            QMessageBox.information(self, "Nothing to export", "No landscape has been computed yet.")
            return
        path, _ = QFileDialog.getSaveFileName(self, "Export the landscape", "landscape.npz",
                                              "NumPy archive (*.npz)")
        if not path:
            return
        if not path.lower().endswith(".npz"):
            path += ".npz"
        try:
            self.npz_exporter(path)
        except (OSError, ValueError) as e:
            QMessageBox.warning(self, "Export failed", str(e))


def path_hidden_reason(f, inside: np.ndarray) -> str:
    """Why the frame's training path is not drawn ("" when it is). Off a plane the projection
    is a short squiggle beside ★ that hides how far training went, so it is not drawn when
    more than OFF_PLANE_MAX of the path's distance from θ is perpendicular to the plane
    (the PCA plane holds the path by construction)."""
    c = f.traj_coords
    if len(c) < 2:
        return ""                        # no path yet (one snapshot): nothing to explain
    off = f.off_plane
    if f.kind != "pca":
        if not np.isfinite(off):
            return "The training path is not drawn yet: it has hardly left θ."
        if off > OFF_PLANE_MAX:
            return (f"The training path is not drawn: it lies off this plane ({off:.0%} of "
                    "its distance from θ is perpendicular to it); PCA directions show it.")
    if not inside.any():
        return "The training path is not drawn: its projection lies outside the map."
    return ""


def _points(item) -> int:
    """How many points a PlotDataItem or ScatterPlotItem draws (0 when it has no data)."""
    data = item.getData()[0] if isinstance(item, pg.PlotDataItem) else item.data
    return 0 if data is None else len(data)


def _inside(c: np.ndarray, a, b, da, db) -> np.ndarray:
    if len(c) == 0:
        return np.zeros(0, bool)
    return ((c[:, 0] >= a[0] - da) & (c[:, 0] <= a[-1] + da) & (c[:, 1] >= b[0] - db)
            & (c[:, 1] <= b[-1] + db))


def _table(f):
    ga, gb = np.meshgrid(f.alphas, f.betas, indexing="ij")
    return (["alpha", "beta", f"loss_{f.settings.split}"],
            np.column_stack([ga.ravel(), gb.ravel(), f.grid.ravel()]).tolist())
