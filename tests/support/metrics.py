"""Reading a service's `/metrics` the way Prometheus does: parsed samples, summed by label; and
the metric names a PromQL expression (a dashboard's query) reads, from its parsed syntax tree."""

from __future__ import annotations

import re
from dataclasses import dataclass

import httpx
import promql_parser
from prometheus_client.parser import text_string_to_metric_families


@dataclass(frozen=True)
class Sample:
    name: str
    labels: dict[str, str]
    value: float


@dataclass(frozen=True)
class Scrape:
    samples: tuple[Sample, ...]
    families: dict[str, str]  # name: type

    def total(self, name: str, **labels: str) -> float:
        """The sum of the samples named `name` whose labels include `labels`."""
        return sum(
            sample.value
            for sample in self.samples
            if sample.name == name and labels.items() <= sample.labels.items()
        )

    def series(self, name: str) -> list[Sample]:
        return [sample for sample in self.samples if sample.name == name]

    def names(self) -> set[str]:
        """Every series name the exposition stands for, also of a family with no sample yet
        (a labelled counter before its first increment)."""
        names = {sample.name for sample in self.samples}
        for family, kind in self.families.items():
            names.update(family + suffix for suffix in _SERIES_SUFFIXES.get(kind, ("",)))
        return names


_SERIES_SUFFIXES = {
    "counter": ("_total", "_created"),
    "histogram": ("_bucket", "_count", "_sum", "_created"),
    "summary": ("", "_count", "_sum", "_created"),
    "gauge": ("",),
}


def parse(text: str) -> Scrape:
    families = list(text_string_to_metric_families(text))
    return Scrape(
        samples=tuple(
            Sample(sample.name, dict(sample.labels), sample.value)
            for family in families
            for sample in family.samples
        ),
        families={family.name: family.type for family in families},
    )


async def scrape(client: httpx.AsyncClient) -> Scrape:
    response = await client.get("/metrics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return parse(response.text)


def metric_names_in(expression: str) -> set[str]:
    """The metric names a PromQL expression selects; ValueError if it is no valid PromQL."""
    names: set[str] = set()

    def visit(node: promql_parser.Expr) -> None:
        if isinstance(node, promql_parser.VectorSelector) and node.name:
            names.add(node.name)

    promql_parser.walk(promql_parser.parse(expression), visit)
    return names


def without_grafana_variables(expression: str) -> str:
    """A dashboard query as Prometheus receives it: Grafana's `$__rate_interval` (and the like)
    become a duration, a variable such as `$job` a regex that matches every value."""
    expression = re.sub(r"\$__(?:rate_)?interval\b", "5m", expression)
    return re.sub(r"\$\{?\w+\}?", ".+", expression)
