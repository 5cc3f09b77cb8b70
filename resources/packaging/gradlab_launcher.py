"""Entry point of the frozen GradLab bundle (PyInstaller runs this instead of main.py).

It hands everything to main.main(), exactly as `python main.py …` does from a source checkout:
main.main() first calls `multiprocessing.freeze_support()` (a frozen program starts its `spawn`
children, the app's training process, and the resource tracker by running its own executable
again with `--multiprocessing-fork …` or `-c "from multiprocessing…"`; freeze_support runs
those helpers and exits, so they never reach the argument parsing), then answers `--version`,
opens the window for no arguments or GUI flags, and runs a command name headless.
"""

from __future__ import annotations

import sys


def run(argv: list[str] | None = None) -> int:
    from main import main

    return main(argv)


if __name__ == "__main__":
    sys.exit(run())
