"""Moved to core.numfmt (core's messages need it and core must not import desktop_app);
re-exported here for the plots that import it from this module."""

from core.numfmt import *  # noqa: F403
from core.numfmt import __all__  # noqa: F401
