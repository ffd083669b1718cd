"""An email's attachments as the emails table keeps them, and their bytes when the email goes out.

The parcel label is kept as what it is drawn from (the RMA number and the sender's name), not as
its PDF: the label's base64 in JSONB was the largest value every new claim wrote, read back and
decoded again to send it, and the label draws the same bytes from the same facts
(shared/labels.py renders invariantly). It is drawn when the email is sent, outside the
consumer's transaction. Rows written before keep their bytes in `content_base64`, and still send.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any

from shared.labels import label_file_name, render_label
from shared.shipment_label import render_shipment_label

PDF = "application/pdf"


def parcel_label(rma_number: str, customer_name: str | None) -> dict[str, Any]:
    """The label attachment of a new claim's email, as stored in emails.attachments."""
    return {
        "filename": label_file_name(rma_number),
        "content_type": PDF,
        "label": {"rma_number": rma_number, "customer_name": customer_name},
    }


def shipment_label(
    shipment_number: str, rma_numbers: tuple[str, ...], customer_name: str | None
) -> dict[str, Any]:
    """A bulk shipment's one label (issue 25 §6), kept as what it is drawn from."""
    return {
        "filename": label_file_name(shipment_number),
        "content_type": PDF,
        "shipment_label": {
            "shipment_number": shipment_number,
            "rma_numbers": list(rma_numbers),
            "customer_name": customer_name,
        },
    }


def content(attachment: Mapping[str, Any]) -> bytes:
    """The attachment's bytes: the label drawn from its facts, or the bytes a row kept."""
    if (label := attachment.get("label")) is not None:
        return render_label(label["rma_number"], label["customer_name"])
    if (shipment := attachment.get("shipment_label")) is not None:
        return render_shipment_label(
            shipment["shipment_number"], shipment["rma_numbers"], shipment["customer_name"]
        )
    return base64.b64decode(attachment["content_base64"])
