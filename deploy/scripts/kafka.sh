#!/usr/bin/env bash
# Apache Kafka, one KRaft node, from Maven Central's jars on the machine's JDK (no Docker, no
# download site: Maven Central is reachable where they are not).
# Usage: kafka.sh up|down|status
# Env:   KAFKA_PORT (9092), KAFKA_CONTROLLER_PORT (9093), RMA_STATE_DIR (<repo>/.run/dev),
#        XDG_CACHE_HOME (~/.cache: the jars go to rma-platform/kafka-<version>/lib under it)
COMPONENT=kafka
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

KAFKA_PORT="${KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
CONFIG_DIR="$REPO_ROOT/deploy/kafka"
KAFKA_VERSION="$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$CONFIG_DIR/pom.xml")"
[[ -n $KAFKA_VERSION ]] || die "no <kafka.version> in $CONFIG_DIR/pom.xml"
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/rma-platform/kafka-$KAFKA_VERSION"
LIB="$CACHE/lib"
STATE="$RMA_STATE_DIR/kafka"
DATA="$STATE/data"
PIDFILE="$STATE/kafka.pid"
LOGFILE="$STATE/kafka.log"  # the broker's own log (log4j, INFO and up)
OUTFILE="$STATE/kafka.out"  # its console: warnings, errors, JVM crashes
START_SECONDS=90

# .complete holds the checksum of the pom.xml the jars came from: a changed pom (say a new log4j)
# is fetched again even when the Kafka version, and so the folder, stays the same.
jars_cached() { [[ -f $CACHE/.complete && $(<"$CACHE/.complete") == "$(pom_checksum)" ]]; }
pom_checksum() { sha256sum "$CONFIG_DIR/pom.xml" | cut -d ' ' -f 1; }

fetch_jars() {
  jars_cached && return 0
  require_command mvn maven
  mkdir -p "$CACHE"
  # The cache is shared by every profile (dev, test): one download at a time.
  exec 7>"$CACHE/.lock"
  flock -w 600 7 || die "another download of the Kafka jars has held $CACHE/.lock for 10 minutes"
  jars_cached && return 0
  info "fetching the Kafka $KAFKA_VERSION jars from Maven Central into $LIB"
  # Into a scratch folder first: an interrupted download never looks like a finished one.
  rm -rf "$LIB.partial"
  # Maven 3.8 prints colour resets even in batch mode; sed drops them from its messages.
  mvn -q -B -Dstyle.color=never -f "$CONFIG_DIR/pom.xml" dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$LIB.partial" 2>&1 | sed 's/\x1b\[[0-9;]*m//g' \
    || die "Maven could not fetch the Kafka $KAFKA_VERSION jars (its messages are above)"
  compgen -G "$LIB.partial/kafka_2.13-$KAFKA_VERSION.jar" >/dev/null \
    || die "Maven finished but $LIB.partial has no kafka_2.13-$KAFKA_VERSION.jar"
  rm -rf "$LIB" "$CACHE/.complete"
  mv "$LIB.partial" "$LIB"
  pom_checksum >"$CACHE/.complete"
}

render_config() {
  mkdir -p "$DATA"
  sed -e "s|\${KAFKA_PORT}|$KAFKA_PORT|g" \
      -e "s|\${KAFKA_CONTROLLER_PORT}|$KAFKA_CONTROLLER_PORT|g" \
      -e "s|\${KAFKA_DATA_DIR}|$DATA|g" \
      "$CONFIG_DIR/server.properties.template" >"$STATE/server.properties"
}

storage_tool() { java -cp "$LIB/*" kafka.tools.StorageTool "$@"; }

