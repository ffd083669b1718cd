"""Reading a service's `/metrics` the way Prometheus does: parsed samples, summed by label."""

from __future__ import annotations

from dataclasses import dataclass

import httpx
from prometheus_client.parser import text_string_to_metric_families


@dataclass(frozen=True)
class Sample:
    name: str
    labels: dict[str, str]
    value: float


@dataclass(frozen=True)
class Scrape:
    samples: tuple[Sample, ...]
    families: frozenset[str]

    def total(self, name: str, **labels: str) -> float:
        """The sum of the samples named `name` whose labels include `labels`."""
        return sum(
            sample.value
            for sample in self.samples
            if sample.name == name and labels.items() <= sample.labels.items()
        )

    def series(self, name: str) -> list[Sample]:
        return [sample for sample in self.samples if sample.name == name]


def parse(text: str) -> Scrape:
    families = list(text_string_to_metric_families(text))
    return Scrape(
        samples=tuple(
            Sample(sample.name, dict(sample.labels), sample.value)
            for family in families
            for sample in family.samples
        ),
        families=frozenset(family.name for family in families),
    )


async def scrape(client: httpx.AsyncClient) -> Scrape:
    response = await client.get("/metrics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return parse(response.text)
