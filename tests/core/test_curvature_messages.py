"""The curvature readout's plain words: numbers as students read them (1210, 2.0 × 10⁻⁶),
never Python's e-notation (1.21e+03, 1e-05)."""

from __future__ import annotations

import itertools
import re

from core.analysis.curvature import STATUSES, classify

E_NOTATION = re.compile(r"\d[eE][+-]?\d")


def test_the_reviewed_unstable_message_reads_as_plain_numbers():
    status, _, msg = classify(1213.4, -121.6, 3.8, 100.0, min_stderr=130 / 3)
    assert status == "unstable"
    assert msg.startswith("λₘₐₓ = 1210 is well above the stability limit 100 ")


def test_small_numbers_use_powers_of_ten():
    status, _, msg = classify(2e-6, 1e-6, 1e-5, 100.0)
    assert status == "plateau"
    assert msg.startswith("gradient (1 × 10⁻⁵) and curvature (2 × 10⁻⁶) are both tiny")


def test_no_verdict_writes_e_notation_for_values_from_1e_minus_6_to_1e6():
    seen = set()
    mags = [10.0 ** e * m for e in range(-6, 7) for m in (1.0, 1.234)]
    for lmax, limit in itertools.product(mags, [1e-6, 2e-3, 1.0, 100.0, 4.5e5, 1e6]):
        for lmin_frac, grad, se in ((0.5, 1.0, 0.0), (-0.5, 1.0, 0.0), (-0.001, 1e-4, 0.0),
                                    (-0.3, 1e-6, 0.07 * lmax), (0.0, 3e-5, 0.0)):
            status, _, msg = classify(lmax, lmin_frac * lmax, grad * lmax, limit,
                                      min_stderr=se)
            seen.add(status)
            assert not E_NOTATION.search(msg), msg
            assert "e+" not in msg and "e-0" not in msg, msg
    assert seen == set(STATUSES)      # every verdict's wording was checked