# The log directory is formatted once, with a cluster id kept beside it; later starts reuse
# both, so topics and consumer offsets survive a restart.
format_storage() {
  [[ -f $DATA/meta.properties ]] && return 0
  if [[ ! -s $STATE/cluster-id ]]; then
    storage_tool random-uuid 2>/dev/null | tail -n 1 >"$STATE/cluster-id.tmp" \
      || die "StorageTool random-uuid failed"
    [[ -s $STATE/cluster-id.tmp ]] || die "StorageTool random-uuid printed no cluster id"
    mv "$STATE/cluster-id.tmp" "$STATE/cluster-id"
  fi
  local output
  output=$(storage_tool format --standalone -t "$(<"$STATE/cluster-id")" \
    -c "$STATE/server.properties" 2>&1) \
    || die "could not format $DATA: $output"
  info "formatted $DATA (cluster id $(<"$STATE/cluster-id"))"
}

# The broker answers a metadata request: the real readiness, which an open port is not.
broker_answers() {
  "$PYTHON" - "127.0.0.1:$KAFKA_PORT" <<'PY'
import asyncio
import sys

from aiokafka.admin import AIOKafkaAdminClient


async def main() -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=sys.argv[1], request_timeout_ms=5000)
    await admin.start()
    try:
        await admin.list_topics()
    finally:
        await admin.close()


asyncio.run(main())
PY
}

running() { pid_alive "$PIDFILE" && broker_answers >/dev/null 2>&1; }

up() {
  require_venv
  require_command java openjdk-17-jre-headless
  lock_state "$STATE"
  if pid_alive "$PIDFILE"; then
    # Started by someone else a moment ago, or still starting: give it the usual time.
    if wait_started "$PIDFILE" "$START_SECONDS" broker_answers; then
      info "already running on 127.0.0.1:$KAFKA_PORT (pid $(<"$PIDFILE"))"
      return 0
    fi
    show_log "$LOGFILE"
    die "pid $(<"$PIDFILE") from $PIDFILE runs but does not answer on 127.0.0.1:$KAFKA_PORT; \
run 'kafka.sh down' and try again"
  fi
  local port
  for port in "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT"; do
    port_open 127.0.0.1 "$port" && die "port $port is taken by another program \
(set KAFKA_PORT / KAFKA_CONTROLLER_PORT to free ones)"
  done
  fetch_jars
  render_config
  format_storage
  info "starting Kafka $KAFKA_VERSION on 127.0.0.1:$KAFKA_PORT (log: $LOGFILE)"
  start_background "$PIDFILE" "$OUTFILE" java -Xms128m -Xmx512m -XX:+UseG1GC \
    -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$CONFIG_DIR/log4j2.properties" \
    -Dkafka.log.file="$LOGFILE" \
    -cp "$LIB/*" kafka.Kafka "$STATE/server.properties"
  # The cheap port check first: a Python client every half second would slow the JVM's start.
  if ! { wait_for_port 127.0.0.1 "$KAFKA_PORT" "$START_SECONDS" "$PIDFILE" \
      && wait_started "$PIDFILE" "$START_SECONDS" broker_answers; }; then
    local why="did not answer within $START_SECONDS s"
    pid_alive "$PIDFILE" || why="exited during start-up"
    show_log "$LOGFILE"
    show_log "$OUTFILE" 20
    stop_background "$PIDFILE" kafka >/dev/null
    die "the broker $why (logs above; to start over with empty data: kafka.sh down, rm -rf $STATE)"
  fi
  info "ready on 127.0.0.1:$KAFKA_PORT"
}

status() {
  if running; then
    info "running on 127.0.0.1:$KAFKA_PORT (pid $(<"$PIDFILE"), data $DATA)"
  elif pid_alive "$PIDFILE"; then
    info "pid $(<"$PIDFILE") runs but does not answer on 127.0.0.1:$KAFKA_PORT"; exit 1
  else
    info "not running (port $KAFKA_PORT)"; exit 1
  fi
}

case "${1:-}" in
  up) up ;;
  down) stop_background "$PIDFILE" kafka ;;
  status) status ;;
  *) die "usage: kafka.sh up|down|status" ;;
esac
