"""A legend drawn as one line of coloured text above a plot (never over the data).

The recurrent lab's plots fill their whole area (eigenvalues all round the unit circle,
gradients anchored at the right edge and fanning out to the left), so an in-plot legend always
hides some of them. Each entry is a glyph in the series' colour (its marker and line style:
● filled, ○ hollow, ━ solid, ╍ dashed, ┄ dotted) and a name.
"""

from __future__ import annotations

import html

import pyqtgraph as pg

from desktop_app.theme import Theme

GLYPHS = {"point": "●", "hollow": "○", "solid": "━━", "dash": "╍╍", "dot": "┄┄",
          "line_point": "━●━", "dash_point": "╍●╍", "dashdot_square": "━·■·━",
          "line_triangle": "━▲━", "square": "■"}


def key_html(entries, theme: Theme) -> str:
    """entries: [(colour, glyph name or text, label)] → HTML for a LabelItem."""
    parts = []
    for color, glyph, label in entries:
        g = GLYPHS.get(glyph, glyph)
        parts.append(f"<span style='color:{color}'>{g}</span>&nbsp;"
                     f"<span style='color:{theme.fg}'>{html.escape(label)}</span>")
    return " &nbsp;&nbsp; ".join(parts)


class KeyRow:
    """A LabelItem in a GraphicsLayout row showing `entries` in the theme's font size."""

    def __init__(self, glw: pg.GraphicsLayoutWidget, row: int, col: int = 0, colspan: int = 1):
        self.item = glw.addLabel("", row=row, col=col, colspan=colspan)
        self.entries: list = []

    def set(self, entries, theme: Theme) -> None:
        self.entries = list(entries)
        self.item.setText(key_html(self.entries, theme), size=f"{theme.tick_pt:g}pt",
                          color=theme.fg)

    def text(self) -> str:
        """The labels, for tests and screen readers."""
        return " ".join(label for _, _, label in self.entries)
