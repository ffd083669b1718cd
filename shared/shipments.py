"""A reseller's shipment of many claims (issue 25 §6): its number, as the claims service gives it
and the warehouse's scanner page recognises it on the one label the parcel carries."""

from __future__ import annotations

import re

_SHIPMENT_NUMBER = re.compile(r"^WYS/\d+/SR/\d{4}$")


def format_shipment_number(sequence: int, year: int) -> str:
    """`WYS/<n>/SR/<year>`: shaped like an RMA number, so the label reads the same way."""
    return f"WYS/{sequence}/SR/{year}"


def shipment_number_of(code: str) -> str | None:
    """The shipment number a scanned code is, spaces a scanner or a person typed dropped;
    None when the code is not one (an RMA number, a tracking number)."""
    text = "".join(code.split()).upper()
    return text if _SHIPMENT_NUMBER.match(text) else None
