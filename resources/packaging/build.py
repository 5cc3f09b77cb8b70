"""Build GradLab's desktop bundle and pack it for this OS, in one command.

    make bundle                       # = python3 resources/packaging/build.py
    python3 resources/packaging/build.py [--fresh] [--torch-index-url URL] [--no-pack]

1. A clean virtual environment, build/bundle-venv: torch==2.13.0 (a CPU build; the install is
   refused if it would pull CUDA), then the project itself with its runtime dependencies only,
   then PyInstaller (requirements-build.txt). Exactly one Qt binding may be installed. The venv
   is reused while pyproject.toml, requirements-build.txt and the torch source are unchanged
   (`--fresh` rebuilds it).
2. PyInstaller one-folder bundle from gradlab.spec into build/bundle/dist/.
3. Packing, into dist/:
   - Linux: GradLab-VERSION-linux-ARCH.tar.gz (the folder, gradlab.desktop, the icon,
     install.sh), an AppDir in build/bundle/GradLab.AppDir, and GradLab-VERSION-ARCH.AppImage
     when appimagetool is found ($APPIMAGETOOL or on PATH).
   - Windows: GradLab-VERSION-windows-setup.exe with Inno Setup 6 (iscc), else a portable .zip.
   - macOS: GradLab.app in GradLab-VERSION-macos-ARCH.dmg (hdiutil).
   dist/bundle-report.json records sizes and timings.

Only the standard library: run it with any Python >= 3.10 (the bundle gets that Python).
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGING = ROOT / "resources" / "packaging"
ICONS = ROOT / "resources" / "icons"
BUILD = ROOT / "build" / "bundle"
DIST = ROOT / "dist"
TORCH = "torch==2.13.0"
TORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu"
QT_BINDINGS = {"pyqt5": "PyQt5", "pyqt6": "PyQt6", "pyside2": "PySide2",
               "pyside6": "PySide6", "pyside6-essentials": "PySide6", "pyside6-addons": "PySide6"}

WINDOWS = sys.platform == "win32"
MACOS = sys.platform == "darwin"
LINUX = sys.platform.startswith("linux")


def version() -> str:
    text = (ROOT / "core" / "__init__.py").read_text(encoding="utf-8")
    return re.search(r'__version__\s*=\s*"([^"]+)"', text).group(1)


def arch() -> str:
    m = platform.machine().lower()
    return {"amd64": "x86_64", "x64": "x86_64", "aarch64": "arm64"}.get(m, m)


def log(msg: str) -> None:
    print(f"[bundle] {msg}", flush=True)


def sh(*cmd, **kw) -> subprocess.CompletedProcess:
    print("+ " + " ".join(str(c) for c in cmd), flush=True)
    return subprocess.run([str(c) for c in cmd], check=True, **kw)


def venv_python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if WINDOWS else "bin/python")


def torch_index_args(url: str | None) -> list[str]:
    """Where torch comes from: a given index; else, on Linux without a local wheel folder
    (PIP_FIND_LINKS), the CPU index, since PyPI's Linux torch is the multi-GB CUDA build."""
    if url:
        return ["--extra-index-url", url]
    if LINUX and not os.environ.get("PIP_FIND_LINKS"):
        return ["--extra-index-url", TORCH_CPU_INDEX]
    return []


def check_torch_is_cpu(py: Path, index: list[str]) -> None:
    """Resolve the torch install without downloading it; refuse a CUDA build."""
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.json"
        sh(py, "-m", "pip", "install", "--dry-run", "--quiet", "--report", report, TORCH, *index)
        items = json.loads(report.read_text(encoding="utf-8")).get("install", [])
    names = {i["metadata"]["name"].lower(): i["metadata"]["version"] for i in items}
    cuda = sorted(n for n in names if n.startswith("nvidia-") or n == "triton")
    tver = names.get("torch", "")
    if cuda or "+cu" in tver or "+rocm" in tver:
        raise SystemExit(
            f"[bundle] refusing to install a GPU torch ({tver or 'torch'} with "
            f"{', '.join(cuda) or 'GPU libraries'}): the bundle ships a CPU build. Point pip at "
            f"a CPU wheel: --torch-index-url {TORCH_CPU_INDEX}, or PIP_FIND_LINKS=<folder with "
            "the torch CPU wheel>.")
    log(f"torch to install: {tver or '(already satisfied)'}; no CUDA packages")


