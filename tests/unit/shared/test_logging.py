from __future__ import annotations

import json

import pytest
import structlog

from shared.logging import configure_logging


def test_secrets_never_reach_a_log_line(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("unit", fmt="json")
    structlog.get_logger().info(
        'GET /activate?token=abc123SECRET&x=1 HTTP/1.1"', password="hunter2", api_key="k-1"
    )
    line = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    assert "abc123SECRET" not in json.dumps(line)
    assert line["password"] == "***" and line["api_key"] == "***"
    assert "token=***&x=1" in line["event"]
    assert line["service"] == "unit"
