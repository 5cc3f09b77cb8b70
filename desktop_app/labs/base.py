"""The Lab base class: a controls side and a plots area, fed by the shared run controller.

See desktop_app/labs/__init__.py for the pattern a new lab follows.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QGridLayout,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from core.config import ExperimentConfig
from desktop_app.labs.enlarge import Enlarger
from desktop_app.theme import Theme
from desktop_app.widgets.banner import Banner
from desktop_app.widgets.lesson_card import LessonCard


def plots_layout() -> tuple[QWidget, QGridLayout]:
    """An empty plots area: a grid without margins and 4 px between the panels."""
    w = QWidget()
    grid = QGridLayout(w)
    grid.setContentsMargins(0, 0, 0, 0)
    grid.setSpacing(4)
    return w, grid


def plots_grid(rows: list[list[QWidget]]) -> QWidget:
    """A plots area of equal cells, filled row by row."""
    w, grid = plots_layout()
    for r, row in enumerate(rows):
        for c, widget in enumerate(row):
            grid.addWidget(widget, r, c)
    for i in range(max(len(row) for row in rows)):
        grid.setColumnStretch(i, 1)
    for i in range(len(rows)):
        grid.setRowStretch(i, 1)
    return w


class Lab(QWidget):
    name = "lab"
    title = "Lab"
    lesson_title = ""
    lesson_text = ""

    def __init__(self, state, controller, theme: Theme, parent: QWidget | None = None):
        super().__init__(parent)
        self.state = state
        self.controller = controller
        self.theme = theme
        self._watched = None     # the window whose closing stops this lab's threads
        self.closed = False      # its window has closed: start no more threads
        self.controls = self.build_controls()
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        scroll.setWidget(self.controls)
        self.controls_scroll = scroll
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        self.banner = Banner(theme)
        self.banner.reset_requested.connect(controller.reset)
        rl.addWidget(self.banner)
        self.lesson = LessonCard(theme, self.lesson_title, self.lesson_text)   # build_plots places it
        self.plots_area = self.build_plots()
        rl.addWidget(self.plots_area, 1)
        split = QSplitter(Qt.Horizontal)
        split.addWidget(scroll)
        split.addWidget(right)
        split.setStretchFactor(1, 1)
        split.setCollapsible(1, False)
        self.splitter = split
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(split)
        self.enlarger = Enlarger(self.plots_area)
        for p in self.panels():
            p.enlarge_requested.connect(lambda p=p: self.enlarger.toggle(p))
        QShortcut(QKeySequence(Qt.Key_Escape), self, self.enlarger.restore,
                  context=Qt.WidgetWithChildrenShortcut)

    # ---- to implement ----------------------------------------------------------------------
    def build_controls(self) -> QWidget:
        return QWidget()

    def build_plots(self) -> QWidget:
        return QWidget()

    def panels(self) -> list:
        """The PlotPanels of this lab (redrawn, themed and exported by the window)."""
        return []

    def tasks(self) -> list:
        return []

    def accepts(self, cfg: ExperimentConfig) -> bool:
        return True

    def default_config(self) -> ExperimentConfig:
        return ExperimentConfig()

    def on_task(self, name: str, payload) -> None:
        pass

    # ---- called by the window ---------------------------------------------------------------
    def set_config(self, cfg: ExperimentConfig, keys) -> None:
        """The shared config changed (controls echo it themselves)."""

    def set_preset(self, preset) -> None:
        self.lesson.set_preset(preset)

    def start_run(self, info, history) -> None:
        self.banner.hide()
        for p in self.panels():
            p.new_run(info, history)
        if history.divergence is not None:
            self.on_divergence(history.divergence)

    def on_records(self, history, records) -> None:
        for p in self.panels():
            p.records_added(history, records)
        for r in records:
            if r.divergence is not None and r.step == 0:
                self.on_divergence(r.divergence)   # the network overflows at initialization

    def on_early_stop(self, stop) -> None:
        """Early stopping ended the run (an EarlyStop): panels that say so hear it."""
        for p in self.panels():
            p.early_stopped(stop)

    def on_divergence(self, div) -> None:
        self.banner.show_divergence(div)
        for p in self.panels():
            p.mark_divergence(div.step)

    def refresh(self, history, force_range: bool = False) -> int:
        """Redraw the visible panels that changed; returns how many drew."""
        return sum(p.refresh(history, force_range) for p in self.panels())

    def apply_theme(self, theme: Theme) -> None:
        self.theme = theme
        self.banner.apply_theme(theme)
        # The controls keep their natural width when fonts grow (presentation mode).
        bar = self.controls_scroll.verticalScrollBar().sizeHint().width()
        self.controls_scroll.setMinimumWidth(self.controls.sizeHint().width() + bar + 4)
        if self.isVisible():
            QTimer.singleShot(0, self, self.fit_controls)
        for p in self.panels():
            p.apply_theme(theme)
        self.lesson.apply_theme(theme)

    def showEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().showEvent(event)
        QTimer.singleShot(0, self, self.fit_controls)

    def fit_controls(self) -> None:
        """Widen the controls column to what its widgets need once they are shown: before a
        tab is first shown some forms report less than they need (the Landscape box's right
        edge was cut off)."""
        scroll = self.controls_scroll
        if not self.isVisible() or not scroll.isVisible():
            return
        bar = scroll.verticalScrollBar().sizeHint().width()
        need = max(self.controls.sizeHint().width(), self.controls.minimumSizeHint().width())
        if need + bar + 4 > scroll.minimumWidth():
            scroll.setMinimumWidth(need + bar + 4)

    # ---- for subclasses -------------------------------------------------------------------------
    def offer_devices(self, info) -> None:
        """List the devices the run found in the Device control of `self.controls_panel`."""
        self.controls_panel.set_choices("device", [(d, d) for d in ["auto", *info.devices]])

    # ---- labs with threads of their own -------------------------------------------------------
    def shutdown(self) -> None:
        """Stop this lab's own threads (the window stops only the trainer)."""

    def threads_running(self) -> bool:
        """Whether a thread of this lab is still running after `shutdown` (a step of a heavy
        network cannot be interrupted): the app then exits without Qt's destructors."""
        return False

    def shutdown_on_quit(self) -> None:
        """Run `shutdown` when the application quits (for a lab with threads of its own)."""
        app = QApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)

    def watch_window(self) -> None:
        """Run `shutdown` when this lab's window closes, before Qt destroys the threads with it.
        Call it before starting a thread: the lab may have been put in a window since."""
        top = self.window()
        if top is not self and top is not self._watched:
            top.installEventFilter(self)
            self._watched = top

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 (Qt's name)
        if obj is self._watched and event.type() == QEvent.Close:
            self.closed = True
            self.shutdown()
        return False
