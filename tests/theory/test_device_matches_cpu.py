"""The accelerator path against the CPU: `probe` and a 200-step `run` give the same numbers.

Runs where a CUDA GPU is (skipped elsewhere). GRADLAB_CHECK_DEVICE picks another device to
compare with the CPU (`mps`, or `cpu` to try this file on any machine). Data, initial weights
and batch order are drawn on the CPU in both runs, so only float32 rounding (another summation
order on the GPU) separates them; a wrong transfer, layer order or device mix-up would not
be within these tolerances.

    python -m pytest tests/theory/test_device_matches_cpu.py -v
"""

import json
import os

import numpy as np
import pytest
import torch

from core.cli.main import main

DEVICE = os.environ.get("GRADLAB_CHECK_DEVICE", "cuda")
AVAILABLE = {"cuda": torch.cuda.is_available(), "cpu": True,
             "mps": getattr(torch.backends, "mps", None) is not None
             and torch.backends.mps.is_available()}
pytestmark = pytest.mark.skipif(not AVAILABLE.get(DEVICE, False),
                                reason=f"no {DEVICE} device on this machine")

PROBE_PRESETS = ["vanishing_sigmoid", "fixed_he_init", "dying_relu", "rnn_vanishing",
                 "lstm_long_delay", "gru_long_delay"]
# Per-layer or per-step arrays the probe prints; every one is compared.
FIELDS = ("grad_h", "grad_w", "act_mean", "act_std", "saturated", "dead", "fprime_mean",
          "meanfield_grad_h", "grad_t", "spectral_radius", "singular_values")


def _probe(preset: str, device: str, capsys) -> dict:
    assert main(["probe", "--preset", preset, "--set", f"device={device}", "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def _close(a, b, rtol, what):
    a, b = (np.asarray(v, dtype=np.float64) for v in (a, b))
    assert a.shape == b.shape, what
    finite = np.abs(b[np.isfinite(b)])
    scale = finite.max() if finite.size else 1.0
    np.testing.assert_allclose(a, b, rtol=rtol, atol=1e-6 * scale, equal_nan=True, err_msg=what)


@pytest.mark.parametrize("preset", PROBE_PRESETS)
def test_probe_matches_cpu(preset, capsys):
    got, want = _probe(preset, DEVICE, capsys), _probe(preset, "cpu", capsys)
    assert got["device"].startswith(DEVICE) and want["device"] == "cpu"
    compared = [f for f in FIELDS if f in want and want[f] is not None]
    assert "grad_h" in compared
    for f in compared:
        if f in ("saturated", "dead"):   # shares of ~2 048 values: one value flips by 5e-4
            np.testing.assert_allclose(np.asarray(got[f], dtype=float),
                                       np.asarray(want[f], dtype=float), atol=2e-3,
                                       equal_nan=True, err_msg=f"{preset}: {f}")
        else:
            _close(got[f], want[f], 1e-3, f"{preset}: {f}")


@pytest.mark.parametrize("preset", ["fixed_he_init", "rnn_orthogonal"])
def test_200_step_run_matches_cpu(preset, tmp_path, capsys):
    runs = {}
    for device in (DEVICE, "cpu"):
        out = tmp_path / device
        assert main(["run", "--preset", preset, "--set", f"device={device}", "--steps", "200",
                     "--out", str(out)]) == 0
        runs[device] = [json.loads(line) for line in
                        (out / "metrics.jsonl").read_text().splitlines()]
    got, want = runs[DEVICE], runs["cpu"]
    assert len(got) == len(want) == 200
    _close([r["loss"] for r in got], [r["loss"] for r in want], 1e-2, f"{preset}: loss")
    _close(got[-1]["grad_h"], want[-1]["grad_h"], 5e-2, f"{preset}: grad_h at step 200")
    _close(got[-1]["update_ratio"], want[-1]["update_ratio"], 5e-2, f"{preset}: update_ratio")
