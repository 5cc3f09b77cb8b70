"""The eigenvalue preview before any training: W_hh's spectrum as a config would build it.

`initial_spectrum(cfg)` draws the same matrix a trainer would (10–30 ms at H = 64, ~1 s at
H = 1024, and the first call imports torch), so it runs in this thread with "latest request
wins". It is computed at the scheme's own radius (init.spectral_radius = 0) and cached; the
ρ slider then only rescales it (`rescale_spectrum`, microseconds) in the GUI thread.
"""

from __future__ import annotations

import queue

from PySide6.QtCore import QThread, Signal

IDLE_POLL = 0.2


def base_key(cfg) -> tuple:
    """Everything that decides the unscaled W_hh a trainer starts with."""
    m, i = cfg.model, cfg.init
    return (m.kind, m.width, m.activation, i.scheme, i.scale, i.bias_std, i.forget_bias,
            cfg.seed, cfg.data.name)


class SpectrumPreviewThread(QThread):
    """request(key, cfg) → done(key, spectrum dict or None, error text)."""

    done = Signal(object, object, str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("GradLabSpectrumPreview")
        self._q: queue.SimpleQueue = queue.SimpleQueue()

    def request(self, key, cfg) -> None:
        self._q.put((key, cfg))
        if not self.isRunning():
            self.start()

    def stop(self, timeout_ms: int = 5000) -> bool:
        if not self.isRunning():
            return True
        self.requestInterruption()
        self._q.put(None)
        return self.wait(timeout_ms)

    def run(self) -> None:
        while not self.isInterruptionRequested():
            try:
                item = self._q.get(timeout=IDLE_POLL)
            except queue.Empty:
                continue
            while True:                   # only the latest request matters (a dragged slider)
                try:
                    item = self._q.get_nowait()
                except queue.Empty:
                    break
            if item is None:
                return
            key, cfg = item
            try:
                import torch

                torch.set_num_threads(1)
                from core.analysis.recurrent import initial_spectrum

                spec = initial_spectrum(cfg.with_value("init.spectral_radius", 0.0))
                self.done.emit(key, spec, "")
            except Exception as e:   # e.g. a scheme that needs data (LSUV): say so, keep going
                self.done.emit(key, None, f"{type(e).__name__}: {e}")
