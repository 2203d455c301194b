#!/usr/bin/env bash
# Renders the SVG sources into every size Tauri and the tray need. Needs rsvg-convert
# (librsvg2-bin) and npx (for `tauri icon`). The outputs are committed.
set -euo pipefail
cd "$(dirname "$0")"
for state in ready offline inactive unread; do
  rsvg-convert -w 64 -h 64 "tray-$state.svg" -o "tray-$state.png"
done
rsvg-convert -w 1024 -h 1024 bellhop.svg -o /tmp/bellhop-1024.png
npx --yes @tauri-apps/cli@2 icon /tmp/bellhop-1024.png -o . >/dev/null 2>&1
rm -rf android ios
cp bellhop.svg ../ui/public/favicon.svg