def check_one_qt_binding(py: Path) -> None:
    out = subprocess.run([str(py), "-c", "import importlib.metadata as m, json; print(json.dumps("
                          "[d.metadata['Name'] for d in m.distributions()]))"],
                         check=True, capture_output=True, text=True).stdout
    dists = {re.sub(r"[-_.]+", "-", n).lower() for n in json.loads(out)}
    bindings = sorted({QT_BINDINGS[d] for d in dists if d in QT_BINDINGS})
    if bindings != ["PySide6"]:
        raise SystemExit(f"[bundle] the build venv must hold exactly one Qt binding (PySide6); "
                         f"it has {bindings or 'none'}")
    if "pyside6" in dists or "pyside6-addons" in dists:
        raise SystemExit("[bundle] the PySide6 meta-package (or PySide6-Addons) is installed: it "
                         "adds ~445 MB of unused Qt modules; depend on PySide6-Essentials only "
                         "(and plain superqt, not superqt[pyside6])")
    log("one Qt binding in the build venv: PySide6-Essentials")


def make_venv(venv: Path, fresh: bool, index_url: str | None) -> Path:
    """The clean build venv: torch (CPU), the project's runtime dependencies, PyInstaller."""
    index = torch_index_args(index_url)
    stamp_text = "\n".join([
        sys.version, TORCH, " ".join(index), os.environ.get("PIP_FIND_LINKS", ""),
        (ROOT / "pyproject.toml").read_text(encoding="utf-8"),
        (PACKAGING / "requirements-build.txt").read_text(encoding="utf-8")])
    stamp = hashlib.sha256(stamp_text.encode()).hexdigest()
    stamp_file = venv / ".gradlab-bundle-stamp"
    py = venv_python(venv)
    if not fresh and py.exists() and stamp_file.exists() and stamp_file.read_text() == stamp:
        log(f"reusing the build venv {venv} (same requirements; --fresh rebuilds it)")
    else:
        if venv.exists():
            shutil.rmtree(venv)
        sh(sys.executable, "-m", "venv", venv)
        pip = [py, "-m", "pip", "install", "--disable-pip-version-check"]
        check_torch_is_cpu(py, index)
        sh(*pip, "--quiet", TORCH, *index)
        # The project itself (not editable: its metadata goes into the bundle) with its runtime
        # dependencies only, then the build tools.
        sh(*pip, "--quiet", ROOT, "-r", PACKAGING / "requirements-build.txt")
        stamp_file.write_text(stamp)
    check_one_qt_binding(py)
    out = subprocess.run([str(py), "-c", "import torch; print(torch.__version__, torch.version.cuda)"],
                         check=True, capture_output=True, text=True).stdout.split()
    if out[1] != "None":
        raise SystemExit(f"[bundle] the build venv has a CUDA torch ({out[0]}); use --fresh")
    log(f"build venv ready: torch {out[0]} (CPU)")
    return py


def run_pyinstaller(py: Path) -> Path:
    sh(py, "-m", "PyInstaller", "--noconfirm", "--clean", "--log-level", "WARN",
       "--distpath", BUILD / "dist", "--workpath", BUILD / "work", PACKAGING / "gradlab.spec",
       cwd=ROOT)
    name = "GradLab.app" if MACOS else "GradLab" if WINDOWS else "gradlab"
    return BUILD / "dist" / name


def tree_size(path: Path) -> tuple[int, int]:
    """(bytes, files) under path, not following symlinks."""
    total = files = 0
    for dirpath, _, names in os.walk(path):
        for n in names:
            st = os.lstat(os.path.join(dirpath, n))
            total += st.st_size
            files += 1
    return total, files


def desktop_entry(exec_line: str) -> str:
    text = (PACKAGING / "linux" / "gradlab.desktop").read_text(encoding="utf-8")
    return re.sub(r"(?m)^Exec=.*$", f"Exec={exec_line}", text)


