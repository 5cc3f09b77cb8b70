"""The Recurrent lab: spectral radius, eigenvalues against the unit circle, gradients through
time, and RNN vs LSTM vs GRU.

h_t = Wᵀh_(t−1) gives h_t = (Wᵀ)ᵗh_0, so components along eigenvalues inside the unit circle
shrink and those outside blow up, forwards and backwards in time. The ρ slider rescales W_hh
so that max|λ| = ρ exactly; the eigenvalue plot follows the slider before any training (a
cached spectrum, rescaled), and the trainer is rebuilt (debounced) as in the deep lab.
"""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QVBoxLayout, QWidget

from core.config import OPTIMIZERS, ExperimentConfig
from desktop_app.labs.base import Lab, plots_grid
from desktop_app.labs.shared_controls import CLIP_NORM, DEVICE, INIT_SCALE, LEARNING_RATE, SEED
from desktop_app.plots.rnn_gates import RnnGatePlot
from desktop_app.plots.rnn_grad_heatmap import RnnGradHeatmapPlot
from desktop_app.plots.rnn_grad_time import RnnGradTimePlot
from desktop_app.plots.rnn_loss import RnnLossPlot
from desktop_app.plots.rnn_spectrum import RnnSpectrumPlot
from desktop_app.plots.rnn_task import RECURRENT, Spectrum, recurrent_snapshot
from desktop_app.widgets.controls_panel import Control, ControlsPanel, tooltip
from desktop_app.widgets.rnn_compare import ComparePanel
from desktop_app.widgets.rnn_preview import SpectrumPreviewThread, base_key
from desktop_app.widgets.rnn_rho_slider import RhoSlider
from desktop_app.workers.messages import Task

RHO_KEY = "init.spectral_radius"
RHO_SECTION = "Recurrent matrix W_hh"
SCHEMES = (("orthogonal", "orthogonal"), ("identity", "identity (IRNN)"), ("normal", "normal"),
           ("xavier_normal", "xavier_normal"), ("xavier_uniform", "xavier_uniform"),
           ("he_normal", "he_normal"), ("lecun_normal", "lecun_normal"), ("uniform", "uniform"))
# Config keys that change the W_hh a trainer starts with (the eigenvalue preview follows them).
W_KEYS = frozenset({"model.kind", "model.width", "model.activation", "seed", "data.name"})
BLOCK_NOTE = {"lstm": ", block g (candidate)", "gru": ", block n (candidate)"}
CACHE = 16

SECTIONS = [
    ("Recurrent network", [
        Control("model.kind", "Kind", "choice",
                choices=(("rnn", "vanilla RNN"), ("lstm", "LSTM"), ("gru", "GRU"))),
        Control("model.activation", "RNN activation φ", "choice",
                choices=(("tanh", "tanh"), ("relu", "relu"), ("linear", "linear (no φ)"))),
        Control("model.width", "Hidden width H", "log", 2, 512),
    ]),
    (RHO_SECTION, [
        Control("init.scheme", "Init scheme", "choice", choices=SCHEMES),
        INIT_SCALE,
        Control("init.forget_bias", "LSTM forget bias", "float", -5.0, 10.0, decimals=1),
    ]),
    ("Task", [
        Control("data.name", "Task", "choice",
                choices=(("adding", "adding problem"), ("copy", "copy after a delay"))),
        Control("data.seq_len", "Sequence length T", "int", 5, 500),
        Control("data.copy_symbols", "Copy: symbols", "int", 1, 10),
        Control("data.n_train", "Train sequences", "log", 16, 20000),
    ]),
    ("Optimizer", [
        Control("optim.name", "Optimizer", "choice", choices=tuple((o, o) for o in OPTIMIZERS)),
        LEARNING_RATE,
        CLIP_NORM,
        Control("optim.batch_size", "Batch size", "log", 1, 1024),
        SEED,
        DEVICE,
    ]),
]

LESSON_TEXT = (
    "<p>A recurrent net applies the same W_hh at every step: hₜ = Wᵀhₜ₋₁ gives "
    "hₜ = (Wᵀ)ᵗh₀. Components along eigenvalues inside the unit circle shrink like |λ|ᵗ, those "
    "outside grow — and the gradient flowing back through time does the same.</p>"
    "<p><b>Try:</b> drag <i>Spectral radius ρ</i> and watch the eigenvalues cross the unit "
    "circle before any training. With <i>RNN activation</i> linear and the orthogonal scheme, "
    "‖∂L/∂hₜ‖ lies exactly on the dashed ρ₀ᵀ⁻ᵗ line (ρ₀: the spectral radius at step 0); "
    "with tanh it falls faster. Then switch "
    "<i>Kind</i> to LSTM with forget bias 3, or press <i>Compare RNN · LSTM · GRU</i>.</p>"
    "<p>Presets (menu <i>Presets → Recurrent</i>) set up each effect with an explanation.</p>")


