#!/usr/bin/env bash
# `make test`: real Kafka, PostgreSQL and SMTP on test ports (never those of `make run`), then pytest.
# Usage: test.sh [pytest arguments]   RMA_KEEP_TEST_STACK=1 leaves the servers running afterwards;
# RMA_TEST_SLOT=N (0-9) moves every port by 100 * N, for several checkouts testing at once; the
# whole suite also takes slot N+5 (mod 10; RMA_TEST_SECOND_SLOT) for its end-to-end layers.
# test.sh stop: stop this slot's servers (and those of its second slot).
COMPONENT=test
source "$(dirname "$0")/common.sh"

# RMA_TEST_STATE_DIR: the servers' state of a second slot of the same checkout (below).
export RMA_STATE_DIR="${RMA_TEST_STATE_DIR:-$REPO_ROOT/.run/test}"
export RMA_TEST_STATE_DIR="$RMA_STATE_DIR"
slot=${RMA_TEST_SLOT:-0}
[[ $slot =~ ^[0-9]$ ]] || die "RMA_TEST_SLOT must be 0 to 9, not '$slot'"
export RMA_TEST_SLOT=$slot
second_slot=${RMA_TEST_SECOND_SLOT:-$(((slot + 5) % 10))}
[[ $second_slot =~ ^[0-9]$ && $second_slot != "$slot" ]] \
  || die "RMA_TEST_SECOND_SLOT must be 0 to 9 and not RMA_TEST_SLOT, not '$second_slot'"
second_state="$REPO_ROOT/.run/test-e2e"
offset=$((100 * slot))
export KAFKA_PORT=$((19092 + offset)) KAFKA_CONTROLLER_PORT=$((19093 + offset)) KAFKA_NODES=1
export PG_PORT=$((15433 + offset)) PG_CLUSTER=rmatest${slot#0} RMA_DATABASES=""
export SMTP_PORT=$((11025 + offset)) MAILBOX_HTTP_PORT=$((18025 + offset))
# Argon2 at its production cost takes ~0.25 s of a core per password hash or check, and the
# tests sign up and log in hundreds of accounts: the same algorithm and checks at a lower cost
# (accounts' RMA_PASSWORD_HASH_*; make run and production keep argon2-cffi's defaults).
export RMA_PASSWORD_HASH_TIME_COST=1 RMA_PASSWORD_HASH_MEMORY_KIB=1024
# In production a consumer's fetch gathers up to its 1 s wait and the outbox relay lingers
# 200 ms (fewer, fuller batches at a few events a second); the tests' events pass one by one
# through many hops, each of which would wait: answered and published at once here. The
# gathering and the linger have tests of their own with their production values
# (tests/integration/test_batched_consumers.py, test_outbox_inbox.py); make run, make chaos
# and make bench keep the defaults.
export RMA_CONSUMER_FETCH_MIN_BYTES=1 RMA_OUTBOX_LINGER_MS=0
# The test brokers (this slot's, the second slot's, the three-node cluster's) live minutes and
# carry little: the quick-starting JIT (C1 only) and the serial collector cost far less CPU than
# the full JIT and G1 (one broker: 4.6 s of a core to start instead of 11.9, and 2.5 s instead of
# 6.0 for 20,000 messages written and read by 5 groups). make run keeps kafka.sh's defaults.
export KAFKA_JVM_OPTIONS="${KAFKA_JVM_OPTIONS:--Xms64m -Xmx512m -XX:+UseSerialGC -XX:TieredStopAtLevel=1}"
require_venv
require_file "$LABEL_FONT" fonts-dejavu-core

# `test.sh stop` stops the servers of this slot that RMA_KEEP_TEST_STACK=1 left running.
if [[ ${1:-} == stop ]]; then
  for component in mailpit postgres kafka; do bash "$REPO_ROOT/deploy/scripts/$component.sh" down; done
  if [[ -z ${RMA_TEST_SECOND:-} && -d $second_state ]]; then
    RMA_TEST_SECOND=1 RMA_TEST_SLOT=$second_slot RMA_TEST_STATE_DIR=$second_state bash "$0" stop
  fi
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
# The whole suite, in three pytest runs at once, each failing the run if it fails:
# - the unit layer needs no server: it runs beside the others, on the core they leave idle
#   while they wait for Kafka, PostgreSQL, the services and the browser;
# - the integration layer on this slot's servers;
# - the end-to-end layers on servers of their own (the second slot: its own ports, state and
#   cluster; nothing one layer's services consume or email reaches the other's): the browser
#   and API tests, then the benchmark's smoke run, so no other test's consumers replay the
#   events it produces, and the flood of bad messages last, so no later consumer group replays
#   it.
# Two integration files (the email ones, ~2 of its ~11 minutes) run on the second slot before
# the end-to-end layers, so the two server runs end at about the same time. Each report is
# printed whole once all three are done.
moved=(tests/integration/test_notifications.py tests/integration/test_email_delivery.py)
unit_report=$(mktemp) e2e_report=$(mktemp)
"$PYTHON" -m pytest tests/unit -p no:cacheprovider >"$unit_report" 2>&1 &
unit=$!
RMA_TEST_SECOND=1 RMA_TEST_SLOT=$second_slot RMA_TEST_STATE_DIR=$second_state \
  bash "$0" "${moved[@]}" tests/e2e tests/bench tests/poison -p no:cacheprovider \
  >"$e2e_report" 2>&1 &
e2e=$!
integration_status=0
"$PYTHON" -m pytest tests/integration "${moved[@]/#/--ignore=}" || integration_status=$?
e2e_status=0 unit_status=0
wait "$e2e" || e2e_status=$?
wait "$unit" || unit_status=$?
printf '\n=== %s, tests/e2e, tests/bench, tests/poison (slot %s) ===\n' "${moved[*]}" \
  "$second_slot"
cat "$e2e_report"
printf '\n=== tests/unit (run beside the server layers) ===\n'
cat "$unit_report"
rm -f "$unit_report" "$e2e_report"
info "tests/unit: exit $unit_status; integration: exit $integration_status;" \
  "e2e, bench, poison: exit $e2e_status"
((unit_status == 0 && integration_status == 0 && e2e_status == 0))
