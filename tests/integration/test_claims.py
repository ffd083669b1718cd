"""Claims against the real Kafka and PostgreSQL: the claim form, RMA numbers, parcels from
scanners, the lifecycle and decisions, and the events every change publishes (outbox)."""

from __future__ import annotations

import asyncio
import io
import json
import re
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any, get_args

import asyncpg
import httpx
import pytest
from pypdf import PdfReader

from services.claims.bootstrap import build_app
from services.claims.settings import ClaimsSettings
from shared import topics
from shared.auth import Principal, issue_token
from shared.events import (
    ClaimStatus,
    Deadline,
    Event,
    ProductCatalogued,
    ProductCataloguedData,
    ProductRegistered,
    ProductRegisteredData,
    SaleLine,
    WarrantyAssessed,
    WarrantyAssessedData,
)
from tests.support.claims_service import customer_events
from tests.support.downloads import download_names
from tests.support.inprocess import running_app
from tools.support.days import polish_today
from tools.support.kafka import TopicProbe, publish, start_from_now
from tools.support.stack import Stack

pytestmark = pytest.mark.integration

PDF = ("paragon.pdf", b"%PDF-1.4\n% a receipt\n", "application/pdf")
RETURN_ADDRESS = {
    "return_recipient": "Jan Kowalski",
    "return_street": "ul. Zielona 5",
    "return_postal_code": "44-200",
    "return_city": "Rybnik",
}


@dataclass
class Claims:
    stack: Stack
    client: httpx.AsyncClient
    database_url: str
    app: Any = None  # the service's FastAPI app, when it runs in this process

    def bearer(self, role: str, subject: uuid.UUID | None = None) -> dict[str, str]:
        token = issue_token(
            (self.stack.keys_dir / "token_private.pem").read_bytes(),
            Principal(subject=subject or uuid.uuid4(), role=role),  # type: ignore[arg-type]
        )
        return {"Authorization": f"Bearer {token}"}

    async def send(self, event: Event) -> None:
        await publish(self.stack.kafka_bootstrap, event)

    async def customer_with_document(
        self, *, account_type: str = "private", sold_days_ago: int = 60, ean: str = "5901234123457"
    ) -> Customer:
        account_id, number = uuid.uuid4(), f"2026/{uuid.uuid4().hex[:8].upper()}"
        lines = (
            SaleLine(
                line_no=1,
                ean=ean,
                sku="DJI-MINI4PRO",
                name="DJI Mini 4 Pro",
                brand="DJI",
                category="drone",
                quantity=1,
                unit_price=Decimal("4299.00"),
                serial_numbers=(f"1581F{number[-8:]}",),
            ),
            SaleLine(
                line_no=2,
                ean="5901234123464",
                sku="XIAOMI-BAND9",
                name="Xiaomi Smart Band 9",
                brand="Xiaomi",
                category="other",
                quantity=1,
                unit_price=Decimal("200.00"),
            ),
        )
        sold_on = polish_today() - timedelta(days=sold_days_ago)
        for event in customer_events(account_id, number, account_type, sold_on, lines):
            await self.send(event)
        conn = await asyncpg.connect(self.database_url)
        try:
            for _ in range(150):
                if await conn.fetchval(
                    """SELECT 1 FROM document_owners o JOIN sales_documents d
                       USING (document_type, document_number) WHERE o.document_number = $1""",
                    number,
                ):
                    break
                await asyncio.sleep(0.2)
            else:
                raise AssertionError("projections never caught up")
        finally:
            await conn.close()
        return Customer(self, account_id, number, f"1581F{number[-8:]}")


@dataclass
class Customer:
    claims: Claims
    account_id: uuid.UUID
    document_number: str
    serial: str

    @property
    def headers(self) -> dict[str, str]:
        return self.claims.bearer("customer", self.account_id)

    async def file(self, files: Any = None, **form: Any) -> httpx.Response:
        body = {
            "document_type": "PA",
            "document_number": self.document_number,
            "line_no": "1",
            "claim_type": "warranty",
            "serial_number": self.serial,
            "problem_description": "Dron nie łączy się z aparaturą.",
            "package_contents": "Dron, aparatura",
            **RETURN_ADDRESS,
            **form,
        }
        body = {key: value for key, value in body.items() if value is not None}
        return await self.claims.client.post(
            "/api/claims",
            data=body,
            files=files if files is not None else {"attachment": PDF},
            headers=self.headers,
        )


