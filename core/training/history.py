"""A growable, columnar history of StepRecords: what the plots read and the session file stores.

Scalars live in one column-major buffer (each column contiguous, so `column()` is a free view);
each per-layer field has its own buffer plus the record index (`row`) of every entry, because
only probed records carry arrays. Buffers double when full, so `append` is amortised O(1).
"""

from __future__ import annotations

import csv
import dataclasses
import json
import math
import os
from collections.abc import Iterable

import numpy as np

from core import jsonsafe
from core.training.record import ARRAY_FIELDS, PERCENTILES, SCALAR_FIELDS, Divergence, StepRecord

HISTORY_VERSION = 1
_INITIAL = 256
_INT_FIELDS = ("step",)
_BOOL_FIELDS = ("clipped", "finite", "probed")
_PCT_FIELDS = ("pre_pct", "act_pct")
_TIME_FIELDS = ("grad_t", "gate_t")  # indexed by time step, not layer: exempt from the layer-count check
_COL = {name: j for j, name in enumerate(SCALAR_FIELDS)}


def _readonly(a: np.ndarray) -> np.ndarray:
    v = a.view()
    v.flags.writeable = False
    return v


class _Rows:
    """A doubling buffer of fixed-shape float64 rows, with the record index of each row."""

    def __init__(self, shape: tuple[int, ...], capacity: int = _INITIAL):
        self.shape = shape
        self.data = np.empty((capacity, *shape))
        self.rows = np.empty(capacity, dtype=np.int64)
        self.n = 0

    def append(self, row: int, value: np.ndarray) -> None:
        if self.n == len(self.rows):
            self.data = _grow(self.data, self.n)
            self.rows = _grow(self.rows, self.n)
        self.data[self.n] = value
        self.rows[self.n] = row
        self.n += 1


def _grow(a: np.ndarray, n: int, order: str = "C") -> np.ndarray:
    b = np.empty((2 * len(a), *a.shape[1:]), dtype=a.dtype, order=order)
    b[:n] = a[:n]
    return b


