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
    def control_scale(self) -> float:
        """How much larger than Fusion's own sizes check boxes, radio buttons, slider handles
        and arrows are drawn: in step with the font (1 in normal mode)."""
        return self.font_pt / 10.0

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


def scaled_fusion_style(scale: float):
    """Fusion whose indicators grow with the font (see Theme.control_scale).

    Fusion sizes check boxes, radio buttons, slider handles and arrows in pixels, whatever the
    font: at 20 pt (presentation mode at 2560 × 1440) a 14 px check box beside its label was a
    speck. Scaling these pixel metrics by the font's growth keeps them in proportion; the
    arrows of combo and spin boxes, which Fusion caps at 8 px, are drawn here at the scaled
    size. Scroll bars keep their width: nobody reads them, and the plots need the room."""
    from PySide6.QtCore import QPointF, QRectF, Qt
    from PySide6.QtGui import QPainter, QPalette, QPolygonF
    from PySide6.QtWidgets import (
        QAbstractSpinBox,
        QProxyStyle,
        QSlider,
        QStyle,
        QStyleFactory,
        QStyleOptionComboBox,
        QStyleOptionToolButton,
    )

    scaled_metrics = (
        QStyle.PM_IndicatorWidth, QStyle.PM_IndicatorHeight,
        QStyle.PM_ExclusiveIndicatorWidth, QStyle.PM_ExclusiveIndicatorHeight,
        QStyle.PM_CheckBoxLabelSpacing, QStyle.PM_RadioButtonLabelSpacing,
        QStyle.PM_SliderThickness, QStyle.PM_SliderLength, QStyle.PM_SliderControlThickness,
        QStyle.PM_SliderTickmarkOffset, QStyle.PM_MenuButtonIndicator,
    )
    arrows = {QStyle.PE_IndicatorArrowDown: Qt.DownArrow, QStyle.PE_IndicatorArrowUp: Qt.UpArrow,
              QStyle.PE_IndicatorArrowLeft: Qt.LeftArrow,
              QStyle.PE_IndicatorArrowRight: Qt.RightArrow,
              QStyle.PE_IndicatorSpinDown: Qt.DownArrow, QStyle.PE_IndicatorSpinUp: Qt.UpArrow}
    spin_buttons = (QStyle.SC_SpinBoxUp, QStyle.SC_SpinBoxDown)

    class ScaledFusion(QProxyStyle):
        def __init__(self):
            super().__init__(QStyleFactory.create("Fusion"))
            self.scale = scale

        def pixelMetric(self, metric, option=None, widget=None):  # noqa: N802 (Qt's name)
            v = super().pixelMetric(metric, option, widget)
            return round(v * self.scale) if metric in scaled_metrics else v

        def combo_extra(self, option, widget) -> int:
            base = self.baseStyle().subControlRect(QStyle.CC_ComboBox, option,
                                                   QStyle.SC_ComboBoxArrow, widget)
            # Half the scale's growth: a 16 px arrow fits a 29 px field with a margin, and
            # every pixel more would come out of the plots beside the controls.
            return round(base.width() * (self.scale - 1) / 2)

        def drawPrimitive(self, element, option, painter, widget=None):  # noqa: N802
            kind = arrows.get(element)
            if kind is None or self.scale <= 1.0:
                return super().drawPrimitive(element, option, painter, widget)
            draw_arrow(painter, option, kind, self.scale)

        def subControlRect(self, control, option, sub, widget=None):  # noqa: N802
            r = super().subControlRect(control, option, sub, widget)
            if self.scale <= 1.0:
                return r
            # Room for larger arrows: Fusion's arrow field of a combo box is 19 px, the
            # buttons of a spin box 14 px, whatever the font.
            if control == QStyle.CC_ComboBox:
                extra, button, field = (self.combo_extra(option, widget),
                                        (QStyle.SC_ComboBoxArrow,), QStyle.SC_ComboBoxEditField)
            elif control == QStyle.CC_SpinBox:
                up = super().subControlRect(control, option, QStyle.SC_SpinBoxUp, widget)
                extra, button, field = (round(up.width() * (self.scale - 1)), spin_buttons,
                                        QStyle.SC_SpinBoxEditField)
            else:
                return r
            if sub in button:
                return r.adjusted(-extra, 0, 0, 0)
            return r.adjusted(0, 0, -extra, 0) if sub == field else r

        def sizeFromContents(self, kind, option, size, widget=None):  # noqa: N802
            out = super().sizeFromContents(kind, option, size, widget)
            if (kind == QStyle.CT_Slider and self.scale > 1.0
                    and option.tickPosition != QSlider.NoTicks):
                # Fusion centres the handle a tick length away from the ticks: a widget only as
                # high as Qt's tick allowance cut the larger handle's top off.
                need = (self.pixelMetric(QStyle.PM_SliderThickness, option, widget)
                        + 2 * self.pixelMetric(QStyle.PM_SliderTickmarkOffset, option, widget))
                if option.orientation == Qt.Horizontal:
                    out.setHeight(max(out.height(), need))
                else:
                    out.setWidth(max(out.width(), need))
            elif kind == QStyle.CT_ComboBox and self.scale > 1.0:
                out.setWidth(out.width() + self.combo_extra(option, widget))
            elif (kind == QStyle.CT_ToolButton and self.scale > 1.0
                  and option.features & QStyleOptionToolButton.HasMenu
                  and not option.features & QStyleOptionToolButton.MenuButtonPopup):
                # The menu arrow sits in the button's bottom-right corner over the centred
                # label: widen the button by twice the arrow's growth, or it covers the text.
                base = self.baseStyle().pixelMetric(QStyle.PM_MenuButtonIndicator, option, widget)
                out.setWidth(out.width() + 2 * (round(base * self.scale) - base))
            return out

        def drawComplexControl(self, control, option, painter, widget=None):  # noqa: N802
            if control == QStyle.CC_SpinBox and self.scale > 1.0:
                # Fusion draws its arrows itself, at most 8 px: draw larger ones over them.
                super().drawComplexControl(control, option, painter, widget)
                for sub, kind in ((QStyle.SC_SpinBoxUp, Qt.UpArrow),
                                  (QStyle.SC_SpinBoxDown, Qt.DownArrow)):
                    if option.subControls & sub:
                        arrow = type(option)(option)
                        arrow.rect = self.subControlRect(control, option, sub, widget)
                        if not option.stepEnabled & (QAbstractSpinBox.StepUpEnabled
                                                     if sub == QStyle.SC_SpinBoxUp
                                                     else QAbstractSpinBox.StepDownEnabled):
                            arrow.state = arrow.state & ~QStyle.State_Enabled
                        draw_arrow(painter, arrow, kind, self.scale)
                return None
            if (control != QStyle.CC_ComboBox or self.scale <= 1.0
                    or not option.subControls & QStyle.SC_ComboBoxArrow):
                return super().drawComplexControl(control, option, painter, widget)
            # Fusion draws the combo box's arrow itself, at most 8 px: draw the box without it
            # and the arrow at the font's scale.
            opt = QStyleOptionComboBox(option)
            opt.subControls = option.subControls & ~QStyle.SC_ComboBoxArrow
            super().drawComplexControl(control, opt, painter, widget)
            r = self.subControlRect(control, option, QStyle.SC_ComboBoxArrow, widget)
            arrow = type(option)(option)
            arrow.rect = r
            draw_arrow(painter, arrow, Qt.DownArrow, self.scale)

    def draw_arrow(painter, option, kind, k):
        # Fusion's triangle (14 × 8, capped at 8 px) at k times its size, in the text colour.
        w = min(8.0 * k, option.rect.width(), option.rect.height() * 14 / 8)
        h = w * 8 / 14
        if kind in (Qt.LeftArrow, Qt.RightArrow):
            w, h = h, w
        c = QRectF(option.rect).center()
        box = QRectF(c.x() - w / 2, c.y() - h / 2, w, h)
        pts = {Qt.DownArrow: (box.topLeft(), box.topRight(), QPointF(c.x(), box.bottom())),
               Qt.UpArrow: (box.bottomLeft(), box.bottomRight(), QPointF(c.x(), box.top())),
               Qt.LeftArrow: (box.topRight(), box.bottomRight(), QPointF(box.left(), c.y())),
               Qt.RightArrow: (box.topLeft(), box.bottomLeft(), QPointF(box.right(), c.y()))}
        enabled = bool(option.state & QStyle.State_Enabled)
        color = option.palette.color(QPalette.Active if enabled else QPalette.Disabled,
                                     QPalette.ButtonText)
        painter.save()
        painter.setRenderHint(QPainter.Antialiasing)
        painter.setPen(Qt.NoPen)
        painter.setBrush(color)
        painter.drawPolygon(QPolygonF(list(pts[kind])))
        painter.restore()

    return ScaledFusion()


def apply_qt_theme(app, theme: Theme) -> None:
    """Fusion style, its indicators scaled with the font, and a palette and application font
    matching the theme."""
    from PySide6.QtGui import QColor, QFont, QPalette

    style = app.style()
    if getattr(style, "scale", None) != theme.control_scale:
        style = scaled_fusion_style(theme.control_scale)
        style.setParent(app)     # the application deletes it when a newer style replaces it
        app.setStyle(style)
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
