"""The ACL files read as kafka-acls read their lines: every operation for every principal."""

from __future__ import annotations

import pytest

from tools.support.kafka_acls import ALLOW, ANY_HOST, OPERATIONS, PATTERNS, RESOURCES, read_acls
from tools.support.stack import REPO


def test_a_line_is_each_operation_for_each_principal_on_its_pattern() -> None:
    acls = read_acls(
        "# a comment\n\nCreate,Write  topic  literal  rma.deadletter.claims.v1  claims web\n"
        "Read group prefixed claims claims\n"
    )
    assert [(a.operation, a.principal) for a in acls[:4]] == [
        (OPERATIONS["Create"], "User:claims"),
        (OPERATIONS["Create"], "User:web"),
        (OPERATIONS["Write"], "User:claims"),
        (OPERATIONS["Write"], "User:web"),
    ]
    assert acls[0].fields() == (
        RESOURCES["topic"],
        "rma.deadletter.claims.v1",
        PATTERNS["literal"],
        "User:claims",
        ANY_HOST,
        OPERATIONS["Create"],
        ALLOW,
    )
    assert (acls[4].resource, acls[4].pattern) == (RESOURCES["group"], PATTERNS["prefixed"])


def test_the_projects_files_read_whole() -> None:
    given = read_acls((REPO / "deploy" / "kafka" / "acls.txt").read_text(encoding="utf-8"))
    revoked = read_acls((REPO / "deploy" / "kafka" / "acls-revoked.txt").read_text("utf-8"))
    assert (len(given), len(revoked)) == (61, 20)  # as kafka-acls --list showed them
    assert not set(given) & set(revoked)


@pytest.mark.parametrize(
    "line", ["Wrte topic literal rma.claims.v1 claims", "Write topic literal rma.claims.v1"]
)
def test_a_line_it_cannot_read_is_an_error_naming_it(line: str) -> None:
    with pytest.raises(ValueError, match="line 1: "):
        read_acls(line)
