"""The loss panel keeps its accuracy plot only where both axis titles fit beside their plots."""

from __future__ import annotations

from PySide6.QtGui import QFont, QFontMetrics


def _title_fits(panel) -> bool:
    font = QFont()
    font.setPointSizeF(panel.theme.tick_pt + 1)
    ax = panel.bottom.getAxis("left")
    return QFontMetrics(font).horizontalAdvance(ax.labelText) <= panel.bottom.vb.height() + 4


def test_accuracy_plot_follows_the_room(make_window, qtbot):
    win = make_window()
    loss = win.current_lab().loss
    win.resize(1600, 1000)
    qtbot.waitUntil(lambda: loss.bottom.isVisible() and loss.view.height() > 300)
    qtbot.waitUntil(lambda: loss.bottom.vb.height() > 50)
    assert loss.bottom.getAxis("left").labelText == "accuracy (%)" and _title_fits(loss)
    assert not loss.top.getAxis("bottom").labelText         # the step title is below
    # Shorter: the short title; shorter still: no accuracy plot, the step title on the loss.
    loss.view.setFixedHeight(int(loss.view.height() * 0.8))
    qtbot.waitUntil(lambda: loss.bottom.getAxis("left").labelText == "acc. (%)")
    qtbot.waitUntil(lambda: _title_fits(loss))
    loss.view.setFixedHeight(150)
    qtbot.waitUntil(lambda: not loss.bottom.isVisible())
    assert loss.bottom not in loss.view.ci.items
    assert loss.top.getAxis("bottom").labelText == "training step"
    # Room again: back.
    loss.view.setMinimumHeight(0)
    loss.view.setMaximumHeight(16777215)
    qtbot.waitUntil(lambda: loss.bottom.isVisible() and loss.bottom in loss.view.ci.items)


def test_regression_never_shows_accuracy(make_window, qtbot):
    from tests.desktop_app.conftest import small_config

    win = make_window(small_config(**{"data.name": "sine"}))
    loss = win.current_lab().loss
    win.resize(1600, 1000)
    qtbot.wait(100)
    assert not loss.bottom.isVisible() and loss.top.getAxis("left").labelText == "MSE loss"
