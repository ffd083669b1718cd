"""The dead-letter topic read back: list, show and replay what consumers could not handle.

A dead letter is the original message (key, headers, body) plus `dead_letter_*` headers that
say who gave up on it, why, and where it came from (shared/consumer.py). A replay puts the
original back on its topic with its own key and headers, then writes a marker record on the
dead-letter topic naming the letter, so the letter counts as replayed and is not replayed by
`--all` again. A replay interrupted between the two is replayed again later: the consumers'
inbox makes a second delivery of an event already handled a no-op.

Used by `python -m tools.deadletters`, by every service's operator endpoints and, for the
metrics, through `count_dead_letters`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

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
    bootstrap: str, connection: KafkaConnectionSettings | None = None
) -> list[ConsumerRecord[bytes, bytes]]:
    """Every record on the dead-letter topic up to its end now."""
    consumer = AIOKafkaConsumer(
        **client_options(bootstrap, connection),
        enable_auto_commit=False,
        max_partition_fetch_bytes=DEAD_LETTER_MAX_BYTES + 64 * 1024,
    )
    await consumer.start()
    try:
        partitions = consumer.partitions_for_topic(topics.DEAD_LETTER)
        if not partitions:
            await consumer._client.force_metadata_update()
            partitions = consumer.partitions_for_topic(topics.DEAD_LETTER) or set()
        assigned = [TopicPartition(topics.DEAD_LETTER, p) for p in sorted(partitions)]
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


def _group(records: Iterable[ConsumerRecord[bytes, bytes]]) -> list[DeadLetterGroup]:
    replayed: set[str] = set()
    groups: dict[tuple[str, str, str], DeadLetterGroup] = {}
    for record in records:
        headers = tuple((k, bytes(v)) for k, v in record.headers)
        marker = next((v.decode() for k, v in headers if k == REPLAYED_HEADER), None)
        if marker is not None:
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
    consumer: str | None = None,
    connection: KafkaConnectionSettings | None = None,
) -> list[DeadLetterGroup]:
    """The dead letters, one group per original message and consumer, oldest first."""
    groups = _group(await _read_all(bootstrap, connection))
    return [g for g in groups if consumer is None or g.latest.consumer == consumer]


async def count_dead_letters(
    bootstrap: str,
    consumer: str | None = None,
    connection: KafkaConnectionSettings | None = None,
) -> int:
    """Messages dead-lettered and not replayed since (for the metrics)."""
    letters = await dead_letters(bootstrap, consumer, connection)
    return sum(1 for group in letters if not group.replayed)


def find(groups: list[DeadLetterGroup], letter_id: str) -> DeadLetterGroup | None:
    return next((g for g in groups if any(lt.id == letter_id for lt in g.letters)), None)


class ReplayError(Exception):
    pass


async def replay(
    bootstrap: str,
    groups: list[DeadLetterGroup],
    connection: KafkaConnectionSettings | None = None,
) -> list[DeadLetter]:
    """Put each group's latest letter back on its original topic (key, headers, body), then
    mark it replayed; returns the letters replayed."""
    producer = AIOKafkaProducer(
        **client_options(bootstrap, connection),
        enable_idempotence=True,
        acks="all",
        max_request_size=DEAD_LETTER_MAX_BYTES,
    )
    await producer.start()
    replayed = []
    try:
        for group in groups:
            letter = group.latest
            if not letter.source_topic or letter.header("dead_letter_body_omitted"):
                partition = letter.header("dead_letter_source_partition")
                offset = letter.header("dead_letter_source_offset")
                raise ReplayError(
                    f"dead letter {letter.id} has no body to replay; the original lies at "
                    f"{letter.source_topic} partition {partition} offset {offset}"
                )
            await producer.send_and_wait(
                letter.source_topic,
                value=letter.value,
                key=letter.key,
                headers=letter.original_headers,
            )
            await producer.send_and_wait(
                topics.DEAD_LETTER,
                value=b"",
                key=letter.key,
                headers=[
                    (REPLAYED_HEADER, letter.id.encode()),
                    ("dead_letter_replayed_at", datetime.now().astimezone().isoformat().encode()),
                ],
            )
            replayed.append(letter)
    finally:
        await producer.stop()
    return replayed
