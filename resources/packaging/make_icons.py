"""Render resources/icons/gradlab.svg to PNG sizes, a Windows .ico and a macOS .icns.

    python resources/packaging/make_icons.py [--out DIR]

Uses only Qt's SVG renderer (PySide6, already a dependency) and the standard library: the .ico
and .icns files hold PNG-compressed images, which Windows Vista+ and macOS 10.7+ read. The
outputs are committed next to the SVG, so building an installer needs no image tools; run this
again after editing the SVG (`make icons`).
"""

from __future__ import annotations

import argparse
import os
import struct
import sys
from pathlib import Path

ICONS = Path(__file__).resolve().parents[1] / "icons"
PNG_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
# ICNS element types holding PNG data, by pixel size (several types share a size: @2x variants).
ICNS_TYPES = ((b"icp4", 16), (b"icp5", 32), (b"icp6", 64), (b"ic07", 128), (b"ic08", 256),
              (b"ic09", 512), (b"ic10", 1024), (b"ic11", 32), (b"ic12", 64), (b"ic13", 256),
              (b"ic14", 512))


def render_png(svg: Path, size: int) -> bytes:
    """The SVG drawn at size x size pixels, antialiased, as PNG bytes."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    QGuiApplication.instance() or QGuiApplication([sys.argv[0]])
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"make_icons: {svg} is not a valid SVG")
    img = QImage(size, size, QImage.Format.Format_ARGB32)
    img.fill(Qt.GlobalColor.transparent)
    p = QPainter(img)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(p)
    p.end()
    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    img.save(buf, "PNG")
    buf.close()
    return bytes(data)


def ico_bytes(pngs: dict[int, bytes]) -> bytes:
    """A .ico file whose entries are PNG images (ICONDIR + ICONDIRENTRY list + data)."""
    sizes = sorted(pngs)
    out = struct.pack("<HHH", 0, 1, len(sizes))
    offset = 6 + 16 * len(sizes)
    body = b""
    for s in sizes:
        data = pngs[s]
        dim = 0 if s >= 256 else s          # 0 means 256 in the directory entry
        out += struct.pack("<BBBBHHII", dim, dim, 0, 0, 1, 32, len(data), offset)
        offset += len(data)
        body += data
    return out + body


def icns_bytes(pngs: dict[int, bytes]) -> bytes:
    """A .icns file with PNG elements for every size available."""
    elems = b"".join(t + struct.pack(">I", 8 + len(pngs[s])) + pngs[s]
                     for t, s in ICNS_TYPES if s in pngs)
    return b"icns" + struct.pack(">I", 8 + len(elems)) + elems


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--svg", type=Path, default=ICONS / "gradlab.svg")
    ap.add_argument("--out", type=Path, default=ICONS, help="output folder (default: the SVG's)")
    args = ap.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    args.out.mkdir(parents=True, exist_ok=True)
    pngs = {s: render_png(args.svg, s) for s in sorted(set(PNG_SIZES) | {1024})}
    for s in PNG_SIZES:
        (args.out / f"gradlab-{s}.png").write_bytes(pngs[s])
    (args.out / "gradlab.ico").write_bytes(ico_bytes({s: pngs[s] for s in ICO_SIZES}))
    (args.out / "gradlab.icns").write_bytes(icns_bytes(pngs))
    print(f"make_icons: wrote {len(PNG_SIZES)} PNGs, gradlab.ico and gradlab.icns to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
