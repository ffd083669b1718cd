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
  # A private key only for the service that signs with it: accounts (tokens), notifications
  # (the seal of a label); everyone verifies with the public keys.
  local signing=()
  [[ $name == accounts ]] && signing=(RMA_TOKEN_PRIVATE_KEY_FILE="$KEYS/token_private.pem")
  [[ $name == notifications ]] && signing=(RMA_SEAL_PRIVATE_KEY_FILE="$KEYS/seal_private.pem")
  start_background "$pidfile" "$LOGS/$name.log" env \
    RMA_ENVIRONMENT=development \
    "${kafka_env[@]}" \
    RMA_TOPIC_REPLICATION_FACTOR="$TOPIC_REPLICATION" \
    RMA_TOPIC_MIN_INSYNC_REPLICAS="$TOPIC_MIN_INSYNC" \
    RMA_DATABASE_URL="$DATABASE_SERVER/rma_$name" \
    RMA_HTTP_PORT="$port" \
    RMA_TOKEN_PUBLIC_KEY_FILE="$KEYS/token_public.pem" \
    RMA_SEAL_PUBLIC_KEY_FILE="$KEYS/seal_public.pem" \
    "${signing[@]}" \
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
  seed_demo_claims
  touch "$DEMO/.fed"
}

# The demo customer (registered, activated and linked through the accounts API, two scooters
# registered through warranty's) and 40 claims over the last 100 days in every status, filed
# and moved by the claims service's own handlers on their days. Each step skips what exists.
seed_demo_claims() {
  [[ -f $DEMO/demo-day ]] || date +%F >"$DEMO/demo-day"
  local day; day="$(<"$DEMO/demo-day")"
  "$PYTHON" -m tools.demo_claims prepare --out "$DEMO" --today "$day" \
    || die "could not write the demo customer's documents"
  local kafka_env; mapfile -t kafka_env < <(kafka_user erp-feed)
  env "${kafka_env[@]}" "$PYTHON" -m tools.erp_feed "$DEMO/customer-sales.json" \
    --bootstrap "$KAFKA_BOOTSTRAP" || die "could not feed the demo customer's documents"
  "$PYTHON" -m tools.demo_claims customer --out "$DEMO" --today "$day" \
    --accounts http://127.0.0.1:8001 --warranty http://127.0.0.1:8003 \
    --mailbox "http://127.0.0.1:$MAILBOX_HTTP_PORT" || die "could not set up the demo customer"
  RMA_DATABASE_URL="$DATABASE_SERVER/rma_claims" \
    "$PYTHON" -m services.claims.admin seed-demo "$DEMO/claims-plan.json" \
    || die "could not file the demo claims"
  if [[ ! -s $DEMO/scanner.key ]]; then
    RMA_DATABASE_URL="$DATABASE_SERVER/rma_accounts" \
      "$PYTHON" -m services.accounts.admin create-scanner magazyn-demo >"$DEMO/scanner.key.new" \
      && mv "$DEMO/scanner.key.new" "$DEMO/scanner.key" \
      || info "the demo scanner was not created (it may exist already)"
  fi
}

# What to open first: the three logins and a short tour.
print_tour() {
  local scanner_key="(not created: python -m services.accounts.admin create-scanner NAME)"
  [[ -s $DEMO/scanner.key ]] && scanner_key="$(<"$DEMO/scanner.key")"
  cat <<TXT

First steps (the demo data: 40 claims of one customer over the last 100 days):
  1. Operator  http://127.0.0.1:8000/operator   operator@innpro.example / Operator-Demo-2026
     The dashboard: claims by status, the charts of 90 days, the deadlines at risk and one
     unidentified parcel. Open the claim in inspection whose 14 days run out, and decide it.
  2. Customer  http://127.0.0.1:8000/login      klient.demo@innpro.example / Klient-Demo-2026
     "Moje zgłoszenia": a paid repair quote awaits an answer (DEMO-36); accept or refuse it.
     "Moje produkty": two scooters registered, the others not; check a support period by EAN.
  3. Scanner   http://127.0.0.1:8000/scanner    API key: $scanner_key
     Scan the RMA number of the claim in status "Zgłoszone" (DEMO-39) to receive its parcel.
  Every email the customer got is in Mailpit: http://127.0.0.1:$MAILBOX_HTTP_PORT
TXT
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
  print_tour
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