@pytest.fixture(scope="module")
async def claims(stack: Stack) -> AsyncIterator[Claims]:
    from tests.conftest import create_database, drop_database

    url = await create_database(stack, "rma_test_claims")
    settings = ClaimsSettings(
        kafka_bootstrap_servers=stack.kafka_bootstrap,
        database_url=url,
        # Its own group: other copies of the service may run in the same test session.
        consumer_group=f"test-claims-{uuid.uuid4().hex[:8]}",
        token_public_key_file=stack.keys_dir / "token_public.pem",
        database_pool_size=20,
    )
    # The earlier tests' events on the broker are not this module's: not replayed first.
    await start_from_now(stack.kafka_bootstrap, [settings.consumer_group])
    app = build_app(settings)
    async with running_app(app) as client:
        yield Claims(stack, client, url, app)
    await drop_database(stack, url)


def error_code(response: httpx.Response) -> str:
    code: str = response.json()["errors"][0]["code"]
    return code


async def test_a_claim_gets_an_rma_number_and_one_claim_created(
    claims: Claims, stack: Stack
) -> None:
    customer = await claims.customer_with_document()
    async with TopicProbe(stack.kafka_bootstrap, topics.CLAIMS) as probe:
        response = await customer.file(customer_reference="MOJE-1", tracking_number="inpost123")
        assert response.status_code == 201, response.text
        claim = response.json()
        assert re.fullmatch(rf"RMA/\d+/SR/{polish_today().year}", claim["rma_number"])
        assert claim["rma_number"] in claim["message"] and "Rudzka 65C" in claim["message"]
        [created] = await probe.wait_for(
            lambda body, _: body["data"].get("claim_id") == claim["claim_id"]
        )
        await probe.settle(1.0)
    assert len([r for r in probe.records if claim["claim_id"].encode() in r.value]) == 1
    assert created["type"] == "ClaimCreated" and created["key"] == claim["claim_id"]
    assert created["data"]["serial_number"] == customer.serial
    assert created["data"]["product"]["brand"] == "DJI"
    stored = await claims.client.get(f"/api/claims/{claim['claim_id']}", headers=customer.headers)
    assert stored.json()["timeline"][0]["status"] == "submitted"
    for query in (claim["rma_number"], customer.serial.lower(), "moje-1"):
        found = await claims.client.get(
            "/api/claims", params={"q": query}, headers=customer.headers
        )
        assert [c["claim_id"] for c in found.json()] == [claim["claim_id"]], query


async def test_the_claim_carries_what_warranty_needs_about_the_unit(
    claims: Claims, stack: Stack
) -> None:
    """Seed 001: who installed a scooter's part, when an outlet product was activated."""
    customer = await claims.customer_with_document()
    activated = polish_today() - timedelta(days=3)
    async with TopicProbe(stack.kafka_bootstrap, topics.CLAIMS) as probe:
        response = await customer.file(
            installed_by_authorised_service="true",
            installing_service_name="Serwis Hulajnóg Rybnik",
            activated_on=activated.isoformat(),
        )
        assert response.status_code == 201, response.text
        claim_id = response.json()["claim_id"]
        [created] = await probe.wait_for(lambda body, _: body["data"].get("claim_id") == claim_id)
    assert created["data"]["installed_by_authorised_service"] is True
    assert created["data"]["installing_service_name"] == "Serwis Hulajnóg Rybnik"
    assert created["data"]["activated_on"] == activated.isoformat()
    other = await claims.customer_with_document()
    ahead = await other.file(activated_on=(polish_today() + timedelta(days=1)).isoformat())
    assert ahead.status_code == 422 and error_code(ahead) == "activation_in_future"
    assert ahead.json()["errors"][0]["field"] == "activated_on"


async def test_fifty_concurrent_claims_get_fifty_distinct_rma_numbers(claims: Claims) -> None:
    customer = await claims.customer_with_document()
    # The band needs no serial number: one serial may have only one open claim.
    responses = await asyncio.gather(
        *(customer.file(line_no="2", serial_number=None) for _ in range(50))
    )
    assert [r.status_code for r in responses] == [201] * 50
    numbers = {r.json()["rma_number"] for r in responses}
    assert len(numbers) == 50


