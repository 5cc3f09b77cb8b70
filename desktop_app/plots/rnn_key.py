"""A legend as one line of coloured text between a panel's header and its plot.

The recurrent lab's plots fill their whole area (eigenvalues all round the unit circle,
gradients anchored at the right edge and fanning out to the left), so an in-plot legend always
hides some of them. Each entry is a glyph in the series' colour (its marker and line style:
● filled, ○ hollow, ━ solid, ╍ dashed, ┄ dotted) and a name. It is a word-wrapping QLabel,
not a pyqtgraph LabelItem: a long key wraps instead of widening the plot layout past the
panel, and the panel's PNG/SVG export includes it.

A key wraps only between entries, never inside one: Qt breaks lines by the Unicode rules, which
allow a break after "|" or "/" even next to a no-break space (at 1280 × 800 "|λ|" ended one line
and "= ρ" began the next). So every character of an entry is glued to the next with a word
joiner (U+2060, no width, no break either side); entries are separated by two no-break spaces
and a space, the only break opportunity, so no line starts with a blank.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QSizePolicy

from desktop_app.theme import Theme

GLYPHS = {"point": "●", "hollow": "○", "solid": "━━", "dash": "╍╍", "dot": "┄┄",
          "line_point": "━●━", "dash_point": "╍●╍", "dashdot_square": "━·■·━",
          "line_triangle": "━▲━", "square": "■"}


WORD_JOINER = "\u2060"
# Between entries: two no-break spaces (glued to the entry before) and a space, after which
# alone a line may break (a plain space would be collapsed by the HTML parser).
ENTRY_SEPARATOR = WORD_JOINER + "\u00a0\u00a0 "


def unbreakable(text: str) -> str:
    """`text` with a word joiner between any two characters and no-break spaces: a line
    never breaks inside it."""
    return WORD_JOINER.join(text.replace(" ", "\u00a0"))


def key_html(entries, theme: Theme) -> str:
    """entries: [(colour, glyph name or text, label)] → rich text; each entry (glyph and
    label) is one unbreakable unit."""
    parts = []
    for color, glyph, label in entries:
        g = unbreakable(GLYPHS.get(glyph, glyph))
        name = html.escape(unbreakable(label))
        parts.append(f"<span style='color:{color}'>{g}</span>{WORD_JOINER}\u00a0{WORD_JOINER}"
                     f"<span style='color:{theme.fg}'>{name}</span>")
    return ENTRY_SEPARATOR.join(parts)


class KeyRow:
    """A centred, wrapping key line inserted under the header of PlotPanel `panel`."""

    def __init__(self, panel):
        self.label = QLabel()
        self.label.setObjectName("plotKey")
        self.label.setTextFormat(Qt.RichText)
        self.label.setWordWrap(True)
        self.label.setAlignment(Qt.AlignCenter)
        self.label.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Preferred)
        panel.layout().insertWidget(1, self.label)
        self.entries: list = []

    def set(self, entries, theme: Theme) -> None:
        self.entries = list(entries)
        self.label.setText(f"<span style='font-size:{theme.tick_pt:g}pt'>"
                           f"{key_html(self.entries, theme)}</span>")

    def text(self) -> str:
        """The labels, for tests and screen readers."""
        return " ".join(label for _, _, label in self.entries)


def caption(panel, short: str, detail: str = "") -> None:
    """A short note under the plot (it must fit presentation mode) with the longer
    explanation as its tooltip."""
    panel.set_note(short, detail or short)
