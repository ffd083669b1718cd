#!/usr/bin/env bash
# Apache Kafka in KRaft mode, from Maven Central's jars on the machine's JDK (no Docker, no
# download site: Maven Central is reachable where they are not). One node, or a cluster of
# KAFKA_NODES nodes with combined roles and one cluster id. Clients authenticate with
# SASL/SCRAM-SHA-512 as the users of USERS below (their passwords are generated when the storage
# is formatted and kept in $RMA_STATE_DIR/kafka/credentials/<user>); the ACLs of
# deploy/kafka/acls.txt say what each may do.
# Usage: kafka.sh up|down|status|bootstrap
#        (bootstrap prints the brokers' addresses, comma-separated)
# Env:   KAFKA_ACLS (on): off gives no ACLs, for a throwaway cluster only the admin uses (the
#        test of a node killed under load);
#        KAFKA_NODES (1), KAFKA_PORT (9092), KAFKA_CONTROLLER_PORT (9093): node n (from 0) listens
#        on KAFKA_PORT + 2n and KAFKA_CONTROLLER_PORT + 2n; RMA_STATE_DIR (<repo>/.run/dev),
#        XDG_CACHE_HOME (~/.cache: the jars go to rma-platform/kafka-<version>-<pom>/lib under it);
#        KAFKA_JVM_OPTIONS (-Xms128m -Xmx512m -XX:+UseG1GC): the brokers' heap, collector and
#        compiler flags
COMPONENT=kafka
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

KAFKA_NODES="${KAFKA_NODES:-1}"
[[ $KAFKA_NODES =~ ^[1-9]$ ]] || die "KAFKA_NODES must be 1 to 9, not '$KAFKA_NODES'"
KAFKA_PORT="${KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
CONFIG_DIR="$REPO_ROOT/deploy/kafka"
KAFKA_VERSION="$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$CONFIG_DIR/pom.xml")"
[[ -n $KAFKA_VERSION ]] || die "no <kafka.version> in $CONFIG_DIR/pom.xml"
STATE="$RMA_STATE_DIR/kafka"
CREDENTIALS="$STATE/credentials"
ADMIN_CONFIG="$STATE/admin.properties"  # Kafka's tools' connection as the admin user
START_SECONDS=120
# The Kafka users: the admin (super user: brokers, deploy scripts, test tooling) and one per
# program that talks to Kafka.
USERS=(admin accounts claims warranty notifications web erp-feed)

pom_checksum() { sha256sum "$CONFIG_DIR/pom.xml" | cut -d ' ' -f 1; }
# Named after the pom too: checkouts with different poms (a new tool, a new log4j) keep their
# own folders instead of fetching in turn over one another.
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/rma-platform/kafka-$KAFKA_VERSION-$(pom_checksum | cut -c 1-12)"
LIB="$CACHE/lib"

jars_cached() { [[ -f $CACHE/.complete ]]; }

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

node_ids() { seq 1 "$KAFKA_NODES"; }
node_dir() { printf '%s/node-%s' "$STATE" "$1"; }
broker_port() { echo $((KAFKA_PORT + 2 * ($1 - 1))); }
controller_port() { echo $((KAFKA_CONTROLLER_PORT + 2 * ($1 - 1))); }

bootstrap() {
  local id servers=()
  for id in $(node_ids); do servers+=("127.0.0.1:$(broker_port "$id")"); done
  (IFS=,; printf '%s\n' "${servers[*]}")
}

quorum_voters() {
  local id voters=()
  for id in $(node_ids); do voters+=("$id@127.0.0.1:$(controller_port "$id")"); done
  (IFS=,; printf '%s' "${voters[*]}")
}

# What the data was formatted for: a different layout cannot reuse it.
layout() { printf 'nodes=%s sasl=SCRAM-SHA-512 quorum=%s\n' "$KAFKA_NODES" "$(quorum_voters)"; }

password() { printf '%s' "$(<"$CREDENTIALS/$1")"; }

make_credentials() {
  mkdir -p "$CREDENTIALS"
  chmod 700 "$CREDENTIALS"
  local user
  for user in "${USERS[@]}"; do
    [[ -s $CREDENTIALS/$user ]] && continue
    (umask 077 && od -An -N 24 -tx1 /dev/urandom | tr -d ' \n' >"$CREDENTIALS/$user")
  done
  (umask 077 && cat >"$ADMIN_CONFIG" <<PROPERTIES
security.protocol=SASL_PLAINTEXT
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="$(password admin)";
# Patient: the tools run on busy machines (CI, several checkouts testing at once).
default.api.timeout.ms=180000
request.timeout.ms=60000
PROPERTIES
  )
}

