# Helpers shared by the deploy scripts (sourced, not run).
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
RMA_STATE_DIR="${RMA_STATE_DIR:-$REPO_ROOT/.run/dev}"
PYTHON="${PYTHON:-$REPO_ROOT/.venv/bin/python}"
COMPONENT="${COMPONENT:-rma}"

info() { printf '%s: %s\n' "$COMPONENT" "$*"; }
die() { printf '%s: error: %s\n' "$COMPONENT" "$*" >&2; exit 1; }

# port_open HOST PORT: true when something accepts TCP connections there.
port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

# wait_for SECONDS COMMAND...: run COMMAND until it succeeds or SECONDS pass.
wait_for() {
  local seconds=$1; shift
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || return 1
    sleep 0.5
  done
}

pid_alive() { [[ -f $1 ]] && kill -0 "$(cat "$1")" 2>/dev/null; }

# start_background PIDFILE LOGFILE COMMAND...: detach COMMAND, remember its pid.
start_background() {
  local pidfile=$1 logfile=$2; shift 2
  mkdir -p "$(dirname "$pidfile")" "$(dirname "$logfile")"
  setsid nohup "$@" >>"$logfile" 2>&1 </dev/null &
  echo $! >"$pidfile"
}

# stop_background PIDFILE NAME: SIGTERM, wait up to 30 s, then SIGKILL.
stop_background() {
  local pidfile=$1 name=$2
  if ! pid_alive "$pidfile"; then
    rm -f "$pidfile"
    info "$name is not running"
    return 0
  fi
  local pid; pid=$(cat "$pidfile")
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + 30))
  while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.3; done
  if kill -0 "$pid" 2>/dev/null; then
    info "$name did not stop in 30 s; killing it"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
  info "$name stopped"
}

require_venv() {
  [[ -x $PYTHON ]] || die "no Python environment at $PYTHON; run 'make venv' first"
}
