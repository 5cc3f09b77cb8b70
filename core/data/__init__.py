"""Datasets: `build_dataset(cfg, seed)` turns a DataConfig into train/test numpy arrays.

Train and test are drawn independently from the same distribution, each from its own child of
`SeedSequence(seed)`, so the test set stays the same when only n_train changes.
"""

from __future__ import annotations

import numpy as np

from core.config import DataConfig
from core.data import sequences, toys
from core.data.csv_import import load_csv
from core.data.dataset import Dataset
from core.errors import DataError

__all__ = ["Dataset", "build_dataset", "grid_bounds"]


def build_dataset(cfg: DataConfig, seed: int) -> Dataset:
    """Build the dataset named by `cfg.name`; the same seed gives identical arrays."""
    name = cfg.name
    if name == "csv":
        x_tr, y_tr, x_te, y_te, classes = load_csv(cfg.csv_path, cfg.n_train, cfg.n_test, seed)
        return Dataset(name, "classification", x_tr, y_tr, x_te, y_te, n_outputs=len(classes))
    rng_tr, rng_te = (np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(2))
    if name in toys.TOYS_2D:
        make = toys.TOYS_2D[name]
        return Dataset(name, "classification", *make(rng_tr, cfg.n_train, cfg.noise),
                       *make(rng_te, cfg.n_test, cfg.noise), n_outputs=2)
    if name == "sine":
        return Dataset(name, "regression", *toys.sine(rng_tr, cfg.n_train, cfg.noise),
                       *toys.sine(rng_te, cfg.n_test, cfg.noise), n_outputs=1)
    if name == "adding":
        if cfg.seq_len < 2:
            raise DataError(f"data.seq_len: the adding task needs at least 2 steps, got {cfg.seq_len}")
        return Dataset(name, "seq_regression", *sequences.adding(rng_tr, cfg.n_train, cfg.seq_len),
                       *sequences.adding(rng_te, cfg.n_test, cfg.seq_len), n_outputs=1, loss_steps=1)
    if name == "copy":
        t, k = cfg.seq_len, cfg.copy_symbols
        if t < 2 * k + 1:
            raise DataError(f"data.seq_len: {t} is too short for the copy task with {k} symbols; "
                            f"needs at least {2 * k + 1}")
        return Dataset(name, "seq_classification", *sequences.copy(rng_tr, cfg.n_train, t, k),
                       *sequences.copy(rng_te, cfg.n_test, t, k),
                       n_outputs=sequences.COPY_ALPHABET, loss_steps=k)
    raise DataError(f"data.name: unknown dataset {name!r}")


def grid_bounds(ds: Dataset, pad: float = 0.1) -> tuple[float, float, float, float]:
    """(xmin, xmax, ymin, ymax) of all train and test points of a 2-D dataset, widened by `pad`
    times each side's range (at least 0.5) so decision boundaries have room around the data."""
    if ds.is_sequence or ds.input_dim != 2:
        raise DataError(f"grid_bounds needs a 2-D dataset; {ds.name!r} has input dim {ds.input_dim}")
    pts = np.concatenate([ds.x_train, ds.x_test]).astype(np.float64)
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    margin = np.maximum(pad * (hi - lo), 0.5)
    lo, hi = lo - margin, hi + margin
    return float(lo[0]), float(hi[0]), float(lo[1]), float(hi[1])
