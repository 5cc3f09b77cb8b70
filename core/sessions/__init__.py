"""Session files: a whole run (config, weights, optimizer, history, RNG) in one safe .gradlab zip.

`read_session_info` needs no torch; the full reader and writer import it on first use, so the
GUI process can list sessions without paying torch's import time.
"""

from core.sessions.info import SessionInfo, read_session_info
from core.sessions.manifest import EXTENSION, FORMAT_NAME, FORMAT_VERSION

_TORCH_NAMES = ("SessionData", "load_session", "save_session", "app_version")

__all__ = ["EXTENSION", "FORMAT_NAME", "FORMAT_VERSION", "SessionInfo", "read_session_info",
           *_TORCH_NAMES]


def __getattr__(name):
    if name in _TORCH_NAMES:
        from core.sessions import format as _format

        return getattr(_format, name)
    raise AttributeError(f"module 'core.sessions' has no attribute {name!r}")
