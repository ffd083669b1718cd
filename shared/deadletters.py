"""A service's dead-letter topic read back: list, show and replay what its consumers could
not handle.

A dead letter is the original message (key, headers, body) plus `dead_letter_*` headers that
say who gave up on it, why, and where it came from (shared/consumer.py). Each service writes
its own topic, `rma.deadletter.<service>.v1`, which only its Kafka user writes (ACLs): so a
letter there came from that service's consumers, and a "replayed" marker there from its own
replays. Nothing else in a letter is trusted for rights: a replay puts a letter back only onto a
topic the service consumes by its own configuration (its subscribers, or topics.CONSUMED_BY for
the operators' tool), as the Kafka user replaying, whom Kafka lets write only the topics it owns.

A replay puts the original back on its topic with its own key and headers, then writes a marker
record on the same dead-letter topic naming the letter, so the letter counts as replayed and is
not replayed by `--all` again. A replay interrupted between the two is replayed again later: the
consumers' inbox makes a second delivery of an event already handled a no-op.

The shared topic of old, `rma.deadletter.v1`, which every service wrote, is read as any other
but its markers count for nothing (anyone could have written them), and nothing is replayed
from it (docs/reliability.md says what an operator does with its letters).

Used by `python -m tools.deadletters`, by every service's operator endpoints and, for the
metrics, through `count_dead_letters`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition

from shared import topics
from shared.consumer import DEAD_LETTER_MAX_BYTES
from shared.kafka import KafkaConnectionSettings, client_options

_PREFIX = "dead_letter_"
REPLAYED_HEADER = "dead_letter_replayed"


@dataclass(frozen=True)
class DeadLetter:
    partition: int
    offset: int
    key: bytes | None
    value: bytes
    headers: tuple[tuple[str, bytes], ...]

    @property
    def id(self) -> str:
        """Where the letter lies in the dead-letter topic: `partition:offset`."""
        return f"{self.partition}:{self.offset}"

    def header(self, name: str) -> str:
        return next((v.decode(errors="replace") for k, v in self.headers if k == name), "")

    @property
    def source_topic(self) -> str:
        return self.header("dead_letter_source_topic")

    @property
    def consumer(self) -> str:
        return self.header("dead_letter_consumer")

    @property
    def error(self) -> str:
        return self.header("dead_letter_error")

    @property
    def dead_lettered_at(self) -> str:
        return self.header("dead_letter_at")

    @property
    def original_headers(self) -> list[tuple[str, bytes]]:
        return [(k, v) for k, v in self.headers if not k.startswith(_PREFIX)]

    @property
    def message(self) -> str:
        """What identifies the original message: its event id, or a digest of its body."""
        event_id = self.header("event_id")
        return event_id or hashlib.sha256(self.value).hexdigest()[:16]


@dataclass
class DeadLetterGroup:
    """Every dead letter of one original message for one consumer, oldest first."""

    letters: list[DeadLetter] = field(default_factory=list)
    replayed: bool = False

    @property
    def latest(self) -> DeadLetter:
        return self.letters[-1]

    def summary(self) -> dict[str, object]:
        latest = self.latest
        return {
            "id": latest.id,
            "topic": latest.source_topic,
            "key": latest.key.decode(errors="replace") if latest.key is not None else None,
            "consumer": latest.consumer,
            "event_type": latest.header("event_type") or None,
            "event_id": latest.header("event_id") or None,
            "error": latest.error,
            "first_seen": self.letters[0].dead_lettered_at,
            "last_seen": latest.dead_lettered_at,
            "count": len(self.letters),
            "replayed": self.replayed,
        }


async def _read_all(
    bootstrap: str, topic: str, connection: KafkaConnectionSettings | None = None
) -> list[ConsumerRecord[bytes, bytes]]:
    """Every record on the dead-letter topic up to its end now."""
    consumer = AIOKafkaConsumer(
        **client_options(bootstrap, connection),
        enable_auto_commit=False,
        max_partition_fetch_bytes=DEAD_LETTER_MAX_BYTES + 64 * 1024,
    )
    await consumer.start()
    try:
        partitions = consumer.partitions_for_topic(topic)
        if not partitions:
            await consumer._client.force_metadata_update()
            partitions = consumer.partitions_for_topic(topic) or set()
        assigned = [TopicPartition(topic, p) for p in sorted(partitions)]
        if not assigned:
            return []
        consumer.assign(assigned)
        await consumer.seek_to_beginning(*assigned)
        ends = await consumer.end_offsets(assigned)
        records: list[ConsumerRecord[bytes, bytes]] = []
        while [tp for tp in assigned if await consumer.position(tp) < ends[tp]]:
            batch = await consumer.getmany(timeout_ms=1000)
            for tp, fetched in batch.items():
                records.extend(r for r in fetched if r.offset < ends[tp])
        return records
    finally:
        await consumer.stop()


def group_letters(
    records: Iterable[ConsumerRecord[bytes, bytes]], *, markers_count: bool = True
) -> list[DeadLetterGroup]:
    """One group per original message and consumer, oldest first; a group is replayed when a
    marker names its latest letter and `markers_count` (only on a topic its owner alone writes)."""
    replayed: set[str] = set()
    groups: dict[tuple[str, str, str], DeadLetterGroup] = {}
    for record in records:
        headers = tuple((k, bytes(v)) for k, v in record.headers)
        marker = next((v.decode() for k, v in headers if k == REPLAYED_HEADER), None)
        if marker is not None:
            if markers_count:
                replayed.add(marker)
            continue
        letter = DeadLetter(
            record.partition, record.offset, record.key, record.value or b"", headers
        )
        identity = (letter.consumer, letter.source_topic, letter.message)
        groups.setdefault(identity, DeadLetterGroup()).letters.append(letter)
    found = list(groups.values())
    for group in found:
        group.letters.sort(key=lambda letter: letter.dead_lettered_at)
        # A new letter after a replay (it failed again) makes the group unreplayed again.
        group.replayed = group.latest.id in replayed
    return sorted(found, key=lambda group: group.letters[0].dead_lettered_at)


async def dead_letters(
    bootstrap: str,
    topic: str,
    consumer: str | None = None,
    connection: KafkaConnectionSettings | None = None,
) -> list[DeadLetterGroup]:
    """The dead letters on `topic` (of `consumer` only, when given), one group per original
    message and consumer, oldest first."""
    records = await _read_all(bootstrap, topic, connection)
    groups = group_letters(records, markers_count=topic != topics.SHARED_DEAD_LETTER)
    return [g for g in groups if consumer is None or g.latest.consumer == consumer]


async def count_dead_letters(
    bootstrap: str,
    topic: str,
    consumer: str | None = None,
    connection: KafkaConnectionSettings | None = None,
) -> int:
    """Messages dead-lettered and not replayed since (for the metrics)."""
    letters = await dead_letters(bootstrap, topic, consumer, connection)
    return sum(1 for group in letters if not group.replayed)


def find(groups: list[DeadLetterGroup], letter_id: str) -> DeadLetterGroup | None:
    return next((g for g in groups if any(lt.id == letter_id for lt in g.letters)), None)


class ReplayError(Exception):
    """A dead letter that cannot be replayed as it is (its body was left out)."""


class ReplayRefused(ReplayError):
    """A dead letter that is not the replaying service's to put back where it says."""


