"""Kafka topics, one per aggregate family, keyed by aggregate id: one aggregate stays in order.

Each service that consumes has a dead-letter topic of its own, which only its own Kafka user
writes (deploy/kafka/acls.txt): what lies there came from that service's consumers, and its
"replayed" markers from that service's replays.
"""

ACCOUNTS = "rma.accounts.v1"
SALES = "rma.sales.v1"
CLAIMS = "rma.claims.v1"
WARRANTY = "rma.warranty.v1"

ALL = (ACCOUNTS, SALES, CLAIMS, WARRANTY)

# The one dead-letter topic of old, which every service wrote: nothing on it proves who wrote
# it, so it is only listed (python -m tools.deadletters --shared list), never replayed from.
SHARED_DEAD_LETTER = "rma.deadletter.v1"
_DEAD_LETTER_PREFIX = "rma.deadletter."

# What each service consumes: its subscribers, and the Read lines of deploy/kafka/acls.txt
# (tests/unit/shared/test_topics.py keeps the three in step). A dead letter of a service goes
# back only onto one of its own topics here, whatever the letter's headers say.
CONSUMED_BY: dict[str, tuple[str, ...]] = {
    "accounts": (SALES,),
    "claims": (SALES, ACCOUNTS, WARRANTY),
    "warranty": (SALES, ACCOUNTS, CLAIMS),
    "notifications": (ACCOUNTS, CLAIMS, WARRANTY),
}


def dead_letters(service: str) -> str:
    """The dead-letter topic of `service` (its Kafka user's name)."""
    return f"{_DEAD_LETTER_PREFIX}{service}.v1"


def is_dead_letter_topic(name: str) -> bool:
    return name.startswith(_DEAD_LETTER_PREFIX)
