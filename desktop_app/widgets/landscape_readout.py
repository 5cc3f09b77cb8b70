"""The curvature readout beside the landscape: λₘₐₓ, λₘᵢₙ, trace, 2/lr and a plain-words status.

Filled from core's CurvatureReport (computed in the lab's analysis worker)."""

from __future__ import annotations

import html
import math

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from core.numfmt import num, with_error
from desktop_app.plots.clean import fmt
from desktop_app.theme import Theme

STATUS_WORDS = {"stable": "Stable", "edge_of_stability": "Edge of stability",
                "unstable": "Unstable (beyond 2/lr)", "saddle": "Saddle point", "plateau": "Plateau"}
# Okabe-Ito: green, orange, vermillion, reddish purple, sky blue.
STATUS_COLORS = {"stable": "#009E73", "edge_of_stability": "#E69F00", "unstable": "#D55E00",
                 "saddle": "#CC79A7", "plateau": "#56B4E9"}

ROWS = (
    ("lambda_max", "λₘₐₓ", "Largest Hessian eigenvalue: the curvature along the sharpest direction"),
    ("lambda_min", "λₘᵢₙ", "Lowest Hessian eigenvalue (± its sampling standard error); clearly "
                            "negative means the loss curves down along some direction. "
                            "'consistent with 0': less than one standard error from 0"),
    ("trace", "trace H", "Sum of all eigenvalues (Hutchinson estimate ± standard error): "
                         "the overall sharpness. 'consistent with 0': less than one standard "
                         "error from 0"),
    ("two_over_lr", "2/lr", "Stability limit of plain gradient descent: above it, steps along "
                            "the sharpest direction overshoot and grow"),
    ("grad_norm", "‖∇L‖", "Length of the gradient at θ (on the evaluation examples)"),
    ("loss", "loss at θ", "Eval-mode loss at the current weights on the evaluation examples"),
)


