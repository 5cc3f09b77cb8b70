"""Datasets: shapes, dtypes, determinism, class balance, task semantics and CSV error messages."""

from __future__ import annotations

import numpy as np
import pytest

from core.config import DATASETS_2D, DataConfig
from core.data import build_dataset, grid_bounds
from core.data.sequences import COPY_ALPHABET, COPY_BLANK, COPY_GO
from core.errors import DataError

TOYS = [d for d in DATASETS_2D if d != "csv"]


def _arrays(ds):
    return ds.x_train, ds.y_train, ds.x_test, ds.y_test


@pytest.mark.parametrize("name", TOYS)
def test_toy_shapes_balance_and_scale(name):
    ds = build_dataset(DataConfig(name=name, n_train=301, n_test=200), seed=1)
    assert (ds.task, ds.n_outputs, ds.input_dim, ds.loss_steps) == ("classification", 2, 2, 0)
    assert ds.x_train.shape == (301, 2) and ds.x_train.dtype == np.float32
    assert ds.y_train.shape == (301,) and ds.y_train.dtype == np.int64
    assert ds.x_test.shape == (200, 2) and ds.y_test.shape == (200,)
    assert abs(int(np.sum(ds.y_train == 0)) - int(np.sum(ds.y_train == 1))) <= 1
    assert np.sum(ds.y_test == 0) == 100
    std = ds.x_train.std(axis=0)
    assert np.all(std > 0.3) and np.all(std < 1.6), std      # order-1 inputs
    assert np.abs(ds.x_train).max() < 5.0


@pytest.mark.parametrize("name", TOYS + ["sine", "adding", "copy"])
def test_same_seed_same_arrays_and_train_test_independent(name):
    cfg = DataConfig(name=name, n_train=50, n_test=50, seq_len=9, copy_symbols=2)
    a, b, c = build_dataset(cfg, 7), build_dataset(cfg, 7), build_dataset(cfg, 8)
    for u, v in zip(_arrays(a), _arrays(b), strict=True):
        np.testing.assert_array_equal(u, v)
    assert not np.array_equal(a.x_train, c.x_train)
    assert not np.array_equal(a.x_train, a.x_test)
    # The test set does not move when only the training-set size changes.
    bigger = build_dataset(DataConfig(name=name, n_train=80, n_test=50, seq_len=9, copy_symbols=2), 7)
    np.testing.assert_array_equal(a.x_test, bigger.x_test)


def test_noise_jitters_the_same_points():
    clean = build_dataset(DataConfig(name="circles", noise=0.0), 3).x_train
    noisy = build_dataset(DataConfig(name="circles", noise=0.2), 3).x_train
    radius = np.linalg.norm(clean, axis=1)
    assert np.allclose(np.sort(np.unique(radius.round(4))), [0.75, 1.5])
    assert 0.15 < np.std(noisy - clean) < 0.25


def test_sine():
    ds = build_dataset(DataConfig(name="sine", n_train=500, n_test=20, noise=0.0), 0)
    assert (ds.task, ds.n_outputs, ds.input_dim) == ("regression", 1, 1)
    assert ds.x_train.shape == ds.y_train.shape == (500, 1)
    assert ds.x_train.dtype == ds.y_train.dtype == np.float32
    assert np.all(np.abs(ds.x_train) <= np.pi)
    np.testing.assert_allclose(ds.y_train, np.sin(ds.x_train), atol=1e-6)


