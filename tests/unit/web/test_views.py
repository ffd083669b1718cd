from __future__ import annotations

import ast
import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from services.web import i18n, views, vocabulary
from services.web.clients import ApiError, FieldError
from services.web.clients.accounts import Product
from services.web.clients.claims import DeadlineStanding, ProductRef
from services.web.forms import FormErrors
from services.web.live import LiveHub, summarize


@pytest.mark.parametrize(
    ("text", "amount"),
    [("1234.56", "1234.56"), ("1234,56", "1234.56"), ("1 234,56", "1234.56"), ("300", "300.00")],
)
def test_amounts_in_polish_formats(text: str, amount: str) -> None:
    assert views.parse_amount(text) == Decimal(amount)


def test_empty_amount_is_none_and_nonsense_is_refused() -> None:
    assert views.parse_amount("  ") is None
    with pytest.raises(ValueError):
        views.parse_amount("dużo")
    with pytest.raises(ValueError):
        views.parse_amount("-5")


def test_money_and_dates_in_polish_and_english() -> None:
    assert views.money("1234.5") == "1\u00a0234,50\u00a0zł"
    assert views.local_date("2026-02-28") == "28.02.2026"
    assert views.local_datetime("2026-07-01T10:00:00+00:00") == "01.07.2026 12:00"
    assert views.money("1234.5", "en") == "PLN\u00a01,234.50"
    assert views.local_date("2026-02-28", "en") == "28 Feb 2026"
    assert views.local_datetime("2026-07-01T10:00:00+00:00", "en") == "1 Jul 2026 12:00"


def test_api_errors_land_next_to_their_fields() -> None:
    error = ApiError(
        422,
        "Popraw zaznaczone pola.",
        [
            FieldError("line_no", "product_not_on_linked_document", "Wybierz produkt."),
            FieldError("deductions.packaging", "range", "Za dużo."),
            FieldError(None, "rule", "Ogólny problem."),
            FieldError("unknown_field", "x", "Inne pole."),
        ],
    )
    errors = FormErrors.from_api(error, ("product", "deductions"), aliases={"line_no": "product"})
    assert errors.get("product") == ["Wybierz produkt."]
    assert errors.get("deductions") == ["Za dużo."]
    # Messages of no field shown on the form go to its top, never lost.
    assert errors.general == ["Ogólny problem.", "Inne pole."]


def test_a_missing_field_is_said_in_the_words_of_the_form() -> None:
    error = ApiError(
        422,
        "Popraw zaznaczone pola.",
        [
            FieldError("document_type", "missing", "To pole jest wymagane."),
            FieldError("line_no", "missing", "To pole jest wymagane."),
            FieldError("attachment", "missing", "To pole jest wymagane."),
        ],
    )
    errors = FormErrors.from_api(
        error, ("product", "attachment"), aliases={"document_type": "product", "line_no": "product"}
    )
    assert errors.get("product") == ["Wybierz produkt z powiązanego dokumentu zakupu."]
    assert str(errors.get("attachment")[0]).startswith("Dołącz dokument sprzedaży")


def test_an_error_without_a_list_shows_its_detail() -> None:
    errors = FormErrors.from_api(ApiError(401, "Nieprawidłowy e-mail lub hasło."), ())
    assert errors.general == ["Nieprawidłowy e-mail lub hasło."]


def test_deadlines_soonest_first_and_at_risk_as_the_claims_service_judges_them() -> None:
    """The panel sorts and shows; the days left and the risk are the claims service's."""
    standings = [
        DeadlineStanding(kind="dji_repair", due_on=None, state="waiting_for_receipt"),
        DeadlineStanding(
            kind="complaint_answer",
            due_on=date(2026, 3, 12),
            state="running",
            days_left=2,
            at_risk=True,
        ),
        DeadlineStanding(
            kind="return_refund",
            due_on=date(2026, 3, 9),
            state="missed",
            overdue=True,
            days_left=-1,
            at_risk=True,
        ),
    ]
    rows = views.standing_rows(standings)
    assert [row.kind for row in rows] == ["return_refund", "complaint_answer", "dji_repair"]
    assert rows[0].overdue and rows[0].at_risk
    assert rows[1].at_risk and not rows[1].overdue and rows[1].days_left == 2
    assert rows[2].days_left is None and not rows[2].at_risk
    assert i18n.days_left(-1) == "po terminie (1 dn.)"


