"""An outage logged twice (start, end with a count), and what an Idempotency-Key stands for."""

from __future__ import annotations

import logging

from starlette.datastructures import Headers

from shared import outage as outage_module
from shared.idempotency import request_fingerprint
from shared.outage import OutageLog, RepeatedLineFilter
from tests.support.logs import captured_logs


def test_an_outage_is_logged_when_it_starts_and_when_it_ends_with_a_count() -> None:
    outage = OutageLog("database")
    with captured_logs(outage_module) as logs:
        for _ in range(1000):
            outage.failed(ConnectionRefusedError(111, "refused"))
        outage.recovered()
        outage.recovered()  # no outage: nothing to say
    assert [entry["event"] for entry in logs] == ["outage started", "outage ended"]
    assert logs[1]["failures"] == 1000 and logs[1]["dependency"] == "database"
    assert outage.failures == 0


def multipart(boundary: str, text: str) -> tuple[Headers, bytes]:
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="problem"\r\n\r\n{text}\r\n'
        f"--{boundary}--\r\n"
    ).encode()
    return Headers({"content-type": f"multipart/form-data; boundary={boundary}"}), body


def test_a_form_encoded_again_with_another_boundary_is_the_same_request() -> None:
    first = request_fingerprint("/api/claims", *multipart("a1b2c3", "Nie działa"))
    again = request_fingerprint("/api/claims", *multipart("z9y8x7", "Nie działa"))
    other = request_fingerprint("/api/claims", *multipart("z9y8x7", "Bateria"))
    elsewhere = request_fingerprint("/api/parcels", *multipart("a1b2c3", "Nie działa"))
    assert first == again
    assert len({first, other, elsewhere}) == 3


def test_a_library_repeating_its_connection_error_is_heard_once_per_kind() -> None:
    held = RepeatedLineFilter(window=60.0)

    def line(name: str, message: str, level: int = logging.ERROR) -> logging.LogRecord:
        return logging.LogRecord(name, level, __file__, 1, message, ("node 1",), None)

    passed = [
        held.filter(line("aiokafka.conn", "Unable connect to node %s")) for _ in range(1000)
    ] + [held.filter(line("aiokafka.consumer.fetcher", "Failed fetch from %s")) for _ in range(500)]
    assert passed.count(True) == 2  # the first of each kind
    assert held.filter(line("aiokafka.conn", "connected to %s", logging.INFO))  # not an error
    assert held.filter(line("shared.outbox", "Unable connect to node %s"))  # not the library's
    assert held.take_held_back() == 1498
    assert held.take_held_back() == 0
