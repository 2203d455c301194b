#!/usr/bin/env bash
# The AppImage updating itself, end to end (tests/e2e/appimage-update.mjs): wraps the build
# scripts/package just made (the `desktop` profile) (this version, N) in an AppImage, builds the same source as
# N+1 (0.2.0 above this version's 0.1.x) and wraps that, then runs the test under the Xvfb of
# scripts/test with a session D-Bus. Run after scripts/package, which leaves that build.
set -euo pipefail
source "$(dirname "$0")/../../scripts/lib.sh"
cd "$ROOT"
[ -n "${DISPLAY:-}" ] || { echo "check-appimage-update: needs DISPLAY (scripts/test starts Xvfb)" >&2; exit 1; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cargo build -q --locked --manifest-path tests/package/appimage/Cargo.toml
# N: the binary the packages carry, as it is.
"$CARGO_TARGET_DIR/debug/bellhop-make-appimage" "$CARGO_TARGET_DIR/desktop/bellhop-desktop" icons/128x128.png "$out/Bellhop-N.AppImage" >/dev/null
# N+1: the same source, another version.
scripts/appimage "$out/Bellhop-next.AppImage" 0.2.0 >/dev/null
echo "check-appimage-update: N $(du -h "$out/Bellhop-N.AppImage" | cut -f1), N+1 built"
cd tests/e2e
BELLHOP_APPIMAGE="$out/Bellhop-N.AppImage" BELLHOP_APPIMAGE_NEXT="$out/Bellhop-next.AppImage" \
  BELLHOP_APPIMAGE_NEXT_VERSION=0.2.0 \
  timeout 900 dbus-run-session -- node --test --test-reporter=spec appimage-update.mjs
