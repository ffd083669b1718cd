"""The bench's arithmetic: stages of one claim, percentiles and rates."""

from __future__ import annotations

from tools.bench.load import FiledClaim
from tools.bench.observe import ClaimEvents
from tools.bench.report import journeys, percentile, phase_figures


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
