"""Issue 27's targets read from one run's figures: each ratio, its bound and whether it was met."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tools.bench.baselines import Baseline
from tools.bench.targets import (
    OUR_FOUR,
    against_reference,
    markdown,
    notifications_cpu_per_email,
    pick_reference,
    reference_runs,
    table,
    targets,
)


def _run(**changes: Any) -> dict[str, Any]:
    figures: dict[str, Any] = {
        "create_path": {"rate_ratio": 0.62, "cpu_ratio": 2.4},
        "hops": [
            {
                "hop": "event -> email accepted (notifications alone) vs pooled SMTP",
                "ratio": 0.31,
            },
            {
                "hop": "ClaimCreated -> WarrantyAssessed (warranty alone) vs batched",
                "ratio": 0.7,
            },
        ],
        "backlog_hops_alone": {"notifications_cpu_seconds_per_claim": {"notifications": 0.012}},
        "baselines": [{"name": "smtp_pool_of_4", "cpu_seconds_per_item": 0.002}],
    }
    return {**figures, **changes}


def test_each_target_says_its_value_its_bound_and_whether_the_run_met_it() -> None:
    found = {t["target"]: t for t in targets(_run())}

    create_rate = found["POST /api/claims rate / bare HTTP baseline's"]
    assert (create_rate["value"], create_rate["bound"], create_rate["met"]) == (
        0.62,
        ">= 0.5",
        True,
    )
    create_cpu = found["claims CPU per created claim / bare HTTP baseline's"]
    assert (create_cpu["value"], create_cpu["met"]) == (2.4, False)
    assert found["notifications alone, emails/s / pool-of-4 sender's"]["met"] is False
    # 12 ms per claim is 6 ms per email, three times the sender's 2 ms.
    email_cpu = found["notifications CPU per email / bare pooled sender's"]
    assert (email_cpu["value"], email_cpu["met"]) == (3.0, False)
    assert found["warranty alone / batched bare consumer"]["met"] is True


def test_a_figure_the_run_lacks_is_not_measured_rather_than_met() -> None:
    found = targets(_run(create_path={}, baselines=[]))

    assert [t["met"] for t in found[:2]] == [None, None]
    assert notifications_cpu_per_email(_run(baselines=[]))["ratio"] is None
    assert "not measured" in table(found)
    assert "NOT met" in table(found) and " met" in table(found)


def test_a_baseline_counts_its_cpu_per_item() -> None:
    sender = Baseline("smtp_pool_of_4", count=400, seconds=2.0, cpu_seconds=0.8)

    assert sender.figures() == {
        "name": "smtp_pool_of_4",
        "count": 400,
        "seconds": 2.0,
        "per_second": 200.0,
        "cpu_seconds_per_item": 0.002,
    }
    assert Baseline("kafka_pg_batched", 10, 1.0).figures()["cpu_seconds_per_item"] is None


def test_the_docs_table_names_the_load_and_each_target() -> None:
    run = _run(
        started_at="2026-12-05T21:00:00+00:00",
        machine={"cpus": 2, "cpu_model": "AMD EPYC", "load_average_at_start": [6.5, 7.0, 8.25]},
        scale_out={"instances": 2, "http_ratio": 1.1, "backlog_ratio": 1.4},
    )

    text = markdown(run)

    assert "load average at its start 6.5, 7, 8.25" in text
    assert "| POST /api/claims rate / bare HTTP baseline's | 0.62 | >= 0.5 | yes |" in text
    assert "| claims CPU per created claim / bare HTTP baseline's | 2.4 | <= 2 | **no** |" in text
    assert "1.1, 1.4" in text


def test_the_docs_table_names_the_load_at_the_runs_end_too() -> None:
    machine = {"cpus": 2, "load_average_at_start": [1.5, 2, 3], "load_average_at_end": [4, 5, 6]}
    run = _run(started_at="2026-12-06T09:00:00+00:00", machine=machine)

    assert "load average at its start 1.5, 2, 3, at its end 4, 5, 6:" in markdown(run)


def _measured(cpu_model: str, rate: int, **cpu: float) -> dict[str, Any]:
    """A run's description and its fixed phase's CPU per claim of each process."""
    return _run(
        started_at="2026-12-06T10:00:00+00:00",
        machine={"cpus": 2, "cpu_model": cpu_model},
        phases=[{"phase": f"fixed {rate}/s"}],
        cpu_seconds_per_claim=cpu,
    )


def test_item_5_is_our_four_services_cpu_per_claim_against_the_reference_runs() -> None:
    before = _measured("Intel Xeon", 10, claims=0.02, warranty=0.01, notifications=0.015)
    before["cpu_seconds_per_claim"]["accounts"] = 0.005
    # Kafka, PostgreSQL, the mailbox and the bench's own client are not ours.
    now = _measured("Intel Xeon", 10, claims=0.01, warranty=0.004, notifications=0.007, kafka=1.0)
    now["cpu_seconds_per_claim"]["accounts"] = 0.001

    found = {t["target"]: t for t in targets(now, before)}

    assert (found[OUR_FOUR]["value"], found[OUR_FOUR]["met"]) == (0.44, True)
    assert against_reference(now, before)["same_conditions"] is True
    assert {t["target"]: t for t in targets(now)}[OUR_FOUR]["met"] is None


def test_the_reference_is_the_one_measured_on_the_same_machine_at_the_same_rate(
    tmp_path: Path,
) -> None:
    def kept(name: str, run: dict[str, Any]) -> Path:
        path = tmp_path / name
        path.write_text(json.dumps(run))
        return path

    default = kept("reference.json", _measured("AMD EPYC", 20, claims=0.05))
    same_machine = kept("reference-intel-20.json", _measured("Intel Xeon", 20, claims=0.03))
    same_both = kept("reference-intel-10.json", _measured("Intel Xeon", 10, claims=0.02))
    found = reference_runs(tmp_path)

    assert found == [default, same_both, same_machine]  # the default first, then by name
    assert pick_reference(_measured("Intel Xeon", 10), found) == same_both
    assert pick_reference(_measured("Intel Xeon", 20), found) == same_machine
    # No run at its rate: the first on its machine.
    assert pick_reference(_measured("Intel Xeon", 5), found) == same_both
    assert pick_reference(_measured("ARM", 10), found) == default
    assert pick_reference(_measured("ARM", 10), []) is None


def test_the_docs_table_says_when_the_reference_ran_in_other_conditions() -> None:
    reference = _measured("AMD EPYC", 20, claims=0.04, accounts=0, warranty=0, notifications=0)
    run = _measured("Intel Xeon", 10, claims=0.01, accounts=0, warranty=0, notifications=0)

    text = markdown(run, reference)

    assert f"| {OUR_FOUR} | 0.25 | <= 0.5 | yes |" in text
    assert "the reference run 0.04 s (its fixed 20/s, 2026-12-06T10:00:00+00:00 on AMD EPYC" in text
    assert "another machine model or fixed rate than this run" in text
    assert "the same machine model" in markdown(_measured("AMD EPYC", 20, **_four(0.02)), reference)


def _four(each: float) -> dict[str, float]:
    return dict.fromkeys(("accounts", "claims", "warranty", "notifications"), each)
