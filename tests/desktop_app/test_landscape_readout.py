"""The curvature readout's table: estimates to their standard error's precision, no e-notation."""

from __future__ import annotations

import re

import pytest

from core.analysis.curvature import CurvatureReport, classify


def report(lambda_max=1213.4, lambda_min=-121.6, lambda_min_stderr=130.0, trace=2075.0,
           trace_stderr=460.0, lr=0.02, limit=None, grad_norm=3.8):
    limit = 2 / lr if limit is None else limit
    status, flags, message = classify(lambda_max, lambda_min, grad_norm, limit,
                                      min_stderr=lambda_min_stderr)
    return CurvatureReport(
        step=600, loss=0.3993, grad_norm=grad_norm, top_eigenvalues=[lambda_max],
        lambda_max=lambda_max, lambda_min=lambda_min, lambda_min_stderr=lambda_min_stderr,
        saddle_noise=0.0, residuals={}, trace=trace, trace_stderr=trace_stderr, lr=lr,
        two_over_lr=2 / lr, stability_limit=limit, optimizer="sgd", status=status, flags=flags,
        message=message, lanczos_steps=20, hvps=40, subset=256, seconds=0.5)


@pytest.fixture
def readout(qtbot):
    from desktop_app.theme import Theme
    from desktop_app.widgets.landscape_readout import CurvatureReadout

    w = CurvatureReadout(Theme())
    qtbot.addWidget(w)
    return w


def test_the_reviewed_numbers_lose_their_false_digits(readout):
    readout.set_report(report())                        # landscape_deep_plain at step 600
    v = readout.values
    assert v["lambda_max"].text() == "1210"            # as the plain words say it
    assert v["lambda_min"].text() == "-120 ± 130  (consistent with 0)"
    assert v["trace"].text() == "2100 ± 500"
    msg = readout.message.text()
    assert "λₘₐₓ = 1210 is well above the stability limit 100" in msg
    assert "λₘₐₓ is 12 times the limit." in msg        # not "1213% of the limit"


def test_a_trace_within_its_error_of_zero_says_so(readout):
    readout.set_report(report(lambda_max=20.0, lambda_min=0.5, lambda_min_stderr=0.3,
                              trace=-0.1167, trace_stderr=1.5, lr=0.05))
    assert readout.values["trace"].text() == "-0.1 ± 1.5  (consistent with 0)"
    assert readout.values["lambda_min"].text() == "0.50 ± 0.30"      # 1.7 errors from 0
    assert "λₘₐₓ is 50% of the limit." in readout.message.text()


def test_no_e_notation_anywhere_in_the_readout(readout):
    for scale in (1e-6, 1e-3, 1.0, 1e3, 1e6):
        readout.set_report(report(lambda_max=2.3 * scale, lambda_min=-0.4 * scale,
                                  lambda_min_stderr=0.05 * scale, trace=61.3 * scale,
                                  trace_stderr=9.2 * scale, lr=0.02, grad_norm=1e-5 * scale))
        texts = [w.text() for w in readout.values.values()] + [readout.message.text()]
        for t in texts:
            assert not re.search(r"\d[eE][+-]?\d", t), t
