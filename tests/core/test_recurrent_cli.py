"""`probe --json` and `run` for rnn, lstm and gru."""

from __future__ import annotations

import json

import numpy as np
import pytest

from core.cli.main import main

T, H = 9, 6


def _config(tmp_path, kind, **init):
    path = tmp_path / f"{kind}.json"
    path.write_text(json.dumps({
        "device": "cpu", "model": {"kind": kind, "width": H},
        "data": {"name": "adding", "seq_len": T, "n_train": 32, "n_test": 8},
        "init": {"scheme": "orthogonal", "spectral_radius": 0.8, **init},
        "optim": {"batch_size": 16}, "train": {"eval_every": 2}}))
    return str(path)


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
def test_probe_json_has_the_recurrent_measurements(tmp_path, capsys, kind):
    assert main(["probe", "--json", "--config", _config(tmp_path, kind)]) == 0
    rep = json.loads(capsys.readouterr().out)
    assert len(rep["grad_t"]) == T and all(g > 0 for g in rep["grad_t"])
    assert rep["spectral_radius"] == pytest.approx(0.8, abs=1e-6)
    ev = np.array(rep["eigenvalues"]["real"]) + 1j * np.array(rep["eigenvalues"]["imag"])
    assert ev.shape == (H,)
    np.testing.assert_allclose(np.abs(ev), 0.8, atol=1e-6)      # orthogonal: all on the circle
    np.testing.assert_allclose(rep["singular_values"], 0.8, atol=1e-6)
    if kind == "rnn":
        assert rep["gate_t"] is None
    else:
        assert len(rep["gate_t"]) == T


def test_probe_table_prints_the_radius(tmp_path, capsys):
    assert main(["probe", "--config", _config(tmp_path, "rnn")]) == 0
    assert "spectral radius of W_hh: 0.800000" in capsys.readouterr().out


def _run(tmp_path, kind):
    out = tmp_path / f"out_{kind}"
    assert main(["run", "--config", _config(tmp_path, kind), "--steps", "4", "--out",
                 str(out)]) == 0
    lines = (out / "metrics.jsonl").read_text().splitlines()
    assert len(lines) == 4
    rec = json.loads(lines[-1])
    assert len(rec["grad_t"]) == T
    assert (out / "session.gradlab").is_file()
    return rec


def test_run_works_for_a_vanilla_rnn(tmp_path):
    _run(tmp_path, "rnn")


@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_run_works_for_gated_nets(tmp_path, kind):
    rec = _run(tmp_path, kind)
    assert len(rec["gate_t"]) == T
