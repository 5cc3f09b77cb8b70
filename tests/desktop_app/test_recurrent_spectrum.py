"""The W_hh eigenvalue view: it shows the unit circle and the step-0 eigenvalues (the picture
the lessons describe) and every current eigenvalue, or, after a blow-up (rnn_exploding: ρ = 1245
after the diverging step), keeps that scale and puts the far eigenvalues on its edge."""

from __future__ import annotations

import math

import numpy as np
import pytest

from core.analysis.recurrent_series import matrix_spectrum
from desktop_app.plots.rnn_key import WORD_JOINER


def _spectrum(w):
    from desktop_app.plots.rnn_task import Spectrum

    return Spectrum.from_dict(matrix_spectrum(w))


def _orthogonal(n, rho, seed=0):
    q, _ = np.linalg.qr(np.random.default_rng(seed).standard_normal((n, n)))
    return rho * q


@pytest.fixture
def panel(qtbot):
    from desktop_app.plots.rnn_spectrum import RnnSpectrumPlot
    from desktop_app.theme import Theme

    p = RnnSpectrumPlot(Theme())
    qtbot.addWidget(p)
    p.resize(420, 360)
    p.show()
    return p


def _draw(panel):
    panel.draw(None, True)


def _half_widths(panel):
    (x0, x1), (y0, y1) = panel.plane.viewRange()
    return min(-x0, x1), min(-y0, y1)


def test_the_view_holds_the_step_0_eigenvalues(panel):
    """rnn_clipping: step-0 eigenvalues at 1.1, trained ones inside the unit circle."""
    w0 = _orthogonal(16, 1.1)
    now = _spectrum(0.9 * w0)
    panel.set_spectrum(now, "Step 300", _spectrum(w0))
    _draw(panel)
    hx, hy = _half_widths(panel)
    assert min(hx, hy) >= 1.1 * 1.1          # |λ| = 1.1 with room for the marker
    assert not panel.off_scale and len(panel.beyond.data) == 0
    assert len(panel.current.getData()[0]) == 16
    # Before training (no step-0 spectrum yet) the view fits the preview itself.
    panel.set_spectrum(_spectrum(_orthogonal(16, 2.0)), "Before training (preview)", None)
    _draw(panel)
    assert min(_half_widths(panel)) >= 2.0 * 1.1 and not panel.off_scale


def test_a_blown_up_w_keeps_the_step_0_scale_and_marks_the_far_eigenvalues(panel):
    rng = np.random.default_rng(3)
    w0 = _orthogonal(32, 1.1)
    w = w0 + 300.0 * rng.standard_normal((32, 32))          # ρ in the thousands
    now = _spectrum(w)
    rho = now.radius
    assert rho > 1000
    panel.set_spectrum(now, "Step 2", _spectrum(w0))
    _draw(panel)
    assert panel.off_scale
    hx, hy = _half_widths(panel)
    assert 1.1 * 1.1 <= min(hx, hy) and min(hx, hy) < 2.0    # the unit circle's scale, not 1245
    # Every far eigenvalue sits on the ring at its own angle; none is drawn where it is.
    mags = np.hypot(now.real, now.imag)
    edge = 1.15 * 1.1
    far = mags > edge
    pts = panel.beyond.data
    assert len(pts) == far.sum() > 0
    np.testing.assert_allclose(np.hypot(pts["x"], pts["y"]), edge, rtol=1e-9)
    np.testing.assert_allclose(np.sort(np.arctan2(pts["y"], pts["x"])),
                               np.sort(np.arctan2(now.imag[far], now.real[far])), atol=1e-9)
    assert len(panel.current.getData()[0]) == (~far).sum()
    x, _ = panel.rho_circle.getData()
    assert x is None or len(x) == 0                          # the ρ circle is off the view
    note = getattr(panel.note, "full_text", "") or panel.note.text()   # before any "…"
    assert f"ρ = max|λ| = {rho:.0f}, off the view" in note.replace(WORD_JOINER, "").replace(
        "\u00a0", " ")
    _never_split(note, "max|λ|", panel.note.font())
    assert f"|λ| = ρ = {rho:.0f}" in panel.note.toolTip()
    assert "off the view" in panel.key_row.text() and "|λ| = ρ" not in panel.key_row.text()
    # The singular values keep their step-0 scale too; the far ones at the top, pointing up.
    lo, hi = panel.sv.viewRange()[1]
    assert hi < 3.0
    assert len(panel.sv_beyond.data) == int(np.sum(now.singular > 1.15 * 1.1))
    # Back to a normal spectrum: everything where it is, and the ρ circle again.
    panel.set_spectrum(_spectrum(1.5 * w0 / 1.1), "Step 3", _spectrum(w0))
    _draw(panel)
    assert not panel.off_scale and len(panel.beyond.data) == 0
    assert min(_half_widths(panel)) >= 1.5 * 1.1 and "|λ| = ρ" in panel.key_row.text()


def _never_split(text, unit, font):
    """`unit` is on one line whatever the width the caption is laid out in."""
    from PySide6.QtGui import QTextDocument

    doc = QTextDocument()
    doc.setDefaultFont(font)
    doc.setPlainText(text)
    for width in range(80, 600, 3):
        doc.setTextWidth(width)
        doc.size()
        block, lines = doc.begin(), []
        while block.isValid():
            lay, t = block.layout(), block.text()
            lines += [t[lay.lineAt(i).textStart():lay.lineAt(i).textStart()
                        + lay.lineAt(i).textLength()] for i in range(lay.lineCount())]
            block = block.next()
        assert any(unit in ln.replace(WORD_JOINER, "") for ln in lines), (width, lines)


def test_rho_reads_the_same_in_every_caption():
    from desktop_app.plots.rnn_spectrum import rho_text

    assert rho_text(1245.3) == "1245"           # not "1240" (3 significant digits)
    assert rho_text(1.0372) == "1.037" and rho_text(0.99241) == "0.9924"
    assert rho_text(math.nan) == "—"
