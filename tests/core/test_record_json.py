"""StepRecord.to_json, what metrics.jsonl holds: valid JSON, overflow told apart from 'not
measured' (it wrote ±1e308 for ±Inf, a number that was never measured)."""

import json
import math

import numpy as np

from core.cli.main import main
from core.training.record import StepRecord


def _strict(text: str):
    def refuse(name):
        raise ValueError(f"not JSON: {name}")
    return json.loads(text, parse_constant=refuse)


def test_inf_and_nan_become_null_and_inf_is_named():
    rec = StepRecord(step=3, loss=math.inf, train_acc=math.nan, lr=0.1, grad_norm=2.0,
                     clipped=False, finite=False, grad_h=np.array([1.0, np.inf, np.nan]),
                     act_std=np.array([-np.inf, 0.5]))
    d = _strict(json.dumps(rec.to_json(), allow_nan=False))
    assert d["loss"] is None and d["train_acc"] is None and d["grad_norm"] == 2.0
    assert d["grad_h"] == [1.0, None, None] and d["act_std"] == [None, 0.5]
    assert d["infinite"] == ["loss", "grad_h", "act_std"]      # NaN is 'not measured'


def test_a_finite_record_has_no_infinite_key():
    rec = StepRecord(step=1, loss=0.5, train_acc=0.5, lr=0.1, grad_norm=1.0, clipped=False,
                     finite=True, grad_h=np.array([1.0, 2.0]))
    assert "infinite" not in rec.to_json()


def test_metrics_of_a_diverging_run_are_strict_json(tmp_path, capsys):
    out = tmp_path / "run"
    main(["run", "--preset", "exploding_init", "--steps", "20", "--out", str(out)])
    lines = (out / "metrics.jsonl").read_text().splitlines()
    assert lines
    records = [_strict(line) for line in lines]
    assert records[-1]["finite"] is False
