#!/usr/bin/env bash
# Checks the .deb and .rpm that scripts/package built: the .deb's metadata and dependencies, the
# files a Linux desktop needs (binary, desktop entry, icons, the helper; the CLI is the app under
# the name `bellhop`, a link the package's scripts make and remove), that every
# library the binary needs resolves, and that the packaged app starts and stays up headless
# (under the Xvfb of scripts/test). Then each package is installed for real (apt, rpm) with a
# managed /etc/bellhop/agent.toml naming a demo server: the installed app enrols itself from it,
# `bellhop config` says the values are managed, and the package is removed again.
# Usage: tests/package/check-packages.sh PATH.deb PATH.rpm
set -euo pipefail
source "$(dirname "$0")/../../scripts/lib.sh"
deb="$1"
rpm_file="$2"
fail() { echo "check-packages: $*" >&2; exit 1; }

info=$(dpkg-deb --info "$deb")
grep -q '^ Package: bellhop$' <<<"$info" || fail "package name is not bellhop: $info"
grep -q '^ Architecture: amd64$' <<<"$info" || fail "not amd64"
grep -Eq '^ Depends:.*libwebkit2gtk-4\.1-0' <<<"$info" || fail "does not depend on WebKitGTK 4.1"
grep -Eq '^ Depends:.*libayatana-appindicator3-1' <<<"$info" || fail "does not depend on the tray library"
grep -q '^ Maintainer: Bellhop' <<<"$info" || fail "no maintainer"

ar t "$deb" | grep -qx data.tar.xz || fail "the .deb's files are not packed with xz: $(ar t "$deb" | tr '\n' ' ')"

contents=$(dpkg-deb --contents "$deb")
for path in usr/bin/bellhop-desktop usr/bin/bellhop-helper \
  lib/systemd/system/bellhop-helper.service usr/share/doc/bellhop/helper.toml.example \
  usr/share/doc/bellhop/agent.toml.example usr/share/applications/Bellhop.desktop \
  usr/share/icons/hicolor/32x32/apps/bellhop-desktop.png \
  usr/share/icons/hicolor/128x128/apps/bellhop-desktop.png; do
  grep -Eq " (\./)?$path\$" <<<"$contents" || fail "missing $path"
done

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT  # replaced by cleanup below, once there is more to undo
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
grep -q '^ln -sf bellhop-desktop /usr/bin/bellhop$' "$root/DEBIAN/postinst" || fail "the package does not link the CLI"
# The app started as `bellhop` is the command line.
ln -s usr/bin/bellhop-desktop "$root/bellhop"
"$root/bellhop" --version | grep -q '^bellhop ' || fail "the app started as bellhop is not the CLI: $("$root/bellhop" --version 2>&1)"
"$root/bellhop" --help | grep -q 'Register this device' || fail "the CLI's help"

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
echo "check-packages: $(basename "$deb") ok ($(du -h "$deb" | cut -f1))"

# The .rpm holds the same files.
rpm_contents=$(rpm -qlp "$rpm_file" 2>/dev/null)
for path in /usr/bin/bellhop-desktop /usr/bin/bellhop-helper \
  /usr/share/doc/bellhop/agent.toml.example /usr/share/applications/Bellhop.desktop; do
  grep -qx "$path" <<<"$rpm_contents" || fail "the .rpm lacks $path"
done
rpm -qp --requires "$rpm_file" 2>/dev/null | grep -q webkit2gtk4.1 || fail "the .rpm does not require WebKitGTK 4.1"
[ "$(rpm -qp --qf '%{PAYLOADCOMPRESSOR}' "$rpm_file" 2>/dev/null)" = xz ] || fail "the .rpm's payload is not xz"

# Installed for real, enrolled from the managed settings. Nothing here may be left on the
# machine: the managed file and the packages go whatever happens.
[ ! -e /etc/bellhop/agent.toml ] || fail "/etc/bellhop/agent.toml exists already: not overwriting it"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cleanup() {
  pkill -f "$root/agent-" 2>/dev/null || true
  if [ -n "${server:-}" ]; then kill "$server" 2>/dev/null || true; fi
  as_root rm -f /etc/bellhop/agent.toml
  as_root rmdir /etc/bellhop 2>/dev/null || true
  if dpkg -s bellhop >/dev/null 2>&1; then as_root apt-get remove -y -q bellhop >/dev/null 2>&1 || true; fi
  if rpm -q bellhop >/dev/null 2>&1; then as_root rpm -e --nodeps bellhop >/dev/null 2>&1 || true; fi
  rm -rf "$root"
}
trap cleanup EXIT
"$CARGO_TARGET_DIR/debug/bellhop-server" --demo --data-dir "$root/server" --listen "127.0.0.1:$port" \
  >"$root/server.log" 2>&1 &
