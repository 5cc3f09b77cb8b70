"""Zip and .npz plumbing for session files: atomic writes and reads that never unpickle.

Arrays are written and read member by member with numpy's .npy functions (allow_pickle=False);
every .npy header is checked (plain numeric dtype, size within the member) before numpy
allocates anything, so a hostile file can neither run code nor make us allocate gigabytes.
"""

from __future__ import annotations

import io
import json
import math
import os
import uuid
import zipfile
import zlib
from collections.abc import Callable
from contextlib import suppress

import numpy as np

from core import jsonsafe
from core.errors import SessionError

MAX_TOTAL_BYTES = 2 * 1024**3   # uncompressed; no real session comes near it
MAX_MEMBERS = 100_000
_NUMERIC_KINDS = "biufc"        # bool, int, uint, float, complex: nothing that can hold objects
# What a damaged or hostile zip can raise while being read (zlib: bad deflate data; Runtime:
# encrypted member; NotImplemented: unknown compression method).
READ_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError,
               NotImplementedError, ValueError)


def write_atomic(path: str | os.PathLike, fill: Callable[[zipfile.ZipFile], None]) -> None:
    """Create the zip at `path` through a temp file in the same folder and os.replace.

    Whatever `fill` raises, the old file (if any) is untouched and the temp file removed."""
    path = os.fspath(path)
    folder, name = os.path.split(os.path.abspath(path))
    tmp = os.path.join(folder, f".{name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        # os.open with 0o666 lets the umask decide the mode, as for any newly saved file.
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
        with os.fdopen(fd, "wb") as fh:
            with zipfile.ZipFile(fh, "w") as zf:
                fill(zf)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with suppress(OSError):
            os.remove(tmp)
        raise
    _fsync_dir(folder)


def _fsync_dir(folder: str) -> None:
    # Makes the rename itself durable on POSIX; Windows cannot open folders, and it is optional.
    with suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_json(zf: zipfile.ZipFile, member: str, obj) -> None:
    """Store `obj` as strict JSON (no NaN), deflated."""
    text = json.dumps(obj, indent=1, allow_nan=False, ensure_ascii=False)
    zf.writestr(member, text.encode("utf-8"), compress_type=zipfile.ZIP_DEFLATED)


def write_npz(zf: zipfile.ZipFile, member: str, arrays: dict[str, np.ndarray],
              compress: bool = False) -> None:
    """Store arrays as an .npz member (a zip of `<key>.npy`), without np.savez's kwarg clashes."""
    buf = io.BytesIO()
    method = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    with zipfile.ZipFile(buf, "w", compression=method) as inner:
        for key, a in arrays.items():
            a = np.asarray(a)
            if a.dtype.kind not in _NUMERIC_KINDS:
                raise SessionError(f"cannot save {member}/{key}: dtype {a.dtype} is not numeric")
            with inner.open(f"{key}.npy", "w", force_zip64=True) as fh:
                np.lib.format.write_array(fh, a, allow_pickle=False)
    zf.writestr(member, buf.getvalue(), compress_type=zipfile.ZIP_STORED)


class Reader:
    """Reads members of an open session zip; every failure becomes a SessionError naming the file."""

    def __init__(self, zf: zipfile.ZipFile, path: str):
        self.zf, self.path = zf, path
        self._npz_bytes: dict[str, bytes] = {}
        infos = zf.infolist()
        check_sizes(infos, self.fail)
        self.names = {i.filename for i in infos}
        # Declared sizes of the outer zip and of every inner .npz, added up before any array
        # is unpacked (FORMAT.md): three inner archives of 1.5 GiB each pass one by one but not
        # together. The inner archives' own bytes are small (their arrays are compressed).
        declared = sum(i.file_size for i in infos)
        for member in sorted(n for n in self.names if n.endswith(".npz")):
            with self._inner(member) as inner:
                declared += sum(i.file_size for i in inner.infolist())
            if declared > MAX_TOTAL_BYTES:
                raise self.fail(f"with {member} it would unpack to {declared / 1024**3:.1f} GB "
                                f"in all (limit {MAX_TOTAL_BYTES / 1024**3:.0f} GB); refusing a "
                                "possible zip bomb")

    def fail(self, problem: str) -> SessionError:
        return SessionError(f"cannot open session {self.path!r}: {problem}")

    def read(self, member: str) -> bytes:
        if member not in self.names:
            raise self.fail(f"member {member} is missing (the file is incomplete or damaged)")
        try:
            return self.zf.read(member)
        except READ_ERRORS as e:
            raise self.fail(f"{member} is corrupt ({e})") from None

    def json(self, member: str):
        try:
            return jsonsafe.loads(self.read(member))
        except ValueError as e:
            raise self.fail(f"{member}: {e}") from None

    def _inner(self, member: str) -> zipfile.ZipFile:
        """An inner .npz as an open zip (its bytes read once and kept), sizes checked."""
        if member not in self._npz_bytes:
            self._npz_bytes[member] = self.read(member)
        try:
            inner = zipfile.ZipFile(io.BytesIO(self._npz_bytes[member]))
        except READ_ERRORS as e:
            raise self.fail(f"{member} is corrupt ({e})") from None
        check_sizes(inner.infolist(), lambda p: self.fail(f"{member}: {p}"))
        return inner

    def npz(self, member: str) -> dict[str, np.ndarray]:
        try:
            with self._inner(member) as inner:
                arrays = {_key(i.filename, member, self.fail):
                          _read_npy(inner, i, member, self.fail) for i in inner.infolist()}
            self._npz_bytes.pop(member, None)          # read once: free the packed copy
            return arrays
        except SessionError:
            raise
        except READ_ERRORS as e:
            raise self.fail(f"{member} is corrupt ({e})") from None


def check_sizes(infos: list[zipfile.ZipInfo], fail: Callable[[str], Exception]) -> None:
    """Refuse zip bombs before decompressing: declared sizes bound what zipfile will return."""
    if len(infos) > MAX_MEMBERS:
        raise fail(f"{len(infos)} members is absurd for a session")
    total = sum(i.file_size for i in infos)
    if total > MAX_TOTAL_BYTES:
        raise fail(f"it would unpack to {total / 1024**3:.1f} GB (limit "
                   f"{MAX_TOTAL_BYTES / 1024**3:.0f} GB); refusing a possible zip bomb")


def _key(filename: str, member: str, fail) -> str:
    if not filename.endswith(".npy"):
        raise fail(f"{member}: unexpected entry {filename!r}")
    return filename[:-4]


def _read_npy(inner: zipfile.ZipFile, info: zipfile.ZipInfo, member: str, fail) -> np.ndarray:
    where = f"{member}/{info.filename[:-4]}"
    with inner.open(info) as fh:
        version = np.lib.format.read_magic(fh)
        if version == (1, 0):
            shape, _, dtype = np.lib.format.read_array_header_1_0(fh)
        elif version == (2, 0):
            shape, _, dtype = np.lib.format.read_array_header_2_0(fh)
        else:
            raise fail(f"{where}: unsupported .npy version {version}")
    # Object and structured dtypes are where pickles hide: refuse before numpy sees the data.
    if dtype.hasobject or dtype.kind not in _NUMERIC_KINDS:
        raise fail(f"{where}: dtype {dtype} is not a plain numeric array (refused, not loaded)")
    if math.prod(shape) * dtype.itemsize > info.file_size:
        raise fail(f"{where}: header claims shape {shape}, more data than the entry holds")
    with inner.open(info) as fh:
        a = np.lib.format.read_array(fh, allow_pickle=False)
    # torch refuses byte-swapped arrays; a file written on a big-endian machine still loads.
    return a if a.dtype.isnative else a.astype(a.dtype.newbyteorder("="))
