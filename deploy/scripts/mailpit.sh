#!/usr/bin/env bash
# Mailpit (https://mailpit.axllent.org): the SMTP server that keeps every message, with a web UI
# for people and a REST API for the tests. Built once from the Go module proxy with the
# machine's Go and cached like the Kafka jars; started with --enable-chaos so that tests can
# make it refuse mail.
# Usage: mailpit.sh up|down|status|build
# Env:   SMTP_PORT (1025), MAILBOX_HTTP_PORT (8025: web UI and API), RMA_STATE_DIR
#        (<repo>/.run/dev; database, pid file and log under its mailpit/), XDG_CACHE_HOME
#        (~/.cache: the binary goes to rma-platform/mailpit-<version>/ under it), GO (the go
#        command; default: go on PATH, else /usr/local/go/bin/go)
COMPONENT=mailpit
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

MAILPIT_VERSION=v1.33.1
MAILPIT_MODULE=github.com/axllent/mailpit
SMTP_PORT="${SMTP_PORT:-1025}"
MAILBOX_HTTP_PORT="${MAILBOX_HTTP_PORT:-8025}"
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/rma-platform/mailpit-$MAILPIT_VERSION"
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

build() {
  [[ -x $BINARY ]] && return 0
  local go; go=$(go_command)
  mkdir -p "$CACHE"
  # The cache is shared by every profile and checkout: one build at a time.
  exec 7>"$CACHE/.lock"
  flock -w 900 7 || die "another build of Mailpit has held $CACHE/.lock for 15 minutes"
  [[ -x $BINARY ]] && return 0
  info "building Mailpit $MAILPIT_VERSION from the Go module proxy into $CACHE (about 2 minutes)"
  # Into a scratch folder first: an interrupted build never looks like a finished one.
  rm -rf "$CACHE/bin.partial"
  GOBIN="$CACHE/bin.partial" CGO_ENABLED=0 without_locks "$go" install -trimpath \
    -ldflags "-s -w -X $MAILPIT_MODULE/config.Version=$MAILPIT_VERSION" \
    "$MAILPIT_MODULE@$MAILPIT_VERSION" \
    || die "go install $MAILPIT_MODULE@$MAILPIT_VERSION failed (its messages are above)"
  mv "$CACHE/bin.partial/mailpit" "$BINARY"
  rm -rf "$CACHE/bin.partial"
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