class History:
    """All StepRecords of one run, as numpy columns. A reset means a new History."""

    def __init__(self, capacity: int = _INITIAL):
        # Fortran order: each scalar column is contiguous, a record is one strided row write.
        self._scalars = np.empty((max(capacity, 1), len(SCALAR_FIELDS)), order="F")
        self._n = 0
        self._fields: dict[str, _Rows] = {}
        self._layers: int | None = None
        self._divergences: list[tuple[int, Divergence]] = []
        self._last: StepRecord | None = None

    # ---- appending ---------------------------------------------------------------------
    def append(self, rec: StepRecord) -> None:
        """Add one record; ValueError (and nothing added) if its array shapes do not match."""
        arrays = self._checked_arrays(rec) if rec.probed else {}
        if self._n == len(self._scalars):
            self._scalars = _grow(self._scalars, self._n, "F")
        self._scalars[self._n] = [float(getattr(rec, f)) for f in SCALAR_FIELDS]
        for name, a in arrays.items():
            if name not in self._fields:
                self._fields[name] = _Rows(a.shape)
            self._fields[name].append(self._n, a)
        if rec.divergence is not None:
            self._divergences.append((self._n, rec.divergence))
        self._n += 1
        self._last = rec

    def extend(self, recs: Iterable[StepRecord]) -> None:
        """Append each record in order."""
        for r in recs:
            self.append(r)

    def _checked_arrays(self, rec: StepRecord) -> dict[str, np.ndarray]:
        # Validate everything before writing anything, so a bad record leaves no half row.
        out, layers = {}, self._layers
        for name in ARRAY_FIELDS:
            v = getattr(rec, name)
            if v is None:
                continue
            a = np.asarray(v, dtype=np.float64)
            want_ndim = 2 if name in _PCT_FIELDS else 1
            if a.ndim != want_ndim:
                raise ValueError(f"step {rec.step}: {name} must have {want_ndim} dimension(s), "
                                 f"got shape {a.shape}")
            if name not in _TIME_FIELDS:
                if layers is None:
                    layers = a.shape[0]
                elif a.shape[0] != layers:
                    raise ValueError(f"step {rec.step}: {name} has {a.shape[0]} layers, "
                                     f"expected {layers}; a new network needs a new History")
            known = self._fields.get(name)
            if known is not None and known.shape != a.shape:
                raise ValueError(f"step {rec.step}: {name} has shape {a.shape}, earlier records "
                                 f"had {known.shape}; a new network needs a new History")
            out[name] = a
        self._layers = layers
        return out

    # ---- reading -----------------------------------------------------------------------
    def __len__(self) -> int:
        return self._n

    @property
    def last(self) -> StepRecord | None:
        """The latest record, or None when empty."""
        if self._last is None and self._n:
            # Only the last row of each field can belong to the last record: no full index.
            i = self._n - 1
            index = {i: {f: b.n - 1 for f, b in self._fields.items() if b.n and b.rows[b.n - 1] == i}}
            self._last = self._record(i, index)
        return self._last

    @property
    def layers(self) -> int | None:
        """Hidden-layer count of the per-layer arrays (None before the first probe)."""
        return self._layers

    @property
    def divergence(self) -> Divergence | None:
        """The first Divergence seen, or None."""
        return self._divergences[0][1] if self._divergences else None

    def column(self, name: str) -> np.ndarray:
        """A scalar field over all steps as float64 (bools as 0/1); a read-only view, no copy.

        Views stay valid after later appends (they just do not grow)."""
        if name not in _COL:
            raise KeyError(f"unknown scalar column {name!r}; choose from {list(SCALAR_FIELDS)}")
        return _readonly(self._scalars[:self._n, _COL[name]])

    def layer_matrix(self, name: str) -> np.ndarray:
        """A per-layer field over probed steps: (probes, layers), or (probes, layers, P) for
        pre_pct/act_pct, or (probes, T) for grad_t. Read-only view; rows match probe_steps."""
        buf = self._field(name)
        if buf is None:
            tail = (0, len(PERCENTILES)) if name in _PCT_FIELDS else (0,)
            return np.empty((0, *tail))
        return _readonly(buf.data[:buf.n])

    def probe_steps(self, name: str) -> np.ndarray:
        """The step number of each row of `layer_matrix(name)` (int64)."""
        buf = self._field(name)
        if buf is None:
            return np.empty(0, dtype=np.int64)
        return self._scalars[buf.rows[:buf.n], _COL["step"]].astype(np.int64)

    def _field(self, name: str) -> _Rows | None:
        if name not in ARRAY_FIELDS:
            raise KeyError(f"unknown per-layer field {name!r}; choose from {list(ARRAY_FIELDS)}")
        return self._fields.get(name)

    def records(self) -> list[StepRecord]:
        """Rebuild every StepRecord (arrays as float64 copies)."""
        index = self._row_index()
        return [self._record(i, index) for i in range(self._n)]

    def _row_index(self) -> dict[int, dict[str, int]]:
        index: dict[int, dict[str, int]] = {}
        for name, buf in self._fields.items():
            for k, row in enumerate(buf.rows[:buf.n].tolist()):
                index.setdefault(row, {})[name] = k
        return index

    def _record(self, i: int, index: dict[int, dict[str, int]]) -> StepRecord:
        vals: dict = {}
        for j, f in enumerate(SCALAR_FIELDS):
            x = float(self._scalars[i, j])
            vals[f] = int(x) if f in _INT_FIELDS else bool(x) if f in _BOOL_FIELDS else x
        for name, k in index.get(i, {}).items():
            vals[name] = self._fields[name].data[k].copy()
        vals["divergence"] = next((d for r, d in self._divergences if r == i), None)
        return StepRecord(**vals)

    # ---- storage -----------------------------------------------------------------------
    def to_arrays(self) -> dict[str, np.ndarray]:
        """Plain numeric arrays for an .npz (see core/sessions/FORMAT.md, history.npz).

        Scalars under their field names (step int64, flags bool, the rest float64); each
        recorded per-layer field `f` as `f` (float64) and `f_rows` (int64 record indices);
        `divergences` is UTF-8 JSON (a list of {"row": i, **Divergence}) in a uint8 array."""
        out: dict[str, np.ndarray] = {"version": np.array(HISTORY_VERSION, dtype=np.int64)}
        for f in SCALAR_FIELDS:
            col = self._scalars[:self._n, _COL[f]]
            dtype = np.int64 if f in _INT_FIELDS else bool if f in _BOOL_FIELDS else np.float64
            out[f] = col.astype(dtype)
        for name, buf in self._fields.items():
            out[name] = buf.data[:buf.n].copy()
            out[f"{name}_rows"] = buf.rows[:buf.n].copy()
        divs = [{"row": r, **dataclasses.asdict(d)} for r, d in self._divergences]
        out["divergences"] = np.frombuffer(json.dumps(divs).encode(), dtype=np.uint8).copy()
        return out

    @classmethod
    def from_arrays(cls, d: dict[str, np.ndarray]) -> History:
        """Inverse of to_arrays; ValueError naming the problem if the arrays are inconsistent."""
        known = {"version", "divergences", *SCALAR_FIELDS, *ARRAY_FIELDS,
                 *(f"{f}_rows" for f in ARRAY_FIELDS)}
        missing = [k for k in ("version", "divergences", *SCALAR_FIELDS) if k not in d]
        if missing:
            raise ValueError(f"history: missing array {missing[0]!r}")
        unknown = sorted(set(d) - known)
        if unknown:
            raise ValueError(f"history: unknown array {unknown[0]!r}")
        if np.shape(d["version"]) != () or int(d["version"]) != HISTORY_VERSION:
            raise ValueError(f"history: unsupported version {d['version']!r}")
        n = len(np.atleast_1d(d["step"]))
        h = cls(capacity=max(n, _INITIAL))
        for f in SCALAR_FIELDS:
            col = np.asarray(d[f])
            if col.shape != (n,):
                raise ValueError(f"history: {f} has shape {col.shape}, expected ({n},)")
            h._scalars[:n, _COL[f]] = col
        h._n = n
        for name in ARRAY_FIELDS:
            if (name in d) != (f"{name}_rows" in d):
                raise ValueError(f"history: {name} and {name}_rows must come together")
            if name in d:
                h._load_field(name, np.asarray(d[name], dtype=np.float64),
                              np.asarray(d[f"{name}_rows"]))
        h._divergences = _parse_divergences(d["divergences"], n)
        return h

    def _load_field(self, name: str, data: np.ndarray, rows: np.ndarray) -> None:
        want_ndim = 3 if name in _PCT_FIELDS else 2
        if data.ndim != want_ndim or rows.shape != (len(data),) or rows.dtype.kind not in "iu":
            raise ValueError(f"history: {name} has shape {data.shape} with rows {rows.shape}")
        if len(rows) and (rows.min() < 0 or rows.max() >= self._n or np.any(np.diff(rows) <= 0)):
            raise ValueError(f"history: {name}_rows are not increasing record indices")
        if name not in _TIME_FIELDS:
            if self._layers is not None and data.shape[1] != self._layers:
                raise ValueError(f"history: {name} has {data.shape[1]} layers, "
                                 f"expected {self._layers}")
            self._layers = data.shape[1]
        buf = _Rows(data.shape[1:], capacity=max(len(data), _INITIAL))
        buf.data[:len(data)] = data
        buf.rows[:len(data)] = rows
        buf.n = len(data)
        self._fields[name] = buf

    def to_csv(self, path: str | os.PathLike) -> None:
        """Write the scalar columns, one row per step; NaN as an empty cell, flags as 0/1."""
        with open(path, "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(SCALAR_FIELDS)
            for row in self._scalars[:self._n].tolist():
                w.writerow([_cell(f, x) for f, x in zip(SCALAR_FIELDS, row, strict=True)])


def _cell(field: str, x: float) -> str | int:
    if field in _INT_FIELDS or field in _BOOL_FIELDS:
        return int(x)
    return "" if math.isnan(x) else repr(x)


def _parse_divergences(a: np.ndarray, n: int) -> list[tuple[int, Divergence]]:
    a = np.asarray(a)
    if a.dtype != np.uint8 or a.ndim != 1:
        raise ValueError("history: divergences must be a 1-D uint8 array of UTF-8 JSON")
    try:
        items = jsonsafe.loads(a.tobytes())
        out = []
        for it in items:
            row = it.pop("row")
            if not isinstance(row, int) or not 0 <= row < n:
                raise ValueError(f"row {row!r} out of range")
            out.append((row, Divergence(**it)))
        return out
    except (ValueError, TypeError, KeyError, AttributeError) as e:
        raise ValueError(f"history: malformed divergences ({e})") from None
