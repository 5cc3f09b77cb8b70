#!/usr/bin/env bash
# Pack GradLab.app into a compressed disk image with an /Applications link (drag to install).
#   resources/packaging/macos/make_dmg.sh build/bundle/dist/GradLab.app dist/GradLab-0.1.0-macos-arm64.dmg
# build.py calls it on macOS. Optional signing and notarization (needs an Apple Developer ID):
#   CODESIGN_IDENTITY="Developer ID Application: NAME (TEAMID)" and NOTARY_PROFILE=<keychain
#   profile made with `xcrun notarytool store-credentials`>. Unsigned, users open it the first
#   time with right-click > Open (or System Settings > Privacy & Security > Open Anyway).
set -euo pipefail
APP="$1"
OUT="$2"
[ -d "$APP" ] || { echo "make_dmg: no app bundle at $APP" >&2; exit 1; }
if [ -n "${CODESIGN_IDENTITY:-}" ]; then
    codesign --force --deep --options runtime --timestamp --sign "$CODESIGN_IDENTITY" "$APP"
    codesign --verify --deep --strict "$APP"
fi
STAGE="$(mktemp -d)"
trap 'rm -rf "$STAGE"' EXIT
cp -R "$APP" "$STAGE/"
ln -s /Applications "$STAGE/Applications"
mkdir -p "$(dirname "$OUT")"
rm -f "$OUT"
hdiutil create -volname "GradLab" -srcfolder "$STAGE" -fs HFS+ -format UDZO -imagekey zlib-level=9 -ov "$OUT"
if [ -n "${CODESIGN_IDENTITY:-}" ]; then
    codesign --force --timestamp --sign "$CODESIGN_IDENTITY" "$OUT"
fi
if [ -n "${NOTARY_PROFILE:-}" ]; then
    xcrun notarytool submit "$OUT" --keychain-profile "$NOTARY_PROFILE" --wait
    xcrun stapler staple "$OUT"
fi
echo "make_dmg: wrote $OUT"
