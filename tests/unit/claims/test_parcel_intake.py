"""The warehouse's intake check on the Claim aggregate: the label read, the declared contents as a
checklist, and the serial number read from the device against the claim's."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.claims.domain.claim import Replacement, Shipment
from services.claims.domain.intake import IntakeCheck, declared_items, read_label
from services.claims.domain.refusals import Refusal
from services.claims.entrypoints.refusals import polish
from shared.events import ClaimStatusChanged, ParcelReceived
from tests.unit.claims.test_claim import MONDAY, a_claim, act, codes, parcel


def test_a_label_is_an_rma_number_by_its_shape_and_a_tracking_number_otherwise() -> None:
    assert read_label(" rma/17/sr/2026 ").rma_number == "RMA/17/SR/2026"
    tracking = read_label("dpd 0001 2345")
    assert (tracking.rma_number, tracking.tracking_number) == (None, "DPD00012345")
    for unreadable in ("", "   ", "X" * 61):
        with pytest.raises(Refusal) as error:
            read_label(unreadable)
        assert error.value.field == "code" and "etykiety" in polish(error.value)


def test_the_declared_contents_become_a_checklist_each_item_once() -> None:
    assert declared_items("Dron, 2 akumulatory;ładowarka\n\nkabel USB-C, dron") == (
        "Dron",
        "2 akumulatory",
        "ładowarka",
        "kabel USB-C",
    )


def test_a_different_serial_on_the_device_flags_the_claim_and_its_timeline() -> None:
    claim = a_claim(package_contents="Dron, aparatura, 2 akumulatory")
    check = IntakeCheck(ticked=("dron", "Aparatura"), serial_read="1581f 999999")
    events = claim.receive_parcel(act("scanner"), parcel(), check=check)

    assert codes(events) == ["ParcelReceived", "ClaimStatusChanged"]
    received, changed = events
    assert isinstance(received, ParcelReceived) and isinstance(changed, ClaimStatusChanged)
    assert received.data.serial_mismatch and received.data.serial_number_read == "1581F999999"
    assert received.data.missing_items == ("2 akumulatory",)
    assert received.data.contents_checked
    assert claim.status == "received"  # received all the same, and flagged
    assert claim.serial_mismatch and claim.intake is not None
    assert claim.intake.serial_expected == "1581F000001"
    notes = [entry.note or "" for entry in claim.timeline]
    assert any("1581F999999" in note and "1581F000001" in note for note in notes)
    assert "Brak w przesyłce: 2 akumulatory." in notes
    assert claim.parcels[0].intake == claim.intake


def test_the_claimed_serial_and_every_item_found_raise_no_flag() -> None:
    claim = a_claim(package_contents="Dron")
    check = IntakeCheck(ticked=("Dron",), serial_read=" 1581f000001 ")
    [received, _] = claim.receive_parcel(act("scanner"), parcel(), check=check)
    assert isinstance(received, ParcelReceived)
    assert not received.data.serial_mismatch and received.data.missing_items == ()
    assert not claim.serial_mismatch
    assert "Zawartość przesyłki zgodna z deklaracją klienta." in [e.note for e in claim.timeline]


def test_a_receipt_without_a_check_records_nothing_of_one() -> None:
    claim = a_claim()
    [received, _] = claim.receive_parcel(act("scanner"), parcel())
    assert isinstance(received, ParcelReceived) and not received.data.contents_checked
    assert claim.intake is None and not claim.serial_mismatch
    # A serial read without the contents gone through: no item counts as missing.
    other = a_claim()
    other.receive_parcel(act("scanner"), parcel(), check=IntakeCheck(serial_read="INNY"))
    assert other.serial_mismatch and other.intake and other.intake.missing_items == ()


def test_what_a_scan_would_do_follows_the_claim() -> None:
    assert a_claim().scan_outlook() == "receive"
    assert a_claim("in_inspection").scan_outlook() == "already_received"
    assert a_claim("cancelled").scan_outlook() == "ended"
    assert a_claim("closed").scan_outlook() == "ended"
    shipped = a_claim("shipped_back", outbound=Shipment("DPD", "DPD1", MONDAY - timedelta(days=1)))
    assert shipped.scan_outlook() == "returned"


def test_a_parcel_back_after_a_replacement_should_hold_the_replacement_unit() -> None:
    claim = a_claim(
        "shipped_back",
        outbound=Shipment("DPD", "DPD1", MONDAY - timedelta(days=1)),
        replacement=Replacement("NOWY-1", "5901234123457", MONDAY - timedelta(days=2)),
    )
    assert claim.expected_serial == "NOWY-1"
    claim.receive_parcel(act("scanner"), parcel("DPD1"), check=IntakeCheck(serial_read="NOWY-1"))
    assert claim.status == "received" and not claim.serial_mismatch


def test_a_parcel_for_an_ended_claim_is_queued_with_what_was_found_in_it() -> None:
    claim = a_claim("cancelled", package_contents="Dron, aparatura")
    check = IntakeCheck(ticked=("Dron",), serial_read="OBCY-1")
    [received] = claim.receive_parcel(act("scanner"), parcel("DPD9"), check=check)
    assert isinstance(received, ParcelReceived) and received.data.attention
    assert received.data.serial_mismatch and received.data.missing_items == ("aparatura",)
    assert claim.status == "cancelled" and claim.serial_mismatch


def test_a_second_scan_of_a_received_parcel_changes_nothing() -> None:
    claim = a_claim("received")
    assert claim.receive_parcel(act("scanner"), parcel(), check=IntakeCheck(("Dron",), "X")) == []
    assert claim.intake is None and claim.timeline == []
