"""Sales and their owners as the ERP feed and accounts announce them on Kafka: the set-up most
end-to-end tests, the trace test and the benchmark start from."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from stdnum import ean

from shared.events import (
    AccountContactChanged,
    AccountContactChangedData,
    Buyer,
    DocumentLinked,
    DocumentLinkedData,
    Event,
    PostalAddress,
    SaleLine,
    SaleRecorded,
    SaleRecordedData,
)
from tools.support.days import polish_today
from tools.support.kafka import publish

DRONE_PRICE = Decimal("4299.00")


def gtin13(first12: str) -> str:
    """`first12` with its GTIN-13 check digit appended."""
    return first12 + ean.calc_check_digit(first12)


def sale(
    number: str,
    *lines: SaleLine,
    sold_on: date,
    buyer: str = "Jan Kowalski",
    delivered_on: date | None = None,
) -> SaleRecorded:
    """A consumer's receipt (PA) for `lines`, its total their sum."""
    data = SaleRecordedData(
        document_type="PA",
        document_number=number,
        issued_on=sold_on,
        delivered_on=delivered_on,
        buyer=Buyer(type="consumer", name=buyer),
        total=sum((line.unit_price * line.quantity for line in lines), Decimal(0)),
        lines=lines,
    )
    return SaleRecorded(producer="erp", key=f"PA/{number}", data=data)


def drone_line(line_no: int = 1, serials: tuple[str, ...] = ()) -> SaleLine:
    """One DJI Mini 4 Pro. With no serials listed the claims API takes any serial for it."""
    return SaleLine(
        line_no=line_no,
        ean="6941565967251",
        sku="DJI-MINI4PRO",
        name="DJI Mini 4 Pro",
        brand="DJI",
        category="drone",
        quantity=1,
        unit_price=DRONE_PRICE,
        serial_numbers=serials,
    )


def dji_drone_sale(
    number: str,
    sold_on: date,
    serials: tuple[str, ...] = (),
    buyer: str = "Jan Kowalski",
    delivered_on: date | None = None,
) -> SaleRecorded:
    """A receipt (PA) for one DJI Mini 4 Pro."""
    return sale(
        number, drone_line(1, serials), sold_on=sold_on, buyer=buyer, delivered_on=delivered_on
    )


@dataclass(frozen=True)
class SoldDrone:
    account_id: uuid.UUID
    email: str
    document_number: str
    serial: str


async def sold_drone(
    bootstrap: str, sold_on: date, email_prefix: str, with_return_address: bool = True
) -> SoldDrone:
    """A drone sold to a private customer: the sale (ERP), its owner (accounts) and, unless told
    otherwise, the postal address kept on the account (a claim's default return address)."""
    account_id = uuid.uuid4()
    number = f"2025/{account_id.hex[:8].upper()}"
    sold = SoldDrone(
        account_id=account_id,
        email=f"{email_prefix}.{account_id.hex[:8]}@example.com",
        document_number=number,
        serial=f"1581F{account_id.hex[:8].upper()}",
    )
    await publish(bootstrap, dji_drone_sale(number, sold_on, (sold.serial,)))
    owner = DocumentLinkedData(
        account_id=account_id,
        account_type="private",
        email=sold.email,
        document_type="PA",
        document_number=number,
    )
    await publish(bootstrap, DocumentLinked(producer="accounts", key=str(account_id), data=owner))
    if with_return_address:
        contact = AccountContactChangedData(
            account_id=account_id,
            full_name="Jan Kowalski",
            email=sold.email,
            address=PostalAddress(
                recipient="Jan Kowalski",
                street="ul. Zielona 5",
                postal_code="44-200",
                city="Rybnik",
            ),
        )
        await publish(
            bootstrap,
            AccountContactChanged(producer="accounts", key=str(account_id), data=contact),
        )
    return sold


@dataclass(frozen=True)
class ResellerInvoice:
    """A company's invoice (FS) of many serial-numbered units, and the events that announce it:
    the sale (ERP), its owner and the account's address (accounts; the claims' return address)."""

    account_id: uuid.UUID
    document: str  # as a bulk CSV names it: FS/<number>
    serials: list[str]
    email: str
    events: list[Event]


def reseller_invoice(
    units: int, name: str, number_prefix: str, account_type: str = "company"
) -> ResellerInvoice:
    """`units` Xiaomi Smart Bands on one invoice of the company `name`; the document number
    starts with `number_prefix` (2026/<prefix><8 hex>), the serials follow from it."""
    account_id = uuid.uuid4()
    number = f"2026/{number_prefix}{uuid.uuid4().hex[:8].upper()}"
    serials = [f"{number_prefix[:2]}{number[-8:]}{n:05d}" for n in range(1, units + 1)]
    email = f"{number_prefix.lower()}.{account_id.hex[:8]}@example.com"
    line = SaleLine(
        line_no=1,
        ean="5901234123464",
        sku="XIAOMI-BAND9",
        name="Xiaomi Smart Band 9",
        brand="Xiaomi",
        category="other",
        quantity=units,
        unit_price=Decimal("150.00"),
        serial_numbers=tuple(serials),
    )
    sale = SaleRecordedData(
        document_type="FS",
        document_number=number,
        issued_on=polish_today() - timedelta(days=30),
        buyer=Buyer(type="business", name=f"{name} sp. z o.o."),
        total=Decimal("150.00") * units,
        lines=(line,),
    )
    link = DocumentLinkedData(
        account_id=account_id,
        account_type=account_type,
        email=email,
        document_type="FS",
        document_number=number,
    )
    address = PostalAddress(
        recipient=f"{name} sp. z o.o.",
        street="ul. Magazynowa 1",
        postal_code="40-001",
        city="Katowice",
    )
    contact = AccountContactChangedData(
        account_id=account_id, full_name=name, email=email, address=address
    )
    events: list[Event] = [
        SaleRecorded(producer="erp", key=f"FS/{number}", data=sale),
        DocumentLinked(producer="accounts", key=str(account_id), data=link),
        AccountContactChanged(producer="accounts", key=str(account_id), data=contact),
    ]
    return ResellerInvoice(account_id, f"FS/{number}", serials, email, events)
