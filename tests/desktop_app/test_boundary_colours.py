"""The decision boundary's background is the classes' own colours, pale; undecided is blank."""

from __future__ import annotations

from desktop_app.plots.decision_boundary import PALE, class_colormap
from desktop_app.theme import CLASS_COLORS, Theme, blend


def _hex(cmap, x) -> str:
    return cmap.map(x, mode="qcolor").name()


def test_two_classes_run_through_the_background(qapp):
    for theme in (Theme(), Theme("dark")):
        cmap = class_colormap(2, theme)
        assert _hex(cmap, 0.5) == theme.bg                       # P = 0.5: undecided, blank
        assert _hex(cmap, 0.0) == blend(CLASS_COLORS[0], theme.bg, PALE)
        assert _hex(cmap, 1.0) == blend(CLASS_COLORS[1], theme.bg, PALE)


def test_each_of_several_classes_gets_its_pale_colour(qapp):
    cmap = class_colormap(4, Theme())
    for k in range(4):
        assert _hex(cmap, k / 3) == blend(CLASS_COLORS[k], Theme().bg, PALE)
