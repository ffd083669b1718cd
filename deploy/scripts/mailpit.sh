#!/usr/bin/env bash
# Mailpit (https://mailpit.axllent.org): the SMTP server that keeps every message, with a web UI
# for people and a REST API for the tests. Built once and cached like the Kafka jars: the source
# comes from the Go module proxy, the web UI's JavaScript and CSS (not in the Go module: Mailpit's
# release builds them with npm) are built with npm from the npm registry, then `go build` embeds
# them. Started with --enable-chaos so that tests can make it refuse mail.
# Usage: mailpit.sh up|down|status|build
# Env:   SMTP_PORT (1025), MAILBOX_HTTP_PORT (8025: web UI and API), RMA_STATE_DIR
#        (<repo>/.run/dev; database, pid file and log under its mailpit/), XDG_CACHE_HOME
#        (~/.cache: the binary goes to rma-platform/mailpit-<version>-ui/ under it), GO (the go
#        command; default: go on PATH, else /usr/local/go/bin/go), NPM (default: npm on PATH,
#        else Debian's npm is installed)
COMPONENT=mailpit
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

MAILPIT_VERSION=v1.33.1
MAILPIT_MODULE=github.com/axllent/mailpit
SMTP_PORT="${SMTP_PORT:-1025}"
MAILBOX_HTTP_PORT="${MAILBOX_HTTP_PORT:-8025}"
# "-ui": the binaries of earlier builds (plain `go install`) served a blank page.
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/rma-platform/mailpit-$MAILPIT_VERSION-ui"
BINARY="$CACHE/mailpit"
STATE="$RMA_STATE_DIR/mailpit"
PIDFILE="$STATE/mailpit.pid"
LOGFILE="$STATE/mailpit.log"
START_SECONDS=30

go_command() {
  if [[ -n ${GO:-} ]]; then printf '%s' "$GO"
  elif command -v go >/dev/null; then command -v go
  elif [[ -x /usr/local/go/bin/go ]]; then printf '%s' /usr/local/go/bin/go
  else die "Mailpit is built with Go and no 'go' command was found (set GO=/path/to/go)"
  fi
}

npm_command() {
  if [[ -n ${NPM:-} ]]; then printf '%s' "$NPM"; return 0; fi
  command -v npm >/dev/null || apt_install nodejs npm
  command -v npm
}

# The UI's build needs only esbuild and its Vue and Sass plugins of the module's devDependencies
# (not eslint, playwright, jsdom...). Their Sass runs on pure-JS `sass` (esbuild-sass-plugin's
# default): its `sass-embedded` peer is left out (--legacy-peer-deps), as the npm registry here
# does not serve the version the lock names. rapidoc (the /api/v1/ docs page) 12 is not served
# either: 9.3, which registers the same <rapi-doc> element. Everything else keeps the lock's
# versions.
trim_ui_build_dependencies() {
  node -e '
    const fs = require("fs");
    const manifest = JSON.parse(fs.readFileSync("package.json"));
    const needed = ["esbuild", "esbuild-plugin-vue-next", "esbuild-sass-plugin", "@vue/compiler-sfc"];
    manifest.devDependencies = Object.fromEntries(needed.map((name) => [name, manifest.devDependencies[name]]));
    manifest.dependencies.rapidoc = "~9.3.8";
    fs.writeFileSync("package.json", JSON.stringify(manifest, null, 2));'
}

build_ui() {
  local npm=$1
  trim_ui_build_dependencies || die "could not trim Mailpit's package.json"
  # --ignore-scripts: no native add-on of a docs dependency is compiled; esbuild's binary comes
  # as its platform package.
  without_locks "$npm" install --legacy-peer-deps --ignore-scripts --no-audit --no-fund \
    --loglevel=error || die "npm install of Mailpit's UI dependencies failed (its messages are above)"
  without_locks "$npm" run build || die "npm run build of Mailpit's UI failed (its messages are above)"
  [[ -s server/ui/dist/app.js && -s server/ui/dist/app.css ]] \
    || die "Mailpit's UI build left no server/ui/dist/app.js and app.css"
}

