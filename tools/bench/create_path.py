"""`POST /api/claims` against its floor, the bare HTTP baseline (tools/bench/http_baseline.py).

Both run the same way in the same run: `in_flight` customers each filing again as soon as
answered, for the same seconds, with the same PDF and tokens, in alternating windows (so that
a machine whose load swings weighs on both alike). The claims service files with warranty and
notifications stopped meanwhile (its relay still puts ClaimCreated on the topic: that is part
of filing); the baseline files with every service stopped. Their rates and the CPU seconds per
created claim of the claims processes and of the baseline's are set side by side (issue 27,
item 2).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from tools.bench.load import FiledClaim
from tools.bench.report import latency

CREATE_RATE_TARGET = 0.5  # at least this share of the baseline's rate
CREATE_CPU_TARGET = 2.0  # at most this many times the baseline's CPU per created claim
ROUNDS = 4  # windows of each side, alternating, when there are seconds enough


@dataclass(frozen=True)
class Filing:
    """One side's run: the claims filed, its window and its processes' CPU seconds."""

    filed: list[FiledClaim]
    seconds: float
    cpu_seconds: float

    @classmethod
    def joined(cls, windows: list[Filing]) -> Filing:
        """Several windows of one side as one."""
        return cls(
            [claim for window in windows for claim in window.filed],
            sum(window.seconds for window in windows),
            sum(window.cpu_seconds for window in windows),
        )

    @property
    def created(self) -> int:
        return sum(1 for claim in self.filed if claim.status == 201)

    @property
    def per_second(self) -> float:
        return self.created / self.seconds if self.seconds > 0 else 0.0

    @property
    def cpu_per_claim(self) -> float | None:
        return self.cpu_seconds / self.created if self.created else None

    def figures(self) -> dict[str, Any]:
        answered = [c.responded_at - c.sent_at for c in self.filed if c.status == 201]
        return {
            "created": self.created,
            "refused_or_failed": len(self.filed) - self.created,
            "seconds": round(self.seconds, 2),
            "per_second": round(self.per_second, 1),
            "cpu_seconds_per_claim": _round(self.cpu_per_claim),
            "http": latency(answered),
        }


def _round(value: float | None, digits: int = 5) -> float | None:
    return None if value is None else round(value, digits)


def figures(claims: Filing, baseline: Filing, in_flight: int, windows: int = 1) -> dict[str, Any]:
    rate_ratio = claims.per_second / baseline.per_second if baseline.per_second else None
    cpu_ratio = (
        claims.cpu_per_claim / baseline.cpu_per_claim
        if claims.cpu_per_claim is not None and baseline.cpu_per_claim
        else None
    )
    return {
        "in_flight": in_flight,
        "alternating_windows": windows,
        "claims": claims.figures(),
        "baseline": baseline.figures(),
        "rate_ratio": _round(rate_ratio, 2),
        "cpu_ratio": _round(cpu_ratio, 2),
    }


def cpu_of(sample: dict[str, float], names: list[str]) -> float:
    return sum(sample.get(name, 0.0) for name in names)


async def file_for(
    load: Callable[[], Awaitable[list[FiledClaim]]],
    cpu_now: Callable[[], float],
) -> Filing:
    """Run `load` and take the CPU seconds `cpu_now` counts across it."""
    cpu, started = cpu_now(), time.monotonic()
    filed = await load()
    return Filing(filed, time.monotonic() - started, cpu_now() - cpu)


def rounds(seconds: float) -> int:
    """Alternating windows of at least 2 s each, `ROUNDS` at most."""
    return max(1, min(ROUNDS, int(seconds // 2)))
