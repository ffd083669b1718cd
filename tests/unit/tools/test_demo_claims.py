"""The demo customer's documents and plan (tools/demo_claims.py): valid for the ERP feed, and
each planned claim filed after its document and before today."""

from __future__ import annotations

from datetime import date, datetime

from tools.demo_claims import STORY, claims_plan, customer_documents
from tools.erp_feed import BadDocument, validate_document

TODAY = date(2026, 12, 5)


def test_the_customers_documents_pass_the_erp_feeds_checks() -> None:
    documents = customer_documents(TODAY)
    checked = [validate_document(raw, f"document {i}") for i, raw in enumerate(documents)]
    assert not [c for c in checked if isinstance(c, BadDocument)]
    serials = [s for d in documents for line in d["lines"] for s in line["serial_numbers"]]
    assert len(serials) == len(set(serials)) == len(STORY)


def test_every_claim_is_filed_after_its_document_was_delivered_and_before_today() -> None:
    delivered = {d["document_number"]: d["delivered_on"] for d in customer_documents(TODAY)}
    plan = claims_plan(TODAY, "00000000-0000-0000-0000-000000000001")
    for claim in plan["claims"]:
        filed_on = datetime.fromisoformat(claim["filed_at"]).date()
        assert date.fromisoformat(delivered[claim["document_number"]]) <= filed_on < TODAY
    # A return needs no problem from the list; a drone's complaint names one of its problems.
    assert all(c["problem_code"] is None for c in plan["claims"] if c["claim_type"] == "return")
    assert all(c["problem_code"] for c in plan["claims"] if c["claim_type"] == "dji")
