"""The panel's app over fake APIs, and a test client that behaves like a browser on the site."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient

from services.web.app import build_app
from services.web.settings import WebSettings
from tests.unit.web.fakes import CSRF_TOKEN, FakeApis


@pytest.fixture
def apis() -> Iterator[FakeApis]:
    fake = FakeApis()
    yield fake
    # Every answer a test made the services give is one they would give (tests/unit/web/
    # contracts.py): a field renamed in a service fails here.
    assert fake.contract_errors == [], "\n".join(dict.fromkeys(fake.contract_errors))


@pytest.fixture
def client(apis: FakeApis) -> Iterator[TestClient]:
    settings = WebSettings(live_updates=False, log_format="console")
    with TestClient(build_app(settings, transport=httpx.MockTransport(apis))) as test_client:
        # A browser on this site: its CSRF cookie, the same token sent back, its own Origin.
        test_client.cookies.set("rma_csrf", CSRF_TOKEN)
        test_client.headers.update({"X-CSRF-Token": CSRF_TOKEN, "Origin": "http://testserver"})
        yield test_client
