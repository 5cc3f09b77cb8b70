"""Entry point of the frozen GradLab bundle (PyInstaller runs this instead of main.py).

First it lets multiprocessing take over when this process is one of its helpers: a frozen
program starts its `spawn` children (the app's training process) and the resource tracker by
running its own executable again with `--multiprocessing-fork …` or `-c "from multiprocessing…"`,
and PyInstaller's `freeze_support` recognises those arguments, runs the helper and exits; they
must never reach main.py's argument parsing. Then it answers `--version` / `-V` itself (printing
"GradLab X.Y.Z", from core.__version__) and hands everything else to main.main(): no arguments
or GUI flags open the window, a command name runs headless, exactly as `python main.py …` does
from a source checkout.
"""

from __future__ import annotations

import sys


def run(argv: list[str] | None = None) -> int:
    import multiprocessing

    multiprocessing.freeze_support()  # returns at once unless this is a multiprocessing helper
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] in (["--version"], ["-V"]):
        from core import __version__

        print(f"GradLab {__version__}")
        return 0
    from main import main

    return main(argv)


if __name__ == "__main__":
    sys.exit(run())
