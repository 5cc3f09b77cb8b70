"""The Landscape lab: the loss around the current weights while the network trains, with the
curvature readout (minima, saddles, plateaus, the edge of stability).

Data flow: a Task in the training thread copies the weights to numpy (landscape_task) at most
every SNAPSHOT_INTERVAL s; the lab keeps the newest copy and the path, and sends requests to its
own LandscapeWorker ("latest request wins"). While training, a new request goes out when the
previous one is answered, at most every LIVE_INTERVAL s and leaving the worker idle for a
share of its time (so the GUI keeps its frame rate). A setting changed by the user cancels
the running computation at once. Results whose request id is not the latest are dropped.
"""

from __future__ import annotations

import dataclasses
import math
import time

import numpy as np
from PySide6.QtCore import QCoreApplication, QEventLoop, QThread, QTimer
from PySide6.QtWidgets import QVBoxLayout, QWidget

from core.config import DATASETS_2D, ExperimentConfig
from desktop_app.labs.base import Lab, plots_layout
from desktop_app.labs.shared_controls import (
    DATA_NOISE,
    MLP_INIT,
    MLP_OPTIMIZER,
    SEED,
    TRAIN_EXAMPLES,
    mlp_network,
)
from desktop_app.plots.landscape_map import SAME_SCALE_TOP, LandscapeMapPlot
from desktop_app.plots.landscape_slice import LandscapeSlicePlot
from desktop_app.plots.landscape_task import TrajectoryBuffer, snapshot_task_fn
from desktop_app.plots.loss_curves import LossCurvesPlot
from desktop_app.widgets.controls_panel import Control, ControlsPanel
from desktop_app.widgets.landscape_controls import LandscapeControls
from desktop_app.widgets.landscape_readout import CurvatureReadout
from desktop_app.workers.landscape_worker import LandscapeRequest, LandscapeSettings, LandscapeWorker
from desktop_app.workers.messages import Task

SNAPSHOT_INTERVAL = 0.1   # s between weight copies from the training thread (the path's spacing)
SNAPSHOT_RATE = 20e6      # … and at most this many bytes of weights per second (large nets)
LIVE_INTERVAL = 0.2       # s at least between live landscape requests
DUTY = 0.6                # while training the worker computes at most this share of the time
SETTLE_S = 60.0           # screenshots wait at most this long for the newest landscape
CONTROLS_MARGIN = 4       # px around the Landscape box, as around the ControlsPanel's sections
SPAN_RETRIES = 3          # requests at most to reach a typed span whose directions' scale was unknown

SECTIONS = [
    ("Network", mlp_network(max_depth=60, max_width=512)),
    ("Initialization", MLP_INIT),
    ("Optimizer", MLP_OPTIMIZER),
    ("Data", [
        Control("data.name", "Dataset", "choice", choices=tuple((d, d) for d in DATASETS_2D
                                                                  if d != "csv")),
        DATA_NOISE,
        TRAIN_EXAMPLES,
        SEED,
    ]),
]

LESSON_TEXT = (
    "<p>The map is the loss on a plane through the current weights θ: "
    "L(θ + αδ + βη) for two fixed directions δ, η. The ★ is θ itself (its colour is the "
    "current loss). The orange line is the path training took, projected onto the plane; it "
    "is drawn only where the plane holds most of it (choose <i>PCA</i> directions: a random "
    "plane misses almost all of it). "
    "Contour lines join equal losses; a round bowl is an easy minimum, crowded ridges and pits "
    "a rough, hard one.</p>"
    "<p>The readout beside it measures the curvature at θ (the Hessian's eigenvalues): "
    "<b>λₘₐₓ</b> above <b>2/lr</b> means gradient descent overshoots along the sharpest "
    "direction; a clearly negative <b>λₘᵢₙ</b> means θ is a <b>saddle</b> (downhill along "
    "some direction); tiny gradient and curvature together are a <b>plateau</b>.</p>"
    "<p><b>Try:</b> the presets (menu <i>Presets → Landscape</i>): a deep plain net against "
    "the same net with residual connections, a saddle at zero initialization (choose "
    "<i>Hessian</i> directions), and a sharp full-batch minimum against a flat small-batch "
    "one. The colours mean the same loss in every run (<i>Colours: same for every run</i>), so "
    "two maps side by side compare; untick it for the most detail in one map.</p>")


def snapshot_interval(cfg: ExperimentConfig) -> float:
    """Seconds between weight copies: SNAPSHOT_INTERVAL, longer for nets whose copy is big."""
    m = cfg.model
    params = m.depth * m.width * (m.width + 1) + 16 * m.width
    return max(SNAPSHOT_INTERVAL, 4 * params / SNAPSHOT_RATE)


