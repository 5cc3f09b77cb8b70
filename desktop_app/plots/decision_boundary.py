"""Plot 5: the model's output over the input plane, with the train and test points; or, as its
second view, the input gradient along a line through the data (shattered gradients).

Two classes: P(class 1) in pale class colours; more classes: the predicted class; the 1-D sine
regression: the fitted curve over the data. Computed in the training thread (boundary_task)."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Signal

from desktop_app.plots.base import ModePanel, new_plot, set_range, style_colorbar
from desktop_app.plots.clean import finite, span
from desktop_app.plots.input_gradient import InputGradientView
from desktop_app.plots.rnn_key import KeyRow
from desktop_app.theme import CLASS_COLORS, OKABE_ITO, blend, style_plot_item

PALE = 0.5       # how much of a class colour its background area gets


def class_colormap(classes: int, theme) -> pg.ColorMap:
    """The background of the input plane in the classes' own colours, pale, so that the points
    (the same colours, saturated, outlined) stand out on it: two classes run from class 0's
    colour through the plot background (P = 0.5, undecided) to class 1's; more classes get one
    pale colour each (the image holds the predicted class). On cividis, orange points on its
    yellow and blue ones on its navy were hard to see when projected."""
    pale = [blend(CLASS_COLORS[i % len(CLASS_COLORS)], theme.bg, PALE) for i in range(classes)]
    if classes <= 2:
        return pg.ColorMap([0.0, 0.5, 1.0], [pale[0], theme.bg, pale[1]])
    return pg.ColorMap(np.linspace(0.0, 1.0, classes), pale)


VIEWS = [("Decision boundary", "boundary", "Boundary"),
         ("Input gradient ∂y/∂x₁ (shattering)", "shatter", "Input gradient ∂y/∂x₁",
          "Input gradient")]


class DecisionBoundaryPlot(ModePanel):
    key = "decision_boundary"
    title = "Decision boundary"
    # The view changed: the lab asks the training thread for what it shows (only the shown
    # view's computation runs).
    view_changed = Signal()

    def __init__(self, theme, parent=None):
        super().__init__(theme, parent)
        # Each view has its own GraphicsLayoutWidget; `self.view` is the one shown.
        self.boundary_view = self.view
        self.gradient_view = pg.GraphicsLayoutWidget()
        self.gradient_view.ci.setContentsMargins(2, 2, 2, 2)
        self.gradient_view.installEventFilter(self)
        self.gradient_view.hide()
        self.layout().insertWidget(self.layout().indexOf(self.view) + 1, self.gradient_view, 1)
        self.gradient = InputGradientView(self.gradient_view)
        self.plot = new_plot(self.view, grid=False)
        self.plot.setLabel("bottom", "input x₁")
        self.plot.setLabel("left", "input x₂")
        self.image = pg.ImageItem(axisOrder="col-major")
        self.image.setZValue(-20)
        self.plot.addItem(self.image)
        self.bar = pg.ColorBarItem(values=(0, 1), colorMap=class_colormap(2, theme),
                                   interactive=False, label="P(class 1)", width=14)
        self.bar.setImageItem(self.image, insert_in=self.plot)
        self.train_pts = pg.ScatterPlotItem()
        self.test_pts = pg.ScatterPlotItem()
        self.curve = self.plot.plot([], [])
        for item in (self.train_pts, self.test_pts):
            self.plot.addItem(item)
        self.key_row = KeyRow(self)     # above the plot: the points fill the whole plane
        self.bar_label = "P(class 1)"
        self.dataset = None
        self.result = None
        self.kind = "2d"
        self.classes = 2
        self.add_mode_box(VIEWS, "Decision boundary: the model's output over the input plane.\n"
                          "Input gradient: ∂y/∂x₁ along a line of inputs; deep plain ReLU nets "
                          "shatter it into white noise (Balduzzi et al. 2017).")

    @property
    def shows_gradient(self) -> bool:
        return self.mode == "shatter"

    def plot_items(self):
        return [self.gradient.plot if self.shows_gradient else self.plot]

    def _mode_changed(self) -> None:
        grad = self.shows_gradient
        self.view = self.gradient_view if grad else self.boundary_view
        self.boundary_view.setVisible(not grad)
        self.gradient_view.setVisible(grad)
        self._fitted.clear()
        self._labels()
        self._legend()
        self._table_fn = None
        self.set_note(self._waiting())
        super()._mode_changed()
        self.view_changed.emit()

    def _waiting(self) -> str:
        if self.kind == "none":
            return "Sequence tasks have no input plane to draw."
        return ("Waiting for the input gradient…" if self.shows_gradient
                else "Waiting for the model's output…")

    def _labels(self) -> None:
        ds = self.dataset
        if self.shows_gradient and ds is not None and self.kind != "none":
            bottom, left = self.gradient.labels(ds.is_classification, ds.input_dim)
            self.fit_label(self.gradient.plot, "bottom", *bottom)
            self.fit_label(self.gradient.plot, "left", *left)

    def apply_theme(self, theme):
        super().apply_theme(theme)
        self.gradient_view.setBackground(theme.bg)
        style_plot_item(self.gradient.plot, theme)
        self.gradient.apply_theme(theme)
        self.bar.setColorMap(class_colormap(self.classes, theme))
        style_colorbar(self.bar, theme, self.bar_label)
        self._legend()
        self.curve.setPen(pg.mkPen(OKABE_ITO[1], width=theme.pen_width + 1))
        if self.dataset is not None:
            self._set_points()

    def new_run(self, info, history):
        super().new_run(info, history)
        ds = info.dataset
        self.dataset = ds
        self.result = None
        self.gradient.clear()
        self.image.clear()
        self.curve.setData([], [])
        if ds.is_sequence:
            self.kind = "none"
        else:
            self.kind = "1d" if ds.input_dim == 1 else "2d"
        twod = self.kind == "2d"
        self.image.setVisible(twod)
        self.bar.setVisible(twod)
        self.curve.setVisible(self.kind == "1d")
        self.plot.setLabel("left", "input x₂" if twod else "target y")
        self.plot.setLabel("bottom", "input x₁" if twod else "input x")
        multi = twod and ds.n_outputs > 2
        self.classes = int(ds.n_outputs) if multi else 2
        self.bar.setLevels((0, ds.n_outputs - 1) if multi else (0, 1))
        self.bar_label = "predicted class" if multi else "P(class 1)"
        self.apply_theme(self.theme)      # colour bar label, legend and points for this data
        self._fitted.clear()
        self._labels()
        self.set_note(self._waiting())

    def _legend(self) -> None:
        """Neutral markers: the points' colours show their class, the shape their split."""
        t = self.theme
        if self.shows_gradient:
            entries = ([] if self.kind == "none" else
                       [(OKABE_ITO[0], "solid", "input gradient along the line"),
                        (t.muted, "dash", "zero")])
        elif self.kind == "1d":
            entries = [(OKABE_ITO[0], "point", "train"), (OKABE_ITO[3], "×", "test"),
                       (OKABE_ITO[1], "solid", "model output")]
        elif self.kind == "2d":
            entries = [(t.fg, "point", "train"), (t.fg, "×", "test"),
                       (t.muted, "", "colour: class")]
        else:
            entries = []
        self.key_row.set(entries, t)
        self.key_row.label.setVisible(bool(entries))

    def _set_points(self) -> None:
        ds, t = self.dataset, self.theme
        if ds is None or self.kind == "none":
            self.train_pts.setData([])
            self.test_pts.setData([])
            return
        size = t.symbol_size + 1
        if self.kind == "1d":
            self.train_pts.setData(ds.x_train[:, 0], ds.y_train[:, 0], size=size,
                                   brush=pg.mkBrush(OKABE_ITO[0]), pen=None)
            self.test_pts.setData(ds.x_test[:, 0], ds.y_test[:, 0], size=size, symbol="x",
                                  brush=pg.mkBrush(OKABE_ITO[3]), pen=None)
            return
        # An outline in the text colour: black on light, light grey on dark, where a black one
        # vanished on the dark shading of the point's own class.
        edge = pg.mkPen(t.ink if not t.dark else t.fg, width=1)
        brushes = [pg.mkBrush(c) for c in CLASS_COLORS]
        self.train_pts.setData(ds.x_train[:, 0], ds.x_train[:, 1], size=size, pen=edge,
                               brush=[brushes[int(c) % len(brushes)] for c in ds.y_train])
        test_pens = [pg.mkPen(CLASS_COLORS[int(c) % len(CLASS_COLORS)], width=2) for c in ds.y_test]
        self.test_pts.setData(ds.x_test[:, 0], ds.x_test[:, 1], size=size, symbol="x",
                              pen=test_pens, brush=None)

    def records_added(self, history, records) -> None:
        """Redrawn only when a new boundary arrives from the training thread."""

    def set_result(self, result) -> None:
        self.result = result
        self.dirty = True

    def set_gradient(self, payload) -> None:
        """(step, core.analysis.shattered.Shattering) from the training thread, or None."""
        first = self.gradient.result is None
        self.gradient.result = payload
        if first and payload is not None:
            self._labels()                 # the line's x₂ is in the axis title
            self.invalidate()              # ranged at once, not at the next periodic re-range
        self.dirty = True

    def draw(self, history, rerange):
        if self.shows_gradient:
            if self.kind == "none":
                return
            shown = self.gradient.draw(rerange)
            if shown is not None:
                self.set_note(*shown)
                self._table_fn = self.gradient.table
            return
        r = self.result
        if r is None or self.kind == "none":
            self._table_fn = None
            return
        if r.kind == "2d":
            x0, x1, y0, y1 = r.bounds
            img = finite(r.values)
            hi = 1.0 if r.classes <= 2 else float(r.classes - 1)
            img = np.where(np.isfinite(img), img, 0.5 * hi)
            self.image.setImage(img, levels=(0.0, hi), autoLevels=False)
            self.image.setRect(QRectF(x0, y0, x1 - x0, y1 - y0))
            bad = not np.all(np.isfinite(r.values))
            self.set_note(f"Model output at step {r.step}" + (
                " is not finite (Inf/NaN): left uncoloured." if bad else
                ": early stopping rolled the net back to it." if r.rolled_back else "."))
            if rerange:
                set_range(self.plot, x=(x0, x1))
                set_range(self.plot, y=(y0, y1))
            gx, gy = np.meshgrid(r.xs, r.ys, indexing="ij")
            self._table_fn = lambda: (["x1", "x2", "output"],
                                      np.column_stack([gx.ravel(), gy.ravel(),
                                                       r.values.ravel()]).tolist())
        else:
            y = finite(r.values)
            self.curve.setData(r.xs, y)
            self.set_note(f"Fitted curve at step {r.step}"
                          + (" (early stopping rolled the net back to it)" * r.rolled_back)
                          + "; dots: train, crosses: test.")
            if rerange:
                ds = self.dataset
                yr = span(np.concatenate([ds.y_train[:, 0], ds.y_test[:, 0], y]), pad=0.05)
                set_range(self.plot, x=(r.bounds[0], r.bounds[1]))
                if yr:
                    set_range(self.plot, y=yr)
            self._table_fn = lambda: (["x", "model_output"], np.column_stack([r.xs, r.values]).tolist())
