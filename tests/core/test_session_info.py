"""read_session_info: config and meta of a session without importing torch."""

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from core.errors import SessionError
from core.presets import config_from_partial
from core.sessions import read_session_info, save_session
from core.training.history import History
from core.training.snapshot import session_from_trainer
from core.training.trainer import Trainer

ROOT = Path(__file__).resolve().parents[2]


def test_info_reads_step_and_config(tmp_path):
    cfg = config_from_partial({"model": {"depth": 2, "width": 8}, "data": {"n_train": 16}})
    tr = Trainer(cfg)
    hist = History()
    hist.extend(tr.steps(3))
    save_session(tmp_path / "s.gradlab", session_from_trainer(tr, hist, note="hello"))
    info = read_session_info(tmp_path / "s.gradlab")
    assert info.config == cfg and info.step == 3 and info.meta["note"] == "hello"


def test_info_refuses_foreign_files(tmp_path):
    p = tmp_path / "x.gradlab"
    with zipfile.ZipFile(p, "w") as zf:
        zf.writestr("hello.txt", "hi")
    with pytest.raises(SessionError, match="not a GradLab session"):
        read_session_info(p)
    p.write_text("plain text")
    with pytest.raises(SessionError, match="not a zip"):
        read_session_info(p)


def test_info_does_not_import_torch():
    code = ("import sys; import core.sessions as s; s.read_session_info; "
            "print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


@pytest.mark.skipif(not hasattr(__import__("os"), "mkfifo"), reason="named pipes are POSIX")
def test_a_folder_or_a_pipe_is_refused_at_once(tmp_path):
    """A pipe would make zipfile wait forever for its end (a hung GUI or CLI); a folder gave
    a raw '[Errno 21]'. Both are refused with a sentence, before anything is read. The read
    runs in a subprocess with a timeout, so a regression fails instead of hanging the suite."""
    import os

    pipe = tmp_path / "p.gradlab"
    os.mkfifo(pipe)
    code = ("import sys\nfrom core.sessions import load_session\nfrom core.errors import "
            "SessionError\nfor p in sys.argv[1:]:\n    try:\n        load_session(p)\n"
            "    except SessionError as e:\n        print(e)\n")
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path), str(pipe)],
                         capture_output=True, text=True, timeout=60,
                         cwd=Path(__file__).resolve().parents[2])
    lines = out.stdout.splitlines()
    assert len(lines) == 2, out.stderr
    assert "folder" in lines[0] and "Errno" not in lines[0]
    assert "not a regular file" in lines[1]
