"""The recurrent lab's measurements: spectra of W_hh, gradients through time, gates, clipping.

Every function is cheap enough to call from a live GUI (milliseconds for the default sizes;
the costly ones say so) and returns plain numpy arrays or JSON-ready dicts. None changes the
model, but they read its live parameters: call them between two training steps, or on a copy
(`copy.deepcopy(trainer.model)`) when another thread is training.

For LSTM and GRU, W_hh stacks one (H × H) block per gate in torch's order (LSTM i, f, g, o;
GRU r, z, n). The block reported by default is the one feeding the cell's tanh candidate
(LSTM g, GRU n), whose eigenvalues govern the memory path like a vanilla RNN's; the
initialization gives every block the configured spectral radius on its own.

Conventions: h_t = φ(W_hh h_(t−1) + W_ih x_t + b), so the theory's h_t = Wᵀ h_(t−1) has
W = W_hhᵀ (same eigenvalues and singular values). `grad_t[k]` is ‖∂L/∂h_(k+1)‖ for k = 0..T−1.
"""

from __future__ import annotations

import numpy as np
import torch

from core.analysis.recurrent_series import (  # noqa: F401  (re-exported: the lab's API)
    clipped_curve,
    clipped_steps,
    decay_rate,
    grad_t_heatmap,
    linear_prediction,
    log10_clean,
    matrix_spectrum,
    per_step_factors,
    rescale_spectrum,
)

BLOCK = {"rnn": 0, "lstm": 2, "gru": 2}
GATE_NAMES = {"rnn": ("h",), "lstm": ("i", "f", "g", "o"), "gru": ("r", "z", "n")}
# The gate the model captures per step (Capture.gates): the one that keeps memory when near 1.
MEMORY_GATE = {"lstm": "forget gate f_t (1 = keep c_(t−1))",
               "gru": "update gate z_t (1 = keep h_(t−1))"}


# ---- spectrum of W_hh ------------------------------------------------------------------------
def _block_index(model, block: str | None) -> int:
    if block is None:
        return BLOCK[model.kind]
    names = GATE_NAMES[model.kind]
    if block not in names:
        raise ValueError(f"{model.kind} has W_hh blocks {list(names)}, not {block!r}")
    return names.index(block)


def recurrent_matrix(model, block: str | None = None) -> np.ndarray:
    """One (H × H) block of W_hh as float64 numpy (default: the candidate block, see BLOCK)."""
    h = model.cell.hidden
    i = _block_index(model, block)
    return model.cell.weight_hh.detach()[i * h:(i + 1) * h].to(torch.float64).cpu().numpy()


def spectrum(model, block: str | None = None) -> dict:
    """matrix_spectrum of a W_hh block (default: the candidate block). O(H³): ~5 ms at H = 128."""
    return matrix_spectrum(recurrent_matrix(model, block))


def initial_recurrent_matrix(cfg, block: str | None = None) -> np.ndarray:
    """The W_hh block a Trainer built from `cfg` starts with, without building data or a trainer.

    Same generator, same order of draws as Trainer → initialize, so it is the same matrix."""
    from core.config import RECURRENT_KINDS
    from core.data.sequences import COPY_ALPHABET
    from core.init.apply import initialize
    from core.models.recurrent import RecurrentNet

    m = cfg.model
    if m.kind not in RECURRENT_KINDS:
        raise ValueError(f"model.kind {m.kind!r} has no recurrent matrix")
    in_dim = 2 if cfg.data.name == "adding" else COPY_ALPHABET + 2
    model = RecurrentNet(m.kind, in_dim, 1, m.width, m.activation, 1)
    initialize(model, cfg.init, torch.Generator().manual_seed(cfg.seed))
    return recurrent_matrix(model, block)


def initial_spectrum(cfg, block: str | None = None) -> dict:
    """matrix_spectrum of `initial_recurrent_matrix(cfg)`: the eigenvalue plot before training.
    About 10 ms at H = 64, 1 s at H = 1024 (an LSTM initialises four blocks)."""
    return matrix_spectrum(initial_recurrent_matrix(cfg, block))


# ---- gates over time -------------------------------------------------------------------------
@torch.no_grad()
def _gates(model, x_batch: torch.Tensor) -> torch.Tensor | None:
    """(T, B, H) memory gate of one no-grad forward pass (the net has no train/eval-dependent
    layers, so the model's mode is left alone: safe beside a training thread's flags)."""
    from core.models.capture import Capture

    if model.kind not in MEMORY_GATE:
        return None
    cap = Capture(track_grad=False)
    model(x_batch, cap)
    return torch.stack(cap.gates).to(torch.float64)


def gate_activity(model, x_batch: torch.Tensor) -> np.ndarray | None:
    """Memory gate per step and unit, averaged over the batch: (T, H) float64, None for a vanilla
    RNN. LSTM: forget gate f_t; GRU: update gate z_t (see MEMORY_GATE). One forward pass."""
    g = _gates(model, x_batch)
    return None if g is None else g.mean(1).cpu().numpy()


def gate_percentiles(model, x_batch: torch.Tensor,
                     q: tuple[float, ...] = (10.0, 25.0, 50.0, 75.0, 90.0)) -> np.ndarray | None:
    """Percentiles q of the memory gate over batch × units at every step: (T, len(q)), or None.
    Together with the per-step mean (StepRecord.gate_t) it shows how many units are open."""
    g = _gates(model, x_batch)
    if g is None:
        return None
    return np.percentile(g.flatten(1).cpu().numpy(), q, axis=1).T
