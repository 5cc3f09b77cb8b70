"""Light/dark themes and presentation mode, applied to Qt widgets and pyqtgraph plots alike.

Colours are colour-blind safe: Okabe-Ito for a few series, viridis sampled for many, and
viridis/cividis colour maps for heatmaps.
"""

from __future__ import annotations

from dataclasses import dataclass

# Okabe & Ito (2008): distinguishable under the common colour-vision deficiencies.
OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442",
             "#000000")
TRAIN_COLOR = "#0072B2"   # blue
TEST_COLOR = "#D55E00"    # vermillion
CLASS_COLORS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00")
HEATMAP_CMAP = "viridis"
BOUNDARY_CMAP = "cividis"


@dataclass(frozen=True)
class Theme:
    name: str = "light"          # "light" or "dark"
    presentation: bool = False   # larger fonts and marks for projectors
    # Presentation sizes are for a 1920 × 1080 window; the window scales them (see
    # presentation_scale) so that text keeps its share of the projected image at any resolution.
    scale: float = 1.0

    @property
    def dark(self) -> bool:
        return self.name == "dark"

    @property
    def bg(self) -> str:
        return "#1e1f22" if self.dark else "#ffffff"

    @property
    def panel_bg(self) -> str:
        return "#2b2d31" if self.dark else "#f4f5f7"

    @property
    def fg(self) -> str:
        return "#e6e6e6" if self.dark else "#202124"

    @property
    def muted(self) -> str:
        return "#9aa0a6" if self.dark else "#6b7075"

    @property
    def ink(self) -> str:
        """Black in light mode, white in dark: the eighth Okabe-Ito colour, legible on bg."""
        return "#ffffff" if self.dark else "#000000"

    @property
    def font_pt(self) -> float:
        return round(15.0 * self.scale, 1) if self.presentation else 10.0

    @property
    def tick_pt(self) -> float:
        return round(14.0 * self.scale, 1) if self.presentation else 9.0

    @property
    def title_pt(self) -> float:
        return round(17.0 * self.scale, 1) if self.presentation else 11.0

    @property
    def pen_width(self) -> int:
        """Width of short per-layer curves (long live curves stay 1 px: PITFALLS)."""
        return 3 if self.presentation else 2

    @property
    def symbol_size(self) -> int:
        return 9 if self.presentation else 6

    @property
    def warn_bg(self) -> str:
        return "#5c3b00" if self.dark else "#fff4e0"

    @property
    def warn_border(self) -> str:
        return "#E69F00"


def blend(color: str, bg: str, alpha: float) -> str:
    """The opaque colour of `color` drawn with `alpha` over `bg` (#rrggbb), for a key's glyph
    that must match a translucent curve or area."""
    c = [int(color[i:i + 2], 16) for i in (1, 3, 5)]
    b = [int(bg[i:i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(y + (x - y) * alpha):02x}" for x, y in zip(c, b, strict=True))


def presentation_scale(width: int, height: int) -> float:
    """The scale of presentation-mode sizes for a window of width × height (logical pixels).

    What a student at the back reads is text height as a share of the projected image, so the
    sizes follow the window: the 15 pt of a 1920 × 1080 window becomes 10.5 pt at 1280 × 800
    (where 15 pt squeezed the plots to slivers) and 20 pt at 2560 × 1440. Rounded to 0.05 so
    that dragging the window's edge does not restyle every plot at each pixel; never below the
    normal sizes."""
    s = min(width / 1920, height / 1080)
    return round(min(max(s, 0.7), 1.5) * 20) / 20


def series_colors(n: int, dark: bool = False) -> list[str]:
    """n distinguishable colours: Okabe-Ito up to 7, its seventh being black on a light
    background and yellow on a dark one (each is unreadable on the other); viridis beyond."""
    if n <= 7:
        return list(OKABE_ITO[:min(n, 6)]) + (["#F0E442" if dark else "#000000"] if n == 7 else [])
    import pyqtgraph as pg

    cmap = pg.colormap.get("viridis")
    return [cmap.map(0.9 * i / max(n - 1, 1), mode="qcolor").name() for i in range(n)]


def apply_qt_theme(app, theme: Theme) -> None:
    """Fusion style with a palette and application font matching the theme."""
    from PySide6.QtGui import QColor, QFont, QPalette

    app.setStyle("Fusion")
    pal = QPalette()
    if theme.dark:
        # Base (input fields, check boxes) lighter than the window: Fusion outlines a check
        # box in a darker shade of the window, which vanished against a darker base.
        base, window, text, button = "#3a3c42", "#2b2d31", "#e6e6e6", "#45484f"
        highlight, disabled = "#3d7bd9", "#7a7f85"
    else:
        base, window, text, button = "#ffffff", "#f4f5f7", "#202124", "#e9eaee"
        highlight, disabled = "#0072B2", "#9aa0a6"
    roles = {QPalette.Window: window, QPalette.WindowText: text, QPalette.Base: base,
             QPalette.AlternateBase: window, QPalette.Text: text, QPalette.Button: button,
             QPalette.ButtonText: text, QPalette.ToolTipBase: base, QPalette.ToolTipText: text,
             QPalette.Highlight: highlight, QPalette.HighlightedText: "#ffffff",
             QPalette.PlaceholderText: disabled, QPalette.Link: "#56B4E9"}
    for role, c in roles.items():
        pal.setColor(role, QColor(c))
    for role in (QPalette.WindowText, QPalette.Text, QPalette.ButtonText):
        pal.setColor(QPalette.Disabled, role, QColor(disabled))
    app.setPalette(pal)
    font = QFont(app.font())
    font.setPointSizeF(theme.font_pt)
    app.setFont(font)


def style_plot_item(plot, theme: Theme) -> None:
    """Axis pens, tick fonts and label colours of one pyqtgraph PlotItem."""
    import pyqtgraph as pg
    from PySide6.QtGui import QFont

    tick_font = QFont()
    tick_font.setPointSizeF(theme.tick_pt)
    for name in ("left", "bottom", "right", "top"):
        ax = plot.getAxis(name)
        ax.setPen(pg.mkPen(theme.muted))
        ax.setTextPen(pg.mkPen(theme.fg))
        ax.setTickFont(tick_font)
        if ax.label is not None and ax.labelText:
            ax.setLabel(ax.labelText, units=ax.labelUnits,
                        **{"color": theme.fg, "font-size": f"{theme.tick_pt + 1:g}pt"})
    legend = plot.legend
    if legend is not None:
        legend.setLabelTextColor(theme.fg)
        legend.setLabelTextSize(f"{theme.tick_pt:g}pt")
        legend.setBrush(pg.mkBrush(theme.bg + "c8"))
        legend.setPen(pg.mkPen(theme.muted))
        for _, label in legend.items:
            label.setText(label.text, color=theme.fg, size=f"{theme.tick_pt:g}pt")
