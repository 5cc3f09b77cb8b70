"""Shared command-line pieces: choosing the experiment and reporting errors."""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

from core import jsonsafe
from core.config import ExperimentConfig
from core.errors import ConfigError


def add_experiment_args(p: argparse.ArgumentParser, session: bool = False) -> None:
    """--preset NAME | --config FILE (| SESSION), plus repeatable --set KEY=VALUE."""
    src = p.add_mutually_exclusive_group(required=not session)
    src.add_argument("--preset", help="a shipped preset name (see `presets`) or a preset file")
    src.add_argument("--config", help="a config JSON file (keys not given keep their defaults)")
    if session:
        p.add_argument("session", nargs="?", help="a .gradlab session file to start from")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="override one config key, e.g. --set model.depth=20 (repeatable)")


def experiment_from_args(args) -> ExperimentConfig:
    """The config the arguments name, with every --set applied and validated."""
    from core.presets import config_from_partial, load_preset

    if args.preset:
        cfg = load_preset(args.preset).config
    elif args.config:
        cfg = config_from_partial(read_json(args.config, "config"))
    else:
        raise ConfigError("give --preset NAME or --config FILE")
    return apply_sets(cfg, args.set)


def apply_sets(cfg: ExperimentConfig, sets: list[str]) -> ExperimentConfig:
    """Every --set at once (checked together, so their order does not matter)."""
    from core.config_relevance import inactive_keys

    changes = {}
    for item in sets:
        key, eq, value = item.partition("=")
        if not eq:
            raise ConfigError(f"--set {item!r}: expected KEY=VALUE, e.g. model.depth=20")
        changes[key.strip()] = value.strip()
    if not changes:
        return cfg
    cfg = cfg.with_values(changes)
    ignored = inactive_keys(cfg)
    for key in changes:                  # accepted, but say so when the run will ignore it
        if key in ignored:
            print(f"note: --set {key} has no effect here: {ignored[key]}", file=sys.stderr)
    return cfg


def read_json(path: str, what: str):
    p = Path(path)
    if p.is_dir():
        raise ConfigError(f"{what} file {path!r} is a folder; give a JSON file")
    if p.exists() and not p.is_file():       # a pipe or a device: reading could never end
        raise ConfigError(f"{what} file {path!r} is not a regular file (a device or a pipe)")
    if not p.is_file():
        raise ConfigError(f"{what} file {path!r} does not exist")
    try:
        data = p.read_bytes()
    except OSError as e:
        raise ConfigError(f"cannot read {what} file {path!r}: {e.strerror or e}") from None
    try:
        return jsonsafe.loads(data)
    except ValueError as e:
        raise ConfigError(f"{what} file {path!r}: {e}") from None


class Progress:
    """A one-line progress bar on a terminal; silent when stderr is not one."""

    def __init__(self, total: int, label: str = ""):
        self.total, self.label = total, label
        self.tty = sys.stderr.isatty()

    def update(self, done: int, extra: str = "") -> None:
        if not self.tty or (done % max(1, self.total // 100) and done != self.total):
            return
        width = 30
        fill = int(width * done / max(self.total, 1))
        sys.stderr.write(f"\r{self.label} [{'#' * fill}{'.' * (width - fill)}] "
                         f"{done}/{self.total} {extra}   ")
        if done == self.total:
            sys.stderr.write("\n")
        sys.stderr.flush()


def json_ready(v):
    """NaN and ±Inf as None (null), recursively through lists and dicts: JSON has neither (a
    finite stand-in like 1e308 would be a lie)."""
    if isinstance(v, list):
        return [json_ready(x) for x in v]
    if isinstance(v, dict):
        return {k: json_ready(x) for k, x in v.items()}
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v
