"""The Prometheus scrape configuration and the Grafana provisioning agree with docker-compose:
every service is scraped at its port, and every panel reads the provisioned data source."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml

from tests.support.metrics import metric_names_in, parse, without_grafana_variables
from tools.support.stack import REPO

SERVICES = ("web", "accounts", "claims", "warranty", "notifications")
COMPOSE = yaml.safe_load((REPO / "docker-compose.yml").read_text(encoding="utf-8"))


def load_yaml(path: str) -> Any:
    return yaml.safe_load((REPO / path).read_text(encoding="utf-8"))


def test_prometheus_scrapes_every_service_at_its_compose_port() -> None:
    config = load_yaml("deploy/prometheus/prometheus.yml")
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    assert set(jobs) == set(SERVICES)
    for service in SERVICES:
        port = COMPOSE["services"][service]["environment"]["RMA_HTTP_PORT"]
        assert jobs[service]["metrics_path"] == "/metrics"
        assert jobs[service]["static_configs"] == [{"targets": [f"{service}:{port}"]}]


def test_compose_mounts_what_prometheus_and_grafana_read() -> None:
    prometheus = COMPOSE["services"]["prometheus"]["volumes"]
    assert "./deploy/prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro" in prometheus
    grafana = COMPOSE["services"]["grafana"]["volumes"]
    provider = load_yaml("deploy/grafana/provisioning/dashboards/rma.yml")["providers"][0]
    assert f"./deploy/grafana/dashboards:{provider['options']['path']}:ro" in grafana
    assert "./deploy/grafana/provisioning:/etc/grafana/provisioning:ro" in grafana


def test_every_panel_reads_the_provisioned_prometheus() -> None:
    sources = load_yaml("deploy/grafana/provisioning/datasources/prometheus.yml")["datasources"]
    [prometheus] = [source["uid"] for source in sources if source["type"] == "prometheus"]
    dashboard = json.loads(
        (REPO / "deploy/grafana/dashboards/rma-platform.json").read_text(encoding="utf-8")
    )
    panels = [panel for panel in dashboard["panels"] if panel["type"] != "row"]
    assert panels
    for panel in panels:
        assert panel["datasource"]["uid"] == prometheus, panel["title"]
        assert panel["targets"], panel["title"]
        assert all(target["datasource"]["uid"] == prometheus for target in panel["targets"])


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ("up", {"up"}),
        ('sum by (status) (rma_claims{job="claims"})', {"rma_claims"}),
        (
            "histogram_quantile(0.95, sum by (le, job) "
            '(rate(http_request_duration_seconds_bucket{job=~"$job"}[$__rate_interval])))',
            {"http_request_duration_seconds_bucket"},
        ),
        (
            'sum(rate(a_total{status="5xx"}[5m])) / on (job) '
            "sum without (handler) (rate(b_total[5m]))",
            {"a_total", "b_total"},
        ),
    ],
)
def test_metric_names_of_a_dashboard_query(query: str, names: set[str]) -> None:
    assert metric_names_in(without_grafana_variables(query)) == names


def test_a_query_that_is_no_promql_is_refused() -> None:
    with pytest.raises(ValueError):
        metric_names_in("sum(rate(rma_claims[5m])")


def test_a_scrape_names_the_series_of_a_family_without_samples() -> None:
    scrape = parse(
        "# HELP rma_dead_lettered_messages_total Dead letters\n"
        "# TYPE rma_dead_lettered_messages_total counter\n"
        "# HELP rma_claims Claims\n# TYPE rma_claims gauge\n"
        'rma_claims{status="submitted"} 2.0\n'
    )
    assert {"rma_dead_lettered_messages_total", "rma_claims"} <= scrape.names()
    assert scrape.total("rma_claims", status="submitted") == 2
