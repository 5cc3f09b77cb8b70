"""core.numfmt.with_error: a value shown to its uncertainty's precision (no false digits)."""

from __future__ import annotations

import math
import re

import pytest

from core.numfmt import NONE, num, with_error


@pytest.mark.parametrize("x, err, want", [
    (-0.1167, 1.5, "-0.1 ± 1.5"),         # the review's trace H at a minimum (was -0.1167 ± 1.5)
    (2.019, 2.1, "2.0 ± 2.1"),
    (61.3, 9.2, "61 ± 9"),                # first digits 355–949: one significant digit
    (-121.6, 130, "-120 ± 130"),          # 100–354: two
    (2075, 460, "2100 ± 500"),
    (0.97, 0.97, "1.0 ± 1.0"),            # 950–999 round up to two digits of the next decade
    (5, 0.0097, "5.000 ± 0.010"),
    (0.0, 0.3, "0.00 ± 0.30"),
    (-0.0004, 0.01, "0.000 ± 0.010"),     # no "-0.000"
    (0.25, 0.1, "0.25 ± 0.10"),           # half away from zero: 2.5 → 3 would be 0.3; 25 stays
    (0.125, 0.01, "0.125 ± 0.010"),
    (0.0125, 0.01, "0.013 ± 0.010"),      # 12.5 units of 10⁻³ round up (round() gives 12)
    (-0.0125, 0.01, "-0.013 ± 0.010"),
])
def test_with_error_plain(x, err, want):
    assert with_error(x, err) == want


@pytest.mark.parametrize("x, err, want", [
    (2.0e-5, 2.1e-5, "(2.0 ± 2.1) × 10⁻⁵"),
    (12345, 300, "(1.235 ± 0.030) × 10⁴"),
    (1e6, 3e5, "(1.00 ± 0.30) × 10⁶"),
    (-3.3e-7, 1e-8, "(-3.30 ± 0.10) × 10⁻⁷"),
    (1e-9, 5e-4, "(0 ± 5) × 10⁻⁴"),         # the value vanishes at the error's precision
])
def test_with_error_shares_one_power_of_ten_outside_the_plain_range(x, err, want):
    assert with_error(x, err) == want


def test_with_error_caps_the_value_digits_and_gives_the_error_on_its_own():
    assert with_error(0.693147, 1.2e-6) == "0.6931 ± 1.2 × 10⁻⁶"
    assert with_error(0.693147, 1.2e-6, max_digits=6) == "0.693147 ± 1.2 × 10⁻⁶"
    assert with_error(0.693147, 1.2e-6, max_digits=7) == "0.6931470 ± 0.0000012"
    assert with_error(1e300, 1e-300) == f"{num(1e300, 4)} ± {num(1e-300, 2)}"   # no overflow


@pytest.mark.parametrize("err", [math.nan, math.inf, None, 0.0, -1.0])
def test_with_error_without_a_usable_error_is_the_value_alone(err):
    assert with_error(2.019, err) == "2.019"


@pytest.mark.parametrize("x", [math.nan, math.inf, None])
def test_with_error_of_no_number_is_a_dash(x):
    assert with_error(x, 1.0) == NONE


def test_with_error_never_writes_e_notation_and_rounds_to_the_shown_error():
    for ex in range(-8, 9):
        for m in (1.0, 2.04, 3.6, 9.7, 9.96):
            err = m * 10.0 ** ex
            for x in (0.0, -0.37 * err, 3.3 * err, -120.4 * err):
                s = with_error(x, err)
                assert not re.search(r"\de[+-]?\d", s), s
                if "×" in s:
                    continue
                v_text, e_text = s.split(" ± ")
                places = len(e_text.partition(".")[2])          # both to the same decimal
                assert len(v_text.partition(".")[2]) == places, s
                unit = 10.0 ** -places if places else 10.0 ** math.floor(math.log10(float(e_text)))
                assert abs(float(v_text) - x) <= 0.5001 * unit, s    # to the error's decade
                assert 1 <= len(e_text.replace(".", "").strip("0")) <= 2, s     # 1–2 digits
