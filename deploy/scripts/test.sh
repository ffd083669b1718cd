#!/usr/bin/env bash
# `make test`: real Kafka, PostgreSQL and SMTP on test ports (never those of `make run`), then pytest.
# Usage: test.sh [pytest arguments]   RMA_KEEP_TEST_STACK=1 leaves the servers running afterwards;
# RMA_TEST_SLOT=N (0-9) moves every port by 100 * N, for several checkouts testing at once.
# test.sh stop: stop this slot's servers.
COMPONENT=test
source "$(dirname "$0")/common.sh"

export RMA_STATE_DIR="$REPO_ROOT/.run/test"
slot=${RMA_TEST_SLOT:-0}
[[ $slot =~ ^[0-9]$ ]] || die "RMA_TEST_SLOT must be 0 to 9, not '$slot'"
export RMA_TEST_SLOT=$slot
offset=$((100 * slot))
export KAFKA_PORT=$((19092 + offset)) KAFKA_CONTROLLER_PORT=$((19093 + offset)) KAFKA_NODES=1
export PG_PORT=$((15433 + offset)) PG_CLUSTER=rmatest${slot#0} RMA_DATABASES=""
export SMTP_PORT=$((11025 + offset)) MAILBOX_HTTP_PORT=$((18025 + offset))
# Argon2 at its production cost takes ~0.25 s of a core per password hash or check, and the
# tests sign up and log in hundreds of accounts: the same algorithm and checks at a lower cost
# (accounts' RMA_PASSWORD_HASH_*; make run and production keep argon2-cffi's defaults).
export RMA_PASSWORD_HASH_TIME_COST=1 RMA_PASSWORD_HASH_MEMORY_KIB=1024
require_venv
require_file "$LABEL_FONT" fonts-dejavu-core

# `test.sh stop` stops the servers of this slot that RMA_KEEP_TEST_STACK=1 left running.
if [[ ${1:-} == stop ]]; then
  for component in mailpit postgres kafka; do bash "$REPO_ROOT/deploy/scripts/$component.sh" down; done
  exit 0
fi

started=()
stop_started() {
  [[ ${RMA_KEEP_TEST_STACK:-0} == 1 ]] && return 0
  local component
  for component in "${started[@]}"; do bash "$REPO_ROOT/deploy/scripts/$component.sh" down || true; done
}
trap stop_started EXIT

if docker info >/dev/null 2>&1; then
  info "a Docker engine answers: PostgreSQL comes from testcontainers"
  components=(kafka mailpit)
else
  components=(kafka postgres mailpit)
fi
for component in "${components[@]}"; do
  if ! bash "$REPO_ROOT/deploy/scripts/$component.sh" status >/dev/null 2>&1; then
    # A server this script starts starts empty: the services' consumer groups read topics from
    # the earliest offset, and replaying earlier runs' events (and emails) only slows the tests.
    # (Stopped first: a server may run without answering as it should, say Kafka without its
    # ACLs after an interrupted start.)
    if [[ $component != postgres ]]; then
      bash "$REPO_ROOT/deploy/scripts/$component.sh" down >/dev/null
      rm -rf "${RMA_STATE_DIR:?}/$component"
    fi
    bash "$REPO_ROOT/deploy/scripts/$component.sh" up
    started+=("$component")
  fi
done

# The browser tests drive Debian's Chromium.
bash "$REPO_ROOT/deploy/scripts/chromium.sh"

cd "$REPO_ROOT"
if (($# > 0)); then
  "$PYTHON" -m pytest "$@"
  exit
fi
# The whole suite. The unit layer needs no server: it runs in a pytest of its own beside the
# server layers, on the core their pytest leaves idle while it waits for Kafka, PostgreSQL, the
# services and the browser; its report follows theirs, and either failing fails the run.
# The server layers: integration, then end to end. The benchmark's smoke run comes after them,
# so no other test's consumers replay the events it produces, and the flood of bad messages
# last, so no later consumer group replays it.
unit_report=$(mktemp)
"$PYTHON" -m pytest tests/unit -p no:cacheprovider >"$unit_report" 2>&1 &
unit=$!
servers_status=0
"$PYTHON" -m pytest tests/integration tests/e2e tests/bench tests/poison || servers_status=$?
unit_status=0
wait "$unit" || unit_status=$?
printf '\n=== tests/unit (run beside the server layers) ===\n'
cat "$unit_report"
rm -f "$unit_report"
info "tests/unit: exit $unit_status; integration, e2e, bench, poison: exit $servers_status"
((unit_status == 0 && servers_status == 0))
