"""Spectra of the recurrent weight matrix W_hh.

For LSTM and GRU, W_hh stacks one block per gate; the block reported is the one feeding the cell's
tanh candidate (LSTM g, GRU n), whose eigenvalues govern the memory path like a vanilla RNN's.
"""

from __future__ import annotations

import numpy as np
import torch

BLOCK = {"rnn": 0, "lstm": 2, "gru": 2}


def recurrent_matrix(model) -> np.ndarray:
    """The (hidden × hidden) recurrent block as float64 numpy."""
    h = model.cell.hidden
    i = BLOCK[model.kind]
    return model.cell.weight_hh.detach()[i * h:(i + 1) * h].to(torch.float64).cpu().numpy()


def spectrum(model) -> dict:
    """spectral_radius, eigenvalues (real, imag) and singular values of W_hh, JSON-ready."""
    w = recurrent_matrix(model)
    ev = np.linalg.eigvals(w)
    sv = np.linalg.svd(w, compute_uv=False)
    return {"spectral_radius": float(np.abs(ev).max()),
            "eigenvalues": {"real": ev.real.tolist(), "imag": ev.imag.tolist()},
            "singular_values": sv.tolist()}
