#!/usr/bin/env bash
# PostgreSQL: the server at DATABASE_URL when one answers there, otherwise a cluster of Debian's
# packages (installed when missing) that this script creates, starts and stops.
# Usage: postgres.sh up|down|status|url
# Env:   DATABASE_URL, PG_PORT (5433), PG_CLUSTER (rma), RMA_DB_USER / RMA_DB_PASSWORD (rma/rma),
#        RMA_DATABASES (space separated; default rma_accounts rma_claims rma_warranty
#        rma_notifications; empty: none), RMA_STATE_DIR (<repo>/.run/dev, for the lock only)
COMPONENT=postgres
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

PG_PORT="${PG_PORT:-5433}"
PG_CLUSTER="${PG_CLUSTER:-rma}"
RMA_DB_USER="${RMA_DB_USER:-rma}"
RMA_DB_PASSWORD="${RMA_DB_PASSWORD:-rma}"
# `-`, not `:-`: an explicitly empty list (the tests create their own databases) stays empty.
RMA_DATABASES="${RMA_DATABASES-rma_accounts rma_claims rma_warranty rma_notifications}"
MIN_CONNECTIONS=200

# --- a server someone else runs ---------------------------------------------------------------

# Whether a server answers there needs psql, even on a machine that will never run a cluster.
if [[ -n ${DATABASE_URL:-} ]]; then require_command psql postgresql-client; fi

# The timeout: an unreachable host would otherwise hang `up` for minutes.
external_server() {
  [[ -n ${DATABASE_URL:-} ]] \
    && PGCONNECT_TIMEOUT=5 psql "$DATABASE_URL" -X -Atqc 'select 1' >/dev/null 2>&1
}

