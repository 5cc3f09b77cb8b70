"""JSON from files a user hands us (configs, presets, sessions), with one kind of error.

json.loads can fail in ways that are not JSONDecodeError: RecursionError for deep nesting,
ValueError for an integer of more than 4 300 digits; and a document nested a few hundred levels
deep parses but overflows the stack of whatever walks it next (copy.deepcopy in the config
migration). `loads` turns all of these into ValueError with a readable message, so callers map
one exception to their own error type.
"""

from __future__ import annotations

import json
from typing import Any

MAX_DEPTH = 64      # configs nest 2 levels, optimizer states and histories a handful


def loads(text: str | bytes) -> Any:
    """Parse JSON text; ValueError (with a message fit for the user) for anything amiss."""
    try:
        if isinstance(text, bytes):
            text = text.decode("utf-8-sig")
        value = json.loads(text.lstrip("\ufeff"))
    except UnicodeDecodeError as e:
        raise ValueError(f"not UTF-8 text ({e.reason} at byte {e.start})") from None
    except json.JSONDecodeError as e:
        raise ValueError(f"not valid JSON ({e.msg} at line {e.lineno})") from None
    except RecursionError:
        raise ValueError(f"nested more than {MAX_DEPTH} levels deep") from None
    except ValueError as e:              # an integer with thousands of digits
        raise ValueError("holds a number with more than 4300 digits" if "digits" in str(e)
                         else f"not usable JSON ({e})") from None
    _check_depth(value)
    return value


def _check_depth(value: Any) -> None:
    stack = [(value, 1)]
    while stack:
        v, depth = stack.pop()
        if isinstance(v, dict | list):
            if depth > MAX_DEPTH:
                raise ValueError(f"nested more than {MAX_DEPTH} levels deep")
            stack.extend((c, depth + 1) for c in (v.values() if isinstance(v, dict) else v))