async def test_another_customers_claim_is_not_found(claims: Claims) -> None:
    owner = await claims.customer_with_document()
    claim = (await owner.file()).json()
    stranger = claims.bearer("customer")
    assert (
        await claims.client.get(f"/api/claims/{claim['claim_id']}", headers=stranger)
    ).status_code == 404
    cancel = await claims.client.post(f"/api/claims/{claim['claim_id']}/cancel", headers=stranger)
    assert cancel.status_code == 404
    label = f"/api/claims/{claim['claim_id']}/label"
    assert (await claims.client.get(label, headers=stranger)).status_code == 404
    pdf = await claims.client.get(label, headers=owner.headers)
    assert pdf.headers["content-type"] == "application/pdf"
    dashed = claim["rma_number"].replace("/", "-")
    assert pdf.headers["content-disposition"] == f'attachment; filename="etykieta-{dashed}.pdf"'
    assert claim["rma_number"] in "".join(
        page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages
    )
    paper = f"/api/claims/{claim['claim_id']}/form"
    assert (await claims.client.get(paper, headers=stranger)).status_code == 404
    form = await claims.client.get(paper, headers=owner.headers)
    assert form.headers["content-type"] == "application/pdf"
    assert "reklamacja-RMA-" in form.headers["content-disposition"]
    assert "Formularz reklamacyjny" in "".join(
        page.extract_text() for page in PdfReader(io.BytesIO(form.content)).pages
    )
    scanner = claims.bearer("scanner")
    assert (await claims.client.get("/api/claims", headers=scanner)).status_code == 403


@pytest.mark.parametrize(
    ("sent", "named", "plain"),
    [
        ("faktura-żółć-źdźbło.pdf", "faktura-żółć-źdźbło.pdf", "faktura-zolc-zdzblo.pdf"),
        ("zdjęcie.jpg", "zdjęcie.jpg", "zdjecie.jpg"),
        # A browser sends a quote as %22 (HTML5 forms); it is kept as sent.
        ('paragon "sklep".pdf', "paragon %22sklep%22.pdf", "paragon %22sklep%22.pdf"),
        ("katalog/../zdjęcie 2.jpg", "zdjęcie 2.jpg", "zdjecie 2.jpg"),
        ("C:\\Dokumenty\\paragon/ŁÓDŹ.pdf", "ŁÓDŹ.pdf", "LODZ.pdf"),
    ],
)
async def test_a_file_named_in_polish_downloads_to_its_owner_and_an_operator(
    claims: Claims, sent: str, named: str, plain: str
) -> None:
    """RFC 6266: the name in `filename*` (UTF-8), an ASCII `filename` for old readers, never a
    path; the header was a 500 (UnicodeEncodeError) for Polish letters."""
    customer = await claims.customer_with_document()
    content = b"%PDF-1.4\n% " + sent.encode()
    filed = await customer.file(files={"attachment": (sent, content, "application/pdf")})
    assert filed.status_code == 201, filed.text
    claim_id = filed.json()["claim_id"]
    seen = await claims.client.get(
        f"/api/operator/claims/{claim_id}", headers=claims.bearer("operator")
    )
    [attachment] = seen.json()["attachments"]
    own = f"/api/claims/{claim_id}/attachments/{attachment['attachment_id']}"
    for path, headers in (
        (own, customer.headers),
        (attachment["download_path"], claims.bearer("operator")),
    ):
        downloaded = await claims.client.get(path, headers=headers)
        assert (downloaded.status_code, downloaded.content) == (200, content), path
        assert download_names(downloaded.headers["content-disposition"]) == (plain, named)


@pytest.mark.parametrize("media_type", ["Application/JSON", "APPLICATION/JSON; charset=utf-8"])
async def test_a_nul_in_json_labelled_in_capitals_is_a_422(claims: Claims, media_type: str) -> None:
    """Media types are case-insensitive: the NUL guard once read only lower case, and the
    database's refusal of the NUL was a 500."""
    parcel = await claims.client.post(
        "/api/parcels",
        content=json.dumps({"rma_number": "RMA/1/SR/2026\x00"}),
        headers={**claims.bearer("scanner"), "Content-Type": media_type},
    )
    assert parcel.status_code == 422, parcel.text
    assert [(e["field"], e["code"]) for e in parcel.json()["errors"]] == [
        ("rma_number", "nul_character")
    ]