class CurvatureReadout(QFrame):
    def __init__(self, theme: Theme, parent: QWidget | None = None):
        super().__init__(parent)
        self.setFrameShape(QFrame.StyledPanel)
        self.report = None
        self.heading = QLabel("Curvature at θ")
        self.values: dict[str, QLabel] = {}
        self.names: list[QLabel] = []
        grid = QGridLayout()
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(2)
        for i, (key, name, tip) in enumerate(ROWS):
            n = QLabel(name)
            n.setToolTip(tip)
            v = QLabel("—")
            v.setWordWrap(True)      # a narrow readout (1024 × 768) wraps rather than clips
            v.setToolTip(tip)
            v.setTextInteractionFlags(Qt.TextSelectableByMouse)
            v.setObjectName(f"readout_{key}")
            grid.addWidget(n, i, 0, Qt.AlignRight)
            grid.addWidget(v, i, 1)
            self.values[key] = v
            self.names.append(n)
        grid.setColumnStretch(1, 1)
        self.status = QLabel("—")
        self.status.setObjectName("curvatureStatus")
        self.status.setAlignment(Qt.AlignCenter)
        self.status.setToolTip("stable: λₘₐₓ below 2/lr and no negative curvature; edge of "
                               "stability: λₘₐₓ from 90% to 130% of 2/lr; unstable: above that; "
                               "saddle: λₘᵢₙ < 0 beyond noise; plateau: gradient and curvature "
                               "both tiny")
        self.message = QLabel("Computed with the landscape, from Hessian-vector products.")
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.RichText)
        self.message.setAlignment(Qt.AlignTop | Qt.AlignLeft)
        self.message.setSizePolicy(QSizePolicy.Preferred, QSizePolicy.Preferred)
        body = QWidget()
        lay = QVBoxLayout(body)
        lay.setContentsMargins(10, 6, 10, 6)
        lay.setSpacing(4)
        lay.addWidget(self.heading)
        lay.addLayout(grid)
        lay.addWidget(self.status)
        lay.addWidget(self.message, 1)
        # Scrolls rather than overlaps when a projector's large fonts leave too little height.
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        scroll.setWidget(body)
        self.scroll = scroll
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        self.apply_theme(theme)

    @property
    def status_key(self) -> str | None:
        return None if self.report is None else self.report.status

    def apply_theme(self, theme: Theme) -> None:
        self.theme = theme
        f = QFont(self.heading.font())
        f.setPointSizeF(theme.title_pt)
        f.setBold(True)
        self.heading.setFont(f)
        mono = QFont(self.font())
        mono.setPointSizeF(theme.font_pt)
        for v in self.values.values():
            v.setFont(mono)
        self.message.setStyleSheet(f"color: {theme.fg};")
        self._style_status()
        self.updateGeometry()

    def _style_status(self) -> None:
        t = self.theme
        key = self.status_key
        color = STATUS_COLORS.get(key, t.muted)
        f = QFont(self.status.font())
        f.setPointSizeF(t.title_pt)
        f.setBold(True)
        self.status.setFont(f)
        self.status.setStyleSheet(f"color: #ffffff; background: {color}; border-radius: 4px; "
                                  "padding: 3px 8px;" if key else
                                  f"color: {t.muted}; border: 1px solid {t.muted}; "
                                  "border-radius: 4px; padding: 3px 8px;")

    def clear(self, text: str = "Waiting for the first landscape…") -> None:
        self.report = None
        for v in self.values.values():
            v.setText("—")
        self.status.setText("—")
        self.message.setText(text)
        self._style_status()

    def set_report(self, r) -> None:
        """Show a core.analysis.curvature.CurvatureReport."""
        self.report = r
        v = self.values
        v["lambda_max"].setText(fmt(r.lambda_max, 3))      # as the plain-words message
        v["lambda_min"].setText(estimate_text(r.lambda_min, r.lambda_min_stderr))
        v["trace"].setText(estimate_text(r.trace, r.trace_stderr))
        limit = fmt(r.two_over_lr, 4)
        if _ok(r.stability_limit) and _ok(r.two_over_lr) and \
                abs(r.stability_limit - r.two_over_lr) > 1e-9 * r.two_over_lr:
            limit += f"  (limit with momentum {fmt(r.stability_limit, 4)})"
        v["two_over_lr"].setText(limit)
        v["grad_norm"].setText(fmt(r.grad_norm, 3))
        v["loss"].setText(f"{fmt(r.loss, 4)} nats")
        self.status.setText(STATUS_WORDS.get(r.status, r.status))
        ratio = r.lambda_max / r.stability_limit if _ok(r.stability_limit) else math.nan
        extra = "" if not _ok(ratio) else f" λₘₐₓ is {ratio:.0%} of the limit." if ratio < 2 \
            else f" λₘₐₓ is {num(ratio, 2)} times the limit."
        notes = "".join(f"<br><i>{html.escape(n)}</i>" for n in r.notes)
        self.message.setText(f"Step {r.step}: {html.escape(r.message)}.{extra}{notes}")
        self._style_status()
        self.updateGeometry()

    def sizeHint(self):  # noqa: N802 (Qt's name)
        """As tall as its content."""
        hint = super().sizeHint()
        hint.setHeight(self.scroll.widget().sizeHint().height() + 4)
        return hint

    def minimumSizeHint(self):  # noqa: N802 (Qt's name)
        """All of it at the current width (the plain-words message included): the lab's
        layout then takes the height from the lesson card, which scrolls."""
        hint = super().minimumSizeHint()
        body = self.scroll.widget().layout()
        width = max(self.scroll.viewport().width(), 120)
        need = body.totalHeightForWidth(width) if body.hasHeightForWidth() else \
            body.totalSizeHint().height()
        hint.setHeight(need + 4)
        return hint

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        if event.oldSize().width() != event.size().width():
            self.updateGeometry()          # the message wraps differently: new minimum height


def estimate_text(x, err) -> str:
    """A sampled estimate to its standard error's precision ('-0.1 ± 1.5', '61 ± 9'), said to be
    consistent with 0 when it is less than one standard error from 0."""
    text = with_error(x, err)
    if _ok(x) and _ok(err) and err > 0 and abs(x) < err:
        text += "  (consistent with 0)"
    return text


def _ok(x) -> bool:
    return x is not None and isinstance(x, (int, float)) and math.isfinite(x)

