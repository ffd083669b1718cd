"""The claim's life after the decision, against the real Kafka, PostgreSQL and SMTP server: the
claims and notifications services run here; each path ends with the events on Kafka and the
email in the mailbox (repair and shipping back, replacement, refund, paid quote, return with
deductions, waiting for the customer, the scooter delay, parcels for ended claims, the return
address and the operator's claim view). One open claim per serial and no cancelling once the
service holds the product are rules: tests/unit/claims/test_lifecycle_rules.py."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import asyncpg
import httpx
import pytest

from shared import topics
from shared.events import (
    AccountContactChanged,
    AccountContactChangedData,
    Deadline,
    PostalAddress,
    WarrantyAssessed,
    WarrantyAssessedData,
)
from tests.integration.test_claims import PDF, RETURN_ADDRESS, Claims, Customer, error_code
from tests.support.inprocess import claims_with_notifications
from tools.support.days import polish_today
from tools.support.kafka import TopicProbe
from tools.support.mailbox import Mailbox
from tools.support.stack import Stack

pytestmark = pytest.mark.integration

IBAN = "PL61 1090 1014 0000 0712 1981 2874"


@dataclass
class Lifecycle:
    claims: Claims
    mailbox: Mailbox

    @property
    def client(self) -> httpx.AsyncClient:
        return self.claims.client

    @property
    def operator(self) -> dict[str, str]:
        return self.claims.bearer("operator")

    async def post(self, path: str, headers: dict[str, str], **body: Any) -> httpx.Response:
        return await self.client.post(path, json=body, headers=headers)

    async def act(self, claim: dict[str, Any], command: str, **body: Any) -> httpx.Response:
        """An operator's command on the claim (status, decision, ship-back, refund, ...)."""
        return await self.post(
            f"/api/operator/claims/{claim['claim_id']}/{command}", self.operator, **body
        )

    async def view(self, claim: dict[str, Any]) -> dict[str, Any]:
        response = await self.client.get(
            f"/api/operator/claims/{claim['claim_id']}", headers=self.operator
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def assess(
        self, customer: Customer, claim: dict[str, Any], covered: bool, *deadlines: Deadline
    ) -> None:
        """The warranty service's verdict, as it publishes it; waits until claims has it."""
        await self.claims.send(
            WarrantyAssessed(
                producer="warranty",
                key=claim["claim_id"],
                data=WarrantyAssessedData(
                    claim_id=claim["claim_id"],
                    rma_number=claim["rma_number"],
                    account_id=customer.account_id,
                    email=customer_email(customer),
                    covered=covered,
                    warranty_until=polish_today() + timedelta(days=300) if covered else None,
                    rule="test-rule",
                    reason="Werdykt testowy.",
                    claim_type_allowed=True,
                    claim_type_reason="Dopuszczone.",
                    deadlines=deadlines,
                ),
            )
        )
        for _ in range(150):
            shown = await self.view(claim)
            assessed = shown["assessment"] and shown["assessment"]["covered"] == covered
            if assessed and len(shown["deadlines"]) == len(deadlines):
                return
            await asyncio.sleep(0.2)
        raise AssertionError("the assessment never reached the claims service")

    async def email(self, customer: Customer, subject_part: str) -> dict[str, Any]:
        """The customer's email whose subject contains `subject_part` (waits for it)."""
        for _ in range(200):
            for message in await self.mailbox.messages(customer_email(customer)):
                if subject_part in message["subject"]:
                    return await self.mailbox.message(str(message["id"]))
            await asyncio.sleep(0.3)
        raise AssertionError(f"no email with {subject_part!r} to {customer_email(customer)}")


def customer_email(customer: Customer) -> str:
    return f"k.{customer.account_id.hex[:8]}@example.com"


@pytest.fixture(scope="module")
async def lifecycle(stack: Stack, mailbox: Mailbox) -> AsyncIterator[Lifecycle]:
    async with claims_with_notifications(stack, "lifecycle") as running:
        yield Lifecycle(Claims(stack, running.claims, running.claims_url), mailbox)


async def in_inspection(
    lc: Lifecycle, claim_type: str = "warranty", **customer_options: Any
) -> tuple[Customer, dict[str, Any]]:
    customer = await lc.claims.customer_with_document(sold_days_ago=10, **customer_options)
    response = await customer.file(claim_type=claim_type, tracking_number="INPOST-IN-1")
    assert response.status_code == 201, response.text
    claim = response.json()
    scanner = lc.claims.bearer("scanner")
    scanned = await lc.post("/api/parcels", scanner, rma_number=claim["rma_number"])
    assert scanned.status_code == 200, scanned.text
    assert (await lc.act(claim, "status", status="in_inspection")).status_code == 200
    return customer, claim


async def test_repair_then_shipping_back_with_carrier_and_tracking(
    lifecycle: Lifecycle, stack: Stack
) -> None:
    customer, claim = await in_inspection(lifecycle)
    decided = await lifecycle.act(claim, "decision", decision="repair", justification="Naprawa.")
    assert decided.status_code == 200, decided.text
    no_carrier = await lifecycle.act(claim, "ship-back", carrier="", tracking_number="X")
    assert no_carrier.status_code == 422
    async with TopicProbe(stack.kafka_bootstrap, topics.CLAIMS) as probe:
        shipped = await lifecycle.act(
            claim, "ship-back", carrier="DPD", tracking_number="dpd 0001 2345"
        )
        assert shipped.status_code == 200, shipped.text
        [changed] = await probe.wait_for(
            lambda body, _: (
                body["type"] == "ClaimStatusChanged"
                and body["data"]["claim_id"] == claim["claim_id"]
            )
        )
    assert (changed["data"]["carrier"], changed["data"]["tracking_number"]) == (
        "DPD",
        "DPD00012345",
    )
    email = await lifecycle.email(customer, "produkt odesłany do Ciebie")
    assert "DPD00012345" in email["text"] and "DPD" in email["text"]
    own = await lifecycle.client.get(f"/api/claims/{claim['claim_id']}", headers=customer.headers)
    body = own.json()
    assert body["outbound"]["tracking_number"] == "DPD00012345"
    assert body["tracking_number"] == "INPOST-IN-1"  # the customer's inbound one is kept
    assert body["next_statuses"] == []  # the customer cannot move it further
    # The customer refused the parcel: it comes back with the service's label, a new receipt.
    scanner = lifecycle.claims.bearer("scanner")
    back = await lifecycle.post("/api/parcels", scanner, tracking_number="DPD00012345")
    assert back.status_code == 200, back.text
    assert (back.json()["claim_id"], back.json()["duplicate"]) == (claim["claim_id"], False)
    shown = await lifecycle.view(claim)
    assert shown["status"] == "received"
    assert "odmowa odbioru" in shown["timeline"][-1]["note"]


async def test_replacement_with_a_new_serial_is_its_own_event(
    lifecycle: Lifecycle, stack: Stack
) -> None:
    customer, claim = await in_inspection(lifecycle)
    # A DJI unit is replaced only with DJI's written statement that it cannot be repaired.
    refused = await lifecycle.act(
        claim, "decision", decision="replacement", justification="Wymiana."
    )
    assert (refused.status_code, error_code(refused)) == (422, "dji_statement_required")
    statement = await lifecycle.client.post(
        f"/api/operator/claims/{claim['claim_id']}/manufacturer-statement",
        files={"statement": ("oswiadczenie-dji.pdf", b"%PDF-1.4\n% DJI\n", "application/pdf")},
        headers=lifecycle.operator,
    )
    assert statement.status_code == 200, statement.text
    files = {a["purpose"] for a in (await lifecycle.view(claim))["attachments"]}
    assert "manufacturer_statement" in files
    await lifecycle.act(claim, "decision", decision="replacement", justification="Wymiana.")
    early = await lifecycle.act(claim, "ship-back", carrier="DPD", tracking_number="D1")
    assert (early.status_code, error_code(early)) == (409, "replacement_serial_missing")
    # Another customer's unit (on a sale) is not the service's stock (issue 28, finding 7).
    stranger = await lifecycle.claims.customer_with_document()
    sold = await lifecycle.act(claim, "replacement", serial_number=stranger.serial.lower())
    assert (sold.status_code, error_code(sold)) == (409, "replacement_serial_sold")
    bad_ean = await lifecycle.act(claim, "replacement", serial_number="NEW12345", ean="123")
    assert (bad_ean.status_code, bad_ean.json()["errors"][0]["field"]) == (422, "ean")
    async with TopicProbe(stack.kafka_bootstrap, topics.CLAIMS) as probe:
        recorded = await lifecycle.act(claim, "replacement", serial_number="1581fnew0001")
        assert recorded.status_code == 200, recorded.text
        [issued] = await probe.wait_for(
            lambda body, _: (
                body["type"] == "ClaimReplacementIssued"
                and body["data"]["claim_id"] == claim["claim_id"]
            )
        )
    assert issued["data"]["old_serial_number"] == customer.serial
    assert issued["data"]["new_serial_number"] == "1581FNEW0001"
    assert issued["data"]["new_ean"] == issued["data"]["old_ean"] == "5901234123457"
    email = await lifecycle.email(customer, "nowy egzemplarz 1581FNEW0001")
    assert customer.serial in email["text"]
    twice = await lifecycle.act(claim, "replacement", serial_number="1581FNEW0002")
    assert error_code(twice) == "replacement_not_due"
    assert (await lifecycle.view(claim))["replacement"]["serial_number"] == "1581FNEW0001"
    shipped = await lifecycle.act(claim, "ship-back", carrier="DPD", tracking_number="D1")
    assert shipped.status_code == 200


async def test_refund_needs_an_amount_and_a_valid_iban(lifecycle: Lifecycle, stack: Stack) -> None:
    customer, claim = await in_inspection(lifecycle)
    await lifecycle.act(claim, "decision", decision="refund", justification="Zwrot pieniędzy.")
    no_amount = await lifecycle.act(claim, "refund", method="bank_transfer", iban=IBAN)
    assert (no_amount.status_code, no_amount.json()["errors"][0]["field"]) == (422, "amount")
    bad_iban = await lifecycle.act(
        claim,
        "refund",
        amount="4299.00",
        method="bank_transfer",
        iban="PL61 1090 1014 0000 0712 1981 2875",
    )
    assert (bad_iban.status_code, error_code(bad_iban)) == (422, "iban_invalid")
    assert "IBAN" in bad_iban.json()["detail"]
    assert (await lifecycle.view(claim))["status"] == "decided"  # nothing changed
    async with TopicProbe(stack.kafka_bootstrap, topics.CLAIMS) as probe:
        refunded = await lifecycle.act(
            claim, "refund", amount="4299.00", method="bank_transfer", iban=IBAN
        )
        assert refunded.status_code == 200, refunded.text
        [event] = await probe.wait_for(
            lambda body, _: (
                body["type"] == "ClaimRefunded" and body["data"]["claim_id"] == claim["claim_id"]
            )
        )
    assert event["data"]["account_number_ending"] == "2874"
    assert "PL61" not in str(event)  # the whole account number never travels
    email = await lifecycle.email(customer, ": zwrot ")
    assert "2874" in email["text"]
    assert (await lifecycle.view(claim))["status"] == "refunded"


async def test_paid_quote_refused_on_a_covered_claim_then_accepted_and_refused(
    lifecycle: Lifecycle,
) -> None:
    valid_until = (polish_today() + timedelta(days=7)).isoformat()
    quote = {
        "decision": "paid_repair",
        "justification": "Uszkodzenie mechaniczne poza gwarancją.",
        "amount": "350.00",
        "valid_until": valid_until,
    }
    covered_customer, covered = await in_inspection(lifecycle)
    await lifecycle.assess(covered_customer, covered, True)
    on_covered = await lifecycle.act(covered, "decision", **quote)
    assert (on_covered.status_code, error_code(on_covered)) == (422, "quote_on_covered_claim")
    assert (await lifecycle.view(covered))["decision"] is None

    for accept in (True, False):
        customer, claim = await in_inspection(lifecycle)
        await lifecycle.assess(customer, claim, False)
        decided = await lifecycle.act(claim, "decision", **quote)
        assert decided.status_code == 200, decided.text
        decision_email = await lifecycle.email(customer, "propozycja płatnej naprawy")
        assert "350,00" in decision_email["text"]
        answered = await lifecycle.post(
            f"/api/claims/{claim['claim_id']}/quote", customer.headers, accept=accept
        )
        assert answered.status_code == 200, answered.text
        again = await lifecycle.post(
            f"/api/claims/{claim['claim_id']}/quote", customer.headers, accept=accept
        )
        assert (again.status_code, error_code(again)) == (409, "no_offer_to_answer")
        word = "przyjęta" if accept else "odrzucona"
        await lifecycle.email(customer, f"oferta płatnej naprawy – {word}")
        shown = await lifecycle.view(claim)
        assert shown["status"] == ("in_repair" if accept else "decided")
        assert shown["decision"]["customer_response"] == ("accepted" if accept else "refused")
        shipped = await lifecycle.act(claim, "ship-back", carrier="InPost", tracking_number="IP1")
        assert shipped.status_code == 200, shipped.text


async def test_return_with_deductions_accepted_or_goods_taken_back(lifecycle: Lifecycle) -> None:
    for accept in (True, False):
        customer, claim = await in_inspection(lifecycle, claim_type="return")
        decided = await lifecycle.act(
            claim,
            "decision",
            decision="refund",
            justification="Zwrot z potrąceniem za opakowanie.",
            deductions={"packaging": 10},
        )
        assert decided.status_code == 200, decided.text
        assert Decimal(decided.json()["amount"]) == Decimal("3869.10")
        early = await lifecycle.act(claim, "refund", amount="3869.10", method="original_payment")
        assert error_code(early) == "nothing_to_refund"  # the customer has not chosen yet
        answered = await lifecycle.post(
            f"/api/claims/{claim['claim_id']}/deductions", customer.headers, accept=accept
        )
        assert answered.status_code == 200, answered.text
        if accept:
            refunded = await lifecycle.act(
                claim, "refund", amount="3869.10", method="original_payment"
            )
            assert refunded.status_code == 200, refunded.text
            await lifecycle.email(customer, ": zwrot ")
            assert (await lifecycle.view(claim))["status"] == "refunded"
        else:
            await lifecycle.email(customer, "potrącenia ze zwrotu – odrzucona")
            refused = await lifecycle.act(
                claim, "refund", amount="3869.10", method="original_payment"
            )
            assert error_code(refused) == "nothing_to_refund"
            back = await lifecycle.act(claim, "ship-back", carrier="DPD", tracking_number="R1")
            assert back.status_code == 200, back.text


async def test_waiting_for_the_customer_moves_the_dji_deadline_visibly(
    lifecycle: Lifecycle,
) -> None:
    customer, claim = await in_inspection(lifecycle)
    due = polish_today() + timedelta(days=60)
    await lifecycle.assess(
        customer, claim, True, Deadline(kind="dji_repair", due_on=due, description="60 dni")
    )
    asked = await lifecycle.act(
        claim, "status", status="awaiting_customer", note="Prosimy o zdjęcie uszkodzenia."
    )
    assert asked.status_code == 200, asked.text
    await lifecycle.email(customer, "czekamy na informacje od Ciebie")
    [paused] = (await lifecycle.view(claim))["deadline_standings"]
    assert paused["state"] == "paused"
    not_an_image = await lifecycle.client.post(
        f"/api/claims/{claim['claim_id']}/answer-with-attachments",
        data={"message": "Zdjęcie w załączniku."},
        files={"attachments": ("zdjecie.jpg", b"not really a photo", "image/jpeg")},
        headers=customer.headers,
    )
    assert (not_an_image.status_code, error_code(not_an_image)) == (415, "attachment_type_invalid")
    assert (await lifecycle.view(claim))["status"] == "awaiting_customer"
    # The question was asked days ago: move it back so that working days were waited.
    conn = await asyncpg.connect(lifecycle.claims.database_url)
    try:
        await conn.execute(
            """UPDATE claims SET pauses = jsonb_build_array(jsonb_build_object(
                   'started_at', $2::text, 'ended_at', NULL))
               WHERE claim_id = $1""",
            uuid.UUID(claim["claim_id"]),
            (polish_today() - timedelta(days=14)).isoformat() + "T09:00:00+00:00",
        )
    finally:
        await conn.close()
    photo = ("zdjecie.jpg", b"\xff\xd8\xff\xe0 a photo of the damage", "image/jpeg")
    answered = await lifecycle.client.post(
        f"/api/claims/{claim['claim_id']}/answer-with-attachments",
        data={"message": "Zdjęcie w załączniku."},
        files={"attachments": photo},
        headers=customer.headers,
    )
    assert answered.status_code == 200, answered.text
    shown = await lifecycle.view(claim)
    [standing] = shown["deadline_standings"]
    assert standing["paused_working_days"] >= 8  # two weeks, holidays aside
    assert date.fromisoformat(standing["moved_to"]) > due
    assert standing["state"] == "running"
    assert "przesunięty" in shown["timeline"][-1]["note"]
    files = {a["purpose"]: a for a in shown["attachments"]}
    assert files["answer"]["content_type"] == "image/jpeg"
    photo_back = await lifecycle.client.get(
        files["answer"]["download_path"], headers=lifecycle.operator
    )
    assert photo_back.content == photo[1]


async def test_the_scooter_delay_is_emailed_before_the_deadline(lifecycle: Lifecycle) -> None:
    customer, claim = await in_inspection(lifecycle)
    no_deadline = await lifecycle.act(claim, "repair-delay", reason="Czekamy na sterownik.")
    assert (no_deadline.status_code, error_code(no_deadline)) == (409, "no_repair_deadline")
    due = polish_today() + timedelta(days=3)
    await lifecycle.assess(
        customer, claim, True, Deadline(kind="scooter_repair", due_on=due, description="30 dni")
    )
    short = await lifecycle.act(claim, "repair-delay", reason="brak")
    assert (short.status_code, short.json()["errors"][0]["field"]) == (422, "reason")
    delayed = await lifecycle.act(
        claim,
        "repair-delay",
        reason="Czekamy na sterownik silnika od producenta.",
        expected_on=(due + timedelta(days=10)).isoformat(),
    )
    assert delayed.status_code == 200, delayed.text
    email = await lifecycle.email(customer, "naprawa potrwa dłużej")
    assert "sterownik silnika" in email["text"]


async def test_a_parcel_for_a_cancelled_claim_is_kept_for_an_operator(
    lifecycle: Lifecycle,
) -> None:
    customer = await lifecycle.claims.customer_with_document()
    claim = (await customer.file()).json()
    cancelled = await lifecycle.client.post(
        f"/api/claims/{claim['claim_id']}/cancel", headers=customer.headers
    )
    assert cancelled.status_code == 200
    scanner = lifecycle.claims.bearer("scanner")
    scanned = await lifecycle.post("/api/parcels", scanner, rma_number=claim["rma_number"])
    body = scanned.json()
    assert scanned.status_code == 200 and body["identified"] and not body["duplicate"]
    assert body["attention"]
    again = await lifecycle.post("/api/parcels", scanner, rma_number=claim["rma_number"])
    assert again.json()["duplicate"] is True
    queue = (
        await lifecycle.client.get("/api/operator/parcels/unidentified", headers=lifecycle.operator)
    ).json()
    [waiting] = [p for p in queue if p["claim_id"] == claim["claim_id"]]
    assert waiting["attention"]
    resolved = await lifecycle.post(
        f"/api/operator/parcels/{waiting['parcel_id']}/resolve", lifecycle.operator
    )
    assert resolved.status_code == 200
    queue = (
        await lifecycle.client.get("/api/operator/parcels/unidentified", headers=lifecycle.operator)
    ).json()
    assert waiting["parcel_id"] not in {p["parcel_id"] for p in queue}
    assert (await lifecycle.view(claim))["status"] == "cancelled"


async def test_return_address_from_the_claim_or_the_account_and_the_operators_view(
    lifecycle: Lifecycle,
) -> None:
    customer = await lifecycle.claims.customer_with_document()
    without = {key: None for key in RETURN_ADDRESS}
    none_at_all = await customer.file(**without)
    assert (none_at_all.status_code, error_code(none_at_all)) == (422, "return_address_required")
    bad_code = await customer.file(return_postal_code="44200")
    assert (bad_code.status_code, bad_code.json()["errors"][0]["field"]) == (
        422,
        "return_postal_code",
    )
    assert "NN-NNN" in bad_code.json()["detail"]
    address = PostalAddress(
        recipient="Jan Kowalski",
        street="ul. Rudzka 65C",
        postal_code="44-200",
        city="Rybnik",
        phone="+48600100200",
    )
    await lifecycle.claims.send(
        AccountContactChanged(
            producer="accounts",
            key=str(customer.account_id),
            data=AccountContactChangedData(
                account_id=customer.account_id,
                full_name="Jan Kowalski",
                email=customer_email(customer),
                phone=address.phone,
                address=address,
            ),
        )
    )
    for _ in range(100):  # until the account's address reaches the claims service
        filed = await customer.file(**without)
        if filed.status_code == 201:
            break
        await asyncio.sleep(0.2)
    assert filed.status_code == 201, filed.text
    claim = filed.json()
    shown = await lifecycle.view(claim)
    assert shown["return_address"]["street"] == "ul. Rudzka 65C"
    assert shown["customer"] == {
        "full_name": "Jan Kowalski",
        "email": customer_email(customer),
        "phone": "+48600100200",
        "address": address.model_dump(mode="json"),
    }
    assert shown["document"]["buyer_type"] == "consumer"
    assert Decimal(shown["document"]["total"]) == Decimal("4499.00")
    assert Decimal(shown["document"]["unit_price"]) == Decimal("4299.00")
    [sales_document] = shown["attachments"]
    assert sales_document["purpose"] == "sales_document"
    downloaded = await lifecycle.client.get(
        sales_document["download_path"], headers=lifecycle.operator
    )
    assert (downloaded.status_code, downloaded.content) == (200, PDF[1])
    own = f"/api/claims/{claim['claim_id']}/attachments/{sales_document['attachment_id']}"
    assert (await lifecycle.client.get(own, headers=customer.headers)).content == PDF[1]
    stranger = lifecycle.claims.bearer("customer")
    assert (await lifecycle.client.get(own, headers=stranger)).status_code == 404
    as_customer = await lifecycle.client.get(
        sales_document["download_path"], headers=customer.headers
    )
    assert as_customer.status_code == 403
