#!/bin/sh
# docker compose's kafka-setup: the SCRAM users of the services and the ACLs of acls.txt, made
# with Kafka's own tools (kafka-configs, kafka-acls) as the admin. Run in the apache/kafka image
# once the first broker answers; every step can be repeated.
set -eu
BIN=/opt/kafka/bin
BOOTSTRAP=$RMA_KAFKA_BOOTSTRAP_SERVERS
ADMIN=/tmp/admin.properties
printf 'security.protocol=SASL_PLAINTEXT\nsasl.mechanism=PLAIN\nsasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="%s";\n' \
  "$RMA_KAFKA_ADMIN_PASSWORD" >"$ADMIN"

for user in accounts claims warranty notifications web erp-feed; do
  variable=RMA_KAFKA_PASSWORD_$(echo "$user" | tr 'a-z-' 'A-Z_')
  eval "password=\${$variable}"
  "$BIN/kafka-configs.sh" --bootstrap-server "$BOOTSTRAP" --command-config "$ADMIN" --alter \
    --entity-type users --entity-name "$user" --add-config "SCRAM-SHA-512=[password=$password]"
done

# acl_lines ACTION FILE: each line of an ACL file to kafka-acls with --add or --remove.
acl_lines() {
  action=$1
  grep -v '^#' "$2" | while read -r operations resource pattern name principals; do
    [ -n "$operations" ] || continue
    set -- "$action" --force --resource-pattern-type "$pattern" "--$resource" "$name"
    for operation in $(echo "$operations" | tr ',' ' '); do set -- "$@" --operation "$operation"; done
    for principal in $principals; do set -- "$@" --allow-principal "User:$principal"; done
    "$BIN/kafka-acls.sh" --bootstrap-server "$BOOTSTRAP" --command-config "$ADMIN" "$@"
  done
}
acl_lines --add /setup/acls.txt
# Grants of older versions of acls.txt (a cluster set up by them keeps them otherwise).
acl_lines --remove /setup/acls-revoked.txt
echo "kafka-setup: users and ACLs given"
