"""History: columns, per-layer matrices, growth, shape checks and an exact array round trip."""

import math

import numpy as np
import pytest

from core.training.history import History
from core.training.record import ARRAY_FIELDS, PERCENTILES, Divergence, StepRecord

L, T, P = 3, 5, len(PERCENTILES)


def rec(step, probed=True, layers=L, **kw):
    """A record whose values encode its step, so mix-ups show."""
    arrays = {}
    if probed:
        arrays = {f: np.full(layers, step + i / 10) for i, f in enumerate(ARRAY_FIELDS)}
        arrays["pre_pct"] = np.full((layers, P), -step, dtype=float)
        arrays["act_pct"] = np.arange(layers * P, dtype=float).reshape(layers, P) + step
        arrays["grad_t"] = np.linspace(0, step, T)
    base = dict(step=step, loss=1.0 / step, train_acc=0.5, lr=0.1, grad_norm=float(step),
                clipped=step % 2 == 0, finite=True, probed=probed)
    return StepRecord(**{**base, **arrays, **kw})


def same(a: StepRecord, b: StepRecord) -> bool:
    for f in a.__dataclass_fields__:
        x, y = getattr(a, f), getattr(b, f)
        if isinstance(x, np.ndarray) or isinstance(y, np.ndarray):
            if x is None or y is None or not np.array_equal(x, y, equal_nan=True):
                return False
        elif isinstance(x, float) and math.isnan(x):
            if not (isinstance(y, float) and math.isnan(y)):
                return False
        elif x != y or type(x) is not type(y):
            return False
    return True


def test_columns_and_last():
    h = History()
    assert len(h) == 0 and h.last is None and h.divergence is None
    h.extend(rec(s) for s in range(1, 6))
    assert len(h) == 5 and h.last.step == 5
    np.testing.assert_array_equal(h.column("step"), [1, 2, 3, 4, 5])
    np.testing.assert_array_equal(h.column("clipped"), [0, 1, 0, 1, 0])
    assert h.column("loss").dtype == np.float64
    assert np.isnan(h.column("test_loss")).all()
    with pytest.raises(ValueError):
        h.column("loss")[0] = 3.0          # read-only view: plots cannot corrupt the history
    with pytest.raises(KeyError):
        h.column("nope")


def test_layer_matrix_only_probed_and_skips_missing_arrays():
    h = History()
    h.append(rec(1))
    h.append(rec(2, probed=False))
    h.append(rec(3, meanfield_grad_h=None))
    h.append(rec(4))
    np.testing.assert_array_equal(h.probe_steps("grad_h"), [1, 3, 4])
    np.testing.assert_array_equal(h.layer_matrix("grad_h")[:, 0], [1, 3, 4])
    np.testing.assert_array_equal(h.probe_steps("meanfield_grad_h"), [1, 4])
    assert h.layer_matrix("grad_h").shape == (3, L)
    assert h.layer_matrix("pre_pct").shape == (3, L, P)
    assert h.layer_matrix("grad_t").shape == (3, T)
    assert h.layers == L


def test_empty_layer_matrix_shapes():
    h = History()
    h.append(rec(1, probed=False))
    assert h.layer_matrix("grad_h").shape == (0, 0)
    assert h.layer_matrix("act_pct").shape == (0, 0, P)
    assert h.probe_steps("grad_h").shape == (0,)


def test_growth_past_capacity_keeps_everything():
    h = History(capacity=2)
    n = 1000
    h.extend(rec(s, probed=s % 3 == 0) for s in range(1, n + 1))
    np.testing.assert_array_equal(h.column("step"), np.arange(1, n + 1))
    np.testing.assert_array_equal(h.column("grad_norm"), np.arange(1, n + 1))
    steps = np.arange(3, n + 1, 3)
    np.testing.assert_array_equal(h.probe_steps("act_std"), steps)
    np.testing.assert_array_equal(h.layer_matrix("pre_pct")[:, 1, 2], -steps)
    # Doubling, not growth by one: capacity is a power-of-two multiple of the start.
    assert len(h._scalars) == 1024


