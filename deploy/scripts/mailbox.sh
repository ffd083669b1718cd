#!/usr/bin/env bash
# The mailbox: a real SMTP server that keeps every message, readable over HTTP.
# Usage: mailbox.sh up|down|status   Env: SMTP_PORT, MAILBOX_HTTP_PORT, RMA_STATE_DIR
COMPONENT=mailbox
source "$(dirname "$0")/common.sh"

SMTP_PORT="${SMTP_PORT:-1025}"
MAILBOX_HTTP_PORT="${MAILBOX_HTTP_PORT:-8025}"
STATE="$RMA_STATE_DIR/mailbox"
PIDFILE="$STATE/mailbox.pid"

healthy() { "$PYTHON" -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$MAILBOX_HTTP_PORT/health', timeout=2)"; }

up() {
  require_venv
  if pid_alive "$PIDFILE" && healthy 2>/dev/null; then
    info "already running: SMTP 127.0.0.1:$SMTP_PORT, messages at http://127.0.0.1:$MAILBOX_HTTP_PORT"
    return 0
  fi
  for port in "$SMTP_PORT" "$MAILBOX_HTTP_PORT"; do
    port_open 127.0.0.1 "$port" && die "port $port is taken by another program"
  done
  start_background "$PIDFILE" "$STATE/mailbox.log" "$PYTHON" "$REPO_ROOT/deploy/mailbox/mailbox.py" \
    --smtp-port "$SMTP_PORT" --http-port "$MAILBOX_HTTP_PORT" --store "$STATE/messages"
  if ! wait_for 30 healthy; then
    tail -n 30 "$STATE/mailbox.log" >&2
    die "the mailbox did not answer within 30 s"
  fi
  wait_for 10 port_open 127.0.0.1 "$SMTP_PORT" || die "the SMTP port $SMTP_PORT is not open"
  info "ready: SMTP 127.0.0.1:$SMTP_PORT, messages at http://127.0.0.1:$MAILBOX_HTTP_PORT"
}

case "${1:-}" in
  up) up ;;
  down) stop_background "$PIDFILE" mailbox ;;
  status)
    if pid_alive "$PIDFILE" && healthy 2>/dev/null; then info "running"; else info "not running"; exit 1; fi ;;
  *) die "usage: mailbox.sh up|down|status" ;;
esac
