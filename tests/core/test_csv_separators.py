"""CSV files from spreadsheets set to a European locale: columns separated by semicolons and
decimals written with commas ("1,5;-0,25;cat"). They load like comma files; real malformations
still get a line-precise error."""

import numpy as np
import pytest

from core.config import DataConfig
from core.data import build_dataset
from core.errors import DataError


def _csv(tmp_path, text: str, name: str = "d.csv") -> str:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return str(p)


def _points(path: str):
    ds = build_dataset(DataConfig(name="csv", csv_path=path, n_train=400, n_test=400), 0)
    x = np.concatenate([ds.x_train, ds.x_test]).astype(np.float64)
    y = np.concatenate([ds.y_train, ds.y_test])
    order = np.lexsort((x[:, 1], x[:, 0]))
    return x[order], y[order]


ROWS = [(0.5, -1.25, "cat"), (1.0, 2.0, "dog"), (-3.5, 0.125, "cat"), (2.25, 4.0, "dog"),
        (1e-3, -2.5e2, "dog")]


def _text(sep: str, decimal: str, header: bool = True) -> str:
    def n(v):
        return repr(v).replace(".", decimal)
    lines = [sep.join(("x1", "x2", "label"))] if header else []
    lines += [sep.join((n(a), n(b), c)) for a, b, c in ROWS]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("sep,decimal,header", [
    (",", ".", True), (";", ".", True), (";", ",", True), (";", ",", False), (";", ".", False)])
def test_semicolon_files_load_like_comma_files(tmp_path, sep, decimal, header):
    want = _points(_csv(tmp_path, _text(",", "."), "ref.csv"))
    got = _points(_csv(tmp_path, _text(sep, decimal, header)))
    np.testing.assert_array_equal(got[0], want[0])
    np.testing.assert_array_equal(got[1], want[1])
    assert got[0][0, 0] == np.float32(-3.5) and got[0][:, 1].min() == np.float32(-250)


def test_decimal_commas_in_both_coordinates_are_not_read_as_comma_columns(tmp_path):
    """'1,5;2,25;a' split at commas has three fields too ('1', '5;2', '25;a'): only the
    semicolon reading gives numbers."""
    text = "".join(f"{i},5;{i},25;{'a' if i % 2 else 'b'}\n" for i in range(6))
    x, _ = _points(_csv(tmp_path, text))
    np.testing.assert_allclose(x[:, 0], np.arange(6) + 0.5)
    np.testing.assert_allclose(x[:, 1], np.arange(6) + 0.25)


def test_a_semicolon_inside_a_comma_files_label_keeps_commas(tmp_path):
    text = "".join(f"{i},{i % 3},\"k;{i % 2}\"\n" for i in range(6))
    x, y = _points(_csv(tmp_path, text))
    assert x.shape == (6, 2) and set(y) == {0, 1}


@pytest.mark.parametrize("text,message", [
    # the file is read as semicolon-separated, and a row that is not gets its line named
    ("x1;x2;label\n1;2;a\n3,4,b\n5;6;a\n7;8;b\n", r"line 3: expected 3 columns \(x1;x2;label\)"
                                                  r", got 1 .*semicolons"),
    ("1;2;a\n3;4;b\n5;6\n7;8;a\n", "line 3: expected 3 columns.*got 2"),
    ("1;2;a\n3;4;b\n5;6;a;x\n7;8;b\n", "line 3: expected 3 columns.*got 4"),
    # decimal commas and points are not mixed in one file: '1.5' may mean 1500 there
    ("1,5;2;a\n3;4,25;b\n5.5;6;a\n7;8;b\n", r"line 3: x1 '5\.5' has a decimal point.*line 1"),
    ("1.5;2;a\n3;4,25;b\n5;6;a\n7;8;b\n", r"line 2: x2 '4,25' has a decimal comma.*line 1"),
    # thousands separators or two commas are not numbers
    ("1,000,5;2;a\n3;4;b\n5;6;a\n7;8;b\n", r"line 1: x1 '1,000,5' is not a number"),
    ("1.000,5;2;a\n3;4;b\n5;6;a\n7;8;b\n", r"line 1: x1 '1.000,5' is not a number"),
    # a comma file still has no decimal commas: '1,5' there is two columns
    ("1,2,a\n3,4,b\n5,6,a,b\n7,8,b\n", "line 3: expected 3 columns.*got 4"),
    ("1;2;a\n3;nan;b\n5;6;a\n7;8;b\n", "line 2: x2 is 'nan'"),
    ("1 2 a\n3 4 b\n5 6 a\n7 8 b\n", "line 1: expected 3 columns.*got 1.*commas or semicolons"),
])
def test_malformed_semicolon_files_get_line_precise_errors(tmp_path, text, message):
    with pytest.raises(DataError, match=message) as err:
        _points(_csv(tmp_path, text))
    assert "d.csv" in str(err.value)
