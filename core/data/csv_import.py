"""Load a user's 2-D classification CSV (columns x1, x2, label) with clear, line-precise errors.

Columns are separated by commas, or by semicolons as spreadsheets set to a European locale
write them; a semicolon file may also write decimals with commas ("1,5;-0,25;cat"), though not
mixed with decimal points in one file. The separator is the one under which the rows have three
columns (and numbers in the first two); the whole file must then use it.

Every problem with the file becomes a `DataError` naming the file and, where it applies, the line;
no raw exception escapes. Inputs are used as they are (not standardised).
"""

from __future__ import annotations

import csv
import io
import itertools
import math
from pathlib import Path

import numpy as np

from core.errors import DataError

COLUMNS = ("x1", "x2", "label")
MIN_ROWS = 4
FLOAT32_MAX = float(np.finfo(np.float32).max)


SEPARATORS = {",": "commas", ";": "semicolons"}
SNIFF_ROWS = 1000       # rows read to choose the separator


def _number(text: str, decimal_comma: bool = False) -> float | None:
    """float(text); with `decimal_comma`, one comma is the decimal mark ('-0,25' → -0.25)."""
    if decimal_comma and "," in text:
        if text.count(",") != 1 or "." in text:     # '1.000,5', '1,000,5': not one number
            return None
        text = text.replace(",", ".")
    try:
        return float(text)
    except ValueError:
        return None


def _rows(text: str, sep: str, limit: int | None = None) -> list[tuple[int, list[str]]]:
    """(line number, stripped cells) of the non-blank rows, split at `sep`."""
    reader = csv.reader(io.StringIO(text), delimiter=sep)
    rows = ((reader.line_num, [c.strip() for c in row]) for row in reader)
    return list(itertools.islice(((n, r) for n, r in rows if any(r)), limit))


def _separator(text: str) -> str:
    """',' or ';': the one under which more of the first rows have three columns, then more
    rows have numbers in both coordinates ('1,5;2,25;a' has three comma columns too, '1' '5;2'
    '25;a'); commas on a tie."""
    def score(sep: str) -> tuple[int, int]:
        rows = _rows(text, sep, SNIFF_ROWS)
        wide = sum(len(r) == len(COLUMNS) for _, r in rows)
        numeric = sum(len(r) >= 2 and all(_number(c, sep == ";") is not None for c in r[:2])
                      for _, r in rows)
        return wide, numeric
    return ";" if score(";") > score(",") else ","


MAX_CSV_BYTES = 200_000_000


def read_rows(path: str) -> tuple[np.ndarray, list[str]]:
    """Read the file into x (n, 2) float64 and the raw label strings, checking every row."""
    if not path:
        raise DataError("data.csv_path is empty; choose a CSV file with columns x1,x2,label")
    p = Path(path).expanduser()
    if p.exists() and not p.is_dir() and not p.is_file():
        # a pipe would block forever, /dev/zero would fill the memory
        raise DataError(f"{p} is not a regular file (a device or a pipe); choose a CSV file")
    if p.is_file() and p.stat().st_size > MAX_CSV_BYTES:
        raise DataError(f"{p} is {p.stat().st_size / 1e6:.0f} MB; a 2-D dataset for the lab "
                        f"should be under {MAX_CSV_BYTES / 1e6:.0f} MB")
    try:
        # utf-8-sig drops the byte-order mark some spreadsheet programs write.
        with p.open(newline="", encoding="utf-8-sig") as f:
            text = f.read()
        sep = _separator(text)
        records = _rows(text, sep)
    except FileNotFoundError:
        raise DataError(f"CSV file not found: {p}") from None
    except IsADirectoryError:
        raise DataError(f"{p} is a folder, not a CSV file") from None
    except UnicodeDecodeError:
        raise DataError(f"{p}: not a text file (expected UTF-8 CSV)") from None
    except csv.Error as e:
        raise DataError(f"{p}: malformed CSV: {e}") from None
    except OSError as e:
        raise DataError(f"{p}: cannot read: {e.strerror or e}") from None

    if not records:
        raise DataError(f"{p}: the file is empty; expected rows of x1,x2,label")
    comma = sep == ";"                  # decimal commas are possible where commas do not separate
    first = records[0][1]
    # A header is a first row whose coordinates are both non-numeric ("x1,x2,label").
    if len(first) >= 2 and _number(first[0], comma) is None and _number(first[1], comma) is None:
        _check_width(p, *records[0], sep)
        records = records[1:]

    xs, labels = [], []
    marks: dict[str, tuple[int, str]] = {}    # decimal mark → (line, text) where first seen
    for line, row in records:
        _check_width(p, line, row, sep)
        coords = []
        for name, text in zip(COLUMNS[:2], row[:2], strict=True):
            v = _number(text, comma)
            if v is None:
                raise DataError(f"{p} line {line}: {name} {text!r} is not a number")
            # Values beyond float32's range would turn into Inf inside the network.
            if not math.isfinite(v) or abs(v) > FLOAT32_MAX:
                raise DataError(f"{p} line {line}: {name} is {text!r}; values must be finite numbers")
            if comma:
                _check_decimal_mark(p, line, name, text, marks)
            coords.append(v)
        if not row[2]:
            raise DataError(f"{p} line {line}: the label is empty")
        xs.append(coords)
        labels.append(row[2])
    if len(xs) < MIN_ROWS:
        raise DataError(f"{p}: only {len(xs)} data row(s); need at least {MIN_ROWS}")
    return np.asarray(xs, dtype=np.float64), labels


