"""The keys above the recurrent plots wrap between entries only: a glyph and its label are one
unit ("|λ| = ρ" was split into "|λ|" and "= ρ" on two lines at 1280 × 800)."""

from __future__ import annotations

from desktop_app.plots.rnn_key import WORD_JOINER


def _lines(html: str, width: float, font) -> list[str]:
    """The text of each line when `html` is laid out `width` pixels wide (as a QLabel does)."""
    from PySide6.QtGui import QTextDocument

    doc = QTextDocument()
    doc.setDefaultFont(font)
    doc.setHtml(html)
    doc.setTextWidth(width)
    doc.size()                                    # lays the document out
    lines = []
    block = doc.begin()
    while block.isValid():
        layout, text = block.layout(), block.text()
        for i in range(layout.lineCount()):
            line = layout.lineAt(i)
            lines.append(text[line.textStart():line.textStart() + line.textLength()])
        block = block.next()
    return [ln.replace(WORD_JOINER, "").replace("\u00a0", " ").strip() for ln in lines]


def _natural_width(html: str, font) -> float:
    from PySide6.QtGui import QTextDocument

    doc = QTextDocument()
    doc.setDefaultFont(font)
    doc.setHtml(html)
    doc.setTextWidth(1e5)
    return doc.idealWidth()


def test_key_entries_never_split_at_any_width(qtbot):
    from PySide6.QtGui import QFont

    from desktop_app.plots.rnn_key import GLYPHS, key_html
    from desktop_app.theme import Theme

    t = Theme()
    entries = [("#0072B2", "point", "λ now"), ("#999999", "hollow", "λ at step 0"),
               ("#000000", "solid", "|λ| = 1"), ("#E69F00", "dot", "|λ| = ρ"),
               ("#CC79A7", "line_point", "σᵢ"), ("#009E73", "dash_point", "90th / 10th pct"),
               ("#999999", "dash", "0.5 = σ(0)"), ("#E69F00", "dash", "ρ₀ᵀ⁻ᵗ, linear RNN")]
    html = key_html(entries, t)
    for size in (9.0, 14.0):                     # desk and presentation font sizes
        font = QFont()
        font.setPointSizeF(size)
        widest = max(_natural_width(key_html([e], t), font) for e in entries)
        full = _natural_width(html, font)
        assert full > 2 * widest                 # the widths below do wrap the key
        wrapped = False
        w = widest + 1
        while w < full:
            lines = _lines(html, w, font)
            wrapped |= len(lines) > 1
            assert all(lines), (w, lines)        # no blank line from a separator
            for _, glyph, label in entries:
                unit = f"{GLYPHS.get(glyph, glyph)} {label}"
                assert any(unit in ln for ln in lines), (w, unit, lines)
            w += 2
        assert wrapped
