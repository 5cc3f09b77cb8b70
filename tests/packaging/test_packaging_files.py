"""The packaging files are consistent with the app (the bundle itself is built and smoke-tested by
`make bundle bundle-smoke` in CI, which is too slow for the unit tests)."""

import ast
import configparser
import importlib.util
import re
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import pytest

import core
from core.cli.main import COMMAND_MODULES

ROOT = Path(__file__).resolve().parents[2]
PACKAGING = ROOT / "resources" / "packaging"
ICONS = ROOT / "resources" / "icons"
SPEC = (PACKAGING / "gradlab.spec").read_text(encoding="utf-8")


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def _spec_function(name: str):
    """A top-level function of the spec, with the spec's top-level constants it reads."""
    tree = ast.parse(SPEC)
    keep = [n for n in tree.body if isinstance(n, ast.Assign) and all(
        isinstance(t, ast.Name) and t.id in ("HOST_LIBS", "GTK_ONLY", "LINUX") for t in n.targets)]
    keep += [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == name]
    ns = {"sys": sys}
    exec(compile(ast.Module(body=keep, type_ignores=[]), "gradlab.spec", "exec"), ns)
    return ns[name]


def test_versions_agree():
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert re.search(r'(?m)^version = "([^"]+)"', text).group(1) == core.__version__


def test_spec_collects_every_lazily_imported_module():
    # core.cli imports its commands by name and desktop_app.labs its labs: the spec lists every
    # module of both packages.
    assert 'collect_submodules("core")' in SPEC and 'collect_submodules("desktop_app")' in SPEC
    for name in COMMAND_MODULES:
        assert (ROOT / "core" / "cli" / f"{name}.py").is_file()
    assert "session_cmd" in COMMAND_MODULES
    assert 'copy_metadata("gradlab")' in SPEC
    # TorchScript (torch.func's jvp decompositions) needs the source of stdlib enum.py.
    assert 'datas += [(_enum.__file__, ".")]' in SPEC


def test_spec_drops_tests_and_headers_but_keeps_what_import_torch_needs():
    unwanted = _spec_function("unwanted")
    for dest in ("torch/test/test_nn.py", "torch/include/ATen/ATen.h", "torch/bin/test_api",
                 "torch/bin/protoc", "torch/lib/libtorchbind_test.so",
                 "torch/lib/libjitbackend_test.so", "PySide6/Qt/translations/qtbase_de.qm"):
        assert unwanted(dest), dest
    for dest in ("torch/bin/torch_shm_manager", "torch/lib/libtorch_cpu.so", "torch/lib/libc10.so",
                 "torch/lib/libgomp.so.1", "torch/_C.cpython-311-x86_64-linux-gnu.so",
                 "torch/testing/__init__.py", "PySide6/Qt/plugins/platforms/libqxcb.so",
                 "PySide6/Qt/lib/libQt6Core.so.6", "resources/presets/vanishing_sigmoid.json",
                 "numpy.libs/libscipy_openblas64_-32a4b2a6.so", "libpython3.11.so.1.0",
                 "libxcb-cursor.so.0", "libxkbcommon-x11.so.0"):
        assert not unwanted(dest), dest


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux host libraries")
def test_spec_leaves_the_hosts_libraries_out_on_linux():
    unwanted = _spec_function("unwanted")
    for dest in ("libstdc++.so.6", "libgcc_s.so.1", "libfontconfig.so.1", "libglib-2.0.so.0",
                 "libX11.so.6", "libcairo.so.2", "PySide6/Qt/plugins/platformthemes/libqgtk3.so"):
        assert unwanted(dest), dest


def test_spec_excludes_unused_heavy_modules_but_not_unittest():
    tree = ast.parse(SPEC)
    excludes = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "excludes" for t in node.targets):
            excludes |= {e.value for e in ast.walk(node.value) if isinstance(e, ast.Constant)}
    for mod in ("tkinter", "pytest", "IPython", "matplotlib", "tensorboard", "PyQt5", "PyQt6"):
        assert mod in excludes
    for mod in ("unittest", "sympy", "torch", "numpy", "PySide6"):
        assert mod not in excludes


