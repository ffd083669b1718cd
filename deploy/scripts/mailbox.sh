#!/usr/bin/env bash
# The mailbox (deploy/mailbox/mailbox.py): a real SMTP server that keeps every message, readable
# over HTTP by tests and people.
# Usage: mailbox.sh up|down|status
# Env:   SMTP_PORT (1025), MAILBOX_HTTP_PORT (8025), RMA_STATE_DIR (<repo>/.run/dev; messages,
#        pid file and log under its mailbox/)
COMPONENT=mailbox
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

SMTP_PORT="${SMTP_PORT:-1025}"
MAILBOX_HTTP_PORT="${MAILBOX_HTTP_PORT:-8025}"
STATE="$RMA_STATE_DIR/mailbox"
PIDFILE="$STATE/mailbox.pid"
LOGFILE="$STATE/mailbox.log"
START_SECONDS=30

healthy() {
  "$PYTHON" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' \
    "http://127.0.0.1:$MAILBOX_HTTP_PORT/health"
}

# Both halves: /health proves the HTTP server, an open port the SMTP one.
running() { pid_alive "$PIDFILE" && healthy >/dev/null 2>&1 && port_open 127.0.0.1 "$SMTP_PORT"; }

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
    die "pid $(<"$PIDFILE") from $PIDFILE runs but does not answer; run 'mailbox.sh down' and try again"
  fi
  local port
  for port in "$SMTP_PORT" "$MAILBOX_HTTP_PORT"; do
    port_open 127.0.0.1 "$port" && die "port $port is taken by another program \
(set SMTP_PORT / MAILBOX_HTTP_PORT to free ones)"
  done
  start_background "$PIDFILE" "$LOGFILE" "$PYTHON" "$REPO_ROOT/deploy/mailbox/mailbox.py" \
    --smtp-port "$SMTP_PORT" --http-port "$MAILBOX_HTTP_PORT" --store "$STATE/messages"
  if ! { wait_for_port 127.0.0.1 "$MAILBOX_HTTP_PORT" "$START_SECONDS" "$PIDFILE" \
      && wait_started "$PIDFILE" "$START_SECONDS" running; }; then
    local why="did not answer within $START_SECONDS s"
    pid_alive "$PIDFILE" || why="exited during start-up"
    show_log "$LOGFILE"
    stop_background "$PIDFILE" mailbox >/dev/null
    die "the mailbox $why (log above)"
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
  down) stop_background "$PIDFILE" mailbox ;;
  status) status ;;
  *) die "usage: mailbox.sh up|down|status" ;;
esac
