"""PlotPanel: the frame every live plot sits in (title, options, export menu, a note line)."""

from __future__ import annotations

import math
import re
import time

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QFont, QFontMetrics, QPainterPath
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFrame,
    QGraphicsPathItem,
    QHBoxLayout,
    QMenu,
    QMessageBox,
    QSizePolicy,
    QStyle,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.plots.icons import corners_icon
from desktop_app.plots.legend_place import place_legend
from desktop_app.plots.note_label import NoteLabel
from desktop_app.plots.title_combo import TitleCombo
from desktop_app.plots.title_label import TitleLabel
from desktop_app.theme import Theme, style_plot_item

RANGE_INTERVAL = 0.4    # seconds between manual axis re-rangings (autorange each frame is costly)


def new_plot(glw: pg.GraphicsLayoutWidget, row: int = 0, col: int = 0, grid: bool = True,
             log_y: bool = False, **kw) -> pg.PlotItem:
    """A PlotItem with auto-ranging off (the panel ranges it a few times per second).

    Grid lines are drawn by the axes and make every repaint replay them: only where they help
    reading values (not under images)."""
    from desktop_app.plots.fit_axis import FitAxis

    axes = dict(kw.pop("axisItems", None) or {})
    axes.setdefault("bottom", FitAxis("bottom"))      # labels that never run together
    axes.setdefault("left", FitAxis("left"))          # end labels drawn ("0" of 0 … 100 %)
    if log_y:
        from desktop_app.plots.log_axis import LogAxis

        axes["left"] = LogAxis("left")
    p = glw.addPlot(row=row, col=col, axisItems=axes, **kw)
    if log_y:
        p.setLogMode(False, True)
    p.disableAutoRange()
    p.setMenuEnabled(False)
    p.hideButtons()
    if grid:
        p.showGrid(x=True, y=True, alpha=0.15)
    for name in ("left", "bottom"):
        p.getAxis(name).enableAutoSIPrefix(False)   # no "(x0.001)" rescaling of the numbers
    cache_axes(p)
    return p


def share_left_width(*plots: pg.PlotItem) -> None:
    """Give the left axes of `plots`, stacked over one linked x axis, the width of the widest
    shown. pyqtgraph lines linked views up by their place on screen, so a wider left axis
    below ("100" under "1") moved the lower plot's view right and cut the start of its range:
    the accuracy's step axis began at 18, without its "0", and the "% dead" plot lost layer 1.
    Each axis still measures its own width (pyqtgraph's _updateWidth); the widest is applied
    to all of them. A hidden plot does not count: call `plot.getAxis("left").share_apply()`
    after showing or hiding one."""
    axes = [p.getAxis("left") for p in plots]
    own: dict[int, float] = {}

    def apply() -> None:
        shown = [a for a, p in zip(axes, plots, strict=True) if p.isVisible() and id(a) in own]
        w = max((own[id(a)] for a in shown), default=0.0)
        for a in shown:
            if a.minimumWidth() != w or a.maximumWidth() != w:
                a.setMinimumWidth(w)
                a.setMaximumWidth(w)
                a.picture = None

    for ax in axes:
        measure = ax._updateWidth          # pyqtgraph's: sets the axis's width to its own need

        def update(ax=ax, measure=measure) -> None:
            measure()
            own[id(ax)] = ax.minimumWidth()
            apply()

        ax._updateWidth = update
        ax.share_apply = apply
        update()


def cache_axes(item) -> None:
    """Render axes into a device-pixel cache: a curve changing next to an axis then no
    longer replays all its tick text (the largest cost of a live repaint)."""
    from PySide6.QtWidgets import QGraphicsItem

    for name in ("left", "bottom", "right", "top"):
        item.getAxis(name).setCacheMode(QGraphicsItem.DeviceCoordinateCache)