def recurrent_default() -> ExperimentConfig:
    """The vanishing-gradient preset's config (a tanh RNN at ρ = 0.9), or the same by hand."""
    from core.errors import GradLabError
    from core.presets import load_preset

    try:
        return load_preset("rnn_vanishing").config
    except (GradLabError, OSError):
        from core.presets import config_from_partial

        return config_from_partial({
            "model": {"kind": "rnn", "width": 32, "activation": "tanh"},
            "data": {"name": "adding", "seq_len": 50, "n_train": 1024, "n_test": 256},
            "init": {"scheme": "orthogonal", "spectral_radius": 0.9},
            "optim": {"name": "adam", "lr": 0.01, "batch_size": 64}})


def scaled_spectrum(base: dict, cfg) -> Spectrum:
    """A cached spectrum at the scheme's own radius, rescaled to cfg's ρ (0: left as it is)."""
    from core.analysis.recurrent_series import rescale_spectrum

    r = cfg.init.spectral_radius
    return Spectrum.from_dict(rescale_spectrum(base, r) if r > 0 else base)


class RecurrentLab(Lab):
    name = "recurrent"
    title = "Recurrent"
    lesson_title = "Why recurrent networks are hard to train"
    lesson_text = LESSON_TEXT

    def __init__(self, state, controller, theme, parent=None):
        super().__init__(state, controller, theme, parent)
        self._base: dict = {}             # base_key → spectrum dict at the scheme's own radius
        self._pending = False             # W-relevant config changed since the run was built
        self._spec0 = None                # Spectrum of the current run at step 0
        self.preview_thread = SpectrumPreviewThread(self)
        self.preview_thread.done.connect(self._preview_done)
        # Requests wait for the next event-loop turn: the window paints before the thread
        # imports torch (start-up), and the requests of one turn are sent as one.
        self._preview_timer = QTimer(self, singleShot=True, interval=0)
        self._preview_timer.timeout.connect(self._request_preview)
        self.compare.curves.connect(self._compare_curves)
        self.compare.started.connect(self.loss.show_comparison)
        self.compare.started.connect(self.watch_window)
        self.shutdown_on_quit()
        cfg = state.config
        self.loss.set_clip(cfg.optim.clip_norm)
        if self.accepts(cfg):
            self._pending = True
            self._update_preview(cfg)

    # ---- building ---------------------------------------------------------------------------
    def build_controls(self) -> QWidget:
        self.controls_panel = ControlsPanel(self.state, SECTIONS)
        self.controls_panel.setMinimumWidth(300)
        self.rho = RhoSlider()
        self.rho.setToolTip(tooltip(RHO_KEY) + "\nFine steps near 1; leftmost: the scheme's own "
                            "radius (no rescaling). The eigenvalue plot follows at once.")
        self.rho.valueChanged.connect(lambda v: self.state.set_value(RHO_KEY, float(v)))
        self.controls_panel.insert_row(RHO_SECTION, 1, RHO_KEY, "Spectral radius ρ", self.rho)
        backend = getattr(self.controller.thread, "backend", "thread")
        self.compare = ComparePanel(self.state, backend_fn=lambda: backend)
        w = QWidget()
        lay = QVBoxLayout(w)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        lay.addWidget(self.controls_panel)
        cl = QVBoxLayout()
        cl.setContentsMargins(4, 0, 4, 4)
        cl.addWidget(self.compare)
        lay.addLayout(cl)
        lay.addStretch(1)
        return w

    def build_plots(self) -> QWidget:
        t = self.theme
        self.spectrum = RnnSpectrumPlot(t)
        self.grad_time = RnnGradTimePlot(t)
        self.heatmap = RnnGradHeatmapPlot(t)
        self.gates = RnnGatePlot(t)
        self.loss = RnnLossPlot(t)
        return plots_grid([[self.spectrum, self.grad_time, self.heatmap],
                           [self.gates, self.loss, self.lesson]])

    def panels(self) -> list:
        return [self.spectrum, self.grad_time, self.heatmap, self.gates, self.loss]

    def tasks(self) -> list:
        return [Task("recurrent", recurrent_snapshot, min_interval=0.3, max_share=0.1)]

    def accepts(self, cfg: ExperimentConfig) -> bool:
        return cfg.model.kind in RECURRENT

    def default_config(self) -> ExperimentConfig:
        return recurrent_default()

    # ---- the eigenvalue preview ---------------------------------------------------------------
    def _update_preview(self, cfg) -> None:
        """Show W_hh's eigenvalues for `cfg` now if its unscaled spectrum is cached, else ask
        the preview thread on the next event-loop turn (the cached result is rescaled to the
        slider's ρ)."""
        base = self._base.get(base_key(cfg))
        if base is not None:
            self._show_preview(base, cfg)
        else:
            self._preview_timer.start()

    def _request_preview(self) -> None:
        cfg = self.state.config              # the newest config wins
        key = base_key(cfg)
        if self.accepts(cfg) and key not in self._base:
            self.watch_window()
            self.preview_thread.request(key, cfg)

    def _show_preview(self, base: dict, cfg) -> None:
        self.spectrum.set_spectrum(scaled_spectrum(base, cfg), "Before training (preview)", None,
                                   BLOCK_NOTE.get(cfg.model.kind, ""))

    def _preview_done(self, key, spec, error: str) -> None:
        cfg = self.state.config
        if spec is not None:
            self._base[key] = spec
            while len(self._base) > CACHE:
                self._base.pop(next(iter(self._base)))
        if not self.accepts(cfg) or base_key(cfg) != key or not self._pending:
            return
        if spec is not None:
            self._show_preview(spec, cfg)
        else:
            self.spectrum.set_error(f"No preview for this initialization ({error}); the "
                                    "eigenvalues appear once the network is built.")

    # ---- called by the window -------------------------------------------------------------------
    def set_config(self, cfg, keys) -> None:
        self.loss.set_clip(cfg.optim.clip_norm)
        if not self.accepts(cfg):
            return
        if not keys or RHO_KEY in keys or any(k in W_KEYS or k.startswith("init.") for k in keys):
            self._pending = True
            self._update_preview(cfg)

    def set_preset(self, preset) -> None:
        self.lesson.set_preset(preset if preset is None or preset.lab == self.name else None)

    def start_run(self, info, history) -> None:
        self.offer_devices(info)
        super().start_run(info, history)
        cfg = info.config
        self._spec0 = None
        if not self.accepts(cfg):
            return
        self._pending = False
        base = self._base.get(base_key(cfg))
        if base is not None:
            self._spec0 = scaled_spectrum(base, cfg)
            self.grad_time.add_radius(0, self._spec0.radius)
            # Shown at once: until the first snapshot arrives the panel still held the last
            # run's eigenvalues (after a Reset, a diverged run's, drawn on the view's edge).
            self.spectrum.set_spectrum(self._spec0, "Step 0", None,
                                       BLOCK_NOTE.get(cfg.model.kind, ""))
        else:
            self.spectrum.set_spectrum(None, "")     # waiting for the new network's W_hh

    def on_task(self, name, payload) -> None:
        if name != "recurrent" or payload is None:
            return
        snap = payload
        self.gates.set_snapshot(snap)
        spec = snap.spectrum
        if spec is None:
            self.spectrum.set_error(f"At step {snap.step} W_hh is no longer finite (the run "
                                    "diverged): showing the last finite spectrum.")
            return
        if snap.step == 0:
            self._spec0 = spec
        # ρ of W_hh after that many updates: a rolled-back W_hh is the best step's.
        after = snap.step if snap.rolled_back is None else snap.rolled_back
        self.grad_time.add_radius(after, spec.radius)
        if self._pending:
            return                        # the slider's preview wins until the rebuild arrives
        moved = self._spec0 if snap.step > 0 else None
        label = (f"Step {snap.step}" if snap.rolled_back is None else
                 f"Step {snap.step}, rolled back to step {snap.rolled_back}")
        self.spectrum.set_spectrum(spec, label, moved, BLOCK_NOTE.get(snap.kind, ""))

    def apply_theme(self, theme) -> None:
        super().apply_theme(theme)
        self.compare.label.setStyleSheet(f"color: {theme.muted};")

    # ---- threads ---------------------------------------------------------------------------
    def _compare_curves(self, curves, running: bool) -> None:
        self.loss.set_comparison(curves, running, self.compare.status_text)

    def showEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().showEvent(event)
        self.watch_window()

    def threads_running(self) -> bool:
        t = self.compare.thread
        return self.preview_thread.isRunning() or (t is not None and t.isRunning())

    def shutdown(self) -> bool:
        """Cancel the comparison and stop the preview thread; True when both have stopped."""
        self._preview_timer.stop()
        ok = self.compare.shutdown()
        return self.preview_thread.stop() and ok
