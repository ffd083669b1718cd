"""The ACLs of an ACL file (deploy/kafka/acls.txt) given to or taken from a cluster in one process,
through the Kafka protocol's CreateAcls and DeleteAcls requests as aiokafka builds them.

deploy/scripts/kafka.sh used to give each line to Kafka's kafka-acls tool, a JVM of its own: 24
JVMs, about 45 s of a core, at every start of a fresh cluster (each `make test` starts two).
Each line means what kafka-acls made of it: every operation for every principal, allowed from
any host, on the resource pattern of the line.

Usage: python -m tools.support.kafka_acls add|remove FILE BOOTSTRAP (as the admin user of
RMA_KAFKA_USERNAME / RMA_KAFKA_PASSWORD).
"""

from __future__ import annotations

import asyncio
import sys
from dataclasses import dataclass
from pathlib import Path

from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.protocol.admin import CreateAclsRequest, DeleteAclsRequest

from shared.kafka import client_options

# The protocol's codes (org.apache.kafka.common.acl.AclOperation, resource.ResourceType,
# resource.PatternType, acl.AclPermissionType).
OPERATIONS = {
    "All": 2,
    "Read": 3,
    "Write": 4,
    "Create": 5,
    "Delete": 6,
    "Alter": 7,
    "Describe": 8,
    "ClusterAction": 9,
    "DescribeConfigs": 10,
    "AlterConfigs": 11,
    "IdempotentWrite": 12,
}
RESOURCES = {"topic": 2, "group": 3, "cluster": 4, "transactional-id": 5}
PATTERNS = {"literal": 3, "prefixed": 4}
ALLOW = 3
ANY_HOST = "*"


@dataclass(frozen=True)
class Acl:
    resource: int
    name: str
    pattern: int
    principal: str
    operation: int

    def fields(self) -> tuple[int, str, int, str, str, int, int]:
        return (
            self.resource,
            self.name,
            self.pattern,
            self.principal,
            ANY_HOST,
            self.operation,
            ALLOW,
        )


def read_acls(text: str) -> list[Acl]:
    """Each line `operations resource pattern name principals...` as its ACLs; a line that says
    something else is an error naming it."""
    acls = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        operations, resource, pattern, name, *principals = line.split()
        try:
            acls += [
                Acl(RESOURCES[resource], name, PATTERNS[pattern], f"User:{who}", OPERATIONS[op])
                for op in operations.split(",")
                for who in principals
            ]
        except KeyError as unknown:
            raise ValueError(f"line {number}: unknown {unknown} in {line!r}") from None
        if not principals:
            raise ValueError(f"line {number}: no principal in {line!r}")
    return acls


async def apply(action: str, acls: list[Acl], bootstrap: str) -> list[str]:
    """Give (`add`) or take away (`remove`) every ACL; the errors the cluster answered."""
    admin = AIOKafkaAdminClient(**client_options(bootstrap), request_timeout_ms=60_000)
    await admin.start()
    try:
        requests = [
            (CreateAclsRequest if action == "add" else DeleteAclsRequest)(*acl.fields())
            for acl in acls
        ]
        answers = await asyncio.gather(*(admin._send_request(r) for r in requests))
    finally:
        await admin.close()
    errors = []
    for acl, answer in zip(acls, answers, strict=True):
        results = answer.creation_responses if action == "add" else answer.filter_responses
        errors += [f"{acl}: {result[1] or result[0]}" for result in results if result[0]]
    return errors


def main(argv: list[str]) -> int:
    action, file, bootstrap = argv
    if action not in ("add", "remove"):
        raise SystemExit("usage: python -m tools.support.kafka_acls add|remove FILE BOOTSTRAP")
    acls = read_acls(Path(file).read_text(encoding="utf-8"))
    errors = asyncio.run(apply(action, acls, bootstrap))
    for error in errors:
        print(f"kafka_acls: {action} {error}", file=sys.stderr)
    print(f"kafka_acls: {action}: {len(acls) - len(errors)} of {len(acls)} ACLs of {file}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
