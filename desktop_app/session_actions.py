"""File menu work: save/open sessions (the core .gradlab format), recent files, copy and load
configs, export every plot. Errors are shown in a dialog and change nothing."""

from __future__ import annotations

import json
import os

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFileDialog

from core.errors import GradLabError

SESSION_FILTER = "GradLab session (*.gradlab)"


class SessionActions(QObject):
    saved = Signal(str)       # path written
    opened = Signal(str)      # path read and continued
    failed = Signal(str)      # what went wrong (also shown in a dialog)
    exported = Signal(list)   # paths written

    def __init__(self, window):
        super().__init__(window)
        self.w = window

    # ---- sessions ------------------------------------------------------------------------
    def save(self, path: str | None = None) -> None:
        if path is None:
            path, _ = QFileDialog.getSaveFileName(self.w, "Save session", "run.gradlab",
                                                  SESSION_FILTER)
            if not path:
                return
            if not path.endswith(".gradlab"):
                path += ".gradlab"
        self.w.status(f"Saving {os.path.basename(path)}…")
        self.w.controller.save_session(path, lambda err, step: self._saved(path, step, err))

    def _saved(self, path: str, step: int, error: str) -> None:
        if error:
            self._fail("Could not save the session", error)
            return
        self.w.prefs.add_recent(path)
        self.w.rebuild_recent_menu()
        self.w.status(f"Saved {os.path.basename(path)} (step {step})")
        self.saved.emit(path)

    def open(self, path: str | None = None) -> None:
        """Open a session (in the training worker, which owns torch); `opened` or `failed`
        follows. On failure nothing changes."""
        if path is None:
            path, _ = QFileDialog.getOpenFileName(self.w, "Open session", "", SESSION_FILTER)
            if not path:
                return
        self.w.status(f"Opening {os.path.basename(path)}…")
        self.w.controller.open_session(path, lambda err: self._opened(path, err))

    def _opened(self, path: str, error: str) -> None:
        if error:
            if not os.path.exists(path):
                self.w.prefs.remove_recent(path)
                self.w.rebuild_recent_menu()
            self._fail("Could not open the session", error)
            return
        self.w.show_lab_for(self.w.state.config)
        self.w.prefs.add_recent(path)
        self.w.rebuild_recent_menu()
        self.w.status(f"Opened {os.path.basename(path)} at step {self.w.controller.step_count}")
        self.opened.emit(path)

    def _fail(self, title: str, error: str) -> None:
        self.w.show_error(title, error)
        self.failed.emit(error)

    # ---- configs -------------------------------------------------------------------------
    def copy_config(self) -> str:
        text = json.dumps(self.w.state.config.to_dict(), indent=2)
        QGuiApplication.clipboard().setText(text)
        self.w.status("Config copied to the clipboard as JSON")
        return text

    def load_config(self, path: str | None = None) -> bool:
        if path is None:
            path, _ = QFileDialog.getOpenFileName(self.w, "Load config", "",
                                                  "JSON config (*.json);;All files (*)")
            if not path:
                return False
        from core.presets import config_from_partial

        try:
            with open(path, encoding="utf-8") as fh:
                d = json.load(fh)
            if isinstance(d, dict) and "config" in d and "title" in d:
                d = d["config"]   # a preset file: take its config
            cfg = config_from_partial(d)
        except (GradLabError, OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
            self.w.show_error("Could not load the config", f"{path}:\n{e}")
            return False
        self.w.show_lab_for(cfg)
        self.w.state.set_config(cfg, preset=None)
        self.w.controller.rebuild_now()
        self.w.status(f"Loaded config {os.path.basename(path)}")
        return True

    # ---- export --------------------------------------------------------------------------
    def export_all(self, folder: str | None = None) -> list[str]:
        from desktop_app.plots.export import export_panel

        if folder is None:
            folder = QFileDialog.getExistingDirectory(self.w, "Export every plot to a folder")
            if not folder:
                return []
        paths: list[str] = []
        lab = self.w.current_lab()
        lab.enlarger.restore()            # hidden panels would export what they last drew
        lab.plots_area.layout().activate()
        for panel in lab.panels():        # each panel, not lab.refresh: the landscape lab's
            panel.dirty = True            # waits for its newest landscape (up to a minute)
            panel.refresh(self.w.controller.history, force_range=True)
        try:
            for panel in lab.panels():
                paths += export_panel(panel, os.path.join(folder, panel.key))
        except OSError as e:
            self.w.show_error("Export failed", str(e))
            return paths
        self.w.status(f"Exported {len(paths)} files to {folder}")
        self.exported.emit(paths)
        return paths