def set_range(plot: pg.PlotItem, x=None, y=None, sticky: bool = True, grow_x: float = 1.0) -> None:
    """Show at least the ranges x and y (data extents, padded). With `sticky`, a current range
    that already holds them and is not more than ~2× too wide is kept: each change re-lays out
    the axis text, the largest cost of a repaint. `grow_x` > 1 leaves room to the right for a
    curve that grows with the steps."""
    (x0, x1), (y0, y1) = plot.getViewBox().viewRange()
    for new, (a, b), setter, grow in ((x, (x0, x1), plot.setXRange, grow_x),
                                      (y, (y0, y1), plot.setYRange, 1.0)):
        if new is None:
            continue
        lo, hi = new
        if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
            continue
        inside = lo >= a and hi <= b and (hi - lo) >= 0.55 * (b - a)
        if sticky and inside:
            continue
        if not sticky and abs(lo - a) + abs(hi - b) <= 1e-9 * (hi - lo):
            continue
        setter(lo, lo + (hi - lo) * grow, padding=0)


class PlotPanel(QFrame):
    """Subclasses fill `self.view` with plot items, implement `draw`, and there set
    `self._table_fn` (the numbers behind the plot, built only when `csv_table` exports them)."""

    key = "plot"          # file-name stem for exports
    title = "Plot"
    short_title = ""     # shown where the title does not fit (see title_label.py)
    enlarge_requested = Signal()    # the lab enlarges this panel to its whole plots area, or back

    def __init__(self, theme: Theme, parent: QWidget | None = None):
        super().__init__(parent)
        self.theme = theme
        self.dirty = False
        self._ranged_at = 0.0
        self._table_fn = None       # () -> (header, rows), computed only when exported
        self.div_step: int | None = None   # step where the run diverged (mark_divergence)
        self.div_lines: list = []   # (plot, line): the markers of place_divergence_lines
        self._resize_watched: set = set()   # view boxes whose resizing refits the marker label
        self.growth = None          # a GrowthWatch for panels with a step axis (watch_growth)
        self._fitted: dict = {}     # (plot id, side) → (plot, side, titles): see fit_label
        self._final = False         # this draw is a forced re-range (a final picture)
        self.setFrameShape(QFrame.StyledPanel)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 2, 4, 2)
        lay.setSpacing(1)
        head = QHBoxLayout()
        # In full, else its short form, else elided with … when the panel is narrow
        self.title_label = TitleLabel(self.title, self.short_title)
        self.title_label.setObjectName("plotTitle")
        self.title_label.setToolTip(self.title)
        head.addWidget(self.title_label, 1)   # takes the free space; elides when short of it
        self.tools = head                     # options are inserted at index 1
        self.title_choice: TitleCombo | None = None   # set by title_box
        self.export_button = QToolButton()
        self.export_button.setIcon(self.style().standardIcon(QStyle.SP_DialogSaveButton))
        self.export_button.setToolTip("Export this plot as PNG, SVG or CSV")
        self.export_button.setAccessibleName("Export")
        self.export_button.setPopupMode(QToolButton.InstantPopup)
        menu = QMenu(self.export_button)
        for fmt, label in (("png", "PNG image…"), ("svg", "SVG vector image…"),
                           ("csv", "CSV data…")):
            menu.addAction(label, lambda f=fmt: self.export_dialog(f))
        self.export_button.setMenu(menu)
        self.enlarge_button = QToolButton()
        self.enlarge_button.setAccessibleName("Enlarge")
        self.enlarge_button.clicked.connect(self.enlarge_requested.emit)
        self.set_enlarged(False)
        head.addWidget(self.enlarge_button)
        head.addWidget(self.export_button)
        lay.addLayout(head)
        self.view = pg.GraphicsLayoutWidget()
        self.view.ci.setContentsMargins(2, 2, 2, 2)
        lay.addWidget(self.view, 1)
        self.view.installEventFilter(self)
        self.note = NoteLabel()
        self.note.setObjectName("plotNote")
        self.note.hide()
        lay.addWidget(self.note)

    # ---- to implement --------------------------------------------------------------------
    def new_run(self, info, history) -> None:
        """A new network: clear and prepare (layer count, dataset, …)."""
        self.dirty = True
        if self.growth is not None:
            self.growth.reset()
        self.div_step = None

    def empty_note(self, waiting: str = "Waiting for the first measurement…") -> str:
        """What an empty plot says: why there is nothing to draw."""
        if self.div_step is not None:
            return (f"Nothing finite to draw: the run diverged at step {self.div_step} "
                    "(see the banner above).")
        return waiting

    def draw(self, history, rerange: bool) -> None:
        """Update the plot items from the history; re-range axes when `rerange`."""

    def csv_table(self) -> tuple[list[str], list[list]]:
        """The numbers behind the plot as drawn last: (header, rows)."""
        return self._table_fn() if self._table_fn is not None else ([], [])

    def records_added(self, history, records) -> None:
        """New records arrived (do not draw here; the frame timer calls `refresh`)."""
        self.dirty = True
        if self.growth is not None:
            self.growth.arrived()

    def mark_divergence(self, step: int | None) -> None:
        """The run diverged at `step` (None: it has not). Panels with a marker at that step
        override this with `place_divergence_lines`."""
        self.div_step = step
        self.dirty = True

    def early_stopped(self, stop) -> None:
        """Early stopping ended the run (an EarlyStop: from the step that ended it, or from a
        lowered patience, which no step record carries); panels that describe it override."""

    def plot_items(self) -> list[pg.PlotItem]:
        return []

    # ---- shared --------------------------------------------------------------------------
    @property
    def div_line(self) -> pg.InfiniteLine | None:
        """The (first) divergence marker, or None: panels with one plot have just this one."""
        return self.div_lines[0][1] if self.div_lines else None

    def place_divergence_lines(self, step: int | None, plots) -> None:
        """Replace the divergence markers by a dashed line at `step` on each of `plots`, the
        first one labelled (step None: just remove them). For `mark_divergence`."""
        self.div_step = step
        for plot, line in self.div_lines:
            plot.removeItem(line)
        self.div_lines = []
        if step is not None:
            for plot in plots:
                line = vline(self.theme, "" if self.div_lines else f"diverged (step {step})")
                line.setPos(step)
                plot.addItem(line)
                self.div_lines.append((plot, line))
            box = self.div_lines[0][0].getViewBox() if self.div_lines else None
            if box is not None and box not in self._resize_watched:
                # The axes settle after a draw (their labels' widths): fit again on resize.
                self._resize_watched.add(box)
                box.sigResized.connect(self._fit_div_label)
        self.dirty = True

    def _fit_div_label(self, *_args) -> None:
        """The labelled divergence marker's label beside it, as long as fits."""
        if self.div_lines:
            plot, line = self.div_lines[0]
            step = self.div_step
            fit_line_label(plot, line, (f"diverged (step {step})", f"diverged ({step})",
                                        "diverged"))

    def invalidate(self) -> None:
        """Redraw at the next frame and re-range the axes now (what is shown has changed)."""
        self.dirty = True
        self._ranged_at = 0.0

    def refresh(self, history, force_range: bool = False) -> bool:
        """Redraw if something changed and the panel is visible; True if it drew."""
        if not self.dirty or not self.isVisible():
            return False
        self._final = force_range
        try:
            self._refresh(history, force_range)
        finally:
            self._final = False
        return True

    def _refresh(self, history, force_range: bool) -> None:
        now = time.monotonic()
        rerange = force_range or now - self._ranged_at >= RANGE_INTERVAL
        if rerange:
            self._ranged_at = now
        self.draw(history, rerange)
        self._fit_div_label()
        if rerange:
            for plot in self.plot_items():
                place_legend(plot)
        self.dirty = False
        self.view.viewport().repaint()   # paint now, inside the frame (see MainWindow.frame)

    def watch_growth(self) -> None:
        """Give this panel's training-step axis room to grow only while records arrive
        (see step_axis); then draw with `fit_steps`."""
        from desktop_app.plots.step_axis import GrowthWatch

        self.growth = GrowthWatch(self, on_settled=self.invalidate)

    def fit_steps(self, plot: pg.PlotItem, lo: float, hi: float) -> None:
        """Show steps lo … hi on `plot`'s x axis: with room to the right while the run grows,
        ending at hi once it stops (paused, finished) or for a final picture."""
        from desktop_app.plots.step_axis import fit_steps

        growing = self.growth is not None and self.growth.growing and not self._final
        fit_steps(plot, lo, hi, growing)

    def title_box(self, items: list[tuple], tip: str) -> TitleCombo:
        """Make the title a choice of what the panel shows: `items` are (title, data) or
        (title, data, short title)."""
        box = TitleCombo(items, tip)
        self.title_label.hide()
        self.tools.insertWidget(0, box)
        self.tools.insertStretch(1, 1)
        self.title_choice = box
        self._style_title()
        self.set_enlarged(self.enlarged)      # its tooltip: no double-click on a choice
        return box

    def shown_title(self) -> str:
        """The title as the panel shows it (with a title box: the chosen view)."""
        return self.title_choice.currentText() if self.title_choice else self.title_label.text()

    def _style_title(self) -> None:
        f = QFont(self.title_label.font())
        f.setPointSizeF(self.theme.title_pt)
        f.setBold(True)
        self.title_label.setFont(f)
        if self.title_choice is not None:
            self.title_choice.setFont(f)
            f = QFont(f)
            f.setBold(False)
            self.title_choice.view().setFont(f)   # the list of choices: regular weight
            self.title_choice.updateGeometry()

    def fit_label(self, plot: pg.PlotItem, side: str, *titles: str) -> None:
        """Title the `side` axis of `plot` with the longest of `titles` that fits along it,
        chosen again whenever the panel is resized: a title longer than its axis was cut at
        both ends in a narrow panel ("hidden layer l (input → outp")."""
        self._fitted[(id(plot), side)] = (plot, side, titles)
        self._fit_labels()

    def _fit_labels(self) -> None:
        if not self._fitted:
            return
        font = QFont()
        font.setPointSizeF(self.theme.tick_pt + 1)
        fm = QFontMetrics(font)
        for plot, side, titles in self._fitted.values():
            box = plot.getViewBox().sceneBoundingRect()
            room = box.width() if side in ("bottom", "top") else box.height()
            if room < 20:                          # not laid out yet: the first title
                room = float("inf")
            text = next((t for t in titles
                         if fm.horizontalAdvance(re.sub(r"<[^>]+>", "", t)) + 8 <= room),
                        titles[-1])                # (measured without their HTML tags)
            if plot.getAxis(side).labelText != text:
                plot.setLabel(side, text)          # keeps the theme's label style

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 (Qt's name)
        if obj is self.view and event.type() == QEvent.Resize and self._fitted:
            QTimer.singleShot(0, self, self._fit_labels)     # once the plots are laid out
        return super().eventFilter(obj, event)

    def set_enlarged(self, on: bool) -> None:
        """Show whether this panel fills the plots area (the button then restores the grid)."""
        self.enlarged = on
        self.enlarge_button.setIcon(corners_icon(self.theme.fg, inward=on))
        # A title that is a view choice takes its own clicks: no double-click hint there.
        plain = self.title_choice is None
        if on:
            tip = "Back to all plots (Esc, or double-click the title)" if plain else \
                "Back to all plots (Esc)"
        else:
            tip = "Enlarge this plot to the whole plots area" + \
                (" (or double-click its title)" if plain else "")
        self.enlarge_button.setToolTip(tip)

    def mouseDoubleClickEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        # Reaches the frame from its title, note and margins (the plot keeps its own clicks).
        self.enlarge_requested.emit()
        event.accept()

    def set_note(self, text: str, detail: str = "") -> None:
        """The caption under the plot (at most a few lines: see NoteLabel); `detail`, a longer
        explanation, is its tooltip."""
        self.note.set_note(text, detail)
        self.note.setVisible(bool(text))

    def apply_theme(self, theme: Theme) -> None:
        self.theme = theme
        self.view.setBackground(theme.bg)
        self._style_title()
        self._fit_labels()
        side = round(16 * max(1.0, theme.font_pt / 10.0))   # header icons grow with the text
        for button in (self.enlarge_button, self.export_button):
            button.setIconSize(QSize(side, side))
        self.set_enlarged(self.enlarged)
        self.note.setStyleSheet(f"color: {theme.muted};")
        for p in self.plot_items():
            style_plot_item(p, theme)
        self.invalidate()

    def export_dialog(self, fmt: str) -> None:
        from desktop_app.plots.export import export_panel

        filters = {"png": "PNG image (*.png)", "svg": "SVG image (*.svg)", "csv": "CSV (*.csv)"}
        path, _ = QFileDialog.getSaveFileName(self, f"Export {self.shown_title()}", f"{self.key}.{fmt}",
                                              filters[fmt])
        if not path:
            return
        stem = path[: -len(fmt) - 1] if path.lower().endswith("." + fmt) else path
        try:
            export_panel(self, stem, (fmt,))
        except OSError as e:
            QMessageBox.warning(self, "Export failed", str(e))


class ModePanel(PlotPanel):
    """A PlotPanel with a choice of what it shows in its header (`add_mode_box`): `mode` is
    the chosen item's data, and `_mode_changed` runs whenever the choice changes."""

    mode_box: QComboBox

    def add_mode_box(self, items: list[tuple], tip: str) -> None:
        """The title becomes the choice of mode: `items` are (title for the mode, mode) or
        (title, mode, short title for a narrow panel)."""
        self.mode_box = self.title_box(items, tip)
        self.mode_box.currentIndexChanged.connect(self._mode_changed)

    @property
    def mode(self) -> str:
        return self.mode_box.currentData()

    def _mode_changed(self) -> None:
        """Subclasses update labels and items for the new mode, then redraw."""
        self.invalidate()


def option_box(items: list[tuple[str, str]], tip: str) -> QComboBox:
    """A compact combo for a panel header (shrinks with the panel)."""
    box = QComboBox()
    for text, data in items:
        box.addItem(text, data)
    box.setToolTip(tip)
    box.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
    box.setMinimumContentsLength(16)
    return box


def legend(plot: pg.PlotItem, theme: Theme, corner=(1, 1), offset=(-4, 4),
           columns: int = 1) -> pg.LegendItem:
    leg = plot.addLegend(offset=offset, labelTextSize=f"{theme.tick_pt:g}pt", verSpacing=-4,
                         colCount=columns)
    leg.anchor(itemPos=corner, parentPos=corner, offset=offset)
    leg.corner = corner          # where place_legend finds it (it may move it)
    return leg


def layer_ticks(axis: pg.AxisItem, n: int) -> None:
    """Whole-number ticks for an axis of layers or time steps 1..n (never "layer 1.5")."""
    major = next((s for s in (1, 2, 5, 10, 20, 50, 100, 200, 500) if n / s <= 10), 1000)
    axis.setTickSpacing(major, 1 if major <= 5 else major / 5)


def fit_line_label(plot: pg.PlotItem, line: pg.InfiniteLine, texts) -> None:
    """A vertical line's label beside it on the side with room: left of the line in the right
    part of the plot (a marker at the last step ran past the plot's edge), right of it
    elsewhere; the longest of `texts` (longest first) that fits on that side."""
    label = getattr(line, "label", None)
    lo, hi = plot.viewRange()[0]
    if label is None or not texts or hi <= lo:
        return
    x = line.value()
    left = x > lo + 0.55 * (hi - lo)
    anchor = (1, 0.5) if left else (0, 0.5)
    if label.anchors[0] != anchor:
        label.anchors = [anchor, anchor]
        label.setAnchor(anchor)
    share = min(max((x - lo) / (hi - lo), 0.0), 1.0)
    room = (share if left else 1.0 - share) * plot.getViewBox().sceneBoundingRect().width()
    fm = QFontMetrics(label.textItem.font())
    # The label draws its text with the document's margins: measured off the text it shows.
    shown = label.textItem.toPlainText()
    pad = max(label.boundingRect().width() - fm.horizontalAdvance(shown), 0.0) if shown else 8.0
    text = next((t for t in texts if fm.horizontalAdvance(t) + pad + 2 <= room), texts[-1])
    if label.format != text:
        label.setFormat(text)


def vline(theme: Theme, label: str = "") -> pg.InfiniteLine:
    """A dashed vertical marker (divergence)."""
    line = pg.InfiniteLine(angle=90, movable=False,
                           pen=pg.mkPen("#D55E00", width=1, style=Qt.DashLine),
                           label=label, labelOpts={"position": 0.9, "color": "#D55E00"})
    line.setZValue(20)
    return line


def swatch(color, name: str = "", symbol: str = "s", pen=None) -> pg.PlotDataItem:
    """A legend-only entry (a filled area: FillBetweenItem in a legend crashes Qt; or a
    marker standing for points drawn in several colours)."""
    item = pg.PlotDataItem([], [], pen=None, symbol=symbol, symbolSize=10, symbolPen=pen,
                           symbolBrush=color, name=name)
    paint_swatch(item, color, pen)
    return item


def paint_swatch(item: pg.PlotDataItem, color, pen=None) -> None:
    """Colour a swatch. The legend draws a PlotDataItem's marker with its scatter's options,
    which setSymbolBrush only passes on once the item has data, and a swatch never has any:
    without this every swatch shows pyqtgraph's default grey-blue."""
    item.setSymbolBrush(color)
    item.scatter.setBrush(pg.mkBrush(color))
    item.scatter.setPen(pg.mkPen(pen) if pen is not None else pg.mkPen(None))
    item.scatter.setSize(10)


def style_colorbar(bar: pg.ColorBarItem, theme: Theme, label: str) -> None:
    """Colour bar ticks and its label (ColorBarItem keeps the label on its left axis)."""
    ax = bar.getAxis("right")
    ax.setTextPen(pg.mkPen(theme.fg))
    ax.setPen(pg.mkPen(theme.muted))
    font = QFont()
    font.setPointSizeF(theme.tick_pt)
    ax.setTickFont(font)
    # pyqtgraph fixes the bar's axis at 45 px and drops labels wider than that: at 2560 × 1440
    # in presentation mode every 10⁻¹⁵ vanished. Wide enough for the widest label it may get.
    ax.setWidth(max(45, QFontMetrics(font).horizontalAdvance("10⁻¹⁵·⁵") + 14))
    left = bar.getAxis("left")
    left.setLabel(label, **{"color": theme.fg, "font-size": f"{theme.tick_pt + 1:g}pt"})
    left.setPen(pg.mkPen(theme.muted))
    left.setTextPen(pg.mkPen(theme.fg))
    cache_axes(bar)


class Band(QGraphicsPathItem):
    """A filled area between two curves, built as one polygon (cheaper than pyqtgraph's
    FillBetweenItem, which re-traces both curves whenever either changes)."""

    def __init__(self, brush=None):
        super().__init__()
        self.band_data = None
        self.setPen(pg.mkPen(None))
        if brush is not None:
            self.setBrush(pg.mkBrush(brush))

    def set_data(self, x: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> None:
        keep = np.isfinite(x) & np.isfinite(lo) & np.isfinite(hi)
        x, lo, hi = x[keep], lo[keep], hi[keep]
        self.band_data = (x, lo, hi)      # for place_legend
        if len(x) < 2:
            self.setPath(QPainterPath())
            return
        path = pg.arrayToQPath(np.concatenate([x, x[::-1]]), np.concatenate([hi, lo[::-1]]),
                               connect="all")
        path.closeSubpath()
        self.setPath(path)