def replayable(
    topic: str, groups: Iterable[DeadLetterGroup], consumed_topics: Collection[str]
) -> list[DeadLetter]:
    """The latest letter of each group, once every one of them may be replayed: from a service's
    own dead-letter topic, onto a topic that service consumes. Raises before anything is sent."""
    if topic == topics.SHARED_DEAD_LETTER or not topics.is_dead_letter_topic(topic):
        raise ReplayRefused(
            f"{topic} is not a service's own dead-letter topic: anyone could write it, so its "
            "letters are listed and shown, never replayed (see docs/reliability.md)."
        )
    letters = [group.latest for group in groups]
    for letter in letters:
        if letter.source_topic not in consumed_topics:
            raise ReplayRefused(
                f"dead letter {letter.id} names the topic {letter.source_topic!r}, which this "
                f"service does not consume ({', '.join(sorted(consumed_topics)) or 'none'}); "
                "it is not replayed."
            )
        if letter.header("dead_letter_body_omitted"):
            partition = letter.header("dead_letter_source_partition")
            offset = letter.header("dead_letter_source_offset")
            raise ReplayError(
                f"dead letter {letter.id} has no body to replay; the original lies at "
                f"{letter.source_topic} partition {partition} offset {offset}"
            )
    return letters


class Producer(Protocol):
    async def send_and_wait(
        self,
        topic: str,
        value: bytes,
        key: bytes | None = None,
        headers: list[tuple[str, bytes]] | None = None,
    ) -> object: ...


async def send_replays(
    producer: Producer,
    topic: str,
    letters: Iterable[DeadLetter],
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> list[DeadLetter]:
    """Each letter's original back on its topic, then its marker on the dead-letter `topic`."""
    replayed = []
    for letter in letters:
        await producer.send_and_wait(
            letter.source_topic, value=letter.value, key=letter.key, headers=letter.original_headers
        )
        await producer.send_and_wait(
            topic,
            value=b"",
            key=letter.key,
            headers=[
                (REPLAYED_HEADER, letter.id.encode()),
                ("dead_letter_replayed_at", clock().isoformat().encode()),
            ],
        )
        replayed.append(letter)
    return replayed


async def replay(
    bootstrap: str,
    topic: str,
    groups: list[DeadLetterGroup],
    consumed_topics: Collection[str],
    connection: KafkaConnectionSettings | None = None,
) -> list[DeadLetter]:
    """Put each group's latest letter from the service's own dead-letter `topic` back on its
    original topic (key, headers, body), which must be one of `consumed_topics`, then mark it
    replayed; returns the letters replayed. Kafka lets `connection` write only what it owns."""
    letters = replayable(topic, groups, consumed_topics)
    producer = AIOKafkaProducer(
        **client_options(bootstrap, connection),
        enable_idempotence=True,
        acks="all",
        max_request_size=DEAD_LETTER_MAX_BYTES,
    )
    await producer.start()
    try:
        return await send_replays(producer, topic, letters)
    finally:
        await producer.stop()
