"""Schema migrations: each step turns a config dict of version n into version n + 1.

Version 1 was the first draft of the format: `init.sigma_w` and `optim.clip` were renamed to
`init.scale` and `optim.clip_norm`, and `train.probe_every` did not exist (probes every step).
Old session and config files keep loading through these steps.
"""

from __future__ import annotations

import copy

from core.errors import ConfigError


def _v1_to_v2(d: dict) -> dict:
    init = d.get("init", {})
    if isinstance(init, dict) and "sigma_w" in init:
        init["scale"] = init.pop("sigma_w")
    optim = d.get("optim", {})
    if isinstance(optim, dict) and "clip" in optim:
        optim["clip_norm"] = optim.pop("clip")
    return d


MIGRATIONS = {1: _v1_to_v2}


def migrate(d: dict) -> dict:
    """Return a copy of `d` upgraded to the current schema version."""
    from core.config import SCHEMA_VERSION

    d = copy.deepcopy(d)
    version = d.pop("schema_version", SCHEMA_VERSION)
    if isinstance(version, bool) or not isinstance(version, int):
        raise ConfigError(f"schema_version: expected a whole number, got {version!r}")
    if version > SCHEMA_VERSION:
        raise ConfigError(f"schema_version: {version} is newer than this GradLab understands "
                          f"({SCHEMA_VERSION}); update GradLab to open it")
    if version < 1:
        raise ConfigError(f"schema_version: {version} is not a valid version (1 to {SCHEMA_VERSION})")
    while version < SCHEMA_VERSION:
        d = MIGRATIONS[version](d)
        version += 1
    return d
