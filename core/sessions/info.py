"""Read a session's config and meta without torch: for recent-file menus and quick checks.

The GUI process never imports torch (training runs in a child process), so it cannot call
load_session just to show a file's step and date.
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from core.config import ExperimentConfig
from core.errors import ConfigError, SessionError
from core.sessions.archive import READ_ERRORS, Reader
from core.sessions.manifest import check_manifest


@dataclass(frozen=True)
class SessionInfo:
    config: ExperimentConfig
    meta: dict
    manifest: dict

    @property
    def step(self) -> int:
        step = self.meta.get("step", 0)
        return step if isinstance(step, int) and not isinstance(step, bool) else 0


@contextmanager
def open_session(path: str | os.PathLike) -> Iterator[tuple[Reader, dict]]:
    """An open session zip as (Reader, manifest), the manifest checked; SessionError otherwise."""
    path = os.fspath(path)
    if os.path.isdir(path):
        raise SessionError(f"cannot open session {path!r}: it is a folder, not a session file")
    if os.path.exists(path) and not os.path.isfile(path):
        # zipfile would wait forever on a pipe and read /dev/zero without end
        raise SessionError(f"cannot open session {path!r}: not a regular file (a device or a "
                           "pipe)")
    try:
        zf = zipfile.ZipFile(path)
    except FileNotFoundError:
        raise SessionError(f"cannot open session {path!r}: no such file") from None
    except zipfile.BadZipFile:
        raise SessionError(f"cannot open session {path!r}: not a GradLab session "
                           "(not a zip archive, or a truncated one)") from None
    except READ_ERRORS as e:
        raise SessionError(f"cannot open session {path!r}: {e}") from None
    with zf:
        r = Reader(zf, path)
        yield r, check_manifest(r)


def read_config_and_meta(r: Reader) -> tuple[ExperimentConfig, dict]:
    """config.json (validated, migrated) and meta.json of an open session."""
    for member in ("config.json", "meta.json"):
        if member not in r.names:
            raise r.fail(f"member {member} is missing (the file is incomplete or damaged)")
    try:
        config = ExperimentConfig.from_dict(r.json("config.json"))
    except (ConfigError, TypeError, ValueError) as e:
        raise r.fail(f"config.json: {e}") from None
    meta = r.json("meta.json")
    if not isinstance(meta, dict):
        raise r.fail("meta.json is not a JSON object")
    return config, meta


def read_session_info(path: str | os.PathLike) -> SessionInfo:
    """The manifest, config and meta of a session file; SessionError for anything amiss."""
    with open_session(path) as (r, manifest):
        config, meta = read_config_and_meta(r)
    return SessionInfo(config=config, meta=meta, manifest=manifest)
