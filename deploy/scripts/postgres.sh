#!/usr/bin/env bash
# PostgreSQL: the server at DATABASE_URL if one answers, otherwise a cluster of Debian's packages.
# Usage: postgres.sh up|down|status|url
# Env: DATABASE_URL, PG_PORT, PG_CLUSTER, RMA_DB_USER, RMA_DB_PASSWORD, RMA_DATABASES
COMPONENT=postgres
source "$(dirname "$0")/common.sh"

PG_PORT="${PG_PORT:-5433}"
PG_CLUSTER="${PG_CLUSTER:-rma}"
RMA_DB_USER="${RMA_DB_USER:-rma}"
RMA_DB_PASSWORD="${RMA_DB_PASSWORD:-rma}"
RMA_DATABASES="${RMA_DATABASES-rma_accounts rma_claims rma_warranty rma_notifications}"

external_server() { [[ -n ${DATABASE_URL:-} ]] && psql "$DATABASE_URL" -Atqc 'select 1' >/dev/null 2>&1; }

server_url() {
  if external_server; then
    # The server part of DATABASE_URL: the services add their own database names.
    printf '%s\n' "${DATABASE_URL%/*}"
  else
    printf 'postgresql://%s:%s@127.0.0.1:%s\n' "$RMA_DB_USER" "$RMA_DB_PASSWORD" "$PG_PORT"
  fi
}

ensure_installed() {
  if ! command -v pg_createcluster >/dev/null || ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
    info "installing Debian's postgresql"
    command -v apt-get >/dev/null || die "PostgreSQL is missing and this is not a Debian system"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null) \
      || die "could not install postgresql with apt-get"
  fi
}

pg_version() { ls /usr/lib/postgresql | sort -V | tail -n1; }

as_postgres() { runuser -u postgres -- "$@"; }

sql() { as_postgres psql -p "$PG_PORT" -d postgres -Atqc "$1"; }

cluster_running() { pg_lsclusters -h 2>/dev/null | awk -v c="$PG_CLUSTER" '$2 == c && $4 == "online"' | grep -q .; }

create_databases() {
  local url=$1 db
  for db in $RMA_DATABASES; do
    if [[ -z $(psql "$url/postgres" -Atqc "select 1 from pg_database where datname = '$db'") ]]; then
      psql "$url/postgres" -qc "create database \"$db\"" >/dev/null || die "could not create database $db"
      info "database $db created"
    fi
  done
}

up() {
  if external_server; then
    info "using the server at DATABASE_URL"
    create_databases "$(server_url)"
    return 0
  fi
  ensure_installed
  local version; version=$(pg_version)
  if ! pg_lsclusters -h | awk -v c="$PG_CLUSTER" '$2 == c' | grep -q .; then
    port_open 127.0.0.1 "$PG_PORT" && die "port $PG_PORT is taken by another program"
    info "creating cluster $version/$PG_CLUSTER on port $PG_PORT"
    pg_createcluster "$version" "$PG_CLUSTER" -p "$PG_PORT" -- --auth-local=peer --auth-host=scram-sha-256 >/dev/null \
      || die "pg_createcluster failed"
    # A development/test cluster: loopback only, many connections, durability traded for speed.
    cat >"/etc/postgresql/$version/$PG_CLUSTER/conf.d/rma.conf" <<CONF
listen_addresses = '127.0.0.1'
max_connections = 300
fsync = off
synchronous_commit = off
full_page_writes = off
CONF
  fi
  if ! cluster_running; then
    pg_ctlcluster "$version" "$PG_CLUSTER" start || die "pg_ctlcluster could not start $PG_CLUSTER (see /var/log/postgresql/)"
  fi
  wait_for 60 as_postgres pg_isready -q -p "$PG_PORT" || die "the server on port $PG_PORT does not answer"
  if [[ -z $(sql "select 1 from pg_roles where rolname = '$RMA_DB_USER'") ]]; then
    sql "create role \"$RMA_DB_USER\" login createdb password '$RMA_DB_PASSWORD'" >/dev/null
  fi
  create_databases "$(server_url)"
  info "ready on 127.0.0.1:$PG_PORT (cluster $version/$PG_CLUSTER)"
}

down() {
  if pg_lsclusters -h 2>/dev/null | awk -v c="$PG_CLUSTER" '$2 == c' | grep -q .; then
    cluster_running && pg_ctlcluster "$(pg_version)" "$PG_CLUSTER" stop
    info "cluster $PG_CLUSTER stopped"
  else
    info "no cluster $PG_CLUSTER"
  fi
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  url) server_url ;;
  status)
    if external_server || cluster_running; then info "running: $(server_url | sed 's/:[^:@]*@/:***@/')"
    else info "not running"; exit 1; fi ;;
  *) die "usage: postgres.sh up|down|status|url" ;;
esac