render_config() {
  local id=$1 dir; dir=$(node_dir "$1")
  local replication=$((KAFKA_NODES < 3 ? KAFKA_NODES : 3))
  local min_insync=$((replication > 1 ? 2 : 1))
  mkdir -p "$dir/data"
  (umask 077 && sed -e "s|\${NODE_ID}|$id|g" \
      -e "s|\${KAFKA_PORT}|$(broker_port "$id")|g" \
      -e "s|\${KAFKA_CONTROLLER_PORT}|$(controller_port "$id")|g" \
      -e "s|\${KAFKA_DATA_DIR}|$dir/data|g" \
      -e "s|\${QUORUM_VOTERS}|$(quorum_voters)|g" \
      -e "s|\${REPLICATION_FACTOR}|$replication|g" \
      -e "s|\${MIN_INSYNC_REPLICAS}|$min_insync|g" \
      -e "s|\${ADMIN_PASSWORD}|$(password admin)|g" \
      "$CONFIG_DIR/server.properties.template" >"$dir/server.properties")
}

# Kafka's command-line tools run for seconds: the quick-starting JIT and the serial collector
# halve their start-up, which is most of what they cost.
tool_java() {
  java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xshare:auto \
    -Dlog4j2.configurationFile="$CONFIG_DIR/log4j2.properties" -Dkafka.log.file="$STATE/tools.log" \
    -cp "$LIB/*" "$@"
}

storage_tool() { tool_java kafka.tools.StorageTool "$@"; }