# DATABASE_URL without its database and query: the services append their own database names.
external_server_url() {
  local scheme=${DATABASE_URL%%://*} rest=${DATABASE_URL#*://}
  rest=${rest%%/*}
  printf '%s://%s\n' "$scheme" "${rest%%\?*}"
}

# --- the local cluster ------------------------------------------------------------------------

ensure_installed() {
  if ! command -v pg_ctlcluster >/dev/null \
    || ! compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null; then
    apt_install postgresql
  fi
}

# cluster_field N: column N of pg_lsclusters for PG_CLUSTER (1 version, 3 port, 4 status).
cluster_field() {
  pg_lsclusters -h 2>/dev/null | awk -v c="$PG_CLUSTER" -v n="$1" '$2 == c { print $n; exit }'
}

cluster_running() { [[ $(cluster_field 4) == online* ]]; }

# Any installed major version will do; the newest when there are several.
newest_version() {
  local server
  for server in /usr/lib/postgresql/*/bin/postgres; do
    if [[ -x $server ]]; then basename "$(dirname "$(dirname "$server")")"; fi
  done | sort -V | tail -n 1
}

as_postgres() { runuser -u postgres -- "$@"; }

# local_sql [psql options]: SQL from stdin, as the superuser over the cluster's Unix socket.
local_sql() { as_postgres psql -X -q -v ON_ERROR_STOP=1 -p "$PG_PORT" -d postgres "$@"; }

server_answers() { pg_isready -q -h 127.0.0.1 -p "$PG_PORT"; }

cluster_log() { printf '/var/log/postgresql/postgresql-%s-%s.log\n' "$1" "$PG_CLUSTER"; }

# urlencode TEXT: byte by byte (LC_ALL=C), so that non-ASCII passwords come out right too.
urlencode() {
  local LC_ALL=C text=$1 out='' char i
  for ((i = 0; i < ${#text}; i++)); do
    char=${text:i:1}
    case $char in
      [a-zA-Z0-9._~-]) out+=$char ;;
      *) out+=$(printf '%%%02X' "'$char") ;;
    esac
  done
  printf '%s' "$out"
}

local_server_url() {
  printf 'postgresql://%s:%s@127.0.0.1:%s\n' \
    "$(urlencode "$RMA_DB_USER")" "$(urlencode "$RMA_DB_PASSWORD")" "$PG_PORT"
}

create_cluster() {
  local version=$1
  port_open 127.0.0.1 "$PG_PORT" && die "port $PG_PORT is taken by another program (set PG_PORT)"
  info "creating cluster $version/$PG_CLUSTER on port $PG_PORT"
  pg_createcluster "$version" "$PG_CLUSTER" -p "$PG_PORT" >/dev/null \
    || die "pg_createcluster $version $PG_CLUSTER -p $PG_PORT failed"
  # The four services and the tests each keep connection pools: Debian's 100 runs out.
  # synchronous_commit=off: a dev/test server may lose its last commits in a machine crash
  # (never its consistency), and the tests run several times faster.
  cat >"/etc/postgresql/$version/$PG_CLUSTER/conf.d/rma.conf" <<CONF
max_connections = 300
synchronous_commit = off
CONF
}

start_cluster() {
  local version=$1
  port_open 127.0.0.1 "$PG_PORT" && die "cluster $version/$PG_CLUSTER is down but port $PG_PORT \
is taken by another program"
  without_locks pg_ctlcluster "$version" "$PG_CLUSTER" start \
    || { show_log "$(cluster_log "$version")" 20; die "pg_ctlcluster could not start $version/$PG_CLUSTER"; }
}

# A cluster made before max_connections was raised (or lowered by hand) gets it raised here.
ensure_connections() {
  local version=$1 current
  current=$(local_sql -At <<<'show max_connections') || die "cannot query the server on port $PG_PORT"
  ((current >= MIN_CONNECTIONS)) && return 0
  info "max_connections is $current; raising it to 300 and restarting"
  local_sql <<<'alter system set max_connections = 300'
  without_locks pg_ctlcluster "$version" "$PG_CLUSTER" restart \
    || { show_log "$(cluster_log "$version")" 20; die "could not restart $version/$PG_CLUSTER"; }
  wait_for 60 server_answers || die "the server on port $PG_PORT does not answer after its restart"
}

ensure_role() {
  # psql variables (:'x', :"x") quote the values, whatever characters they hold.
  local_sql -v role="$RMA_DB_USER" -v password="$RMA_DB_PASSWORD" <<'SQL' \
    || die "could not create or update the role $RMA_DB_USER"
SELECT NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'role') AS missing \gset
\if :missing
CREATE ROLE :"role" LOGIN CREATEDB PASSWORD :'password';
\echo postgres: role :role created
\else
ALTER ROLE :"role" LOGIN CREATEDB PASSWORD :'password';
\endif
SQL
}

# create_databases PSQL_COMMAND...: each missing database of RMA_DATABASES, owned by OWNER when
# the psql variable owner is given, else by whoever PSQL_COMMAND logs in as.
create_databases() {
  local db
  for db in $RMA_DATABASES; do
    "$@" -v db="$db" <<'SQL' || die "could not create the database $db"
SELECT NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db') AS missing \gset
\if :missing
\if :{?owner}
CREATE DATABASE :"db" OWNER :"owner";
\else
CREATE DATABASE :"db";
\endif
\echo postgres: database :db created
\endif
SQL
  done
}

up() {
  if external_server; then
    info "using the server at DATABASE_URL ($(external_server_url | sed 's/:[^:@/]*@/:***@/'))"
    create_databases psql "$DATABASE_URL" -X -q -v ON_ERROR_STOP=1
    info "ready: databases ${RMA_DATABASES:-(none asked for)}"
    return 0
  fi
  [[ -n ${DATABASE_URL:-} ]] && warn "nothing answers at DATABASE_URL; using a local cluster"
  lock_state "$RMA_STATE_DIR/postgres"
  ensure_installed
  local version; version=$(cluster_field 1)
  if [[ -z $version ]]; then
    version=$(newest_version)
    [[ -n $version ]] || die "no PostgreSQL server under /usr/lib/postgresql"
    create_cluster "$version"
  fi
  local port; port=$(cluster_field 3)
  [[ $port == "$PG_PORT" ]] || die "cluster $version/$PG_CLUSTER exists on port $port, not \
$PG_PORT: set PG_PORT=$port, or pick another PG_CLUSTER"
  if cluster_running; then
    info "cluster $version/$PG_CLUSTER already running on port $PG_PORT"
  else
    start_cluster "$version"
  fi
  { wait_for_port 127.0.0.1 "$PG_PORT" 60 && wait_for 30 server_answers; } \
    || { show_log "$(cluster_log "$version")" 20; die "the server on port $PG_PORT does not answer"; }
  ensure_connections "$version"
  ensure_role
  create_databases local_sql -v owner="$RMA_DB_USER"
  info "ready on 127.0.0.1:$PG_PORT (cluster $version/$PG_CLUSTER, user $RMA_DB_USER)"
}

down() {
  local version; version=$(cluster_field 1)
  if [[ -z $version ]]; then
    info "no cluster $PG_CLUSTER: nothing to stop"
  elif cluster_running; then
    without_locks pg_ctlcluster "$version" "$PG_CLUSTER" stop || die "could not stop $version/$PG_CLUSTER"
    info "cluster $version/$PG_CLUSTER stopped"
  else
    info "cluster $version/$PG_CLUSTER is not running"
  fi
}

status() {
  if external_server; then
    info "using the server at DATABASE_URL ($(external_server_url | sed 's/:[^:@/]*@/:***@/'))"
  elif cluster_running && server_answers; then
    info "running on 127.0.0.1:$PG_PORT (cluster $(cluster_field 1)/$PG_CLUSTER)"
  else
    info "not running (cluster $PG_CLUSTER, port $PG_PORT)"; exit 1
  fi
}

url() {
  if external_server; then external_server_url; else local_server_url; fi
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  url) url ;;
  *) die "usage: postgres.sh up|down|status|url" ;;
esac
