from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from uuid import uuid4

import pytest
from pydantic import ValidationError

from shared import topics
from shared.events import (
    EVENT_TYPES,
    AccountActivated,
    AccountActivatedData,
    Buyer,
    SaleLine,
    SaleRecorded,
    SaleRecordedData,
    parse_event,
)


def a_sale() -> SaleRecorded:
    return SaleRecorded(
        producer="erp",
        key="FS/2025/7",
        data=SaleRecordedData(
            document_type="FS",
            document_number="2025/7",
            issued_on=date(2025, 8, 31),
            buyer=Buyer(type="business", vat_country="PL", tax_id="5260250274"),
            total=Decimal("1234.56"),
            lines=(
                SaleLine(
                    line_no=1,
                    ean="5901234123457",
                    sku="X",
                    name="Router",
                    brand="Other",
                    category="other",
                    quantity=1,
                    unit_price=Decimal("1234.56"),
                ),
            ),
        ),
    )


def test_envelope_round_trips_through_json_with_decimals_intact() -> None:
    event = a_sale()
    parsed = parse_event(event.model_dump_json())
    assert parsed == event
    assert isinstance(parsed, SaleRecorded)
    assert parsed.data.total == Decimal("1234.56")
    assert parsed.topic == topics.SALES


def test_unknown_fields_from_newer_producers_are_ignored() -> None:
    body = json.loads(a_sale().model_dump_json())
    body["data"]["added_later"] = "x"
    body["new_envelope_field"] = 1
    assert parse_event(body).data.document_number == "2025/7"  # type: ignore[attr-defined]


def test_events_are_frozen() -> None:
    event = a_sale()
    with pytest.raises(ValidationError):
        event.key = "other"  # type: ignore[misc]


def test_unknown_type_and_bad_data_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown event type"):
        parse_event({"type": "Nope"})
    body = json.loads(a_sale().model_dump_json())
    body["data"]["lines"] = []
    with pytest.raises(ValidationError):
        parse_event(body)


def an_activation(email: str) -> dict[str, object]:
    event = AccountActivated(
        producer="accounts",
        key="a",
        data=AccountActivatedData(
            account_id=uuid4(), account_type="private", full_name="Jan", email="jan@example.com"
        ),
    )
    body = json.loads(event.model_dump_json())
    body["data"]["email"] = email
    return body


@pytest.mark.parametrize(
    "address",
    ["jan.kowalski@example.com", "Anna+rma@Poczta.Example.PL", "zoë@bücher.example"],
)
def test_an_address_an_event_carries_is_read_as_its_producer_wrote_it(address: str) -> None:
    assert parse_event(an_activation(address)).data.email == address  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "not_an_address",
    [
        "",
        "jan.kowalski",
        "@example.com",
        "jan@",
        "jan kowalski@example.com",
        "a@b@c",
        "x" * 250 + "@e.pl",
    ],
)
def test_an_event_whose_address_is_not_one_is_refused(not_an_address: str) -> None:
    with pytest.raises(ValidationError):
        parse_event(an_activation(not_an_address))


def test_the_events_document_still_calls_an_address_an_email() -> None:
    schema = AccountActivatedData.model_json_schema()
    assert schema["properties"]["email"] == {"type": "string", "format": "email", "title": "Email"}


def test_every_event_of_the_design_has_a_contract() -> None:
    assert set(EVENT_TYPES) == {
        "AccountRegistered",
        "AccountActivated",
        "DocumentLinked",
        "AccountActivationLinkIssued",
        "PasswordResetRequested",
        "EmailChangeRequested",
        "AccountEmailChanged",
        "SaleRecorded",
        "ClaimCreated",
        "ParcelReceived",
        "ClaimStatusChanged",
        "ClaimDecided",
        "WarrantyAssessed",
        "ProductRegistered",
        "ProductCatalogued",
        "ClaimOfferAnswered",
        "ClaimReplacementIssued",
        "ClaimRefunded",
        "ClaimChargeChanged",
        "ClaimRepairDelayed",
        "ClaimSentToManufacturer",
        "ClaimBackFromManufacturer",
        "ClaimDeemedAccepted",
        "ClaimOfferExpired",
        "ClaimCollectionReminder",
        "ClaimMarkedForDisposal",
        "WarrantyVoidMarked",
        "IntakeEvidenceRecorded",
        "DeadlinesAtRisk",
        "ShipmentFiled",
        "AccountContactChanged",
        "AccountCredentialsChanged",
    }
