#!/usr/bin/env bash
# `make run` / `make stop` / `make status`: the whole system on this machine, with demo data.
# Usage: run.sh up|down|status    KAFKA_NODES=3 (make run KAFKA_NODES=3): a three-node Kafka
# cluster, its topics with three replicas of which two must be in sync.
COMPONENT=run
source "$(dirname "$0")/common.sh"

export RMA_STATE_DIR="$REPO_ROOT/.run/dev"
export KAFKA_PORT="${KAFKA_PORT:-9092}" KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
export KAFKA_NODES="${KAFKA_NODES:-1}"
export PG_PORT="${PG_PORT:-5433}" PG_CLUSTER="${PG_CLUSTER:-rma}"
export SMTP_PORT="${SMTP_PORT:-1025}" MAILBOX_HTTP_PORT="${MAILBOX_HTTP_PORT:-8025}"
SERVICES=(accounts:8001 claims:8002 warranty:8003 notifications:8004 web:8000)
SCRIPTS="$REPO_ROOT/deploy/scripts"
KEYS="$RMA_STATE_DIR/keys"
KAFKA_CREDENTIALS="$RMA_STATE_DIR/kafka/credentials"
LOGS="$RMA_STATE_DIR/logs"
DEMO="$RMA_STATE_DIR/demo"

# With three nodes or more, a topic keeps three replicas and refuses acks=all writes with fewer
# than two in sync; with one node, one of each.
if ((KAFKA_NODES >= 3)); then TOPIC_REPLICATION=3 TOPIC_MIN_INSYNC=2
else TOPIC_REPLICATION=1 TOPIC_MIN_INSYNC=1; fi

# kafka_user NAME: the environment of a program that talks to Kafka as the user NAME.
kafka_user() {
  printf '%s\n' "RMA_KAFKA_BOOTSTRAP_SERVERS=$KAFKA_BOOTSTRAP" "RMA_KAFKA_USERNAME=$1" \
    "RMA_KAFKA_PASSWORD=$(<"$KAFKA_CREDENTIALS/$1")"
}

# Liveness: /health answers at once whatever the database and Kafka do (/ready tells those).
service_healthy() {
  "$PYTHON" -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$1/health', timeout=2)"
}

start_service() {
  local name=$1 port=$2 pidfile="$RMA_STATE_DIR/$1.pid"
  if pid_alive "$pidfile"; then
    if service_healthy "$port" 2>/dev/null; then
      info "$name already running on http://127.0.0.1:$port"
      return 0
    fi
    # Ours, but not answering even its liveness check: hung, so start it afresh.
    warn "$name runs (pid $(<"$pidfile")) but does not answer /health; restarting it"
    stop_background "$pidfile" "$name"
  fi
  port_open 127.0.0.1 "$port" && die "port $port (for $name) is taken by another program"
  local kafka_env; mapfile -t kafka_env < <(kafka_user "$name")
  start_background "$pidfile" "$LOGS/$name.log" env \
    RMA_ENVIRONMENT=development \
    "${kafka_env[@]}" \
    RMA_TOPIC_REPLICATION_FACTOR="$TOPIC_REPLICATION" \
    RMA_TOPIC_MIN_INSYNC_REPLICAS="$TOPIC_MIN_INSYNC" \
    RMA_DATABASE_URL="$DATABASE_SERVER/rma_$name" \
    RMA_HTTP_PORT="$port" \
    RMA_TOKEN_PUBLIC_KEY_FILE="$KEYS/token_public.pem" \
    RMA_TOKEN_PRIVATE_KEY_FILE="$KEYS/token_private.pem" \
    RMA_SEAL_PUBLIC_KEY_FILE="$KEYS/seal_public.pem" \
    RMA_SEAL_PRIVATE_KEY_FILE="$KEYS/seal_private.pem" \
    RMA_PUBLIC_BASE_URL="http://127.0.0.1:8000" \
    RMA_SMTP_HOST=127.0.0.1 RMA_SMTP_PORT="$SMTP_PORT" \
    "$PYTHON" -m "services.$name"
}