def test_early_views_survive_growth():
    h = History(capacity=2)
    h.append(rec(1))
    col = h.column("step")
    h.extend(rec(s) for s in range(2, 100))
    np.testing.assert_array_equal(col, [1])


def test_layer_count_change_is_refused_and_nothing_appended():
    h = History()
    h.append(rec(1))
    with pytest.raises(ValueError, match="layers"):
        h.append(rec(2, layers=L + 1))
    with pytest.raises(ValueError, match="layers"):
        h.append(rec(2, dead=np.zeros(L + 2)))   # one field disagreeing is enough
    with pytest.raises(ValueError, match="shape"):
        h.append(rec(2, grad_t=np.zeros(T + 1)))
    assert len(h) == 1 and h.layer_matrix("grad_h").shape == (1, L)


def test_divergence_is_the_first():
    d1 = Divergence(7, "loss", None, None, "Loss became NaN.", "lr too high", "lower lr")
    d2 = Divergence(8, "forward", 2, "layer 3", "Inf.", "x", "y")
    h = History()
    h.extend([rec(6), rec(7, divergence=d1, finite=False), rec(8, divergence=d2)])
    assert h.divergence == d1


def test_array_round_trip_exact_with_nans():
    d = Divergence(3, "backward", 1, "layer 2", "NaN in ∂L/∂h.", "exploding", "clip")
    recs = [rec(1, test_loss=0.25, test_acc=float("nan")), rec(2, probed=False),
            rec(3, loss=float("nan"), finite=False, divergence=d,
                grad_h=np.array([np.nan, np.inf, -np.inf]), act_pct=None),
            rec(4, train_acc=float("nan"))]
    h = History()
    h.extend(recs)
    arrays = h.to_arrays()
    assert all(isinstance(a, np.ndarray) and a.dtype.kind in "biuf" for a in arrays.values())
    back = History.from_arrays(arrays)
    assert len(back) == 4 and back.divergence == d
    assert all(same(a, b) for a, b in zip(recs, back.records(), strict=True))
    assert same(back.last, recs[-1])
    for f in ("loss", "test_acc", "step"):
        np.testing.assert_array_equal(back.column(f), h.column(f))
    back.append(rec(5))                     # a loaded history keeps growing
    assert back.last.step == 5 and back.probe_steps("grad_h").tolist() == [1, 3, 4, 5]


def test_from_arrays_rejects_inconsistent_input():
    h = History()
    h.extend([rec(1), rec(2)])
    good = h.to_arrays()
    for broken in ({**good, "loss": good["loss"][:1]},
                   {**good, "grad_h_rows": np.array([0, 5])},
                   {k: v for k, v in good.items() if k != "grad_h_rows"},
                   {**good, "surprise": np.zeros(1)},
                   {**good, "divergences": np.frombuffer(b"[{", dtype=np.uint8)},
                   {**good, "dead": np.zeros((2, L + 1))}):
        with pytest.raises(ValueError, match="history"):
            History.from_arrays(broken)


def test_empty_round_trip():
    back = History.from_arrays(History().to_arrays())
    assert len(back) == 0 and back.last is None and back.records() == []


def test_to_csv(tmp_path):
    h = History()
    h.extend([rec(1, test_loss=0.5), rec(2)])
    path = tmp_path / "m.csv"
    h.to_csv(path)
    lines = path.read_text().splitlines()
    head = lines[0].split(",")
    row2 = dict(zip(head, lines[2].split(","), strict=True))
    assert head[0] == "step" and len(lines) == 3
    assert row2["step"] == "2" and row2["clipped"] == "1" and row2["test_loss"] == ""
    assert float(dict(zip(head, lines[1].split(","), strict=True))["test_loss"]) == 0.5
