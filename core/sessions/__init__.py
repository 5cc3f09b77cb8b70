"""Session files: a whole run (config, weights, optimizer, history, RNG) in one safe .gradlab zip."""

from core.sessions.format import (
    EXTENSION,
    FORMAT_NAME,
    FORMAT_VERSION,
    SessionData,
    load_session,
    save_session,
)

__all__ = ["EXTENSION", "FORMAT_NAME", "FORMAT_VERSION", "SessionData", "load_session",
           "save_session"]
