#!/bin/sh
# Install GradLab for this user (no root): the program folder to ~/.local/share/gradlab, a
# `gradlab` command to ~/.local/bin, the menu entry and the icon. `./install.sh --uninstall`
# removes them again. Run it from the unpacked archive.
set -eu
HERE="$(cd "$(dirname "$0")" && pwd)"
DATA="${XDG_DATA_HOME:-$HOME/.local/share}"
PREFIX="$DATA/gradlab"
BIN="$HOME/.local/bin"
if [ "${1:-}" = "--uninstall" ]; then
    rm -rf "$PREFIX" "$BIN/gradlab" "$DATA/applications/gradlab.desktop" \
        "$DATA/icons/hicolor/256x256/apps/gradlab.png" "$DATA/icons/hicolor/scalable/apps/gradlab.svg"
    echo "GradLab removed."
    exit 0
fi
rm -rf "$PREFIX"
mkdir -p "$PREFIX" "$BIN" "$DATA/applications" "$DATA/icons/hicolor/256x256/apps" \
    "$DATA/icons/hicolor/scalable/apps"
cp -a "$HERE/gradlab/." "$PREFIX/"
ln -sf "$PREFIX/gradlab" "$BIN/gradlab"
cp "$HERE/gradlab.png" "$DATA/icons/hicolor/256x256/apps/gradlab.png"
cp "$HERE/gradlab.svg" "$DATA/icons/hicolor/scalable/apps/gradlab.svg"
sed "s|^Exec=.*|Exec=\"$PREFIX/gradlab\"|" "$HERE/gradlab.desktop" \
    > "$DATA/applications/gradlab.desktop"
command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q "$DATA/applications" || true
command -v gtk-update-icon-cache >/dev/null 2>&1 && gtk-update-icon-cache -q -t "$DATA/icons/hicolor" || true
echo "GradLab installed: find it in the applications menu, or run $BIN/gradlab"