async def test_a_bad_claim_form_names_each_field_in_polish_and_files_nothing(
    claims: Claims,
) -> None:
    """The form's fields are checked as one model: each bad one is named with its words, as
    when every field was checked on its own."""
    customer = await claims.customer_with_document()
    bad = await customer.file(
        document_type="XX", line_no="0", package_contents="D", serial_number="S" * 61,
        activated_on="jutro", seal_intact="może", document_number=""
    )  # fmt: skip
    assert bad.status_code == 422, bad.text
    assert bad.json()["detail"] == "Popraw zaznaczone pola."
    assert {e["field"]: (e["code"], e["message"]) for e in bad.json()["errors"]} == {
        "document_type": ("literal_error", "Wybierz jedną z dozwolonych wartości."),
        "document_number": ("missing", "To pole jest wymagane."),
        "line_no": ("greater_than_equal", "Wartość jest za mała."),
        "package_contents": (
            "string_too_short", "Wartość jest za krótka (minimalna długość: 2)."
        ),
        "serial_number": ("string_too_long", "Wartość jest za długa (maksymalna długość: 60)."),
        "activated_on": ("date_from_datetime_parsing", "Nieprawidłowy format wartości."),
        "seal_intact": ("bool_parsing", "Nieprawidłowy format wartości."),
    }  # fmt: skip
    english = await claims.client.post(
        "/api/claims",
        data={"document_type": "PA"},
        headers={**customer.headers, "Accept-Language": "en"},
    )
    assert english.status_code == 422
    assert {e["field"]: e["message"] for e in english.json()["errors"]} == {
        name: "This field is required."
        for name in ("document_number", "line_no", "claim_type", "package_contents", "attachment")
    }
    mine = await claims.client.get("/api/claims", headers=customer.headers)
    assert mine.json() == []
    # Fields left empty (as a browser sends them) are fields not sent.
    filed = await customer.file(
        activated_on="", seal_intact="", installed_by_authorised_service="", problem_code="",
        tracking_number="", return_country="", customer_reference=""
    )  # fmt: skip
    assert filed.status_code == 201, filed.text


async def test_a_nul_in_a_form_labelled_in_capitals_is_a_422(claims: Claims) -> None:
    customer = await claims.customer_with_document()
    body = (
        b'--x\r\nContent-Disposition: form-data; name="problem_description"\r\n\r\n'
        b"Nie dziala\x00 gimbal.\r\n--x--\r\n"
    )
    filed = await claims.client.post(
        "/api/claims",
        content=body,
        headers={**customer.headers, "Content-Type": "Multipart/Form-Data; boundary=x"},
    )
    assert filed.status_code == 422, filed.text
    assert ("problem_description", "nul_character") in [
        (e["field"], e["code"]) for e in filed.json()["errors"]
    ]
    mine = await claims.client.get("/api/claims", headers=customer.headers)
    assert mine.json() == []


