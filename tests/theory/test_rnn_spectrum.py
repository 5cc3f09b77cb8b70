"""init.spectral_radius sets max|λ(W_hh)| exactly, and a saved session keeps it exactly.

The radius is recomputed here independently (numpy's float64 eigenvalues of the float32 weights
as the model holds them), for every gate block of W_hh, not only the one the lab plots.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from core.analysis.recurrent import (
    initial_recurrent_matrix,
    initial_spectrum,
    recurrent_matrix,
    spectrum,
)
from core.presets import config_from_partial
from core.sessions import load_session, save_session
from core.training.history import History
from core.training.snapshot import session_from_trainer, trainer_from_session
from core.training.trainer import Trainer

TOL = 1e-6


def _cfg(kind, scheme, rho, width=24, seed=0, activation="tanh", **extra):
    d = {"seed": seed, "device": "cpu",
         "model": {"kind": kind, "width": width, "activation": activation},
         "data": {"name": "adding", "seq_len": 6, "n_train": 16, "n_test": 8},
         "init": {"scheme": scheme, "spectral_radius": rho}}
    for k, v in extra.items():
        d[k] = {**d.get(k, {}), **v}
    return config_from_partial(d)


def _block_radii(weight_hh: torch.Tensor, hidden: int) -> list[float]:
    w = weight_hh.detach().double().cpu().numpy()
    return [float(np.abs(np.linalg.eigvals(b)).max()) for b in np.split(w, len(w) // hidden)]


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("scheme", ["normal", "orthogonal", "identity", "xavier_uniform"])
@pytest.mark.parametrize("rho", [0.5, 1.1, 2.5])
def test_radius_exact_after_init(kind, scheme, rho):
    tr = Trainer(_cfg(kind, scheme, rho, width=24, seed=3))
    radii = _block_radii(tr.model.cell.weight_hh, 24)
    assert len(radii) == {"rnn": 1, "lstm": 4, "gru": 3}[kind]
    assert max(abs(r - rho) for r in radii) < TOL
    assert abs(spectrum(tr.model)["spectral_radius"] - rho) < TOL


def test_radius_exact_for_a_wide_gaussian_matrix():
    """Non-normal Gaussian W at H = 256: float32 rounding of the rescaled W moves λ by ~1e-8."""
    tr = Trainer(_cfg("rnn", "normal", 1.1, width=256, seed=5))
    assert abs(_block_radii(tr.model.cell.weight_hh, 256)[0] - 1.1) < TOL


@pytest.mark.parametrize("kind,scheme,rho", [("rnn", "normal", 1.1), ("lstm", "orthogonal", 0.9),
                                             ("gru", "he_normal", 1.7)])
def test_radius_exact_after_session_round_trip(tmp_path, kind, scheme, rho):
    tr = Trainer(_cfg(kind, scheme, rho, width=32, seed=11))
    path = tmp_path / "run.gradlab"
    save_session(path, session_from_trainer(tr, History()))
    data = load_session(path)
    h = data.config.model.width
    assert data.config.init.spectral_radius == rho
    assert max(abs(r - rho) for r in _block_radii(data.model_state["cell.weight_hh"], h)) < TOL
    # The saved tensor is bit-identical, and a trainer resumed from it has the same radius.
    assert torch.equal(data.model_state["cell.weight_hh"], tr.model.cell.weight_hh.detach())
    back = trainer_from_session(data, device="cpu")
    assert max(abs(r - rho) for r in _block_radii(back.model.cell.weight_hh, h)) < TOL


def test_orthogonal_has_all_eigenvalues_on_the_circle_and_unit_singular_values():
    tr = Trainer(_cfg("rnn", "orthogonal", 1.0, width=32))
    s = spectrum(tr.model)
    ev = np.array(s["eigenvalues"]["real"]) + 1j * np.array(s["eigenvalues"]["imag"])
    np.testing.assert_allclose(np.abs(ev), 1.0, atol=1e-6)
    np.testing.assert_allclose(s["singular_values"], 1.0, atol=1e-6)


def test_gaussian_norm_exceeds_radius():
    """Non-normal W: ‖W‖_2 (largest singular value) ≈ 2ρ for a Gaussian matrix, not ρ."""
    tr = Trainer(_cfg("rnn", "normal", 1.0, width=128))
    s = spectrum(tr.model)
    assert 1.7 < s["singular_values"][0] / s["spectral_radius"] < 2.3


def test_identity_irnn_is_rho_times_identity():
    tr = Trainer(_cfg("rnn", "identity", 1.0, width=8, activation="relu"))
    np.testing.assert_array_equal(tr.model.cell.weight_hh.detach().numpy(), np.eye(8))


def test_lstm_forget_bias_is_set():
    tr = Trainer(_cfg("lstm", "xavier_normal", 0.0, width=8, init={"forget_bias": 3.0}))
    c = tr.model.cell
    b = (c.bias_ih + c.bias_hh).detach().numpy()
    np.testing.assert_array_equal(b[8:16], 3.0)      # gate order i, f, g, o: f is block 1
    np.testing.assert_array_equal(np.delete(b, np.s_[8:16]), 0.0)


@pytest.mark.parametrize("kind,scheme,rho", [("rnn", "normal", 0.0), ("lstm", "orthogonal", 1.3),
                                             ("gru", "xavier_normal", 0.8)])
def test_preview_matches_the_trainer(kind, scheme, rho):
    """initial_spectrum (what the slider shows before training) is the trainer's exact matrix."""
    cfg = _cfg(kind, scheme, rho, width=16, seed=4)
    tr = Trainer(cfg)
    np.testing.assert_array_equal(initial_recurrent_matrix(cfg), recurrent_matrix(tr.model))
    assert initial_spectrum(cfg)["spectral_radius"] == pytest.approx(
        spectrum(tr.model)["spectral_radius"], abs=1e-12)
