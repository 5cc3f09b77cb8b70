"""GradLab: `python main.py` opens the app; `python main.py <command>` runs headless.

Headless commands: presets, probe, run, landscape, hessian, session (`python main.py --help`).
`python main.py FILE.gradlab` opens a session in the app (as a file manager does).
"""

import sys


def main(argv: list[str] | None = None) -> int:
    import multiprocessing

    # Before any argument parsing: a frozen build re-runs this executable for its trainer process.
    multiprocessing.freeze_support()
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] in (["--version"], ["-V"]):
        from core import __version__

        print(f"GradLab {__version__}")
        return 0
    if argv[:1] and argv[0].endswith(".gradlab"):
        argv = ["--session", *argv]
    if not argv or argv[0].startswith("--") and argv[0] not in ("--help", "-h"):
        from desktop_app.app import main as gui_main

        return gui_main(argv)
    from core.cli.main import main as cli_main

    return cli_main(argv)


if __name__ == "__main__":
    sys.exit(main())