async def test_scanner_receipt_duplicate_scan_and_unidentified_parcel(
    claims: Claims, stack: Stack
) -> None:
    customer = await claims.customer_with_document()
    claim = (await customer.file()).json()
    scanner = claims.bearer("scanner")
    async with TopicProbe(stack.kafka_bootstrap, topics.CLAIMS) as probe:
        first = await claims.client.post(
            "/api/parcels", json={"rma_number": claim["rma_number"].lower()}, headers=scanner
        )
        assert (
            first.status_code == 200
            and first.json()["identified"]
            and not first.json()["duplicate"]
        )
        again = await claims.client.post(
            "/api/parcels", json={"rma_number": claim["rma_number"]}, headers=scanner
        )
        assert again.json()["duplicate"] is True
        await probe.wait_for(
            lambda body, _: (
                body["type"] == "ClaimStatusChanged"
                and body["data"]["claim_id"] == claim["claim_id"]
            )
        )
        await probe.settle(1.0)
    mine = [r.value for r in probe.records if claim["claim_id"].encode() in r.value]
    assert sum(b'"ParcelReceived"' in value for value in mine) == 1
    assert sum(b'"ClaimStatusChanged"' in value for value in mine) == 1
    shown = (
        await claims.client.get(f"/api/claims/{claim['claim_id']}", headers=customer.headers)
    ).json()
    assert shown["status"] == "received" and shown["status_name"] == "przesyłka przyjęta"

    # A parcel nobody announced waits for an operator, who identifies it.
    other = (await customer.file(line_no="2", serial_number=None)).json()
    tracking = f"UNKNOWN{uuid.uuid4().hex[:6]}"
    unknown = await claims.client.post(
        "/api/parcels", json={"tracking_number": tracking}, headers=scanner
    )
    assert unknown.json()["identified"] is False
    repeat = await claims.client.post(
        "/api/parcels", json={"tracking_number": tracking}, headers=scanner
    )
    assert repeat.json()["duplicate"] is True
    operator = claims.bearer("operator")
    queue = (await claims.client.get("/api/operator/parcels/unidentified", headers=operator)).json()
    parcel = next(p for p in queue if p["tracking_number"] == tracking.upper())
    attached = await claims.client.post(
        f"/api/operator/parcels/{parcel['parcel_id']}/attach",
        json={"rma_number": other["rma_number"]},
        headers=operator,
    )
    assert attached.status_code == 200
    queue = (await claims.client.get("/api/operator/parcels/unidentified", headers=operator)).json()
    assert parcel["parcel_id"] not in {p["parcel_id"] for p in queue}
    status = (
        await claims.client.get(f"/api/claims/{other['claim_id']}", headers=customer.headers)
    ).json()
    assert status["status"] == "received"
    empty = await claims.client.post("/api/parcels", json={}, headers=scanner)
    assert error_code(empty) == "parcel_unreadable"


async def received_claim(
    claims: Claims, claim_type: str = "warranty"
) -> tuple[Customer, dict[str, Any]]:
    customer = await claims.customer_with_document(sold_days_ago=10)
    claim = (await customer.file(claim_type=claim_type)).json()
    await claims.client.post(
        "/api/parcels", json={"rma_number": claim["rma_number"]}, headers=claims.bearer("scanner")
    )
    return customer, claim


async def operator_moves(claims: Claims, claim_id: str, **body: Any) -> httpx.Response:
    return await claims.client.post(
        f"/api/operator/claims/{claim_id}/status", json=body, headers=claims.bearer("operator")
    )


async def decided_over_http(
    claims: Claims, claim_type: str = "warranty", **decision: Any
) -> tuple[Customer, str, httpx.Response]:
    """A received claim taken into inspection, then the operator's decision form with
    `decision`: the customer, the claim id and the form's answer."""
    customer, claim = await received_claim(claims, claim_type)
    claim_id = claim["claim_id"]
    await operator_moves(claims, claim_id, status="in_inspection")
    answer = await claims.client.post(
        f"/api/operator/claims/{claim_id}/decision",
        json=decision,
        headers=claims.bearer("operator"),
    )
    assert answer.status_code == 200, answer.text
    return customer, claim_id, answer


# The rules of these forms: tests/unit/claims/test_lifecycle_rules.py; here, over HTTP, each
# field of the forms reaches them.


async def test_the_question_answer_and_rejection_forms_carry_their_fields(claims: Claims) -> None:
    customer, claim = await received_claim(claims)
    claim_id = claim["claim_id"]
    await operator_moves(claims, claim_id, status="in_inspection")
    asked = await operator_moves(claims, claim_id, status="awaiting_customer", note="Zdjęcie?")
    assert asked.status_code == 200, asked.text
    answered = await claims.client.post(
        f"/api/claims/{claim_id}/answer",
        json={"message": "Zdjęcie w załączniku."},
        headers=customer.headers,
    )
    assert answered.status_code == 200, answered.text
    rejected = await claims.client.post(
        f"/api/operator/claims/{claim_id}/decision",
        json={
            "decision": "rejection",
            "rejection_reason": "misuse",
            "justification": "Lot w deszczu mimo zakazu w instrukcji drona.",
        },
        headers=claims.bearer("operator"),
    )
    assert rejected.json()["rejection_reason"] == "misuse", rejected.text
    shipped = await operator_moves(claims, claim_id, status="shipped_back", tracking_number="DPD1")
    assert shipped.status_code == 200, shipped.text
    shown = (await claims.client.get(f"/api/claims/{claim_id}", headers=customer.headers)).json()
    assert [entry["status"] for entry in shown["timeline"]][-4:] == [
        "awaiting_customer",
        "in_inspection",
        "decided",
        "shipped_back",
    ]


