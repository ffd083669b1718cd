"""Evidence at intake against the real Kafka and PostgreSQL (issue 25 §2): the scanner records
what arrived with photos and the courier's damage report; PostgreSQL keeps the facts and the
files; IntakeEvidenceRecorded goes out on Kafka; operators and the claim's own customer download
the photos, nobody else does; a bad file or fact is refused in Polish and changes nothing."""

# The claims fixture is test_claims' own, imported: its parameters name it again (F811).
# ruff: noqa: F811
from __future__ import annotations

import uuid
from typing import Any

import asyncpg
import httpx
import pytest

from shared import topics
from tests.integration.test_claims import Claims, Customer, claims, error_code  # noqa: F401
from tools.support.kafka import TopicProbe
from tools.support.stack import Stack

pytestmark = pytest.mark.integration

JPEG = ("IMG_0001.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF the parcel", "image/jpeg")
PNG = ("IMG_0002.png", b"\x89PNG\r\n\x1a\n the dent", "image/png")
REPORT = ("protokol.pdf", b"%PDF-1.7\n% the courier's damage report\n", "application/pdf")


async def received(claims: Claims) -> tuple[Customer, dict[str, Any]]:
    customer = await claims.customer_with_document(sold_days_ago=10)
    filed = await customer.file()
    assert filed.status_code == 201, filed.text
    claim: dict[str, Any] = filed.json()
    scanned = await claims.client.post(
        "/api/parcels", json={"code": claim["rma_number"]}, headers=claims.bearer("scanner")
    )
    assert scanned.status_code == 200, scanned.text
    return customer, claim


async def post_evidence(
    claims: Claims, claim: dict[str, Any], role: str, data: dict[str, str], files: Any = None
) -> httpx.Response:
    where = "scanner" if role == "scanner" else "operator"
    return await claims.client.post(
        f"/api/{where}/claims/{claim['claim_id']}/intake-evidence",
        data=data,
        files=files or [],
        headers=claims.bearer(role),
    )


async def test_the_scanners_photos_are_stored_and_shown_to_operators_and_the_owner_only(
    claims: Claims, stack: Stack
) -> None:
    customer, claim = await received(claims)
    facts = {"packaging": "other", "visible_damage": "true", "transport_damage": "true"}
    files = [("photos", JPEG), ("photos", PNG), ("damage_report", REPORT)]
    async with TopicProbe(stack.kafka_bootstrap, topics.CLAIMS) as probe:
        recorded = await post_evidence(claims, claim, "scanner", facts, files)
        assert recorded.status_code == 200, recorded.text
        [event] = await probe.wait_for(
            lambda body, _: (
                body["type"] == "IntakeEvidenceRecorded"
                and body["data"]["claim_id"] == claim["claim_id"]
            )
        )
    answer = recorded.json()
    assert (answer["packaging"], answer["visible_damage"], answer["dirty"]) == (
        "other",
        True,
        False,
    )
    assert answer["transport_damage_reported"] and answer["serial_legible"]
    photo_ids = [p["attachment_id"] for p in answer["photos"]]
    assert event["data"]["photos"] == photo_ids and len(photo_ids) == 2
    assert event["data"]["damage_report"] == answer["damage_report"]["attachment_id"]

    conn = await asyncpg.connect(claims.database_url)
    try:
        row = await conn.fetchrow(
            "SELECT * FROM claim_intake_evidence WHERE claim_id = $1::uuid", claim["claim_id"]
        )
        kept = await conn.fetch(
            """SELECT purpose, content_type, coalesce(a.content, c.content) AS content
               FROM claim_attachments a LEFT JOIN attachment_contents c USING (sha256)
               WHERE claim_id = $1::uuid AND purpose <> 'sales_document' ORDER BY filename""",
            claim["claim_id"],
        )
    finally:
        await conn.close()
    assert row is not None and [str(p) for p in row["photos"]] == photo_ids
    assert (row["packaging"], row["transport_damage"], row["dirty"]) == ("other", True, False)
    assert [(k["purpose"], k["content_type"], bytes(k["content"])) for k in kept] == [
        ("intake_photo", "image/jpeg", JPEG[1]),
        ("intake_photo", "image/png", PNG[1]),
        ("damage_report", "application/pdf", REPORT[1]),
    ]

    own = await claims.client.get(f"/api/claims/{claim['claim_id']}", headers=customer.headers)
    operator = claims.bearer("operator")
    shown = await claims.client.get(f"/api/operator/claims/{claim['claim_id']}", headers=operator)
    for viewer, headers in ((own.json(), customer.headers), (shown.json(), operator)):
        [first, second] = viewer["intake_evidence"]["photos"]
        for photo, (_, content, media_type) in ((first, JPEG), (second, PNG)):
            downloaded = await claims.client.get(photo["download_path"], headers=headers)
            assert downloaded.status_code == 200, downloaded.text
            assert (downloaded.content, downloaded.headers["content-type"]) == (content, media_type)
    photo_path = own.json()["intake_evidence"]["photos"][0]["download_path"]
    assert photo_path.startswith("/api/claims/")
    stranger = await claims.customer_with_document()
    assert (await claims.client.get(photo_path, headers=stranger.headers)).status_code == 404
    assert (
        await claims.client.get(photo_path, headers=claims.bearer("scanner"))
    ).status_code == 403
    assert (await claims.client.get(photo_path)).status_code == 401
    operator_path = shown.json()["intake_evidence"]["photos"][0]["download_path"]
    assert (await claims.client.get(operator_path, headers=customer.headers)).status_code == 403


