# Shared by scripts/*: paths and small helpers. Sourced, not run.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# Keep build output outside the clone so a fresh clone still builds incrementally.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/bellhop/target}"
# CI builds each fresh clone once, so rustc's incremental cache would only grow (it reached
# 20 GB and filled the disk); dependencies stay cached in the target dir either way.
if [ -n "${CI:-}" ]; then export CARGO_INCREMENTAL=0; fi
export npm_config_cache="${npm_config_cache:-$HOME/.cache/bellhop/npm}"
export npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false
export PATH="$HOME/.cargo/bin:$PATH"

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
loud() { printf '\n\033[1;33m!!! %s\033[0m\n\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    loud "need root for: $*"; return 1; fi
}

# Starts Xvfb on a free display and exports DISPLAY. -noreset: xcap's captures stop after the server resets.
start_xvfb() {
  local n
  for n in $(seq 90 140); do
    # A display left behind by an X server that is gone (killed, or its machine restarted) is
    # taken over: its lock names a process that no longer runs.
    local holder=
    if [ -f "/tmp/.X$n-lock" ]; then holder=$(tr -dc '0-9' <"/tmp/.X$n-lock" || true); fi
    if [ -n "$holder" ] && ! kill -0 "$holder" 2>/dev/null; then
      rm -f "/tmp/.X$n-lock" "/tmp/.X11-unix/X$n"
    fi
    [ -e "/tmp/.X11-unix/X$n" ] || [ -e "/tmp/.X$n-lock" ] && continue
    Xvfb ":$n" -screen 0 1920x1080x24 -nolisten tcp -noreset >/dev/null 2>&1 &
    XVFB_PID=$!
    for _ in $(seq 50); do [ -e "/tmp/.X11-unix/X$n" ] && break; sleep 0.1; done
    if [ -e "/tmp/.X11-unix/X$n" ]; then export DISPLAY=":$n"; return 0; fi
    kill "$XVFB_PID" 2>/dev/null || true
  done
  loud "could not start Xvfb"; return 1
}

# A free TCP port on loopback.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# PostgreSQL refuses to run as root: run its programs as the postgres user when we are root.
as_postgres() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# The Tauri CLI, pinned to the tauri crates' version, kept in the cache (not in ui's lock file: its
# Windows and macOS builds are optional packages that registry mirrors may not carry). Prints its
# path.
TAURI_CLI_VERSION=2.12.5
tauri_cli() {
  local dir="$HOME/.cache/bellhop/tauri-cli-$TAURI_CLI_VERSION"
  if [ ! -x "$dir/node_modules/.bin/tauri" ]; then
    mkdir -p "$dir"
    npm install --silent --no-save --prefix "$dir" "@tauri-apps/cli@$TAURI_CLI_VERSION" >&2
  fi
  echo "$dir/node_modules/.bin/tauri"
}