async def test_the_decision_form_carries_deductions_and_missing_accessories(
    claims: Claims,
) -> None:
    _, _, deducted = await decided_over_http(
        claims,
        "return",
        decision="refund",
        justification="Zwrot z potrąceniem.",
        deductions={"packaging": 10},
        missing_accessories_value="100.00",
    )
    # 4299.00 - 10% (429.90) - (100.00 + 15%) = 3754.10
    assert Decimal(deducted.json()["amount"]) == Decimal("3754.10"), deducted.text


async def test_the_price_reduction_answer_and_the_refund_difference_over_http(
    claims: Claims,
) -> None:
    customer, claim_id, offered = await decided_over_http(
        claims,
        decision="price_reduction",
        reduction_kind="cosmetic_defect",
        amount="400.00",
        justification="Rysa.",
    )
    assert offered.json()["reduction_kind"] == "cosmetic_defect", offered.text
    path = f"/api/claims/{claim_id}/price-reduction"
    accepted = await claims.client.post(path, json={"accept": True}, headers=customer.headers)
    assert accepted.json() == {"accepted": True}
    twice = await claims.client.post(path, json={"accept": True}, headers=customer.headers)
    assert (twice.status_code, error_code(twice)) == (409, "no_offer_to_answer")
    paid = await claims.client.post(
        f"/api/operator/claims/{claim_id}/refund",
        json={
            "amount": "380.00",
            "method": "original_payment",
            "difference_reason": "Część obniżki wypłacona wcześniej bonem.",
        },
        headers=claims.bearer("operator"),
    )
    assert paid.json()["decided_amount"] == "400.00", paid.text


async def operator_list(claims: Claims, **params: Any) -> httpx.Response:
    return await claims.client.get(
        "/api/operator/claims", params=params, headers=claims.bearer("operator")
    )


async def stored_statuses(claims: Claims) -> list[tuple[str, str]]:
    """(claim id, status) of every claim in the database, newest first."""
    conn = await asyncpg.connect(claims.database_url)
    try:
        rows = await conn.fetch("SELECT claim_id, status FROM claims ORDER BY created_at DESC")
    finally:
        await conn.close()
    return [(str(row["claim_id"]), row["status"]) for row in rows]


async def test_the_operator_list_carries_the_deadlines_of_the_assessment(claims: Claims) -> None:
    customer = await claims.customer_with_document()
    claim = (await customer.file()).json()
    deadlines = (
        Deadline(
            kind="complaint_answer",
            due_on=polish_today() + timedelta(days=14),
            description="Odpowiedź na reklamację w 14 dni.",
        ),
        Deadline(kind="dji_repair", description="60 dni roboczych od przyjęcia przesyłki."),
    )
    await claims.send(
        WarrantyAssessed(
            producer="warranty",
            key=claim["claim_id"],
            data=WarrantyAssessedData(
                claim_id=claim["claim_id"],
                rma_number=claim["rma_number"],
                account_id=customer.account_id,
                email=f"k.{customer.account_id.hex[:8]}@example.com",
                covered=True,
                warranty_until=polish_today() + timedelta(days=700),
                rule="dji_consumer_24m",
                reason="Gwarancja DJI: 24 miesiące od zakupu.",
                claim_type_allowed=True,
                claim_type_reason="Zgłoszenie gwarancyjne jest możliwe.",
                deadlines=deadlines,
            ),
        )
    )
    expected = [deadline.model_dump(mode="json") for deadline in deadlines]
    for _ in range(150):  # until the assessment reaches the claims service
        listed = (await operator_list(claims, status="submitted")).json()
        [item] = [c for c in listed if c["claim_id"] == claim["claim_id"]]
        if item["deadlines"] == expected:
            break
        await asyncio.sleep(0.2)
    assert item["deadlines"] == expected
    detail = await claims.client.get(
        f"/api/operator/claims/{claim['claim_id']}", headers=claims.bearer("operator")
    )
    assert detail.json()["deadlines"] == item["deadlines"]
    # The customer's own list stays without deadlines.
    [own] = (await claims.client.get("/api/claims", headers=customer.headers)).json()
    assert "deadlines" not in own


