"""The recurrent lab's Task, run in the training thread between steps: the current W_hh
spectrum and the memory gate per time step and unit. Qt-free, so the training process can
unpickle it without loading Qt; everything it returns is numpy (never a tensor)."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import numpy as np

GATE_BATCH = 64          # training sequences the gate heatmap averages over
JAC_BATCH = 16           # sequences the step-Jacobian norms average over (vanilla RNN)
JAC_BUDGET = 2e7         # skip the Jacobians when batch·(T−1)·H² would exceed this many floats
GATE_PCT = (10.0, 90.0)  # percentiles of the memory gate: a few units opening shows in the 90th
RECURRENT = ("rnn", "lstm", "gru")


@dataclass(frozen=True)
class Spectrum:
    """Eigenvalues and singular values of one W_hh block, as plain arrays."""

    radius: float
    real: np.ndarray
    imag: np.ndarray
    singular: np.ndarray       # descending

    @classmethod
    def from_dict(cls, spec: dict) -> Spectrum:
        """From core.analysis.recurrent's JSON-ready dict (spectrum, rescale_spectrum, …)."""
        ev = spec["eigenvalues"]
        return cls(float(spec["spectral_radius"]), np.asarray(ev["real"], dtype=np.float64),
                   np.asarray(ev["imag"], dtype=np.float64),
                   np.asarray(spec["singular_values"], dtype=np.float64))

    @property
    def norm2(self) -> float:
        """‖W‖₂ = the largest singular value (the norm bound, ≥ ρ)."""
        return float(self.singular[0]) if len(self.singular) else float("nan")


@dataclass(frozen=True)
class RecurrentSnapshot:
    step: int
    kind: str
    spectrum: Spectrum | None      # None when W_hh is not finite (a diverged run)
    gates: np.ndarray | None       # (T, H) memory gate, mean over GATE_BATCH sequences
    gate_name: str                 # "forget gate f_t …" / "update gate z_t …" / ""
    jac: np.ndarray | None = None  # (T−1,) rms ‖∂h_t/∂h_(t−1)‖ of a vanilla RNN, t = 2..T
    gate_pct: np.ndarray | None = None  # (len(GATE_PCT),) gate percentiles over batch × units,
                                        # averaged over time steps
    rolled_back: int | None = None  # early stopping rolled the net back to this step's weights


def recurrent_snapshot(trainer) -> RecurrentSnapshot | None:
    """Spectrum of the candidate block of W_hh and the memory-gate heatmap (LSTM forget gate,
    GRU update gate) of the live model; None for a non-recurrent net."""
    model = trainer.model
    kind = getattr(model, "kind", "mlp")
    if kind not in RECURRENT:
        return None
    import torch

    from core.analysis.recurrent import MEMORY_GATE, gate_activity, gate_percentiles, spectrum

    step = int(trainer.step_count)
    spec = None
    with contextlib.suppress(np.linalg.LinAlgError, ValueError):   # Inf/NaN W after a divergence
        spec = Spectrum.from_dict(spectrum(model))
    gates = jac = pct = None
    x = torch.as_tensor(np.ascontiguousarray(trainer.dataset.x_train[:GATE_BATCH]))
    x = x.to(trainer.device)
    if kind in MEMORY_GATE:
        g = gate_activity(model, x)
        if g is not None:
            gates = np.asarray(g, dtype=np.float64)
        q = gate_percentiles(model, x, GATE_PCT)
        if q is not None:
            pct = np.asarray(q, dtype=np.float64).mean(axis=0)
    else:
        from core.analysis.recurrent_jacobian import step_jacobian_norms

        b, t = min(JAC_BATCH, x.shape[0]), x.shape[1]
        h = model.cell.hidden
        if t >= 2 and b * (t - 1) * h * h <= JAC_BUDGET:
            with contextlib.suppress(RuntimeError, ValueError):
                jac = np.asarray(step_jacobian_norms(model, x, max_batch=JAC_BATCH),
                                 dtype=np.float64)
    return RecurrentSnapshot(step, kind, spec, gates, MEMORY_GATE.get(kind, ""), jac, pct,
                             trainer.rolled_back)
