"""The experiment being edited: one ExperimentConfig, and signals when it changes.

Views hold a reference to this model, listen to `changed`, and write back with `set_value`.
Bad values never reach the config: the error is reported through `message` and `rejected`
tells the view to show the current (last valid) value again.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Signal

from core.config import ExperimentConfig, all_keys
from core.errors import GradLabError

# Keys the trainer can change between steps without a rebuild (Trainer.set_hyper).
LIVE_KEYS = frozenset({"optim.lr", "optim.clip_norm", "optim.weight_decay", "optim.l1",
                       "optim.momentum", "data.augment_noise", "train.early_stop"})


def changed_keys(a: ExperimentConfig, b: ExperimentConfig) -> frozenset[str]:
    """Dotted keys whose values differ between two configs."""
    return frozenset(k for k in all_keys() if a.get(k) != b.get(k))


class ExperimentState(QObject):
    """Holds the current config and the preset it came from (if any)."""

    changed = Signal(object, object)      # (ExperimentConfig, frozenset of changed keys)
    rejected = Signal(str)                # a key whose new value was refused
    message = Signal(str)                 # a user-facing error or note
    preset_changed = Signal(object)       # Preset or None

    def __init__(self, config: ExperimentConfig | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self._cfg = config or ExperimentConfig()
        self._preset = None

    @property
    def config(self) -> ExperimentConfig:
        return self._cfg

    @property
    def preset(self):
        return self._preset

    def set_value(self, key: str, value: Any) -> bool:
        """Change one key; False (and a message) if the value is not allowed."""
        return self.set_values({key: value})

    def set_values(self, values: dict[str, Any]) -> bool:
        """Change several keys at once (all or none)."""
        cfg = self._cfg
        try:
            for key, value in values.items():
                cfg = cfg.with_value(key, value)
        except GradLabError as e:
            self.message.emit(str(e))
            for key in values:
                self.rejected.emit(key)
            return False
        self._apply(cfg)
        return True

    def set_config(self, cfg: ExperimentConfig, preset=None) -> None:
        """Replace the whole config (a preset, a session, a loaded file)."""
        if preset is not self._preset:
            self._preset = preset
            self.preset_changed.emit(preset)
        self._apply(cfg, force=True)

    def _apply(self, cfg: ExperimentConfig, force: bool = False) -> None:
        keys = changed_keys(self._cfg, cfg)
        self._cfg = cfg
        if keys or force:
            self.changed.emit(cfg, keys)
