"""What the columns of a session's history.npz may hold, checked before History reads them.

History.from_arrays checks names and shapes; numpy would then cast a complex loss to its real
part, a step of 2.5 to 2 and a flag of 7 to True without a word. Here every column must hold
the kind of number it stands for, in its range (core/sessions/FORMAT.md, "Arrays in
history.npz"), or the file is refused with a message naming the column.
"""

from __future__ import annotations

import numpy as np

from core import jsonsafe
from core.training.record import ARRAY_FIELDS, SCALAR_FIELDS

_FLAGS = ("clipped", "finite", "probed")
_ACCURACIES = ("train_acc", "eval_train_acc", "test_acc")
_LOSSES = ("loss", "eval_train_loss", "test_loss")
_WHERE = ("loss", "forward", "backward", "parameters")


def check_history_arrays(d: dict[str, np.ndarray]) -> None:
    """ValueError naming the first column whose values are not what its name says."""
    for name in SCALAR_FIELDS:
        if name in d:
            _check_scalar(name, np.asarray(d[name]))
    for name in ARRAY_FIELDS:
        if name in d:
            a = np.asarray(d[name])
            if a.dtype.kind not in "iuf":
                raise ValueError(f"column {name!r} holds {_kind(a)}, not real numbers")
    if "divergences" in d:
        _check_divergences(np.asarray(d["divergences"]))


def _kind(a: np.ndarray) -> str:
    return {"c": "complex numbers", "b": "true/false values"}.get(a.dtype.kind,
                                                                  f"values of type {a.dtype}")


def _check_scalar(name: str, a: np.ndarray) -> None:
    if name == "step":
        if a.dtype.kind not in "iu":
            raise ValueError(f"column 'step' must hold whole step numbers (integers), not "
                             f"{_kind(a)}")
        if a.size and a.min() < 0:
            raise ValueError(f"column 'step' holds a negative step ({a.min()})")
        if a.ndim == 1 and np.any(np.diff(a.astype(np.int64)) <= 0):
            i = int(np.argmax(np.diff(a.astype(np.int64)) <= 0))
            raise ValueError(f"column 'step' is not increasing (step {a[i + 1]} follows step "
                             f"{a[i]})")
        return
    if name in _FLAGS:
        if a.dtype.kind == "b":
            return
        if a.dtype.kind not in "iu" or not np.isin(a, (0, 1)).all():
            raise ValueError(f"column {name!r} must hold true/false values (or 0 and 1), not "
                             f"{_kind(a) if a.dtype.kind not in 'iu' else 'other integers'}")
        return
    if a.dtype.kind not in "iuf":
        raise ValueError(f"column {name!r} holds {_kind(a)}, not real numbers")
    a = a.astype(np.float64)
    with np.errstate(invalid="ignore"):
        if name in _ACCURACIES:
            if np.any((a < 0) | (a > 1)):
                bad = a[(a < 0) | (a > 1)][0]
                raise ValueError(f"column {name!r} holds {bad!r}; an accuracy is a fraction "
                                 "from 0 to 1 (or NaN where not measured)")
        elif name in (*_LOSSES, "grad_norm"):
            if np.any(a < 0):
                what = "a loss" if name in _LOSSES else "a norm"
                raise ValueError(f"column {name!r} holds a negative value ({a[a < 0][0]!r}); "
                                 f"{what} is never below 0")
        elif name == "lr" and not np.all(np.isfinite(a) & (a >= 0)):
            bad = a[~(np.isfinite(a) & (a >= 0))][0]
            raise ValueError(f"column 'lr' holds {bad!r}; a learning rate is a finite number "
                             "≥ 0")


def _check_divergences(a: np.ndarray) -> None:
    if a.dtype != np.uint8 or a.ndim != 1:
        return                      # History.from_arrays refuses it with its own message
    try:
        items = jsonsafe.loads(a.tobytes())
    except ValueError:
        return
    if not isinstance(items, list):
        raise ValueError("column 'divergences' is not a JSON list")
    for it in items:
        if not isinstance(it, dict):
            raise ValueError("column 'divergences' holds an entry that is not a JSON object")
        step, layer, where = it.get("step"), it.get("layer", None), it.get("where")
        if not _whole(step) or step < 0:
            raise ValueError(f"column 'divergences' holds a divergence at step {step!r}")
        if where not in _WHERE:
            raise ValueError(f"column 'divergences' holds a divergence in {where!r}; expected "
                             f"one of {', '.join(_WHERE)}")
        if layer is not None and (not _whole(layer) or layer < 0):
            raise ValueError(f"column 'divergences' holds a divergence in layer {layer!r}")
        for key in ("message", "cause", "advice"):
            if not isinstance(it.get(key), str):
                raise ValueError(f"column 'divergences' holds a divergence whose {key} is not "
                                 "text")
        if not isinstance(it.get("layer_name"), str | None):
            raise ValueError("column 'divergences' holds a divergence whose layer_name is not "
                             "text")


def _whole(x) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)