feed_demo_data() {
  if [[ -f $DEMO/.fed ]]; then
    info "demo data already fed (delete $DEMO to feed it again)"
    return 0
  fi
  mkdir -p "$DEMO"
  "$PYTHON" -m tools.demo_data --out "$DEMO" || die "could not generate the demo data"
  local kafka_env; mapfile -t kafka_env < <(kafka_user erp-feed)
  env "${kafka_env[@]}" "$PYTHON" -m tools.erp_feed "$DEMO/sales.json" --bootstrap "$KAFKA_BOOTSTRAP" \
    || die "could not feed the demo sales documents to Kafka"
  RMA_DATABASE_URL="$DATABASE_SERVER/rma_warranty" \
    "$PYTHON" -m services.warranty.admin import-catalogue "$DEMO/catalogue.json" \
    || die "could not import the demo catalogue"
  # A demo operator for the dashboard (development only: the password is printed below).
  RMA_DATABASE_URL="$DATABASE_SERVER/rma_accounts" RMA_ADMIN_PASSWORD="Operator-Demo-2026" \
    "$PYTHON" -m services.accounts.admin create-operator operator@innpro.example "Operator Demo" \
    || info "the demo operator was not created (it may exist already)"
  touch "$DEMO/.fed"
}

up() {
  require_venv
  require_file "$LABEL_FONT" fonts-dejavu-core
  cd "$REPO_ROOT"
  "$PYTHON" -m shared.keys "$KEYS"
  bash "$SCRIPTS/kafka.sh" up
  KAFKA_BOOTSTRAP="$(bash "$SCRIPTS/kafka.sh" bootstrap)"
  bash "$SCRIPTS/postgres.sh" up
  bash "$SCRIPTS/mailpit.sh" up
  DATABASE_SERVER="$(bash "$SCRIPTS/postgres.sh" url)"
  local entry
  for entry in "${SERVICES[@]}"; do start_service "${entry%%:*}" "${entry##*:}"; done
  for entry in "${SERVICES[@]}"; do
    if ! wait_for 90 service_healthy "${entry##*:}"; then
      tail -n 30 "$LOGS/${entry%%:*}.log" >&2
      die "${entry%%:*} is not healthy after 90 s (log above: $LOGS/${entry%%:*}.log)"
    fi
  done
  feed_demo_data
  cat <<TXT

The RMA platform is running.
  web panel          http://127.0.0.1:8000          (operators: http://127.0.0.1:8000/operator,
                     operator@innpro.example / Operator-Demo-2026)
  accounts API       http://127.0.0.1:8001/docs   (AsyncAPI: /asyncapi)
  claims API         http://127.0.0.1:8002/docs
  warranty API       http://127.0.0.1:8003/docs
  notifications API  http://127.0.0.1:8004/docs
  emails (Mailpit)   http://127.0.0.1:$MAILBOX_HTTP_PORT
  Kafka              $KAFKA_BOOTSTRAP (SASL/SCRAM-SHA-512; users and passwords in $KAFKA_CREDENTIALS)
  PostgreSQL         127.0.0.1:$PG_PORT (databases rma_accounts, rma_claims, rma_warranty, rma_notifications)
  logs               $LOGS
Stop everything with: make stop
TXT
}

down() {
  local entry
  for entry in "${SERVICES[@]}"; do stop_background "$RMA_STATE_DIR/${entry%%:*}.pid" "${entry%%:*}"; done
  bash "$SCRIPTS/mailpit.sh" down
  bash "$SCRIPTS/kafka.sh" down
  bash "$SCRIPTS/postgres.sh" down
}

status() {
  local entry
  for entry in "${SERVICES[@]}"; do
    if service_healthy "${entry##*:}" 2>/dev/null; then info "${entry%%:*}: healthy"
    else info "${entry%%:*}: not running"; fi
  done
  bash "$SCRIPTS/kafka.sh" status || true
  bash "$SCRIPTS/postgres.sh" status || true
  bash "$SCRIPTS/mailpit.sh" status || true
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  *) die "usage: run.sh up|down|status" ;;
esac