async def test_the_operator_list_filters_by_several_statuses(claims: Claims) -> None:
    customer = await claims.customer_with_document()
    submitted = (await customer.file()).json()
    _, received = await received_claim(claims)
    _, inspected = await received_claim(claims)
    await operator_moves(claims, inspected["claim_id"], status="in_inspection")
    wanted = {"received", "in_inspection"}
    listed = await operator_list(claims, status=sorted(wanted))
    assert listed.status_code == 200, listed.text
    listed_ids = [c["claim_id"] for c in listed.json()]
    stored = await stored_statuses(claims)
    assert listed_ids == [claim_id for claim_id, status in stored if status in wanted]
    assert {received["claim_id"], inspected["claim_id"]} <= set(listed_ids)
    assert submitted["claim_id"] not in listed_ids
    newest = await operator_list(claims, status=sorted(wanted), limit=1)
    assert [c["claim_id"] for c in newest.json()] == [inspected["claim_id"]]
    # Oldest first: those waiting longest (the dashboard's open claims beyond its limit).
    oldest = await operator_list(claims, status=sorted(wanted), oldest_first="true")
    assert [c["claim_id"] for c in oldest.json()] == listed_ids[::-1]
    # Without a status: claims of every status.
    everything = {c["claim_id"] for c in (await operator_list(claims)).json()}
    assert len(everything) == min(len(stored), 500)
    assert everything <= {claim_id for claim_id, _ in stored}


async def test_the_operator_list_refuses_an_unknown_status_or_limit(claims: Claims) -> None:
    unknown = await operator_list(claims, status=["received", "lost"])
    assert (unknown.status_code, error_code(unknown)) == (422, "status_unknown")
    assert unknown.json()["errors"][0]["field"] == "status"
    assert unknown.json()["detail"].startswith("Nieznany status zgłoszenia: lost.")
    assert "in_inspection" in unknown.json()["detail"]  # it names the statuses allowed
    for limit in (0, 501):
        refused = await operator_list(claims, limit=limit)
        assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "limit"
    customer = await claims.client.get("/api/operator/claims", headers=claims.bearer("customer"))
    assert customer.status_code == 403


async def claim_counts(claims: Claims, role: str = "operator") -> httpx.Response:
    return await claims.client.get("/api/operator/claims/counts", headers=claims.bearer(role))


async def test_counts_per_status_are_those_of_every_claim(claims: Claims) -> None:
    before = (await claim_counts(claims)).json()
    customer = await claims.customer_with_document()
    cancelled = (await customer.file()).json()
    await claims.client.post(
        f"/api/claims/{cancelled['claim_id']}/cancel", headers=customer.headers
    )
    answer = await claim_counts(claims)
    assert answer.status_code == 200, answer.text
    counts = answer.json()
    lifecycle = list(get_args(ClaimStatus))  # the contract lists the statuses in order
    assert list(counts) == lifecycle  # every status, in the lifecycle's order, zeros too
    in_database = Counter(status for _, status in await stored_statuses(claims))
    assert counts == {status: in_database[status] for status in lifecycle}
    assert counts["cancelled"] == before["cancelled"] + 1
    assert counts["submitted"] == before["submitted"]
    assert (await claim_counts(claims, role="customer")).status_code == 403


async def test_serial_check(claims: Claims) -> None:
    customer = await claims.customer_with_document()
    known = await claims.client.get(
        "/api/serial-check",
        params={"serial_number": customer.serial.lower()},
        headers=customer.headers,
    )
    assert known.json()["known"] is True
    unknown = await claims.client.get(
        "/api/serial-check", params={"serial_number": "NOPE"}, headers=customer.headers
    )
    assert unknown.json()["known"] is False and "Nie znaleźliśmy" in unknown.json()["message"]


