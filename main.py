"""GradLab: `python main.py` opens the app; `python main.py <command>` runs headless.

Headless commands: presets, probe, run (and more: `python main.py --help`).
"""

import sys

GUI_FLAGS = ("--screenshot", "--preset", "--steps", "--lab", "--session")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0].startswith("--") and argv[0] not in ("--help", "-h"):
        from desktop_app.app import main as gui_main

        return gui_main(argv)
    from core.cli.main import main as cli_main

    return cli_main(argv)


if __name__ == "__main__":
    sys.exit(main())
