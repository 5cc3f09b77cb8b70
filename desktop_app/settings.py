"""Persistent preferences (QSettings): theme, presentation mode, recent files, last config.

`GRADLAB_SETTINGS` (a path to an .ini file) overrides the per-user location; the tests set it
so they never touch a user's settings.
"""

from __future__ import annotations

import json
import os

from PySide6.QtCore import QSettings

ORGANIZATION = "GradLab"
APPLICATION = "GradLab"
MAX_RECENT = 8


def open_settings() -> QSettings:
    path = os.environ.get("GRADLAB_SETTINGS")
    if path:
        return QSettings(path, QSettings.IniFormat)
    return QSettings(QSettings.IniFormat, QSettings.UserScope, ORGANIZATION, APPLICATION)


class Preferences:
    """Typed access to the few values GradLab remembers between runs."""

    def __init__(self, settings: QSettings | None = None):
        self.s = settings if settings is not None else open_settings()

    def _str(self, key: str, default: str = "") -> str:
        v = self.s.value(key, default)
        return v if isinstance(v, str) else default

    # theme -------------------------------------------------------------------------------
    @property
    def theme(self) -> str:
        v = self._str("view/theme", "light")
        return v if v in ("light", "dark") else "light"

    @theme.setter
    def theme(self, name: str) -> None:
        self.s.setValue("view/theme", name)

    @property
    def presentation(self) -> bool:
        return self._str("view/presentation", "false") == "true"

    @presentation.setter
    def presentation(self, on: bool) -> None:
        self.s.setValue("view/presentation", "true" if on else "false")

    # recent sessions ---------------------------------------------------------------------
    @property
    def recent(self) -> list[str]:
        try:
            v = json.loads(self._str("files/recent", "[]"))
        except json.JSONDecodeError:
            return []
        return [p for p in v if isinstance(p, str)][:MAX_RECENT] if isinstance(v, list) else []

    def add_recent(self, path: str) -> None:
        path = os.path.abspath(path)
        items = [path] + [p for p in self.recent if p != path]
        self.s.setValue("files/recent", json.dumps(items[:MAX_RECENT]))

    def remove_recent(self, path: str) -> None:
        self.s.setValue("files/recent", json.dumps([p for p in self.recent if p != path]))

    # last configuration ------------------------------------------------------------------
    def last_config(self):
        """The config of the last session, or None if there is none or it no longer loads."""
        from core.config import ExperimentConfig
        from core.errors import GradLabError

        text = self._str("run/last_config")
        if not text:
            return None
        try:
            return ExperimentConfig.from_dict(json.loads(text))
        except (GradLabError, json.JSONDecodeError, TypeError, ValueError):
            return None

    def set_last_config(self, cfg) -> None:
        self.s.setValue("run/last_config", json.dumps(cfg.to_dict()))

    def sync(self) -> None:
        self.s.sync()
