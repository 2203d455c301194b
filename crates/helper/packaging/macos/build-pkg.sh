#!/usr/bin/env bash
# Builds the macOS installer package of the privileged helper, for MDM or a person with an
# administrator's password: the binary in /Library/Application Support/Bellhop, the launchd
# daemon app.bellhop.helper, and the example configuration. The package is signed-ready
# (productsign, or pkgbuild --sign, takes a Developer ID Installer identity); it is not signed
# here.
#
#   build-pkg.sh <bellhop-helper binary> <out.pkg>
#
# Runs on macOS (pkgbuild). The GitHub workflow runs it after building the helper.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
binary=$1
out=$2
version=$(cargo pkgid -p bellhop-helper | sed 's/.*[@#]//')

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
support="$root/Library/Application Support/Bellhop"
mkdir -p "$support" "$root/Library/LaunchDaemons"
install -m 0755 "$binary" "$support/bellhop-helper"
install -m 0644 "$here/../helper.toml.example" "$support/helper.toml.example"
install -m 0644 "$here/app.bellhop.helper.plist" "$root/Library/LaunchDaemons/app.bellhop.helper.plist"

mkdir -p "$(dirname "$out")"
# --ownership recommended: every file root:wheel whoever built it.
pkgbuild --root "$root" --scripts "$here/scripts" --identifier app.bellhop.helper \
  --version "$version" --install-location / --ownership recommended "$out"
echo "built $out ($version)"