def test_the_dashboard_skips_deadlines_settled_and_shows_the_next_that_counts() -> None:
    standings = [
        # Answered in time (kept), and one answered late: deemed accepted, but done. The claims
        # service counts no days for them.
        DeadlineStanding(kind="complaint_answer", due_on=date(2026, 3, 1), state="kept"),
        DeadlineStanding(kind="scooter_repair", due_on=date(2026, 3, 2), state="deemed_accepted"),
        DeadlineStanding(kind="dji_repair", due_on=date(2026, 3, 11), state="paused", days_left=1),
    ]
    shown = views.next_deadline(standings)
    assert shown is not None and shown.kind == "dji_repair" and shown.days_left == 1
    assert views.next_deadline(standings[:2]) is None


def test_operator_moves_are_the_ones_the_claim_allows() -> None:
    assert list(vocabulary.operator_targets(["in_inspection"])) == ["in_inspection"]
    decided = ["in_repair", "shipped_back", "refunded"]
    # Shipping back and refunds have forms of their own (carrier and number; amount and method).
    assert set(vocabulary.operator_targets(decided)) == {"in_repair"}
    assert vocabulary.operator_targets([]) == {}


def test_event_summaries_carry_no_personal_data() -> None:
    raw = json.dumps(
        {
            "type": "ClaimStatusChanged",
            "occurred_at": "2026-03-10T10:00:00Z",
            "data": {
                "claim_id": "c1",
                "rma_number": "RMA/1/SR/2026",
                "to_status": "received",
                "email": "jan@example.com",
            },
        }
    ).encode()
    summary = summarize(raw)
    assert summary == {
        "type": "ClaimStatusChanged",
        "claim_id": "c1",
        "rma_number": "RMA/1/SR/2026",
        "status": "received",
        "occurred_at": "2026-03-10T10:00:00Z",
    }
    assert summarize(b"not json") is None
    assert summarize(b'{"no": "type"}') is None


async def test_hub_fans_out_to_every_stream() -> None:
    hub = LiveHub(queue_size=1)
    async with hub.subscribe() as first, hub.subscribe() as second:
        hub.publish({"type": "A"})
        hub.publish({"type": "B"})  # a full queue drops, never blocks
        assert first.get_nowait() == {"type": "A"}
        assert second.get_nowait() == {"type": "A"}
        assert hub.listeners == 2
    assert hub.listeners == 0


def test_a_product_key_names_a_line_of_a_purchase_document() -> None:
    product = Product(
        document_type="FS", document_number="2025/7", line_no=2, ean="1", name="x", brand="y"
    )
    assert views.parse_product_key(product.key) == ProductRef(
        document_type="FS", document_number="2025/7", line_no=2
    )
    for not_a_key in ("", "PA|2025/7", "XX|2025/7|1", "PA||1", "PA|2025/7|pierwsza"):
        assert views.parse_product_key(not_a_key) is None


def test_no_function_of_the_web_panel_is_longer_than_80_lines() -> None:
    root = Path(views.__file__).parent
    too_long = []
    for source in root.rglob("*.py"):
        for node in ast.walk(ast.parse(source.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > 80:
                    too_long.append(f"{source.name}:{node.name} ({length} lines)")
    assert too_long == []


def test_overdue_is_the_claims_services_word_not_counted_again() -> None:
    """Issue 26: a deadline is overdue when the claims service says so; the panel does not judge
    it again from the days left (a paused or waiting deadline may be past its day unmissed)."""
    waiting = DeadlineStanding(
        kind="dji_repair", due_on=date(2026, 3, 9), state="paused", days_left=-1, at_risk=False
    )
    missed = DeadlineStanding(
        kind="complaint_answer", due_on=date(2026, 3, 9), state="missed", overdue=True
    )
    rows = views.standing_rows([waiting, missed])
    assert [(row.kind, row.overdue) for row in rows] == [
        ("dji_repair", False),
        ("complaint_answer", True),
    ]
