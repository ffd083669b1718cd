"""Text PostgreSQL cannot store, against the real PostgreSQL and the real claims service: a 422
naming what is wrong, never a 500, whatever the letter case of the body's media type."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import httpx
import pytest
from fastapi import FastAPI

from shared.errors import install_error_handlers

pytestmark = pytest.mark.integration


@pytest.fixture
async def pool(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=2)
    yield pool
    await pool.close()


async def test_text_the_database_refuses_is_a_422_not_a_500(pool: asyncpg.Pool) -> None:
    """Behind every guard: PostgreSQL's own refusal (CharacterNotInRepertoireError) of a
    text that reached it is the client's mistake."""
    app = FastAPI()

    @app.get("/echo")
    async def echo(text: str) -> dict[str, str]:
        async with pool.acquire() as conn:
            return {"text": await conn.fetchval("SELECT $1::text", text)}

    install_error_handlers(app)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        assert (await client.get("/echo", params={"text": "żółć"})).json() == {"text": "żółć"}
        refused = await client.get("/echo", params={"text": "Dron\x00"})
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["code"] == "unstorable_character"
    assert "nie można zapisać" in refused.json()["detail"]
