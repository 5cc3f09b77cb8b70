"""The manifest: format name and version of a session file (no torch needed to check it)."""

from __future__ import annotations

FORMAT_NAME = "gradlab-session"
FORMAT_VERSION = 1
EXTENSION = ".gradlab"


def check_manifest(r) -> dict:
    """Refuse foreign files and newer format versions; returns the manifest."""
    if "manifest.json" not in r.names:
        raise r.fail("not a GradLab session (a zip without manifest.json)")
    m = r.json("manifest.json")
    if not isinstance(m, dict) or m.get("format") != FORMAT_NAME:
        raise r.fail(f"not a GradLab session (manifest format is "
                     f"{m.get('format') if isinstance(m, dict) else m!r}, not {FORMAT_NAME!r})")
    v = m.get("format_version")
    if isinstance(v, bool) or not isinstance(v, int) or v < 1:
        raise r.fail(f"manifest format_version {v!r} is not a valid version")
    if v > FORMAT_VERSION:
        raise r.fail(f"written by a newer GradLab (format version {v}; this version reads up to "
                     f"{FORMAT_VERSION}); update GradLab to open it")
    return m
