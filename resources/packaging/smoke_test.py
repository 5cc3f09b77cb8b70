"""Smoke test of the built GradLab bundle, as a student's machine would run it.

    make bundle-smoke        # = python3 resources/packaging/smoke_test.py [ARCHIVE_OR_FOLDER]

Unpacks the Linux .tar.gz (default: the newest dist/GradLab-*-linux-*.tar.gz; a bundle folder,
e.g. Windows' build/bundle/dist/GradLab, or macOS' GradLab.app also works) into a fresh
temporary folder outside the source tree, `cd`s there and runs the bundled executable with a
bare environment (`PATH=/usr/bin:/bin`, `HOME`=the temp folder, `QT_QPA_PLATFORM=offscreen`;
no PYTHONPATH, no VIRTUAL_ENV), checking that it

1. prints its version (`--version`) and lists the presets (resources found in the bundle);
2. trains headless: `run --preset vanishing_sigmoid --steps 20` writes 20 metrics lines and a
   session;
3. opens and saves that session (`session resave`, then `session info --json` of the copy);
4. renders the window offscreen after 20 steps (`--screenshot`) to a PNG of the asked size,
   with no lab missing, for the deep preset and the first preset of every other lab;
5. starts: the time from launch to the first frame on screen (GRADLAB_STARTUP_PROBE), reported.

Each command runs in its own process group, which is ended afterwards (no stray trainer
process survives a check).

Prints one line per check and a closing "N passed, N failed" line; exits 1 on any failure.
Only the standard library: run it with any Python >= 3.10.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import queue
import shutil
import signal
import struct
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRESET = "vanishing_sigmoid"
WINDOWS = sys.platform == "win32"


def find_archive() -> Path:
    found = sorted((ROOT / "dist").glob("GradLab-*-linux-*.tar.gz"), key=lambda p: p.stat().st_mtime)
    if not found:
        raise SystemExit("smoke_test: no dist/GradLab-*-linux-*.tar.gz; run `make bundle` first")
    return found[-1]


def unpack(src: Path, dest: Path) -> Path:
    """The bundled executable, from an archive unpacked into dest or a folder copied there."""
    if src.is_dir() and src.suffix == ".app":             # macOS: the whole GradLab.app
        shutil.copytree(src, dest / src.name, symlinks=True)
        return dest / src.name / "Contents" / "MacOS" / "GradLab"
    if src.is_dir():
        shutil.copytree(src, dest / src.name, symlinks=True)
        base = dest / src.name
    else:
        with tarfile.open(src) as tf:
            tf.extractall(dest, filter="tar") if hasattr(tarfile, "data_filter") \
                else tf.extractall(dest)
        tops = [p for p in dest.iterdir() if p.is_dir()]
        if len(tops) != 1:
            raise SystemExit(f"smoke_test: {src.name} should hold one top folder, has {tops}")
        base = tops[0] / "gradlab"
        for extra in ("gradlab.desktop", "gradlab.png", "install.sh"):
            if not (tops[0] / extra).is_file():
                raise SystemExit(f"smoke_test: {src.name} lacks {extra}")
    for name in ("gradlab", "gradlab-cli.exe", "GradLab.exe"):
        if (base / name).is_file():
            return base / name
    raise SystemExit(f"smoke_test: no executable in {base}")


def png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    if head[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError(f"{path.name} is not a PNG")
    return struct.unpack(">II", head[16:24])


class Smoke:
    def __init__(self, exe: Path, work: Path, timeout: float):
        self.exe, self.work, self.timeout = exe, work, timeout
        self.env = {"PATH": "/usr/bin:/bin", "HOME": str(work), "QT_QPA_PLATFORM": "offscreen",
                    "LANG": "C.UTF-8", "TMPDIR": str(work)}
        if WINDOWS:  # a bare Windows environment still needs these to start processes
            self.env = {k: os.environ[k] for k in ("SYSTEMROOT", "WINDIR", "TEMP") if k in os.environ}
            self.env.update(HOME=str(work), QT_QPA_PLATFORM="offscreen",
                            PATH=os.environ.get("SYSTEMROOT", r"C:\Windows") + r"\system32")
        self.passed, self.failed = 0, 0
        self.timings: dict[str, float] = {}

    def popen(self, args, env, out, err) -> subprocess.Popen:
        # Own process group: whatever the app leaves behind (a trainer process) is ended below.
        return subprocess.Popen([str(self.exe), *args], cwd=self.work, env={**self.env, **(env or {})},
                                stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                start_new_session=not WINDOWS, text=True)

    def reap(self, p: subprocess.Popen) -> None:
        """End the process and anything it started that is still running."""
        if WINDOWS:
            if p.poll() is None:
                p.kill()
        else:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(p.pid, signal.SIGKILL)
        p.wait()

    def run(self, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
        with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
            t0 = time.perf_counter()
            p = self.popen(args, env, out, err)
            try:
                rc = p.wait(timeout=self.timeout)
            except subprocess.TimeoutExpired:
                rc = "timeout"
            seconds = time.perf_counter() - t0
            self.reap(p)
            out.seek(0)
            err.seek(0)
            r = subprocess.CompletedProcess(args, rc, out.read(), err.read())
        r.seconds = seconds
        return r

    def time_to_window(self, *args: str) -> tuple[float, float, str]:
        """Seconds from launch to the first frame on screen (GRADLAB_STARTUP_PROBE makes the app
        print `window_shown_s=` then), the app's own figure, and its stderr so far."""
        with tempfile.TemporaryFile("w+") as err:
            t0 = time.perf_counter()
            p = self.popen(args, {"GRADLAB_STARTUP_PROBE": "1"}, subprocess.PIPE, err)
            lines: queue.Queue[str] = queue.Queue()
            reader = threading.Thread(target=lambda: [lines.put(x) for x in p.stdout], daemon=True)
            reader.start()
            line, deadline = "", t0 + self.timeout
            try:
                while not line.startswith("window_shown_s="):
                    try:
                        line = lines.get(timeout=max(0.0, deadline - time.perf_counter()))
                    except queue.Empty:
                        break
                wall = time.perf_counter() - t0
            finally:
                self.reap(p)
                reader.join(5)
                p.stdout.close()
                err.seek(0)
                stderr = err.read()
            if not line.startswith("window_shown_s="):
                raise AssertionError(f"the window never showed (exit {p.returncode}):\n{stderr[-3000:]}")
            return wall, float(line.split("=")[1]), stderr

    def check(self, name: str, fn) -> None:
        t0 = time.perf_counter()
        try:
            detail = fn()
        except Exception as e:  # noqa: BLE001  (report every failing check, then go on)
            self.failed += 1
            print(f"FAIL {name}: {e}", flush=True)
            return
        self.passed += 1
        print(f"ok   {name} ({time.perf_counter() - t0:.1f} s){': ' + detail if detail else ''}",
              flush=True)