def test_icons_exist_at_every_size():
    for s in (16, 24, 32, 48, 64, 128, 256, 512):
        assert _png_size((ICONS / f"gradlab-{s}.png").read_bytes()) == (s, s)
    assert all(p.is_file() for p in ICONS.iterdir())  # package-data `icons/*` is not recursive


def test_ico_and_icns_hold_the_png_sizes():
    ico = (ICONS / "gradlab.ico").read_bytes()
    reserved, kind, count = struct.unpack("<HHH", ico[:6])
    assert (reserved, kind) == (0, 1) and count >= 6
    sizes = set()
    for i in range(count):
        w, _, _, _, _, _, n, off = struct.unpack("<BBBBHHII", ico[6 + 16 * i: 22 + 16 * i])
        assert _png_size(ico[off: off + n])[0] == (w or 256)
        sizes.add(w or 256)
    assert {16, 32, 48, 256} <= sizes
    icns = (ICONS / "gradlab.icns").read_bytes()
    assert icns[:4] == b"icns" and struct.unpack(">I", icns[4:8])[0] == len(icns)
    pos, types = 8, set()
    while pos < len(icns):
        t, n = icns[pos: pos + 4], struct.unpack(">I", icns[pos + 4: pos + 8])[0]
        assert icns[pos + 8: pos + 16] == b"\x89PNG\r\n\x1a\n"
        types.add(t)
        pos += n
    assert pos == len(icns) and {b"ic07", b"ic08", b"ic09", b"ic10"} <= types


def test_make_icons_renders_the_svg(tmp_path):
    spec = importlib.util.spec_from_file_location("make_icons", PACKAGING / "make_icons.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    assert mod.main(["--out", str(tmp_path)]) == 0
    data = (tmp_path / "gradlab-64.png").read_bytes()
    assert _png_size(data) == (64, 64) and len(data) > 1000   # not an empty image


def test_desktop_entry():
    cp = configparser.ConfigParser(interpolation=None)
    cp.optionxform = str
    cp.read(PACKAGING / "linux" / "gradlab.desktop", encoding="utf-8")
    e = cp["Desktop Entry"]
    assert e["Type"] == "Application" and e["Name"] == "GradLab" and e["Icon"] == "gradlab"
    assert e["Exec"].split()[0] == "gradlab" and e["Terminal"] == "false"
    assert "Education" in e["Categories"].split(";")
    if shutil.which("desktop-file-validate"):
        p = subprocess.run(["desktop-file-validate", str(PACKAGING / "linux" / "gradlab.desktop")],
                           capture_output=True, text=True)
        assert p.returncode == 0 and not p.stdout.strip(), p.stdout


def test_launcher_prints_the_version(capsys):
    spec = importlib.util.spec_from_file_location("gradlab_launcher",
                                                  PACKAGING / "gradlab_launcher.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    assert mod.run(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"GradLab {core.__version__}"


@pytest.mark.parametrize("script", ["build.py", "smoke_test.py", "make_icons.py"])
def test_scripts_show_help(script):
    p = subprocess.run([sys.executable, str(PACKAGING / script), "--help"], capture_output=True,
                       text=True, timeout=60)
    assert p.returncode == 0 and "usage:" in p.stdout


def test_shell_scripts_parse():
    for script in ("linux/install.sh", "linux/AppRun", "macos/make_dmg.sh"):
        sh = "bash" if script.endswith("make_dmg.sh") else "sh"
        subprocess.run([sh, "-n", str(PACKAGING / script)], check=True)


def test_inno_setup_script_names_the_executables():
    iss = (PACKAGING / "windows" / "gradlab.iss").read_text(encoding="utf-8")
    assert "GradLab.exe" in iss and "OutputBaseFilename=GradLab-{#AppVersion}-windows-setup" in iss
    assert 'name="GradLab"' in SPEC and 'name="gradlab-cli"' in SPEC
