"""Evidence at intake on the panel (issue 25 §2): the scanner page and the operator's claim page
record what arrived (photos straight from a phone's camera, the packaging, the seal, damage,
dirt, the serial label, the courier's damage report); the customer's claim page shows the
photos of their own claim. Whether a fact is allowed, and what it changes, is the claims
service's to say: this page only carries the form there and shows its answer."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from services.web.clients import Apis, Caller
from services.web.clients.base import FileTuple
from services.web.clients.evidence import Recorder
from services.web.forms import FormErrors, text_values
from services.web.i18n import N_
from services.web.pages import ApisDep, Customer, Operator, Scanner, render
from services.web.routers.claims import read_upload
from services.web.routers.operator import claim_page_done, operator_claim_page
from services.web.routers.scanner import RECEIVABLE
from services.web.security import IDEMPOTENCY_FIELD, idempotency_key

router = APIRouter()

EVIDENCE_FIELDS = ("packaging", "seal_intact", "photos", "damage_report")
FLAGS = ("visible_damage", "dirty", "serial_legible", "transport_damage")
MAX_PHOTOS = 10  # the claims service's limit, said here before anything is sent
TOO_MANY_PHOTOS = N_("Dołącz najwyżej 10 zdjęć naraz (kolejne wyślesz osobno).")


async def evidence_form(
    form: FormData, errors: FormErrors
) -> tuple[dict[str, str], list[tuple[str, FileTuple]]]:
    """The facts as the claims API takes them (checkboxes as true/false; the seal only when
    chosen) and the chosen files; an oversized file is refused here, before sending."""
    values = text_values(form, ("packaging", "seal_intact"))
    facts = {"packaging": values.get("packaging", "")}
    if values.get("seal_intact") in ("true", "false"):
        facts["seal_intact"] = values["seal_intact"]
    for flag in FLAGS:
        facts[flag] = "true" if form.get(flag) else "false"
    photos = [
        ("photos", chosen)
        for upload in form.getlist("photos")
        if (chosen := await read_upload(upload, "photos", errors))
    ]
    if len(photos) > MAX_PHOTOS:
        errors.add("photos", TOO_MANY_PHOTOS)
    report = await read_upload(form.get("damage_report"), "damage_report", errors)
    return facts, [*photos, *([("damage_report", report)] if report else [])]


async def _record(
    apis: Apis, caller: Caller, recorder: Recorder, claim_id: UUID, form: FormData
) -> tuple[dict[str, str], FormErrors]:
    errors = FormErrors(EVIDENCE_FIELDS)
    facts, files = await evidence_form(form, errors)
    if not errors:
        with errors.refusals():
            await apis.claims.record_intake_evidence(
                caller,
                recorder,
                claim_id,
                facts,
                files,
                idempotency_key(form.get(IDEMPOTENCY_FIELD)),
            )
    return facts, errors


def _kept_values(facts: dict[str, str]) -> dict[str, Any]:
    """What the form shows again after a refusal (files must be chosen again)."""
    return {name: value for name, value in facts.items() if value != "false"}


@router.post("/scanner/claims/{claim_id:uuid}/evidence", response_class=HTMLResponse)
async def scanner_evidence(
    request: Request, apis: ApisDep, caller: Scanner, claim_id: UUID
) -> Response:
    form = await request.form()
    code = str(form.get("code") or "").strip()
    facts, errors = await _record(apis, caller, "scanner", claim_id, form)
    if not errors:
        return RedirectResponse("/scanner?done=evidence", status_code=303)
    lookup = await apis.claims.look_up_label(caller, code) if code else None
    return render(
        request,
        "scanner.html",
        status_code=errors.status_code or 422,
        receivable=RECEIVABLE,
        scanner_session=True,
        lookup=lookup,
        values={"code": code},
        evidence_values=_kept_values(facts),
        evidence_errors=errors,
    )


@router.post("/operator/claims/{claim_id:uuid}/intake-evidence", response_class=HTMLResponse)
async def operator_evidence(
    request: Request, apis: ApisDep, caller: Operator, claim_id: UUID
) -> Response:
    form = await request.form()
    facts, errors = await _record(apis, caller, "operator", claim_id, form)
    if not errors:
        return claim_page_done(claim_id, "evidence")
    return await operator_claim_page(
        request,
        apis,
        caller,
        claim_id,
        errors.status_code or 422,
        evidence_values=_kept_values(facts),
        evidence_errors=errors,
    )


@router.get("/claims/{claim_id:uuid}/attachments/{attachment_id:uuid}")
async def customer_attachment(
    apis: ApisDep, caller: Customer, claim_id: UUID, attachment_id: UUID
) -> Response:
    """A photo of the customer's own claim (the claims API answers 404 for another's)."""
    return (await apis.claims.customer_attachment(caller, claim_id, attachment_id)).response()
