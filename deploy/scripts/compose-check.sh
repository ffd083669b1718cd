#!/usr/bin/env bash
# `make compose-check` (part of `make lint`): docker-compose.yml as `docker compose config` reads
# it, without a Docker engine. deploy/compose-check builds, with the machine's Go, the loader the
# Compose CLI is made of (compose-go): schema validation, ${VARIABLE} interpolation, merge keys,
# every profile. What compose names is held to what `make run` uses by
# tests/unit/project/test_compose_matches_make_run.py.
COMPONENT=compose
source "$(dirname "$0")/common.sh"

SOURCE="$REPO_ROOT/deploy/compose-check"
# One build per version of its sources and their pinned modules.
DIGEST="$(cat "$SOURCE/go.mod" "$SOURCE/go.sum" "$SOURCE/main.go" | sha256sum | cut -c1-16)"
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/rma-platform/compose-config-$DIGEST"
BINARY="$CACHE/compose-config"

build() {
  require_command go golang-go
  mkdir -p "$CACHE"
  exec 8>"$CACHE/.lock"
  flock -w 600 8 || die "another build holds $CACHE/.lock"
  [[ -x $BINARY ]] && return 0
  info "building the compose loader (compose-go) into $CACHE (once, about a minute)"
  (cd "$SOURCE" && go build -mod=readonly -o "$BINARY.partial" .) \
    || die "go build of deploy/compose-check failed (its messages are above)"
  mv "$BINARY.partial" "$BINARY"
}

[[ -x $BINARY ]] || build
mkdir -p "$REPO_ROOT/.run"
# The file as compose reads it with none of its variables set, every profile enabled.
env -i PATH="$PATH" HOME="$HOME" "$BINARY" -profile '*' "$REPO_ROOT/docker-compose.yml" \
  >"$REPO_ROOT/.run/compose-resolved.yml" \
  || die "docker-compose.yml is not a valid compose file (the reason is above)"
# And as the three-node cluster runs it (docker compose --env-file deploy/kafka/cluster.env up).
mapfile -t cluster_env < <(grep -E '^[A-Z_]+=' "$REPO_ROOT/deploy/kafka/cluster.env")
env -i PATH="$PATH" HOME="$HOME" "${cluster_env[@]}" "$BINARY" "$REPO_ROOT/docker-compose.yml" \
  >"$REPO_ROOT/.run/compose-resolved-cluster.yml" \
  || die "docker-compose.yml is not valid with deploy/kafka/cluster.env (the reason is above)"
grep -q 'KAFKA_CONTROLLER_QUORUM_VOTERS: 1@kafka:9093,2@kafka-2:9093' \
  "$REPO_ROOT/.run/compose-resolved-cluster.yml" \
  || die "with deploy/kafka/cluster.env, compose does not give Kafka three voters"
info "docker-compose.yml is valid, alone and with deploy/kafka/cluster.env (resolved: .run/)"
