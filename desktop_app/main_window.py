"""The main window: labs as tabs, the run toolbar, menus, status bar and the frame timer.

Records from the training thread are appended to the History as they arrive; one frame timer
(~30 Hz) redraws only the visible panels that changed.
"""

from __future__ import annotations

import math
from dataclasses import replace

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QMainWindow,
    QMessageBox,
    QTabWidget,
    QWidget,
)
from superqt import QLabeledDoubleSlider, QLabeledSlider

from core.training.cost import duration, slow_step_note
from desktop_app.actions import build_actions, fill_presets_menu
from desktop_app.labs import lab_classes
from desktop_app.session_actions import SessionActions
from desktop_app.settings import Preferences
from desktop_app.state import ExperimentState
from desktop_app.theme import Theme, apply_qt_theme, presentation_scale
from desktop_app.widgets.run_bar import rate_texts
from desktop_app.workers.run_controller import RunController

FRAME_MS = 25     # 40 Hz ticks: each of the ~30 batches/s is drawn on the next tick (~25 ms)
STATUS_MS = 250


class MainWindow(QMainWindow):
    def __init__(self, state: ExperimentState, prefs: Preferences, theme: Theme,
                 threads: int | None = None, backend: str | None = None):
        super().__init__()
        self.setWindowTitle("GradLab")
        self.state, self.prefs, self.theme = state, prefs, theme
        self.frames = 0                      # frame-timer ticks that drew something
        self.controller = RunController(state, threads, backend, self)
        self.sessions = SessionActions(self)
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.labs = {}
        for cls in lab_classes():
            try:
                lab = cls(state, self.controller, theme)
            except Exception as e:  # one broken lab must not take the others down
                import traceback
                import warnings

                traceback.print_exc()
                warnings.warn(f"lab {cls.__name__} failed to start: {e}", stacklevel=2)
                continue
            self.labs[lab.name] = lab
            self.tabs.addTab(lab, lab.title)
        self.setCentralWidget(self.tabs)
        build_actions(self)
        self._switching = False
        self._closed = False
        self._shown = self.current_lab()     # the lab whose tab was last current
        self._lab_configs: dict = {}         # lab name → (config, preset) it had when left
        self.tabs.currentChanged.connect(self._tab_changed)
        self.status_text = ""      # the latest status message in full (see status)
        self._build_status()
        self._wire()
        problems = fill_presets_menu(self)
        if problems:
            self.status(f"{len(problems)} preset(s) could not be read: {problems[0]}")
        self.rebuild_recent_menu()
        self.frame_timer = QTimer(self, interval=FRAME_MS)
        self.frame_timer.setTimerType(Qt.PreciseTimer)
        self.frame_timer.timeout.connect(self.frame)
        self.status_timer = QTimer(self, interval=STATUS_MS)
        self.status_timer.timeout.connect(self._update_status)
        self._save_cfg_timer = QTimer(self, singleShot=True, interval=1000)
        self._save_cfg_timer.timeout.connect(lambda: self.prefs.set_last_config(self.state.config))
        # Presentation sizes follow the window; a resize restyles once it settles.
        self._rescale_timer = QTimer(self, singleShot=True, interval=200)
        self._rescale_timer.timeout.connect(self._rescale)
        self.resize(1600, 980)
        self.apply_theme(theme)

    # ---- set-up --------------------------------------------------------------------------
    def _build_status(self) -> None:
        sb = self.statusBar()
        self.lbl_step = QLabel("step 0")
        self.lbl_rate = QLabel("ready")
        self.lbl_ms = QLabel("— ms/step")
        self.lbl_device = QLabel("device: starting…")
        self.lbl_step.setToolTip("Optimizer steps taken in this run")
        self.lbl_rate.setToolTip("Training speed over the last two seconds")
        self.lbl_ms.setToolTip("Time of one training step including the per-layer probes")
        self.lbl_device.setToolTip("Where the network trains, and the worker's torch threads")
        for lbl in (self.lbl_step, self.lbl_rate, self.lbl_ms, self.lbl_device):
            lbl.setContentsMargins(8, 0, 8, 0)
            sb.addPermanentWidget(lbl)

    def _size_status(self) -> None:
        """Fixed widths for the changing numbers, so they neither jitter nor get cut."""
        for lbl, widest in ((self.lbl_step, "step 0000000"), (self.lbl_rate, "0000.0 steps/s"),
                            (self.lbl_ms, "0000.0 ms/step")):
            lbl.setMinimumWidth(lbl.fontMetrics().horizontalAdvance(widest) + 20)

    def _wire(self) -> None:
        c, s = self.controller, self.state
        c.run_started.connect(self._run_started)
        c.records_added.connect(self._records_added)
        c.running_changed.connect(self._running_changed)
        c.diverged.connect(self._diverged)
        c.early_stopped.connect(self._early_stopped)
        c.notice.connect(lambda msg: self.status(msg, seconds=15))
        c.task_done.connect(lambda name, payload: self.current_lab().on_task(name, payload))
        c.failed.connect(lambda msg: self.status(msg, error=True))
        s.message.connect(lambda msg: self.status(msg, error=True))
        s.changed.connect(self._config_changed)
        s.preset_changed.connect(lambda p: [lab.set_preset(p) for lab in self.labs.values()])

    def start(self) -> None:
        """Start the frame timer and the training thread (torch loads there)."""
        if self._closed:
            return
        self.frame_timer.start()
        self.status_timer.start()
        self.controller.set_tasks(self.current_lab().tasks())
        self.controller.start()

    # ---- labs -----------------------------------------------------------------------------
    def current_lab(self):
        return self.tabs.currentWidget()

    def show_lab(self, name: str) -> bool:
        lab = self.labs.get(name)
        if lab is None:
            return False
        self._switching = True
        try:
            self.tabs.setCurrentWidget(lab)
        finally:
            self._switching = False
        self.controller.set_tasks(lab.tasks())
        return True

    def show_lab_for(self, cfg) -> None:
        """Switch to the first lab that shows this config (no config change)."""
        if self.current_lab().accepts(cfg):
            return
        for name, lab in self.labs.items():
            if lab.accepts(cfg):
                self.show_lab(name)
                return

    def _tab_changed(self, _index: int) -> None:
        lab, left = self.current_lab(), self._shown
        self._shown = lab
        if left is not None and left is not lab and left.accepts(self.state.config):
            # Coming back, that lab gets its settings (and preset) again, not its defaults.
            self._lab_configs[left.name] = (self.state.config, self.state.preset)
        self.controller.set_tasks(lab.tasks())
        if not self._switching and not lab.accepts(self.state.config):
            cfg, preset = self._lab_configs.get(lab.name, (None, None))
            if cfg is None or not lab.accepts(cfg):
                cfg, preset = lab.default_config(), None
            self.state.set_config(cfg, preset=preset)
            self.controller.rebuild_now()
        for p in lab.panels():
            p.dirty = True

    def load_preset(self, name: str) -> bool:
        from core.errors import GradLabError
        from core.presets import load_preset

        try:
            preset = load_preset(name)
        except GradLabError as e:
            self.show_error("Could not load the preset", str(e))
            return False
        if preset.lab in self.labs:
            self.show_lab(preset.lab)
        else:
            self.show_lab_for(preset.config)
        self.state.set_config(preset.config, preset=preset)
        self.controller.rebuild_now()
        self.status(f"Preset: {preset.title}")
        return True

    # ---- run events ------------------------------------------------------------------------
    def _run_started(self, info) -> None:
        h = self.controller.history
        for lab in self.labs.values():
            lab.start_run(info, h)
        dev = f"device: {info.device} ({info.threads} thread{'s' * (info.threads != 1)})"
        self.lbl_device.setText(dev)
        if info.device_note:
            self.status(info.device_note, error=True)
        elif note := slow_step_note(info.step_flop, info.flop_rate, info.eval_flop):
            least = duration(info.step_flop / info.flop_rate)
            self.status(note, seconds=30, short=f"Heavy network: at least {least} per "
                                                "training step.")
        self._update_status()

    def _records_added(self, records) -> None:
        h = self.controller.history
        for lab in self.labs.values():
            lab.on_records(h, records)

    def _running_changed(self, on: bool) -> None:
        self.act_play.setText("⏸ Pause" if on else "▶ Play")
        self._update_status()

    def _diverged(self, div) -> None:
        for lab in self.labs.values():
            lab.on_divergence(div)
        self.status(f"Diverged at step {div.step}: training paused. Reset (Ctrl+R) to start over.",
                    error=True)

    def _early_stopped(self, stop) -> None:
        """Good news, said plainly in the status bar (no banner: nothing went wrong)."""
        for lab in self.labs.values():
            lab.on_early_stop(stop)
        # Short enough for the status bar in presentation mode; the loss caption says more.
        back = ("the net is rolled back to it" if stop.restored else
                "its weights were not kept")        # a session saved by an older GradLab
        short = (f"Early stop at step {stop.step}: " +
                 (f"rolled back to step {stop.best_step}, the best." if stop.restored else
                  f"step {stop.best_step}, the best, was not kept."))
        self.status(f"Early stopping ended the run at step {stop.step} (best test loss "
                    f"{stop.best_test_loss:.3g} at step {stop.best_step}; {back}). Raise the "
                    "patience to go on.", seconds=15, short=short)

    def _config_changed(self, cfg, keys) -> None:
        for lab in self.labs.values():
            lab.set_config(cfg, keys)
        self._save_cfg_timer.start()

    def frame(self) -> int:
        """One frame: redraw what changed in the visible lab; returns the panels drawn."""
        with self.controller.thread.frame_lock:
            n = self.current_lab().refresh(self.controller.history)
        if n:
            self.frames += 1
        return n

    def _update_status(self) -> None:
        c = self.controller
        self.lbl_step.setText(f"step {c.step_count}")
        info = c.info
        least = info.step_flop / info.flop_rate if info is not None else math.nan
        rate, ms = rate_texts(c.running, c.steps_per_second(), c.ms_per_step, c.step_count,
                              least)
        self.lbl_rate.setText(rate)
        self.lbl_ms.setText(ms)

    # ---- view ------------------------------------------------------------------------------
    def set_theme(self, name: str) -> None:
        self.apply_theme(Theme(name, self.theme.presentation))
        self.prefs.theme = name

    def toggle_presentation(self, on: bool | None = None) -> None:
        if on is None:
            on = not self.theme.presentation
        self.apply_theme(Theme(self.theme.name, bool(on)))
        self.prefs.presentation = bool(on)
        self.act_present.setChecked(bool(on))

    def set_controls_visible(self, on: bool) -> None:
        """Hide the controls side of every lab (more room for the plots on a projector)."""
        for lab in self.labs.values():
            lab.controls_scroll.setVisible(bool(on))
        self.act_controls.setChecked(bool(on))

    def apply_theme(self, theme: Theme) -> None:
        theme = replace(theme, scale=self._scale_for(theme))
        self.theme = theme
        app = QApplication.instance()
        apply_qt_theme(app, theme)
        # Widgets with a style sheet (superqt's slider value labels) keep the palette they were
        # polished with: re-polish them, or a dark theme leaves their text dark on dark.
        for w in self.findChildren(QWidget):
            if w.styleSheet():
                w.setStyleSheet(w.styleSheet())
        self.setFont(app.font())
        # superqt's slider value boxes size themselves only when shown or re-ranged: after a
        # font change (presentation mode) "0.900" was cut to "ɔ.900".
        for s in self.findChildren(QLabeledSlider) + self.findChildren(QLabeledDoubleSlider):
            label = getattr(s, "_label", None)
            if hasattr(label, "_update_size"):
                label._update_size()
        for lab in self.labs.values():
            lab.apply_theme(theme)
        self._size_status()
        self.frame()

    def _scale_for(self, theme: Theme) -> float:
        return presentation_scale(self.width(), self.height()) if theme.presentation else 1.0

    def _rescale(self) -> None:
        if self.theme.presentation and self._scale_for(self.theme) != self.theme.scale:
            self.apply_theme(self.theme)

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        if self.theme.presentation:
            self._rescale_timer.start()

    # ---- helpers ---------------------------------------------------------------------------
    def status(self, text: str, error: bool = False, seconds: float | None = None,
               short: str = "") -> None:
        """A message in the status bar: errors with ⚠ for 10 s, notes for 5 s (or `seconds`).

        `short` is shown instead where `text` does not fit beside the step, speed and device
        fields (a 1024 × 768 projector cut "…best test loss 0.547 at step 1"); the full text
        is then the status bar's tooltip (`status_text`)."""
        shown = seconds if seconds is not None else 10 if error else 5
        sb, prefix = self.statusBar(), "⚠ " if error else ""
        self.status_text = prefix + text
        msg = self.status_text
        if short and sb.fontMetrics().horizontalAdvance(msg) > self._status_room():
            msg = prefix + short
        sb.setToolTip(self.status_text if msg != self.status_text else "")
        sb.showMessage(msg, int(shown * 1000))

    def _status_room(self) -> int:
        """Pixels a message has left of the permanent fields (with the bar's margins)."""
        fields = (self.lbl_step, self.lbl_rate, self.lbl_ms, self.lbl_device)
        return self.statusBar().width() - sum(w.width() for w in fields) - 40

    def show_error(self, title: str, text: str) -> None:
        QMessageBox.warning(self, title, text)

    def rebuild_recent_menu(self) -> None:
        m = self.recent_menu
        m.clear()
        recent = self.prefs.recent
        for path in recent:
            m.addAction(path, lambda _=False, p=path: self.sessions.open(p))
        m.setEnabled(bool(recent))

    def closeEvent(self, event) -> None:
        self._closed = True
        self.frame_timer.stop()
        self.status_timer.stop()
        self.prefs.set_last_config(self.state.config)
        self.prefs.sync()
        self.controller.shutdown()
        super().closeEvent(event)
