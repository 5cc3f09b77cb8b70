"""Presets: named experiments with a title and what the student should see.

A preset file (`resources/presets/NAME.json`) holds `title`, `lab` (which panel shows it),
`explanation` (one paragraph), optional `steps` (a sensible run length), optional `view` (how
the lab shows it, see VIEW_KEYS) and `config`: only the keys that differ from the defaults.
Files are read with importlib.resources so a frozen bundle finds them too.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from core import jsonsafe
from core.config import ExperimentConfig
from core.errors import ConfigError, PresetError

LABS = ("deep", "recurrent", "landscape", "generalization")


@dataclass(frozen=True)
class Preset:
    name: str
    title: str
    lab: str
    explanation: str
    config: ExperimentConfig
    steps: int = 300
    # How the lab shows this lesson (VIEW_KEYS); not part of the experiment.
    view: dict = field(default_factory=dict)


# A preset's "view": colour_top is the landscape map's shared colour scale in nats (null: each
# map over its own range). Sharp against flat minima is read on one absolute scale; a smooth
# basin against a chaotic one is read from each map's shape. boundary_view is what the Deep
# network lab's decision-boundary panel shows: "boundary" (the default) or "shatter" (the input
# gradient along a line, for the shattered-gradients lessons).
VIEW_KEYS = {"colour_top", "boundary_view"}
BOUNDARY_VIEWS = ("boundary", "shatter")


def parse_view(v: Any, name: str) -> dict:
    """The checked "view" object of preset `name`."""
    if not isinstance(v, dict):
        raise PresetError(f"preset {name!r}: view must be a JSON object")
    extra = set(v) - VIEW_KEYS
    if extra:
        raise PresetError(f"preset {name!r}: unknown view key {sorted(extra)[0]!r}; "
                          f"known: {sorted(VIEW_KEYS)}")
    top = v.get("colour_top")
    if "colour_top" in v and top is not None and (
            isinstance(top, bool) or not isinstance(top, int | float)
            or not math.isfinite(top) or not 0 < top <= 1e6):
        raise PresetError(f"preset {name!r}: view.colour_top must be null or a number of nats "
                          f"above 0 and at most 1e6, got {top!r}")
    if "boundary_view" in v and v["boundary_view"] not in BOUNDARY_VIEWS:
        raise PresetError(f"preset {name!r}: view.boundary_view must be one of "
                          f"{list(BOUNDARY_VIEWS)}, got {v['boundary_view']!r}")
    return dict(v)


def merge(base: dict, over: dict) -> dict:
    """Deep-merge `over` into a copy of `base` (sections merge key by key)."""
    out = dict(base)
    for k, v in over.items():
        out[k] = merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def config_from_partial(d: Any) -> ExperimentConfig:
    """A config from a dict that may list only the keys that differ from the defaults."""
    if not isinstance(d, dict):
        raise ConfigError(f"config must be a JSON object, got {type(d).__name__}")
    from core.config_migrate import migrate

    base = ExperimentConfig().to_dict()
    # The partial dict is migrated first: merged into today's defaults, an old file would
    # seem to hold both a renamed key and its new name (init.sigma_w and init.scale).
    merged = merge(base, migrate(d))
    merged["schema_version"] = base["schema_version"]
    return ExperimentConfig.from_dict(merged)


def parse_preset(text: str | bytes, name: str) -> Preset:
    """Parse one preset file's text; every problem is a PresetError naming the preset."""
    try:
        d = jsonsafe.loads(text)
    except ValueError as e:
        raise PresetError(f"preset {name!r}: {e}") from None
    if not isinstance(d, dict):
        raise PresetError(f"preset {name!r}: must be a JSON object")
    for key in ("title", "explanation", "config"):
        if key not in d:
            raise PresetError(f"preset {name!r}: missing {key!r}")
    lab = d.get("lab", "deep")
    if lab not in LABS:
        raise PresetError(f"preset {name!r}: lab {lab!r} is not one of {list(LABS)}")
    extra = set(d) - {"title", "explanation", "config", "lab", "steps", "view"}
    if extra:
        raise PresetError(f"preset {name!r}: unknown key {sorted(extra)[0]!r}")
    steps = d.get("steps", 300)
    if isinstance(steps, bool) or not isinstance(steps, int) or not 1 <= steps <= 1_000_000:
        raise PresetError(f"preset {name!r}: steps must be a whole number 1 to 1000000")
    try:
        cfg = config_from_partial(d["config"])
    except ConfigError as e:
        raise PresetError(f"preset {name!r}: {e}") from None
    view = parse_view(d.get("view", {}), name)
    return Preset(name, str(d["title"]), lab, str(d["explanation"]), cfg, steps, view)


def _folder():
    return resources.files("resources") / "presets"


def preset_names() -> list[str]:
    """Names of the shipped presets, sorted."""
    return sorted(p.name[:-5] for p in _folder().iterdir() if p.name.endswith(".json"))


def load_preset(name: str) -> Preset:
    """A shipped preset by name, or a preset file by path."""
    if name.endswith(".json") and Path(name).is_file():
        try:
            data = Path(name).read_bytes()
        except OSError as e:
            raise PresetError(f"cannot read preset file {name!r}: {e.strerror or e}") from None
        return parse_preset(data, Path(name).stem)
    if name not in preset_names():
        raise PresetError(f"unknown preset {name!r}; run `python main.py presets` to list them")
    return parse_preset((_folder() / f"{name}.json").read_text(encoding="utf-8"), name)


def all_presets() -> list[Preset]:
    """Every shipped preset, parsed and validated."""
    return [load_preset(n) for n in preset_names()]
