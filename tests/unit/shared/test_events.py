from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from pydantic import ValidationError

from shared import topics
from shared.events import (
    EVENT_TYPES,
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
