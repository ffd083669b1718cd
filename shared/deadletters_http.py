"""Every service's operator endpoints for the dead letters of its own consumer group, read from
its own dead-letter topic as its own Kafka user; a replay goes only onto a topic its
subscribers read, and Kafka lets it write only the topics it owns."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from aiokafka.errors import TopicAuthorizationFailedError
from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel, Field

from shared import deadletters, topics
from shared.auth import Principal, require_role
from shared.kafka import KafkaConnectionSettings

router = APIRouter(prefix="/api/operator/dead-letters", tags=["dead letters"])
Operator = Annotated[Principal, Depends(require_role("operator"))]


class DeadLetterSummary(BaseModel):
    id: str = Field(
        description="partition:offset of its latest copy on the service's own dead-letter "
        "topic, rma.deadletter.<service>.v1"
    )
    topic: str = Field(examples=["rma.claims.v1"])
    key: str | None
    consumer: str
    event_type: str | None
    event_id: str | None
    error: str
    first_seen: str
    last_seen: str
    count: int = Field(description="How many times this message was dead-lettered")
    replayed: bool


class DeadLetterDetail(DeadLetterSummary):
    headers: dict[str, str]
    body: str = Field(description="The original body as text (undecodable bytes replaced)")


class Replayed(BaseModel):
    replayed: list[str] = Field(description="Ids of the dead letters put back on their topics")


@dataclass(frozen=True)
class Scope:
    """The dead letters of this service's consumer group, read as its own Kafka user."""

    bootstrap: str
    service: str
    consumer: str
    consumed_topics: tuple[str, ...]
    connection: KafkaConnectionSettings

    @property
    def topic(self) -> str:
        return topics.dead_letters(self.service)

    async def groups(self) -> list[deadletters.DeadLetterGroup]:
        return await deadletters.dead_letters(
            self.bootstrap, self.topic, self.consumer, self.connection
        )


def _scope(request: Request) -> Scope:
    runtime: Any = request.app.state.runtime
    settings = runtime.settings
    return Scope(
        settings.kafka_bootstrap_servers,
        runtime.name,
        settings.consumer_group or runtime.name,
        tuple(runtime.consumed_topics),
        settings,
    )


@router.get("", summary="This service's dead letters, oldest first (operators)")
async def list_dead_letters(_operator: Operator, request: Request) -> list[DeadLetterSummary]:
    groups = await _scope(request).groups()
    return [DeadLetterSummary.model_validate(group.summary()) for group in groups]


@router.get("/count", summary="Dead letters not replayed (dashboard, metrics)")
async def count_dead_letters(_operator: Operator, request: Request) -> dict[str, int]:
    scope = _scope(request)
    count = await deadletters.count_dead_letters(
        scope.bootstrap, scope.topic, scope.consumer, scope.connection
    )
    return {"dead_letters": count}


@router.get("/{letter_id}", summary="One dead letter with its headers and body (operators)")
async def show_dead_letter(
    letter_id: str, _operator: Operator, request: Request
) -> DeadLetterDetail:
    group = await _one(request, letter_id)
    letter = group.latest
    return DeadLetterDetail.model_validate(
        {
            **group.summary(),
            "headers": {k: v.decode(errors="replace") for k, v in letter.headers},
            "body": letter.value.decode(errors="replace"),
        }
    )


@router.post(
    "/{letter_id}/replay",
    summary="Put a dead letter back on its topic, once (operators)",
    description="With its original key and headers; the consumers' inbox drops it where it "
    "was handled already. 409 when it was replayed before.",
    responses={
        403: {
            "description": "Not an operator, a topic this service does not consume, or one its "
            "Kafka user may not write (only a topic's owner may)"
        },
        409: {"description": "Replayed before, or its body was left out (too large)"},
    },
)
async def replay_one(letter_id: str, _operator: Operator, request: Request) -> Replayed:
    group = await _one(request, letter_id)
    if group.replayed:
        raise HTTPException(409, f"Dead letter {letter_id} was replayed already.")
    return await _replay(request, [group])


@router.post(
    "/replay",
    summary="Replay every dead letter not replayed yet (operators)",
    responses={
        403: {
            "description": "Not an operator, a topic this service does not consume, or one its "
            "Kafka user may not write (only a topic's owner may)"
        },
        409: {"description": "A dead letter's body was left out (too large)"},
    },
)
async def replay_all(_operator: Operator, request: Request) -> Replayed:
    groups = await _scope(request).groups()
    return await _replay(request, [g for g in groups if not g.replayed])


async def _one(request: Request, letter_id: str) -> deadletters.DeadLetterGroup:
    scope = _scope(request)
    group = deadletters.find(await scope.groups(), letter_id)
    if group is None:
        raise HTTPException(404, f"No dead letter {letter_id} of {scope.consumer}.")
    return group


async def _replay(request: Request, groups: list[deadletters.DeadLetterGroup]) -> Replayed:
    scope = _scope(request)
    try:
        letters = await deadletters.replay(
            scope.bootstrap, scope.topic, groups, scope.consumed_topics, scope.connection
        )
    except deadletters.ReplayRefused as error:
        raise HTTPException(403, str(error)) from None
    except deadletters.ReplayError as error:
        raise HTTPException(409, str(error)) from None
    except TopicAuthorizationFailedError:
        # Only a topic's owner may write it (Kafka ACLs): this service's own user may not.
        raise HTTPException(
            403,
            "This service's Kafka user may not write the dead letter's original topic; replay it "
            f"with `python -m tools.deadletters --service {scope.service} replay` "
            "as the Kafka admin.",
        ) from None
    return Replayed(replayed=[letter.id for letter in letters])
