#!/usr/bin/env bash
# Checks the .deb that scripts/package built: its metadata and dependencies, the files a Linux
# desktop needs (binary, desktop entry, icons), that every library the binary needs resolves,
# and that the packaged app starts and stays up headless (under the Xvfb of scripts/test).
# Usage: tests/package/check-deb.sh PATH.deb
set -euo pipefail
deb="$1"
fail() { echo "check-deb: $*" >&2; exit 1; }

info=$(dpkg-deb --info "$deb")
grep -q '^ Package: bellhop$' <<<"$info" || fail "package name is not bellhop: $info"
grep -q '^ Architecture: amd64$' <<<"$info" || fail "not amd64"
grep -Eq '^ Depends:.*libwebkit2gtk-4\.1-0' <<<"$info" || fail "does not depend on WebKitGTK 4.1"
grep -Eq '^ Depends:.*libayatana-appindicator3-1' <<<"$info" || fail "does not depend on the tray library"
grep -q '^ Maintainer: Bellhop' <<<"$info" || fail "no maintainer"

contents=$(dpkg-deb --contents "$deb")
for path in usr/bin/bellhop-desktop usr/bin/bellhop-helper lib/systemd/system/bellhop-helper.service \
  usr/share/doc/bellhop/helper.toml.example usr/share/applications/Bellhop.desktop \
  usr/share/icons/hicolor/32x32/apps/bellhop-desktop.png \
  usr/share/icons/hicolor/128x128/apps/bellhop-desktop.png; do
  grep -Eq " (\./)?$path\$" <<<"$contents" || fail "missing $path"
done

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
dpkg-deb -x "$deb" "$root"
grep -q '^Exec=bellhop-desktop' "$root/usr/share/applications/Bellhop.desktop" || fail "the desktop entry does not run bellhop-desktop"
if ldd "$root/usr/bin/bellhop-desktop" | grep -q 'not found'; then
  fail "unresolved libraries: $(ldd "$root/usr/bin/bellhop-desktop" | grep 'not found')"
fi

# The helper: its unit runs the packaged binary with the root-owned configuration, and the
# package enables it (it starts once that configuration exists).
unit="$root/lib/systemd/system/bellhop-helper.service"
grep -q '^ExecStart=/usr/bin/bellhop-helper --config /etc/bellhop/helper.toml$' "$unit" || fail "the helper's unit does not start it"
grep -q '^ConditionPathExists=/etc/bellhop/helper.toml$' "$unit" || fail "the helper's unit starts unconfigured"
"$root/usr/bin/bellhop-helper" --version | grep -q '^bellhop-helper ' || fail "the packaged helper does not run"
dpkg-deb -e "$deb" "$root/DEBIAN"
grep -q 'systemctl enable bellhop-helper.service' "$root/DEBIAN/postinst" || fail "the package does not enable the helper"
grep -q 'systemctl stop bellhop-helper.service' "$root/DEBIAN/prerm" || fail "the package does not stop the helper on removal"

# The packaged app starts in the tray and keeps running (its own home, no server configured).
[ -n "${DISPLAY:-}" ] || fail "needs DISPLAY (scripts/test starts Xvfb)"
HOME="$root/home" BELLHOP_HOME="$root/agent" BELLHOP_AUTOSTART=0 \
  dbus-run-session -- "$root/usr/bin/bellhop-desktop" --background >"$root/app.log" 2>&1 &
app=$!
sleep 5
kill -0 "$app" 2>/dev/null || fail "the packaged app exited: $(cat "$root/app.log")"
pkill -P "$app" 2>/dev/null || true
kill "$app" 2>/dev/null || true
wait "$app" 2>/dev/null || true
echo "check-deb: $(basename "$deb") ok ($(du -h "$deb" | cut -f1))"