build() {
  [[ -x $BINARY ]] && return 0
  local go npm source
  go=$(go_command)
  npm=$(npm_command) || die "npm is needed to build Mailpit's web UI and could not be installed"
  mkdir -p "$CACHE"
  # The cache is shared by every profile and checkout: one build at a time.
  exec 7>"$CACHE/.lock"
  flock -w 1200 7 || die "another build of Mailpit has held $CACHE/.lock for 20 minutes"
  [[ -x $BINARY ]] && return 0
  info "building Mailpit $MAILPIT_VERSION with its web UI into $CACHE (about 5 minutes)"
  source=$(without_locks "$go" mod download -json "$MAILPIT_MODULE@$MAILPIT_VERSION" \
    | python3 -c 'import json, sys; print(json.load(sys.stdin)["Dir"])') \
    || die "go mod download $MAILPIT_MODULE@$MAILPIT_VERSION failed (its messages are above)"
  # In a scratch folder (the module cache is read-only): an interrupted build never looks like a
  # finished one.
  rm -rf "$CACHE/src.partial"
  cp -r "$source" "$CACHE/src.partial" && chmod -R u+w "$CACHE/src.partial" \
    || die "could not copy Mailpit's source from $source"
  (
    cd "$CACHE/src.partial" || exit 1
    build_ui "$npm"
    CGO_ENABLED=0 without_locks "$go" build -trimpath \
      -ldflags "-s -w -X $MAILPIT_MODULE/config.Version=$MAILPIT_VERSION" -o mailpit . \
      || die "go build of $MAILPIT_MODULE@$MAILPIT_VERSION failed (its messages are above)"
  ) || exit 1
  mv "$CACHE/src.partial/mailpit" "$BINARY"
  rm -rf "$CACHE/src.partial"
  info "built $BINARY"
}

api_answers() {
  "$PYTHON" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' \
    "http://127.0.0.1:$MAILBOX_HTTP_PORT/readyz"
}

# Both halves: /readyz proves the HTTP server, an open port the SMTP one.
running() { pid_alive "$PIDFILE" && api_answers >/dev/null 2>&1 && port_open 127.0.0.1 "$SMTP_PORT"; }

where() { printf 'SMTP 127.0.0.1:%s, messages at http://127.0.0.1:%s/' "$SMTP_PORT" "$MAILBOX_HTTP_PORT"; }

up() {
  require_venv
  lock_state "$STATE"
  if pid_alive "$PIDFILE"; then
    if wait_started "$PIDFILE" "$START_SECONDS" running; then
      info "already running: $(where)"
      return 0
    fi
    show_log "$LOGFILE"
    die "pid $(<"$PIDFILE") from $PIDFILE runs but does not answer; run 'mailpit.sh down' and try again"
  fi
  local port
  for port in "$SMTP_PORT" "$MAILBOX_HTTP_PORT"; do
    port_open 127.0.0.1 "$port" && die "port $port is taken by another program \
(set SMTP_PORT / MAILBOX_HTTP_PORT to free ones)"
  done
  build
  # Any login is accepted (the services may be configured with one); no release checks.
  start_background "$PIDFILE" "$LOGFILE" "$BINARY" \
    --smtp "127.0.0.1:$SMTP_PORT" --listen "127.0.0.1:$MAILBOX_HTTP_PORT" \
    --database "$STATE/mailpit.db" --max 0 --enable-chaos \
    --smtp-auth-accept-any --smtp-auth-allow-insecure --disable-version-check
  if ! { wait_for_port 127.0.0.1 "$MAILBOX_HTTP_PORT" "$START_SECONDS" "$PIDFILE" \
      && wait_started "$PIDFILE" "$START_SECONDS" running; }; then
    local why="did not answer within $START_SECONDS s"
    pid_alive "$PIDFILE" || why="exited during start-up"
    show_log "$LOGFILE"
    stop_background "$PIDFILE" mailpit >/dev/null
    die "Mailpit $why (log above)"
  fi
  info "ready: $(where)"
}

status() {
  if running; then
    info "running: $(where) (pid $(<"$PIDFILE"))"
  elif pid_alive "$PIDFILE"; then
    info "pid $(<"$PIDFILE") runs but does not answer on ports $SMTP_PORT/$MAILBOX_HTTP_PORT"; exit 1
  else
    info "not running (ports $SMTP_PORT/$MAILBOX_HTTP_PORT)"; exit 1
  fi
}

case "${1:-}" in
  up) up ;;
  down) stop_background "$PIDFILE" mailpit ;;
  status) status ;;
  build) build ;;
  *) die "usage: mailpit.sh up|down|status|build" ;;
esac
