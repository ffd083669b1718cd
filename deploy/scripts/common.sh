# shellcheck shell=bash
# Helpers shared by the deploy scripts (sourced, not run). The sourcing script sets COMPONENT
# first, so every message names the server it is about.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
RMA_STATE_DIR="${RMA_STATE_DIR:-$REPO_ROOT/.run/dev}"
PYTHON="${PYTHON:-$REPO_ROOT/.venv/bin/python}"
COMPONENT="${COMPONENT:-rma}"

info() { printf '%s: %s\n' "$COMPONENT" "$*"; }
warn() { printf '%s: warning: %s\n' "$COMPONENT" "$*" >&2; }
die() { printf '%s: error: %s\n' "$COMPONENT" "$*" >&2; exit 1; }

# A command that fails under `set -e` would otherwise end the script without a word; errtrace
# (-E) reports it from inside functions too.
set -E
# shellcheck disable=SC2154 # rc is assigned inside the trap
trap 'rc=$?; ((rc == 0)) || printf "%s: error: %s line %s: \`%s\` failed (exit %s)\n" \
  "$COMPONENT" "${BASH_SOURCE[0]##*/}" "$LINENO" "$BASH_COMMAND" "$rc" >&2' ERR

require_venv() {
  [[ -x $PYTHON ]] || die "no Python environment at $PYTHON; run 'make venv' first"
}

# require_command COMMAND DEBIAN_PACKAGE: install the package when the command is missing, so a
# fresh machine needs nothing done by hand.
require_command() {
  command -v "$1" >/dev/null && return 0
  apt_install "$2"
  command -v "$1" >/dev/null || die "'$1' is still missing after installing $2"
}

# require_file PATH DEBIAN_PACKAGE: install the package when the file is missing.
require_file() {
  [[ -e $1 ]] && return 0
  apt_install "$2"
  [[ -e $1 ]] || die "'$1' is still missing after installing $2"
}

# The parcel label's font (shared/labels.py): without it, Polish letters lose their diacritics.
LABEL_FONT=/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf

apt_install() {
  command -v apt-get >/dev/null || die "$* is missing and this is not a Debian system; install it"
  ((EUID == 0)) || die "$* is missing; install it (apt-get install $*) or run as root"
  info "installing $* with apt-get"
  # Serialised: a CI run may start several servers at once on a fresh machine.
  (
    flock -w 600 9 || exit 1
    without_locks apt-get update -qq \
      && DEBIAN_FRONTEND=noninteractive without_locks apt-get install -y -qq "$@" >/dev/null
  ) 9>/tmp/rma-apt.lock || die "apt-get could not install $*"
}

# port_open HOST PORT: true when something accepts TCP connections there.
port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

# wait_for_port HOST PORT SECONDS [PIDFILE]: until the port accepts connections; with PIDFILE,
# give up as soon as that process exits.
wait_for_port() {
  if [[ -n ${4:-} ]]; then wait_started "$4" "$3" port_open "$1" "$2"
  else wait_for "$3" port_open "$1" "$2"; fi
}

# wait_for SECONDS COMMAND...: run COMMAND until it succeeds or SECONDS pass.
wait_for() {
  local seconds=$1; shift
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || return 1
    sleep 0.5
  done
}

# wait_started PIDFILE SECONDS COMMAND...: like wait_for, but gives up at once when the process
# of PIDFILE exits, instead of waiting out the whole time for a server that already crashed.
wait_started() {
  local pidfile=$1 seconds=$2; shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    pid_alive "$pidfile" || return 1
    ((SECONDS < deadline)) || return 1
    sleep 0.5
  done
}

# without_locks COMMAND...: run COMMAND without the lock descriptors 7-9 of these scripts. Bash
# cannot open them close-on-exec, and a server started with one (by pg_ctlcluster, by a package's
# postinst) would hold the lock for its whole life and block every later `up`.
without_locks() { "$@" 7>&- 8>&- 9>&-; }

# lock_state DIR: hold a lock on DIR until the script ends, so two `up`s of the same profile
# (say `make run` in two terminals) do not start two servers on one data directory.
lock_state() {
  mkdir -p "$1"
  exec 8>"$1/.lock"
  flock -w 300 8 || die "another deploy script has held $1/.lock for 5 minutes"
}

# pid_alive PIDFILE: the process of PIDFILE runs. Everything start_background starts leads its
# own session, so a recycled pid that now belongs to some unrelated process does not count.
pid_alive() {
  [[ -s $1 ]] || return 1
  local pid; pid=$(<"$1")
  [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 1
  [[ $(ps -o sid= -p "$pid" | tr -d ' ') == "$pid" ]]
}

# start_background PIDFILE LOGFILE COMMAND...: run COMMAND detached from this terminal (its own
# session, immune to hang-ups), output appended to LOGFILE. The process writes its own pid just
# before it execs COMMAND, so the pid file names the server itself and never a wrapper.
start_background() {
  local pidfile=$1 logfile=$2; shift 2
  mkdir -p "$(dirname "$pidfile")" "$(dirname "$logfile")"
  rm -f "$pidfile"
  # The lock descriptors are closed here directly: through without_locks, a function, `&` would
  # leave a bash behind to wait for the server, holding them open.
  # shellcheck disable=SC2016 # $$ and $@ belong to the inner bash
  setsid nohup bash -c 'echo $$ >"$0.tmp" && mv "$0.tmp" "$0" && exec "$@"' \
    "$pidfile" "$@" >>"$logfile" 2>&1 </dev/null 7>&- 8>&- 9>&- &
  wait_for 10 test -s "$pidfile" || die "could not start $1 (see $logfile)"
}

# stop_background PIDFILE NAME: SIGTERM, wait up to 30 s, then SIGKILL; the whole process group,
# so nothing the server started lingers.
stop_background() {
  local pidfile=$1 name=$2
  if ! pid_alive "$pidfile"; then
    rm -f "$pidfile"
    info "$name is not running"
    return 0
  fi
  local pid; pid=$(<"$pidfile")
  info "stopping $name (pid $pid)"
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + 30))
  while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.3; done
  if kill -0 "$pid" 2>/dev/null; then
    warn "$name did not stop within 30 s; killing it"
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  fi
  rm -f "$pidfile"
  info "$name stopped"
}

# show_log FILE [LINES]: the end of a server's log, for the error message of a failed start.
show_log() {
  [[ -s $1 ]] || return 0
  printf '%s: last %s lines of %s:\n' "$COMPONENT" "${2:-40}" "$1" >&2
  tail -n "${2:-40}" "$1" | sed 's/^/    /' >&2
}
