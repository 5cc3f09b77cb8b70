"""Errors that carry a message meant for the user (CLI prints it as one line; GUI shows it)."""


class GradLabError(Exception):
    """Base of every error whose message is shown to the user as is."""


class ConfigError(GradLabError, ValueError):
    """A configuration value is missing, of the wrong type, or out of its allowed range."""


class DataError(GradLabError, ValueError):
    """A dataset could not be built or a data file could not be read."""


class SessionError(GradLabError, ValueError):
    """A session file is corrupt, foreign, or from an unknown format version."""


class PresetError(GradLabError, ValueError):
    """A preset is unknown or malformed."""
