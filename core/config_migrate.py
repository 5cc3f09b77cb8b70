"""Schema migrations: each step turns a config dict of version n into version n + 1.

Version 1 was the first draft of the format: `init.sigma_w` and `optim.clip` were renamed to
`init.scale` and `optim.clip_norm`, and `train.probe_every` did not exist (probes every step).
Old session and config files keep loading through these steps; a version-1 file that holds a
setting under both names is refused (neither value is chosen silently).
"""

from __future__ import annotations

import copy

from core.errors import ConfigError

RENAMED_IN_V2 = (("init", "sigma_w", "scale"), ("optim", "clip", "clip_norm"))


def _v1_to_v2(d: dict) -> dict:
    for section, old, new in RENAMED_IN_V2:
        part = d.get(section, {})
        if not isinstance(part, dict) or old not in part:
            continue
        if new in part:
            # Neither may win silently: the file says two things about one setting.
            raise ConfigError(f"{section}.{old} and {section}.{new}: a version-1 config has both "
                              f"(values {part[old]!r} and {part[new]!r}); {old} is the old name "
                              f"of {new}, so keep only one of them")
        part[new] = part.pop(old)
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