def pack_linux(bundle: Path, ver: str, args) -> dict:
    top = f"GradLab-{ver}-linux-{arch()}"
    out = DIST / f"{top}.tar.gz"
    extras = {
        "gradlab.desktop": desktop_entry("gradlab").encode(),
        "gradlab.png": (ICONS / "gradlab-256.png").read_bytes(),
        "gradlab.svg": (ICONS / "gradlab.svg").read_bytes(),
        "install.sh": (PACKAGING / "linux" / "install.sh").read_bytes(),
        "README.txt": (PACKAGING / "linux" / "README.txt").read_text(encoding="utf-8")
        .replace("@VERSION@", ver).encode(),
    }
    t0 = time.perf_counter()
    tmp = out.with_suffix(".part")
    with tarfile.open(tmp, "w:gz", compresslevel=args.gzip_level) as tf:
        tf.add(bundle, arcname=f"{top}/gradlab")
        for name, data in extras.items():
            info = tarfile.TarInfo(f"{top}/{name}")
            info.size, info.mtime = len(data), int(time.time())
            info.mode = 0o755 if name.endswith(".sh") else 0o644
            tf.addfile(info, io.BytesIO(data))
    tmp.replace(out)
    result = {"tar_gz": str(out.relative_to(ROOT)), "tar_gz_bytes": out.stat().st_size,
              "tar_gz_seconds": round(time.perf_counter() - t0, 1)}
    log(f"wrote {out.relative_to(ROOT)} ({out.stat().st_size / 2**20:.0f} MiB)")
    result.update(make_appimage(bundle, ver, args))
    return result


def link_tree(src: Path, dst: Path) -> None:
    """Copy a tree as hard links where the file system allows (no extra space), else copies."""
    def link(s, d):
        try:
            os.link(s, d)
        except OSError:
            shutil.copy2(s, d)
    shutil.copytree(src, dst, symlinks=True, copy_function=link)


def make_appimage(bundle: Path, ver: str, args) -> dict:
    """GradLab.AppDir (always) and the AppImage (when appimagetool is at hand)."""
    appdir = BUILD / "GradLab.AppDir"
    if appdir.exists():
        shutil.rmtree(appdir)
    link_tree(bundle, appdir / "usr" / "lib" / "gradlab")
    shutil.copy2(PACKAGING / "linux" / "AppRun", appdir / "AppRun")
    os.chmod(appdir / "AppRun", 0o755)
    (appdir / "gradlab.desktop").write_text(desktop_entry("gradlab"), encoding="utf-8")
    shutil.copy2(ICONS / "gradlab-256.png", appdir / "gradlab.png")
    (appdir / ".DirIcon").symlink_to("gradlab.png")
    icons = appdir / "usr" / "share" / "icons" / "hicolor"
    for s in (16, 32, 48, 64, 128, 256, 512):
        d = icons / f"{s}x{s}" / "apps"
        d.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ICONS / f"gradlab-{s}.png", d / "gradlab.png")
    (icons / "scalable" / "apps").mkdir(parents=True, exist_ok=True)
    shutil.copy2(ICONS / "gradlab.svg", icons / "scalable" / "apps" / "gradlab.svg")
    meta = appdir / "usr" / "share" / "metainfo"
    meta.mkdir(parents=True, exist_ok=True)
    (meta / "org.gradlab.GradLab.appdata.xml").write_text(
        (PACKAGING / "linux" / "org.gradlab.GradLab.appdata.xml").read_text(encoding="utf-8")
        .replace("@VERSION@", ver), encoding="utf-8")
    log(f"AppDir ready: {appdir.relative_to(ROOT)} (runs as is: {appdir.name}/AppRun)")
    tool = os.environ.get("APPIMAGETOOL") or shutil.which("appimagetool") \
        or shutil.which("appimagetool-x86_64.AppImage")
    out = DIST / f"GradLab-{ver}-{arch()}.AppImage"
    if args.no_appimage or not tool:
        log("appimagetool not found (no PyPI or Debian package ships it), so no AppImage: "
            "see resources/packaging/PACKAGING.md; with it, run "
            f"`ARCH={arch()} appimagetool {appdir.relative_to(ROOT)} {out.relative_to(ROOT)}`")
        return {"appdir": str(appdir.relative_to(ROOT)), "appimage": None}
    env = dict(os.environ, ARCH=arch())
    sh(tool, "--no-appstream", appdir, out, env=env)
    log(f"wrote {out.relative_to(ROOT)} ({out.stat().st_size / 2**20:.0f} MiB)")
    return {"appdir": str(appdir.relative_to(ROOT)), "appimage": str(out.relative_to(ROOT)),
            "appimage_bytes": out.stat().st_size}


