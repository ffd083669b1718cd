"""The bench's arithmetic: stages of one claim, percentiles and rates; its backlog's claims."""

from __future__ import annotations

from tools.bench.backlog import backlog_claims
from tools.bench.load import FiledClaim
from tools.bench.observe import ClaimEvents
from tools.bench.report import journeys, kept_up, percentile, phase_figures


def test_percentile_is_the_nearest_rank() -> None:
    values = [float(n) for n in range(1, 101)]
    assert percentile(values, 0.50) == 50.0
    assert percentile(values, 0.95) == 95.0
    assert percentile(values, 0.99) == 99.0
    assert percentile([7.0], 0.99) == 7.0
    assert percentile([], 0.5) is None


def test_each_stage_of_a_claim_is_measured_from_its_own_start() -> None:
    filed = FiledClaim("fixed", sent_at=100.0, responded_at=100.2, status=201, claim_id="c1")
    events = ClaimEvents(created={"c1": 100.25}, assessed={"c1": 100.75})
    emails = {"c1": {"ClaimCreated": 101.0, "WarrantyAssessed": 102.0}}

    [journey] = journeys([filed], events, emails)
    spans = journey.stage_seconds()

    assert round(spans["http_create"][0], 3) == 0.2
    assert round(spans["commit_to_topic"][0], 3) == 0.05
    assert round(spans["created_to_assessed"][0], 3) == 0.5
    assert sorted(round(s, 3) for s in spans["event_to_email"]) == [0.75, 1.25]
    assert round(spans["end_to_end"][0], 3) == 2.0


def test_a_claim_without_its_second_email_is_not_complete() -> None:
    filed = FiledClaim("fixed", 100.0, 100.2, 201, "c1")
    refused = FiledClaim("fixed", 100.0, 100.1, 422, None)
    events = ClaimEvents(created={"c1": 100.3}, assessed={"c1": 100.4})
    found = journeys([filed, refused], events, {"c1": {"ClaimCreated": 101.0}})

    figures = phase_figures("fixed", [filed, refused], found, 100.0, 101.0)

    assert figures["offered"] == 2 and figures["created"] == 1
    assert figures["refused_or_failed"] == 1
    assert figures["completed_end_to_end"] == 0
    assert figures["stages"]["end_to_end"]["count"] == 0
    assert figures["stages"]["end_to_end"]["p99_ms"] is None
    assert figures["stages"]["event_to_email"]["count"] == 1


def test_a_claim_counts_as_kept_up_only_with_both_emails_by_2_s_after_the_phase() -> None:
    on_time = FiledClaim("search", 100.0, 100.1, 201, "on-time")
    late = FiledClaim("search", 100.5, 100.6, 201, "late")
    events = ClaimEvents(
        created={"on-time": 100.2, "late": 100.7}, assessed={"on-time": 100.3, "late": 100.8}
    )
    emails = {
        "on-time": {"ClaimCreated": 101.0, "WarrantyAssessed": 102.9},
        "late": {"ClaimCreated": 101.0, "WarrantyAssessed": 103.1},  # drained after the step
    }
    found = journeys([on_time, late], events, emails)

    figures = phase_figures("search", [on_time, late], found, 100.0, 101.0)

    assert figures["completed_end_to_end"] == 2
    assert figures["completed_by_end_plus_2s"] == 1


def test_a_step_is_sustained_only_when_its_load_was_offered_and_its_emails_kept_up() -> None:
    step = {"offered": 100, "refused_or_failed": 0, "completed_by_end_plus_2s": 95}
    assert kept_up({**step, "seconds": 16.9}, planned_seconds=15.0)
    # The answers came so slowly that the 15 s of load took 29 s to offer.
    assert not kept_up({**step, "seconds": 29.3}, planned_seconds=15.0)
    assert not kept_up({**step, "seconds": 15.0, "completed_by_end_plus_2s": 94}, 15.0)
    assert not kept_up({**step, "seconds": 15.0, "refused_or_failed": 1}, 15.0)


def test_backlog_claims_are_each_for_a_unit_of_its_own() -> None:
    sample = {
        "event_id": "e0",
        "key": "c0",
        "type": "ClaimCreated",
        "data": {"claim_id": "c0", "serial_number": "1581F5FHD", "rma_number": "RMA/1/SR/2026"},
    }
    copies = backlog_claims(sample, 50)

    assert len({copy["data"]["serial_number"] for copy in copies}) == 50
    assert all(copy["data"]["serial_number"].startswith("1581F5FHD") for copy in copies)
    assert len({copy["event_id"] for copy in copies}) == 50
    assert all(copy["key"] == copy["data"]["claim_id"] for copy in copies)
    no_serial = {**sample, "data": {**sample["data"], "serial_number": None}}
    assert all(copy["data"]["serial_number"] is None for copy in backlog_claims(no_serial, 3))