class LandscapeLab(Lab):
    name = "landscape"
    title = "Landscape"
    lesson_title = "Minima, saddles and plateaus"
    lesson_text = LESSON_TEXT

    def __init__(self, state, controller, theme, parent=None):
        super().__init__(state, controller, theme, parent)
        self.worker = LandscapeWorker(self)
        self.worker.frame_ready.connect(self._on_frame)
        self.worker.curvature_ready.connect(self._on_curvature)
        self.worker.failed.connect(self._on_failed)
        self.worker.progress.connect(self._on_progress)
        self._timer = QTimer(self, singleShot=True)
        self._timer.timeout.connect(self._maybe_request)
        self.shutdown_on_quit()

    # ---- building --------------------------------------------------------------------------
    def build_controls(self) -> QWidget:
        self.settings = LandscapeSettings()
        self.epoch = 0
        self.log = False
        self.same_top = SAME_SCALE_TOP   # colour scale shared by every run (nats); None: per map
        self.live = True
        self.trajectory = TrajectoryBuffer()
        self.frame = None
        self.error = ""
        self.dropped = 0              # stale results received and not shown
        self.shown = 0                # landscapes shown
        self._info = None
        self._snap = None
        self._busy_rid = 0
        self._last_key = None
        self._last_submit = -1e9
        self._last_seconds = 0.0
        self.span_target = None       # half-width typed in the Span box, until a frame has it
        self._span_tries = 0
        w = QWidget()
        lay = QVBoxLayout(w)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        self.landscape_controls = LandscapeControls(self.settings)
        self.landscape_controls.settings_changed.connect(self._settings_changed)
        self.landscape_controls.new_directions.connect(self.new_directions)
        self.landscape_controls.span_changed.connect(self.set_span)
        self.landscape_controls.log_changed.connect(self.set_log)
        self.landscape_controls.same_scale_changed.connect(self.set_same_scale)
        self.landscape_controls.live_changed.connect(self.set_live)
        # The box gets the margins the ControlsPanel gives its sections (4 px): without them
        # its frame and title sat on the tab's left edge and were clipped.
        holder = QWidget()
        hl = QVBoxLayout(holder)
        hl.setContentsMargins(CONTROLS_MARGIN, CONTROLS_MARGIN, CONTROLS_MARGIN, 0)
        hl.addWidget(self.landscape_controls)
        lay.addWidget(holder)
        self.controls_panel = ControlsPanel(self.state, SECTIONS)
        lay.addWidget(self.controls_panel, 1)
        w.setMinimumWidth(300)
        return w

    def build_plots(self) -> QWidget:
        t = self.theme
        self.map = LandscapeMapPlot(t)
        self.map.npz_exporter = self.export_npz
        self.slice = LandscapeSlicePlot(t)
        self.loss = LossCurvesPlot(t)
        self.readout = CurvatureReadout(t)
        w, grid = plots_layout()
        grid.addWidget(self.map, 0, 0, 2, 1)
        grid.addWidget(self.loss, 2, 0)
        grid.addWidget(self.slice, 0, 1)
        grid.addWidget(self.readout, 1, 1)
        grid.addWidget(self.lesson, 2, 1)
        grid.setColumnStretch(0, 3)
        grid.setColumnStretch(1, 2)
        grid.setRowStretch(0, 3)      # the readout (row 1) keeps the height of its content
        grid.setRowStretch(1, 0)
        grid.setRowStretch(2, 2)
        return w

    def panels(self) -> list:
        return [self.map, self.slice, self.loss]

    def tasks(self) -> list:
        return [Task("landscape", snapshot_task_fn(self.settings.subset),
                     min_interval=snapshot_interval(self.state.config), max_share=0.1)]

    def accepts(self, cfg: ExperimentConfig) -> bool:
        return cfg.model.kind == "mlp"

    def set_config(self, cfg: ExperimentConfig, keys) -> None:
        """The same run as the Deep lab's, with its own loss plot: the patience and the
        augmentation noise (the Deep lab's live controls) keep its caption and key true."""
        self.loss.set_patience(cfg.train.early_stop)
        self.loss.set_augment(cfg.data.augment_noise)

    # ---- window hooks ------------------------------------------------------------------------
    def set_preset(self, preset) -> None:
        """A preset also sets up the colour scale its lesson is read with (its "view")."""
        super().set_preset(preset)
        if preset is not None and "colour_top" in preset.view:
            self.set_same_scale(preset.view["colour_top"])

    def start_run(self, info, history) -> None:
        super().start_run(info, history)
        self._info = info
        self._snap = None
        self.trajectory.clear()
        self.frame = None
        self.error = ""
        self._last_key = None
        self._timer.stop()
        if self._busy_rid:
            self.worker.cancel()
            self._busy_rid = 0
        self.readout.clear()
        if self.isVisible():
            self.controller.set_tasks(self.tasks())    # the weight copies' rate fits the net

    def on_task(self, name, payload) -> None:
        if name != "landscape" or payload is None:
            return
        self._snap = payload
        self.trajectory.add(payload.step, payload.theta)
        self._maybe_request()

    def refresh(self, history, force_range: bool = False) -> int:
        if force_range and self.isVisible() and not self.controller.running:
            self.settle()          # the final picture (screenshot) shows the newest weights
            # settle() processes events: the window's frame timer may have redrawn the panels
            # meanwhile (without re-ranging) and cleared their dirty flags, and a panel that is
            # not dirty ignores the refresh. The final picture must be re-ranged: draw them all.
            for p in self.panels():
                p.dirty = True
        return super().refresh(history, force_range)

    def apply_theme(self, theme) -> None:
        super().apply_theme(theme)
        self.readout.apply_theme(theme)

    # ---- user actions ------------------------------------------------------------------------
    def _settings_changed(self, s: LandscapeSettings) -> None:
        subset_changed = s.subset != self.settings.subset
        self.settings = s
        if subset_changed and self.isVisible():
            self.controller.set_tasks(self.tasks())    # the trainer's reference loss follows
        self._maybe_request(force=True)

    def set_settings(self, **changes) -> None:
        """Change settings as if by the controls (scripts and tests). `span` here is the
        worker's: a multiple of the directions' own scale; `set_span` takes a half-width."""
        s = dataclasses.replace(self.settings, **changes)
        self.landscape_controls.show_settings(s)
        self._settings_changed(s)

    def directions_scale(self) -> float | None:
        """The own scale (span 1) of the directions the next landscape uses, when known: that
        of the shown frame if it has the same run, kind and draw."""
        f = self.frame
        if f is None or self._info is None or f.run_gen != self._info.gen:
            return None
        if f.kind != self.settings.kind or f.epoch != self.epoch or not f.scale > 0:
            return None
        return float(f.scale)

    def set_span(self, half_width: float) -> None:
        """Draw the map from −half_width to +half_width in α and β (the Span box).

        The worker's span is a multiple of the directions' own scale (1 for normalised random
        directions; the path's extent, the Hessian width or ‖θ‖/‖δ‖ otherwise). Where that scale
        is not known yet (directions not computed), the last one is assumed and the span is
        corrected when the frame arrives."""
        half_width = float(half_width)
        if not (half_width > 0 and math.isfinite(half_width)):
            return
        scale = self.directions_scale()
        if scale is None and self.frame is not None and self.frame.scale > 0:
            scale = float(self.frame.scale)
        self.span_target = half_width
        self._span_tries = 0
        self._settings_changed(dataclasses.replace(self.settings,
                                                   span=half_width / (scale or 1.0)))

    def new_directions(self) -> None:
        self.epoch += 1
        self._maybe_request(force=True)

    def set_log(self, on: bool) -> None:
        self.log = bool(on)
        self.map.set_log(self.log)
        self.slice.set_log(self.log)
        with_signals = self.landscape_controls.log
        if with_signals.isChecked() != self.log:
            with_signals.blockSignals(True)
            with_signals.setChecked(self.log)
            with_signals.blockSignals(False)

    def set_same_scale(self, top: float | None) -> None:
        """Colour every map from 0 to `top` nats, the same in every run (None: each map over
        its own range). A view setting: kept across runs and presets, like the log scale."""
        self.same_top = float(top) if top is not None and top > 0 else None
        self.map.set_same_scale(self.same_top)
        if self.landscape_controls.same_top != self.same_top:
            self.landscape_controls.show_same_scale(self.same_top)

    def set_live(self, on: bool) -> None:
        self.live = bool(on)
        if on:
            self._maybe_request()

    # ---- requests ------------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        """A request is being computed (or queued) and has not been answered."""
        return bool(self._busy_rid)

    def _interval(self) -> float:
        if not self.controller.running:
            return 0.0
        return max(LIVE_INTERVAL, self._last_seconds / DUTY)

    def _maybe_request(self, force: bool = False) -> None:
        """Send the newest weights to the worker when it is free (and the throttle allows);
        `force`: now, cancelling whatever it is doing (the user changed something)."""
        if self._snap is None or self._info is None or self.closed:
            return        # closed: a late request (the span box losing focus) restarted the
                          # worker, and Qt aborted when the window was destroyed under it
        key = (self._info.gen, self._snap.step, self.settings, self.epoch)
        if not force:
            if key == self._last_key or self._busy_rid:
                return
            if self.controller.running and not self.live:
                return
            wait = self._interval() - (time.monotonic() - self._last_submit)
            if wait > 0:
                if not self._timer.isActive():
                    self._timer.start(int(1000 * wait) + 1)
                return
        self._timer.stop()
        self.watch_window()
        steps, rows = self.trajectory.view()
        req = LandscapeRequest(run_gen=self._info.gen, config=self._info.config,
                               dataset=self._info.dataset, snapshot=self._snap,
                               settings=self.settings, epoch=self.epoch, traj_steps=steps,
                               traj_rows=rows, same_top=self.same_top)
        self._busy_rid = self.worker.submit(req)
        self._last_key = key
        self._last_submit = time.monotonic()

    def _current(self, rid: int) -> bool:
        return rid == self.worker.latest

    def _on_frame(self, rid: int, frame) -> None:
        if not self._current(rid) or frame.run_gen != getattr(self._info, "gen", None):
            self.dropped += 1
            return
        self._busy_rid = 0
        self.frame = frame
        self.error = ""
        self.shown += 1
        self._last_seconds = frame.seconds
        if frame.kind != self.settings.kind:          # filter directions were zero: Hessian
            self.settings = dataclasses.replace(self.settings, kind=frame.kind)
            self.landscape_controls.show_settings(self.settings)
            self._last_key = (self._info.gen, frame.step, self.settings, self.epoch)
        self.landscape_controls.show_span(frame.span)  # the box shows what is drawn
        retry = self._span_retry(frame)
        self.map.show_progress(None)
        self.map.message = ""
        self.map.set_frame(frame)
        self.slice.set_frame(frame)
        if frame.curvature is not None:
            self.readout.set_report(frame.curvature)
        elif not self.settings.curvature:
            self.readout.clear("Curvature readout is off (tick it in the Landscape controls).")
        elif frame.curvature_note:
            self.readout.clear(frame.curvature_note)
        self._maybe_request(force=retry)

    def _span_retry(self, frame) -> bool:
        """A typed span drawn with a guessed scale: set the multiple from the frame's scale
        (the next request has it). True when a new request is due."""
        target = self.span_target
        if target is None:
            return False
        if math.isclose(frame.span, target, rel_tol=1e-6) or not frame.scale > 0 \
                or self._span_tries >= SPAN_RETRIES:
            self.span_target = None
            return False
        self._span_tries += 1
        self.settings = dataclasses.replace(self.settings, span=target / frame.scale)
        self.landscape_controls.show_settings(self.settings)
        return True

    def _on_curvature(self, rid: int, report) -> None:
        if self._current(rid):
            self.readout.set_report(report)

    def _on_failed(self, rid: int, message: str) -> None:
        if not self._current(rid):
            self.dropped += 1
            return
        self._busy_rid = 0
        self.error = message
        self.map.show_progress(None)
        self.map.set_message(f"No landscape: {message}")
        self._maybe_request()

    def _on_progress(self, rid: int, fraction: float, text: str) -> None:
        if self._current(rid):
            self.map.show_progress(fraction, text)
            if fraction == 0.0:
                self.map.set_message(f"Computing: {text}.")

    # ---- waiting, closing, export --------------------------------------------------------------
    def _settled(self) -> bool:
        last = self.controller.history.last
        if last is None or self._info is None:
            return True
        if self._busy_rid or self._timer.isActive():
            return False
        # A net that early stopping rolled back (the run may go on later, its patience raised)
        # is the best step's: its snapshots carry that step, as the loss plot knows.
        back = self.loss.rolled_back

        def current(step: int) -> bool:
            return step >= last.step or (back is not None and step == back)

        if self._snap is None or not current(self._snap.step):
            return False
        return bool(self.error) or (self.frame is not None and current(self.frame.step))

    def settle(self, timeout_s: float = SETTLE_S) -> bool:
        """Wait, processing events, until the newest weights' landscape is shown (or failed)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self._settled():
                return True
            QCoreApplication.processEvents(QEventLoop.AllEvents, 50)
            QThread.msleep(5)
        return self._settled()

    def shutdown(self) -> None:
        """Cancel and stop the analysis thread (it restarts on the next request)."""
        self._timer.stop()
        self._busy_rid = 0
        self.worker.stop()

    def threads_running(self) -> bool:
        return self.worker.isRunning()

    def export_npz(self, path: str) -> None:
        """Write the shown landscape with core's NPZ export (grid, directions, trajectory)."""
        from core.analysis.landscape_export import save_landscape_npz

        f = self.frame
        if f is None or f.result is None:
            raise ValueError("no landscape has been computed yet")
        n = f.result.theta.size
        steps, rows = self.trajectory.view()
        keep = [(s, r) for s, r in zip(steps, rows, strict=True) if s <= f.step and r.size == n]
        meta = {"source": "GradLab desktop app", "span": f.span, "epoch": f.epoch,
                "settings": dataclasses.asdict(f.settings),
                "config": self._info.config.to_dict() if self._info is not None else None}
        if keep:
            save_landscape_npz(path, f.result, np.array([s for s, _ in keep]),
                               np.stack([r for _, r in keep]), meta=meta)
        else:
            save_landscape_npz(path, f.result, meta=meta)