def pack_windows(bundle: Path, ver: str, args) -> dict:
    iscc = shutil.which("iscc") or next(
        (p for p in (r"C:\Program Files (x86)\Inno Setup 6\ISCC.exe",
                     r"C:\Program Files\Inno Setup 6\ISCC.exe") if Path(p).exists()), None)
    if iscc:
        sh(iscc, f"/DAppVersion={ver}", f"/DSourceDir={bundle}", f"/DOutputDir={DIST}",
           f"/DRepoRoot={ROOT}", PACKAGING / "windows" / "gradlab.iss")
        out = DIST / f"GradLab-{ver}-windows-setup.exe"
        return {"installer": str(out.relative_to(ROOT)), "installer_bytes": out.stat().st_size}
    log("Inno Setup (iscc) not found: writing a portable .zip instead; install Inno Setup 6 "
        "for the setup.exe (see resources/packaging/PACKAGING.md)")
    base = DIST / f"GradLab-{ver}-windows-{arch()}"
    out = Path(shutil.make_archive(str(base), "zip", bundle.parent, bundle.name))
    return {"zip": str(out.relative_to(ROOT)), "zip_bytes": out.stat().st_size}


def pack_macos(app: Path, ver: str, args) -> dict:
    out = DIST / f"GradLab-{ver}-macos-{arch()}.dmg"
    sh("bash", PACKAGING / "macos" / "make_dmg.sh", app, out)
    return {"dmg": str(out.relative_to(ROOT)), "dmg_bytes": out.stat().st_size}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Build and pack the GradLab desktop bundle.")
    ap.add_argument("--venv", type=Path, default=ROOT / "build" / "bundle-venv",
                    help="the clean build venv (default build/bundle-venv)")
    ap.add_argument("--fresh", action="store_true", help="recreate the build venv")
    ap.add_argument("--torch-index-url", help=f"extra index for the CPU torch, e.g. {TORCH_CPU_INDEX}")
    ap.add_argument("--no-pack", action="store_true", help="stop after PyInstaller")
    ap.add_argument("--no-appimage", action="store_true", help="Linux: skip the AppImage")
    ap.add_argument("--gzip-level", type=int, default=6, help="Linux .tar.gz level (default 6)")
    args = ap.parse_args(argv)

    ver = version()
    t_start = time.perf_counter()
    BUILD.mkdir(parents=True, exist_ok=True)
    DIST.mkdir(parents=True, exist_ok=True)
    log(f"GradLab {ver} for {sys.platform}-{arch()}, Python {platform.python_version()}")
    py = make_venv(args.venv, args.fresh, args.torch_index_url)
    t_venv = time.perf_counter()
    bundle = run_pyinstaller(py)
    t_pyi = time.perf_counter()
    size, files = tree_size(bundle)
    log(f"bundle: {bundle.relative_to(ROOT)}: {size / 2**20:.0f} MiB in {files} files")
    report = {"version": ver, "platform": f"{sys.platform}-{arch()}",
              "bundle": str(bundle.relative_to(ROOT)), "unpacked_bytes": size, "files": files,
              "venv_seconds": round(t_venv - t_start, 1),
              "pyinstaller_seconds": round(t_pyi - t_venv, 1)}
    if not args.no_pack:
        pack = pack_linux if LINUX else pack_windows if WINDOWS else pack_macos
        report.update(pack(bundle, ver, args))
    report["total_seconds"] = round(time.perf_counter() - t_start, 1)
    (DIST / "bundle-report.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    log("report: dist/bundle-report.json\n" + json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
