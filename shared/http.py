"""What every service's HTTP layer shares beyond errors and tokens."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID, uuid4

from fastapi import Depends, Header


async def correlation_id(x_correlation_id: Annotated[UUID | None, Header()] = None) -> UUID:
    """The caller's correlation id (a web page's, say), or a new one: it follows every event.

    async: FastAPI would run a plain `def` in its thread pool, a thread hop per request."""
    return x_correlation_id or uuid4()


CorrelationId = Annotated[UUID, Depends(correlation_id)]
