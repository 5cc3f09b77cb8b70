"""The headless command line: `python main.py <command> --help`."""

from __future__ import annotations

import argparse
import sys

from core.errors import GradLabError

# Each module has register(subparsers); the registered function returns an exit status.
COMMAND_MODULES = ("presets_cmd", "probe_cmd", "run_cmd", "landscape_cmd", "hessian_cmd", "session_cmd",
                   "shatter_cmd")


def build_parser() -> argparse.ArgumentParser:
    import importlib

    parser = argparse.ArgumentParser(prog="gradlab", description="GradLab headless commands.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(f"core.cli.{name}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command; bad input prints one line and returns 2 (no traceback)."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except GradLabError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except OSError as e:            # the machine, not the input: a full disk, a permission
        where = f" ({e.filename})" if getattr(e, "filename", None) else ""
        print(f"error: {e.strerror or e}{where}", file=sys.stderr)
        return 2
    except MemoryError:
        print("error: not enough memory for this configuration (fewer examples, layers or "
              "units)", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