def expect(p: subprocess.CompletedProcess, *, rc: int = 0) -> None:
    bad = [w for w in ("Traceback", "could not be loaded", "ModuleNotFoundError", "usage: gradlab")
           if w in p.stderr]
    if p.returncode != rc or bad:
        raise AssertionError(f"exit status {p.returncode}{', ' + bad[0] if bad else ''}\n"
                             f"--- stdout\n{p.stdout[-2000:]}\n--- stderr\n{p.stderr[-4000:]}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("bundle", nargs="?", type=Path,
                    help="a GradLab .tar.gz or bundle folder (default: newest in dist/)")
    ap.add_argument("--timeout", type=float, default=300, help="seconds per command")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = ap.parse_args(argv)
    src = (args.bundle or find_archive()).resolve()
    version = {}
    exec((ROOT / "core" / "__init__.py").read_text(encoding="utf-8"), version)
    want_version = version["__version__"]

    tmp = Path(tempfile.mkdtemp(prefix="gradlab-smoke-"))
    try:
        t0 = time.perf_counter()
        exe = unpack(src, tmp / "app")
        work = tmp / "home"
        work.mkdir()
        print(f"smoke_test: {src.name} unpacked to {exe.parent} in {time.perf_counter() - t0:.1f} s;"
              f" running in {work} with a bare environment", flush=True)
        s = Smoke(exe, work, args.timeout)

        def version_check():
            p = s.run("--version")
            expect(p)
            if p.stdout.strip() != f"GradLab {want_version}":
                raise AssertionError(f"printed {p.stdout.strip()!r}, want 'GradLab {want_version}'")
            s.timings["version_s"] = round(p.seconds, 2)
            return f"{p.stdout.strip()} in {p.seconds:.2f} s"

        presets: list[dict] = []

        def presets_check():
            p = s.run("presets", "--json")
            expect(p)
            presets.extend(json.loads(p.stdout))
            if PRESET not in [d["name"] for d in presets]:
                raise AssertionError(f"{PRESET} not listed:\n{p.stdout}")
            labs = sorted({d["lab"] for d in presets})
            return f"{len(presets)} presets for the labs {', '.join(labs)}"

        def run_check():
            p = s.run("run", "--preset", PRESET, "--steps", "20", "--out", "run1")
            expect(p)
            lines = (work / "run1" / "metrics.jsonl").read_text().splitlines()
            if len(lines) != 20 or json.loads(lines[-1])["step"] != 20:
                raise AssertionError(f"metrics.jsonl has {len(lines)} lines, want 20")
            if not (work / "run1" / "session.gradlab").is_file():
                raise AssertionError("no session.gradlab written")
            s.timings["run_20_steps_s"] = round(p.seconds, 2)
            return p.stdout.strip().splitlines()[0]

        def session_check():
            p = s.run("session", "resave", "run1/session.gradlab", "resaved.gradlab")
            expect(p)
            p = s.run("session", "info", "--json", "resaved.gradlab")
            expect(p)
            d = json.loads(p.stdout)
            if d["step"] != 20 or d["records"] != 20:
                raise AssertionError(f"resaved session is at step {d['step']}, want 20")
            if d["app_version"] != want_version:
                raise AssertionError(f"session records app_version {d['app_version']!r}, want "
                                     f"{want_version!r} (package metadata missing from the bundle?)")
            return f"step {d['step']}, {d['parameters']} parameters, app_version {d['app_version']}"

        def screenshot_check():
            # The deep preset, then the first preset of every other lab: each lab's lazily
            # imported modules must be in the bundle.
            names = [PRESET] + list({d["lab"]: d["name"] for d in reversed(presets)
                                     if d["lab"] != "deep"}.values())
            shots = []
            for name in names:
                p = s.run("--screenshot", f"{name}.png", "--preset", name, "--steps", "20",
                          "--size", "1280x800")
                expect(p)
                size = png_size(work / f"{name}.png")
                if size != (1280, 800):
                    raise AssertionError(f"{name}: screenshot is {size}, want (1280, 800)")
                kb = (work / f"{name}.png").stat().st_size / 1024
                if kb < 30:
                    raise AssertionError(f"{name}: screenshot is only {kb:.0f} KiB: empty window?")
                s.timings[f"screenshot_{name}_s"] = round(p.seconds, 2)
                shots.append(f"{name} {kb:.0f} KiB in {p.seconds:.1f} s")
            return "1280x800: " + ", ".join(shots)

        def startup_check():
            walls, shown = [], []
            for _ in range(3):   # the first start pays for a cold file cache
                wall, own, stderr = s.time_to_window("--preset", PRESET)
                if "Traceback" in stderr:
                    raise AssertionError(f"error while starting:\n{stderr[-3000:]}")
                walls.append(wall)
                shown.append(own)
            warm = min(walls[1:])
            s.timings.update(startup_to_window_s=round(warm, 2),
                             startup_to_window_cold_s=round(walls[0], 2),
                             startup_app_reported_s=round(min(shown[1:]), 2))
            if warm > 15:
                raise AssertionError(f"the window took {warm:.1f} s to show")
            return (f"window on screen {warm:.2f} s after launch (first launch {walls[0]:.2f} s; "
                    f"the app's own count from its import {min(shown[1:]):.2f} s)")

        s.check("--version", version_check)
        s.check("presets found in the bundle", presets_check)
        s.check("headless run of 20 steps", run_check)
        s.check("open and save a session", session_check)
        s.check("offscreen screenshots after 20 steps, one per lab", screenshot_check)
        s.check("start-up time", startup_check)
        if args.keep:
            print(f"smoke_test: kept {tmp}")
        print(f"smoke_test: timings {json.dumps(s.timings)}")
        report = ROOT / "dist" / "bundle-report.json"
        if report.is_file():
            d = json.loads(report.read_text(encoding="utf-8"))
            d["smoke"] = {"passed": s.passed, "failed": s.failed, **s.timings}
            report.write_text(json.dumps(d, indent=2) + "\n", encoding="utf-8")
        print(f"smoke: {s.passed} passed, {s.failed} failed")
        return 1 if s.failed else 0
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
