"""What the warehouse checks when a claim's parcel is opened: the contents the customer declared,
ticked off one by one, and the serial number read from the device against the claim's.

A label is read by a barcode scanner that types like a keyboard: an RMA number (the label the
customer printed) or a carrier's tracking number; `read_label` tells which.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Literal
from uuid import UUID

from services.claims.domain.refusals import Refusal
from shared.claims_wording import note

# What receiving a parcel for the claim would do now (the scanner page says it before the
# receipt is confirmed; `Claim.receive_parcel` does it). `from_manufacturer`: the unit is at
# DJI's service, so a parcel now is its way back, recorded and queued for the operator, who
# records the return with DJI's statement.
ScanOutlook = Literal["receive", "returned", "already_received", "from_manufacturer", "ended"]
# What a scanned label leads to: a claim's outlook, or a parcel with this tracking number was
# received already, or a parcel for the ended claim waits for an operator already, or no claim
# has this label (the parcel would wait in the unidentified queue).
LabelOutlook = ScanOutlook | Literal["parcel_known", "already_queued", "unknown"]

_RMA_NUMBER = re.compile(r"^RMA/\d+/SR/\d{4}$")
_ITEM_SEPARATORS = re.compile(r"[,;\n]+")
MAX_LABEL_LENGTH = 60

LABEL_UNREADABLE = Refusal("parcel_unreadable", "code")


@dataclass(frozen=True)
class Label:
    """What a label says: an RMA number, or else a tracking number."""

    rma_number: str | None
    tracking_number: str | None


def read_label(code: str) -> Label:
    """An RMA number when the code has its shape (`RMA/<n>/SR/<year>`), a tracking number
    otherwise; spaces a scanner or a person typed are dropped."""
    text = "".join(code.split()).upper()
    if not text or len(text) > MAX_LABEL_LENGTH:
        raise LABEL_UNREADABLE
    if _RMA_NUMBER.match(text):
        return Label(text, None)
    return Label(None, text)


def normalised_serial(serial: str | None) -> str | None:
    return "".join((serial or "").split()).upper() or None


def declared_items(package_contents: str) -> tuple[str, ...]:
    """The customer's "Dron, 2 akumulatory; ładowarka" as the checklist's items, in order, each
    once."""
    items: list[str] = []
    for part in _ITEM_SEPARATORS.split(package_contents):
        item = " ".join(part.split())
        if item and item.casefold() not in {known.casefold() for known in items}:
            items.append(item)
    return tuple(items)


@dataclass(frozen=True)
class IntakeCheck:
    """What the warehouse found in the parcel. `ticked` is None when nobody went through the
    contents (a bare receipt from a scanner device); `serial_read` None when no serial was read."""

    ticked: tuple[str, ...] | None = None
    serial_read: str | None = None
    seal_intact: bool | None = None  # sealed goods: the packaging's seal as found


@dataclass(frozen=True)
class Intake:
    """The check of one parcel, as the claim keeps it."""

    parcel_id: UUID
    checked_by: str
    checked_at: datetime
    contents_checked: bool
    missing_items: tuple[str, ...]
    serial_read: str | None
    serial_expected: str | None
    seal_intact: bool | None = None

    @property
    def serial_mismatch(self) -> bool:
        """The device in the parcel is not the claimed unit (or not the one shipped back)."""
        return (
            self.serial_read is not None
            and self.serial_expected is not None
            and self.serial_read != self.serial_expected
        )

    def notes(self) -> list[str]:
        """What the claim's timeline says about the check (Polish, like every record)."""
        notes: list[str] = []
        if self.serial_mismatch:
            notes.append(
                note(
                    "intake_serial_mismatch",
                    serial_read=self.serial_read,
                    serial_expected=self.serial_expected,
                )
            )
        if self.seal_intact is False:
            notes.append(note("intake_seal_opened"))
        if self.missing_items:
            notes.append(note("intake_items_missing", items=", ".join(self.missing_items)))
        elif self.contents_checked:
            notes.append(note("intake_contents_complete"))
        return notes


def check_parcel(
    check: IntakeCheck,
    declared: tuple[str, ...],
    serial_expected: str | None,
    parcel_id: UUID,
    checked_by: str,
    checked_at: datetime,
) -> Intake:
    """The declared items not ticked are missing; an item ticked that was never declared is not
    one of the checklist's and counts for nothing."""
    ticked = {" ".join(item.split()).casefold() for item in check.ticked or ()}
    missing = (
        tuple(item for item in declared if item.casefold() not in ticked)
        if check.ticked is not None
        else ()
    )
    return Intake(
        parcel_id=parcel_id,
        checked_by=checked_by,
        checked_at=checked_at,
        contents_checked=check.ticked is not None,
        missing_items=missing,
        serial_read=normalised_serial(check.serial_read),
        serial_expected=normalised_serial(serial_expected),
        seal_intact=check.seal_intact,
    )