def _check_decimal_mark(p: Path, line: int, name: str, text: str,
                        marks: dict[str, tuple[int, str]]) -> None:
    """One decimal mark per file: where commas are decimals, '1.500' may mean 1500."""
    mark = "," if "," in text else "." if "." in text else None
    if mark is None:
        return
    marks.setdefault(mark, (line, text))
    other = "." if mark == "," else ","
    if other in marks:
        seen_line, seen = marks[other]
        words = {",": "comma", ".": "point"}
        raise DataError(f"{p} line {line}: {name} {text!r} has a decimal {words[mark]}, but line "
                        f"{seen_line} ({seen!r}) has a decimal {words[other]}; write every "
                        "number with the same decimal mark")


def _check_width(p: Path, line: int, row: list[str], sep: str = ",") -> None:
    if len(row) != len(COLUMNS):
        if len(row) != 1:
            hint = ""
        elif sep == ",":
            hint = " (columns must be separated by commas or semicolons)"
        else:
            hint = " (this file separates its columns by semicolons)"
        raise DataError(f"{p} line {line}: expected {len(COLUMNS)} columns "
                        f"({sep.join(COLUMNS)}), got {len(row)}{hint}")


def label_ids(p: str, labels: list[str]) -> tuple[np.ndarray, list[str]]:
    """Map labels to class ids 0..k-1 in sorted order: numerically when every label is an integer
    (so 0/1 stay 0/1 and -1/1 become 0/1), else as strings. Returns ids and the class names."""
    numbers = [_number(s) for s in labels]
    if all(v is not None for v in numbers):
        for s, v in zip(labels, numbers, strict=True):
            if not math.isfinite(v) or v != int(v):
                raise DataError(f"{p}: label {s!r} is not a whole number or class name "
                                "(only classification CSVs are supported)")
        keys = [int(v) for v in numbers]
    else:
        keys = labels
    classes = sorted(set(keys))
    if len(classes) < 2:
        raise DataError(f"{p}: every row has label {labels[0]!r}; need at least 2 classes")
    index = {c: i for i, c in enumerate(classes)}
    return np.asarray([index[k] for k in keys], dtype=np.int64), [str(c) for c in classes]


def load_csv(path: str, n_train: int, n_test: int, seed: int):
    """Read, validate and split a CSV: a seeded shuffle, then min(n_train, 80 % of rows) for
    training and up to n_test of the rest for testing. Returns (x_tr, y_tr, x_te, y_te, classes)."""
    x, labels = read_rows(path)
    y, classes = label_ids(path, labels)
    order = np.random.default_rng(seed).permutation(len(y))
    n_tr = min(n_train, int(0.8 * len(y)))
    n_te = min(n_test, len(y) - n_tr)
    tr, te = order[:n_tr], order[n_tr:n_tr + n_te]
    x = x.astype(np.float32)
    return x[tr], y[tr], x[te], y[te], classes
