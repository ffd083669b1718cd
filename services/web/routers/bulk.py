"""A company's claims in bulk (issue 25 §6): upload a CSV, see every row's verdict before
anything is filed, attach the sales documents and file the accepted rows as one shipment, then
print its one label. The panel keeps no state between the steps: the checked CSV travels in the
verdict page's form, and the claims API checks every row again when filing."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile

from services.web.clients import Apis, Caller
from services.web.clients.accounts import Product
from services.web.clients.base import FileTuple
from services.web.forms import FormErrors
from services.web.i18n import N_
from services.web.pages import ApisDep, Customer, render
from services.web.routers.claims import read_upload
from services.web.security import IDEMPOTENCY_FIELD, idempotency_key

router = APIRouter()

BULK_FIELDS = ("file", "document")
MAX_CSV_BYTES = 512 * 1024  # the claims API's limit; a larger file is refused there, in words
CHOOSE_CSV = N_("Wybierz plik CSV z wierszami zgłoszeń.")


def _csv(name: str, content: bytes) -> FileTuple:
    return (name or "zgloszenia.csv", content, "text/csv")


async def _chosen_csv(upload: object, errors: FormErrors) -> FileTuple | None:
    if not isinstance(upload, UploadFile) or not upload.filename:
        errors.add("file", CHOOSE_CSV)
        return None
    # One byte past the API's limit: the API says the file is too large, in its words.
    return _csv(upload.filename, await upload.read(MAX_CSV_BYTES + 1))


@dataclass(frozen=True)
class Unit:
    """One unit of the account's documents to pick: a line's serial number, or the line."""

    key: str  # document|line|serial, as the picked form sends it back
    product: Product
    serial_number: str


def units_of(products: list[Product]) -> list[Unit]:
    units = []
    for product in products:
        document = f"{product.document_type}/{product.document_number}"
        for serial in product.serial_numbers or [""]:
            units.append(Unit(f"{document}|{product.line_no}|{serial}", product, serial))
    return units


def picked_csv(keys: list[str], problem: str, description: str) -> str:
    """The picked units as the CSV a reseller would upload, one row each: checked by the same
    preview and filed the same way."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(["document", "line", "serial", "problem", "description"])
    for key in dict.fromkeys(keys):
        document, line, serial = [*key.split("|"), "", "", ""][:3]
        writer.writerow([document, line, serial, problem, description])
    return text.getvalue()


async def _new_page(
    request: Request, apis: Apis, caller: Caller, status_code: int = 200, **context: object
) -> HTMLResponse:
    units = units_of(await apis.accounts.products(caller))
    return render(request, "bulk_new.html", status_code, units=units, **context)


@router.get("/bulk", response_class=HTMLResponse)
async def bulk_page(request: Request, apis: ApisDep, caller: Customer) -> HTMLResponse:
    return await _new_page(request, apis, caller)


PICK_UNITS = N_("Zaznacz co najmniej jeden egzemplarz.")


@router.post("/bulk/picked", response_class=HTMLResponse)
async def bulk_picked(request: Request, apis: ApisDep, caller: Customer) -> Response:
    """Units picked from the list instead of a file: the same verdicts, the same filing."""
    form = await request.form()
    keys = [key for key in form.getlist("unit") if isinstance(key, str)]
    problem = str(form.get("problem") or "").strip()
    description = str(form.get("description") or "").strip()
    errors = FormErrors(("unit", "description"))
    if not keys:
        errors.add("unit", PICK_UNITS)
        values = {"problem": problem, "description": description}
        return await _new_page(request, apis, caller, 422, errors=errors, values=values)
    csv_text = picked_csv(keys, problem, description)
    chosen = _csv("wybrane.csv", csv_text.encode())
    with errors.refusals():
        preview = await apis.shipments.preview(caller, chosen)
        return render(
            request, "bulk_preview.html", preview=preview, csv_name=chosen[0], csv_text=csv_text
        )
    return await _new_page(request, apis, caller, errors.status_code or 422, errors=errors)


@router.post("/bulk/preview", response_class=HTMLResponse)
async def bulk_preview(request: Request, apis: ApisDep, caller: Customer) -> Response:
    form = await request.form()
    errors = FormErrors(BULK_FIELDS)
    chosen = await _chosen_csv(form.get("file"), errors)
    if chosen is None:
        return await _new_page(request, apis, caller, 422, errors=errors)
    with errors.refusals():
        preview = await apis.shipments.preview(caller, chosen)
        return render(
            request,
            "bulk_preview.html",
            preview=preview,
            csv_name=chosen[0],
            csv_text=chosen[1].decode("utf-8-sig"),
        )
    return await _new_page(request, apis, caller, errors.status_code or 422, errors=errors)


@router.post("/bulk/file", response_class=HTMLResponse)
async def bulk_file(request: Request, apis: ApisDep, caller: Customer) -> Response:
    form = await request.form()
    csv_text = str(form.get("csv_text") or "")
    chosen = _csv(str(form.get("csv_name") or ""), csv_text.encode())
    errors = FormErrors(BULK_FIELDS)
    document = await read_upload(form.get("document"), "document", errors)
    if document is None and not errors:
        errors.add("document", N_("Dołącz dokumenty sprzedaży (PDF, JPG lub PNG): są wymagane."))
    if not errors:
        with errors.refusals():
            shipment = await apis.shipments.file(
                caller, chosen, document, idempotency_key(form.get(IDEMPOTENCY_FIELD))
            )
            return RedirectResponse(f"/bulk/shipments/{shipment.shipment_id}", status_code=303)
    # The verdicts again, with what stopped the filing at its field.
    with errors.refusals():
        preview = await apis.shipments.preview(caller, chosen)
        return render(
            request,
            "bulk_preview.html",
            errors.status_code or 422,
            preview=preview,
            csv_name=chosen[0],
            csv_text=csv_text,
            errors=errors,
        )
    return await _new_page(request, apis, caller, errors.status_code or 422, errors=errors)


@router.get("/bulk/shipments/{shipment_id:uuid}", response_class=HTMLResponse)
async def shipment_page(
    request: Request, apis: ApisDep, caller: Customer, shipment_id: UUID
) -> HTMLResponse:
    shipment = await apis.shipments.shipment(caller, shipment_id)
    return render(request, "bulk_shipment.html", shipment=shipment)


@router.get("/bulk/shipments/{shipment_id:uuid}/label")
async def shipment_label(apis: ApisDep, caller: Customer, shipment_id: UUID) -> Response:
    content, disposition = await apis.shipments.label(caller, shipment_id)
    return Response(
        content, media_type="application/pdf", headers={"Content-Disposition": disposition}
    )
