"""The operators' desk: the live dashboard (counts, deadlines at risk, unidentified parcels,
claims per status, failed emails), a claim's status changes and its decision."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sse_starlette import EventSourceResponse, ServerSentEvent

from services.web import charts, dashboard_charts, i18n, views, vocabulary
from services.web.clients import ApiError, Apis, Caller, Unauthorized
from services.web.clients.claims import Claim, OperatorClaimSummary, OperatorCommand
from services.web.clients.notifications import Email
from services.web.clients.warranty import Passport
from services.web.forms import FormErrors, text_values
from services.web.i18n import N_
from services.web.live import LiveHub
from services.web.pages import OPERATOR_COOKIE, ApisDep, Operator, operator, render
from services.web.routers.claims import claim_context, read_upload
from services.web.security import IDEMPOTENCY_FIELD, idempotency_key
from shared.claims_vocabulary import rejection_reasons

router = APIRouter()

OPERATOR_LOGIN = N_("Zaloguj się jako operator.")
# The dashboard lists the open claims (their deadlines run) and only the newest ended ones.
OPEN_CLAIMS_SHOWN = 500
ENDED_CLAIMS_SHOWN = 50
MOVE_FIELDS = ("status", "note")
DECISION_FIELDS = (
    "decision",
    "justification",
    "amount",
    "reduction_kind",
    "rejection_reason",
    "deductions",
    "missing_accessories_value",
    "valid_until",
    "exchange_product",
)
# The forms after the decision, by the claims API's command: their fields, as the API names them.
COMMAND_FIELDS: dict[str, tuple[str, ...]] = {
    "replacement": ("serial_number", "ean"),
    "ship-back": ("carrier", "tracking_number"),
    "refund": ("amount", "method", "iban", "difference_reason"),
    "repair-delay": ("reason", "expected_on"),
}
COMMAND_DONE = {
    "replacement": "replaced",
    "ship-back": "shipped",
    "refund": "refunded",
    "repair-delay": "delay_announced",
}
# Offered in the ship-back form; any other carrier may be typed.
CARRIERS = ("InPost", "DPD", "DHL", "GLS", "UPS", "FedEx", "Poczta Polska")
AMOUNT_EXAMPLE = N_("Podaj kwotę, np. 199,99.")


@dataclass(frozen=True)
class DashboardRow:
    claim: OperatorClaimSummary
    next_deadline: views.StandingRow | None


@dataclass(frozen=True)
class StatusGroup:
    status: str
    name: str
    rows: list[DashboardRow]
    count: int
    open: bool


def _group(status: str, rows: list[DashboardRow], count: int) -> StatusGroup:
    members = [row for row in rows if row.claim.status == status]
    # Within a group, the claims whose deadline comes first come first.
    members.sort(
        key=lambda row: (
            row.next_deadline is None,
            row.next_deadline.due_on
            if row.next_deadline and row.next_deadline.due_on
            else date.max,
            row.claim.created_at,
        )
    )
    return StatusGroup(
        status,
        vocabulary.STATUS_NAMES[status],
        members,
        count,
        status in vocabulary.OPEN_STATUSES,
    )


async def failed_emails(apis: Apis, caller: Caller) -> list[Email] | None:
    """Emails the SMTP server never took; None when the notifications service is away."""
    try:
        return await apis.notifications.emails(caller, "failed", 20)
    except Unauthorized:
        raise
    except ApiError:
        return None


async def dashboard_context(apis: Apis, caller: Caller) -> dict[str, Any]:
    counts, open_claims, ended_claims, parcels, emails = await asyncio.gather(
        apis.claims.counts(caller),
        # Open claims beyond the limit: those waiting longest, whose deadlines come first.
        apis.claims.operator_claims(
            caller, vocabulary.OPEN_STATUSES, OPEN_CLAIMS_SHOWN, oldest_first=True
        ),
        apis.claims.operator_claims(
            caller, vocabulary.SETTLED_STATUSES, ENDED_CLAIMS_SHOWN, oldest_first=False
        ),
        apis.claims.unidentified_parcels(caller),
        failed_emails(apis, caller),
    )
    rows = [
        DashboardRow(claim, views.next_deadline(claim.deadline_standings)) for claim in open_claims
    ]
    # An ended claim has no deadline running.
    rows += [DashboardRow(claim, None) for claim in ended_claims]
    at_risk = [row for row in rows if row.next_deadline and row.next_deadline.at_risk]
    at_risk.sort(key=lambda row: (row.next_deadline and row.next_deadline.due_on) or date.max)
    groups = [_group(status, rows, counts.get(status, 0)) for status in vocabulary.STATUS_ORDER]
    return {
        "groups": groups,
        "status_chart": charts.bar_chart(
            [(group.status, group.name, group.count) for group in groups]
        ),
        "at_risk": at_risk,
        "parcels": parcels,
        "total": sum(counts.values()),
        "failed_emails": emails,
    }


async def dashboard_page_context(apis: Apis, caller: Caller) -> dict[str, Any]:
    """The live part and the charts (which the live updates do not reload)."""
    live, figures = await asyncio.gather(
        dashboard_context(apis, caller), dashboard_charts.statistics(apis, caller)
    )
    return {**live, **dashboard_charts.charts_context(figures)}


@router.get("/operator", response_class=HTMLResponse)
async def dashboard(request: Request, apis: ApisDep, caller: Operator) -> HTMLResponse:
    return render(request, "dashboard.html", **await dashboard_page_context(apis, caller))


EXPORTS = ("claims", "at-risk", "parcels", "failed-emails")
CLAIM_COLUMNS = (
    N_("Numer RMA"),
    N_("Status"),
    N_("Typ"),
    N_("Produkt"),
    N_("Najbliższy termin"),
    N_("Rodzaj terminu"),
    N_("Utworzono"),
)


def _export_rows(
    table: str, context: dict[str, Any], say: Callable[[str], str]
) -> tuple[list[str], list[list[Any]]]:
    """The header and rows of one of the dashboard's tables, in the page's language."""
    if table == "parcels":
        header = [N_("Przyjęto"), N_("Numer przesyłki"), N_("Odczytany numer RMA"), N_("Skaner")]
        rows = [
            [p.received_at.isoformat(), p.tracking_number, p.rma_number, p.scanned_by]
            for p in context["parcels"]
        ]
    elif table == "failed-emails":
        header = [N_("Numer RMA"), N_("Odbiorca"), N_("Temat"), N_("Błąd")]
        rows = [
            [e.rma_number, e.recipient, e.subject, e.last_error]
            for e in context["failed_emails"] or []
        ]
    else:
        listed = [row for group in context["groups"] for row in group.rows]
        chosen = context["at_risk"] if table == "at-risk" else listed
        header = list(CLAIM_COLUMNS)
        rows = [_claim_row(row, say) for row in chosen]
    return [say(name) for name in header], rows


def _claim_row(row: DashboardRow, say: Callable[[str], str]) -> list[Any]:
    claim, deadline = row.claim, row.next_deadline
    return [
        claim.rma_number,
        say(vocabulary.STATUS_NAMES.get(claim.status, claim.status)),
        say(vocabulary.CLAIM_TYPES.get(claim.claim_type, claim.claim_type)),
        claim.product.name,
        deadline.due_on.isoformat() if deadline and deadline.due_on else "",
        say(deadline.name) if deadline else "",
        claim.created_at.isoformat(),
    ]


@router.get("/operator/export/{table}.csv")
async def export_table(request: Request, apis: ApisDep, caller: Operator, table: str) -> Response:
    """A table of the dashboard as CSV, for a spreadsheet."""
    language = i18n.language_of(request)

    def say(text: str) -> str:
        return i18n.translate(text, language)

    if table in dashboard_charts.EXPORTS:
        figures = await apis.claims.statistics(caller, dashboard_charts.DAYS)
        header, rows = dashboard_charts.export_rows(table, figures, say)
    elif table in EXPORTS:
        header, rows = _export_rows(table, await dashboard_context(apis, caller), say)
    else:
        return Response(status_code=404)
    return Response(
        charts.csv_text(header, rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="rma-{table}.csv"'},
    )


@router.get("/operator/fragment", response_class=HTMLResponse)
async def dashboard_fragment(request: Request, apis: ApisDep) -> Response:
    if not request.cookies.get(OPERATOR_COOKIE):
        return Response(status_code=401)
    try:
        context = await dashboard_context(apis, operator(request))
    except Unauthorized:
        return Response(status_code=401)
    return render(request, "_dashboard_live.html", **context)


async def _changes(hub: LiveHub) -> AsyncIterator[ServerSentEvent]:
    # sse-starlette ends this generator when the browser goes away, and pings meanwhile.
    async with hub.subscribe() as queue:
        yield ServerSentEvent(comment="connected", retry=3000)
        while True:
            yield ServerSentEvent(data=json.dumps(await queue.get()), event="change")


@router.get("/operator/events")
async def events(request: Request, apis: ApisDep) -> Response:
    if not request.cookies.get(OPERATOR_COOKIE):
        message = i18n.translate(OPERATOR_LOGIN, i18n.language_of(request))
        return Response(message, status_code=401)
    # The APIs verify tokens; a cheap operator-only call tells whether this one is valid.
    try:
        await apis.claims.unidentified_parcels(operator(request))
    except ApiError as error:
        return Response(error.detail, status_code=401 if error.status_code == 401 else 403)
    return EventSourceResponse(
        _changes(request.app.state.hub),
        ping=15,
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


async def unit_passport(apis: Apis, caller: Caller, claim: Claim) -> Passport | None:
    """The claimed unit's passport; None for a claim without a serial number, or while the
    warranty service cannot answer (the claim page shows without it)."""
    if not claim.serial_number:
        return None
    try:
        return await apis.warranty.passport(caller, claim.product.ean, claim.serial_number)
    except Unauthorized:
        raise
    except ApiError:
        return None


def suggested_decision(claim: Claim) -> dict[str, str]:
    """The same problem back after a repair: the decision form starts at the first remedy the
    warranty service suggests (by the claim type and the buyer)."""
    flag = (claim.assessment or {}).get("repeated_defect") or {}
    suggested = flag.get("suggested_decisions") or []
    return {"decision": str(suggested[0])} if suggested else {}


async def operator_claim_page(
    request: Request,
    apis: Apis,
    caller: Caller,
    claim_id: UUID,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    claim = await apis.claims.operator_claim(caller, claim_id)
    page = {
        **claim_context(claim),
        "operator_view": True,
        "targets": vocabulary.operator_targets(claim.next_statuses),
        "reasons": {
            code: words
            for code, words in rejection_reasons(claim.claim_type).items()
            if code in claim.rejection_reasons
        },
        "deductions": vocabulary.DEDUCTIONS,
        "actions": views.operator_actions(claim),
        "carriers": CARRIERS,
        "failed_form": None,
        "form_values": {},
        "form_errors": FormErrors(),
        "no_errors": FormErrors(),
        "passport": await unit_passport(apis, caller, claim),
        "decision_values": context.pop("decision_values", None) or suggested_decision(claim),
    }
    return render(request, "operator_claim.html", status_code=status_code, **{**page, **context})


def claim_page_done(claim_id: UUID, what: str) -> RedirectResponse:
    """Back to the claim page, which says what was done."""
    return RedirectResponse(f"/operator/claims/{claim_id}?done={what}", status_code=303)


async def claim_form_refused(
    request: Request,
    apis: ApisDep,
    caller: Operator,
    claim_id: UUID,
    failed_form: str,
    values: dict[str, str],
    errors: FormErrors,
) -> Response:
    """The claim page again with `failed_form` showing what was typed and why it was refused."""
    return await operator_claim_page(
        request,
        apis,
        caller,
        claim_id,
        errors.status_code or 422,
        failed_form=failed_form,
        form_values=values,
        form_errors=errors,
    )


@router.get("/operator/claims/{claim_id:uuid}", response_class=HTMLResponse)
async def operator_claim(
    request: Request, apis: ApisDep, caller: Operator, claim_id: UUID
) -> HTMLResponse:
    return await operator_claim_page(request, apis, caller, claim_id)


@router.post("/operator/claims/{claim_id:uuid}/status", response_class=HTMLResponse)
async def operator_move(
    request: Request, apis: ApisDep, caller: Operator, claim_id: UUID
) -> Response:
    values = text_values(await request.form(), MOVE_FIELDS)
    errors = FormErrors(MOVE_FIELDS)
    with errors.refusals():
        await apis.claims.move(
            caller, claim_id, values.get("status", ""), values.get("note") or None
        )
    if errors:
        return await operator_claim_page(
            request, apis, caller, claim_id, 422, move_values=values, move_errors=errors
        )
    return claim_page_done(claim_id, "moved")


def decision_body(values: dict[str, str], errors: FormErrors) -> dict[str, Any]:
    """The decision as the claims API takes it; amounts and percentages checked here."""
    body: dict[str, Any] = {
        "decision": values.get("decision", ""),
        "justification": values.get("justification", ""),
        "rejection_reason": values.get("rejection_reason") or None,
    }
    for name in ("amount", "missing_accessories_value"):
        try:
            amount = views.parse_amount(values.get(name, ""))
        except ValueError:
            errors.add(name, AMOUNT_EXAMPLE)
        else:
            if amount is not None:
                body[name] = str(amount)
    # A paid-repair quote's last day; the exchange's other product; a reduction's kind.
    for name in ("valid_until", "exchange_product", "reduction_kind"):
        if values.get(name):
            body[name] = values[name]
    deductions: dict[str, int] = {}
    for kind in vocabulary.DEDUCTIONS:
        text = values.get(f"deduction_{kind}", "").strip().rstrip("%").strip()
        if not text:
            continue
        if not text.isdigit():
            errors.add("deductions", N_("Potrącenia podaj w pełnych procentach, np. 20."))
            continue
        deductions[kind] = int(text)
    body["deductions"] = deductions
    return body


@router.post("/operator/claims/{claim_id:uuid}/decision", response_class=HTMLResponse)
async def operator_decide(
    request: Request, apis: ApisDep, caller: Operator, claim_id: UUID
) -> Response:
    form = await request.form()
    names = (*DECISION_FIELDS, *(f"deduction_{kind}" for kind in vocabulary.DEDUCTIONS))
    values = text_values(form, names)
    errors = FormErrors(DECISION_FIELDS)
    body = decision_body(values, errors)
    if not errors:
        with errors.refusals():
            await apis.claims.decide(
                caller, claim_id, body, idempotency_key(form.get(IDEMPOTENCY_FIELD))
            )
        if not errors:
            return claim_page_done(claim_id, "decided")
    return await operator_claim_page(
        request, apis, caller, claim_id, 422, decision_values=values, decision_errors=errors
    )


@router.post("/operator/parcels/{parcel_id:uuid}/attach", response_class=HTMLResponse)
async def attach_parcel(
    request: Request, apis: ApisDep, caller: Operator, parcel_id: UUID
) -> Response:
    rma_number = str((await request.form()).get("rma_number") or "").strip()
    errors = FormErrors(("rma_number",))
    with errors.refusals():
        attached = await apis.claims.attach_parcel(caller, parcel_id, rma_number)
    if errors:
        return render(
            request,
            "dashboard.html",
            status_code=422,
            attach_errors={str(parcel_id): errors},
            attach_values={str(parcel_id): rma_number},
            **await dashboard_page_context(apis, caller),
        )
    return RedirectResponse(f"/operator/claims/{attached.claim_id}?done=attached", status_code=303)


def command_body(command: str, values: dict[str, str], errors: FormErrors) -> dict[str, Any]:
    """What one of the forms after the decision sends; empty fields are left to the API, which
    names what is missing (a refund without an amount, a shipment without its number)."""
    body: dict[str, Any] = {
        name: values[name] for name in COMMAND_FIELDS[command] if values.get(name)
    }
    if command == "refund":
        body.setdefault("method", "bank_transfer")
        try:
            amount = views.parse_amount(values.get("amount", ""))
        except ValueError:
            errors.add("amount", AMOUNT_EXAMPLE)
        else:
            body["amount"] = None if amount is None else str(amount)
    return body


@router.get("/operator/claims/{claim_id:uuid}/attachments/{attachment_id:uuid}")
async def operator_attachment(
    apis: ApisDep, caller: Operator, claim_id: UUID, attachment_id: UUID
) -> Response:
    """A file the customer attached (the sales document, photos): operators only."""
    return (await apis.claims.operator_attachment(caller, claim_id, attachment_id)).response()


@router.post("/operator/claims/{claim_id:uuid}/manufacturer-statement", response_class=HTMLResponse)
async def operator_manufacturer_statement(
    request: Request, apis: ApisDep, caller: Operator, claim_id: UUID
) -> Response:
    """Attach DJI's written statement that the unit cannot be repaired."""
    form = await request.form()
    errors = FormErrors(("statement",))
    statement = await read_upload(form.get("statement"), "statement", errors)
    if statement is None and not errors:
        errors.add("statement", N_("Wybierz plik z oświadczeniem producenta."))
    if statement is not None and not errors:
        with errors.refusals():
            await apis.claims.attach_manufacturer_statement(
                caller, claim_id, statement, idempotency_key(form.get(IDEMPOTENCY_FIELD))
            )
        if not errors:
            return RedirectResponse(f"/operator/claims/{claim_id}?done=statement", status_code=303)
    return await operator_claim_page(
        request,
        apis,
        caller,
        claim_id,
        errors.status_code or 422,
        failed_form="manufacturer-statement",
        form_values={},
        form_errors=errors,
    )


@router.post("/operator/claims/{claim_id:uuid}/{command}", response_class=HTMLResponse)
async def operator_command(
    request: Request, apis: ApisDep, caller: Operator, claim_id: UUID, command: OperatorCommand
) -> Response:
    """Record a replacement unit, ship back, record a refund or announce a repair delay."""
    form = await request.form()
    values = text_values(form, COMMAND_FIELDS[command])
    errors = FormErrors(COMMAND_FIELDS[command])
    body = command_body(command, values, errors)
    if not errors:
        with errors.refusals():
            await apis.claims.operator_command(
                caller, claim_id, command, body, idempotency_key(form.get(IDEMPOTENCY_FIELD))
            )
        if not errors:
            done = COMMAND_DONE[command]
            return RedirectResponse(f"/operator/claims/{claim_id}?done={done}", status_code=303)
    return await operator_claim_page(
        request,
        apis,
        caller,
        claim_id,
        errors.status_code or 422,
        failed_form=command,
        form_values=values,
        form_errors=errors,
    )