async def test_a_bad_photo_or_fact_is_refused_in_polish_and_changes_nothing(claims: Claims) -> None:
    customer, claim = await received(claims)
    pdf_as_photo = await post_evidence(
        claims, claim, "scanner", {"packaging": "original"}, [("photos", REPORT)]
    )
    assert (pdf_as_photo.status_code, error_code(pdf_as_photo)) == (415, "intake_photo_not_image")
    assert "JPEG lub PNG" in pdf_as_photo.json()["detail"]
    renamed = ("zdjecie.jpg", b"MZ\x90\x00 not a photo", "image/jpeg")
    not_a_photo = await post_evidence(
        claims, claim, "scanner", {"packaging": "original"}, [("photos", renamed)]
    )
    assert (not_a_photo.status_code, error_code(not_a_photo)) == (415, "attachment_type_invalid")
    box = await post_evidence(claims, claim, "scanner", {"packaging": "karton"})
    assert (box.status_code, error_code(box)) == (422, "packaging_unknown")
    report_alone = await post_evidence(
        claims, claim, "operator", {"packaging": "original"}, [("damage_report", REPORT)]
    )
    assert error_code(report_alone) == "damage_report_without_transport_damage"
    by_customer = await claims.client.post(
        f"/api/scanner/claims/{claim['claim_id']}/intake-evidence",
        data={"packaging": "original"},
        headers=customer.headers,
    )
    assert by_customer.status_code == 403
    own = await claims.client.get(f"/api/claims/{claim['claim_id']}", headers=customer.headers)
    assert own.json()["intake_evidence"] is None
    conn = await asyncpg.connect(claims.database_url)
    try:
        files = await conn.fetchval(
            "SELECT count(*) FROM claim_attachments WHERE claim_id = $1::uuid", claim["claim_id"]
        )
    finally:
        await conn.close()
    assert files == 1  # the sales document only


async def test_recorded_damage_allows_the_damage_rejection(claims: Claims) -> None:
    _, claim = await received(claims)
    operator = claims.bearer("operator")
    path = f"/api/operator/claims/{claim['claim_id']}"
    moved = await claims.client.post(
        f"{path}/status", json={"status": "in_inspection"}, headers=operator
    )
    assert moved.status_code == 200, moved.text
    rejection = {
        "decision": "rejection",
        "rejection_reason": "mechanical_damage",
        "justification": "Pęknięta obudowa i ślady uderzenia po upadku drona.",
    }
    refused = await claims.client.post(f"{path}/decision", json=rejection, headers=operator)
    assert (refused.status_code, error_code(refused)) == (409, "rejection_needs_recorded_damage")
    damaged = await post_evidence(
        claims, claim, "operator", {"packaging": "original", "visible_damage": "true"},
        [("photos", JPEG)],
    )  # fmt: skip
    assert damaged.status_code == 200, damaged.text
    decided = await claims.client.post(f"{path}/decision", json=rejection, headers=operator)
    assert decided.status_code == 200, decided.text
    assert decided.json()["rejection_reason"] == "mechanical_damage"


async def test_the_same_idempotency_key_records_the_photos_once(claims: Claims) -> None:
    customer, claim = await received(claims)
    path = f"/api/scanner/claims/{claim['claim_id']}/intake-evidence"
    keyed = {**claims.bearer("scanner"), "Idempotency-Key": str(uuid.uuid4())}
    sent = [
        await claims.client.post(
            path, data={"packaging": "none"}, files=[("photos", JPEG)], headers=keyed
        )
        for _ in range(2)
    ]
    assert [r.status_code for r in sent] == [200, 200], sent[0].text
    assert sent[0].json() == sent[1].json()
    own = await claims.client.get(f"/api/claims/{claim['claim_id']}", headers=customer.headers)
    assert len(own.json()["intake_evidence"]["photos"]) == 1