# Every node is formatted once, with the cluster id kept beside the nodes and the SCRAM
# credentials of every user; later starts reuse both, so topics and consumer offsets survive.
format_storage() {
  local id=$1 dir; dir=$(node_dir "$1")
  [[ -f $dir/data/meta.properties ]] && return 0
  if [[ ! -s $STATE/cluster-id ]]; then
    # What `kafka-storage random-uuid` prints (a UUID4 in URL-safe base64), without its JVM.
    "$PYTHON" -c 'import base64, uuid
while (id := base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")).startswith("-"):
    pass
print(id)' >"$STATE/cluster-id.tmp" || die "could not make a cluster id"
    mv "$STATE/cluster-id.tmp" "$STATE/cluster-id"
  fi
  local user scram=()
  for user in "${USERS[@]}"; do
    scram+=(--add-scram "SCRAM-SHA-512=[name=$user,password=$(password "$user")]")
  done
  local output
  output=$(storage_tool format -t "$(<"$STATE/cluster-id")" -c "$dir/server.properties" \
    "${scram[@]}" 2>&1) || die "could not format $dir/data: $output"
  info "formatted node $id (cluster id $(<"$STATE/cluster-id"), users: ${USERS[*]})"
}

# The broker answers a metadata request as the admin: the real readiness, which an open port is
# not.
broker_answers() {
  RMA_KAFKA_USERNAME=admin RMA_KAFKA_PASSWORD="$(password admin)" \
    "$PYTHON" - "127.0.0.1:$(broker_port "$1")" <<'PY'
import asyncio
import sys

from aiokafka.admin import AIOKafkaAdminClient

from shared.kafka import client_options


async def main() -> None:
    admin = AIOKafkaAdminClient(**client_options(sys.argv[1]), request_timeout_ms=5000)
    await admin.start()
    try:
        await admin.list_topics()
    finally:
        await admin.close()


asyncio.run(main())
PY
}

node_running() { pid_alive "$(node_dir "$1")/kafka.pid" && broker_answers "$1" >/dev/null 2>&1; }

acls_checksum() { cat "$CONFIG_DIR/acls.txt" "$CONFIG_DIR/acls-revoked.txt" | sha256sum | cut -d ' ' -f 1; }
acls_applied() { [[ -f $STATE/acls.applied && $(<"$STATE/acls.applied") == "$(acls_checksum)" ]]; }

# An ACL file given (add) or taken away (remove) in one Python process, through the protocol's
# CreateAcls and DeleteAcls requests (tools/support/kafka_acls.py): a kafka-acls JVM per line
# took about 45 s of a core at every start of a fresh cluster.
acl_file() {
  local action=$1 file=$2
  (cd "$REPO_ROOT" && RMA_KAFKA_USERNAME=admin RMA_KAFKA_PASSWORD="$(password admin)" \
    "$PYTHON" -m tools.support.kafka_acls "$action" "$file" "$(bootstrap)") \
    || die "could not $action every ACL of $file (above)"
}

# The ACLs live in the cluster metadata: given once per formatted cluster, again only when
# acls.txt or acls-revoked.txt changed. A grant taken out of acls.txt is not revoked by that:
# it goes into acls-revoked.txt, which is taken away after acls.txt is given.
apply_acls() {
  # KAFKA_ACLS=off: a cluster only the admin talks to (the node-kill test's) needs none.
  [[ ${KAFKA_ACLS:-on} == off ]] && return 0
  acls_applied && return 0
  info "giving the ACLs of $CONFIG_DIR/acls.txt, taking away those of acls-revoked.txt"
  acl_file add "$CONFIG_DIR/acls.txt"
  acl_file remove "$CONFIG_DIR/acls-revoked.txt"
  acls_checksum >"$STATE/acls.applied"
}

check_layout() {
  if compgen -G "$STATE/node-*/data/meta.properties" >/dev/null \
      && [[ $(cat "$STATE/layout" 2>/dev/null) != "$(layout)" ]]; then
    die "$STATE holds a cluster formatted for another layout \
($(cat "$STATE/layout" 2>/dev/null || echo 'one node without SASL')) than this one ($(layout)); \
run 'kafka.sh down' and 'rm -rf $STATE' to start over with empty topics"
  fi
  # A cluster from before the nodes had folders of their own.
  [[ -d $STATE/data ]] && die "$STATE holds a cluster of an older layout; \
run 'kafka.sh down' and 'rm -rf $STATE' to start over with empty topics"
  return 0
}

start_node() {
  local id=$1 dir; dir=$(node_dir "$1")
  info "starting node $id of Kafka $KAFKA_VERSION on 127.0.0.1:$(broker_port "$id") (log: $dir/kafka.log)"
  # KAFKA_JVM_OPTIONS: the heap, collector and compiler flags (test.sh gives lighter ones).
  local jvm_options
  read -r -a jvm_options <<<"${KAFKA_JVM_OPTIONS:--Xms128m -Xmx512m -XX:+UseG1GC}"
  start_background "$dir/kafka.pid" "$dir/kafka.out" java "${jvm_options[@]}" \
    -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$CONFIG_DIR/log4j2.properties" \
    -Dkafka.log.file="$dir/kafka.log" \
    -cp "$LIB/*" kafka.Kafka "$dir/server.properties"
}

# A node that does not come up: its logs, every node stopped, and the reason.
fail_start() {
  local id=$1 dir; dir=$(node_dir "$1")
  local why="did not answer within $START_SECONDS s"
  pid_alive "$dir/kafka.pid" || why="exited during start-up"
  show_log "$dir/kafka.log"
  show_log "$dir/kafka.out" 20
  down >/dev/null
  die "node $id $why (logs above; to start over with empty data: kafka.sh down, rm -rf $STATE)"
}

up() {
  require_venv
  require_command java openjdk-17-jre-headless
  lock_state "$STATE"
  check_layout
  local id all_running=1
  for id in $(node_ids); do
    pid_alive "$(node_dir "$id")/kafka.pid" || all_running=0
  done
  if ((all_running)); then
    # Started by someone else a moment ago, or still starting: give it the usual time.
    for id in $(node_ids); do
      wait_started "$(node_dir "$id")/kafka.pid" "$START_SECONDS" broker_answers "$id" \
        || die "node $id runs but does not answer on 127.0.0.1:$(broker_port "$id"); \
run 'kafka.sh down' and try again"
    done
    apply_acls
    info "already running on $(bootstrap)"
    return 0
  fi
  for id in $(node_ids); do
    pid_alive "$(node_dir "$id")/kafka.pid" && continue
    local port
    for port in "$(broker_port "$id")" "$(controller_port "$id")"; do
      port_open 127.0.0.1 "$port" && die "port $port is taken by another program \
(set KAFKA_PORT / KAFKA_CONTROLLER_PORT to free ones)"
    done
  done
  fetch_jars
  make_credentials
  for id in $(node_ids); do
    render_config "$id"
    format_storage "$id"
  done
  layout >"$STATE/layout"
  for id in $(node_ids); do
    pid_alive "$(node_dir "$id")/kafka.pid" || start_node "$id"
  done
  # The cheap port check first: a Python client every half second would slow the JVMs' start.
  for id in $(node_ids); do
    local pidfile; pidfile="$(node_dir "$id")/kafka.pid"
    { wait_for_port 127.0.0.1 "$(broker_port "$id")" "$START_SECONDS" "$pidfile" \
      && wait_started "$pidfile" "$START_SECONDS" broker_answers "$id"; } || fail_start "$id"
  done
  apply_acls
  info "ready on $(bootstrap)"
}

# Every node that has a folder, whatever KAFKA_NODES says now, and a broker of the older layout.
down() {
  local dir
  [[ -f $STATE/kafka.pid ]] && stop_background "$STATE/kafka.pid" kafka
  for dir in "$STATE"/node-*; do
    [[ -d $dir ]] && stop_background "$dir/kafka.pid" "kafka ${dir##*/}"
  done
  return 0
}

status() {
  local id failed=0
  for id in $(node_ids); do
    if node_running "$id"; then
      info "node $id running on 127.0.0.1:$(broker_port "$id") (pid $(<"$(node_dir "$id")/kafka.pid"))"
    elif pid_alive "$(node_dir "$id")/kafka.pid"; then
      info "node $id runs but does not answer on 127.0.0.1:$(broker_port "$id")"; failed=1
    else
      info "node $id not running (port $(broker_port "$id"))"; failed=1
    fi
  done
  if ! acls_applied; then info "the ACLs of $CONFIG_DIR/acls.txt are not given yet"; failed=1; fi
  return "$failed"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  bootstrap) bootstrap ;;
  *) die "usage: kafka.sh up|down|status|bootstrap" ;;
esac
