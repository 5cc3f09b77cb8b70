"""Menus and the run toolbar of the main window (shortcuts show in the menus)."""

from __future__ import annotations

from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QToolBar, QToolButton

from desktop_app.widgets.run_bar import SpeedControl

LAB_TITLES = {"deep": "Deep network", "recurrent": "Recurrent", "landscape": "Landscape",
              "generalization": "Generalization"}


def build_actions(w) -> None:
    """Create w.act_* actions, the menu bar and the run toolbar of MainWindow `w`."""
    s, c = w.sessions, w.controller

    def act(text, slot, shortcut=None, tip=None):
        a = QAction(text, w)
        if shortcut:
            a.setShortcut(QKeySequence(shortcut))
        if tip:
            a.setToolTip(tip)
            a.setStatusTip(tip)
        a.triggered.connect(slot)
        return a

    w.act_play = act("▶ Play", c.toggle, "Space", "Start or pause training (Space)")
    w.act_step = act("Step", lambda: c.step(1), "S", "One optimizer step, then pause (S)")
    w.act_reset = act("Reset", c.reset, "Ctrl+R",
                      "A fresh network from the current settings (Ctrl+R)")
    w.act_open = act("Open session…", lambda: s.open(), QKeySequence.Open)
    w.act_save = act("Save session…", lambda: s.save(), QKeySequence.Save)
    w.act_copy_cfg = act("Copy config as JSON", s.copy_config, "Ctrl+Shift+C")
    w.act_load_cfg = act("Load config…", lambda: s.load_config(), "Ctrl+L")
    w.act_export = act("Export all plots…", lambda: s.export_all(), "Ctrl+E",
                       "Write PNG, SVG and CSV of every plot to a folder")
    w.act_quit = act("Quit", w.close, QKeySequence.Quit)
    w.act_present = act("Presentation mode", w.toggle_presentation, "F5",
                        "Larger fonts and marks for projectors (F5)")
    w.act_present.setCheckable(True)
    w.act_present.setChecked(w.theme.presentation)
    w.act_controls = act("Show controls", w.set_controls_visible, "Ctrl+B",
                         "Show or hide the controls beside the plots (Ctrl+B)")
    w.act_controls.setCheckable(True)
    w.act_controls.setChecked(True)

    mb = w.menuBar()
    f = mb.addMenu("&File")
    for a in (w.act_open, w.act_save):
        f.addAction(a)
    w.recent_menu = f.addMenu("Recent sessions")
    f.addSeparator()
    f.addAction(w.act_load_cfg)
    f.addAction(w.act_copy_cfg)
    f.addSeparator()
    f.addAction(w.act_export)
    f.addSeparator()
    f.addAction(w.act_quit)

    r = mb.addMenu("&Run")
    for a in (w.act_play, w.act_step, w.act_reset):
        r.addAction(a)

    w.presets_menu = mb.addMenu("&Presets")

    v = mb.addMenu("&View")
    group = QActionGroup(w)
    for name in ("light", "dark"):
        a = act(f"{name.capitalize()} theme", lambda _=False, n=name: w.set_theme(n))
        a.setCheckable(True)
        a.setChecked(w.theme.name == name)
        group.addAction(a)
        v.addAction(a)
        setattr(w, f"act_theme_{name}", a)
    v.addSeparator()
    v.addAction(w.act_present)
    v.addAction(w.act_controls)

    from desktop_app.about import show_about

    h = mb.addMenu("&Help")
    w.act_about = act("About GradLab", lambda: show_about(w), None,
                      "Version, licence and what GradLab runs on")
    w.act_about.setMenuRole(QAction.AboutRole)
    h.addAction(w.act_about)

    tb = QToolBar("Run")
    tb.setObjectName("runToolbar")
    tb.setMovable(False)
    tb.addAction(w.act_play)
    tb.addAction(w.act_step)
    tb.addAction(w.act_reset)
    tb.addSeparator()
    w.speed = SpeedControl()
    w.speed.speedChanged.connect(c.set_speed)
    tb.addWidget(w.speed)
    tb.addSeparator()
    presets_button = QToolButton(text="Presets")
    presets_button.setMenu(w.presets_menu)
    presets_button.setPopupMode(QToolButton.InstantPopup)
    presets_button.setToolTip("Load a prepared experiment with its explanation")
    tb.addWidget(presets_button)
    w.addToolBar(tb)
    w.run_toolbar = tb


def fill_presets_menu(w) -> list[str]:
    """One entry per shipped preset, grouped by lab; returns the problems found."""
    from core.errors import GradLabError
    from core.presets import load_preset, preset_names

    menu = w.presets_menu
    menu.clear()
    problems, by_lab = [], {}
    try:
        names = preset_names()
    except OSError as e:
        names, problems = [], [f"presets folder unreadable: {e}"]
    for name in names:
        try:
            p = load_preset(name)
        except GradLabError as e:
            problems.append(str(e))
            continue
        by_lab.setdefault(p.lab, []).append(p)
    for lab, presets in by_lab.items():
        sub = menu if len(by_lab) == 1 else menu.addMenu(LAB_TITLES.get(lab, lab))
        for p in presets:
            a = sub.addAction(p.title, lambda _=False, n=p.name: w.load_preset(n))
            a.setToolTip(p.explanation)
            a.setEnabled(lab in w.labs)
    if not by_lab:
        menu.addAction("(no presets found)").setEnabled(False)
    menu.setToolTipsVisible(True)
    return problems
