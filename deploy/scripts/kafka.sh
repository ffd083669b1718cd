#!/usr/bin/env bash
# Apache Kafka (KRaft, single node) from Maven Central's jars, run with the machine's JDK.
# Usage: kafka.sh up|down|status   Env: KAFKA_PORT, KAFKA_CONTROLLER_PORT, RMA_STATE_DIR
COMPONENT=kafka
source "$(dirname "$0")/common.sh"

KAFKA_PORT="${KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
KAFKA_HOME_DIR="$REPO_ROOT/deploy/kafka"
KAFKA_VERSION="$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$KAFKA_HOME_DIR/pom.xml")"
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/rma-platform/kafka-$KAFKA_VERSION"
LIB="$CACHE/lib"
STATE="$RMA_STATE_DIR/kafka"
PIDFILE="$STATE/kafka.pid"
LOGFILE="$STATE/kafka.log"

fetch_jars() {
  [[ -f $CACHE/.complete ]] && return 0
  command -v mvn >/dev/null || die "Maven (mvn) is needed to fetch the Kafka jars"
  command -v java >/dev/null || die "a JDK (java) is needed to run Kafka"
  info "fetching Kafka $KAFKA_VERSION jars from Maven Central into $LIB"
  rm -rf "$LIB.partial"
  mvn -q -B -Dstyle.color=never -f "$KAFKA_HOME_DIR/pom.xml" dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$LIB.partial" \
    || die "could not fetch the Kafka jars with Maven (see the output above)"
  # Only a finished download counts: move it into place, then mark it complete.
  rm -rf "$LIB" && mv "$LIB.partial" "$LIB" && touch "$CACHE/.complete"
}

broker_answers() {
  "$PYTHON" - "$KAFKA_PORT" <<'PY'
import asyncio, sys
from aiokafka.admin import AIOKafkaAdminClient

async def main() -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=f"127.0.0.1:{sys.argv[1]}", request_timeout_ms=3000)
    await admin.start()
    try:
        await admin.list_topics()
    finally:
        await admin.close()

asyncio.run(main())
PY
}

up() {
  require_venv
  if pid_alive "$PIDFILE" && broker_answers 2>/dev/null; then
    info "already running on 127.0.0.1:$KAFKA_PORT"
    return 0
  fi
  port_open 127.0.0.1 "$KAFKA_PORT" && die "port $KAFKA_PORT is taken by another program"
  fetch_jars
  mkdir -p "$STATE"
  sed -e "s|\${KAFKA_PORT}|$KAFKA_PORT|g" \
      -e "s|\${KAFKA_CONTROLLER_PORT}|$KAFKA_CONTROLLER_PORT|g" \
      -e "s|\${KAFKA_DATA_DIR}|$STATE/data|g" \
      "$KAFKA_HOME_DIR/server.properties.template" >"$STATE/server.properties"
  if [[ ! -f $STATE/data/meta.properties ]]; then
    [[ -f $STATE/cluster-id ]] || java -cp "$LIB/*" kafka.tools.StorageTool random-uuid \
      2>/dev/null | tail -n1 >"$STATE/cluster-id"
    java -cp "$LIB/*" kafka.tools.StorageTool format --standalone \
      -t "$(cat "$STATE/cluster-id")" -c "$STATE/server.properties" >>"$LOGFILE" 2>&1 \
      || { tail -n 20 "$LOGFILE" >&2; die "could not format the storage in $STATE/data"; }
  fi
  info "starting on 127.0.0.1:$KAFKA_PORT (log: $LOGFILE)"
  start_background "$PIDFILE" "$LOGFILE" java -Xms256m -Xmx768m \
    -Dlog4j2.configurationFile="$KAFKA_HOME_DIR/log4j2.properties" \
    -Dkafka.log.file="$LOGFILE" \
    -cp "$LIB/*" kafka.Kafka "$STATE/server.properties"
  if ! wait_for 120 broker_answers; then
    tail -n 40 "$LOGFILE" >&2
    stop_background "$PIDFILE" kafka >/dev/null || true
    die "the broker did not answer within 120 s (log above)"
  fi
  info "ready on 127.0.0.1:$KAFKA_PORT"
}

case "${1:-}" in
  up) up ;;
  down) stop_background "$PIDFILE" kafka ;;
  status)
    if pid_alive "$PIDFILE" && broker_answers 2>/dev/null; then
      info "running on 127.0.0.1:$KAFKA_PORT"
    else
      info "not running"; exit 1
    fi ;;
  *) die "usage: kafka.sh up|down|status" ;;
esac
