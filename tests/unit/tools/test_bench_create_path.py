"""The create path against its floor: the bare HTTP baseline's rows and checks, and the ratios."""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from shared.auth import Principal, issue_token
from shared.keys import ensure_dev_keys
from tools.bench.create_path import Filing, figures, rounds
from tools.bench.http_baseline import build_app, claim_rows
from tools.bench.load import FiledClaim

CUSTOMER = Principal(uuid.uuid4(), "customer", email="klient@example.com")


def _filing(created: int, seconds: float, cpu: float, failed: int = 0) -> Filing:
    filed = [FiledClaim("p", 0.0, 0.1, 201, str(n)) for n in range(created)]
    filed += [FiledClaim("p", 0.0, 0.1, 0, None) for _ in range(failed)]
    return Filing(filed, seconds, cpu)


def test_the_ratios_set_the_claims_service_against_the_baseline_of_the_same_run() -> None:
    claims = _filing(created=60, seconds=10.0, cpu=1.2, failed=2)
    baseline = _filing(created=200, seconds=10.0, cpu=1.0)

    found = figures(claims, baseline, in_flight=16)

    assert found["claims"]["per_second"] == 6.0
    assert found["claims"]["refused_or_failed"] == 2
    assert found["baseline"]["per_second"] == 20.0
    assert found["rate_ratio"] == 0.3
    # 1.2 s / 60 claims = 20 ms against 1.0 s / 200 = 5 ms.
    assert found["claims"]["cpu_seconds_per_claim"] == 0.02
    assert found["cpu_ratio"] == 4.0
    assert found["in_flight"] == 16


def test_alternating_windows_of_a_side_count_as_one() -> None:
    joined = Filing.joined([_filing(10, 2.0, 0.2), _filing(30, 3.0, 0.4, failed=1)])

    assert (joined.created, joined.seconds) == (40, 5.0)
    assert joined.cpu_seconds == pytest.approx(0.6)
    assert joined.per_second == 8.0
    assert len(joined.filed) == 41
    # Windows of 2 s at least, 4 at most: the smoke run's 1 s stays one window.
    assert [rounds(s) for s in (1.0, 3.0, 5.0, 20.0)] == [1, 1, 2, 4]


def test_no_ratio_without_a_baseline_that_created_anything() -> None:
    found = figures(_filing(10, 1.0, 0.1), _filing(0, 1.0, 0.1), in_flight=4)

    assert found["rate_ratio"] is None and found["cpu_ratio"] is None
    assert found["baseline"]["cpu_seconds_per_claim"] is None


def test_the_baseline_writes_the_claim_its_receipt_and_its_outbox_event_of_one_claim() -> None:
    pdf = b"%PDF-1.4 receipt"
    fields = {"document_number": "PA/1/2026", "line_no": "2", "claim_type": "dji"}

    rows = claim_rows(CUSTOMER, fields, "paragon.pdf", pdf)

    claim_id = rows.claim[0]
    assert rows.claim[2] == CUSTOMER.subject and rows.claim[7] == 2
    assert rows.attachment[1] == claim_id
    assert rows.attachment[5] == hashlib.sha256(pdf).hexdigest() and rows.attachment[6] == pdf
    event_id, key, payload, _ = rows.outbox
    assert key == str(claim_id)
    assert payload["event_id"] == str(event_id)
    assert payload["data"]["claim_id"] == str(claim_id)
    assert payload["data"]["document_number"] == "PA/1/2026"


@pytest.fixture
def keys(tmp_path: Path) -> Path:
    ensure_dev_keys(tmp_path)
    return tmp_path


def test_the_baseline_verifies_the_token_as_the_services_do(keys: Path) -> None:
    # Without its lifespan (no database): every refusal comes before the transaction.
    app = build_app("postgresql://unused/none", (keys / "token_public.pem").read_bytes())
    client = TestClient(app)
    private = (keys / "token_private.pem").read_bytes()
    operator = issue_token(private, Principal(uuid.uuid4(), "operator"))
    customer = issue_token(private, CUSTOMER)

    assert client.post("/api/claims").status_code == 401
    forged = customer[:-4] + ("AAAA" if not customer.endswith("AAAA") else "BBBB")
    assert (
        client.post("/api/claims", headers={"Authorization": f"Bearer {forged}"}).status_code == 401
    )
    headers = {"Authorization": f"Bearer {operator}"}
    assert client.post("/api/claims", headers=headers).status_code == 403
    no_file = client.post(
        "/api/claims", headers={"Authorization": f"Bearer {customer}"}, data={"line_no": "1"}
    )
    assert no_file.status_code == 422