server=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/api/v1/server" >/dev/null && break; sleep 0.2; done
curl -sf "http://127.0.0.1:$port/api/v1/server" >/dev/null || fail "the demo server did not start: $(cat "$root/server.log")"
tech=$(curl -sf -H 'content-type: application/json' \
  -d '{"email":"tech@helpdesk.example","password":"bellhop-demo"}' \
  "http://127.0.0.1:$port/api/v1/auth/login" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
devices() {
  curl -sf -H "authorization: Bearer $tech" "http://127.0.0.1:$port/api/v1/devices" |
    python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'
}
as_root mkdir -p /etc/bellhop
as_root tee /etc/bellhop/agent.toml >/dev/null <<TOML
server_url = "http://127.0.0.1:$port"
enrolment_key = "acme-demo-key"
language = "it"
TOML

# Starts the installed app as a person of this computer would (a home of their own), and waits
# until the server lists one more device; then asks the installed CLI where its values came from.
enrols_itself() { # label
  local before after app
  before=$(devices)
  after=$before
  HOME="$root/home-$1" BELLHOP_HOME="$root/agent-$1" BELLHOP_AUTOSTART=0 \
    dbus-run-session -- /usr/bin/bellhop-desktop --background >"$root/app-$1.log" 2>&1 &
  app=$!
  for _ in $(seq 150); do
    after=$(devices)
    [ "$after" -gt "$before" ] && break
    kill -0 "$app" 2>/dev/null || fail "the installed app ($1) exited: $(cat "$root/app-$1.log")"
    sleep 0.2
  done
  pkill -P "$app" 2>/dev/null || true
  kill "$app" 2>/dev/null || true
  wait "$app" 2>/dev/null || true
  [ "$after" -gt "$before" ] || fail "the installed app ($1) did not enrol from /etc/bellhop/agent.toml: $(cat "$root/app-$1.log")"
  BELLHOP_HOME="$root/agent-$1" /usr/bin/bellhop config >"$root/config-$1.txt"
  grep -Eq "^server_url +http://127.0.0.1:$port +\(managed, locked: /etc/bellhop/agent.toml\)" "$root/config-$1.txt" ||
    fail "bellhop config ($1) does not say the server is managed: $(cat "$root/config-$1.txt")"
  grep -Eq '^language +it +\(managed' "$root/config-$1.txt" || fail "the managed language ($1): $(cat "$root/config-$1.txt")"
}

as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$deb" >"$root/apt.log" 2>&1 ||
  fail "apt could not install the .deb: $(cat "$root/apt.log")"
[ "$(readlink /usr/bin/bellhop)" = bellhop-desktop ] || fail "the installed .deb has no bellhop link"
enrols_itself deb
as_root apt-get remove -y -q bellhop >/dev/null 2>&1 || fail "apt could not remove the package"
[ ! -e /usr/bin/bellhop-desktop ] || fail "removing the .deb left /usr/bin/bellhop-desktop"
[ ! -L /usr/bin/bellhop ] || fail "removing the .deb left the bellhop link"
echo "check-packages: $(basename "$deb") installed, enrolled from /etc/bellhop/agent.toml, removed"

# Debian's rpm knows none of Fedora's packages: the dependencies were read above instead.
as_root rpm -i --nodeps "$rpm_file" >"$root/rpm.log" 2>&1 || fail "rpm could not install the .rpm: $(cat "$root/rpm.log")"
[ "$(readlink /usr/bin/bellhop)" = bellhop-desktop ] || fail "the installed .rpm has no bellhop link"
enrols_itself rpm
as_root rpm -e --nodeps bellhop >/dev/null 2>&1 || fail "rpm could not remove the package"
[ ! -e /usr/bin/bellhop-desktop ] || fail "removing the .rpm left /usr/bin/bellhop-desktop"
[ ! -L /usr/bin/bellhop ] || fail "removing the .rpm left the bellhop link"
echo "check-packages: $(basename "$rpm_file") ok ($(du -h "$rpm_file" | cut -f1)), installed, enrolled, removed"