async def test_claim_options_say_which_types_a_product_allows_and_its_problems(
    claims: Claims,
) -> None:
    ean = "5901234123488"
    problems = ("Nie włącza się", "Bateria nie ładuje się")
    await claims.send(
        ProductCatalogued(
            producer="warranty",
            key=ean,
            data=ProductCataloguedData(
                ean=ean, sku="DJI-Y", name="DJI Y", brand="DJI", category="drone", problems=problems
            ),
        )
    )
    consumer = await claims.customer_with_document(ean=ean, sold_days_ago=10)

    async def options(customer: Customer, line_no: int, **params: Any) -> httpx.Response:
        return await claims.client.get(
            "/api/claim-options",
            params={
                "document_type": "PA",
                "document_number": customer.document_number.lower(),
                "line_no": line_no,
                **params,
            },
            headers=customer.headers,
        )

    for _ in range(50):  # until the problem list reaches the claims service
        drone = (await options(consumer, 1)).json()
        if drone["problems"]:
            break
        await asyncio.sleep(0.2)
    assert drone["problems"] == list(problems)
    allowed = {o["claim_type"]: o["allowed"] for o in drone["claim_types"]}
    assert allowed == {"warranty": True, "non_conformity": True, "return": True, "dji": True}

    band = (await options(consumer, 2)).json()
    assert band["problems"] == []
    refused = {o["claim_type"]: o["reason"] for o in band["claim_types"] if not o["allowed"]}
    assert list(refused) == ["dji"] and "wyłącznie do produktów marki DJI" in refused["dji"]

    company = await claims.customer_with_document(account_type="company")
    company_types = (await options(company, 1)).json()["claim_types"]
    assert [o["claim_type"] for o in company_types if o["allowed"]] == ["warranty", "dji"]

    late = await claims.customer_with_document(sold_days_ago=45)
    late_types = (await options(late, 1)).json()["claim_types"]
    [late_return] = [o for o in late_types if o["claim_type"] == "return"]
    assert late_return["allowed"] is False and "30 dni" in late_return["reason"]

    # What the form offers is what filing accepts: the refused type is refused on filing too.
    assert error_code(await late.file(claim_type="return")) == "return_window_passed"

    # Only products of the customer's own linked documents.
    not_theirs = await claims.client.get(
        "/api/claim-options",
        params={"document_type": "PA", "document_number": consumer.document_number, "line_no": 1},
        headers=company.headers,
    )
    assert (not_theirs.status_code, error_code(not_theirs)) == (
        422,
        "product_not_on_linked_document",
    )
    no_line = await options(consumer, 9)
    assert error_code(no_line) == "product_not_on_linked_document"
    bad_type = await claims.client.get(
        "/api/claim-options",
        params={"document_type": "XX", "document_number": "1", "line_no": 1},
        headers=consumer.headers,
    )
    assert bad_type.status_code == 422


async def test_a_registered_unit_cannot_be_returned(claims: Claims) -> None:
    """Issue 24, item 3: the warranty service's registration reaches claims as an event."""
    customer = await claims.customer_with_document(sold_days_ago=5)
    await claims.send(
        ProductRegistered(
            producer="warranty",
            key=customer.serial,
            data=ProductRegisteredData(
                registration_id=uuid.uuid4(),
                account_id=customer.account_id,
                ean="5901234123457",
                serial_number=customer.serial,
                purchased_on=polish_today() - timedelta(days=5),
                registered_on=polish_today() - timedelta(days=4),
            ),
        )
    )
    options = {"document_type": "PA", "document_number": customer.document_number, "line_no": 1}
    for _ in range(50):  # until the registration reaches the claims service
        listed = await claims.client.get(
            "/api/claim-options", params=options, headers=customer.headers
        )
        verdicts = {o["claim_type"]: o for o in listed.json()["claim_types"]}
        if not verdicts["return"]["allowed"]:
            break
        await asyncio.sleep(0.2)
    assert "zarejestrowane" in verdicts["return"]["reason"]
    refused = await customer.file(claim_type="return")
    assert (refused.status_code, error_code(refused)) == (422, "return_activated_unit")
    assert (await customer.file(claim_type="warranty")).status_code == 201
