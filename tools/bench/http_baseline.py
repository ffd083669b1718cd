"""The floor of `POST /api/claims`: a bare Starlette endpoint doing only what filing must do.

Run as its own process (`python -m tools.bench.http_baseline`) under the services' uvicorn
settings (`shared.runtime.uvicorn_options`), it parses the same multipart form with the same
PDF, verifies the same EdDSA token with the same function (`shared.auth.verify_token`), and
inserts the claim row, the attachment row and the outbox row in one transaction, into a
database migrated as the claims service's. No framework layers, no rules, no relay: what
`POST /api/claims` costs beyond this is what the platform adds.

Environment: RMA_BENCH_BASELINE_DATABASE_URL, RMA_BENCH_BASELINE_PORT,
RMA_TOKEN_PUBLIC_KEY_FILE.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from shared.auth import InvalidToken, Principal, verify_token
from shared.db import close_pool, create_pool, ensure_database, migrate

CLAIM_FIELDS = (
    "document_type",
    "document_number",
    "line_no",
    "claim_type",
    "serial_number",
    "problem_description",
    "package_contents",
)


@dataclass(frozen=True)
class ClaimRows:
    """The three rows one filed claim writes: the claim, its receipt, the outbox's event."""

    claim: tuple[Any, ...]
    attachment: tuple[Any, ...]
    outbox: tuple[Any, ...]


def claim_rows(
    principal: Principal, fields: dict[str, str], filename: str, pdf: bytes
) -> ClaimRows:
    claim_id = uuid.uuid4()
    rma_number = f"RMA-BASE-{claim_id.hex[:12].upper()}"
    data = {name: fields.get(name) for name in CLAIM_FIELDS}
    data |= {"claim_id": str(claim_id), "rma_number": rma_number}
    event_id = uuid.uuid4()
    payload = {"event_id": str(event_id), "type": "ClaimCreated", "data": data}
    return ClaimRows(
        claim=(
            claim_id,
            rma_number,
            principal.subject,
            principal.email or "",
            fields.get("claim_type", ""),
            fields.get("document_type", ""),
            fields.get("document_number", ""),
            int(fields.get("line_no") or 1),
            fields.get("serial_number"),
            fields.get("problem_description", ""),
            fields.get("package_contents", ""),
        ),
        attachment=(
            uuid.uuid4(),
            claim_id,
            filename,
            "application/pdf",
            len(pdf),
            hashlib.sha256(pdf).hexdigest(),
            pdf,
        ),
        outbox=(event_id, str(claim_id), payload, uuid.uuid4()),
    )


INSERT_CLAIM = """INSERT INTO claims (claim_id, rma_number, account_id, email, language, buyer_type,
        claim_type, status, document_type, document_number, line_no, product, serial_number,
        problem_description, package_contents)
    VALUES ($1, $2, $3, $4, 'pl', 'consumer', $5, 'submitted', $6, $7, $8, '{}', $9, $10, $11)"""
INSERT_ATTACHMENT = """INSERT INTO claim_attachments (attachment_id, claim_id, filename,
        content_type, size_bytes, sha256, content)
    VALUES ($1, $2, $3, $4, $5, $6, $7)"""
INSERT_OUTBOX = """INSERT INTO outbox (event_id, event_type, topic, message_key, payload,
        correlation_id)
    VALUES ($1, 'ClaimCreated', 'bench.none', $2, $3, $4)"""


def _refused(status: int, detail: str) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status)


def build_app(database_url: str, public_key: bytes) -> Starlette:
    state: dict[str, Any] = {}

    async def file_claim(request: Request) -> JSONResponse:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            return _refused(401, "no token")
        try:
            principal = verify_token(public_key, token)
        except InvalidToken:
            return _refused(401, "invalid token")
        if principal.role != "customer":
            return _refused(403, "not a customer")
        form = await request.form()
        upload = form.get("attachment")
        if not isinstance(upload, UploadFile):
            return _refused(422, "no attachment")
        pdf = await upload.read()
        fields = {name: value for name, value in form.items() if isinstance(value, str)}
        rows = claim_rows(principal, fields, upload.filename or "plik", pdf)
        async with state["pool"].acquire() as conn, conn.transaction():
            await conn.execute(INSERT_CLAIM, *rows.claim)
            await conn.execute(INSERT_ATTACHMENT, *rows.attachment)
            await conn.execute(INSERT_OUTBOX, *rows.outbox)
        claim_id, rma_number = rows.claim[0], rows.claim[1]
        body = {"claim_id": str(claim_id), "rma_number": rma_number, "status": "submitted"}
        return JSONResponse(body, status_code=201)

    async def health(_request: Request) -> JSONResponse:
        return JSONResponse({"status": "alive"})

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        # The claims service's pool size (RMA_DATABASE_POOL_SIZE's default).
        state["pool"] = await create_pool(database_url, max_size=20)
        try:
            yield
        finally:
            await close_pool(state["pool"])

    routes = [Route("/api/claims", file_claim, methods=["POST"]), Route("/health", health)]
    return Starlette(routes=routes, lifespan=lifespan)


async def prepare_database(database_url: str) -> None:
    """A new database with the claims service's tables (its migrations, shared ones first)."""
    await ensure_database(database_url)
    pool = await create_pool(database_url, max_size=1)
    try:
        await migrate(pool, "services.claims.migrations")
    finally:
        await close_pool(pool)


class BaselineServer:
    """The baseline as a child process on 127.0.0.1:`port`, stopped by `stop`."""

    def __init__(self, database_url: str, port: int, public_key_file: Path, log: Path) -> None:
        self.url = f"http://127.0.0.1:{port}"
        self.database_url = database_url
        self._environment = {
            **os.environ,
            "RMA_BENCH_BASELINE_DATABASE_URL": database_url,
            "RMA_BENCH_BASELINE_PORT": str(port),
            "RMA_TOKEN_PUBLIC_KEY_FILE": str(public_key_file),
        }
        self._log = log
        self.process: subprocess.Popen[bytes] | None = None

    def launch(self) -> None:
        """Start the process; `wait_ready` waits until it answers."""
        self._log.parent.mkdir(parents=True, exist_ok=True)
        with self._log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "tools.bench.http_baseline"],
                env=self._environment,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def wait_ready(self, timeout: float = 60.0) -> int:
        """Its pid, once it answers."""
        assert self.process is not None, "not launched"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the HTTP baseline exited; see {self._log}")
            try:
                if httpx.get(f"{self.url}/health", timeout=2).status_code == 200:
                    return self.process.pid
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"the HTTP baseline did not answer in {timeout:.0f} s; see {self._log}")

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None


def main() -> None:
    import uvicorn

    from shared.runtime import uvicorn_options

    app = build_app(
        os.environ["RMA_BENCH_BASELINE_DATABASE_URL"],
        Path(os.environ["RMA_TOKEN_PUBLIC_KEY_FILE"]).read_bytes(),
    )
    uvicorn.run(app, **uvicorn_options("127.0.0.1", int(os.environ["RMA_BENCH_BASELINE_PORT"])))


if __name__ == "__main__":
    main()