@pytest.mark.parametrize("t", [2, 3, 10, 51])
def test_adding_target_is_sum_of_marked_values(t):
    ds = build_dataset(DataConfig(name="adding", n_train=64, n_test=8, seq_len=t), 2)
    x, y = ds.x_train, ds.y_train
    assert (ds.task, ds.n_outputs, ds.loss_steps, ds.input_dim) == ("seq_regression", 1, 1, 2)
    assert x.shape == (64, t, 2) and x.dtype == np.float32 and y.shape == (64, 1)
    marks = x[:, :, 1]
    assert np.all(marks.sum(axis=1) == 2) and set(np.unique(marks)) <= {0.0, 1.0}
    assert np.all(marks[:, : t // 2].sum(axis=1) == 1)
    assert np.all((x[:, :, 0] >= 0) & (x[:, :, 0] <= 1))
    np.testing.assert_allclose(y[:, 0], (x[:, :, 0] * marks).sum(axis=1), rtol=1e-6)


def test_copy_layout():
    t, k = 12, 3
    ds = build_dataset(DataConfig(name="copy", n_train=40, n_test=8, seq_len=t, copy_symbols=k), 5)
    x, y = ds.x_train, ds.y_train
    assert (ds.task, ds.n_outputs, ds.loss_steps) == ("seq_classification", COPY_ALPHABET, k)
    assert x.shape == (40, t, COPY_ALPHABET + 2) and x.dtype == np.float32
    assert y.shape == (40, k) and y.dtype == np.int64
    assert np.all(x.sum(axis=2) == 1)                              # one-hot at every step
    np.testing.assert_array_equal(x[:, :k].argmax(axis=2), y)     # first K steps = the targets
    go = np.zeros(t)
    go[t - k - 1] = 1
    np.testing.assert_array_equal(x[:, :, COPY_GO], np.broadcast_to(go, (40, t)))
    assert np.all(x[:, k:t - k - 1, COPY_BLANK] == 1) and np.all(x[:, t - k:, COPY_BLANK] == 1)
    assert set(np.unique(y)) == set(range(COPY_ALPHABET))


def test_copy_too_short_is_a_data_error():
    with pytest.raises(DataError, match="at least 7"):
        build_dataset(DataConfig(name="copy", seq_len=6, copy_symbols=3), 0)


def test_grid_bounds_cover_all_points():
    ds = build_dataset(DataConfig(name="moons"), 0)
    xmin, xmax, ymin, ymax = grid_bounds(ds)
    pts = np.concatenate([ds.x_train, ds.x_test])
    assert xmin < pts[:, 0].min() and xmax > pts[:, 0].max()
    assert ymin < pts[:, 1].min() and ymax > pts[:, 1].max()
    with pytest.raises(DataError):
        grid_bounds(build_dataset(DataConfig(name="sine"), 0))


# ---- CSV --------------------------------------------------------------------------------------

def _csv(tmp_path, text: str, name: str = "d.csv") -> str:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return str(p)


def _load(path: str, n_train: int = 400, n_test: int = 400):
    return build_dataset(DataConfig(name="csv", csv_path=path, n_train=n_train, n_test=n_test), 0)


def test_csv_with_header_and_string_labels(tmp_path):
    rows = "".join(f"{i * 0.1},{-i * 0.2},{'dog' if i % 3 else 'cat'}\n" for i in range(20))
    ds = _load(_csv(tmp_path, "x1,x2,label\n" + rows))
    assert (ds.task, ds.n_outputs) == ("classification", 2)
    assert len(ds.y_train) == 16 and len(ds.y_test) == 4            # 80 % / rest
    x = np.concatenate([ds.x_train, ds.x_test])
    y = np.concatenate([ds.y_train, ds.y_test])
    i = np.rint(x[:, 0] * 10).astype(int)
    np.testing.assert_array_equal(y, np.where(i % 3 == 0, 0, 1))   # 'cat' < 'dog'


def test_csv_without_header_integer_labels_and_caps(tmp_path):
    rows = "".join(f"{i},{i % 5},{-1 if i % 2 else 1}\n" for i in range(30))
    ds = _load(_csv(tmp_path, rows), n_train=10, n_test=5)
    assert ds.x_train.shape == (10, 2) and ds.x_train.dtype == np.float32
    assert len(ds.y_test) == 5 and set(np.unique(ds.y_train)) <= {0, 1}
    assert np.all((ds.x_train[:, 0] % 2 == 1) == (ds.y_train == 0))   # -1 -> 0, 1 -> 1


@pytest.mark.parametrize("text, message", [
    ("", "empty"),
    ("\n\n", "empty"),
    ("x1,x2,label\n", "only 0 data row"),
    ("1,2,a\n3,4,b\n", "only 2 data row"),
    ("1,2,a\n3,4,b\n5,6\n7,8,a\n", "line 3: expected 3 columns"),
    ("1\t2\ta\n3\t4\tb\n5\t6\ta\n7\t8\tb\n", "line 1: expected 3 columns.*commas"),
    ("1,2,a\n3,4,b\n5,six,a\n7,8,b\n", "line 3: x2 'six' is not a number"),
    ("1,2,a\n3,nan,b\n5,6,a\n7,8,b\n", "line 2: x2 is 'nan'"),
    ("1,2,a\n3,4,b\ninf,6,a\n7,8,b\n", "line 3: x1 is 'inf'"),
    ("1,2,a\n3,4,b\n1e39,6,a\n7,8,b\n", "line 3: x1 is '1e39'"),
    ("1,2,a\n3,4,a\n5,6,a\n7,8,a\n", "need at least 2 classes"),
    ("1,2,0\n3,4,1\n5,6,0.5\n7,8,1\n", "label '0.5' is not a whole number"),
    ("1,2,a\n3,4,\n5,6,a\n7,8,b\n", "line 2: the label is empty"),
    ("x1,x2\n1,2,a\n", "line 1: expected 3 columns"),
])
def test_csv_errors_name_file_and_line(tmp_path, text, message):
    path = _csv(tmp_path, text)
    with pytest.raises(DataError, match=message) as err:
        _load(path)
    assert "d.csv" in str(err.value)


def test_csv_unreadable_files(tmp_path):
    with pytest.raises(DataError, match="not found.*missing.csv"):
        _load(str(tmp_path / "missing.csv"))
    with pytest.raises(DataError, match="is a folder"):
        _load(str(tmp_path))
    binary = tmp_path / "b.csv"
    binary.write_bytes(b"\xff\xfe\x00\x81garbage")
    with pytest.raises(DataError, match="b.csv"):
        _load(str(binary))
    with pytest.raises(DataError, match="csv_path is empty"):
        _load("")
    # A pipe would block the reader forever, a device like /dev/zero fill the memory.
    import os
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    with pytest.raises(DataError, match="not a regular file"):
        _load(str(fifo))
