"""Kafka topics, one per aggregate family, keyed by aggregate id: one aggregate stays in order."""

ACCOUNTS = "rma.accounts.v1"
SALES = "rma.sales.v1"
CLAIMS = "rma.claims.v1"
WARRANTY = "rma.warranty.v1"
DEAD_LETTER = "rma.deadletter.v1"

ALL = (ACCOUNTS, SALES, CLAIMS, WARRANTY, DEAD_LETTER)
