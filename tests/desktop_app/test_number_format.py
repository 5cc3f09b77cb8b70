"""Numbers as captions show them: Unicode powers of ten instead of 1e-05 or 10^-17.7, and a
zero loss gap written as zero."""

from __future__ import annotations

import math
import re

import pytest

from desktop_app.plots.clean import fmt
from desktop_app.plots.numfmt import diff, log_range_text, num, pow10, sci, sub, sup


@pytest.mark.parametrize("x, digits, want", [
    (2e-18, 2, "2.0 × 10⁻¹⁸"),
    (10 ** -17.7, 2, "2.0 × 10⁻¹⁸"),
    (10 ** -1.25, 2, "5.6 × 10⁻²"),
    (-3.14e5, 2, "-3.1 × 10⁵"),
    (9.96e-5, 2, "1.0 × 10⁻⁴"),          # the mantissa rounds up into the next decade
    (6.3, 2, "6.3"),                      # exponent 0: no "× 10⁰"
    (0.0, 2, "0"),
    (1e300, 3, "1.00 × 10³⁰⁰"),
])
def test_sci(x, digits, want):
    assert sci(x, digits) == want


@pytest.mark.parametrize("x", [math.nan, math.inf, -math.inf, None])
def test_not_a_number_is_a_dash_everywhere(x):
    assert sci(x) == num(x) == pow10(x) == fmt(x) == "—"
    assert diff(x, 1.0) == diff(1.0, x) == "—"


def test_heatmap_colour_range():
    # The deep lab's heatmap caption said "(10^-17.7 to 10^-1.2)".
    assert log_range_text(-17.7, -1.25) == "2.0 × 10⁻¹⁸ (dark) to 5.6 × 10⁻² (bright)"


def test_pow10_and_scripts():
    assert pow10(-17.7) == "10⁻¹⁷·⁷"
    assert pow10(-18) == pow10(-17.96) == "10⁻¹⁸"
    assert pow10(3) == "10³"
    assert sup(-12) == "⁻¹²" and sub(50) == "₅₀"


@pytest.mark.parametrize("x, want", [
    (0.693147, "0.693"), (0.5, "0.5"), (12.0, "12"), (1234.0, "1230"), (-0.25, "-0.25"),
    (0.001, "0.001"), (0.00099951, "0.001"),                    # rounds into the plain range
    (1.234e-4, "1.23 × 10⁻⁴"), (-6e-8, "-6 × 10⁻⁸"), (5e4, "5 × 10⁴"), (9999.6, "1 × 10⁴"),
])
def test_num_and_fmt_never_print_e_notation(x, want):
    assert num(x) == want == fmt(x)
    assert "e" not in want


@pytest.mark.parametrize("a, b, want", [
    (0.6931472, 0.69314726, "0.000"),     # the reported zero gap, not "-6e-08" …
    (0.69314726, 0.6931472, "0.000"),     # … and not "-0.000"
    (0.25, 0.5, "+0.250"),
    (0.0150, 0.0123, "-0.0027"),
    (123.0, 130.0, "+7"),
    (1.0e-7, 1.27e-7, "+2.7 × 10⁻⁸"),     # beyond the plain range: in powers of ten
    (1.0e-7, 1.0000001e-7, "0"),
    (0.0, 0.0, "0"),
])
def test_diff_is_shown_at_the_resolution_of_the_values(a, b, want):
    assert diff(a, b) == want


def test_rnn_gradient_ratio():
    from desktop_app.plots.rnn_grad_time import ratio_text

    assert ratio_text(1.1e-5) == "1.1 × 10⁻⁵"        # was "10^-5.0"
    assert ratio_text(2.5e4) == "2.5 × 10⁴"
    assert ratio_text(0.0123) == "0.0123" and ratio_text(41.1) == "41.1"
    assert ratio_text(0.0) == ratio_text(math.nan) == "—"


def test_captions_print_no_raw_exponents(make_window, qtbot):
    win = make_window()
    c, lab = win.controller, win.labs["deep"]
    c.step(10)
    qtbot.waitUntil(lambda: c.step_count == 10, timeout=30000)
    for p in lab.panels():
        p.dirty = True
    lab.refresh(c.history, force_range=True)
    notes = [lab.heatmap.note.text(), lab.loss.note.text()]
    assert "gap" in notes[1] and "(dark) to" in notes[0]
    for text in notes:
        assert "10^" not in text and not re.search(r"\de[-+]\d", text), text


def test_the_desktop_module_re_exports_core_numfmt():
    """The formatter lives in core (its messages use it); desktop_app.plots.numfmt re-exports it."""
    import core.numfmt
    import desktop_app.plots.numfmt

    assert "with_error" in core.numfmt.__all__
    for name in core.numfmt.__all__:
        assert getattr(desktop_app.plots.numfmt, name) is getattr(core.numfmt, name)
